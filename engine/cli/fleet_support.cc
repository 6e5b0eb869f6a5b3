#include "engine/cli/fleet_support.h"

#include <iostream>
#include <optional>
#include <vector>

#include "evaluators/drift/stream_drift.h"

namespace stagegate::cli::fleet_support {

void AddFleetOptions(CLI::App* command, FleetArguments* args) {
  command->add_option("--store", args->store, "Telemetry store (from 'stagegate ingest'): one stream subject per "
                                              "stream, judged by the data contracts");
  command->add_option("--inventory", args->inventory, "Device inventory (JSON, YAML or CSV): the device subjects");
  command->add_option("--window", args->window,
                      "Telemetry window: a duration before --at (24h, 7d, 90m) or FROM/TO in RFC 3339 (default 24h)");
}

bool AddContractPolicies(bundle::Bundle* bundle, ContractRun* run) {
  run->contracts = contracts::LoadContracts(*bundle);
  for (const contracts::ContractDiagnostic& diagnostic : run->contracts.diagnostics) {
    std::cerr << contracts::FormatContractDiagnostic(diagnostic) << "\n";
  }
  if (!run->contracts.ok()) return false;
  run->generated = contracts::GenerateContractPolicies(run->contracts);
  for (bundle::BundleFile& file : run->generated.files) bundle->files.push_back(std::move(file));
  run->generated.files.clear();
  return true;
}

bool LoadFleet(const FleetArguments& args, std::chrono::sys_seconds at, subjects::SubjectSet* subjects,
               ContractRun* run) {
  if (args.store.empty() && args.inventory.empty()) return true;
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  contracts::FleetOptions options;
  options.store_path = args.store;
  options.inventory_path = args.inventory;
  options.now_us = now_us;
  std::string error;
  std::optional<contracts::Window> window = contracts::ParseWindow(args.window, now_us, &error);
  if (!window) {
    std::cerr << "error: " << error << "\n";
    return false;
  }
  options.window = *window;
  std::vector<std::string> errors;
  run->fleet = contracts::Fleet::Load(options, run->contracts, subjects, &errors);
  for (const std::string& message : errors) std::cerr << "error: " << message << "\n";
  if (!run->fleet || !errors.empty()) return false;
  run->fleet->RegisterProviders(&run->providers);
  return true;
}

bool AddDriftProviders(const policy::LoadedBundle& loaded, policy::Stage stage, ContractRun* run) {
  std::vector<const policy::Policy*> policies;
  for (const policy::Policy& policy : loaded.policies) {
    if (policy.HasStage(stage)) policies.push_back(&policy);
  }
  std::optional<policy::DriftSettings> settings;
  std::string error;
  if (!drift::CollectDriftSettings(policies, &settings, &error) ||
      !drift::RegisterDriftProviders(run->fleet, settings, &run->providers, &error)) {
    std::cerr << "error: " << error << "\n";
    return false;
  }
  return true;
}

}  // namespace stagegate::cli::fleet_support
