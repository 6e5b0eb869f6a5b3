#include "engine/eval/audit_trend.h"

#include <set>
#include <tuple>

#include "engine/eval/engine.h"

namespace stagegate::eval {
namespace {

using Key = std::tuple<std::string, std::string, std::string>;  // rule, subject kind, subject id

bool IsFinding(std::string_view outcome) {
  return outcome == "fail" || outcome == "error" || outcome == "not_evaluable";
}

}  // namespace

std::optional<AuditTrend> CompareAudits(const RunResult& current, const subjects::SubjectSet& subjects,
                                        const nlohmann::json& previous, std::string* error) {
  if (!previous.is_object() || !previous.contains("outcomes") || !previous["outcomes"].is_array()) {
    *error = "the previous audit's record holds no outcomes list";
    return std::nullopt;
  }
  AuditTrend trend;
  if (previous.contains("evaluated_at") && previous["evaluated_at"].is_string()) {
    trend.previous_evaluated_at = previous["evaluated_at"].get<std::string>();
  }
  std::set<Key> before;
  std::vector<FindingRef> before_list;
  for (const nlohmann::json& outcome : previous["outcomes"]) {
    const nlohmann::json* rule = outcome.is_object() && outcome.contains("rule") ? &outcome["rule"] : nullptr;
    const nlohmann::json* subject = outcome.is_object() && outcome.contains("subject") ? &outcome["subject"] : nullptr;
    const nlohmann::json* result = outcome.is_object() && outcome.contains("outcome") ? &outcome["outcome"] : nullptr;
    if (rule == nullptr || subject == nullptr || result == nullptr || !rule->is_string() || !result->is_string() ||
        !subject->is_object() || !subject->contains("kind") || !subject->contains("id") ||
        !(*subject)["kind"].is_string() || !(*subject)["id"].is_string()) {
      *error = "the previous audit's record has a malformed outcome";
      return std::nullopt;
    }
    if (!IsFinding(result->get_ref<const std::string&>())) continue;
    FindingRef ref{rule->get<std::string>(), (*subject)["kind"].get<std::string>(), (*subject)["id"].get<std::string>(),
                   result->get<std::string>()};
    if (before.insert({ref.rule_id, ref.subject_kind, ref.subject_id}).second) before_list.push_back(std::move(ref));
  }
  std::set<Key> now;
  for (const OutcomeRecord& o : current.outcomes) {
    const std::string outcome(OutcomeName(o.outcome));
    if (!IsFinding(outcome)) continue;
    now.insert({o.rule_id, o.subject_kind, o.subject_id});
    if (before.count({o.rule_id, o.subject_kind, o.subject_id}) != 0) {
      ++trend.still_failing;
    } else {
      trend.new_findings.push_back({o.rule_id, o.subject_kind, o.subject_id, outcome});
    }
  }
  std::set<std::string> rules_now;
  for (const RuleInfo& rule : current.rules) rules_now.insert(rule.id);
  for (FindingRef& ref : before_list) {
    if (now.count({ref.rule_id, ref.subject_kind, ref.subject_id}) != 0) continue;
    const std::optional<facts::SubjectKind> kind = facts::ParseSubjectKind(ref.subject_kind);
    const bool still_judged = rules_now.count(ref.rule_id) != 0 && kind && subjects.Find(*kind, ref.subject_id);
    (still_judged ? trend.fixed : trend.gone).push_back(std::move(ref));
  }
  for (const WaiverInfo* waiver : ExpiringSoon(current)) trend.waivers_expiring.push_back(*waiver);
  return trend;
}

}  // namespace stagegate::eval
