// Zone facts over a whole run: the shipped IEC 62443-3-3 catalog, device
// rules mapped to its requirements, and zone rules reading SL-A, the gaps and
// the conduits, all through Evaluate.

#include "evaluators/zones/zone_facts.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/eval/engine.h"
#include "engine/policy/loader.h"

namespace stagegate::zones {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(STAGEGATE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Device rules for FR1 up to level 2 (SR-1.2, SR-1.8, SR-1.9 and the level-1
// requirements excluded by the zone) and one FR3 rule; zone rules on top.
constexpr char kPolicy[] = R"(apiVersion: stagegate/v1
kind: Policy
metadata: {name: p}
spec:
  enforcement: deny
  rules:
    - id: identity
      subject: device
      assert: device.identity_ok
      severity: high
      controls: [iec62443-3-3:SR-1.2, iec62443-3-3:SR-1.8, iec62443-3-3:SR-1.9]
    - id: firmware
      subject: device
      assert: device.firmware_signed
      severity: high
      controls: [iec62443-3-3:SR-3.4]
    - id: target-met
      subject: zone
      assert: zone.sl.gap_max == 0
      message: "{{ zone.sl.gaps }}"
      severity: high
    - id: conduits
      subject: zone
      assert: size(zone.boundary.unprotected) == 0
      severity: high
)";

// The level-1 FR1 requirements a device rule cannot evidence, excluded.
constexpr char kExclusions[] = R"([
  {"requirement": "SR-1.1", "reason": "no human users"}, {"requirement": "SR-1.3", "reason": "no accounts"},
  {"requirement": "SR-1.4", "reason": "ids from the PKI"}, {"requirement": "SR-1.5", "reason": "PKI procedure"},
  {"requirement": "SR-1.6", "reason": "no wireless"}, {"requirement": "SR-1.7", "reason": "no passwords"},
  {"requirement": "SR-1.10", "reason": "no login"}, {"requirement": "SR-1.11", "reason": "no login"},
  {"requirement": "SR-1.12", "reason": "no login"}, {"requirement": "SR-1.13", "reason": "no remote access"}])";

class ZoneFactsTest : public ::testing::Test {
 protected:
  void Run(const std::string& inputs_json) {
    inputs_.AddFile("fleet.json", inputs_json);
    inputs_.Finish();
    ASSERT_TRUE(inputs_.ok());
    facts::FactSchema schema;
    facts::RegisterCoreFacts(schema);
    RegisterZoneFacts(schema);
    subjects::InferFacts(inputs_, &schema);
    bundle::Bundle bundle;
    bundle.files.push_back({"frameworks/iec62443-3-3.yaml", ReadSource("policies/frameworks/iec62443-3-3.yaml")});
    bundle.files.push_back({"p.yaml", kPolicy});
    policy::LoadOptions load;
    load.now = *policy::ParseTime("2026-06-01T00:00:00Z");
    policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, load);
    ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
    bundle_ = std::move(loaded.bundle);
    review_ = ZoneReview::Create(*bundle_, inputs_, &ledger_, &errors_);
    if (!review_) return;
    review_->RegisterProviders(&registry_);
    eval::EvalOptions options;
    options.at = load.now;
    options.providers = &registry_;
    options.control_ledger = &ledger_;
    result_ = eval::Evaluate(*bundle_, inputs_, options);
  }

  const eval::OutcomeRecord* Find(const std::string& rule, const std::string& id) {
    for (const eval::OutcomeRecord& o : result_.outcomes) {
      if (o.rule_id == rule && o.subject_id == id) return &o;
    }
    return nullptr;
  }

  subjects::SubjectSet inputs_;
  std::unique_ptr<policy::LoadedBundle> bundle_;
  eval::ControlLedger ledger_;
  std::vector<std::string> errors_;
  std::shared_ptr<const ZoneReview> review_;
  subjects::FactProviderRegistry registry_;
  eval::RunResult result_;
};

