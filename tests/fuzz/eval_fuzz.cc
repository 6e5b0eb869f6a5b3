// Fuzzes the whole pipeline: parse, check, plan and evaluate an expression
// against a small JSON document, with a small cost budget so that runaway
// comprehensions end quickly. The first line of the input is the expression;
// the rest, when present, is the document bound as `input`.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/cel.h"

namespace {

const nlohmann::json& DefaultDocument() {
  static const nlohmann::json document = nlohmann::json::parse(R"({
    "stream": {"sensor": "vibration", "quality": {"missing_ratio": 0.01, "gaps": [1, 2, 3]},
               "device": {"site": "plant-a", "labels": {"tier": "gold"}}},
    "n": 3, "u": 18446744073709551615, "d": -0.5, "s": "héllo", "b": true, "z": null, "l": [1, "a", 2.5]})");
  return document;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  std::string expression = text.substr(0, newline);
  nlohmann::json document = DefaultDocument();
  if (newline != std::string::npos) {
    nlohmann::json parsed = nlohmann::json::parse(text.substr(newline + 1), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) document = std::move(parsed);
  }

  stagegate::cel::Environment env = stagegate::cel::Environment::Standard();
  env.options().eval_limits.cost_budget = 20'000;
  env.options().eval_limits.max_comprehension_iterations = 5'000;
  env.options().parse_limits.max_expression_bytes = 4'096;
  env.options().type_check = (size % 2) == 0;  // exercise both paths
  env.DeclareVariable("input", stagegate::cel::Type::Dyn());
  for (const char* name : {"stream", "n", "u", "d", "s", "b", "z", "l"}) {
    env.DeclareVariable(name, stagegate::cel::Type::Dyn());
  }

  stagegate::cel::Source source(expression);
  stagegate::cel::CompileResult compiled = stagegate::cel::Compile(env, source);
  if (!compiled.ok()) {
    (void)stagegate::cel::FormatDiagnostics(source, compiled.diagnostics);
    return 0;
  }
  stagegate::cel::MapActivation activation;
  activation.Bind("input", stagegate::cel::JsonValue(document));
  if (document.is_object()) {
    for (const auto& [key, value] : document.items()) {
      activation.Bind(key, stagegate::cel::JsonValue(value));
    }
  }
  stagegate::cel::Value result = compiled.program->Evaluate(activation);
  (void)result.DebugString();
  if (!result.IsErrorOrUnknown()) (void)stagegate::cel::ValueToJson(result);
  return 0;
}
