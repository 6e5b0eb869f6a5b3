#include "engine/cli/check_command.h"

#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "engine/cli/authoring_support.h"
#include "engine/cli/fleet_support.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"

namespace stagegate::cli {
namespace {

struct CheckArguments {
  std::string policies;
  std::string revision;
  int max_waiver_days = 180;
  bool strict_facts = false;
};

std::string Plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

int RunCheck(const CheckArguments& args) {
  bundle::Bundle bundle;
  if (!authoring::ReadSource(args.policies, args.revision, &bundle)) return 2;
  // Data contracts are checked too, and their generated rules type-checked.
  fleet_support::ContractRun contract_run;
  if (!fleet_support::AddContractPolicies(&bundle, &contract_run)) return 2;
  facts::FactSchema schema = authoring::CoreSchema();
  policy::LoadOptions options;
  options.max_waiver_days = args.max_waiver_days;
  // Without inputs, a fact no schema declares may still come from the inputs.
  options.undeclared_facts_are_warnings = !args.strict_facts;
  policy::LoadResult result = policy::LoadPolicies(bundle, schema, options);
  std::cerr << policy::FormatDiagnostics(result.diagnostics);
  if (!result.ok()) {
    std::cerr << fmt::format("{}: {} and {} in {}\n", args.policies, Plural(static_cast<size_t>(result.errors()), "error"),
                             Plural(static_cast<size_t>(result.warnings()), "warning"), bundle.source.location);
    return 2;
  }
  const policy::LoadedBundle& loaded = *result.bundle;
  size_t rules = 0;
  for (const policy::Policy& p : loaded.policies) rules += p.rules.size();
  std::string source = loaded.source.kind == "git"
                           ? fmt::format("{} at {} (commit {})", loaded.source.location, loaded.source.ref,
                                         loaded.source.commit.substr(0, 12))
                           : loaded.source.location;
  if (loaded.source.kind != "git" && loaded.source.in_git) {
    source += fmt::format(" (commit {}{})", loaded.source.commit.substr(0, 12),
                          loaded.source.dirty ? ", uncommitted changes" : "");
  }
  const size_t contracts = contract_run.contracts.contracts.size();
  std::cout << fmt::format("ok: {}, {}, {}{}, {}, {}{}; {}\n", Plural(loaded.policies.size(), loaded.policies.size() == 1 ? "policy" : "policie"),
                           Plural(rules, "rule"), contracts > 0 ? Plural(contracts, "data contract") + ", " : "",
                           Plural(loaded.frameworks.size(), "framework"),
                           Plural(loaded.waivers.size(), "waiver"), Plural(loaded.tests.size(), "test"),
                           result.warnings() > 0 ? fmt::format(", {}", Plural(static_cast<size_t>(result.warnings()), "warning"))
                                                 : "",
                           source);
  return 0;
}

}  // namespace

void AddCheckCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CheckArguments>();
  CLI::App* cmd = app.add_subcommand("check", "Load and type-check a policy bundle; print every mistake with file:line:col");
  cmd->add_option("--policies", args->policies, "Policy directory, or git repository with --rev")->required();
  cmd->add_option("--rev", args->revision, "Git revision to read (branch, tag, commit) without checking it out");
  cmd->add_option("--max-waiver-days", args->max_waiver_days, "Longest allowed waiver lifetime in days")
      ->check(CLI::Range(1, 3650));
  cmd->add_flag("--strict-facts", args->strict_facts, "Report facts no schema declares as errors, not warnings");
  cmd->footer("Exit codes: 0 valid, 2 invalid (each mistake is printed as file:line:col: error SGnnn: message).");
  cmd->callback([args, exit_code] { *exit_code = RunCheck(*args); });
}

}  // namespace stagegate::cli
