// The shipped templates of rules/zones: their PolicyTest with the catalogs
// of policies/frameworks, and each template on facts computed from real zone
// documents and device outcomes.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/eval/engine.h"
#include "engine/eval/policy_test_runner.h"
#include "engine/policy/loader.h"
#include "evaluators/zones/zone_facts.h"

namespace stagegate::zones {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// rules/zones and the framework catalogs, as a policy repository holds them.
bundle::Bundle ShippedBundle(bool with_tests) {
  const fs::path root(STAGEGATE_SOURCE_DIR);
  bundle::Bundle bundle;
  for (const char* dir : {"rules/zones", "policies/frameworks"}) {
    for (const fs::directory_entry& entry : fs::directory_iterator(root / dir)) {
      const std::string name = entry.path().filename().string();
      if (!with_tests && name.ends_with("_test.yaml")) continue;
      bundle.files.push_back({std::string(dir) + "/" + name, ReadFile(entry.path())});
    }
  }
  std::sort(bundle.files.begin(), bundle.files.end(),
            [](const bundle::BundleFile& a, const bundle::BundleFile& b) { return a.path < b.path; });
  return bundle;
}

TEST(ZoneRulesTest, ThePolicyTestPassesWithFullCoverage) {
  bundle::Bundle bundle = ShippedBundle(true);
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  RegisterZoneFacts(schema);
  policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, {});
  ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
  EXPECT_EQ(loaded.warnings(), 0) << policy::FormatDiagnostics(loaded.diagnostics);
  std::vector<subjects::SubjectSet> inputs;
  for (const policy::PolicyTest& test : loaded.bundle->tests) {
    inputs.push_back(eval::BuildTestInputs(test, bundle));
    ASSERT_TRUE(inputs.back().ok());
  }
  const eval::PolicyTestReport report = eval::RunPolicyTests(*loaded.bundle, inputs, {});
  EXPECT_EQ(report.tests_failed, 0) << eval::RenderPolicyTestReport(report);
  EXPECT_EQ(report.both, static_cast<int>(report.coverage.size())) << eval::RenderPolicyTestReport(report);
  for (const auto& rule : loaded.bundle->templates) {
    EXPECT_FALSE(rule->controls.empty()) << rule->id;
    EXPECT_FALSE(rule->remediation.empty()) << rule->id;
  }
}

// Device rules mapped to every FR1 and FR3 requirement up to level 1 and to
// the level-2 FR1 ones, so that a healthy zone can reach its target.
constexpr char kDevicePolicy[] = R"(apiVersion: stagegate/v1
kind: Policy
metadata: {name: devices}
spec:
  enforcement: deny
  rules:
    - id: identity
      subject: device
      assert: device.identity_ok
      severity: high
      controls: [iec62443-3-3:SR-1.2, iec62443-3-3:SR-1.8, iec62443-3-3:SR-1.9]
    - id: integrity
      subject: device
      assert: device.firmware_signed
      severity: high
      controls: [iec62443-3-3:SR-3.1, iec62443-3-3:SR-3.2, iec62443-3-3:SR-3.3, iec62443-3-3:SR-3.4,
                 iec62443-3-3:SR-3.5, iec62443-3-3:SR-3.6, iec62443-3-3:SR-3.7]
)";

constexpr char kFleet[] = R"([
  {"kind": "device", "id": "d-1", "zone": "cell-a", "identity_ok": true, "firmware_signed": true},
  {"kind": "device", "id": "d-2", "zone": "cell-b", "identity_ok": true, "firmware_signed": false},
  {"kind": "zone", "id": "cell-a", "security_level_target": {"FR1": 2, "FR3": 1},
   "conduits": [{"to": "cloud", "protocols": ["mqtts"]}],
   "exclusions": [{"requirement": "SR-1.1", "reason": "no human users on the devices"},
                  {"requirement": "SR-1.3", "reason": "no accounts"}, {"requirement": "SR-1.4", "reason": "PKI ids"},
                  {"requirement": "SR-1.5", "reason": "PKI procedure"}, {"requirement": "SR-1.6", "reason": "wired"},
                  {"requirement": "SR-1.7", "reason": "no passwords"}, {"requirement": "SR-1.10", "reason": "no login"},
                  {"requirement": "SR-1.11", "reason": "no login"}, {"requirement": "SR-1.12", "reason": "no login"},
                  {"requirement": "SR-1.13", "reason": "no remote access"}]},
  {"kind": "zone", "id": "cell-b", "security_level_target": {"FR1": 2, "FR3": 1},
   "conduits": [{"to": "cloud", "protocols": ["mqtt"]}, {"to": "dmz", "protocols": ["https"]}]},
  {"kind": "zone", "id": "cloud", "security_level_target": 1, "device_ids": []}])";

