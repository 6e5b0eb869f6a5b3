#include "engine/eval/run_result.h"

namespace stagegate::eval {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kNotEvaluable: return "not_evaluable";
    case Outcome::kError: return "error";
    case Outcome::kWaived: return "waived";
    case Outcome::kNotApplicable: return "not_applicable";
  }
  return "error";
}

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "medium";
}

std::string_view EnforcementName(Enforcement enforcement) {
  switch (enforcement) {
    case Enforcement::kDeny: return "deny";
    case Enforcement::kWarn: return "warn";
    case Enforcement::kAudit: return "audit";
  }
  return "deny";
}

std::string_view DecisionName(Decision decision) { return decision == Decision::kDeny ? "deny" : "allow"; }

}  // namespace stagegate::eval
