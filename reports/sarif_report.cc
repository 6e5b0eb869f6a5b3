// A SARIF 2.1.0 log for GitHub code scanning (docs/formats/decision.md#sarif).

#include <cctype>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/common/digest.h"
#include "reports/internal.h"
#include "reports/reports.h"
#include "reports/streamed_json.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::ordered_json;
namespace in = internal;

constexpr std::string_view kSarifSchema =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
constexpr std::string_view kToolName = "Stagegate";
constexpr std::string_view kFingerprintKey = "stagegateFindingHash/v1";
// Locations are relative to the repository root, as GitHub and CodeQL name it.
constexpr std::string_view kSourceRoot = "%SRCROOT%";

// GitHub maps security-severity to its levels: > 9.0 critical, 7.0-8.9 high,
// 4.0-6.9 medium, 0.1-3.9 low.
std::string_view SecuritySeverity(eval::Severity severity) {
  switch (severity) {
    case eval::Severity::kCritical: return "9.5";
    case eval::Severity::kHigh: return "8.0";
    case eval::Severity::kMedium: return "5.5";
    case eval::Severity::kLow: return "3.0";
    case eval::Severity::kInfo: return "1.0";
  }
  return "1.0";
}

// "error" for what denies the run (deny enforcement at or above --fail-on),
// "note" for the rest of info severity, "warning" otherwise.
std::string_view Level(const eval::RuleInfo& rule, eval::Severity fail_on) {
  if (in::Denies(rule, eval::Outcome::kFail, fail_on)) return "error";
  if (rule.severity == eval::Severity::kInfo) return "note";
  return "warning";
}

// Ends `text` with a period, as SARIF messages should (Multitool SARIF2001).
std::string Sentence(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  if (text.empty() || (text.back() != '.' && text.back() != '!' && text.back() != '?')) text += '.';
  return text;
}

Json PhysicalLocation(const eval::RuleInfo& rule, const bundle::SourceInfo& source) {
  std::string uri = in::RepositoryPath(source, rule.location.file);
  Json region;
  region["startLine"] = rule.location.line > 0 ? rule.location.line : 1;
  region["startColumn"] = rule.location.column > 0 ? rule.location.column : 1;
  Json physical;
  physical["artifactLocation"] = Json{{"uri", uri.empty() ? std::string(".") : uri}, {"uriBaseId", kSourceRoot}};
  physical["region"] = std::move(region);
  return physical;
}

Json RuleJson(const eval::RuleInfo& rule, eval::Severity fail_on) {
  const std::string title = rule.title.empty() ? rule.id : rule.title;
  const std::string description = rule.description.empty() ? title : rule.description;
  Json j;
  j["id"] = rule.id;
  j["name"] = rule.rule.empty() ? rule.id : rule.rule;
  j["shortDescription"] = Json{{"text", Sentence(title)}};
  j["fullDescription"] = Json{{"text", Sentence(description)}};
  std::string help_text = Sentence(description);
  std::string help_markdown = fmt::format("**{}**\n\n{}", title, Sentence(description));
  if (!rule.remediation.empty()) {
    help_text += "\nRemediation: " + Sentence(rule.remediation);
    help_markdown += "\n\n**Remediation:** " + Sentence(rule.remediation);
  }
  help_text += fmt::format("\nPolicy: {}. Subject: {}. Severity: {}. Enforcement: {}.", rule.policy,
                           rule.subject_kind, in::SeverityText(rule.severity), in::EnforcementText(rule.enforcement));
  help_markdown += fmt::format("\n\n| | |\n|---|---|\n| Policy | `{}` |\n| Subject | `{}` |\n| Severity | {} |\n"
                               "| Enforcement | {} |",
                               rule.policy, rule.subject_kind, in::SeverityText(rule.severity),
                               in::EnforcementText(rule.enforcement));
  if (!rule.expression.empty()) help_markdown += "\n\nAssertion:\n\n```cel\n" + rule.expression + "\n```";
  if (!rule.controls.empty()) {
    help_text += "\nControls: ";
    help_markdown += "\n\nControls:";
    for (size_t i = 0; i < rule.controls.size(); ++i) {
      help_text += (i ? ", " : "") + rule.controls[i];
      help_markdown += "\n- `" + rule.controls[i] + "`";
    }
    help_text += ".";
  }
  j["help"] = Json{{"text", help_text}, {"markdown", help_markdown}};
  j["defaultConfiguration"] = Json{{"level", Level(rule, fail_on)}};
  Json tags = Json::array();
  for (const auto& control : rule.controls) tags.push_back(control);
  if (!rule.subject_kind.empty()) tags.push_back(rule.subject_kind);
  tags.push_back("stagegate");
  Json properties;
  properties["security-severity"] = SecuritySeverity(rule.severity);
  properties["tags"] = std::move(tags);
  properties["precision"] = "very-high";
  properties["policy"] = rule.policy;
  properties["severity"] = in::SeverityText(rule.severity);
  properties["enforcement"] = in::EnforcementText(rule.enforcement);
  j["properties"] = std::move(properties);
  return j;
}