TEST(ZoneRulesTest, EveryTemplatePassesAndFailsOnComputedFacts) {
  bundle::Bundle bundle = ShippedBundle(false);
  bundle.files.push_back({"devices.yaml", kDevicePolicy});
  subjects::SubjectSet inputs;
  inputs.AddFile("fleet.json", kFleet);
  inputs.Finish();
  ASSERT_TRUE(inputs.ok());
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  RegisterZoneFacts(schema);
  subjects::InferFacts(inputs, &schema);
  policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, {});
  ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
  eval::ControlLedger ledger;
  std::vector<std::string> errors;
  auto review = ZoneReview::Create(*loaded.bundle, inputs, &ledger, &errors);
  ASSERT_NE(review, nullptr) << errors.front();
  subjects::FactProviderRegistry registry;
  review->RegisterProviders(&registry);
  eval::EvalOptions options;
  options.providers = &registry;
  options.control_ledger = &ledger;
  const eval::RunResult result = eval::Evaluate(*loaded.bundle, inputs, options);

  std::map<std::string, std::string> outcomes;  // "rule subject" → outcome (message)
  for (const eval::OutcomeRecord& record : result.outcomes) {
    outcomes[record.rule_id + " " + record.subject_id] =
        std::string(eval::OutcomeName(record.outcome)) + (record.message.empty() ? "" : ": " + record.message);
  }
  for (const char* rule : {"zone.security-level-target", "zone.requirements-assessed", "zone.conduits-protected",
                           "zone.conduits-known", "zone.has-members"}) {
    const std::string id = std::string("iec62443-zones/") + rule;
    EXPECT_EQ(outcomes[id + " cell-a"], "pass") << rule;
    if (std::string(rule) != "zone.has-members") {
      EXPECT_TRUE(outcomes[id + " cell-b"].starts_with("fail: ")) << rule << ": " << outcomes[id + " cell-b"];
    }
  }
  EXPECT_TRUE(outcomes["iec62443-zones/zone.has-members cloud"].starts_with(
      "fail: zone cloud has 0 member devices, fewer than 1"))
      << outcomes["iec62443-zones/zone.has-members cloud"];
  EXPECT_EQ(outcomes["iec62443-zones/zone.requirements-assessed cell-b"],
            "fail: zone cell-b has 10 requirements up to its target that no rule checks: SR-1.1, SR-1.3, SR-1.4, "
            "SR-1.5, SR-1.6, SR-1.7, SR-1.10, SR-1.11, SR-1.12, SR-1.13");
  EXPECT_EQ(outcomes["iec62443-zones/zone.conduits-protected cell-b"],
            "fail: zone cell-b has unprotected conduits: to cloud (SL-T 2,0,1,0,0,0,0 here, 1,1,1,1,1,1,1 there): mqtt "
            "(not encrypted and authenticated)");
  const std::string& target = outcomes["iec62443-zones/zone.security-level-target cell-b"];
  EXPECT_NE(target.find("FR1: target 2, achieved 0: SR-1.1 (level 1): no rule maps to it;"), std::string::npos)
      << target;
  EXPECT_NE(target.find("FR3: target 1, achieved 0: SR-3.1 (level 1): 1 of 1 members do not meet it (d-2 does not "
                        "pass devices/integrity)"),
            std::string::npos)
      << target;
}

}  // namespace
}  // namespace stagegate::zones
