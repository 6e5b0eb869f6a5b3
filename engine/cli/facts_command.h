#pragma once
// `stagegate facts`: prints the fact schema (built-in facts plus the bundle's
// FactSchema documents) as Markdown or as a JSON Schema for editors.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `facts` subcommand to `app`; its exit code is written to `exit_code`.
void AddFactsCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
