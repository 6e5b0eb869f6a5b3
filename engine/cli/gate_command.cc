#include "engine/cli/gate_command.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/cli/authoring_support.h"
#include "engine/cli/evidence_support.h"
#include "engine/cli/fleet_support.h"
#include "engine/cli/report_files.h"
#include "engine/cli/run_pipeline.h"
#include "engine/eval/engine.h"
#include "engine/policy/loader.h"
#include "engine/subjects/inputs.h"
#include "reports/reports.h"

namespace stagegate::cli {
namespace {

// Failures listed in the summary; the outputs hold all of them.
constexpr size_t kSummaryFailures = 10;

struct GateArguments : run_pipeline::CommonArguments {
  std::string formats = "json";
  std::string out;
};

struct OutputFile {
  std::string format;
  std::string file;
};

bool ParseFormats(const std::string& text, std::vector<OutputFile>* out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string name = text.substr(start, comma - start);
    start = comma + 1;
    if (name == "json") {
      out->push_back({name, "decision.json"});
    } else if (name == "sarif") {
      out->push_back({name, "findings.sarif"});
    } else if (name == "junit") {
      out->push_back({name, "junit.xml"});
    } else if (name == "markdown") {
      out->push_back({name, "summary.md"});
    } else {
      std::cerr << "error: --format " << text << ": unknown format '" << name
                << "'; use a comma-separated list of json, sarif, junit, markdown\n";
      return false;
    }
    if (comma == text.size()) break;
  }
  return true;
}

std::string Render(const std::string& format, const eval::RunResult& result) {
  if (format == "sarif") return reports::RenderSarif(result);
  if (format == "junit") return reports::RenderJUnit(result);
  if (format == "markdown") return reports::RenderMarkdown(result);
  return reports::RenderJson(result);
}

void PrintSummary(const eval::RunResult& result) {
  const eval::Counts& c = result.counts;
  std::cerr << fmt::format("gate: {} (fail-on {}, evaluated at {})\n",
                           result.decision == eval::Decision::kDeny ? "DENY" : "ALLOW",
                           eval::SeverityName(result.fail_on), result.evaluated_at);
  std::cerr << fmt::format("  {} rules, {} outcomes: {} pass, {} fail, {} not_evaluable, {} error, {} waived, {} not_applicable\n",
                           result.rules.size(), c.total(), c.pass, c.fail, c.not_evaluable, c.error, c.waived,
                           c.not_applicable);
  if (!result.deny_reasons.empty()) {
    std::cerr << "denied by:\n";
    for (size_t i = 0; i < result.deny_reasons.size() && i < kSummaryFailures; ++i) {
      std::cerr << "  " << result.deny_reasons[i] << "\n";
    }
    if (result.deny_reasons.size() > kSummaryFailures) {
      std::cerr << fmt::format("  ... and {} more (see the outputs)\n", result.deny_reasons.size() - kSummaryFailures);
    }
  }
  // Findings that do not deny (warn / audit enforcement, below --fail-on).
  std::vector<const eval::OutcomeRecord*> other;
  for (const eval::OutcomeRecord& o : result.outcomes) {
    if (o.outcome != eval::Outcome::kFail && o.outcome != eval::Outcome::kError &&
        o.outcome != eval::Outcome::kNotEvaluable) {
      continue;
    }
    other.push_back(&o);
  }
  if (other.size() > result.deny_reasons.size()) {
    std::cerr << fmt::format("  {} other finding(s) do not deny (warn/audit enforcement or below --fail-on)\n",
                             other.size() - result.deny_reasons.size());
  }
  for (const eval::WaiverInfo& w : result.waivers) {
    if (w.expired) {
      std::cerr << fmt::format("waiver {} ({}) expired on {}: it no longer applies\n", w.id, w.rule_id, w.expires);
    }
  }
  for (const eval::WaiverInfo* w : eval::ExpiringSoon(result)) {
    std::cerr << fmt::format("waiver {} ({}) expires on {} ({} days left)\n", w->id, w->rule_id, w->expires,
                             w->days_left);
  }
}

int RunGate(const GateArguments& args) {
  std::vector<OutputFile> outputs;
  if (!ParseFormats(args.formats, &outputs)) return 2;
  run_pipeline::Request request;
  request.command = "gate";
  request.stage = policy::Stage::kGate;
  if (!run_pipeline::FillRequest(args, &request)) return 2;
  request.parameters["formats"] = args.formats;
  request.parameters["out"] = args.out;
  run_pipeline::Run run;
  if (const int code = run_pipeline::Execute(request, &run); code != 0) return code;
  const eval::RunResult& result = run.result;
  std::unique_ptr<evidence_support::Recorder>& recorder = run.recorder;

  if (args.out.empty()) {
    std::cout << reports::RenderJson(result);
  } else {
    if (!report_files::CreateReportFolder(args.out)) return 2;
    // Each file through a temporary renamed into place: a reader (or a CI
    // upload step) never sees a half-written report.
    for (const OutputFile& output : outputs) {
      if (!report_files::WriteReportFile(args.out, output.file, Render(output.format, result))) return 2;
    }
  }
  PrintSummary(result);
  if (recorder && !recorder->Record(result)) {
    std::cerr << "error: the decision was not recorded in the evidence log; fix the cause above, or pass "
                 "--no-evidence to run without recording\n";
    return 2;
  }
  return result.decision == eval::Decision::kDeny ? 1 : 0;
}

}  // namespace

void AddGateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<GateArguments>();
  CLI::App* cmd = app.add_subcommand("gate", "Judge a release candidate against the policies; exit 0 allow, 1 deny");
  cmd->add_option("--policies", args->policies, "Policy bundle: a directory, or a git repository with --rev")
      ->required();
  cmd->add_option("--rev", args->revision, "Git revision of the --policies repository (branch, tag, commit)");
  cmd->add_option("--input", args->inputs, "Input file or directory (JSON, YAML, JSON Lines); repeatable");
  fleet_support::AddFleetOptions(cmd, &args->fleet);
  cmd->add_option("--format", args->formats, "Outputs: comma-separated json, sarif, junit, markdown (default json)");
  cmd->add_option("--out", args->out, "Directory for decision.json, findings.sarif, junit.xml, summary.md "
                                      "(default: the JSON on stdout)");
  cmd->add_option("--at", args->at, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: now)");
  cmd->add_option("--fail-on", args->fail_on, "Lowest severity that denies: info, low, medium, high, critical");
  cmd->add_option("--jobs", args->jobs, "Worker threads (default 0: all cores)");
  evidence_support::AddStoreOption(cmd, &args->evidence);
  cmd->add_option("--signing-key", args->signing_key,
                  "Ed25519 key that signs the evidence log (default: $STAGEGATE_SIGNING_KEY, else signing.key beside "
                  "the store, created on first use)");
  cmd->add_flag("--no-evidence", args->no_evidence, "Do not record this run in the evidence log");
  cmd->footer(R"(Every run is recorded in the signed evidence log (see 'stagegate evidence --help') unless --no-evidence.
Exit codes: 0 allow, 1 deny, 2 bad input or policy (or the run could not be recorded), 3 internal error.
Example:
  stagegate gate --policies policies/ --input fleet/ --format json,sarif --out gate-out --at 2025-06-01T00:00:00Z)");
  cmd->callback([args, exit_code]() {
    try {
      *exit_code = RunGate(*args);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n";
      *exit_code = 3;
    } catch (...) {
      std::cerr << "internal error: unknown fault\n";
      *exit_code = 3;
    }
  });
}

}  // namespace stagegate::cli
