#include "engine/cli/test_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "engine/cli/authoring_support.h"
#include "engine/eval/engine.h"
#include "engine/eval/policy_test_runner.h"
#include "engine/subjects/inputs.h"

namespace stagegate::cli {
namespace {

struct TestArguments {
  std::string policies;
  std::string rev;
  std::string at;
  double coverage_min = 0.0;
  int jobs = 0;
};

int RunTest(const TestArguments& args) {
  bundle::Bundle source;
  if (!authoring::ReadSource(args.policies, args.rev, &source)) return 2;
  const std::optional<std::chrono::sys_seconds> at = authoring::ParseAt(args.at);
  if (!at) return 2;

  // First load: find the tests. Their inputs may carry users' own fields, so
  // unknown facts are only warnings until the inputs have typed them.
  policy::LoadOptions options;
  options.now = *at;
  options.undeclared_facts_are_warnings = true;
  policy::LoadResult first = policy::LoadPolicies(source, authoring::CoreSchema(), options);
  if (!first.ok()) return authoring::TakeLoaded(std::move(first)) == nullptr ? 2 : 3;

  std::vector<subjects::SubjectSet> inputs;
  bool inputs_ok = true;
  for (const policy::PolicyTest& test : first.bundle->tests) {
    inputs.push_back(eval::BuildTestInputs(test, source));
    for (const subjects::InputError& error : inputs.back().errors()) {
      std::cerr << subjects::FormatInputError(error) << "\n";
      inputs_ok = false;
    }
  }
  if (!inputs_ok) {
    std::cerr << "error: the inputs of the policy tests are invalid; fix them and run again\n";
    return 2;
  }

  // Second load: with the facts the test inputs provide, unknown facts are errors.
  facts::FactSchema schema = authoring::CoreSchema();
  for (const subjects::SubjectSet& set : inputs) subjects::InferFacts(set, &schema);
  options.undeclared_facts_are_warnings = false;
  std::unique_ptr<policy::LoadedBundle> bundle =
      authoring::TakeLoaded(policy::LoadPolicies(source, schema, options));
  if (bundle == nullptr) return 2;
  if (bundle->tests.size() != inputs.size()) {
    std::cerr << "error: internal: the policy tests changed between loads\n";
    return 3;
  }

  eval::PolicyTestOptions test_options;
  test_options.at = *at;
  test_options.jobs = args.jobs;
  test_options.engine_version = STAGEGATE_VERSION;
  const eval::PolicyTestReport report = eval::RunPolicyTests(*bundle, inputs, test_options);
  if (report.tests.empty()) {
    std::cerr << "warning: " << args.policies
              << " has no PolicyTest documents; add `kind: PolicyTest` with inputs and expected outcomes\n";
  }
  std::cout << eval::RenderPolicyTestReport(report);

  int code = report.tests_failed > 0 ? 1 : 0;
  if (report.coverage_percent + 1e-9 < args.coverage_min) {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.1f%%", report.coverage_percent);
    std::cout << "\nrule coverage " << percent << " is below --coverage-min "
              << eval::FormatNumber(args.coverage_min)
              << "%: add tests whose inputs reach the rules listed as not exercised\n";
    code = 1;
  }
  return code;
}

}  // namespace

void AddTestCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<TestArguments>();
  CLI::App* command = app.add_subcommand("test", "Run the policy unit tests (PolicyTest documents) and show rule coverage");
  command->add_option("--policies", args->policies, "Policy folder, or git repository with --rev")->required();
  command->add_option("--rev", args->rev, "Read this git revision (branch, tag, commit) instead of the folder");
  command->add_option("--coverage-min", args->coverage_min,
                      "Fail (exit 1) when fewer than PERCENT of the rules are exercised by some test")
      ->check(CLI::Range(0.0, 100.0));
  command->add_option("--at", args->at,
                      "Evaluation time of tests without `at:` (2025-06-01 or RFC 3339; default: now)");
  command->add_option("--jobs", args->jobs, "Worker threads (default: one per core)")->check(CLI::NonNegativeNumber);
  command->footer(R"(Exit codes: 0 every expectation holds, 1 a test failed or coverage is below --coverage-min,
2 invalid policies or test inputs.)");
  command->callback([args, exit_code] { *exit_code = RunTest(*args); });
}

}  // namespace stagegate::cli
