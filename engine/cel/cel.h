#pragma once
// The public face of the CEL engine: an Environment (functions, variable
// declarations, options), Compile (parse → check → plan, once), and Program
// (evaluate many times, from many threads).
//
//   Environment env = Environment::Standard();
//   env.DeclareVariable("stream", Type::Dyn());
//   CompileResult compiled = Compile(env, Source("stream.quality.missing_ratio <= 0.02"));
//   if (!compiled.ok()) { print FormatDiagnostics(...) }
//   MapActivation vars; vars.Bind("stream", JsonValue(doc));
//   Value v = compiled.program->Evaluate(vars);

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/cel/common/ast.h"
#include "engine/cel/common/diagnostic.h"
#include "engine/cel/common/source.h"
#include "engine/cel/common/types.h"
#include "engine/cel/common/value.h"
#include "engine/cel/common/activation.h"
#include "engine/cel/common/eval_context.h"
#include "engine/cel/common/environment.h"
#include "engine/cel/common/function.h"
#include "engine/cel/common/program.h"
#include "engine/cel/parser/parser.h"

namespace stagegate::cel {

struct CompileResult {
  std::unique_ptr<Program> program;      // null when diagnostics hold errors
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in source order
  bool ok() const { return program != nullptr; }
};

CompileResult Compile(const Environment& env, const Source& source);

// Compiles `parsed`, what Parse(source, env.options().parse_limits) returned,
// which it consumes: the same result as Compile(env, source), without parsing
// again for a caller that reads the tree first.
CompileResult Compile(const Environment& env, const Source& source, ParseResult parsed);

}  // namespace stagegate::cel
