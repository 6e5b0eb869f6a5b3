#pragma once
// Renderers of a run's result in the formats CI systems and people read.
// Each function is pure: the same RunResult always gives the same bytes (no
// clock, no environment), so outputs can be diffed and golden-tested. The
// formats are described in docs/formats/decision.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/audit_trend.h"
#include "engine/eval/control_coverage.h"
#include "engine/eval/rollups.h"
#include "engine/eval/run_result.h"
#include "reports/fleet_panels.h"

namespace stagegate::reports {

// Renders the decision as JSON, schema "stagegate.decision/v1": every field
// of the run, keys in a fixed order, two-space indented, ending in a newline.
std::string RenderJson(const eval::RunResult& result);

// Renders a SARIF 2.1.0 log for GitHub code scanning: one rule per RuleInfo,
// one result per fail, error, not_evaluable and waived (suppressed) outcome,
// located at the rule's entry in its policy file.
std::string RenderSarif(const eval::RunResult& result);

// Renders a JUnit XML report: one testsuite per policy, one testcase per
// (rule, subject) outcome, with failure / error / skipped elements.
std::string RenderJUnit(const eval::RunResult& result);

// Renders a short Markdown summary for CI job pages (GitHub step summary):
// decision, counts, failures, errors, waivers expired or expiring soon.
std::string RenderMarkdown(const eval::RunResult& result);

// Everything an audit report shows besides the run itself.
struct AuditReport {
  const eval::RunResult* result = nullptr;
  std::vector<eval::FrameworkCoverage> coverage;
  eval::Rollups rollups;
  std::optional<eval::AuditTrend> trend;  // none for the first audit of a log
  FleetPanels panels;
  // Where the run is recorded; none with --no-evidence.
  struct EvidenceRef {
    std::string run_id;
    uint64_t sequence = 0;
    std::string leaf_hash_hex;
    std::string store_path;
  };
  std::optional<EvidenceRef> evidence;
};

// Renders the audit report as JSON, schema "stagegate.audit/v1": the decision
// (as RenderJson); per framework of the bundle, every control's status, rules
// and outcome counts; the roll-ups and worst offenders; the trend against the
// previous audit (docs/formats/audit.md).
std::string RenderAuditJson(const AuditReport& report);

// Returns what only the audit knows, each part as report.json shows it:
// {"coverage": [...], "rollups": {...}, "trend": {...} or null}. The audit's
// evidence record keeps it (member `audit`, docs/formats/evidence.md), since
// none of it can be computed again without the bundle, the inventory and the
// log as they were; audit_reader.h reads it back.
nlohmann::ordered_json AuditPartsJson(const AuditReport& report);

// Renders RenderMarkdown followed by the changes since the previous audit,
// the worst offenders, the roll-ups and the framework coverage (a table per
// framework of the controls some rule covers, and those none covers).
std::string RenderAuditMarkdown(const AuditReport& report);

// Renders report.html: one self-contained file (no scripts, fonts, images or
// network; inline CSS and SVG charts made here) for readers who do not read
// JSON: decision and headline numbers, changes since the last audit,
// framework coverage, findings by control and by site, the fleet panels (zones,
// contracts, drift, certificates, model checks), worst offenders and roll-ups,
// waivers, and the evidence block with how to verify it.
std::string RenderAuditHtml(const AuditReport& report);

}  // namespace stagegate::reports
