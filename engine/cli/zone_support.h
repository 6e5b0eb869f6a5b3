#pragma once
// Wires the IEC 62443 zone assessment into a run: the zone documents of the
// inputs, the bundle's iec62443-3-3 catalog, and the control ledger the
// engine fills before it judges the zones.

#include "engine/eval/control_ledger.h"
#include "engine/policy/model.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::cli::zone_support {

// Registers the zone fact providers, reading `ledger` (to be given to the
// evaluation as EvalOptions::control_ledger). Does nothing when the run has
// no zone subject. False after printing errors (file:line and what to do).
bool AddZoneProviders(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects,
                      const eval::ControlLedger* ledger, subjects::FactProviderRegistry* registry);

}  // namespace stagegate::cli::zone_support
