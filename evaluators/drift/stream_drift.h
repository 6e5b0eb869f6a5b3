#pragma once
// Stream drift facts (`stream.drift.*`): each stream of the telemetry store,
// in the run's window, compared with its entry in the baseline the policies
// name (`spec.drift.baseline`); the stream's cohort compared with the cohort
// entry, with multiple-testing control across the cohorts of a sensor; and
// the fleet's drift share per sensor. Computed lazily, once per stream, only
// when a rule reads a drift fact.

#include <memory>
#include <string>
#include <vector>

#include "engine/facts/fact_schema.h"
#include "engine/policy/model.h"
#include "engine/subjects/fact_provider.h"
#include "evaluators/contracts/fleet.h"

namespace stagegate::drift {

// Registers every stream drift fact. The one place the drift module
// registers facts.
void RegisterDriftFacts(facts::FactSchema& schema);

// Returns the drift settings the run's policies name: nullopt when none
// names any. Policies that name different settings are an error (one run
// compares against one baseline): false with `error` naming them.
bool CollectDriftSettings(const std::vector<const policy::Policy*>& policies,
                          std::optional<policy::DriftSettings>* settings, std::string* error);

class StreamDrift;

// Registers the stream drift provider. With `settings` and a fleet read from
// a telemetry store, opens the named baseline in that store (false with
// `error` naming the store and the baselines it has when the name is
// unknown). Without settings, drift facts are errors that say how to name a
// baseline, so a rule reading them never passes silently.
bool RegisterDriftProviders(std::shared_ptr<const contracts::Fleet> fleet,
                            const std::optional<policy::DriftSettings>& settings,
                            subjects::FactProviderRegistry* registry, std::string* error);

}  // namespace stagegate::drift
