// The audit report as one self-contained HTML file (report.html): no
// scripts, fonts, images or network; charts are inline SVG made here. Read
// by people who do not read JSON: the decision first, then what is wrong,
// where, against which controls, what changed, and how to verify it.

#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "reports/internal.h"
#include "reports/reports.h"

namespace stagegate::reports {
namespace {

namespace in = internal;

constexpr size_t kMaxRows = 200;  // rows per table; report.json has everything

std::string Esc(std::string_view raw) {
  const std::string text = in::ValidUtf8(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"css(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px} h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
.badge{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:700;letter-spacing:.04em}
.deny{background:#b42318} .allow{background:#067647}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #d5d9e0;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px;font-size:14px}
th,td{border:1px solid #d5d9e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4} td.n{text-align:right;font-variant-numeric:tabular-nums}
.s-satisfied{color:#067647} .s-not_satisfied{color:#b42318;font-weight:600} .s-partial{color:#b54708} .s-no_evidence{color:#667085}
.muted{color:#667085} code{font-size:13px;background:#eef0f4;padding:1px 4px;border-radius:3px;word-break:break-all}
details{margin:6px 0} summary{cursor:pointer}
td.gap{background:#fee4e2;color:#912018;font-weight:600} td.met{background:#ecfdf3}
table.heat td.n{min-width:56px}
.charts{display:flex;flex-wrap:wrap;gap:12px} .charts svg{background:#fff;border:1px solid #d5d9e0;border-radius:4px}
@page{size:A4;margin:14mm}
@media print{body{background:#fff} main{max-width:none;padding:0} details{display:block} .card{break-inside:avoid} table{break-inside:auto} tr{break-inside:avoid}}
)css";

// One horizontal bar per (label, value), scaled to the largest value.
std::string Bars(const std::vector<std::pair<std::string, int64_t>>& rows, const char* color) {
  if (rows.empty()) return "";
  int64_t max = 1;
  for (const auto& [label, value] : rows) max = std::max(max, value);
  const int row_height = 22, label_width = 260, bar_width = 420;
  const int height = static_cast<int>(rows.size()) * row_height + 4;
  std::string svg = fmt::format(
      "<svg role=\"img\" viewBox=\"0 0 {} {}\" width=\"100%\" style=\"max-width:{}px\" "
      "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"12\">",
      label_width + bar_width + 60, height, label_width + bar_width + 60);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int y = static_cast<int>(i) * row_height + 2;
    const int w = static_cast<int>(static_cast<double>(rows[i].second) / static_cast<double>(max) * bar_width);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", label_width - 6, y + 15,
                       Esc(rows[i].first.size() > 40 ? rows[i].first.substr(0, 39) + "…" : rows[i].first));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", label_width, y + 3,
                       std::max(w, 1), row_height - 6, color);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", label_width + std::max(w, 1) + 4, y + 15, rows[i].second);
  }
  return svg + "</svg>";
}

// A stacked bar of a framework's control statuses.
std::string CoverageBar(const eval::FrameworkCoverage& f) {
  const double total = std::max<size_t>(1, f.controls.size());
  struct Part {
    int count;
    const char* color;
    const char* label;
  };
  const Part parts[] = {{f.satisfied, "#12b76a", "satisfied"},
                        {f.not_satisfied, "#d92d20", "not satisfied"},
                        {f.partial, "#f79009", "partially (waived)"},
                        {f.no_evidence, "#98a2b3", "no evidence"}};
  std::string svg =
      "<svg role=\"img\" viewBox=\"0 0 700 44\" width=\"100%\" style=\"max-width:700px\" "
      "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"12\">";
  double x = 0;
  int legend_x = 0;
  for (const Part& part : parts) {
    const double w = part.count / total * 700.0;
    if (w > 0) svg += fmt::format("<rect x=\"{:.1f}\" y=\"0\" width=\"{:.1f}\" height=\"20\" fill=\"{}\"/>", x, w, part.color);
    x += w;
    svg += fmt::format("<rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"37\">{} {}</text>",
                       legend_x, part.color, legend_x + 14, part.label, part.count);
    legend_x += 170;
  }
  return svg + "</svg>";
}

std::string Card(const std::string& label, const std::string& value) {
  return fmt::format("<div class=\"card\"><b>{}</b>{}</div>", Esc(value), Esc(label));
}

void Header(const AuditReport& report, std::string& out) {
  const eval::RunResult& r = *report.result;
  const bool deny = r.decision == eval::Decision::kDeny;
  out += fmt::format("<h1>Stagegate {} report</h1>", Esc(r.kind.empty() ? "audit" : r.kind));
  out += fmt::format("<p><span class=\"badge {}\">{}</span> evaluated at {} · policies {} {}</p>",
                     deny ? "deny" : "allow", deny ? "DENY" : "ALLOW", Esc(r.evaluated_at),
                     Esc(r.policy_source.location),
                     r.policy_source.commit.empty() ? "" : "at commit <code>" + Esc(r.policy_source.commit) + "</code>");
  const eval::Counts& c = r.counts;
  out += "<div class=\"cards\">";
  out += Card("findings (fail, error, not evaluable)", std::to_string(c.fail + c.error + c.not_evaluable));
  out += Card("denying findings", std::to_string(r.deny_reasons.size()));
  out += Card("passed checks", std::to_string(c.pass));
  out += Card("waived", std::to_string(c.waived));
  out += Card("rules", std::to_string(r.rules.size()));
  if (report.trend) {
    out += Card("new since the last audit", std::to_string(report.trend->new_findings.size()));
    out += Card("fixed since the last audit", std::to_string(report.trend->fixed.size()));
  }
  out += "</div>";
}

void Coverage(const AuditReport& report, std::string& out) {
  if (report.coverage.empty()) return;
  out += "<h2>Framework coverage</h2><p class=\"muted\">Each control: satisfied when the rules mapped to it passed "
         "everywhere they applied, not satisfied when one failed, partially when failures were waived, no evidence when "
         "no rule covers it or its rules judged nothing.</p>";
  for (const eval::FrameworkCoverage& f : report.coverage) {
    out += fmt::format("<h3>{} <span class=\"muted\">({}, {})</span></h3>", Esc(f.title.empty() ? f.id : f.title),
                       Esc(f.id), Esc(f.version));
    out += CoverageBar(f);
    out += "<details><summary>Controls</summary><table><tr><th>Control</th><th>Title</th><th>Status</th><th>Rules</th>"
           "<th>pass</th><th>findings</th><th>waived</th><th>Evidence an auditor expects</th></tr>";
    for (const eval::ControlCoverage& c : f.controls) {
      std::string rules;
      for (const std::string& rule : c.rules) rules += (rules.empty() ? "" : "<br>") + Esc(rule);
      const std::string_view status = eval::ControlStatusName(c.status);
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td class=\"s-{}\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td><td>{}</td></tr>",
          Esc(c.id), Esc(c.title), status, c.gap() ? "no rule" : std::string(status), rules, c.counts.pass,
          c.counts.fail + c.counts.error + c.counts.not_evaluable, c.counts.waived, Esc(c.evidence));
    }
    out += "</table></details>";
  }
}

using RulesById = std::map<std::string, const eval::RuleInfo*>;

RulesById IndexRules(const eval::RunResult& r) {
  RulesById rules;
  for (const eval::RuleInfo& rule : r.rules) rules.emplace(rule.id, &rule);
  return rules;
}

// One collapsible table of findings, the most severe first, with the values
// each rule read.
void FindingsTable(const std::string& heading, std::vector<const eval::OutcomeRecord*> findings,
                   const RulesById& rules, std::string& out) {
  auto severity = [&rules](const eval::OutcomeRecord* o) {
    auto rule = rules.find(o->rule_id);
    return rule == rules.end() ? eval::Severity::kMedium : rule->second->severity;
  };
  std::stable_sort(findings.begin(), findings.end(), [&](const auto* a, const auto* b) {
    return severity(a) > severity(b);
  });
  out += fmt::format("<details><summary><b>{}</b>: {} finding{}</summary><table><tr><th>Subject</th><th>Rule</th>"
                     "<th>Severity</th><th>What is wrong</th><th>Evidence</th></tr>",
                     Esc(heading), findings.size(), findings.size() == 1 ? "" : "s");
  for (size_t i = 0; i < findings.size() && i < kMaxRows; ++i) {
    const eval::OutcomeRecord& o = *findings[i];
    std::string evidence;
    for (const auto& [name, value] : o.evidence) {
      std::string shown = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (shown.size() > 120) shown = shown.substr(0, 119) + "…";
      evidence += (evidence.empty() ? "" : "<br>") + Esc(name) + " = <code>" + Esc(shown) + "</code>";
    }
    out += fmt::format("<tr><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", Esc(o.subject_kind),
                       Esc(o.subject_id), Esc(o.rule_id), in::SeverityText(severity(&o)), Esc(o.message), evidence);
  }
  out += "</table>";
  if (findings.size() > kMaxRows) {
    out += fmt::format("<p class=\"muted\">… and {} more in report.json</p>", findings.size() - kMaxRows);
  }
  out += "</details>";
}

void Findings(const AuditReport& report, const RulesById& rules, std::string& out) {
  const eval::RunResult& r = *report.result;
  std::map<std::string, std::vector<const eval::OutcomeRecord*>> by_control;
  for (const eval::OutcomeRecord& o : r.outcomes) {
    if (!eval::IsFinding(o.outcome)) continue;
    auto rule = rules.find(o.rule_id);
    if (rule == rules.end() || rule->second->controls.empty()) {
      by_control["(no control)"].push_back(&o);
    } else {
      for (const std::string& control : rule->second->controls) by_control[control].push_back(&o);
    }
  }
  out += "<h2>Findings by control</h2>";
  if (by_control.empty()) {
    out += "<p>No findings.</p>";
    return;
  }
  for (auto& [control, findings] : by_control) FindingsTable(control, std::move(findings), rules, out);
}

// Findings by the site of their device, the site with the most first;
// subjects that belong to no site (models, zones, data flows) last.
void FindingsBySite(const AuditReport& report, const RulesById& rules, std::string& out) {
  const eval::RunResult& r = *report.result;
  const std::string kNoSite = "(no site)";
  std::map<std::string, std::vector<const eval::OutcomeRecord*>> by_site;
  for (const eval::OutcomeRecord& o : r.outcomes) {
    if (!eval::IsFinding(o.outcome)) continue;
    auto site = report.rollups.finding_sites.find(o.subject_kind + "/" + o.subject_id);
    by_site[site == report.rollups.finding_sites.end() ? kNoSite : site->second].push_back(&o);
  }
  if (by_site.empty() || (by_site.size() == 1 && by_site.count(kNoSite) == 1)) return;
  std::vector<std::pair<std::string, std::vector<const eval::OutcomeRecord*>>> sites(by_site.begin(), by_site.end());
  std::stable_sort(sites.begin(), sites.end(), [&kNoSite](const auto& a, const auto& b) {
    if ((a.first == kNoSite) != (b.first == kNoSite)) return b.first == kNoSite;
    return a.second.size() > b.second.size();
  });
  out += "<h2>Findings at each site</h2><p class=\"muted\">A stream's or device's findings count for the device's site; "
         "the most severe are listed first, with the values the rule read.</p>";
  for (auto& [site, findings] : sites) FindingsTable(site, std::move(findings), rules, out);
}

void Rollups(const AuditReport& report, std::string& out) {
  const eval::Rollups& rollups = report.rollups;
  if (!rollups.worst.empty()) {
    out += "<h2>Worst offenders</h2><table><tr><th>Subject</th><th>Findings</th><th>critical</th><th>high</th>"
           "<th>Rules</th></tr>";
    for (const eval::Offender& o : rollups.worst) {
      std::string rules;
      for (const std::string& rule : o.rules) rules += (rules.empty() ? "" : "<br>") + Esc(rule);
      out += fmt::format("<tr><td>{}/{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                         "<td>{}</td></tr>",
                         Esc(o.subject_kind), Esc(o.subject_id), o.findings, o.critical, o.high, rules);
    }
    out += "</table>";
  }
  for (const eval::Rollup& rollup : rollups.dimensions) {
    std::vector<std::pair<std::string, int64_t>> bars;
    for (const eval::RollupGroup& g : rollup.groups) {
      if (g.findings > 0 && bars.size() < 25) bars.emplace_back(g.value, g.findings);
    }
    if (bars.empty()) continue;
    out += fmt::format("<h3>Findings by {}</h3>", Esc(rollup.dimension));
    out += Bars(bars, "#d92d20");
  }
}

void Trend(const AuditReport& report, std::string& out) {
  if (!report.trend) return;
  const eval::AuditTrend& t = *report.trend;
  out += fmt::format("<h2>Since the previous audit</h2><p>Previous audit: run <code>{}</code>, evaluated at {}: "
                     "<b>{} new</b>, {} fixed, {} still failing, {} no longer judged.</p>",
                     Esc(t.previous_run_id), Esc(t.previous_evaluated_at), t.new_findings.size(), t.fixed.size(),
                     t.still_failing, t.gone.size());
  auto list = [&](const char* title, const std::vector<eval::FindingRef>& findings) {
    if (findings.empty()) return;
    out += fmt::format("<details><summary>{} ({})</summary><ul>", title, findings.size());
    for (size_t i = 0; i < findings.size() && i < kMaxRows; ++i) {
      out += fmt::format("<li>{} on {}/{} ({})</li>", Esc(findings[i].rule_id), Esc(findings[i].subject_kind),
                         Esc(findings[i].subject_id), Esc(findings[i].outcome));
    }
    out += "</ul></details>";
  };
  list("New findings", t.new_findings);
  list("Fixed", t.fixed);
}

// IEC 62443: per zone, the target and achieved security level of each
// foundational requirement; a cell is red when the achieved level is below
// the target.
void ZoneLevels(const AuditReport& report, std::string& out) {
  const std::vector<FleetPanels::ZoneLevels>& zones = report.panels.zones;
  if (zones.empty()) return;
  out += "<h2>IEC 62443 zones: target and achieved security levels</h2>"
         "<p class=\"muted\">Each cell: SL-T / SL-A of the foundational requirement. The achieved level counts a "
         "requirement only when every member device passes a rule mapped to it; a requirement no rule checks caps it "
         "(the zone rules' findings say which).</p><table><tr><th>Zone</th>";
  static constexpr const char* kFrNames[] = {"FR1 identification", "FR2 use control", "FR3 integrity",
                                             "FR4 confidentiality", "FR5 data flow", "FR6 response",
                                             "FR7 availability"};
  for (const char* name : kFrNames) out += fmt::format("<th>{}</th>", name);
  out += "</tr>";
  for (size_t i = 0; i < zones.size() && i < kMaxRows; ++i) {
    out += fmt::format("<tr><td>{}</td>", Esc(zones[i].zone));
    for (int fr = 0; fr < 7; ++fr) {
      const int target = zones[i].target[fr], achieved = zones[i].achieved[fr];
      auto level = [](int value) { return value < 0 ? std::string("?") : std::to_string(value); };
      const char* style = target < 0 || achieved < 0 ? "" : achieved < target ? " class=\"gap\"" : " class=\"met\"";
      out += fmt::format("<td{}>{} / {}</td>", style, level(target), level(achieved));
    }
    out += "</tr>";
  }
  out += "</table>";
}

// The data contracts' checks as a heat map: one row per contract property
// (sensor), one column per check, each cell the share of streams failing.
void SlaHeatMap(const AuditReport& report, std::string& out) {
  std::map<std::string, std::map<std::string, const eval::RuleInfo*>> cells;  // row → check → rule
  std::vector<std::string> checks;
  for (const eval::RuleInfo& rule : report.result->rules) {
    if (rule.subject_kind != "stream" || !rule.policy.starts_with("contract-")) continue;
    const size_t dot = rule.rule.find('.');
    if (dot == std::string::npos) continue;
    const std::string check = rule.rule.substr(dot + 1);
    cells[rule.policy.substr(9) + ": " + rule.rule.substr(0, dot)][check] = &rule;
    if (std::find(checks.begin(), checks.end(), check) == checks.end()) checks.push_back(check);
  }
  if (cells.empty()) return;
  std::sort(checks.begin(), checks.end());
  out += "<h2>Telemetry data contracts: share of streams failing each check</h2><p class=\"muted\">Rows: "
         "contract and property; columns: the contract's checks. Empty: the check does not apply to the "
         "property.</p><table class=\"heat\"><tr><th>Contract: property</th>";
  for (const std::string& check : checks) out += fmt::format("<th>{}</th>", Esc(check));
  out += "</tr>";
  for (const auto& [row, by_check] : cells) {
    out += fmt::format("<tr><td>{}</td>", Esc(row));
    for (const std::string& check : checks) {
      auto it = by_check.find(check);
      if (it == by_check.end()) {
        out += "<td></td>";
        continue;
      }
      const eval::Counts& c = it->second->counts;
      const int64_t judged = c.pass + c.fail + c.error + c.not_evaluable + c.waived;
      if (judged == 0) {
        out += "<td class=\"muted\">-</td>";
        continue;
      }
      const double share = static_cast<double>(c.fail + c.error + c.not_evaluable) / static_cast<double>(judged);
      // White at 0%, full red from 20% of the streams on.
      const int tint = static_cast<int>(255 - std::min(1.0, share / 0.2) * 170);
      out += fmt::format("<td class=\"n\" style=\"background:rgb(255,{0},{0})\" title=\"{1} of {2} streams\">{3:.1f}%</td>",
                         tint, c.fail + c.error + c.not_evaluable, judged, share * 100);
    }
    out += "</tr>";
  }
  out += "</table>";
}

void DeviceTrust(const AuditReport& report, std::string& out) {
  const FleetPanels& panels = report.panels;
  if (panels.certificate_expiry.empty()) return;
  out += "<h2>Device certificates: time to expiry</h2><p class=\"muted\">Devices by weeks until their identity "
         "certificate expires, at the evaluation time.";
  if (panels.devices_without_certificate > 0) {
    out += fmt::format(" {} device(s) have no readable certificate.", panels.devices_without_certificate);
  }
  out += "</p>" + Bars(panels.certificate_expiry, "#2e90fa");
}

// Reference (grey) and current (blue) shares of one stream on the same bins.
std::string DriftChart(const FleetPanels::DriftHistogram& h) {
  const int width = 340, height = 150, left = 8, bottom = 22, plot_height = height - bottom - 18;
  double max_share = 0.0;
  for (size_t i = 0; i < h.reference.size(); ++i) max_share = std::max({max_share, h.reference[i], h.current[i]});
  if (max_share <= 0) max_share = 1;
  const double bin_width = static_cast<double>(width - 2 * left) / static_cast<double>(h.reference.size());
  std::string svg = fmt::format(
      "<svg role=\"img\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-size=\"11\">",
      width, height);
  for (size_t i = 0; i < h.reference.size(); ++i) {
    const double x = left + bin_width * static_cast<double>(i);
    const double ref_h = h.reference[i] / max_share * plot_height;
    const double cur_h = h.current[i] / max_share * plot_height;
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#d0d5dd\"/>", x,
                       18 + plot_height - ref_h, bin_width - 1, ref_h);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" "
                       "stroke=\"#1570ef\" stroke-width=\"1.5\"/>",
                       x + 1, 18 + plot_height - cur_h, std::max(bin_width - 3, 1.0), cur_h);
  }
  svg += fmt::format("<text x=\"{}\" y=\"12\">{}</text>", left,
                     Esc(h.stream + ": " + (h.effect_measure.empty() ? "effect" : h.effect_measure) + " " +
                         fmt::format("{:.3g}", h.effect)));
  svg += fmt::format("<text x=\"{}\" y=\"{}\">{:.4g}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.4g}</text>",
                     left, height - 6, h.edges.front(), width - left, height - 6, h.edges.back());
  return svg + "</svg>";
}

void Drift(const AuditReport& report, std::string& out) {
  if (report.panels.drift.empty()) return;
  out += "<h2>Drift: the most changed input streams</h2><p class=\"muted\">Share of values per bin in the "
         "baseline (grey) and in the audited window (blue outline), for the streams a rule found drifted with the "
         "largest effect.</p><div class=\"charts\">";
  for (const FleetPanels::DriftHistogram& h : report.panels.drift) out += DriftChart(h);
  out += "</div>";
}

// The class an outcome's text is shown in.
std::string_view OutcomeClass(std::string_view outcome) {
  if (outcome == "pass") return "s-satisfied";
  if (outcome == "fail" || outcome == "error") return "s-not_satisfied";
  if (outcome == "not_evaluable" || outcome == "waived") return "s-partial";
  return "s-no_evidence";
}

// A measured number as people read it (4 significant digits); anything else as written.
std::string Readable(const std::string& json_value) {
  double number = 0;
  const char* end = json_value.data() + json_value.size();
  auto [stop, error] = std::from_chars(json_value.data(), end, number);
  if (error != std::errc() || stop != end) return json_value;
  return fmt::format("{:.4g}", number);
}

void Models(const AuditReport& report, std::string& out) {
  if (report.panels.models.empty()) return;
  out += "<h2>Models: the candidate against its thresholds and the deployed model</h2><p class=\"muted\">Measured in "
         "process on the golden dataset: the candidate (<code>eval.*</code>) and the deployed model "
         "(<code>baseline.*</code>); then each model rule with the thresholds it was given.</p>";
  for (const FleetPanels::ModelFacts& model : report.panels.models) {
    out += fmt::format("<h3>{}</h3>", Esc(model.model));
    // Measures side by side: "eval.X" is the candidate's, "baseline.X" the deployed model's.
    std::vector<std::string> measures;
    std::map<std::string, std::string> candidate, deployed, other;
    for (const auto& [fact, value] : model.facts) {
      if (fact.starts_with("eval.")) {
        const std::string measure = fact.substr(5);
        if (candidate.count(measure) == 0 && deployed.count(measure) == 0) measures.push_back(measure);
        candidate[measure] = value;
      } else if (fact.starts_with("baseline.")) {
        const std::string measure = fact.substr(9);
        if (candidate.count(measure) == 0 && deployed.count(measure) == 0) measures.push_back(measure);
        deployed[measure] = value;
      } else {
        other[fact] = value;
      }
    }
    if (!measures.empty()) {
      out += "<table><tr><th>Measure</th><th>Candidate</th><th>Deployed</th></tr>";
      for (const std::string& measure : measures) {
        out += fmt::format("<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                           Esc(measure), Esc(candidate.count(measure) ? Readable(candidate[measure]) : "—"),
                           Esc(deployed.count(measure) ? Readable(deployed[measure]) : "—"));
      }
      out += "</table>";
    }
    if (!other.empty()) {
      out += "<table><tr><th>Integrity and fit</th><th>Value</th></tr>";
      for (const auto& [fact, value] : other) {
        out += fmt::format("<tr><td><code>{}</code></td><td class=\"n\">{}</td></tr>", Esc(fact), Esc(value));
      }
      out += "</table>";
    }
    if (!model.checks.empty()) {
      out += "<table><tr><th>Rule</th><th>Thresholds</th><th>Outcome</th><th>What is wrong</th></tr>";
      for (const FleetPanels::ModelCheck& check : model.checks) {
        out += fmt::format("<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td class=\"{}\">{}</td>"
                           "<td>{}</td></tr>",
                           Esc(check.rule), Esc(check.title), Esc(check.thresholds), OutcomeClass(check.outcome),
                           Esc(check.outcome), Esc(check.message));
      }
      out += "</table>";
    }
  }
}

void Waivers(const AuditReport& report, std::string& out) {
  const eval::RunResult& r = *report.result;
  if (r.waivers.empty()) return;
  out += "<h2>Waivers</h2><table><tr><th>Waiver</th><th>Rule</th><th>Reason</th><th>Approver</th><th>Expires</th>"
         "<th>Subjects waived</th></tr>";
  for (const eval::WaiverInfo& w : r.waivers) {
    const std::string expiry = w.expired ? "expired " + w.expires
                                         : fmt::format("{} ({} days left)", w.expires, w.days_left);
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td></tr>",
                       Esc(w.id), Esc(w.rule_id), Esc(w.reason), Esc(w.approver),
                       w.expired || w.days_left <= 14 ? "s-not_satisfied" : "", Esc(expiry), w.subjects_waived);
  }
  out += "</table>";
}

void Evidence(const AuditReport& report, std::string& out) {
  const eval::RunResult& r = *report.result;
  out += "<h2>Evidence</h2><table>";
  if (report.evidence) {
    out += fmt::format("<tr><th>Run</th><td><code>{}</code> (position {} of the log <code>{}</code>)</td></tr>",
                       Esc(report.evidence->run_id), report.evidence->sequence, Esc(report.evidence->store_path));
    out += fmt::format("<tr><th>Leaf hash</th><td><code>{}</code></td></tr>", Esc(report.evidence->leaf_hash_hex));
  } else {
    out += "<tr><th>Run</th><td>not recorded in an evidence log (--no-evidence)</td></tr>";
  }
  out += fmt::format("<tr><th>Policies</th><td>{} <code>{}</code>{}{}</td></tr>", Esc(r.policy_source.kind),
                     Esc(r.policy_source.location),
                     r.policy_source.commit.empty() ? "" : ", commit <code>" + Esc(r.policy_source.commit) + "</code>",
                     r.policy_source.dirty ? " (uncommitted changes)" : "");
  out += fmt::format("<tr><th>Engine</th><td>Stagegate {}</td></tr>", Esc(r.engine_version));
  out += "<tr><th>Inputs</th><td>";
  for (size_t i = 0; i < r.inputs.size() && i < kMaxRows; ++i) {
    out += fmt::format("{} <code>sha256:{}</code><br>", Esc(r.inputs[i].path), Esc(r.inputs[i].sha256));
  }
  if (r.inputs.size() > kMaxRows) out += fmt::format("… and {} more in report.json", r.inputs.size() - kMaxRows);
  out += "</td></tr></table>";
  if (report.evidence) {
    out += fmt::format(
        "<p>To verify: <code>stagegate evidence verify --evidence {0}</code> checks every record, the Merkle tree and the "
        "signed checkpoints; <code>stagegate evidence prove {1} --evidence {0}</code> gives this run's inclusion proof "
        "against the latest checkpoint, which anyone with the log's public key can check.</p>",
        Esc(report.evidence->store_path), Esc(report.evidence->run_id));
  }
}

}  // namespace

std::string RenderAuditHtml(const AuditReport& report) {
  const eval::RunResult& r = *report.result;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  out += fmt::format("<title>Stagegate {}: {} at {}</title><style>{}</style></head><body><main>",
                     Esc(r.kind.empty() ? "audit" : r.kind), r.decision == eval::Decision::kDeny ? "DENY" : "ALLOW",
                     Esc(r.evaluated_at), kStyle);
  Header(report, out);
  Trend(report, out);
  Coverage(report, out);
  const RulesById rules = IndexRules(r);
  Findings(report, rules, out);
  FindingsBySite(report, rules, out);
  ZoneLevels(report, out);
  SlaHeatMap(report, out);
  Drift(report, out);
  DeviceTrust(report, out);
  Models(report, out);
  Rollups(report, out);
  Waivers(report, out);
  Evidence(report, out);
  out += "</main></body></html>\n";
  return out;
}

}  // namespace stagegate::reports
