#include "engine/cli/facts_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "engine/cli/authoring_support.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"

namespace stagegate::cli {
namespace {

struct FactsArguments {
  std::string format = "markdown";
  std::string policies;
  std::string revision;
};

int RunFacts(const FactsArguments& args) {
  facts::FactSchema schema = authoring::CoreSchema();
  if (!args.policies.empty()) {
    bundle::Bundle bundle;
    if (!authoring::ReadSource(args.policies, args.revision, &bundle)) return 2;
    policy::LoadOptions options;
    options.undeclared_facts_are_warnings = true;
    policy::LoadResult result = policy::LoadPolicies(bundle, schema, options);
    if (!result.ok()) {
      std::cerr << policy::FormatDiagnostics(result.diagnostics);
      return 2;
    }
    schema = result.bundle->schema;
  }
  std::cout << (args.format == "json-schema" ? facts::RenderJsonSchema(schema) : facts::RenderMarkdown(schema));
  return 0;
}

}  // namespace

void AddFactsCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<FactsArguments>();
  CLI::App* cmd = app.add_subcommand("facts", "Print the fact schema rules are checked against");
  cmd->add_option("--format", args->format, "markdown or json-schema")
      ->check(CLI::IsMember({"markdown", "json-schema"}));
  cmd->add_option("--policies", args->policies, "Include the FactSchema documents of this policy bundle");
  cmd->add_option("--rev", args->revision, "Git revision of --policies to read");
  cmd->callback([args, exit_code] { *exit_code = RunFacts(*args); });
}

}  // namespace stagegate::cli
