#include "engine/cli/diff_command.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "engine/cli/authoring_support.h"
#include "engine/eval/engine.h"
#include "engine/eval/policy_diff.h"
#include "engine/subjects/inputs.h"

namespace stagegate::cli {
namespace {

struct DiffArguments {
  std::string policies;
  std::string from;
  std::string to;
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string stage = "gate";
  std::string at;
  std::string fail_on = "low";
};

std::string RevisionLabel(const std::string& name, const bundle::Bundle& bundle) {
  return "in revision '" + name + "' (" + bundle.source.commit.substr(0, 12) + "):";
}

int RunDiff(const DiffArguments& args) {
  bundle::Bundle from_source, to_source;
  if (!authoring::ReadSource(args.policies, args.from, &from_source)) return 2;
  if (!authoring::ReadSource(args.policies, args.to, &to_source)) return 2;
  const std::optional<std::chrono::sys_seconds> at = authoring::ParseAt(args.at);
  if (!at) return 2;
  const std::optional<eval::Severity> fail_on = policy::ParseSeverity(args.fail_on);

  // With inputs, users' own fields are typed from them; without, rules may
  // read facts only inputs would provide, so unknown facts are warnings.
  subjects::SubjectSet subjects;
  facts::FactSchema schema = authoring::CoreSchema();
  if (!args.inputs.empty()) {
    subjects = subjects::LoadInputs(args.inputs);
    if (!subjects.ok()) {
      for (const subjects::InputError& error : subjects.errors()) {
        std::cerr << subjects::FormatInputError(error) << "\n";
      }
      return 2;
    }
    subjects::InferFacts(subjects, &schema);
  }
  policy::LoadOptions options;
  options.now = *at;
  options.undeclared_facts_are_warnings = args.inputs.empty();
  std::unique_ptr<policy::LoadedBundle> from =
      authoring::TakeLoaded(policy::LoadPolicies(from_source, schema, options), RevisionLabel(args.from, from_source),
                            /*warnings=*/false);
  std::unique_ptr<policy::LoadedBundle> to =
      authoring::TakeLoaded(policy::LoadPolicies(to_source, schema, options), RevisionLabel(args.to, to_source),
                            /*warnings=*/false);
  if (from == nullptr || to == nullptr) return 2;

  eval::PolicyDiff diff = eval::DiffPolicies(*from, *to);
  if (!args.inputs.empty()) {
    eval::EvalOptions eval_options;
    eval_options.kind = args.stage;
    eval_options.stage = *policy::ParseStage(args.stage);
    eval_options.at = *at;
    eval_options.fail_on = *fail_on;
    eval_options.record_passing = true;
    eval_options.engine_version = STAGEGATE_VERSION;
    std::string internal_error;
    const eval::RunResult before = eval::Evaluate(*from, subjects, eval_options, &internal_error);
    if (internal_error.empty()) {
      const eval::RunResult after = eval::Evaluate(*to, subjects, eval_options, &internal_error);
      if (internal_error.empty()) {
        eval::AddOutcomeDiff(before, after, static_cast<int64_t>(subjects.size()), &diff);
      }
    }
    if (!internal_error.empty()) {
      std::cerr << "error: internal: the evaluation stopped: " << internal_error << "\n";
      return 3;
    }
  }

  if (args.format == "json") {
    std::cout << eval::RenderDiffJson(diff);
  } else if (args.format == "markdown") {
    std::cout << eval::RenderDiffMarkdown(diff);
  } else {
    std::cout << eval::RenderDiffText(diff);
  }
  return 0;
}

}  // namespace

void AddDiffCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<DiffArguments>();
  CLI::App* command = app.add_subcommand(
      "diff", "Show the rules changed between two revisions of a policy repository, and which decisions flip");
  command->add_option("--policies", args->policies, "Git repository (or a folder inside one) holding the policies")
      ->required();
  command->add_option("--from", args->from, "The revision before the change (branch, tag, commit)")->required();
  command->add_option("--to", args->to, "The revision after the change (branch, tag, commit)")->required();
  command->add_option("--input", args->inputs,
                      "Input documents (file or folder; repeatable): judge them with both revisions and list "
                      "the outcomes that flip");
  command->add_option("--format", args->format, "Output: text (terminal), markdown (PR comment) or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  command->add_option("--stage", args->stage, "Run the policies of this stage: gate or audit")
      ->check(CLI::IsMember({"gate", "audit"}));
  command->add_option("--fail-on", args->fail_on, "Lowest severity that denies: info, low, medium, high, critical")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}));
  command->add_option("--at", args->at, "Evaluation time (2025-06-01 or RFC 3339; default: now)");
  command->footer(R"(Example:
  stagegate diff --policies . --from origin/main --to HEAD --input fleet/ --format markdown

Exit codes: 0 the diff was shown (whatever it contains), 2 bad input or invalid policies.)");
  command->callback([args, exit_code] { *exit_code = RunDiff(*args); });
}

}  // namespace stagegate::cli
