#pragma once
// Shared by the exports of a recorded run (evidence_exports.h); private to
// reports/. A run record is read once into the typed view below, checking
// every field the exports use, so that the exporters never meet a missing
// field or a wrong type.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace stagegate::reports::exports {

inline constexpr std::string_view kRunRecordSchema = "stagegate.evidence.run/v1";
inline constexpr std::string_view kDecisionSchema = "stagegate.decision/v1";

struct PolicySourceView {
  std::string kind;  // "directory" or "git"
  std::string location;
  std::string ref;
  std::string commit;
  std::string tree;
  bool in_git = false;
  bool dirty = false;
  std::string path_in_repo;
};

struct InputView {
  std::string path;
  std::string sha256;  // 64 lowercase hex digits
};

struct RuleView {
  std::string id;
  std::string title;
  std::string subject_kind;
  std::string severity;
  std::string enforcement;
  std::vector<std::string> controls;  // "framework:control-id"
  // The rule's recorded `counts.pass`: an audit counts passing outcomes
  // rather than listing them, so this may exceed the listed passes.
  std::optional<int64_t> pass_count;
};

struct OutcomeView {
  size_t index = 0;  // position in result.outcomes
  std::string rule;
  std::string subject_kind;
  std::string subject_id;
  std::string outcome;
  std::string message;       // "" when absent
  std::string missing_fact;  // "" when absent
  std::string waiver;        // "" when absent
  nlohmann::json evidence = nlohmann::json::object();
};

struct WaiverView {
  std::string id;
  std::string reason;
  std::string ticket;
  std::string approver;
  std::string expires;
  bool expired = false;
  int64_t days_left = 0;
};

struct RunView {
  std::string run_id;
  uint64_t sequence = 0;
  std::string kind;
  std::string leaf_hash;  // 64 lowercase hex digits
  std::string decision;   // "allow" or "deny"
  std::string evaluated_at;
  std::string started_at;
  std::string finished_at;
  std::string engine_version;
  std::string fail_on;
  PolicySourceView policy_source;
  std::vector<InputView> inputs;
  nlohmann::json counts = nlohmann::json::object();
  std::vector<std::string> deny_reasons;
  std::vector<RuleView> rules;
  std::vector<OutcomeView> outcomes;
  std::vector<WaiverView> waivers;

  // Returns the rule with `id`, or nullptr.
  const RuleView* FindRule(std::string_view id) const;
  // Returns the waiver with `id`, or nullptr.
  const WaiverView* FindWaiver(std::string_view id) const;
};

// Reads `record` (a stagegate.evidence.run/v1 object) stored under
// `leaf_hash_hex`. Returns nullopt and sets `error` ("run record:
// result.outcomes[2].rule: expected a string") when a field the exports read
// is missing or has the wrong type, a time is not an RFC 3339 date-time with a
// time zone, a digest is not hex, or the leaf hash is not 64 hex digits.
std::optional<RunView> ReadRun(const nlohmann::json& record, std::string_view leaf_hash_hex, std::string* error);

// Returns true for "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" with a
// real calendar date, years 1900 to 2999 (OSCAL's date-time pattern).
bool IsDateTime(std::string_view text);

// Returns the rank of a severity name (info 0 … critical 4), or -1.
int SeverityRank(std::string_view severity);

// Returns true when `outcome` of `rule` denies the run: fail, error or
// not_evaluable of a deny-enforced rule at or above `fail_on`, as in the
// decision document.
bool Denies(const RuleView* rule, std::string_view outcome, std::string_view fail_on);

// Returns "<rule id> [<kind>/<id>]", the name JUnit gives an outcome too.
std::string TestName(const OutcomeView& outcome);

// Returns the URI of the policy source: for a clean git revision the SPDX
// VCS locator "git+file:///repo@<commit>#<path in repo>", otherwise
// "file:///location" (percent-encoded).
std::string PolicySourceUri(const PolicySourceView& source);
// Returns true when the source's content is identified by its commit: it
// has a commit and no uncommitted changes.
bool IsCleanGitSource(const PolicySourceView& source);

// Returns "stagegate:evidence/leaf/sha256:<hex>", the URI of a run's leaf.
std::string LeafUri(std::string_view leaf_hash);

// Returns `json` as two-space indented JSON ending in a newline; invalid
// UTF-8 in strings becomes U+FFFD.
std::string Pretty(const nlohmann::ordered_json& json);
// Returns `json` as compact JSON, invalid UTF-8 as U+FFFD.
std::string Compact(const nlohmann::ordered_json& json);

}  // namespace stagegate::reports::exports
