#pragma once
// `stagegate simulate --out DIR --seed N ...`: writes a synthetic fleet (device
// inventory, telemetry CSV, ground truth of injected faults) for demos and benchmarks.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `simulate` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddSimulateCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
