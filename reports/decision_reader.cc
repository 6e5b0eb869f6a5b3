#include "reports/decision_reader.h"

#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "reports/internal.h"
#include "reports/json_reader.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::json;
using internal::JsonReader;
using internal::ReadCounts;
namespace in = internal;

constexpr std::string_view kDecisionSchema = "stagegate.decision/v1";

// The spellings RenderJson writes, in enum order.
template <typename Enum, size_t N>
std::vector<std::string_view> Names(const Enum (&values)[N], std::string_view (*text)(Enum)) {
  std::vector<std::string_view> names;
  for (Enum value : values) names.push_back(text(value));
  return names;
}

constexpr eval::Outcome kOutcomes[] = {eval::Outcome::kPass,  eval::Outcome::kFail,   eval::Outcome::kNotEvaluable,
                                       eval::Outcome::kError, eval::Outcome::kWaived, eval::Outcome::kNotApplicable};
constexpr eval::Severity kSeverities[] = {eval::Severity::kInfo, eval::Severity::kLow, eval::Severity::kMedium,
                                          eval::Severity::kHigh, eval::Severity::kCritical};
constexpr eval::Enforcement kEnforcements[] = {eval::Enforcement::kDeny, eval::Enforcement::kWarn,
                                               eval::Enforcement::kAudit};
constexpr eval::Decision kDecisions[] = {eval::Decision::kAllow, eval::Decision::kDeny};

eval::Severity ReadSeverity(JsonReader& r, const Json& object, std::string_view key, const std::string& path) {
  return kSeverities[r.OneOf(object, key, path, Names(kSeverities, in::SeverityText))];
}

bundle::SourceInfo ReadSource(JsonReader& r, const Json& document) {
  bundle::SourceInfo source;
  const Json* json = r.Object(document, "policy_source", "");
  if (json == nullptr) return source;
  const std::string at = "policy_source";
  source.kind = r.String(*json, "kind", at);
  source.location = r.String(*json, "location", at);
  source.ref = r.String(*json, "ref", at);
  source.commit = r.String(*json, "commit", at);
  source.tree = r.String(*json, "tree", at);
  source.in_git = r.Bool(*json, "in_git", at);
  source.dirty = r.Bool(*json, "dirty", at);
  source.path_in_repo = r.String(*json, "path_in_repo", at);
  return source;
}

eval::RuleInfo ReadRule(JsonReader& r, const Json& json, const std::string& path) {
  eval::RuleInfo rule;
  rule.id = r.String(json, "id", path);
  rule.policy = r.String(json, "policy", path);
  rule.rule = r.String(json, "rule", path);
  rule.title = r.String(json, "title", path);
  rule.description = r.String(json, "description", path);
  rule.remediation = r.String(json, "remediation", path);
  rule.subject_kind = r.String(json, "subject_kind", path);
  rule.expression = r.String(json, "expression", path);
  rule.severity = ReadSeverity(r, json, "severity", path);
  rule.enforcement = kEnforcements[r.OneOf(json, "enforcement", path, Names(kEnforcements, in::EnforcementText))];
  rule.controls = r.Strings(json, "controls", path);
  rule.counts = ReadCounts(r, json, path);
  if (const Json* location = r.Object(json, "location", path)) {
    const std::string at = JsonReader::Join(path, "location");
    rule.location.file = r.String(*location, "file", at);
    rule.location.line = r.Int32(*location, "line", at);
    rule.location.column = r.Int32(*location, "column", at);
  }
  return rule;
}

