// The control ledger: Evaluate records, per subject and control, how the
// rules mapped to the control judged it, and judges zones only afterwards so
// that zone facts can summarise their members.

#include "engine/eval/control_ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <span>
#include <string>
#include <vector>

#include "engine/eval/engine.h"
#include "engine/policy/loader.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::eval {
namespace {

constexpr char kBundle[] = R"(apiVersion: stagegate/v1
kind: Framework
metadata: {id: f}
spec:
  controls:
    - {id: C-1, title: Identity}
    - {id: C-2, title: Integrity}
---
apiVersion: stagegate/v1
kind: Policy
metadata: {name: p}
spec:
  enforcement: deny
  rules:
    - id: identity
      subject: device
      assert: device.good
      severity: high
      controls: [f:C-1]
    - id: integrity
      subject: device
      when: device.checked
      assert: device.good
      severity: high
      controls: [f:C-1, f:C-2]
    - id: unmapped
      subject: device
      assert: device.good
      severity: high
    - id: members-meet-identity
      subject: zone
      assert: zone.members_meeting == 150
      severity: high
---
apiVersion: stagegate/v1
kind: Waiver
metadata: {id: w}
spec:
  rule: p/integrity
  subjects: [d-8]
  reason: replacement device on order
  approver: a@example.org
  expires: "2025-06-30"
)";

// Counts the zone's devices whose identity control is met, from the ledger.
class MembersMeeting final : public subjects::FactProvider {
 public:
  MembersMeeting(const ControlLedger* ledger, const subjects::SubjectSet* subjects)
      : ledger_(ledger), subjects_(subjects) {}
  subjects::ComputedFact Compute(const subjects::Subject&, std::string_view) const override {
    ++calls;
    int64_t met = 0;
    for (const subjects::Subject* device : subjects_->OfKind(facts::SubjectKind::kDevice)) {
      const ControlLedger::Tally* tally = ledger_->Find(*device, "f:C-1");
      if (tally != nullptr && tally->Met()) ++met;
    }
    return subjects::ComputedFact::Of(met);
  }
  mutable std::atomic<int> calls{0};

 private:
  const ControlLedger* ledger_;
  const subjects::SubjectSet* subjects_;
};

class ControlLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 200 devices, more than one work chunk per thread: the first 150 are
    // good; d-8 is bad but waived for integrity only; checked on even ids.
    std::string text = "[";
    for (int i = 0; i < 200; ++i) {
      if (i > 0) text += ",";
      text += R"({"kind": "device", "id": "d-)" + std::to_string(i) + R"(", "good": )" + (i < 150 && i != 8 ? "true" : "false") +
              R"(, "checked": )" + (i % 2 == 0 ? "true" : "false") + "}";
    }
    text += R"(, {"kind": "zone", "id": "z-1"}])";
    inputs_.AddFile("in.json", text);
    inputs_.Finish();
    ASSERT_TRUE(inputs_.ok());
    facts::FactSchema schema;
    facts::RegisterCoreFacts(schema);
    schema.Add(facts::SubjectKind::kZone, {"members_meeting", cel::Type::Int(), "", "test", facts::FactOrigin::kComputed});
    subjects::InferFacts(inputs_, &schema);
    bundle::Bundle bundle;
    bundle.files.push_back({"p.yaml", kBundle});
    policy::LoadOptions load;
    load.now = *policy::ParseTime("2025-06-01T00:00:00Z");
    policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, load);
    ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
    bundle_ = std::move(loaded.bundle);
    provider_ = std::make_shared<MembersMeeting>(&ledger_, &inputs_);
    registry_.Register(facts::SubjectKind::kZone, "members_meeting", provider_);
    options_.at = load.now;
    options_.providers = &registry_;
    options_.control_ledger = &ledger_;
  }

  const OutcomeRecord* Find(const RunResult& r, const std::string& rule, const std::string& id) {
    for (const OutcomeRecord& o : r.outcomes) {
      if (o.rule_id == rule && o.subject_id == id) return &o;
    }
    return nullptr;
  }

  subjects::SubjectSet inputs_;
  std::unique_ptr<policy::LoadedBundle> bundle_;
  ControlLedger ledger_;
  std::shared_ptr<MembersMeeting> provider_;
  subjects::FactProviderRegistry registry_;
  EvalOptions options_;
};

TEST_F(ControlLedgerTest, ZonesAreJudgedAfterTheLedgerHoldsEveryDevice) {
  for (int jobs : {1, 2, 4}) {
    options_.jobs = jobs;
    RunResult r = Evaluate(*bundle_, inputs_, options_);
    // The devices meeting C-1 are d-0..d-149 without d-8: 149, whatever the
    // threads; a zone judged before its members would see fewer.
    const OutcomeRecord* zone = Find(r, "p/members-meet-identity", "z-1");
    ASSERT_NE(zone, nullptr);
    EXPECT_EQ(zone->outcome, Outcome::kFail) << "jobs " << jobs;
    EXPECT_EQ(zone->evidence.at("zone.members_meeting"), 149) << "jobs " << jobs;
  }
}

