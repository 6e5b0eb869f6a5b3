#pragma once
// `stagegate diff`: what changes between two revisions of a policy
// repository: rules added, removed and changed, and with inputs, every
// outcome that flips and the decision before and after.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `diff` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddDiffCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