TEST_F(ZoneFactsTest, SecurityLevelsFollowTheMembersOutcomesInTheSameRun) {
  Run(std::string(R"([
    {"kind": "device", "id": "d-1", "zone": "cell-a", "identity_ok": true, "firmware_signed": true},
    {"kind": "device", "id": "d-2", "zone": "cell-a", "identity_ok": true, "firmware_signed": true},
    {"kind": "device", "id": "d-3", "zone": "cell-b", "identity_ok": true, "firmware_signed": false},
    {"kind": "zone", "id": "cell-a", "security_level_target": {"FR1": 2},
     "conduits": [{"to": "cell-b", "protocols": ["mqtts"]}], "exclusions": )") + kExclusions + R"(},
    {"kind": "zone", "id": "cell-b", "security_level_target": {"FR1": 2, "FR3": 1},
     "conduits": [{"to": "cell-a", "protocols": ["mqtt"]}], "exclusions": )" + kExclusions + R"(}])");
  ASSERT_TRUE(review_) << errors_.front();
  EXPECT_EQ(Find("p/target-met", "cell-a")->outcome, eval::Outcome::kPass);
  const eval::OutcomeRecord* b = Find("p/target-met", "cell-b");
  ASSERT_EQ(b->outcome, eval::Outcome::kFail);
  // FR3 of cell-b: SR-3.4 fails for d-3; the other level-1 FR3 requirements
  // have no rule at all. FR1 reaches 2 (SR-1.2-RE-1 at level 3 has no rule).
  EXPECT_NE(b->message.find("FR3: target 1, achieved 0: SR-3.1 (level 1): no rule maps to it;"), std::string::npos)
      << b->message;
  EXPECT_NE(b->message.find("SR-3.4 (level 1): 1 of 1 members do not meet it (d-3 does not pass p/firmware)"),
            std::string::npos)
      << b->message;
  EXPECT_EQ(b->message.find("FR1:"), std::string::npos) << b->message;
  // cell-a → cell-b over mqtts passes; cell-b → cell-a over plain mqtt does not.
  EXPECT_EQ(Find("p/conduits", "cell-a")->outcome, eval::Outcome::kPass);
  const eval::OutcomeRecord* conduit = Find("p/conduits", "cell-b");
  EXPECT_EQ(conduit->outcome, eval::Outcome::kFail);
  EXPECT_EQ(conduit->evidence.at("zone.boundary.unprotected")[0],
            "to cell-a (SL-T 2,0,1,0,0,0,0 here, 2,0,0,0,0,0,0 there): mqtt (not encrypted and authenticated)");
}

TEST_F(ZoneFactsTest, AZoneWithoutMembersCannotBeEvaluated) {
  Run(R"([{"kind": "device", "id": "d-1", "zone": "other", "identity_ok": true, "firmware_signed": true},
          {"kind": "zone", "id": "empty", "security_level_target": 1}])");
  ASSERT_TRUE(review_);
  EXPECT_EQ(Find("p/target-met", "empty")->outcome, eval::Outcome::kNotEvaluable);
  EXPECT_EQ(Find("p/conduits", "empty")->outcome, eval::Outcome::kPass);
}

TEST_F(ZoneFactsTest, MembershipErrorsNameTheZoneAndTheFix) {
  Run(R"([{"kind": "device", "id": "d-1", "site": "a", "identity_ok": true, "firmware_signed": true},
          {"kind": "zone", "id": "z-1", "security_level_target": 1, "device_selector": {"site": "a"}},
          {"kind": "zone", "id": "z-2", "security_level_target": 1, "device_ids": ["d-1", "d-9"]},
          {"kind": "zone", "id": "z-3", "security_level_target": 1, "device_ids": ["d-1"],
           "exclusions": [{"requirement": "SR-9.9", "reason": "r"}]}])");
  EXPECT_FALSE(review_);
  ASSERT_EQ(errors_.size(), 3u);
  EXPECT_EQ(errors_[0], "fleet.json:3: zone 'z-2': device_ids names 'd-9', which is not a device of the inputs");
  EXPECT_EQ(errors_[1],
            "fleet.json:4: zone 'z-3': exclusions names 'SR-9.9', which is not a leveled requirement of iec62443-3-3");
  EXPECT_EQ(errors_[2],
            "fleet.json:4: zone 'z-3': device 'd-1' is already a member of zone 'z-1'; a device belongs to one zone");
}

}  // namespace
}  // namespace stagegate::zones