// Names the subject and the reason: "stream/s-1: missing 3.1% of expected samples."
std::string MessageText(const eval::OutcomeRecord& outcome, const eval::RuleInfo& rule) {
  const std::string subject = in::SubjectName(outcome);
  std::string reason = outcome.message;
  switch (outcome.outcome) {
    case eval::Outcome::kNotEvaluable:
      if (reason.empty()) reason = "fact " + outcome.missing_fact + " is missing";
      return Sentence(fmt::format("{}: not evaluable: {}", subject, reason));
    case eval::Outcome::kError:
      return Sentence(fmt::format("{}: rule error: {}", subject, reason.empty() ? "unknown error" : reason));
    case eval::Outcome::kWaived:
      if (reason.empty()) reason = "fails " + (rule.title.empty() ? rule.id : rule.title);
      while (!reason.empty() && (reason.back() == '.' || reason.back() == ' ')) reason.pop_back();
      return Sentence(fmt::format("{}: {} (waived by {})", subject, reason, outcome.waiver));
    default:
      if (reason.empty()) reason = "fails " + (rule.title.empty() ? rule.id : rule.title);
      return Sentence(fmt::format("{}: {}", subject, reason));
  }
}

Json ResultJson(const eval::OutcomeRecord& outcome, const eval::RuleInfo& rule, size_t rule_index,
                const eval::RunResult& run, const std::unordered_map<std::string, const eval::WaiverInfo*>& waivers) {
  Json j;
  j["ruleId"] = rule.id;
  j["ruleIndex"] = rule_index;
  j["level"] = Level(rule, run.fail_on);
  j["message"] = Json{{"text", MessageText(outcome, rule)}};
  j["locations"] = Json::array({Json{{"physicalLocation", PhysicalLocation(rule, run.policy_source)}}});
  // Stable across runs and policy edits that move the rule: the finding is
  // the (rule, subject) pair, not a line.
  const std::string key = rule.id + '\0' + outcome.subject_kind + '\0' + outcome.subject_id;
  j["partialFingerprints"] = Json{{kFingerprintKey, common::Sha256Hex(key)}};
  if (outcome.outcome == eval::Outcome::kWaived) {
    Json suppression;
    suppression["kind"] = "external";
    suppression["status"] = "accepted";
    std::string justification;
    if (auto it = waivers.find(outcome.waiver); it != waivers.end()) {
      const eval::WaiverInfo& waiver = *it->second;
      justification = fmt::format("Waiver {}: {}", waiver.id, waiver.reason);
      if (!waiver.approver.empty()) justification += fmt::format(" (approved by {}", waiver.approver);
      if (!waiver.ticket.empty()) justification += fmt::format("{}ticket {}", waiver.approver.empty() ? " (" : ", ", waiver.ticket);
      if (!waiver.approver.empty() || !waiver.ticket.empty()) justification += ")";
      justification += fmt::format("; expires {}", waiver.expires);
    } else {
      justification = "Waiver " + outcome.waiver;
    }
    suppression["justification"] = Sentence(justification);
    j["suppressions"] = Json::array({std::move(suppression)});
  }
  Json properties;
  properties["subject"] = Json{{"kind", outcome.subject_kind}, {"id", outcome.subject_id}};
  properties["outcome"] = in::OutcomeText(outcome.outcome);
  properties["severity"] = in::SeverityText(rule.severity);
  properties["enforcement"] = in::EnforcementText(rule.enforcement);
  Json evidence = Json::object();
  for (const auto& [name, value] : outcome.evidence) evidence[name] = Json(value);
  properties["evidence"] = std::move(evidence);
  if (!outcome.missing_fact.empty()) properties["missingFact"] = outcome.missing_fact;
  if (!outcome.waiver.empty()) properties["waiver"] = outcome.waiver;
  j["properties"] = std::move(properties);
  return j;
}

