#pragma once
// `stagegate audit`: judges the whole fleet against the audit-stage policies,
// records the run in the evidence log and writes the report folder; exits 0
// allow, 1 deny, 2 bad input or policy, 3 internal error.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `audit` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddAuditCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
