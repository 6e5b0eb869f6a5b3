#pragma once
// `stagegate drift compare REF.csv CUR.csv`: compares every column (or the
// named ones) of two CSV files with the automatic test choice of
// evaluators/drift/column_drift.h and prints one row per column.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `drift` subcommand (with `drift compare`) to `app`; its exit code
// is written to `exit_code` when it runs.
void AddDriftCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
