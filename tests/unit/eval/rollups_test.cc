// Roll-ups of a run: findings per device field and model version, and the
// worst offenders.

#include "engine/eval/rollups.h"

#include <gtest/gtest.h>

namespace stagegate::eval {
namespace {

TEST(RollupsTest, FindingsPerGroupAndWorstOffenders) {
  subjects::SubjectSet inputs;
  inputs.AddFile("in.json", R"([
    {"kind": "device", "id": "d-1", "site": "plant-a", "zone": "z-1", "firmware": "4.2.1"},
    {"kind": "device", "id": "d-2", "site": "plant-a", "zone": "z-1", "firmware": {"version": "4.2.0"}},
    {"kind": "device", "id": "d-3", "site": "plant-b"},
    {"kind": "stream", "id": "d-3/temp", "device": "d-3"},
    {"kind": "model", "id": "rul", "version": "2"}])");
  inputs.Finish();
  ASSERT_TRUE(inputs.ok());
  RunResult result;
  RuleInfo critical, high;
  critical.id = "p/critical";
  critical.severity = Severity::kCritical;
  high.id = "p/high";
  high.severity = Severity::kHigh;
  result.rules = {critical, high};
  auto add = [&](const char* rule, const char* kind, const char* id, Outcome outcome) {
    OutcomeRecord o;
    o.rule_id = rule;
    o.subject_kind = kind;
    o.subject_id = id;
    o.outcome = outcome;
    result.outcomes.push_back(o);
  };
  add("p/high", "device", "d-1", Outcome::kFail);
  add("p/high", "device", "d-2", Outcome::kWaived);  // not a finding
  add("p/critical", "stream", "d-3/temp", Outcome::kNotEvaluable);
  add("p/high", "stream", "d-3/temp", Outcome::kError);
  add("p/high", "model", "rul", Outcome::kFail);
  add("p/high", "device", "d-2", Outcome::kPass);

  const Rollups rollups = ComputeRollups(result, inputs, 2);
  ASSERT_EQ(rollups.dimensions.size(), 5u);
  const Rollup& site = rollups.dimensions[0];
  EXPECT_EQ(site.dimension, "site");
  ASSERT_EQ(site.groups.size(), 2u);
  EXPECT_EQ(site.groups[0].value, "plant-b");  // two findings (through its stream)
  EXPECT_EQ(site.groups[0].findings, 2);
  EXPECT_EQ(site.groups[0].critical, 1);
  EXPECT_EQ(site.groups[1].value, "plant-a");
  EXPECT_EQ(site.groups[1].subjects, 2);
  EXPECT_EQ(site.groups[1].subjects_with_findings, 1);
  const Rollup& firmware = rollups.dimensions[3];
  ASSERT_EQ(firmware.groups.size(), 3u);
  EXPECT_EQ(firmware.groups[0].value, "(none)");
  EXPECT_EQ(firmware.groups[1].value, "4.2.1");
  EXPECT_EQ(firmware.groups[2].value, "4.2.0");  // a firmware object by its version
  const Rollup& models = rollups.dimensions[4];
  ASSERT_EQ(models.groups.size(), 1u);
  EXPECT_EQ(models.groups[0].value, "rul@2");
  EXPECT_EQ(models.groups[0].findings, 1);
  // The stream with a critical finding first; at most two listed.
  ASSERT_EQ(rollups.worst.size(), 2u);
  EXPECT_EQ(rollups.worst[0].subject_id, "d-3/temp");
  EXPECT_EQ(rollups.worst[0].rules, (std::vector<std::string>{"p/critical", "p/high"}));
  EXPECT_EQ(rollups.worst[1].subject_id, "d-1");
  // Sites of the subjects with findings; a model has none, a waived device is not listed.
  EXPECT_EQ(rollups.finding_sites,
            (std::map<std::string, std::string>{{"device/d-1", "plant-a"}, {"stream/d-3/temp", "plant-b"}}));
}

}  // namespace
}  // namespace stagegate::eval
