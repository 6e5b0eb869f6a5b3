#include "engine/cli/report_command.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/cli/evidence_support.h"
#include "engine/cli/report_files.h"
#include "engine/evidence/merkle.h"
#include "engine/evidence/store.h"
#include "reports/audit_reader.h"
#include "reports/decision_reader.h"
#include "reports/evidence_exports.h"
#include "reports/reports.h"

namespace stagegate::cli {
namespace {

using report_files::WriteReportFile;

constexpr int kWritten = 0, kTampered = 1, kBadInput = 2, kInternal = 3;

struct ReportArguments {
  std::string run_id;
  std::string out;
  std::string store;
};

// A recorded run as the renderers need it.
struct RecordedRun {
  evidence::StoredRun stored;
  std::string leaf_hash_hex;
  nlohmann::json record;
  eval::RunResult result;
};

// Writes what `stagegate gate --format json,sarif,junit,markdown --out DIR`
// writes.
bool WriteGateFiles(const std::filesystem::path& out, const eval::RunResult& result) {
  return WriteReportFile(out, "decision.json", reports::RenderJson(result)) &&
         WriteReportFile(out, "findings.sarif", reports::RenderSarif(result)) &&
         WriteReportFile(out, "junit.xml", reports::RenderJUnit(result)) &&
         WriteReportFile(out, "summary.md", reports::RenderMarkdown(result));
}

// Writes the audit's report folder as `stagegate audit` wrote it; only the
// OSCAL document differs, having its own UUID and generation time.
int WriteAuditFiles(const std::filesystem::path& out, const RecordedRun& run, const std::string& store_path) {
  std::string error;
  const auto audit = run.record.find("audit");
  if (audit == run.record.end()) {
    std::cerr << fmt::format("error: run {} has no 'audit' member: it was recorded by a Stagegate that did not keep "
                             "the coverage, roll-ups and trend, so its report cannot be rendered again; "
                             "'stagegate evidence export {} --format oscal' still works\n",
                             run.stored.run_id, run.stored.run_id);
    return kBadInput;
  }
  std::optional<reports::AuditParts> parts = reports::ReadAuditParts(*audit, &error);
  if (!parts) {
    std::cerr << fmt::format("error: run {}: {}\n", run.stored.run_id, error);
    return kBadInput;
  }
  reports::AuditReport report;
  report.result = &run.result;
  report.coverage = std::move(parts->coverage);
  report.rollups = std::move(parts->rollups);
  report.trend = std::move(parts->trend);
  report.panels = std::move(parts->panels);
  report.evidence = reports::AuditReport::EvidenceRef{run.stored.run_id, run.stored.sequence, run.leaf_hash_hex,
                                                      store_path};
  std::optional<std::string> oscal_document =
      reports::RenderOscal(run.record, run.leaf_hash_hex, report_files::NewOscalOptions(), &error);
  if (!oscal_document) {
    std::cerr << fmt::format("error: run {}: the OSCAL assessment results could not be made: {}\n",
                             run.stored.run_id, error);
    return kBadInput;
  }
  const bool written = WriteReportFile(out, "report.json", reports::RenderAuditJson(report)) &&
                       WriteReportFile(out, "report.html", reports::RenderAuditHtml(report)) &&
                       WriteReportFile(out, "findings.sarif", reports::RenderSarif(run.result)) &&
                       WriteReportFile(out, "junit.xml", reports::RenderJUnit(run.result)) &&
                       WriteReportFile(out, "summary.md", reports::RenderAuditMarkdown(report)) &&
                       WriteReportFile(out, "oscal-assessment-results.json", *oscal_document);
  return written ? kWritten : kBadInput;
}

// Finds the run and reads its record; prints the error and returns the exit
// code when it cannot.
int ReadRecordedRun(const std::string& store_path, const std::string& run_id, RecordedRun* run) {
  std::unique_ptr<evidence::EvidenceStore> store =
      evidence_support::OpenStore(store_path, evidence::EvidenceStore::Mode::kReadOnly);
  if (!store) return kBadInput;
  std::string error;
  std::optional<evidence::StoredRun> stored = store->FindRun(run_id, &error);
  if (!stored) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  run->stored = std::move(*stored);
  // A report says what the log recorded: the record must still hash to its leaf.
  if (evidence::LeafHash(run->stored.record) != run->stored.leaf_hash) {
    std::cerr << fmt::format("error: run {}: the stored record does not match its leaf hash; run 'stagegate "
                             "evidence verify'\n", run->stored.run_id);
    return kTampered;
  }
  run->leaf_hash_hex = evidence::HashHex(run->stored.leaf_hash);
  run->record = nlohmann::json::parse(run->stored.record, nullptr, false);
  if (run->record.is_discarded() || !run->record.is_object() || !run->record.contains("result")) {
    std::cerr << fmt::format("error: run {}: the stored record is not a run record with a result\n",
                             run->stored.run_id);
    return kBadInput;
  }
  std::optional<eval::RunResult> result = reports::ReadDecision(run->record["result"], &error);
  if (!result) {
    std::cerr << fmt::format("error: run {}: {}\n", run->stored.run_id, error);
    return kBadInput;
  }
  run->result = std::move(*result);
  return kWritten;
}

int RunReport(const ReportArguments& args) {
  const std::string store_path = args.store.empty() ? evidence_support::DefaultStorePath() : args.store;
  RecordedRun run;
  if (const int code = ReadRecordedRun(store_path, args.run_id, &run); code != kWritten) return code;
  if (run.stored.kind != "audit" && run.stored.kind != "gate") {
    std::cerr << fmt::format("error: run {} is of kind '{}'; only gate and audit runs have reports\n",
                             run.stored.run_id, run.stored.kind);
    return kBadInput;
  }
  const std::filesystem::path out(args.out);
  if (!report_files::CreateReportFolder(args.out)) return kBadInput;
  if (run.stored.kind == "audit") {
    if (const int code = WriteAuditFiles(out, run, store_path); code != kWritten) return code;
  } else if (!WriteGateFiles(out, run.result)) {
    return kBadInput;
  }
  std::cerr << fmt::format("report: {} run {} (position {} of {}, leaf hash {}) rendered again into {}\n",
                           run.stored.kind, run.stored.run_id, run.stored.sequence, store_path, run.leaf_hash_hex,
                           args.out);
  const auto personal = run.record.find("personalData");
  if (personal != run.record.end() && personal->is_object() && personal->contains("facts")) {
    std::cerr << "note: the log keeps personal data as keyed pseudonyms (hmac-sha256:…); this report shows them "
                 "where the original showed the values\n";
  }
  return kWritten;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArguments>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Render the outputs of a recorded gate or audit run again from the evidence log");
  cmd->add_option("RUN_ID", args->run_id, "Run id, or a unique prefix of at least 4 characters")->required();
  cmd->add_option("--out", args->out,
                  "Folder for the outputs: an audit's report folder, or a gate's decision.json, findings.sarif, "
                  "junit.xml, summary.md")
      ->required();
  evidence_support::AddStoreOption(cmd, &args->store);
  cmd->footer(R"(An audit gets report.json, report.html, findings.sarif, junit.xml, summary.md and
oscal-assessment-results.json, as 'stagegate audit' wrote them (the OSCAL document has a new UUID and
time); a gate gets every format 'stagegate gate' can write. Personal data is shown as the pseudonyms the
log keeps. Exit codes: 0 written, 1 the record does not match its leaf hash, 2 bad input (unknown or
ambiguous run id, unreadable record, unwritable folder), 3 internal error.
Example:
  stagegate report 3f2a9c1e --out audit-2026-12-06-again)");
  cmd->callback([args, exit_code]() {
    try {
      *exit_code = RunReport(*args);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n";
      *exit_code = kInternal;
    }
  });
}

}  // namespace stagegate::cli
