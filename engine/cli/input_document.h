#pragma once
// Reading the documents users hand to the command line (JSON or YAML).

#include <string>

#include <nlohmann/json.hpp>

namespace stagegate::cli {

// Reads `path` ("-" for standard input) as JSON, or as YAML when it is not
// JSON (YAML is a superset; files ending in .json must be JSON). On failure
// returns false with `error` set to one line naming the file, the line and
// what to do.
bool ReadDocument(const std::string& path, nlohmann::json* out, std::string* error);

}  // namespace stagegate::cli
