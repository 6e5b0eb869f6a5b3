#pragma once
// `stagegate ingest --store FILE INPUT...`: loads telemetry (CSV, JSON Lines,
// gzip or not, '-' for standard input) into the telemetry store, one
// transaction per input.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `ingest` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddIngestCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
