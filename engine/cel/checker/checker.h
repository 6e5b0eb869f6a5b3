#pragma once
// The optional type checker: given declared variables and the function
// registry's signatures, deduces a type for every node and reports type
// errors before anything runs.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/cel/common/ast.h"
#include "engine/cel/common/checked_expr.h"
#include "engine/cel/common/diagnostic.h"
#include "engine/cel/common/environment.h"
#include "engine/cel/common/source.h"
#include "engine/cel/common/types.h"

namespace stagegate::cel {

struct CheckResult {
  CheckedExpr checked;
  std::vector<Diagnostic> diagnostics;  // CEL1xx codes: undeclared reference, no matching overload, ...
  bool ok() const { return !HasErrors(diagnostics); }
};

CheckResult Check(const ParsedExpr& parsed, const Source& source, const Environment& env);

}  // namespace stagegate::cel
