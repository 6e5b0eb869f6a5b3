#pragma once
// `stagegate evidence list|show|verify|prove|verify-proof|consistency|export`:
// reading, checking and exporting the signed evidence log.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

void AddEvidenceCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
