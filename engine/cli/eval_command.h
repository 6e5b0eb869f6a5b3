#pragma once
// `stagegate eval`: evaluates one CEL expression against a JSON or YAML
// document whose top-level keys are bound as variables.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `eval` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddEvalCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
