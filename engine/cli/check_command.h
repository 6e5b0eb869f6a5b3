#pragma once
// `stagegate check`: loads and type-checks a policy bundle (a directory or a
// git revision) and prints every mistake with file:line:col.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `check` subcommand to `app`; its exit code (0 valid, 2 invalid) is written to `exit_code`.
void AddCheckCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
