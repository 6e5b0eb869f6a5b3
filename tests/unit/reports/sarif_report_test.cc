#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/digest.h"
#include "reports/internal.h"
#include "reports/reports.h"
#include "tests/unit/reports/sample_runs.h"

namespace stagegate::reports {
namespace {

using nlohmann::json;

TEST(SarifReportTest, Sha256MatchesFips180Vectors) {
  EXPECT_EQ(common::Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(common::Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(common::Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(SarifReportTest, OneRuleEntryPerRuleWithSeverityAndTags) {
  const json log = json::parse(RenderSarif(testing::FullRun()));
  EXPECT_EQ(log["version"], "2.1.0");
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& driver = log["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "Stagegate");
  EXPECT_EQ(driver["version"], "0.1.0");
  ASSERT_EQ(driver["rules"].size(), 5u);
  const json& cert = driver["rules"][0];
  EXPECT_EQ(cert["id"], "device-trust/device.identity.cert-expiry");
  EXPECT_EQ(cert["properties"]["security-severity"], "9.5");
  EXPECT_EQ(cert["properties"]["tags"],
            (json{"iec62443-3-3:SR-1.2", "nist-ai-rmf:MANAGE-2.2", "device", "stagegate"}));
  EXPECT_NE(cert["help"]["markdown"].get<std::string>().find("fleetctl cert rotate"), std::string::npos);
  const std::vector<std::string> expected = {"9.5", "8.0", "1.0", "8.0", "5.5"};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(driver["rules"][i]["properties"]["security-severity"], expected[i]) << i;
  }
}

TEST(SarifReportTest, ResultsForFailErrorNotEvaluableAndWaived) {
  const auto run = testing::FullRun();
  const json log = json::parse(RenderSarif(run));
  const json& results = log["runs"][0]["results"];
  ASSERT_EQ(results.size(), 7u);  // 4 fail + 1 error + 1 not_evaluable + 1 waived
  std::set<std::string> fingerprints;
  for (const json& r : results) {
    const size_t index = r["ruleIndex"];
    EXPECT_EQ(r["ruleId"], log["runs"][0]["tool"]["driver"]["rules"][index]["id"]);
    const std::string level = r["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
    fingerprints.insert(r["partialFingerprints"]["stagegateFindingHash/v1"].get<std::string>());
    const std::string text = r["message"]["text"];
    EXPECT_EQ(text.back(), '.');
    EXPECT_EQ(text.rfind(r["properties"]["subject"]["kind"].get<std::string>() + "/", 0), 0u) << text;
  }
  EXPECT_EQ(fingerprints.size(), results.size());
  // The warn-enforced failure is a warning; deny-enforced ones are errors.
  EXPECT_EQ(results[3]["ruleId"], "model-gates/model.latency");
  EXPECT_EQ(results[3]["level"], "warning");
  EXPECT_EQ(results[0]["level"], "error");
  // The waived outcome is a suppressed result.
  EXPECT_EQ(results[1]["suppressions"][0]["kind"], "external");
  EXPECT_NE(results[1]["suppressions"][0]["justification"].get<std::string>().find("Replacement device shipped"),
            std::string::npos);
  EXPECT_FALSE(results[0].contains("suppressions"));
  const json& location = results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(location["artifactLocation"]["uri"], "policies/packs/devices.yaml");
  EXPECT_EQ(location["region"]["startLine"], 12);
  EXPECT_EQ(location["region"]["startColumn"], 7);
  EXPECT_EQ(results[0]["properties"]["evidence"]["device.identity.cert.days_to_expiry"], 3);
}

TEST(SarifReportTest, FingerprintIsStableWhenTheRuleMoves) {
  auto run = testing::FullRun();
  const json before = json::parse(RenderSarif(run));
  run.rules[0].location.line = 99;
  run.outcomes[1].message = "another message";
  const json after = json::parse(RenderSarif(run));
  EXPECT_EQ(before["runs"][0]["results"][0]["partialFingerprints"],
            after["runs"][0]["results"][0]["partialFingerprints"]);
}

TEST(SarifReportTest, LevelFollowsFailOn) {
  auto run = testing::FullRun();
  run.fail_on = eval::Severity::kHigh;  // the medium vibration rule no longer denies
  const json log = json::parse(RenderSarif(run));
  EXPECT_EQ(log["runs"][0]["results"][6]["ruleId"], "telemetry-contracts/vibration-ceiling");
  EXPECT_EQ(log["runs"][0]["results"][6]["level"], "warning");
  EXPECT_EQ(log["runs"][0]["tool"]["driver"]["rules"][4]["defaultConfiguration"]["level"], "warning");
}

TEST(SarifReportTest, ProvenanceOnlyWithACommit) {
  const json git = json::parse(RenderSarif(testing::FullRun()));
  const json& vcp = git["runs"][0]["versionControlProvenance"][0];
  EXPECT_EQ(vcp["revisionId"], "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");
  EXPECT_EQ(vcp["repositoryUri"], "file:///srv/repos/fleet%20policies");
  EXPECT_EQ(git["runs"][0]["automationDetails"]["id"], "stagegate/gate/2026-03-01T12:00:00Z");
  const json dir = json::parse(RenderSarif(testing::AllowRun()));
  EXPECT_FALSE(dir["runs"][0].contains("versionControlProvenance"));
  EXPECT_TRUE(dir["runs"][0]["results"].empty());
  EXPECT_EQ(dir["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"], "error");
}

TEST(SarifReportTest, UnknownLocationStillHasAValidRegion) {
  auto run = testing::FullRun();
  run.rules[0].location = {};
  run.policy_source.path_in_repo.clear();
  const json log = json::parse(RenderSarif(run));
  const json& location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(location["region"]["startLine"], 1);
  EXPECT_EQ(location["region"]["startColumn"], 1);
  EXPECT_EQ(location["artifactLocation"]["uri"], ".");
}

}  // namespace
}  // namespace stagegate::reports
