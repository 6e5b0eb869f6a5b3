#include "engine/cli/run_pipeline.h"

#include <iostream>

#include "engine/cli/authoring_support.h"
#include "engine/cli/device_support.h"
#include "engine/cli/model_support.h"
#include "engine/cli/privacy_support.h"
#include "engine/cli/progress_display.h"
#include "engine/cli/zone_support.h"
#include "engine/common/uuid.h"
#include "engine/policy/loader.h"
#include "evaluators/contracts/contract_policy.h"

namespace stagegate::cli::run_pipeline {

bool FillRequest(const CommonArguments& args, Request* request) {
  std::optional<eval::Severity> fail_on = policy::ParseSeverity(args.fail_on);
  if (!fail_on) {
    std::cerr << "error: --fail-on " << args.fail_on << ": unknown severity; use info, low, medium, high or critical\n";
    return false;
  }
  if (args.jobs < 0) {
    std::cerr << "error: --jobs " << args.jobs << ": must be 0 (all cores) or a positive number of threads\n";
    return false;
  }
  std::optional<std::chrono::sys_seconds> at = authoring::ParseAt(args.at);
  if (!at) return false;
  request->policies = args.policies;
  request->revision = args.revision;
  request->inputs = args.inputs;
  request->fleet = args.fleet;
  request->at = *at;
  request->fail_on = *fail_on;
  request->jobs = args.jobs;
  request->no_evidence = args.no_evidence;
  request->evidence = args.evidence;
  request->signing_key = args.signing_key;
  request->parameters = {{"policies", args.policies}, {"rev", args.revision},      {"inputs", args.inputs},
                         {"at", args.at},             {"failOn", args.fail_on},    {"stage", request->command},
                         {"jobs", args.jobs}};
  if (!args.fleet.store.empty()) request->parameters["store"] = args.fleet.store;
  if (!args.fleet.inventory.empty()) request->parameters["inventory"] = args.fleet.inventory;
  if (!args.fleet.store.empty()) request->parameters["window"] = args.fleet.window;
  return true;
}

int Execute(const Request& request, Run* run) {
  const auto started = std::chrono::steady_clock::now();
  if (request.inputs.empty() && request.fleet.store.empty() && request.fleet.inventory.empty()) {
    std::cerr << "error: nothing to judge: give --input documents, or a fleet with --store and --inventory\n";
    return 2;
  }
  // Inputs first: their fields extend the fact schema the policies are checked against.
  run->inputs = subjects::LoadInputs(request.inputs);
  subjects::SubjectSet& inputs = run->inputs;
  if (!inputs.ok()) {
    for (const subjects::InputError& error : inputs.errors()) std::cerr << subjects::FormatInputError(error) << "\n";
    return 2;
  }
  if (!authoring::ReadSource(request.policies, request.revision, &run->bundle)) return 2;
  // Data contracts become policies; the fleet's devices and streams become subjects.
  fleet_support::ContractRun& contract_run = run->contract_run;
  if (!fleet_support::AddContractPolicies(&run->bundle, &contract_run)) return 2;
  if (!fleet_support::LoadFleet(request.fleet, request.at, &inputs, &contract_run)) return 2;
  if (!model_support::AddModelProviders(run->bundle, request.fleet.store, &inputs, &contract_run.providers)) return 2;
  if (!device_support::AddDeviceProviders(run->bundle, request.at, &inputs, &contract_run.providers)) return 2;
  if (!privacy_support::AddPrivacyProviders(contract_run.contracts, &inputs, &contract_run.providers, &run->bundle)) {
    return 2;
  }
  if (!inputs.ok()) {
    for (const subjects::InputError& error : inputs.errors()) std::cerr << subjects::FormatInputError(error) << "\n";
    return 2;
  }
  facts::FactSchema schema = authoring::CoreSchema();
  subjects::InferFacts(inputs, &schema);
  policy::LoadOptions load_options;
  load_options.now = request.at;
  run->loaded = authoring::TakeLoaded(policy::LoadPolicies(run->bundle, schema, load_options));
  if (!run->loaded) return 2;
  policy::LoadedBundle& loaded = *run->loaded;
  contracts::LocateContractRules(contract_run.generated, &loaded);
  if (!fleet_support::AddDriftProviders(loaded, request.stage, &contract_run)) return 2;
  if (!zone_support::AddZoneProviders(loaded, inputs, &run->control_ledger, &contract_run.providers)) return 2;

  // The evidence log and its key are opened before the run, so that a
  // missing key or an unwritable store stops the command before any work.
  if (!request.no_evidence) {
    evidence_support::RecordRequest record;
    record.store_path = request.evidence.empty() ? evidence_support::DefaultStorePath() : request.evidence;
    record.key_given = !request.signing_key.empty();
    record.key_path = record.key_given ? request.signing_key : evidence_support::DefaultKeyPath(record.store_path);
    record.run_id = common::NewUuidV4();
    record.schema = &loaded.schema;
    record.parameters = request.parameters;
    run->recorder = evidence_support::Recorder::Open(std::move(record));
    if (!run->recorder) return 2;
  }

  eval::EvalOptions options;
  options.kind = request.command;
  options.stage = request.stage;
  options.at = request.at;
  options.fail_on = request.fail_on;
  options.jobs = request.jobs;
  options.record_passing = request.record_passing;
  options.engine_version = STAGEGATE_VERSION;
  if (!contract_run.providers.empty()) options.providers = &contract_run.providers;
  if (!inputs.OfKind(facts::SubjectKind::kZone).empty()) {
    // Zones summarise their member devices, and nothing else reads the ledger.
    run->control_ledger.RecordOnly({facts::SubjectKind::kDevice});
    options.control_ledger = &run->control_ledger;
  }
  std::string internal_error;
  const auto loaded_at = std::chrono::steady_clock::now();
  run->load_seconds = std::chrono::duration<double>(loaded_at - started).count();
  {
    ProgressDisplay display;
    if (request.show_progress && display.enabled()) {
      options.progress = [&display](size_t judged, size_t total) { display.Update(judged, total); };
    }
    run->result = eval::Evaluate(loaded, inputs, options, &internal_error);
  }
  run->evaluation_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loaded_at).count();
  if (!internal_error.empty()) {
    std::cerr << "internal error: " << internal_error << "\n";
    return 3;
  }
  return 0;
}

}  // namespace stagegate::cli::run_pipeline
