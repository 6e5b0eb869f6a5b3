#pragma once
// The result of judging subjects against a policy bundle: every outcome with
// its evidence, the decision, and what reports need to know about the rules.
// This is the contract between the evaluation engine and the renderers in
// reports/ (JSON, SARIF, JUnit, Markdown) and the evidence store.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/bundle/bundle_source.h"

namespace stagegate::eval {

enum class Outcome { kPass, kFail, kNotEvaluable, kError, kWaived, kNotApplicable };
enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
enum class Enforcement { kDeny, kWarn, kAudit };
enum class Decision { kAllow, kDeny };

// True for the outcomes a report lists as findings: fail, error and
// not_evaluable (a waived outcome is listed with its waiver instead).
inline bool IsFinding(Outcome outcome) {
  return outcome == Outcome::kFail || outcome == Outcome::kError || outcome == Outcome::kNotEvaluable;
}

std::string_view OutcomeName(Outcome outcome);          // "pass", "fail", "not_evaluable", "error", "waived", "not_applicable"
std::string_view SeverityName(Severity severity);       // "info" ... "critical"
std::string_view EnforcementName(Enforcement enforcement);  // "deny", "warn", "audit"
std::string_view DecisionName(Decision decision);       // "allow", "deny"

// A position in a policy file.
struct FileLocation {
  std::string file;  // path relative to the bundle root
  int line = 0;      // 1-based
  int column = 0;    // 1-based
};

struct Counts {
  int64_t pass = 0, fail = 0, not_evaluable = 0, error = 0, waived = 0, not_applicable = 0;
  int64_t total() const { return pass + fail + not_evaluable + error + waived + not_applicable; }
};

// A rule as instantiated by a policy: what reports say about it.
struct RuleInfo {
  std::string id;           // "<policy name>/<rule id>", unique in the run: "telemetry-contracts/data.stream.missingness"
  std::string policy;       // policy name
  std::string rule;         // rule id within the policy (template id or inline id)
  std::string title;        // short description
  std::string description;  // full description: what it checks and why
  std::string remediation;  // how to fix a failure
  std::string subject_kind; // "stream", "device", ...
  std::string expression;   // the assert expression as written
  Severity severity = Severity::kMedium;
  Enforcement enforcement = Enforcement::kDeny;
  std::vector<std::string> controls;  // "iec62443-3-3:SR-7.6", ...
  FileLocation location;    // where the rule is instantiated (the `use:` or inline entry), for SARIF
  Counts counts;            // this rule's outcomes over every subject (kept when passing records are not)
};

// One (rule, subject) judgement.
struct OutcomeRecord {
  std::string rule_id;      // RuleInfo::id
  std::string subject_kind;
  std::string subject_id;
  Outcome outcome = Outcome::kPass;
  std::string message;      // rendered message (fail, error, not_evaluable, waived)
  // Every fact and variable the rule's expressions read during this
  // evaluation, captured as they were read: "stream.quality.missing_ratio" → 0.031.
  std::map<std::string, nlohmann::json> evidence;
  std::string missing_fact; // not_evaluable: the fact that was missing
  std::string waiver;       // waived: the waiver's id
};

struct WaiverInfo {
  std::string id;
  std::string rule_id;      // what it waives ("policy/rule")
  std::string reason;
  std::string ticket;
  std::string approver;
  std::string expires;      // RFC 3339 date
  bool expired = false;     // at the evaluation time
  int64_t days_left = 0;    // at the evaluation time (negative when expired)
  int64_t subjects_waived = 0;
};

struct InputInfo {
  std::string path;
  std::string sha256;       // hex digest of the file's bytes
  int64_t documents = 0;
};


struct RunResult {
  std::string kind;                 // "gate" or "audit"
  std::string engine_version;
  std::string evaluated_at;         // RFC 3339: the instant rules saw as `now` (--at)
  std::string started_at;           // wall clock, RFC 3339
  std::string finished_at;
  bundle::SourceInfo policy_source;
  std::vector<InputInfo> inputs;
  Severity fail_on = Severity::kLow;
  Decision decision = Decision::kAllow;
  std::vector<RuleInfo> rules;           // every rule that ran, sorted by id
  std::vector<OutcomeRecord> outcomes;   // sorted by (rule id, subject kind, subject id): identical for any job count
  std::vector<WaiverInfo> waivers;       // every waiver of the bundle
  std::vector<std::string> deny_reasons; // one line per outcome that caused the deny
  Counts counts;
};

}  // namespace stagegate::eval
