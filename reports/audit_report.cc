// The audit report's framework coverage, in JSON (report.json, schema
// "stagegate.audit/v1") and Markdown (summary.md): docs/formats/audit.md.

#include <map>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/decision_json.h"
#include "reports/internal.h"
#include "reports/reports.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::ordered_json;
namespace in = internal;

constexpr std::string_view kAuditSchemaVersion = "stagegate.audit/v1";
// Controls listed per framework in the Markdown summary; report.json has all.
constexpr size_t kMaxControlRows = 40;

Json CountsJson(const eval::Counts& c) {
  return Json{{"pass", c.pass},   {"fail", c.fail},     {"not_evaluable", c.not_evaluable},
              {"error", c.error}, {"waived", c.waived}, {"not_applicable", c.not_applicable}};
}

Json CoverageJson(const eval::FrameworkCoverage& framework) {
  Json j;
  j["id"] = framework.id;
  j["title"] = framework.title;
  j["version"] = framework.version;
  j["summary"] = Json{{"controls", framework.controls.size()}, {"satisfied", framework.satisfied},
                      {"not_satisfied", framework.not_satisfied}, {"partial", framework.partial},
                      {"no_evidence", framework.no_evidence},     {"gaps", framework.gaps}};
  Json controls = Json::array();
  for (const eval::ControlCoverage& control : framework.controls) {
    Json c;
    c["id"] = control.id;
    c["title"] = control.title;
    if (!control.family.empty()) c["family"] = control.family;
    if (control.level > 0) c["level"] = control.level;
    if (!control.evidence.empty()) c["evidence_expected"] = control.evidence;
    c["status"] = eval::ControlStatusName(control.status);
    c["gap"] = control.gap();
    c["rules"] = control.rules;
    c["subject_kinds"] = control.subject_kinds;
    c["counts"] = CountsJson(control.counts);
    controls.push_back(std::move(c));
  }
  j["controls"] = std::move(controls);
  return j;
}

Json RollupsJson(const eval::Rollups& rollups) {
  Json dimensions = Json::array();
  for (const eval::Rollup& rollup : rollups.dimensions) {
    Json groups = Json::array();
    for (const eval::RollupGroup& g : rollup.groups) {
      groups.push_back(Json{{"value", g.value},
                            {"subjects", g.subjects},
                            {"subjects_with_findings", g.subjects_with_findings},
                            {"findings", g.findings},
                            {"critical", g.critical},
                            {"high", g.high}});
    }
    dimensions.push_back(Json{{"dimension", rollup.dimension}, {"groups", std::move(groups)}});
  }
  Json worst = Json::array();
  for (const eval::Offender& o : rollups.worst) {
    worst.push_back(Json{{"subject", Json{{"kind", o.subject_kind}, {"id", o.subject_id}}},
                         {"findings", o.findings},
                         {"critical", o.critical},
                         {"high", o.high},
                         {"medium", o.medium},
                         {"low", o.low},
                         {"rules", o.rules}});
  }
  // By site: a few keys with long lists (an ordered_json object looks its
  // keys up one by one, so 100,000 subject keys would take quadratic time).
  std::map<std::string, std::vector<std::string>> subjects_by_site;
  for (const auto& [subject, site] : rollups.finding_sites) subjects_by_site[site].push_back(subject);
  Json sites = Json::object();
  for (auto& [site, subjects] : subjects_by_site) sites[site] = std::move(subjects);
  return Json{{"dimensions", std::move(dimensions)}, {"worst_offenders", std::move(worst)},
              {"finding_sites", std::move(sites)}};
}

std::string_view StatusLabel(eval::ControlStatus status) {
  switch (status) {
    case eval::ControlStatus::kSatisfied: return "satisfied";
    case eval::ControlStatus::kNotSatisfied: return "**not satisfied**";
    case eval::ControlStatus::kPartial: return "partially (waived)";
    case eval::ControlStatus::kNoEvidence: return "no evidence";
  }
  return "no evidence";
}

Json FindingsJson(const std::vector<eval::FindingRef>& findings) {
  Json out = Json::array();
  for (const eval::FindingRef& f : findings) {
    out.push_back(Json{{"rule", f.rule_id}, {"subject", Json{{"kind", f.subject_kind}, {"id", f.subject_id}}},
                       {"outcome", f.outcome}});
  }
  return out;
}

Json TrendJson(const eval::AuditTrend& trend) {
  Json waivers = Json::array();
  for (const eval::WaiverInfo& w : trend.waivers_expiring) {
    waivers.push_back(Json{{"id", w.id}, {"rule", w.rule_id}, {"expires", w.expires}, {"days_left", w.days_left}});
  }
  return Json{{"previous_run", Json{{"id", trend.previous_run_id}, {"evaluated_at", trend.previous_evaluated_at}}},
              {"new", FindingsJson(trend.new_findings)},
              {"fixed", FindingsJson(trend.fixed)},
              {"gone", FindingsJson(trend.gone)},
              {"still_failing", trend.still_failing},
              {"waivers_expiring", std::move(waivers)}};
}

std::string FindingText(const eval::FindingRef& f) {
  return fmt::format("{} {}/{} ({})", in::Cell(f.rule_id), in::Cell(f.subject_kind), in::Cell(f.subject_id),
                     f.outcome);
}

}  // namespace

nlohmann::ordered_json AuditPartsJson(const AuditReport& report) {
  Json frameworks = Json::array();
  for (const eval::FrameworkCoverage& framework : report.coverage) frameworks.push_back(CoverageJson(framework));
  Json parts;
  parts["coverage"] = std::move(frameworks);
  parts["rollups"] = RollupsJson(report.rollups);
  parts["trend"] = report.trend ? TrendJson(*report.trend) : Json();
  parts["panels"] = FleetPanelsJson(report.panels);
  return parts;
}

