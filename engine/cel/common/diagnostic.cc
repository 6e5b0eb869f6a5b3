#include "engine/cel/common/diagnostic.h"

#include <string>

namespace stagegate::cel {

std::string FormatDiagnostic(const Source& source, const Diagnostic& diagnostic) {
  SourcePosition pos = source.PositionOf(diagnostic.offset);
  std::string out = source.description();
  out += ':';
  out += std::to_string(pos.line);
  out += ':';
  out += std::to_string(pos.column);
  out += diagnostic.severity == Severity::kError ? ": error " : ": warning ";
  out += diagnostic.code;
  out += ": ";
  out += diagnostic.message;
  out += "\n | ";
  out += source.LineTextAt(diagnostic.offset);
  out += "\n | ";
  // The snippet shows the expression's own line, so the caret uses the
  // expression-local column even when the header reports a file position.
  int32_t column = source.ExpressionColumnOf(diagnostic.offset);
  out.append(static_cast<size_t>(column > 1 ? column - 1 : 0), '.');
  out += '^';
  return out;
}

std::string FormatDiagnostics(const Source& source, const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i > 0) out += '\n';
    out += FormatDiagnostic(source, diagnostics[i]);
  }
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Severity::kError) return true;
  }
  return false;
}

}  // namespace stagegate::cel
