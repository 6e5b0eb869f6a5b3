// The decision as JSON, schema "stagegate.decision/v1" (docs/formats/decision.md).

#include <string>

#include <nlohmann/json.hpp>

#include "reports/decision_json.h"
#include "reports/internal.h"
#include "reports/reports.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::ordered_json;  // keys in insertion order: the documented order
namespace in = internal;

constexpr std::string_view kSchemaVersion = "stagegate.decision/v1";

Json SourceJson(const bundle::SourceInfo& source) {
  Json j;
  j["kind"] = source.kind;
  j["location"] = source.location;
  j["ref"] = source.ref;
  j["commit"] = source.commit;
  j["tree"] = source.tree;
  j["in_git"] = source.in_git;
  j["dirty"] = source.dirty;
  j["path_in_repo"] = source.path_in_repo;
  return j;
}

Json CountsJson(const eval::Counts& counts) {
  Json j;
  j["total"] = counts.total();
  j["pass"] = counts.pass;
  j["fail"] = counts.fail;
  j["not_evaluable"] = counts.not_evaluable;
  j["error"] = counts.error;
  j["waived"] = counts.waived;
  j["not_applicable"] = counts.not_applicable;
  return j;
}

Json RuleJson(const eval::RuleInfo& rule, const bundle::SourceInfo& source) {
  Json j;
  j["id"] = rule.id;
  j["policy"] = rule.policy;
  j["rule"] = rule.rule;
  j["title"] = rule.title;
  j["description"] = rule.description;
  j["remediation"] = rule.remediation;
  j["subject_kind"] = rule.subject_kind;
  j["expression"] = rule.expression;
  j["severity"] = in::SeverityText(rule.severity);
  j["enforcement"] = in::EnforcementText(rule.enforcement);
  j["controls"] = rule.controls;
  j["counts"] = CountsJson(rule.counts);
  Json location;
  location["file"] = rule.location.file;
  location["repository_path"] = in::RepositoryPath(source, rule.location.file);
  location["line"] = rule.location.line;
  location["column"] = rule.location.column;
  j["location"] = std::move(location);
  return j;
}

Json OutcomeJson(const eval::OutcomeRecord& outcome) {
  Json j;
  j["rule"] = outcome.rule_id;
  j["subject"] = Json{{"kind", outcome.subject_kind}, {"id", outcome.subject_id}};
  j["outcome"] = in::OutcomeText(outcome.outcome);
  // Optional members are present only when they carry something, which keeps
  // runs with many passing subjects small.
  if (!outcome.message.empty()) j["message"] = outcome.message;
  if (!outcome.evidence.empty()) {
    Json evidence = Json::object();
    for (const auto& [name, value] : outcome.evidence) evidence[name] = Json(value);
    j["evidence"] = std::move(evidence);
  }
  if (!outcome.missing_fact.empty()) j["missing_fact"] = outcome.missing_fact;
  if (!outcome.waiver.empty()) j["waiver"] = outcome.waiver;
  return j;
}

Json WaiverJson(const eval::WaiverInfo& waiver) {
  Json j;
  j["id"] = waiver.id;
  j["rule"] = waiver.rule_id;
  j["reason"] = waiver.reason;
  j["ticket"] = waiver.ticket;
  j["approver"] = waiver.approver;
  j["expires"] = waiver.expires;
  j["expired"] = waiver.expired;
  j["days_left"] = waiver.days_left;
  j["expiring_soon"] = in::ExpiringSoon(waiver);
  j["subjects_waived"] = waiver.subjects_waived;
  return j;
}

}  // namespace

namespace internal {

Json DecisionJson(const eval::RunResult& result, StreamedArray* outcomes) {
  Json j;
  j["schemaVersion"] = kSchemaVersion;
  j["decision"] = DecisionText(result.decision);
  j["kind"] = result.kind;
  j["evaluated_at"] = result.evaluated_at;
  j["started_at"] = result.started_at;
  j["finished_at"] = result.finished_at;
  j["engine_version"] = result.engine_version;
  j["policy_source"] = SourceJson(result.policy_source);
  Json inputs = Json::array();
  for (const auto& input : result.inputs) {
    inputs.push_back(Json{{"path", input.path}, {"sha256", input.sha256}, {"documents", input.documents}});
  }
  j["inputs"] = std::move(inputs);
  j["fail_on"] = SeverityText(result.fail_on);
  j["counts"] = CountsJson(result.counts);
  j["deny_reasons"] = result.deny_reasons;
  Json rules = Json::array();
  for (const auto& rule : result.rules) rules.push_back(RuleJson(rule, result.policy_source));
  j["rules"] = std::move(rules);
  j["outcomes"] = outcomes->Slot(result.outcomes.size());
  Json waivers = Json::array();
  for (const auto& waiver : result.waivers) waivers.push_back(WaiverJson(waiver));
  j["waivers"] = std::move(waivers);
  return j;
}

std::string DumpDecision(const Json& document, const eval::RunResult& result, const StreamedArray& outcomes) {
  // Invalid UTF-8 in user text (a message, an evidence string) becomes U+FFFD
  // instead of an exception.
  return outcomes.Dump(document, [&result](size_t i) { return OutcomeJson(result.outcomes[i]); });
}

}  // namespace internal

std::string RenderJson(const eval::RunResult& result) {
  in::StreamedArray outcomes;
  return in::DumpDecision(in::DecisionJson(result, &outcomes), result, outcomes);
}

}  // namespace stagegate::reports
