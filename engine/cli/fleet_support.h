#pragma once
// The fleet options of `gate` (and later `audit`): data contracts from the
// policy bundle, the telemetry store, the device inventory and the window,
// wired into a run.

#include <chrono>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "engine/bundle/bundle_source.h"
#include "engine/policy/model.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/contracts/contract_policy.h"
#include "evaluators/contracts/fleet.h"

namespace stagegate::cli::fleet_support {

struct FleetArguments {
  std::string store;
  std::string inventory;
  std::string window = "24h";
};

void AddFleetOptions(CLI::App* command, FleetArguments* args);

// What a run needs from the contracts evaluator.
struct ContractRun {
  contracts::ContractSet contracts;
  contracts::GeneratedPolicies generated;
  std::shared_ptr<contracts::Fleet> fleet;
  subjects::FactProviderRegistry providers;
};

// Reads the bundle's data contracts (printing errors and notes) and adds the
// policies generated from them to `bundle`. False after printing errors.
bool AddContractPolicies(bundle::Bundle* bundle, ContractRun* run);

// Adds the inventory's devices and the store's streams to `subjects`, and
// registers the fact providers. False after printing errors.
bool LoadFleet(const FleetArguments& args, std::chrono::sys_seconds at, subjects::SubjectSet* subjects,
               ContractRun* run);

// Registers the stream drift facts against the baseline the policies of
// `stage` name (spec.drift). False after printing the error.
bool AddDriftProviders(const policy::LoadedBundle& loaded, policy::Stage stage, ContractRun* run);

}  // namespace stagegate::cli::fleet_support
