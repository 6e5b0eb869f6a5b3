#pragma once
// The policy loader: parses every YAML document of a bundle, builds the typed
// model (engine/policy/model.h), compiles and type-checks every CEL expression
// against the fact schema, and reports every mistake of the run at once.
// Never throws.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/bundle/bundle_source.h"
#include "engine/eval/run_result.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/model.h"

namespace stagegate::policy {

// One mistake in a policy file. Codes are stable and documented in docs/errors.md.
struct PolicyDiagnostic {
  std::string code;               // "SG001"...; CEL diagnostics keep the policy code SG4xx and quote CELnnn
  eval::FileLocation location;    // file relative to the bundle root, 1-based line and column
  std::string message;            // what is wrong and how to fix it
  bool warning = false;
  std::string snippet;            // the source line, then a caret line (empty when unknown)
};

// Formats as
//   <file>:<line>:<col>: error SG123: <message>
//    | <source line>
//    | ......^
// (`warning` instead of `error` for warnings; no snippet lines when the snippet is empty).
std::string FormatDiagnostic(const PolicyDiagnostic& diagnostic);
// Formats every diagnostic, one block each, each block ending with a newline.
std::string FormatDiagnostics(const std::vector<PolicyDiagnostic>& diagnostics);

struct LoadOptions {
  // Waivers may last at most this many days (see Waiver in model.h).
  int max_waiver_days = 180;
  // Unknown facts (a fact path neither built in nor declared) are warnings
  // (SG402) instead of errors: `check` without inputs, where inputs may still
  // provide them.
  bool undeclared_facts_are_warnings = false;
  // The evaluation time: the waiver lifetime limit is measured from it when a
  // waiver has no `created`.
  std::chrono::sys_seconds now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
};

struct LoadResult {
  std::unique_ptr<LoadedBundle> bundle;          // non-null exactly when there is no error
  std::vector<PolicyDiagnostic> diagnostics;     // errors and warnings, sorted by file, line, column
  bool ok() const { return bundle != nullptr; }
  int errors() const;
  int warnings() const;
};

// Loads every `.yaml`/`.yml` file of `bundle` (other files are ignored),
// checking it against `schema` (extended by the bundle's FactSchema documents).
LoadResult LoadPolicies(const bundle::Bundle& bundle, const facts::FactSchema& schema, const LoadOptions& options);

// Parses the severity / enforcement / stage / outcome names the YAML uses.
std::optional<eval::Severity> ParseSeverity(std::string_view name);
std::optional<eval::Enforcement> ParseEnforcement(std::string_view name);
std::optional<Stage> ParseStage(std::string_view name);
std::optional<eval::Outcome> ParseOutcome(std::string_view name);

// Parses "YYYY-MM-DD" (as midnight UTC) or an RFC 3339 timestamp.
std::optional<std::chrono::sys_seconds> ParseTime(std::string_view text);

}  // namespace stagegate::policy
