#include "engine/cel/cel.h"

#include <algorithm>

#include "engine/cel/checker/checker.h"
#include "engine/cel/extensions/extensions.h"
#include "engine/cel/runtime/planner.h"
#include "engine/cel/stdlib/standard.h"

namespace stagegate::cel {

Environment Environment::Standard() {
  Environment env;
  RegisterStandardFunctions(env.functions());
  RegisterStringsExtension(env.functions());
  RegisterMathExtension(env.functions());
  RegisterEncodersExtension(env.functions());
  RegisterOptionalsExtension(env.functions());
  return env;
}

// Parses, checks when options().type_check is set (the CLI turns checking off
// when it binds data without declarations), and plans. Every stage's
// diagnostics are collected; later stages run only when earlier ones had no errors.
CompileResult Compile(const Environment& env, const Source& source) {
  return Compile(env, source, Parse(source, env.options().parse_limits));
}

CompileResult Compile(const Environment& env, const Source& source, ParseResult parsed) {
  CompileResult result;
  result.diagnostics = std::move(parsed.diagnostics);
  if (parsed.parsed.root == nullptr || HasErrors(result.diagnostics)) return result;

  CheckResult checked;
  const CheckedExpr* checked_expr = nullptr;
  if (env.options().type_check) {
    checked = Check(parsed.parsed, source, env);
    result.diagnostics.insert(result.diagnostics.end(), checked.diagnostics.begin(), checked.diagnostics.end());
    if (!checked.ok()) {
      std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                       [](const Diagnostic& a, const Diagnostic& b) { return a.offset < b.offset; });
      return result;
    }
    checked_expr = &checked.checked;
  }
  result.program = Plan(std::move(parsed.parsed), checked_expr, source, env, &result.diagnostics);
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.offset < b.offset; });
  return result;
}

}  // namespace stagegate::cel
