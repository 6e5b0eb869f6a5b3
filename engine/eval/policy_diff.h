#pragma once
// The impact of a policy change (`stagegate diff`): rules added, removed and
// changed between two loaded bundles (two revisions of a policy repository),
// and, when both were evaluated on the same inputs, every (rule, subject)
// outcome that flips and the overall decision before and after.
//
// Rules are matched by id ("policy/rule"). A rule is changed when anything
// that affects its judgement differs: subject kind, assert, when, the policy
// selector, params (after `with:` merged over the defaults), variables,
// severity, enforcement, stages, controls, message.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"
#include "engine/policy/model.h"

namespace stagegate::eval {

struct FieldChange {
  std::string field;   // "assert", "severity", "params.max_missing_ratio", "variables.window", ...
  std::string before;  // rendered value; "(none)" when absent
  std::string after;
};

enum class RuleChangeKind { kAdded, kRemoved, kChanged };
std::string_view RuleChangeKindName(RuleChangeKind kind);  // "added", "removed", "changed"

struct RuleChange {
  RuleChangeKind kind = RuleChangeKind::kChanged;
  std::string rule;               // "policy/rule"
  std::string title;
  // Where the rule is used: "policies/telemetry.yaml:8", repository-relative,
  // in the `to` revision (in the `from` revision for removed rules).
  std::string where;
  std::vector<FieldChange> changes;  // kChanged only, in a fixed field order
};

// One (rule, subject) whose outcome differs. An absent side means the rule
// does not exist (or did not run) in that revision; pairs where one side is
// absent and the other pass or not_applicable are not listed (a new rule that
// passes flips nothing).
struct OutcomeFlip {
  std::string rule;
  std::string subject_kind;
  std::string subject_id;
  std::optional<Outcome> before;
  std::optional<Outcome> after;
  std::string message;  // of the side that does not pass (after when both do not)
  std::map<std::string, nlohmann::json> evidence;  // of the same side
  // True when the flip makes the subject worse: after is fail, error or
  // not_evaluable and before was not.
  bool worse() const;
};

struct PolicyDiff {
  bundle::SourceInfo from;
  bundle::SourceInfo to;
  std::vector<RuleChange> rules;  // added, removed and changed, sorted by rule id
  int added = 0, removed = 0, changed = 0, unchanged = 0;

  // Filled by AddOutcomeDiff.
  bool evaluated = false;
  std::vector<InputInfo> inputs;
  int64_t subjects = 0;
  std::string evaluated_at;
  Decision decision_before = Decision::kAllow;
  Decision decision_after = Decision::kAllow;
  Counts counts_before, counts_after;
  std::vector<OutcomeFlip> flips;  // sorted by (rule, subject kind, subject id)
};

// Compares the rules of two bundles.
PolicyDiff DiffPolicies(const policy::LoadedBundle& from, const policy::LoadedBundle& to);

// Adds the outcome flips and decisions of two runs on the same inputs.
// `before` and `after` must have been run with record_passing.
void AddOutcomeDiff(const RunResult& before, const RunResult& after, int64_t subjects, PolicyDiff* diff);

// Renders the diff for a terminal, as Markdown (a PR comment), or as JSON
// (schema version 1, see docs/cli.md).
std::string RenderDiffText(const PolicyDiff& diff);
std::string RenderDiffMarkdown(const PolicyDiff& diff);
std::string RenderDiffJson(const PolicyDiff& diff);

}  // namespace stagegate::eval
