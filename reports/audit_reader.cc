#include "reports/audit_reader.h"

#include <algorithm>

#include <cstdint>

#include "reports/json_reader.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::json;
using internal::JsonReader;
using internal::ReadCounts;

constexpr eval::ControlStatus kStatuses[] = {eval::ControlStatus::kSatisfied, eval::ControlStatus::kNotSatisfied,
                                             eval::ControlStatus::kPartial, eval::ControlStatus::kNoEvidence};

eval::ControlCoverage ReadControl(JsonReader& r, const Json& json, const std::string& path) {
  eval::ControlCoverage control;
  control.id = r.String(json, "id", path);
  control.title = r.String(json, "title", path);
  // Written only when not empty or zero.
  control.family = r.String(json, "family", path, false);
  if (r.Member(json, "level", path, false) != nullptr) control.level = r.Int32(json, "level", path);
  control.evidence = r.String(json, "evidence_expected", path, false);
  std::vector<std::string_view> names;
  for (eval::ControlStatus status : kStatuses) names.push_back(eval::ControlStatusName(status));
  control.status = kStatuses[r.OneOf(json, "status", path, names)];
  control.rules = r.Strings(json, "rules", path);
  control.subject_kinds = r.Strings(json, "subject_kinds", path);
  control.counts = ReadCounts(r, json, path);
  return control;
}

eval::FrameworkCoverage ReadFramework(JsonReader& r, const Json& json, const std::string& path) {
  eval::FrameworkCoverage framework;
  framework.id = r.String(json, "id", path);
  framework.title = r.String(json, "title", path);
  framework.version = r.String(json, "version", path);
  if (const Json* summary = r.Object(json, "summary", path)) {
    const std::string at = JsonReader::Join(path, "summary");
    framework.satisfied = r.Int32(*summary, "satisfied", at);
    framework.not_satisfied = r.Int32(*summary, "not_satisfied", at);
    framework.partial = r.Int32(*summary, "partial", at);
    framework.no_evidence = r.Int32(*summary, "no_evidence", at);
    framework.gaps = r.Int32(*summary, "gaps", at);
  }
  if (const Json* controls = r.Objects(json, "controls", path)) {
    const std::string at = JsonReader::Join(path, "controls");
    for (size_t i = 0; i < controls->size(); ++i) {
      framework.controls.push_back(ReadControl(r, (*controls)[i], JsonReader::Index(at, i)));
    }
  }
  return framework;
}

eval::Rollups ReadRollups(JsonReader& r, const Json& json, const std::string& path) {
  eval::Rollups rollups;
  if (const Json* dimensions = r.Objects(json, "dimensions", path)) {
    const std::string at = JsonReader::Join(path, "dimensions");
    for (size_t i = 0; i < dimensions->size(); ++i) {
      const std::string dimension_path = JsonReader::Index(at, i);
      eval::Rollup rollup;
      rollup.dimension = r.String((*dimensions)[i], "dimension", dimension_path);
      if (const Json* groups = r.Objects((*dimensions)[i], "groups", dimension_path)) {
        for (size_t g = 0; g < groups->size(); ++g) {
          const std::string group_path = JsonReader::Index(JsonReader::Join(dimension_path, "groups"), g);
          const Json& group = (*groups)[g];
          eval::RollupGroup out;
          out.value = r.String(group, "value", group_path);
          out.subjects = r.Integer(group, "subjects", group_path);
          out.subjects_with_findings = r.Integer(group, "subjects_with_findings", group_path);
          out.findings = r.Integer(group, "findings", group_path);
          out.critical = r.Integer(group, "critical", group_path);
          out.high = r.Integer(group, "high", group_path);
          rollup.groups.push_back(std::move(out));
        }
      }
      rollups.dimensions.push_back(std::move(rollup));
    }
  }
  if (const Json* worst = r.Objects(json, "worst_offenders", path)) {
    const std::string at = JsonReader::Join(path, "worst_offenders");
    for (size_t i = 0; i < worst->size(); ++i) {
      const std::string offender_path = JsonReader::Index(at, i);
      const Json& json_offender = (*worst)[i];
      eval::Offender offender;
      if (const Json* subject = r.Object(json_offender, "subject", offender_path)) {
        offender.subject_kind = r.String(*subject, "kind", JsonReader::Join(offender_path, "subject"));
        offender.subject_id = r.String(*subject, "id", JsonReader::Join(offender_path, "subject"));
      }
      offender.findings = r.Integer(json_offender, "findings", offender_path);
      offender.critical = r.Integer(json_offender, "critical", offender_path);
      offender.high = r.Integer(json_offender, "high", offender_path);
      offender.medium = r.Integer(json_offender, "medium", offender_path);
      offender.low = r.Integer(json_offender, "low", offender_path);
      offender.rules = r.Strings(json_offender, "rules", offender_path);
      rollups.worst.push_back(std::move(offender));
    }
  }
  // Absent from records of audits before it existed.
  if (const Json* sites = r.Object(json, "finding_sites", path, /*required=*/false)) {
    const std::string at = JsonReader::Join(path, "finding_sites");
    for (const auto& [site, subjects] : sites->items()) {
      const bool strings = subjects.is_array() && std::all_of(subjects.begin(), subjects.end(),
                                                               [](const Json& s) { return s.is_string(); });
      if (!strings) {
        r.Fail(JsonReader::Join(at, site), "expected a list of subjects (\"kind/id\")");
        break;
      }
      for (const Json& subject : subjects) rollups.finding_sites.emplace(subject.get<std::string>(), site);
    }
  }
  return rollups;
}

