// The audit renderers: report.json's coverage, roll-ups and trend, and the
// self-contained report.html.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

AuditReport Sample(const eval::RunResult& run) {
  AuditReport report;
  report.result = &run;
  eval::FrameworkCoverage framework;
  framework.id = "iec62443-3-3";
  framework.title = "IEC 62443-3-3";
  eval::ControlCoverage met;
  met.id = "SR-3.4";
  met.title = "Software <and> information integrity";
  met.rules = {"p/r"};
  met.counts.pass = 4;
  met.status = eval::ControlStatus::kSatisfied;
  eval::ControlCoverage gap;
  gap.id = "SR-1.1";
  framework.controls = {met, gap};
  framework.satisfied = 1;
  framework.no_evidence = 1;
  framework.gaps = 1;
  report.coverage = {framework};
  eval::Rollup site;
  site.dimension = "site";
  site.groups = {{"plant-a", 10, 2, 3, 0, 1}};
  report.rollups.dimensions = {site};
  report.rollups.worst = {{"device", "dev-7", 3, 0, 1, 2, 0, {"p/r"}}};
  report.rollups.finding_sites = {{"stream/plant-a/press-7/temp", "plant-a"}, {"stream/plant-a/press-7/vib", "plant-a"},
                                  {"device/d-002", "plant-<b>"}};
  eval::AuditTrend trend;
  trend.previous_run_id = "11111111-2222-4333-8444-555555555555";
  trend.new_findings = {{"p/r", "device", "dev-7", "fail"}};
  trend.still_failing = 2;
  report.trend = trend;
  report.evidence = AuditReport::EvidenceRef{"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", 4, std::string(64, 'a'), "log.db"};
  return report;
}

TEST(AuditReportTest, JsonCarriesCoverageRollupsAndTrend) {
  const eval::RunResult run = testing::FullRun();
  const nlohmann::json j = nlohmann::json::parse(RenderAuditJson(Sample(run)));
  EXPECT_EQ(j["schemaVersion"], "stagegate.audit/v1");
  EXPECT_EQ(j["decision"]["schemaVersion"], "stagegate.decision/v1");
  EXPECT_EQ(j["coverage"][0]["summary"]["gaps"], 1);
  EXPECT_EQ(j["coverage"][0]["controls"][0]["status"], "satisfied");
  EXPECT_EQ(j["coverage"][0]["controls"][1]["gap"], true);
  EXPECT_EQ(j["rollups"]["dimensions"][0]["groups"][0]["value"], "plant-a");
  EXPECT_EQ(j["rollups"]["worst_offenders"][0]["subject"]["id"], "dev-7");
  EXPECT_EQ(j["rollups"]["finding_sites"]["plant-<b>"], nlohmann::json::array({"device/d-002"}));
  EXPECT_EQ(j["rollups"]["finding_sites"]["plant-a"].size(), 2u);
  EXPECT_EQ(j["trend"]["still_failing"], 2);
  AuditReport first = Sample(run);
  first.trend.reset();
  EXPECT_TRUE(nlohmann::json::parse(RenderAuditJson(first))["trend"].is_null());
}