bool Reported(eval::Outcome outcome) {
  return eval::IsFinding(outcome) || outcome == eval::Outcome::kWaived;
}

// Returns `path` as a file URI, percent-encoding what RFC 3986 does not allow.
std::string FileUri(const std::string& path) {
  std::string uri = "file://";
  if (path.empty() || path.front() != '/') uri += '/';
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::string_view("/-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos) {
      uri += static_cast<char>(c);
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  return uri;
}

}  // namespace

std::string RenderSarif(const eval::RunResult& result) {
  std::unordered_map<std::string, size_t> rule_index;
  for (size_t i = 0; i < result.rules.size(); ++i) rule_index.emplace(result.rules[i].id, i);
  std::unordered_map<std::string, const eval::WaiverInfo*> waivers;
  for (const auto& waiver : result.waivers) waivers.emplace(waiver.id, &waiver);

  Json driver;
  driver["name"] = kToolName;
  driver["version"] = result.engine_version.empty() ? std::string("0.0.0") : result.engine_version;
  driver["semanticVersion"] = driver["version"];
  Json rules = Json::array();
  for (const auto& rule : result.rules) rules.push_back(RuleJson(rule, result.fail_on));
  driver["rules"] = std::move(rules);

  // The reported outcomes with their rule's index, written one at a time.
  std::vector<std::pair<const eval::OutcomeRecord*, size_t>> reported;
  for (const auto& outcome : result.outcomes) {
    if (!Reported(outcome.outcome)) continue;
    auto it = rule_index.find(outcome.rule_id);
    // Every outcome's rule is in `rules` (the RunResult contract); an outcome
    // without one cannot be located and is left to the JSON report.
    if (it == rule_index.end()) continue;
    reported.emplace_back(&outcome, it->second);
  }
  in::StreamedArray results;

  Json run;
  run["tool"] = Json{{"driver", std::move(driver)}};
  // GitHub keys analyses by the category: the id up to its last '/'.
  run["automationDetails"] = Json{{"id", fmt::format("stagegate/{}/{}", result.kind.empty() ? "gate" : result.kind,
                                                     result.evaluated_at)}};
  const bundle::SourceInfo& source = result.policy_source;
  if (!source.commit.empty()) {
    Json provenance;
    provenance["repositoryUri"] = FileUri(source.location);
    provenance["revisionId"] = source.commit;
    provenance["mappedTo"] = Json{{"uriBaseId", kSourceRoot}};
    if (!source.ref.empty()) provenance["properties"] = Json{{"ref", source.ref}};
    run["versionControlProvenance"] = Json::array({std::move(provenance)});
  }
  Json invocation;
  invocation["executionSuccessful"] = true;
  // Waivers that expired or expire soon reach the CI page as notifications.
  Json notifications = Json::array();
  for (const std::string& notice : in::WaiverNotices(result)) {
    notifications.push_back(Json{{"level", "warning"}, {"message", Json{{"text", "Waiver " + notice}}},
                                 {"descriptor", Json{{"id", "stagegate/waiver-expiry"}}}});
  }
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);
  if (!result.started_at.empty()) invocation["startTimeUtc"] = result.started_at;
  if (!result.finished_at.empty()) invocation["endTimeUtc"] = result.finished_at;
  run["invocations"] = Json::array({std::move(invocation)});
  run["results"] = results.Slot(reported.size());
  Json properties;
  properties["decision"] = in::DecisionText(result.decision);
  properties["evaluatedAt"] = result.evaluated_at;
  properties["failOn"] = in::SeverityText(result.fail_on);
  properties["policySource"] = Json{{"kind", source.kind}, {"location", source.location}, {"ref", source.ref},
                                    {"commit", source.commit}, {"tree", source.tree}, {"dirty", source.dirty}};
  run["properties"] = std::move(properties);

  Json log;
  log["$schema"] = kSarifSchema;
  log["version"] = "2.1.0";
  log["runs"] = Json::array({std::move(run)});
  return results.Dump(log, [&](size_t i) {
    const auto& [outcome, rule] = reported[i];
    return ResultJson(*outcome, result.rules[rule], rule, result, waivers);
  });
}

}  // namespace stagegate::reports