std::vector<eval::FindingRef> ReadFindings(JsonReader& r, const Json& json, std::string_view key,
                                           const std::string& path) {
  std::vector<eval::FindingRef> findings;
  const Json* list = r.Objects(json, key, path);
  if (list == nullptr) return findings;
  const std::string at = JsonReader::Join(path, key);
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string finding_path = JsonReader::Index(at, i);
    eval::FindingRef finding;
    finding.rule_id = r.String((*list)[i], "rule", finding_path);
    if (const Json* subject = r.Object((*list)[i], "subject", finding_path)) {
      finding.subject_kind = r.String(*subject, "kind", JsonReader::Join(finding_path, "subject"));
      finding.subject_id = r.String(*subject, "id", JsonReader::Join(finding_path, "subject"));
    }
    finding.outcome = r.String((*list)[i], "outcome", finding_path);
    findings.push_back(std::move(finding));
  }
  return findings;
}

eval::AuditTrend ReadTrend(JsonReader& r, const Json& json, const std::string& path) {
  eval::AuditTrend trend;
  if (const Json* previous = r.Object(json, "previous_run", path)) {
    const std::string at = JsonReader::Join(path, "previous_run");
    trend.previous_run_id = r.String(*previous, "id", at);
    trend.previous_evaluated_at = r.String(*previous, "evaluated_at", at);
  }
  trend.new_findings = ReadFindings(r, json, "new", path);
  trend.fixed = ReadFindings(r, json, "fixed", path);
  trend.gone = ReadFindings(r, json, "gone", path);
  trend.still_failing = r.Integer(json, "still_failing", path);
  if (const Json* waivers = r.Objects(json, "waivers_expiring", path)) {
    const std::string at = JsonReader::Join(path, "waivers_expiring");
    for (size_t i = 0; i < waivers->size(); ++i) {
      const std::string waiver_path = JsonReader::Index(at, i);
      eval::WaiverInfo waiver;
      waiver.id = r.String((*waivers)[i], "id", waiver_path);
      waiver.rule_id = r.String((*waivers)[i], "rule", waiver_path);
      waiver.expires = r.String((*waivers)[i], "expires", waiver_path);
      waiver.days_left = r.Integer((*waivers)[i], "days_left", waiver_path);
      trend.waivers_expiring.push_back(std::move(waiver));
    }
  }
  return trend;
}

}  // namespace

std::optional<AuditParts> ReadAuditParts(const nlohmann::json& json, std::string* error) {
  JsonReader r("audit record", error);
  if (!json.is_object()) {
    r.Fail("", "expected an object");
    return std::nullopt;
  }
  AuditParts parts;
  if (const Json* coverage = r.Objects(json, "coverage", "")) {
    for (size_t i = 0; i < coverage->size(); ++i) {
      parts.coverage.push_back(ReadFramework(r, (*coverage)[i], JsonReader::Index("coverage", i)));
    }
  }
  if (const Json* rollups = r.Object(json, "rollups", "")) parts.rollups = ReadRollups(r, *rollups, "rollups");
  // A null trend (the first audit of a log) reads as absent.
  if (const Json* trend = r.Object(json, "trend", "", false)) parts.trend = ReadTrend(r, *trend, "trend");
  if (!r.ok()) return std::nullopt;
  // The fleet panels (absent from audits recorded before they existed).
  if (auto panels = json.find("panels"); panels != json.end()) {
    std::string panels_error;
    std::optional<FleetPanels> read = ReadFleetPanels(*panels, &panels_error);
    if (!read) {
      *error = "audit record: " + panels_error;
      return std::nullopt;
    }
    parts.panels = std::move(*read);
  }
  return parts;
}

}  // namespace stagegate::reports
