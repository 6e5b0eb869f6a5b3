// libFuzzer target: parses arbitrary bytes as a CEL expression with the
// default limits and formats whatever diagnostics come back. Any crash,
// sanitizer report or stack overflow is a bug: the parser must accept all input.

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/cel/common/diagnostic.h"
#include "engine/cel/common/source.h"
#include "engine/cel/parser/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using stagegate::cel::FormatDiagnostics;
  using stagegate::cel::Parse;
  using stagegate::cel::ParseResult;
  using stagegate::cel::Source;

  Source source(std::string(reinterpret_cast<const char*>(data), size));
  ParseResult result = Parse(source);
  std::string formatted = FormatDiagnostics(source, result.diagnostics);
  // A failed parse must say why; formatting must cover every diagnostic.
  if (!result.ok() && (result.diagnostics.empty() || formatted.empty())) __builtin_trap();
  return 0;
}
