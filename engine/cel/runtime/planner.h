#pragma once
// Turns a (checked or unchecked) AST into an executable Program, once.

#include <memory>
#include <vector>

#include "engine/cel/common/ast.h"
#include "engine/cel/common/checked_expr.h"
#include "engine/cel/common/diagnostic.h"
#include "engine/cel/common/environment.h"
#include "engine/cel/common/program.h"
#include "engine/cel/common/source.h"

namespace stagegate::cel {

// Plans `parsed`. `checked` (may be null) supplies resolved names and overloads;
// without it names and overloads are resolved at plan time where possible and
// at run time otherwise. Constant sub-expressions are folded and constant
// regexes compiled when the options say so. Planning problems that are certain
// to fail (a constant regex that does not compile) are diagnostics; the
// program is null when any is an error. The program owns the tree and a copy
// of the source, so that its errors can name positions.
std::unique_ptr<Program> Plan(ParsedExpr parsed, const CheckedExpr* checked, const Source& source,
                              const Environment& env, std::vector<Diagnostic>* diagnostics);

}  // namespace stagegate::cel
