#include "engine/cli/audit_command.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/cli/audit_panels.h"
#include "engine/cli/authoring_support.h"
#include "engine/cli/report_files.h"
#include "engine/cli/run_pipeline.h"
#include "engine/eval/audit_trend.h"
#include "engine/eval/control_coverage.h"
#include "engine/evidence/store.h"
#include "engine/eval/rollups.h"
#include "engine/policy/loader.h"
#include "reports/evidence_exports.h"
#include "reports/reports.h"

namespace stagegate::cli {
namespace {

using report_files::WriteReportFile;
using report_files::WriteReportFileWith;

struct AuditArguments : run_pipeline::CommonArguments {
  std::string out;
  bool timings = false;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The trend against the latest audit of the log at `store_path`; none when
// the log does not exist yet or holds no audit (a note says why when it
// cannot be read).
std::optional<eval::AuditTrend> CompareWithPreviousAudit(const std::string& store_path, const eval::RunResult& result,
                                                         const subjects::SubjectSet& subjects) {
  std::error_code ec;
  if (!std::filesystem::exists(store_path, ec)) return std::nullopt;
  std::string error;
  std::unique_ptr<evidence::EvidenceStore> store =
      evidence::EvidenceStore::Open(store_path, evidence::EvidenceStore::Mode::kReadOnly, &error);
  if (!store) {
    std::cerr << "note: no comparison with the previous audit: " << error << "\n";
    return std::nullopt;
  }
  evidence::ListFilter filter;
  filter.kind = "audit";
  std::vector<evidence::StoredRun> audits = store->List(filter, &error);
  if (audits.empty()) return std::nullopt;
  const evidence::StoredRun& previous = audits.back();
  nlohmann::json record = nlohmann::json::parse(previous.record, nullptr, false);
  std::optional<eval::AuditTrend> trend;
  if (!record.is_discarded() && record.contains("result")) {
    trend = eval::CompareAudits(result, subjects, record["result"], &error);
  } else {
    error = "its record is not JSON";
  }
  if (!trend) {
    std::cerr << "note: no comparison with the previous audit (run " << previous.run_id << "): " << error << "\n";
    return std::nullopt;
  }
  trend->previous_run_id = previous.run_id;
  return trend;
}

void PrintAuditSummary(const reports::AuditReport& report, const std::string& out) {
  const eval::RunResult& result = *report.result;
  const std::vector<eval::FrameworkCoverage>& coverage = report.coverage;
  const eval::Counts& c = result.counts;
  std::cerr << fmt::format("audit: {} (fail-on {}, evaluated at {})\n",
                           result.decision == eval::Decision::kDeny ? "DENY" : "ALLOW",
                           eval::SeverityName(result.fail_on), result.evaluated_at);
  std::cerr << fmt::format("  {} rules, {} outcomes: {} pass, {} fail, {} not_evaluable, {} error, {} waived, {} "
                           "not_applicable\n",
                           result.rules.size(), c.total(), c.pass, c.fail, c.not_evaluable, c.error, c.waived,
                           c.not_applicable);
  for (const eval::FrameworkCoverage& f : coverage) {
    std::cerr << fmt::format("  {}: {} controls: {} satisfied, {} not satisfied, {} partially (waived), {} no evidence "
                             "({} with no rule)\n",
                             f.id, f.controls.size(), f.satisfied, f.not_satisfied, f.partial, f.no_evidence, f.gaps);
  }
  if (report.trend) {
    const eval::AuditTrend& t = *report.trend;
    std::cerr << fmt::format("  since the previous audit (run {}, evaluated at {}): {} new, {} fixed, {} still failing, "
                             "{} no longer judged, {} waivers expiring soon\n",
                             t.previous_run_id.substr(0, 8), t.previous_evaluated_at, t.new_findings.size(),
                             t.fixed.size(), t.still_failing, t.gone.size(), t.waivers_expiring.size());
  }
  std::cerr << "report: " << out << "\n";
}

// A finished audit's state (see LeaveToProcessExit); atomic, so that the
// compiler keeps the store that makes it reachable.
std::atomic<void*> audit_state_left_to_exit = nullptr;

// What an audit builds: at 100,000 devices, millions of subjects, facts and
// outcomes in small allocations.
struct AuditState {
  run_pipeline::Run run;
  reports::AuditReport report;
  evidence_support::Recorder::Recorded recorded;
};

// Leaves a finished audit's state to the process's exit: freeing it object by
// object took 18 s at 100,000 devices. The evidence log is closed first, so
// that its file is complete on its own; the other stores are read-only. The
// state stays reachable from a global, so leak checkers do not report it.
void LeaveToProcessExit(std::unique_ptr<AuditState> state) {
  state->run.recorder.reset();
  audit_state_left_to_exit.store(state.release());
}

// Frees the evaluators' state (stream metrics, drift comparisons, device
// trust, the fleet's bindings) on a thread of its own once the fleet panels
// are drawn, while the previous audit is read: nothing after the panels reads
// it, and the evidence record and the reports would otherwise be built on top
// of it. The freed pages go back to the system: the evaluation's workers
// allocated them, in arenas the main thread does not use.
std::jthread ReleaseEvaluatorState(fleet_support::ContractRun& contract_run) {
  return std::jthread(
      [providers = std::move(contract_run.providers), fleet = std::move(contract_run.fleet)]() mutable {
        providers = subjects::FactProviderRegistry();
        fleet.reset();
        malloc_trim(0);
      });
}

int RunAudit(const AuditArguments& args) {
  run_pipeline::Request request;
  request.command = "audit";
  request.stage = policy::Stage::kAudit;
  if (!run_pipeline::FillRequest(args, &request)) return 2;
  request.parameters["out"] = args.out;
  // A fleet audit judges millions of (rule, subject) pairs: passing ones are
  // counted per rule, not listed.
  request.record_passing = false;
  request.show_progress = true;
  const std::filesystem::path out(args.out);
  if (!report_files::CreateReportFolder(args.out)) return 2;

  auto state = std::make_unique<AuditState>();
  run_pipeline::Run& run = state->run;
  if (const int code = run_pipeline::Execute(request, &run); code != 0) return code;
  const eval::RunResult& result = run.result;
  reports::AuditReport& report = state->report;
  report.result = &result;
  const auto coverage_started = std::chrono::steady_clock::now();
  report.coverage = eval::ComputeCoverage(*run.loaded, result);
  report.rollups = eval::ComputeRollups(result, run.inputs);
  const double coverage_seconds = SecondsSince(coverage_started);
  const auto panels_started = std::chrono::steady_clock::now();
  report.panels = ComputeFleetPanels(run);
  const double panels_seconds = SecondsSince(panels_started);
  std::jthread release = ReleaseEvaluatorState(run.contract_run);
  const auto evidence_started = std::chrono::steady_clock::now();
  // The previous audit, read before this one joins the log.
  if (run.recorder) {
    const std::string store_path = args.evidence.empty() ? evidence_support::DefaultStorePath() : args.evidence;
    report.trend = CompareWithPreviousAudit(store_path, result, run.inputs);
  }

  // The record is built once the state is freed and trimmed: the workers'
  // arenas hold those pages, which this thread's allocations cannot reuse,
  // so building it beside them would add it to the audit's peak.
  release.join();
  // Recorded first: the OSCAL results name the record's leaf in the log.
  evidence_support::Recorder::Recorded& recorded = state->recorded;
  // The coverage, roll-ups and trend go into the record with the run, so that
  // `stagegate report` can render this folder again from the log alone.
  if (run.recorder && !run.recorder->Record(result, &recorded, nlohmann::json(reports::AuditPartsJson(report)))) {
    std::cerr << "error: the audit was not recorded in the evidence log; fix the cause above, or pass "
                 "--no-evidence to run without recording\n";
    return 2;
  }
  if (run.recorder) {
    const std::string store_path = args.evidence.empty() ? evidence_support::DefaultStorePath() : args.evidence;
    report.evidence = reports::AuditReport::EvidenceRef{recorded.run_id, recorded.sequence, recorded.leaf_hash_hex,
                                                        store_path};
  }
  const double evidence_seconds = SecondsSince(evidence_started);
  const auto reports_started = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, double>> file_seconds;  // for --timings
  auto write = [&](const std::string& name, auto render) {
    const auto started = std::chrono::steady_clock::now();
    const bool ok = WriteReportFile(out, name, render());
    file_seconds.emplace_back(name, SecondsSince(started));
    return ok;
  };
  bool written = write("report.json", [&] { return reports::RenderAuditJson(report); }) &&
                 write("report.html", [&] { return reports::RenderAuditHtml(report); }) &&
                 write("findings.sarif", [&] { return reports::RenderSarif(result); }) &&
                 write("junit.xml", [&] { return reports::RenderJUnit(result); }) &&
                 write("summary.md", [&] { return reports::RenderAuditMarkdown(report); });
  if (written && run.recorder) {
    const auto started = std::chrono::steady_clock::now();
    // Written as it is rendered: the document of a fleet's audit runs to
    // hundreds of megabytes, the largest text the audit would hold.
    std::string error;
    bool made = true;
    written = WriteReportFileWith(out, "oscal-assessment-results.json", [&](std::ostream& file) {
      made = reports::WriteOscal(file, recorded.record, recorded.leaf_hash_hex, report_files::NewOscalOptions(),
                                 &error);
      return made;
    });
    if (!made) {
      std::cerr << "error: the OSCAL assessment results could not be made: " << error << "\n";
      return 3;
    }
    file_seconds.emplace_back("oscal-assessment-results.json", SecondsSince(started));
  } else if (written) {
    std::cerr << "note: no oscal-assessment-results.json: OSCAL results name the run's record in the evidence log, "
                 "and --no-evidence recorded none\n";
  }
  if (!written) return 2;
  PrintAuditSummary(report, args.out);
  if (args.timings) {
    std::string files;
    for (const auto& [name, seconds] : file_seconds) files += fmt::format("{}{} {:.2f}", files.empty() ? "" : ", ", name, seconds);
    std::cerr << fmt::format("timings: load {:.2f} s, facts and evaluation {:.2f} s, coverage and roll-ups {:.2f} s, "
                             "fleet panels {:.2f} s, trend and evidence {:.2f} s, reports {:.2f} s ({})\n",
                             run.load_seconds, run.evaluation_seconds, coverage_seconds, panels_seconds,
                             evidence_seconds, SecondsSince(reports_started), files);
  }
  const int exit_code = result.decision == eval::Decision::kDeny ? 1 : 0;
  LeaveToProcessExit(std::move(state));
  return exit_code;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AuditArguments>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Audit the whole fleet against the audit-stage policies and write the report folder; exit 0 allow, 1 deny");
  cmd->add_option("--policies", args->policies, "Policy bundle: a directory, or a git repository with --rev")
      ->required();
  cmd->add_option("--rev", args->revision, "Git revision of the --policies repository (branch, tag, commit)");
  cmd->add_option("--input", args->inputs,
                  "Input file or directory (models, zones, data flows, ...: JSON, YAML, JSON Lines); repeatable");
  fleet_support::AddFleetOptions(cmd, &args->fleet);
  cmd->add_option("--out", args->out,
                  "Report folder: report.json, findings.sarif, junit.xml, summary.md, oscal-assessment-results.json")
      ->required();
  cmd->add_option("--at", args->at, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: now)");
  cmd->add_option("--fail-on", args->fail_on, "Lowest severity that denies: info, low, medium, high, critical");
  cmd->add_option("--jobs", args->jobs, "Worker threads (default 0: all cores)");
  evidence_support::AddStoreOption(cmd, &args->evidence);
  cmd->add_option("--signing-key", args->signing_key,
                  "Ed25519 key that signs the evidence log (default: $STAGEGATE_SIGNING_KEY, else signing.key beside "
                  "the store, created on first use)");
  cmd->add_flag("--no-evidence", args->no_evidence, "Do not record this run in the evidence log (no OSCAL output)");
  cmd->add_flag("--timings", args->timings,
                "Print the wall time of each phase on stderr: load, facts and evaluation, fleet panels, evidence, "
                "reports");
  cmd->footer(R"(Judges every subject of the fleet (devices, streams, models, deployments, zones, data flows) with the
policies whose stages include 'audit', records the run in the signed evidence log, and writes the report folder.
Exit codes: 0 allow, 1 deny, 2 bad input or policy (or the run could not be recorded), 3 internal error.
Example:
  stagegate audit --policies policy-repo --rev main --store telemetry.db --inventory devices.yaml \
                  --input fleet/ --out audit-2026-12-06)");
  cmd->callback([args, exit_code]() {
    try {
      *exit_code = RunAudit(*args);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n";
      *exit_code = 3;
    }
  });
}

}  // namespace stagegate::cli
