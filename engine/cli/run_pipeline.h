#pragma once
// The pipeline `gate` and `audit` share: inputs and fleet into subjects, the
// policy bundle loaded against their facts, every evaluator's providers
// wired, the evidence log opened before any work, then the evaluation.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cli/evidence_support.h"
#include "engine/cli/fleet_support.h"
#include "engine/eval/control_ledger.h"
#include "engine/eval/engine.h"
#include "engine/policy/model.h"

namespace stagegate::cli::run_pipeline {

struct Request {
  std::string command;  // "gate" or "audit": the run's kind
  policy::Stage stage = policy::Stage::kGate;
  std::string policies;
  std::string revision;
  std::vector<std::string> inputs;
  fleet_support::FleetArguments fleet;
  std::chrono::sys_seconds at{};
  eval::Severity fail_on = eval::Severity::kLow;
  int jobs = 0;
  bool record_passing = true;
  // The evidence log: null store path means the default beside the user's data.
  bool no_evidence = false;
  std::string evidence;
  std::string signing_key;
  nlohmann::json parameters;  // the command line as recorded in the evidence
  bool show_progress = false;  // a progress line on a terminal (audits of large fleets)
};

// The options `gate` and `audit` share, as written on the command line.
struct CommonArguments {
  std::string policies;
  std::string revision;
  std::vector<std::string> inputs;
  fleet_support::FleetArguments fleet;
  std::string at;
  std::string fail_on = "low";
  int jobs = 0;
  std::string evidence;
  std::string signing_key;
  bool no_evidence = false;
};

// Checks --fail-on, --jobs and --at, and fills `request` from `args` (its
// `command` and `stage` already set), with the command line recorded in the
// evidence; commands add their own options to `request->parameters`. False
// after printing the error.
bool FillRequest(const CommonArguments& args, Request* request);

struct Run {
  bundle::Bundle bundle;
  fleet_support::ContractRun contract_run;
  subjects::SubjectSet inputs;
  std::unique_ptr<policy::LoadedBundle> loaded;
  eval::ControlLedger control_ledger;
  std::unique_ptr<evidence_support::Recorder> recorder;  // null with no_evidence
  eval::RunResult result;
  // Wall-clock seconds: reading the sources, inputs and fleet and loading the
  // bundle; then the evaluation (facts are computed lazily inside it).
  double load_seconds = 0;
  double evaluation_seconds = 0;
};

// Runs the pipeline into `run`. Returns 0 when the evaluation completed, else
// the exit code (2 bad input, policy or evidence log; 3 internal error)
// after printing the errors.
int Execute(const Request& request, Run* run);

}  // namespace stagegate::cli::run_pipeline
