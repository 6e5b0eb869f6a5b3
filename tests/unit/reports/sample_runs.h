#pragma once
// Run results built by hand for the renderer tests: a realistic denied gate
// run with every outcome, an allowed run from a plain directory, and a large
// audit run for the limits of the Markdown summary.

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"

namespace stagegate::reports::testing {

inline eval::Counts CountOutcomes(const eval::RunResult& run) {
  eval::Counts counts;
  for (const auto& o : run.outcomes) {
    switch (o.outcome) {
      case eval::Outcome::kPass: ++counts.pass; break;
      case eval::Outcome::kFail: ++counts.fail; break;
      case eval::Outcome::kNotEvaluable: ++counts.not_evaluable; break;
      case eval::Outcome::kError: ++counts.error; break;
      case eval::Outcome::kWaived: ++counts.waived; break;
      case eval::Outcome::kNotApplicable: ++counts.not_applicable; break;
    }
  }
  return counts;
}

inline eval::RuleInfo MakeRule(std::string policy, std::string rule, std::string subject_kind, eval::Severity severity,
                           eval::Enforcement enforcement, std::string file, int line, int column) {
  eval::RuleInfo info;
  info.id = policy + "/" + rule;
  info.policy = std::move(policy);
  info.rule = std::move(rule);
  info.subject_kind = std::move(subject_kind);
  info.severity = severity;
  info.enforcement = enforcement;
  info.location = {std::move(file), line, column};
  return info;
}

inline eval::OutcomeRecord MakeOutcome(const eval::RuleInfo& rule, std::string subject_id, eval::Outcome outcome,
                                   std::string message = "") {
  eval::OutcomeRecord record;
  record.rule_id = rule.id;
  record.subject_kind = rule.subject_kind;
  record.subject_id = std::move(subject_id);
  record.outcome = outcome;
  record.message = std::move(message);
  return record;
}

// A denied gate run from a git revision: five rules of three policies (deny,
// warn and audit enforcement), every kind of outcome, waivers that expired,
// expire soon and expire late, and messages with Unicode, XML and JSON
// special characters, a pipe, a newline and a control character.
inline eval::RunResult FullRun() {
  using eval::Enforcement;
  using eval::Outcome;
  using eval::Severity;
  eval::RunResult run;
  run.kind = "gate";
  run.engine_version = "0.1.0";
  run.evaluated_at = "2026-03-01T12:00:00Z";
  run.started_at = "2026-03-01T12:00:00.120Z";
  run.finished_at = "2026-03-01T12:00:00.134Z";
  run.policy_source.kind = "git";
  run.policy_source.location = "/srv/repos/fleet policies";
  run.policy_source.ref = "release/2026.03";
  run.policy_source.commit = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39";
  run.policy_source.tree = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d";
  run.policy_source.in_git = true;
  run.policy_source.path_in_repo = "policies";
  run.inputs = {{"inputs/release-candidate.yaml", std::string(64, 'a'), 3},
                {"inputs/fleet.jsonl", "3b1f0c6d2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c", 5}};
  run.fail_on = Severity::kLow;
  run.decision = eval::Decision::kDeny;

  auto cert = MakeRule("device-trust", "device.identity.cert-expiry", "device", Severity::kCritical, Enforcement::kDeny,
                   "packs/devices.yaml", 12, 7);
  cert.title = "Device certificates are valid for 30 more days";
  cert.description = "Every device identity certificate must stay valid for at least 30 days, so that rotation "
                     "happens before an outage.";
  cert.remediation = "Rotate the certificate with `fleetctl cert rotate <device>`.";
  cert.expression = "device.identity.cert.days_to_expiry >= params.min_days";
  cert.controls = {"iec62443-3-3:SR-1.2", "nist-ai-rmf:MANAGE-2.2"};

  auto latency = MakeRule("model-gates", "model.latency", "model", Severity::kHigh, Enforcement::kWarn,
                      "packs/models.yaml", 4, 7);
  latency.title = "Model p99 latency within budget";
  latency.description = "The p99 inference latency on the golden dataset stays within the device budget.";
  latency.remediation = "Quantize the model or raise the budget in the policy.";
  latency.expression = "model.eval.latency_p99_ms <= 50.0";

  auto notes = MakeRule("model-gates", "model.license-notes", "model", Severity::kInfo, Enforcement::kAudit,
                    "packs/models.yaml", 9, 7);
  notes.title = "Model card names a license";
  notes.expression = "has(model.card.license)";

  auto missing = MakeRule("telemetry-contracts", "data.stream.missingness", "stream", Severity::kHigh, Enforcement::kDeny,
                      "telemetry/contracts.yaml", 21, 7);
  missing.title = "Sensor stream missingness within SLA";
  missing.description = "At most 2 % of expected samples may be missing (Datenvertrag \xC2\xA7" "4, \xE6\xB8\xA9\xE5\xBA\xA6).";
  missing.remediation = "Check the device's uplink; re-ingest the window once it recovers.";
  missing.expression = "stream.quality.missing_ratio <= params.max_missing_ratio";
  missing.controls = {"iec62443-3-3:SR-7.6", "gdpr:Art-5.1.d"};

  auto vibration = MakeRule("telemetry-contracts", "vibration-ceiling", "stream", Severity::kMedium, Enforcement::kDeny,
                        "telemetry/contracts.yaml", 30, 7);
  vibration.title = "Vibration < 50 mm/s & \"stable\"";
  vibration.expression = "stream.stats.max < 50.0";

  run.rules = {cert, latency, notes, missing, vibration};

  auto d2 = MakeOutcome(cert, "d-002", Outcome::kFail, "certificate of d-002 expires in 3 days (< 30)");
  d2.evidence = {{"device.identity.cert.days_to_expiry", 3},
                 {"device.identity.cert.issuer", "CN=Fleet CA \"\xC3\x9Cnicode\" & <co>"},
                 {"params.min_days", 30}};
  auto d3 = MakeOutcome(cert, "d-003", Outcome::kWaived, "certificate of d-003 expires in 5 days (< 30)");
  d3.waiver = "w-cert-d003";
  d3.evidence = {{"device.identity.cert.days_to_expiry", 5}, {"params.min_days", 30}};
  auto d4 = MakeOutcome(cert, "d-004", Outcome::kNotEvaluable, "fact device.identity.cert.days_to_expiry is missing");
  d4.missing_fact = "device.identity.cert.days_to_expiry";
  auto m1 = MakeOutcome(latency, "resnet18-int8", Outcome::kFail, "p99 | 72.5 ms > 50 ms budget");
  m1.evidence = {{"model.eval.latency_p99_ms", 72.5}};
  auto s1 = MakeOutcome(missing, "plant-a/press-7/temp", Outcome::kFail,
                    "missing 3.1% of expected samples\nwindow \xE6\xB8\xA9\xE5\xBA\xA6 sensor\x01 offline");
  s1.evidence = {{"params.max_missing_ratio", 0.02},
                 {"stream.quality.missing_ratio", 0.031},
                 {"stream.window", {{"from", "2026-02-28T12:00:00Z"}, {"samples", {1440, 1395}}}}};
  auto s3 = MakeOutcome(missing, "plant-b/line-2/humidity", Outcome::kError,
                    "telemetry/contracts.yaml:23:14: no matching overload for '_<=_' applied to '(string, double)'");
  s3.evidence = {{"stream.quality.missing_ratio", "n/a"}};
  auto v1 = MakeOutcome(vibration, "plant-a/press-7/vib", Outcome::kFail, "peak ]]> 71.2 mm/s <tag> &amp; 'quoted'");
  v1.evidence = {{"stream.stats.max", 71.2}};

  run.outcomes = {
      MakeOutcome(cert, "d-001", Outcome::kPass),
      d2,
      d3,
      d4,
      m1,
      MakeOutcome(notes, "resnet18-int8", Outcome::kNotApplicable),
      s1,
      MakeOutcome(missing, "plant-a/press-7/vib", Outcome::kPass),
      s3,
      MakeOutcome(vibration, "plant-a/press-7/temp", Outcome::kNotApplicable),
      v1,
  };

  eval::WaiverInfo soon;
  soon.id = "w-cert-d003";
  soon.rule_id = cert.id;
  soon.reason = "Replacement device shipped | ticket pending";
  soon.ticket = "OPS-1234";
  soon.approver = "security@example.org";
  soon.expires = "2026-03-10";
  soon.days_left = 9;
  soon.subjects_waived = 1;
  eval::WaiverInfo expired;
  expired.id = "w-old-vibration";
  expired.rule_id = vibration.id;
  expired.reason = "Sensor recalibration";
  expired.approver = "plant-a@example.org";
  expired.expires = "2026-02-26";
  expired.expired = true;
  expired.days_left = -3;
  eval::WaiverInfo later;
  later.id = "w-latency-resnet";
  later.rule_id = latency.id;
  later.reason = "Budget under review";
  later.approver = "ml-platform@example.org";
  later.expires = "2026-06-29";
  later.days_left = 120;
  run.waivers = {soon, expired, later};

  run.deny_reasons = {
      "device-trust/device.identity.cert-expiry [device/d-002]: fail (critical): certificate of d-002 expires in 3 days (< 30)",
      "device-trust/device.identity.cert-expiry [device/d-004]: not_evaluable (critical): fact device.identity.cert.days_to_expiry is missing",
      "telemetry-contracts/data.stream.missingness [stream/plant-a/press-7/temp]: fail (high): missing 3.1% of expected samples",
      "telemetry-contracts/data.stream.missingness [stream/plant-b/line-2/humidity]: error (high): no matching overload",
      "telemetry-contracts/vibration-ceiling [stream/plant-a/press-7/vib]: fail (medium): peak 71.2 mm/s",
  };
  run.counts = CountOutcomes(run);
  return run;
}

// An allowed run of a plain directory outside git: every rule passes.
inline eval::RunResult AllowRun() {
  eval::RunResult run;
  run.kind = "gate";
  run.engine_version = "0.1.0";
  run.evaluated_at = "2026-03-01T12:00:00Z";
  run.started_at = "2026-03-01T12:00:00Z";
  run.finished_at = "2026-03-01T12:00:01Z";
  run.policy_source.kind = "directory";
  run.policy_source.location = "/home/ci/policies";
  run.inputs = {{"candidate.json", std::string(64, '0'), 1}};
  auto rule = MakeRule("telemetry-contracts", "data.stream.missingness", "stream", eval::Severity::kHigh,
                   eval::Enforcement::kDeny, "contracts.yaml", 3, 5);
  rule.title = "Sensor stream missingness within SLA";
  run.rules = {rule};
  run.outcomes = {MakeOutcome(rule, "s-1", eval::Outcome::kPass), MakeOutcome(rule, "s-2", eval::Outcome::kPass)};
  run.counts = CountOutcomes(run);
  return run;
}

// An audit run with `failures` failing streams of one rule.
inline eval::RunResult LargeRun(int failures) {
  eval::RunResult run = AllowRun();
  run.kind = "audit";
  run.decision = eval::Decision::kDeny;
  run.outcomes.clear();
  for (int i = 0; i < failures; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "s-%04d", i);
    auto o = MakeOutcome(run.rules[0], id, eval::Outcome::kFail, "missing 5% of expected samples");
    o.evidence = {{"stream.quality.missing_ratio", 0.05}};
    run.outcomes.push_back(o);
  }
  run.counts = CountOutcomes(run);
  return run;
}

}  // namespace stagegate::reports::testing