std::string RenderAuditJson(const AuditReport& report) {
  Json j;
  j["schemaVersion"] = kAuditSchemaVersion;
  in::StreamedArray outcomes;
  j["decision"] = in::DecisionJson(*report.result, &outcomes);
  Json parts = AuditPartsJson(report);
  for (auto part = parts.begin(); part != parts.end(); ++part) j[part.key()] = std::move(part.value());
  return in::DumpDecision(j, *report.result, outcomes);
}

std::string RenderAuditMarkdown(const AuditReport& report) {
  const eval::RunResult& result = *report.result;
  const std::vector<eval::FrameworkCoverage>& coverage = report.coverage;
  const eval::Rollups& rollups = report.rollups;
  std::string out = RenderMarkdown(result);
  if (report.trend) {
    const eval::AuditTrend& t = *report.trend;
    out += fmt::format("\n### Since the previous audit\n\nPrevious audit: run `{}`, evaluated at {}. "
                       "**{} new**, {} fixed, {} still failing, {} no longer judged, {} waivers expiring soon.\n",
                       in::Cell(t.previous_run_id), in::Cell(t.previous_evaluated_at), t.new_findings.size(),
                       t.fixed.size(), t.still_failing, t.gone.size(), t.waivers_expiring.size());
    auto list = [&](const char* title, const std::vector<eval::FindingRef>& findings) {
      if (findings.empty()) return;
      out += fmt::format("\n{}:\n\n", title);
      for (size_t i = 0; i < findings.size() && i < kMaxControlRows; ++i) out += "- " + FindingText(findings[i]) + "\n";
      if (findings.size() > kMaxControlRows) out += fmt::format("- … and {} more (report.json)\n", findings.size() - kMaxControlRows);
    };
    list("New findings", t.new_findings);
    list("Fixed", t.fixed);
    for (const eval::WaiverInfo& w : t.waivers_expiring) {
      out += fmt::format("- waiver {} ({}) expires {} ({} days left)\n", in::Cell(w.id), in::Cell(w.rule_id),
                         in::Cell(w.expires), w.days_left);
    }
  }
  if (!rollups.worst.empty()) {
    out += "\n### Worst offenders\n\n| Subject | Findings | critical | high | Rules |\n|---|---:|---:|---:|---|\n";
    for (const eval::Offender& o : rollups.worst) {
      std::string rules;
      for (const std::string& rule : o.rules) rules += (rules.empty() ? "" : "<br>") + in::Cell(rule);
      out += fmt::format("| {}/{} | {} | {} | {} | {} |\n", in::Cell(o.subject_kind), in::Cell(o.subject_id),
                         o.findings, o.critical, o.high, rules);
    }
  }
  for (const eval::Rollup& rollup : rollups.dimensions) {
    size_t with_findings = 0;
    for (const eval::RollupGroup& g : rollup.groups) with_findings += g.findings > 0 ? 1 : 0;
    if (with_findings == 0) continue;
    out += fmt::format("\n### Findings by {}\n\n| {} | Subjects | With findings | Findings | critical | high |\n"
                       "|---|---:|---:|---:|---:|---:|\n",
                       rollup.dimension, rollup.dimension);
    size_t rows = 0;
    for (const eval::RollupGroup& g : rollup.groups) {
      if (g.findings == 0 || rows++ >= kMaxControlRows) continue;
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", in::Cell(g.value), g.subjects, g.subjects_with_findings,
                         g.findings, g.critical, g.high);
    }
  }
  if (coverage.empty()) return out;
  out += "\n### Framework coverage\n\n";
  out += "| Framework | Controls | Satisfied | Not satisfied | Partially (waived) | No evidence | No rule at all |\n"
         "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const eval::FrameworkCoverage& f : coverage) {
    out += fmt::format("| {} ({}) | {} | {} | {} | {} | {} | {} |\n", in::Cell(f.title.empty() ? f.id : f.title),
                       in::Cell(f.id), f.controls.size(), f.satisfied, f.not_satisfied, f.partial, f.no_evidence,
                       f.gaps);
  }
  for (const eval::FrameworkCoverage& f : coverage) {
    out += fmt::format("\n#### {}\n\n| Control | Title | Status | Rules | pass | fail | waived |\n"
                       "|---|---|---|---|---:|---:|---:|\n",
                       in::Cell(f.title.empty() ? f.id : f.title));
    size_t rows = 0, judged = 0;
    for (const eval::ControlCoverage& c : f.controls) {
      if (c.gap()) continue;
      ++judged;
      if (rows++ >= kMaxControlRows) continue;
      std::string rules;
      for (const std::string& rule : c.rules) rules += (rules.empty() ? "" : "<br>") + in::Cell(rule);
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", in::Cell(c.id), in::Cell(c.title),
                         StatusLabel(c.status), rules, c.counts.pass, c.counts.fail + c.counts.error +
                         c.counts.not_evaluable, c.counts.waived);
    }
    if (judged > kMaxControlRows) out += fmt::format("\n… and {} more controls (report.json)\n", judged - kMaxControlRows);
    if (f.gaps > 0) {
      std::string gaps;
      for (const eval::ControlCoverage& c : f.controls) {
        if (c.gap()) gaps += (gaps.empty() ? "" : ", ") + in::Cell(c.id);
      }
      out += fmt::format("\nNo rule covers {} of {} controls: {}\n", f.gaps, f.controls.size(), gaps);
    }
  }
  return out;
}

}  // namespace stagegate::reports
