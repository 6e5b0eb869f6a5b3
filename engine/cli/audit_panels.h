#pragma once
// The fleet panels of an audit report (reports::FleetPanels), read from the
// evaluators' facts once the run is over: the zones' target and achieved
// security levels, the device certificates' weeks to expiry, and the model
// gates' measurements. Facts the run already computed come from the
// providers' caches.

#include "engine/cli/run_pipeline.h"
#include "reports/fleet_panels.h"

namespace stagegate::cli {

reports::FleetPanels ComputeFleetPanels(const run_pipeline::Run& run);

}  // namespace stagegate::cli
