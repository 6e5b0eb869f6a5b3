#pragma once
// Reads the audit-only parts of a report (coverage, roll-ups, trend) back
// from the JSON reports::AuditPartsJson writes, which the audit's evidence
// record keeps as its `audit` member: with ReadDecision, everything
// `stagegate report` needs to render an audit's report folder again.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/audit_trend.h"
#include "engine/eval/control_coverage.h"
#include "engine/eval/rollups.h"
#include "reports/fleet_panels.h"

namespace stagegate::reports {

struct AuditParts {
  std::vector<eval::FrameworkCoverage> coverage;
  eval::Rollups rollups;
  std::optional<eval::AuditTrend> trend;  // none when `trend` is null (the first audit of a log)
  FleetPanels panels;                      // empty when the record has none
};

// Returns the parts of `json` ({coverage, rollups, trend, panels}) such that an
// AuditReport made of them renders the same report.json. Of a trend's
// expiring waivers only what AuditPartsJson writes (id, rule, expires,
// days_left) is read. Nullopt with `error` set ("audit record:
// coverage[0].controls[3].status: …") when a member is missing, of the wrong
// type or an unknown name; never throws.
std::optional<AuditParts> ReadAuditParts(const nlohmann::json& json, std::string* error);

}  // namespace stagegate::reports
