#pragma once
// `stagegate gate`: judges a release candidate (the --input documents) against
// a policy bundle and exits 0 allow, 1 deny, 2 bad input or policy, 3 internal error.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `gate` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddGateCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
