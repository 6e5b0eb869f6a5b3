#pragma once
// Shared steps of the authoring commands (`test`, `diff`): reading a policy
// source and loading it, reporting mistakes on stderr.

#include <chrono>
#include <optional>
#include <string>

#include "engine/bundle/bundle_source.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"

namespace stagegate::cli::authoring {

// Reads `--policies path` (a directory) or, with `revision`, that revision of
// the git repository at `path`. Prints "error: ..." and returns false on failure.
bool ReadSource(const std::string& path, const std::string& revision, bundle::Bundle* bundle);

// Takes the loaded bundle out of `loaded`, printing its diagnostics on stderr
// (errors and warnings), after the line `label` when given ("in revision 'v1'
// (abc123):"). Returns null when there is an error.
// With `warnings` false, only errors are printed.
std::unique_ptr<policy::LoadedBundle> TakeLoaded(policy::LoadResult loaded, const std::string& label = "",
                                                 bool warnings = true);

// Parses --at ("2025-06-01", RFC 3339); empty means now. Prints the error and
// returns nullopt when it cannot.
std::optional<std::chrono::sys_seconds> ParseAt(const std::string& text);

// Returns the fact schema of the engine and every evaluator (core facts, then
// each evaluator's registration).
facts::FactSchema CoreSchema();

}  // namespace stagegate::cli::authoring