eval::OutcomeRecord ReadOutcome(JsonReader& r, const Json& json, const std::string& path) {
  eval::OutcomeRecord outcome;
  outcome.rule_id = r.String(json, "rule", path);
  if (const Json* subject = r.Object(json, "subject", path)) {
    outcome.subject_kind = r.String(*subject, "kind", JsonReader::Join(path, "subject"));
    outcome.subject_id = r.String(*subject, "id", JsonReader::Join(path, "subject"));
  }
  outcome.outcome = kOutcomes[r.OneOf(json, "outcome", path, Names(kOutcomes, in::OutcomeText))];
  // Absent optional members stand for empty ones: RenderJson leaves those out.
  outcome.message = r.String(json, "message", path, false);
  if (const Json* evidence = r.Object(json, "evidence", path, false)) {
    for (const auto& [name, value] : evidence->items()) outcome.evidence[name] = value;
  }
  outcome.missing_fact = r.String(json, "missing_fact", path, false);
  outcome.waiver = r.String(json, "waiver", path, false);
  return outcome;
}

eval::WaiverInfo ReadWaiver(JsonReader& r, const Json& json, const std::string& path) {
  eval::WaiverInfo waiver;
  waiver.id = r.String(json, "id", path);
  waiver.rule_id = r.String(json, "rule", path);
  waiver.reason = r.String(json, "reason", path);
  waiver.ticket = r.String(json, "ticket", path);
  waiver.approver = r.String(json, "approver", path);
  waiver.expires = r.String(json, "expires", path);
  waiver.expired = r.Bool(json, "expired", path);
  waiver.days_left = r.Integer(json, "days_left", path);
  waiver.subjects_waived = r.Integer(json, "subjects_waived", path);
  return waiver;
}

}  // namespace

std::optional<eval::RunResult> ReadDecision(const nlohmann::json& document, std::string* error) {
  JsonReader r("decision", error);
  if (!document.is_object()) {
    r.Fail("", "expected an object");
    return std::nullopt;
  }
  const std::string schema = r.String(document, "schemaVersion", "");
  if (r.ok() && schema != kDecisionSchema) {
    r.Fail("schemaVersion", fmt::format("\"{}\" is not {}", schema, kDecisionSchema));
  }
  eval::RunResult result;
  result.decision = kDecisions[r.OneOf(document, "decision", "", Names(kDecisions, in::DecisionText))];
  result.kind = r.String(document, "kind", "");
  result.evaluated_at = r.String(document, "evaluated_at", "");
  result.started_at = r.String(document, "started_at", "");
  result.finished_at = r.String(document, "finished_at", "");
  result.engine_version = r.String(document, "engine_version", "");
  result.policy_source = ReadSource(r, document);
  if (const Json* inputs = r.Objects(document, "inputs", "")) {
    for (size_t i = 0; i < inputs->size(); ++i) {
      const std::string at = JsonReader::Index("inputs", i);
      eval::InputInfo input;
      input.path = r.String((*inputs)[i], "path", at);
      input.sha256 = r.String((*inputs)[i], "sha256", at);
      input.documents = r.Integer((*inputs)[i], "documents", at);
      result.inputs.push_back(std::move(input));
    }
  }
  result.fail_on = ReadSeverity(r, document, "fail_on", "");
  result.counts = ReadCounts(r, document, "");
  result.deny_reasons = r.Strings(document, "deny_reasons", "");
  if (const Json* rules = r.Objects(document, "rules", "")) {
    for (size_t i = 0; i < rules->size(); ++i) result.rules.push_back(ReadRule(r, (*rules)[i], JsonReader::Index("rules", i)));
  }
  if (const Json* outcomes = r.Objects(document, "outcomes", "")) {
    for (size_t i = 0; i < outcomes->size(); ++i) {
      result.outcomes.push_back(ReadOutcome(r, (*outcomes)[i], JsonReader::Index("outcomes", i)));
    }
  }
  if (const Json* waivers = r.Objects(document, "waivers", "")) {
    for (size_t i = 0; i < waivers->size(); ++i) {
      result.waivers.push_back(ReadWaiver(r, (*waivers)[i], JsonReader::Index("waivers", i)));
    }
  }
  if (!r.ok()) return std::nullopt;
  return result;
}

}  // namespace stagegate::reports
