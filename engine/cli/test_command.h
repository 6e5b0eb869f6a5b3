#pragma once
// `stagegate test`: runs the PolicyTests of a policy bundle and reports rule
// coverage.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `test` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddTestCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
