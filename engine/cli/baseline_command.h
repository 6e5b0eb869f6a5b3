#pragma once
// `stagegate baseline create | list | show`: records reference distributions
// (mergeable sketches per stream, per cohort, or per column of a CSV
// training set) in the telemetry store, for the drift facts to compare
// against (docs/drift.md, "Baselines").

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `baseline` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddBaselineCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