TEST_F(ControlLedgerTest, TalliesCountEveryMappedRuleAndNameTheUnmetOne) {
  Evaluate(*bundle_, inputs_, options_);
  const subjects::Subject* good = inputs_.Find(facts::SubjectKind::kDevice, "d-2");
  const subjects::Subject* odd = inputs_.Find(facts::SubjectKind::kDevice, "d-3");
  const subjects::Subject* waived = inputs_.Find(facts::SubjectKind::kDevice, "d-8");
  const subjects::Subject* bad = inputs_.Find(facts::SubjectKind::kDevice, "d-160");
  // Both mapped rules judged d-2 for C-1; only integrity for C-2.
  const ControlLedger::Tally* t = ledger_.Find(*good, "f:C-1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->pass, 2u);
  EXPECT_TRUE(t->Met());
  EXPECT_TRUE(ledger_.UnmetRule(*t).empty());
  // Integrity does not apply to odd ids: C-2 has only a not_applicable.
  t = ledger_.Find(*odd, "f:C-2");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->not_applicable, 1u);
  EXPECT_FALSE(t->Met());
  // d-8: identity fails and integrity is waived; neither counts as met.
  t = ledger_.Find(*waived, "f:C-2");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->waived, 1u);
  EXPECT_FALSE(t->Met());
  EXPECT_EQ(ledger_.UnmetRule(*t), "p/integrity");
  t = ledger_.Find(*waived, "f:C-1");
  EXPECT_EQ(t->fail, 1u);
  EXPECT_EQ(ledger_.UnmetRule(*t), "p/identity");  // the smallest failing rule id
  t = ledger_.Find(*bad, "f:C-1");
  EXPECT_EQ(t->fail, 2u);
  EXPECT_EQ(ledger_.UnmetRule(*t), "p/identity");
  // Controls no rule maps to, and rules without controls, leave no tally.
  EXPECT_EQ(ledger_.Find(*good, "f:C-3"), nullptr);
  ASSERT_EQ(ledger_.RulesOf("f:C-1").size(), 2u);
  EXPECT_EQ(ledger_.RulesOf("f:C-1")[0], "p/identity");
  EXPECT_TRUE(ledger_.RulesOf("f:C-9").empty());
  // The zone itself is not in the ledger.
  EXPECT_EQ(provider_->calls.load(), 1);
}

TEST_F(ControlLedgerTest, KeepsOnlyTheKindsItsReaderSummarises) {
  const subjects::Subject* good = inputs_.Find(facts::SubjectKind::kDevice, "d-2");
  ledger_.RecordOnly({facts::SubjectKind::kModel});
  Evaluate(*bundle_, inputs_, options_);
  EXPECT_EQ(ledger_.Find(*good, "f:C-1"), nullptr);
  EXPECT_FALSE(ledger_.Records(facts::SubjectKind::kDevice));
  ledger_.RecordOnly({facts::SubjectKind::kDevice, facts::SubjectKind::kZone});
  EXPECT_FALSE(ledger_.Records(facts::SubjectKind::kZone));  // zones are judged from it, never in it
  Evaluate(*bundle_, inputs_, options_);
  ASSERT_NE(ledger_.Find(*good, "f:C-1"), nullptr);
  EXPECT_EQ(ledger_.Find(*good, "f:C-1")->pass, 2u);
}

TEST_F(ControlLedgerTest, ANewRunForgetsTheLastOne) {
  Evaluate(*bundle_, inputs_, options_);
  const subjects::Subject* good = inputs_.Find(facts::SubjectKind::kDevice, "d-2");
  Evaluate(*bundle_, inputs_, options_);
  EXPECT_EQ(ledger_.Find(*good, "f:C-1")->pass, 2u);
}


TEST(ControlLedgerAddTest, AllOfASubjectsOutcomesAtOnceCountAsOneByOne) {
  subjects::Subject one_by_one, at_once;
  one_by_one.kind = at_once.kind = facts::SubjectKind::kDevice;
  ControlLedger ledger;
  ledger.Begin({{"p/b", {"f:C-1", "f:C-2"}}, {"p/a", {"f:C-1"}}, {"p/unmapped", {}}});
  const std::vector<ControlLedger::RuleOutcome> outcomes = {
      {0, Outcome::kFail}, {1, Outcome::kWaived}, {2, Outcome::kFail}, {1, Outcome::kPass}, {7, Outcome::kFail}};
  for (const ControlLedger::RuleOutcome& judged : outcomes) ledger.Add(one_by_one, judged.rule_rank, judged.outcome);
  ledger.Add(at_once, outcomes);
  ledger.Add(at_once, std::span<const ControlLedger::RuleOutcome>());  // nothing judged: nothing changes
  for (const char* control : {"f:C-1", "f:C-2"}) {
    const ControlLedger::Tally* expected = ledger.Find(one_by_one, control);
    const ControlLedger::Tally* got = ledger.Find(at_once, control);
    ASSERT_NE(expected, nullptr);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->pass, expected->pass);
    EXPECT_EQ(got->fail, expected->fail);
    EXPECT_EQ(got->waived, expected->waived);
    EXPECT_EQ(got->unmet_rule_rank, expected->unmet_rule_rank);
  }
  // C-1: p/b failed, p/a was waived then passed; the unmet rule is the smallest id.
  EXPECT_EQ(ledger.Find(at_once, "f:C-1")->pass, 1u);
  EXPECT_EQ(ledger.Find(at_once, "f:C-1")->fail, 1u);
  EXPECT_EQ(ledger.UnmetRule(*ledger.Find(at_once, "f:C-1")), "p/a");
  EXPECT_EQ(ledger.UnmetRule(*ledger.Find(at_once, "f:C-2")), "p/b");
}

}  // namespace
}  // namespace stagegate::eval
