#pragma once
// `stagegate keys init --out DIR`: creates the evidence log's Ed25519 key pair.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

void AddKeysCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
