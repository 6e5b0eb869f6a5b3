#pragma once
// `stagegate report RUN_ID --out DIR`: renders the outputs of a recorded run
// again from its record in the evidence log (an audit's report folder, a
// gate's decision.json, SARIF, JUnit and Markdown); exits 0 written, 1 the
// record does not match its leaf hash, 2 bad input (unknown or ambiguous run
// id, unreadable record, unwritable folder), 3 internal error.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `report` subcommand to `app`; its exit code is written to `exit_code` when it runs.
void AddReportCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
