#pragma once
// What changed since the previous audit: findings that are new, fixed or
// still there, and waivers about to expire. The previous audit is read from
// the evidence log as its recorded decision (stagegate.decision/v1).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"
#include "engine/subjects/inputs.h"

namespace stagegate::eval {

struct FindingRef {
  std::string rule_id;
  std::string subject_kind;
  std::string subject_id;
  std::string outcome;  // "fail", "error", "not_evaluable"
};

struct AuditTrend {
  std::string previous_run_id;
  std::string previous_evaluated_at;
  std::vector<FindingRef> new_findings;  // findings now that the previous audit did not have
  std::vector<FindingRef> fixed;         // previous findings whose rule and subject are still judged, without a finding now
  std::vector<FindingRef> gone;          // previous findings whose rule or subject is no longer in the audit
  int64_t still_failing = 0;
  std::vector<WaiverInfo> waivers_expiring;  // unexpired waivers within the notice period
};

// Compares `current` (judged on `subjects`) with `previous` (the decision
// object of the earlier audit's evidence record). Nullopt with `error` set
// when `previous` is not a decision with outcomes.
std::optional<AuditTrend> CompareAudits(const RunResult& current, const subjects::SubjectSet& subjects,
                                        const nlohmann::json& previous, std::string* error);

}  // namespace stagegate::eval
