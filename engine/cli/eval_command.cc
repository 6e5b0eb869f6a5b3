#include "engine/cli/eval_command.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/cel.h"
#include "engine/cli/input_document.h"

namespace stagegate::cli {
namespace {

struct EvalArguments {
  std::string expression;
  std::string input_path;
  std::vector<std::string> vars;
  bool no_check = false;
  std::string container;
  int64_t cost_budget = cel::EvalLimits{}.cost_budget;
  bool show_cost = false;
};

// Parses `name=JSON` into `name` and `value`.
bool ParseVar(const std::string& spec, std::string* name, nlohmann::json* value, std::string* error) {
  const size_t equals = spec.find('=');
  if (equals == std::string::npos || equals == 0) {
    *error = fmt::format("--var {}: expected NAME=JSON, for example --var limit=0.02 or --var site='\"plant-a\"'", spec);
    return false;
  }
  *name = spec.substr(0, equals);
  const std::string text = spec.substr(equals + 1);
  *value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value->is_discarded()) {
    *error = fmt::format("--var {}: '{}' is not JSON; quote strings, for example --var {}='\"{}\"'", spec, text,
                         *name, text);
    return false;
  }
  return true;
}

int RunEval(const EvalArguments& args) {
  // Documents must outlive the evaluation: values borrow from them.
  std::vector<std::unique_ptr<nlohmann::json>> documents;
  std::vector<std::pair<std::string, const nlohmann::json*>> bindings;

  if (!args.input_path.empty()) {
    auto document = std::make_unique<nlohmann::json>();
    std::string error;
    if (!ReadDocument(args.input_path, document.get(), &error)) {
      std::cerr << "error: " << error << "\n";
      return 2;
    }
    if (!document->is_object()) {
      std::cerr << fmt::format(
          "error: {}: the document must be a mapping of variable names to values (its top-level keys become "
          "variables), but it is {}\n",
          args.input_path, document->is_array() ? "a list" : fmt::format("a {}", document->type_name()));
      return 2;
    }
    if (!cel::JsonWithinDepth(*document)) {
      std::cerr << fmt::format("error: {}: the document nests lists and maps more than {} levels deep; flatten it\n",
                               args.input_path, cel::kMaxDocumentDepth);
      return 2;
    }
    for (const auto& [key, value] : document->items()) bindings.emplace_back(key, &value);
    documents.push_back(std::move(document));
  }
  for (const std::string& spec : args.vars) {
    std::string name;
    auto value = std::make_unique<nlohmann::json>();
    std::string error;
    if (!ParseVar(spec, &name, value.get(), &error)) {
      std::cerr << "error: " << error << "\n";
      return 2;
    }
    if (!cel::JsonWithinDepth(*value)) {
      std::cerr << fmt::format("error: --var {}: the value nests more than {} levels deep; flatten it\n", name,
                               cel::kMaxDocumentDepth);
      return 2;
    }
    bindings.emplace_back(name, value.get());  // later bindings override the document's
    documents.push_back(std::move(value));
  }

  cel::Environment env = cel::Environment::Standard();
  env.options().type_check = !args.no_check;
  env.options().container = args.container;
  env.options().eval_limits.cost_budget = args.cost_budget;
  cel::MapActivation activation;
  for (const auto& [name, json] : bindings) {
    env.DeclareVariable(name, cel::Type::Dyn());
    activation.Bind(name, cel::JsonValue(*json));
  }

  cel::Source source(args.expression, "<expression>");
  cel::CompileResult compiled = cel::Compile(env, source);
  if (!compiled.ok()) {
    std::cerr << cel::FormatDiagnostics(source, compiled.diagnostics) << "\n";
    return 2;
  }
  for (const cel::Diagnostic& d : compiled.diagnostics) {
    std::cerr << cel::FormatDiagnostic(source, d) << "\n";  // warnings
  }

  cel::EvalContext context(activation, env.options().eval_limits);
  cel::Value result = compiled.program->Evaluate(context);
  if (args.show_cost) std::cerr << "cost: " << context.cost() << " units\n";
  if (result.IsError()) {
    cel::Diagnostic diagnostic{"CEL300", "evaluation failed: " + result.ErrorMessage(),
                               result.ErrorOffset() >= 0 ? result.ErrorOffset() : 0, cel::Severity::kError};
    std::cerr << cel::FormatDiagnostic(source, diagnostic) << "\n";
    return 2;
  }
  if (result.IsUnknown()) {
    std::cerr << "error: the result depends on '" << result.UnknownAttribute()
              << "', which is not available; bind it with --input or --var\n";
    return 2;
  }
  std::cout << cel::ValueToJson(result).dump() << "\n";
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EvalArguments>();
  CLI::App* eval = app.add_subcommand("eval", "Evaluate one CEL expression against a JSON or YAML document");
  eval->add_option("expression", args->expression, "The CEL expression")->required();
  eval->add_option("--input,-i", args->input_path,
                   "JSON or YAML document (- for stdin); its top-level keys become variables");
  eval->add_option("--var", args->vars, "Bind one variable: NAME=JSON (repeatable; overrides the document)");
  eval->add_flag("--no-check", args->no_check, "Skip the type checker (names are then resolved at run time)");
  eval->add_option("--container", args->container, "Namespace for name resolution, as in cel-spec");
  eval->add_option("--cost-budget", args->cost_budget, "Cost units the evaluation may spend")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  eval->add_flag("--show-cost", args->show_cost, "Print the cost the evaluation spent on stderr");
  eval->footer(R"(Prints the result as JSON and exits 0; a syntax, type or evaluation error prints
the position with a caret and exits 2.

Examples:
  stagegate eval '1 + 2 * 3'
  stagegate eval 'stream.quality.missing_ratio <= 0.02' --input docs/examples/stream.yaml
  stagegate eval 'site in ["plant-a", "plant-b"]' --var site='"plant-a"'
  stagegate eval '[1, 2, 3].map(x, x * x).filter(x, x > 1)')");
  eval->callback([args, exit_code] { *exit_code = RunEval(*args); });
}

}  // namespace stagegate::cli