TEST(AuditReportTest, HtmlIsSelfContainedAndEscaped) {
  const eval::RunResult run = testing::FullRun();
  const std::string html = RenderAuditHtml(Sample(run));
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // Nothing is fetched: no scripts, links, images, or URLs but SVG's namespace.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  std::string without_namespace = html;
  for (size_t at; (at = without_namespace.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
    without_namespace.erase(at, 26);
  }
  EXPECT_EQ(without_namespace.find("http://"), std::string::npos);
  EXPECT_EQ(without_namespace.find("https://"), std::string::npos);
  EXPECT_EQ(without_namespace.find("url("), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  // Charts, the decision, the sections, escaped text.
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("DENY"), std::string::npos);
  EXPECT_NE(html.find("Software &lt;and&gt; information integrity"), std::string::npos);
  EXPECT_EQ(html.find("Software <and>"), std::string::npos);
  for (const char* section : {"Since the previous audit", "Framework coverage", "Findings by control",
                              "Worst offenders", "Findings by site", "Evidence"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  EXPECT_NE(html.find("stagegate evidence prove aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), std::string::npos);
  // Findings at each site: plant-a has two (its streams), plant-<b> one; the
  // model's and the other sites' findings have no site. Each row shows the values read.
  const size_t sites = html.find("<h2>Findings at each site</h2>");
  ASSERT_NE(sites, std::string::npos);
  const size_t plant_a = html.find("<b>plant-a</b>: 2 findings", sites);
  const size_t plant_b = html.find("<b>plant-&lt;b&gt;</b>: 1 finding<", sites);
  const size_t no_site = html.find("<b>(no site)</b>", sites);
  ASSERT_NE(plant_a, std::string::npos);
  ASSERT_NE(plant_b, std::string::npos);
  ASSERT_NE(no_site, std::string::npos);
  EXPECT_LT(plant_a, plant_b);
  EXPECT_LT(plant_b, no_site);
  EXPECT_LT(html.find("stream.quality.missing_ratio = <code>0.031</code>", plant_a), plant_b);
  // Without a record the evidence block says so.
  AuditReport unrecorded = Sample(run);
  unrecorded.evidence.reset();
  EXPECT_NE(RenderAuditHtml(unrecorded).find("not recorded in an evidence log"), std::string::npos);
}

}  // namespace
}  // namespace stagegate::reports

namespace stagegate::reports {
namespace {

FleetPanels SamplePanels() {
  FleetPanels panels;
  FleetPanels::ZoneLevels zone;
  zone.zone = "cell-<b>";
  for (int fr = 0; fr < 7; ++fr) {
    zone.target[fr] = 2;
    zone.achieved[fr] = fr == 2 ? 1 : 2;
  }
  panels.zones = {zone};
  panels.certificate_expiry = {{"expired", 3}, {"this week", 0}, {"1-2 weeks", 7}};
  panels.devices_without_certificate = 2;
  FleetPanels::ModelFacts model;
  model.model = "rul";
  model.facts = {{"eval.accuracy", "0.967"}, {"baseline.accuracy", "0.9500000000000001"}, {"eval.latency_p99_ms", "72.5"},
                 {"signature_valid", "true"}};
  model.checks = {{"models/latency", "Latency within budget", "max_p99_ms = 50", "fail", "p99 72.5 ms > 50 ms"},
                  {"models/quality", "Minimum quality", "min_accuracy = 0.9", "pass", ""}};
  panels.models = {model};
  FleetPanels::DriftHistogram drift;
  drift.stream = "dev-1/vibration";
  drift.test = "ks";
  drift.effect_measure = "ks_d";
  drift.effect = 0.42;
  drift.edges = {0, 1, 2};
  drift.reference = {0.75, 0.25};
  drift.current = {0.25, 0.75};
  panels.drift = {drift};
  return panels;
}

TEST(FleetPanelsTest, JsonRoundTripsAndRefusesWrongShapes) {
  const FleetPanels panels = SamplePanels();
  const nlohmann::json json = nlohmann::json::parse(FleetPanelsJson(panels).dump());
  std::string error;
  std::optional<FleetPanels> back = ReadFleetPanels(json, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(FleetPanelsJson(*back).dump(), FleetPanelsJson(panels).dump());
  nlohmann::json broken = json;
  broken["zones"][0]["target"] = {1, 2};
  EXPECT_FALSE(ReadFleetPanels(broken, &error));
  EXPECT_NE(error.find("panels.zones[].target"), std::string::npos) << error;
  broken = json;
  broken["drift"][0]["edges"] = {0, 1};
  EXPECT_FALSE(ReadFleetPanels(broken, &error));
  EXPECT_NE(error.find("one more entry"), std::string::npos) << error;
  broken = json;
  broken["models"][0]["facts"][0]["value"] = 3;
  EXPECT_FALSE(ReadFleetPanels(broken, &error));
  broken = json;
  broken["models"][0]["checks"][0].erase("thresholds");
  EXPECT_FALSE(ReadFleetPanels(broken, &error));
  // A record of an audit from before model checks existed still reads.
  broken = json;
  broken["models"][0].erase("checks");
  ASSERT_TRUE(ReadFleetPanels(broken, &error)) << error;
  EXPECT_TRUE(ReadFleetPanels(broken, &error)->models[0].checks.empty());
  EXPECT_TRUE(ReadFleetPanels(nlohmann::json(), &error)->empty());
}

TEST(FleetPanelsTest, HtmlShowsZoneLevelsExpiryAndModels) {
  eval::RunResult run = testing::FullRun();
  eval::RuleInfo contract_rule;
  contract_rule.id = "contract-fleet/temperature.missingvalues";
  contract_rule.policy = "contract-fleet";
  contract_rule.rule = "temperature.missingvalues";
  contract_rule.subject_kind = "stream";
  contract_rule.counts.pass = 90;
  contract_rule.counts.fail = 10;
  run.rules.push_back(contract_rule);
  AuditReport report;
  report.result = &run;
  report.panels = SamplePanels();
  const std::string html = RenderAuditHtml(report);
  EXPECT_NE(html.find("<td>cell-&lt;b&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"gap\">2 / 1</td>"), std::string::npos);  // FR3 below target
  EXPECT_NE(html.find("<td class=\"met\">2 / 2</td>"), std::string::npos);
  EXPECT_NE(html.find("fleet: temperature"), std::string::npos);
  EXPECT_NE(html.find("10.0%"), std::string::npos);  // 10 of 100 streams fail
  EXPECT_NE(html.find("2 device(s) have no readable certificate"), std::string::npos);
  // The candidate beside the deployed model, then each rule's thresholds and outcome.
  EXPECT_NE(html.find("<tr><td><code>accuracy</code></td><td class=\"n\">0.967</td><td class=\"n\">0.95</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td><code>latency_p99_ms</code></td><td class=\"n\">72.5</td><td class=\"n\">—</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<td><code>signature_valid</code></td><td class=\"n\">true</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>max_p99_ms = 50</td><td class=\"s-not_satisfied\">fail</td><td>p99 72.5 ms &gt; 50 ms</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>min_accuracy = 0.9</td><td class=\"s-satisfied\">pass</td>"), std::string::npos);
  EXPECT_NE(html.find("dev-1/vibration: ks_d 0.42"), std::string::npos);
  // Without panels or contract rules, none of these sections.
  const eval::RunResult plain = testing::FullRun();
  AuditReport bare;
  bare.result = &plain;
  const std::string bare_html = RenderAuditHtml(bare);
  EXPECT_EQ(bare_html.find("security levels</h2>"), std::string::npos);
  EXPECT_EQ(bare_html.find("time to expiry"), std::string::npos);
}

}  // namespace
}  // namespace stagegate::reports
