#pragma once
// Helpers shared by the renderers; private to reports/.
//
// The renderers name enum values here rather than through eval::OutcomeName
// and friends, so that stagegate_reports needs the engine's headers only, not
// its libraries. The spellings are the same and are part of every format.

#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include "engine/eval/run_result.h"

namespace stagegate::reports::internal {

// Waivers whose expiry is this many days away or fewer are "expiring soon"
// and are listed in every output (issue 3, section 1).
inline constexpr int64_t kWaiverExpiringSoonDays = 14;

std::string_view OutcomeText(eval::Outcome outcome);
std::string_view SeverityText(eval::Severity severity);
std::string_view EnforcementText(eval::Enforcement enforcement);
std::string_view DecisionText(eval::Decision decision);

// Returns true when the waiver still applies and expires within
// kWaiverExpiringSoonDays days of the evaluation time.
bool ExpiringSoon(const eval::WaiverInfo& waiver);

// Returns one line per waiver that has expired or expires soon, for outputs
// that carry them as notes ("w-1 (policy/rule): expires 2025-06-10, 9 days left").
std::vector<std::string> WaiverNotices(const eval::RunResult& result);

// Returns true when `outcome` of `rule` denies the run: a fail, error or
// not_evaluable outcome of a deny-enforced rule at or above `fail_on`.
bool Denies(const eval::RuleInfo& rule, eval::Outcome outcome, eval::Severity fail_on);

// Returns the path of a bundle file relative to the repository root: the
// source's path_in_repo joined with `file` ("policies" + "a.yaml").
std::string RepositoryPath(const bundle::SourceInfo& source, const std::string& file);

// Returns `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);


// Returns the subject as "<kind>/<id>".
std::string SubjectName(const eval::OutcomeRecord& outcome);

// Returns `text` safe inside a GitHub-flavoured Markdown table cell: pipes
// and Markdown punctuation backslash-escaped, HTML's markup characters as
// entities (so text is never taken for a tag), line breaks as <br>.
std::string Cell(std::string_view raw);

}  // namespace stagegate::reports::internal
