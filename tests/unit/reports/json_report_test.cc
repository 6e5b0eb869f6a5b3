#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

using nlohmann::json;

TEST(JsonReportTest, TopLevelKeysInDocumentedOrder) {
  const auto doc = nlohmann::ordered_json::parse(RenderJson(testing::FullRun()));
  std::vector<std::string> keys;
  for (const auto& [key, _] : doc.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"schemaVersion", "decision", "kind", "evaluated_at", "started_at",
                                            "finished_at", "engine_version", "policy_source", "inputs", "fail_on",
                                            "counts", "deny_reasons", "rules", "outcomes", "waivers"}));
  EXPECT_EQ(doc["schemaVersion"], "stagegate.decision/v1");
  EXPECT_EQ(doc["decision"], "deny");
}

TEST(JsonReportTest, CountsAndOutcomesMatchTheRun) {
  const auto run = testing::FullRun();
  const json doc = json::parse(RenderJson(run));
  EXPECT_EQ(doc["counts"]["total"], 11);
  EXPECT_EQ(doc["counts"]["fail"], 4);
  ASSERT_EQ(doc["outcomes"].size(), run.outcomes.size());
  const json& failed = doc["outcomes"][6];
  EXPECT_EQ(failed["rule"], "telemetry-contracts/data.stream.missingness");
  EXPECT_EQ(failed["subject"], (json{{"kind", "stream"}, {"id", "plant-a/press-7/temp"}}));
  EXPECT_EQ(failed["outcome"], "fail");
  EXPECT_DOUBLE_EQ(failed["evidence"]["stream.quality.missing_ratio"].get<double>(), 0.031);
  EXPECT_EQ(failed["message"], run.outcomes[6].message);  // control characters survive, escaped
  // Passing outcomes carry no empty optional members.
  EXPECT_FALSE(doc["outcomes"][0].contains("message"));
  EXPECT_FALSE(doc["outcomes"][0].contains("evidence"));
  EXPECT_EQ(doc["outcomes"][3]["missing_fact"], "device.identity.cert.days_to_expiry");
  EXPECT_EQ(doc["outcomes"][2]["waiver"], "w-cert-d003");
}

TEST(JsonReportTest, FlagsWaiversExpiringWithinFourteenDays) {
  auto run = testing::FullRun();
  run.waivers[2].days_left = 14;  // the boundary is inclusive
  const json doc = json::parse(RenderJson(run));
  EXPECT_EQ(doc["waivers"][0]["expiring_soon"], true);   // 9 days left
  EXPECT_EQ(doc["waivers"][1]["expiring_soon"], false);  // expired: reported as expired instead
  EXPECT_EQ(doc["waivers"][1]["expired"], true);
  EXPECT_EQ(doc["waivers"][1]["days_left"], -3);
  EXPECT_EQ(doc["waivers"][2]["expiring_soon"], true);
  run.waivers[2].days_left = 15;
  EXPECT_EQ(json::parse(RenderJson(run))["waivers"][2]["expiring_soon"], false);
}

TEST(JsonReportTest, NamesTheRuleFileRelativeToTheRepository) {
  const json doc = json::parse(RenderJson(testing::FullRun()));
  EXPECT_EQ(doc["rules"][0]["location"]["file"], "packs/devices.yaml");
  EXPECT_EQ(doc["rules"][0]["location"]["repository_path"], "policies/packs/devices.yaml");
  EXPECT_EQ(doc["policy_source"]["commit"], "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");
}

TEST(JsonReportTest, InvalidUtf8BecomesReplacementCharacterNotAnException) {
  auto run = testing::AllowRun();
  run.outcomes[0].outcome = eval::Outcome::kFail;
  run.outcomes[0].message = "bad \xFF byte";
  run.outcomes[0].evidence = {{"x", "\xC3"}};
  std::string out;
  ASSERT_NO_THROW(out = RenderJson(run));
  const json doc = json::parse(out);
  EXPECT_EQ(doc["outcomes"][0]["message"], "bad \xEF\xBF\xBD byte");
}

TEST(JsonReportTest, EmptyRunIsValid) {
  const json doc = json::parse(RenderJson(eval::RunResult{}));
  EXPECT_EQ(doc["decision"], "allow");
  EXPECT_TRUE(doc["outcomes"].is_array());
  EXPECT_TRUE(doc["rules"].empty());
}

}  // namespace
}  // namespace stagegate::reports
