#pragma once
// Parses CEL source text into an AST with macros expanded.

#include <vector>

#include "engine/cel/common/ast.h"
#include "engine/cel/common/diagnostic.h"
#include "engine/cel/common/environment.h"
#include "engine/cel/common/source.h"

namespace stagegate::cel {

struct ParseResult {
  ParsedExpr parsed;                    // root is null when there are errors
  std::vector<Diagnostic> diagnostics;  // syntax errors (CEL001..), limit errors (CEL201, CEL202)
  bool ok() const { return parsed.root != nullptr && !HasErrors(diagnostics); }
};

// Parses `source`. Expands the standard macros (has, all, exists, exists_one,
// map with two and three arguments, filter), the two-variable comprehension
// macros where cel-spec defines them, cel.bind and cel.block, and the optional
// syntax (`a.?b` becomes the call `_?._(a, "b")`, `a[?b]` the call `_[?_](a, b)`).
// Never throws; any input, however long or deep, yields a result.
ParseResult Parse(const Source& source, const ParseLimits& limits = {});

}  // namespace stagegate::cel
