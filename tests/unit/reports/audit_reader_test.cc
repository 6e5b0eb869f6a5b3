// ReadAuditParts, the inverse of AuditPartsJson: an audit report made of the
// parts read back (and the decision read back) renders the same report.json,
// summary.md and report.html; malformed parts give an error naming the member.

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "reports/audit_reader.h"
#include "reports/decision_reader.h"
#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

// Every member AuditPartsJson writes, the optional ones included.
AuditReport RichAudit(const eval::RunResult* run, bool with_trend) {
  AuditReport report;
  report.result = run;
  eval::FrameworkCoverage framework;
  framework.id = "iec62443-3-3";
  framework.title = "IEC 62443-3-3";
  framework.version = "2013";
  eval::ControlCoverage met;
  met.id = "SR-3.4";
  met.title = "Software <and> information integrity";
  met.family = "SI";
  met.level = 2;
  met.evidence = "Signed firmware images";
  met.rules = {"p/a", "p/b"};
  met.subject_kinds = {"device", "stream"};
  met.counts = {4, 0, 0, 0, 0, 7};
  met.status = eval::ControlStatus::kSatisfied;
  eval::ControlCoverage failed = met;
  failed.id = "SR-1.2";
  failed.counts = {1, 2, 3, 4, 0, 0};
  failed.status = eval::ControlStatus::kNotSatisfied;
  eval::ControlCoverage partial = met;
  partial.id = "SR-2.1";
  partial.counts.waived = 1;
  partial.status = eval::ControlStatus::kPartial;
  eval::ControlCoverage gap;
  gap.id = "SR-1.1";
  gap.title = "Human user identification";
  framework.controls = {met, failed, partial, gap};
  framework.satisfied = 1;
  framework.not_satisfied = 1;
  framework.partial = 1;
  framework.no_evidence = 1;
  framework.gaps = 1;
  eval::FrameworkCoverage empty_framework;
  empty_framework.id = "empty";
  report.coverage = {framework, empty_framework};
  eval::Rollup site;
  site.dimension = "site";
  site.groups = {{"plant-a", 10, 2, 3, 0, 1}, {"(none)", 1, 0, 0, 0, 0}};
  eval::Rollup zone;
  zone.dimension = "zone";
  report.rollups.dimensions = {site, zone};
  report.rollups.worst = {{"device", "dev-7", 3, 1, 1, 1, 0, {"p/a", "p/b"}}};
  report.rollups.finding_sites = {{"device/d-002", "plant-a"}, {"stream/plant-a/press-7/temp", "plant-a"},
                                  {"stream/plant-b/line-2/humidity", "plant-b"}};
  if (with_trend) {
    eval::AuditTrend trend;
    trend.previous_run_id = "11111111-2222-4333-8444-555555555555";
    trend.previous_evaluated_at = "2026-02-01T00:00:00Z";
    trend.new_findings = {{"p/a", "device", "dev-7", "fail"}};
    trend.fixed = {{"p/b", "device", "dev-8", "error"}};
    trend.gone = {{"p/old", "stream", "s|1", "not_evaluable"}};
    trend.still_failing = 5;
    eval::WaiverInfo waiver;
    waiver.id = "w-1";
    waiver.rule_id = "p/a";
    waiver.expires = "2026-03-10";
    waiver.days_left = 9;
    trend.waivers_expiring = {waiver};
    report.trend = trend;
  }
  report.evidence = AuditReport::EvidenceRef{"22222222-2222-4333-8444-555555555555", 3, std::string(64, 'c'),
                                             ".stagegate/evidence.db"};
  return report;
}

// The report made of what the readers read back from `report`'s JSON forms.
struct ReadBack {
  eval::RunResult result;
  AuditReport report;
};

ReadBack Read(const AuditReport& report) {
  ReadBack back;
  std::string error;
  std::optional<eval::RunResult> result = ReadDecision(nlohmann::json::parse(RenderJson(*report.result)), &error);
  EXPECT_TRUE(result) << error;
  if (result) back.result = std::move(*result);
  // As the evidence record holds it: unordered keys, canonical JSON.
  const nlohmann::json parts = nlohmann::json::parse(nlohmann::json(AuditPartsJson(report)).dump());
  std::optional<AuditParts> read = ReadAuditParts(parts, &error);
  EXPECT_TRUE(read) << error;
  back.report.result = &back.result;
  if (read) {
    back.report.coverage = read->coverage;
    back.report.rollups = read->rollups;
    back.report.trend = read->trend;
  }
  back.report.evidence = report.evidence;
  return back;
}

TEST(AuditReader, RoundTripsEveryPart) {
  const eval::RunResult run = testing::FullRun();
  for (bool with_trend : {true, false}) {
    const AuditReport original = RichAudit(&run, with_trend);
    const ReadBack back = Read(original);
    EXPECT_EQ(back.report.trend.has_value(), with_trend);
    EXPECT_EQ(RenderAuditJson(back.report), RenderAuditJson(original));
    EXPECT_EQ(RenderAuditMarkdown(back.report), RenderAuditMarkdown(original));
    EXPECT_EQ(RenderAuditHtml(back.report), RenderAuditHtml(original));
  }
}

TEST(AuditReader, RoundTripsAnEmptyAudit) {
  const eval::RunResult run;
  AuditReport original;
  original.result = &run;
  const ReadBack back = Read(original);
  EXPECT_EQ(RenderAuditJson(back.report), RenderAuditJson(original));
  EXPECT_FALSE(back.report.trend);
}

std::string ErrorAfter(void (*edit)(nlohmann::json&)) {
  const eval::RunResult run = testing::FullRun();
  nlohmann::json parts = nlohmann::json(AuditPartsJson(RichAudit(&run, true)));
  edit(parts);
  std::string error;
  std::optional<AuditParts> read;
  EXPECT_NO_THROW(read = ReadAuditParts(parts, &error));
  EXPECT_EQ(read.has_value(), error.empty());
  return error;
}

TEST(AuditReader, NamesTheMemberThatIsWrong) {
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p.erase("coverage"); }), "audit record: coverage: missing");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["coverage"][0]["controls"][1]["status"] = "fine"; }),
            "audit record: coverage[0].controls[1].status: \"fine\" is not one of satisfied, not_satisfied, "
            "partial, no_evidence");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["coverage"][0]["summary"]["gaps"] = -1; }),
            "audit record: coverage[0].summary.gaps: out of range");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["rollups"]["dimensions"][0]["groups"][0]["findings"] = "3"; }),
            "audit record: rollups.dimensions[0].groups[0].findings: expected an integer");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["rollups"]["worst_offenders"][0].erase("subject"); }),
            "audit record: rollups.worst_offenders[0].subject: missing");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["rollups"]["finding_sites"]["plant-a"] = "device/d-002"; }),
            "audit record: rollups.finding_sites.plant-a: expected a list of subjects (\"kind/id\")");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["rollups"].erase("finding_sites"); }), "");  // older records
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["trend"]["new"] = {3}; }),
            "audit record: trend.new[0]: expected an object");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["trend"] = "none"; }), "audit record: trend: expected an object");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& p) { p["trend"]["previous_run"]["id"] = 7; }),
            "audit record: trend.previous_run.id: expected a string");
  std::string error;
  EXPECT_FALSE(ReadAuditParts(nlohmann::json::array(), &error));
  EXPECT_EQ(error, "audit record: (document): expected an object");
}

}  // namespace
}  // namespace stagegate::reports
