#pragma once
// Diagnostics: the errors a user can cause in an expression (syntax, type,
// limits), each with a stable code and a position, all collected in one run.

#include <string>
#include <vector>

#include "engine/cel/common/source.h"

namespace stagegate::cel {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string code;      // stable, documented: "CEL001" (syntax), "CEL1xx" (type), "CEL2xx" (limits)
  std::string message;   // what is wrong and, where possible, how to fix it
  int32_t offset = 0;    // byte offset into Source::text()
  Severity severity = Severity::kError;
};

// Formats one diagnostic as
//   <file>:<line>:<col>: error CEL001: <message>
//    | <source line>
//    | ......^
// The caret sits under the offending column (dots fill the columns before it).
std::string FormatDiagnostic(const Source& source, const Diagnostic& diagnostic);

// Formats every diagnostic, one block each, separated by newlines.
std::string FormatDiagnostics(const Source& source, const std::vector<Diagnostic>& diagnostics);

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace stagegate::cel
