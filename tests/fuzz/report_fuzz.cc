// Fuzzes what `stagegate report` reads back from an evidence record: the
// decision document (reports::ReadDecision), the audit's parts
// (reports::ReadAuditParts, panels included), and the renderers fed with
// whatever they accept. A record is signed, but a log file can be edited;
// nothing read from it may crash, leak or hang. Whatever is read back must
// render, and a decision read back must render to a document that reads back
// to the same bytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/audit_reader.h"
#include "reports/decision_reader.h"
#include "reports/reports.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace reports = stagegate::reports;
  const nlohmann::json json =
      nlohmann::json::parse(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size, nullptr,
                            /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  std::string error;
  const nlohmann::json& decision_json = json.is_object() && json.contains("decision") ? json["decision"] : json;
  std::optional<stagegate::eval::RunResult> run = reports::ReadDecision(decision_json, &error);
  if (run) {
    const std::string rendered = reports::RenderJson(*run);
    std::string again_error;
    std::optional<stagegate::eval::RunResult> again =
        reports::ReadDecision(nlohmann::json::parse(rendered), &again_error);
    if (!again || reports::RenderJson(*again) != rendered) std::abort();  // the round trip must hold
    (void)reports::RenderSarif(*run);
    (void)reports::RenderJUnit(*run);
    (void)reports::RenderMarkdown(*run);
  }
  std::optional<reports::AuditParts> parts = reports::ReadAuditParts(json, &error);
  if (parts && run) {
    reports::AuditReport report;
    report.result = &*run;
    report.coverage = std::move(parts->coverage);
    report.rollups = std::move(parts->rollups);
    report.trend = std::move(parts->trend);
    report.panels = std::move(parts->panels);
    (void)reports::RenderAuditJson(report);
    (void)reports::RenderAuditMarkdown(report);
    (void)reports::RenderAuditHtml(report);
  }
  return 0;
}
