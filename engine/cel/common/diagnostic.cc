#include "engine/cel/common/diagnostic.h"

#include <string>

namespace stagegate::cel {
namespace {

// Snippets longer than this many code points are shown as a window around the caret.
constexpr size_t kMaxSnippetPoints = 100;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t CodePoints(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += IsContinuationByte(c) ? 0 : 1;
  return count;
}

// Returns `count` code points of `text` starting at code point `first`.
std::string_view SliceCodePoints(std::string_view text, size_t first, size_t count) {
  size_t begin = 0;
  for (size_t seen = 0; begin < text.size() && seen < first; ++seen) {
    ++begin;
    while (begin < text.size() && IsContinuationByte(text[begin])) ++begin;
  }
  if (count == std::string_view::npos) return text.substr(begin);
  size_t end = begin;
  for (size_t seen = 0; end < text.size() && seen < count; ++seen) {
    ++end;
    while (end < text.size() && IsContinuationByte(text[end])) ++end;
  }
  return text.substr(begin, end - begin);
}

}  // namespace

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
  // The snippet shows the expression's own line, so the caret uses the
  // expression-local column even when the header reports a file position.
  // Long lines are cut to a window around the column.
  std::string_view line = source.LineTextAt(diagnostic.offset);
  int32_t column = source.ExpressionColumnOf(diagnostic.offset);
  size_t skip_points = 0;
  size_t keep_points = std::string_view::npos;
  bool cut_left = false;
  bool cut_right = false;
  if (CodePoints(line) > kMaxSnippetPoints) {
    const size_t caret = static_cast<size_t>(column > 1 ? column - 1 : 0);
    skip_points = caret > kMaxSnippetPoints / 2 ? caret - kMaxSnippetPoints / 2 : 0;
    keep_points = kMaxSnippetPoints;
    cut_left = skip_points > 0;
    cut_right = skip_points + keep_points < CodePoints(line);
    column -= static_cast<int32_t>(skip_points);
  }
  out += "\n | ";
  if (cut_left) out += "...";
  out += SliceCodePoints(line, skip_points, keep_points);
  if (cut_right) out += "...";
  out += "\n | ";
  out.append(static_cast<size_t>(column > 1 ? column - 1 : 0) + (cut_left ? 3 : 0), '.');
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
