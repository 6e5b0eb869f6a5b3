#pragma once
// The evaluation engine: judges the subjects of a SubjectSet against a loaded
// policy bundle and decides.
//
//   subjects::SubjectSet inputs = subjects::LoadInputs(paths);
//   facts::FactSchema schema; facts::RegisterCoreFacts(schema);
//   subjects::InferFacts(inputs, &schema);
//   policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, load_options);
//   eval::RunResult result = eval::Evaluate(*loaded.bundle, inputs, options);
//
// For each policy whose stages include options.stage, each rule instance, each
// subject of the rule's kind: selector or `when` false → not_applicable;
// `assert` true → pass, false → fail; a missing fact → not_evaluable (naming
// it); a CEL error or a non-bool → error (message and file:line:col). A
// matching, unexpired waiver turns fail / error / not_evaluable into waived.
// Decision: deny when a fail / error / not_evaluable outcome comes from a
// deny-enforced policy with severity ≥ options.fail_on.
//
// Zones are judged last: when options.control_ledger is set, it holds the
// other subjects' outcomes per control by then (see control_ledger.h).
//
// Subjects are judged in parallel (options.jobs threads); the result is
// identical for any job count. Thread-safe: Evaluate may run concurrently on
// the same bundle and subjects. Never throws.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "engine/eval/control_ledger.h"
#include "engine/eval/run_result.h"
#include "engine/policy/model.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::eval {

struct EvalOptions {
  std::string kind = "gate";                  // recorded as RunResult::kind: "gate" or "audit"
  policy::Stage stage = policy::Stage::kGate; // only policies whose `stages` include it run
  // The evaluation time: rules see it as `now`; waiver expiry is judged at it.
  std::chrono::sys_seconds at = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  Severity fail_on = Severity::kLow;
  int jobs = 0;                     // worker threads; 0: one per core
  int expiring_soon_days = 14;      // waivers expiring within this many days are "expiring soon"
  // Keep pass and not_applicable records in RunResult::outcomes (they are always
  // counted). Turn off for large audits and benchmarks: millions of records.
  bool record_passing = true;
  std::string only_policy;          // when set, only this policy runs (PolicyTest `policy:`)
  std::string engine_version;       // recorded as RunResult::engine_version
  const subjects::FactProviderRegistry* providers = nullptr;  // computed facts; null: none
  // When set, receives how the rules mapped to controls judged every subject
  // that is not a zone, before the zones are judged (zone facts read it).
  ControlLedger* control_ledger = nullptr;
  // Called now and then with the subjects judged so far and the total, from
  // one worker thread at a time (never concurrently); for progress displays.
  std::function<void(size_t judged, size_t total)> progress;
};

// Judges `subjects` against `bundle`. The bundle must have been loaded with a
// schema that knows the subjects' fields (see subjects::InferFacts). When an
// internal fault stops the evaluation (out of memory, ...), `internal_error`
// (if given) receives its description and the result is incomplete.
RunResult Evaluate(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects, const EvalOptions& options,
                   std::string* internal_error = nullptr);

// Returns the waivers of `result` that have not expired and expire within `days`.
std::vector<const WaiverInfo*> ExpiringSoon(const RunResult& result, int days = 14);

// Formats `t` as RFC 3339 UTC ("2025-06-01T12:00:00Z").
std::string FormatTime(std::chrono::sys_seconds t);

// Formats a double for messages: up to 6 significant digits, no exponent for
// ordinary magnitudes, no trailing zeros ("3.1", "0.02", "1500000").
std::string FormatNumber(double value);

}  // namespace stagegate::eval
