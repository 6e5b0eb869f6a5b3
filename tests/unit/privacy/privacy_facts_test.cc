#include "evaluators/privacy/privacy_facts.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stagegate::privacy {
namespace {

using facts::SubjectKind;
using nlohmann::json;

constexpr const char* kContract = R"yaml(apiVersion: v3.1.0
kind: DataContract
id: engine-telemetry
name: Engine telemetry
version: 1.0.0
status: active
schema:
  - name: readings
    properties:
      - name: vibration_rms
        logicalType: number
        examples: [0.42, 1.7]
      - name: driver_id
        logicalType: string
      - name: contact
        logicalType: string
        examples: [anna.mueller@example.org]
      - name: modem
        logicalType: string
        examples: ["490154203237518"]
slaProperties:
  - property: retention
    value: 30
    unit: d
)yaml";

constexpr const char* kFlows = R"yaml(kind: dataflow
id: good
purpose: Maintenance scheduling
legal_basis: contract
special_categories: [{category: health, condition: 9(2)(h)}]
fields:
  - {name: driver_id, category: identifier}
  - {name: contact, category: contact}
  - {name: modem, category: device_identifier}
retention: 30d
processors: [{name: cloud-host, dpa: DPA-17, region: DE}]
destinations: [DE, {region: US, mechanism: scc}, CH]
dpia: DPIA-2026-04
encryption: {at_rest: true, in_transit: true}
automated_decisions: [{name: shift-ban, basis: contract, safeguards: [human_review, contest]}]
contracts: [engine-telemetry]
---
kind: dataflow
id: bad
legal_basis: because_we_can
special_categories: [biometric]
fields: [driver_id]
retention: 1y
processors: [{name: cloud-host, dpa: DPA-17}, {name: analytics, region: US}]
destinations: [IN]
large_scale_monitoring: true
encryption: {at_rest: true}
automated_decisions: [{name: credit-score, safeguards: [human_review]}, {name: ban, basis: law}]
contracts: [engine-telemetry]
---
kind: dataflow
id: minimal
legal_basis: consent
---
kind: dataflow
id: stray
legal_basis: consent
retention: 10d
contracts: [no-such-contract]
)yaml";

class PrivacyFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bundle_.files.push_back({"contracts/engine.yaml", kContract});
    contracts_ = contracts::LoadContracts(bundle_);
    ASSERT_TRUE(contracts_.ok());
    subjects_.AddFile("flows.yaml", kFlows);
    subjects_.Finish();
    ASSERT_TRUE(subjects_.ok());
    PrivacyOptions options;
    options.samples = ReadContractExamples(bundle_);
    std::vector<std::string> errors;
    review_ = PrivacyReview::Create(contracts_, &subjects_, &errors, std::move(options));
    ASSERT_NE(review_, nullptr) << (errors.empty() ? "" : errors[0]);
    review_->RegisterProviders(&registry_);
  }

  subjects::ComputedFact Fact(const char* flow, const char* fact) {
    const subjects::Subject* subject = subjects_.Find(SubjectKind::kDataflow, flow);
    EXPECT_NE(subject, nullptr);
    const subjects::FactProvider* provider = registry_.Find(SubjectKind::kDataflow, fact);
    EXPECT_NE(provider, nullptr) << fact;
    if (subject == nullptr || provider == nullptr) return subjects::ComputedFact::Missing();
    return provider->Compute(*subject, fact);
  }
  json Value(const char* flow, const char* fact) {
    subjects::ComputedFact computed = Fact(flow, fact);
    EXPECT_EQ(computed.error, "") << flow << " " << fact;
    EXPECT_TRUE(computed.value.has_value()) << flow << " " << fact;
    return computed.value.value_or(json());
  }

  bundle::Bundle bundle_;
  contracts::ContractSet contracts_;
  subjects::SubjectSet subjects_;
  subjects::FactProviderRegistry registry_;
  std::shared_ptr<const PrivacyReview> review_;
};

TEST_F(PrivacyFactsTest, LawfulBasis) {
  EXPECT_EQ(Value("good", "lawful_basis_valid"), true);
  EXPECT_EQ(Value("bad", "lawful_basis_valid"), false);
}

TEST_F(PrivacyFactsTest, SpecialCategoriesNeedAnArticle9Condition) {
  EXPECT_EQ(Value("good", "special_categories_condition_valid"), true);
  EXPECT_EQ(Value("minimal", "special_categories_condition_valid"), true);
  EXPECT_EQ(Value("bad", "special_categories_condition_valid"), false);
  EXPECT_EQ(Value("bad", "special_categories_without_condition"), json({"biometric"}));
}

TEST_F(PrivacyFactsTest, ProcessorsNeedADpa) {
  EXPECT_EQ(Value("good", "processors_without_dpa"), json::array());
  EXPECT_EQ(Value("bad", "processors_without_dpa"), json({"analytics"}));
}

TEST_F(PrivacyFactsTest, TransfersOutsideTheEeaNeedAdequacyOrASafeguard) {
  EXPECT_EQ(Value("good", "transfers_unsafe"), json::array());
  EXPECT_EQ(Value("good", "cross_border"), true);
  EXPECT_EQ(Value("bad", "transfers_unsafe"), json({"IN", "US"}));
  EXPECT_EQ(Value("minimal", "cross_border"), false);
}

TEST_F(PrivacyFactsTest, Dpia) {
  EXPECT_EQ(Value("good", "dpia_required"), true);
  EXPECT_EQ(Value("good", "dpia_present"), true);
  EXPECT_EQ(Value("bad", "dpia_required"), true);
  EXPECT_EQ(Value("bad", "dpia_present"), false);
  EXPECT_EQ(Value("bad", "dpia_reasons"), json({"special_categories", "automated_decisions", "monitoring"}));
  EXPECT_EQ(Value("minimal", "dpia_required"), false);
  EXPECT_EQ(Value("minimal", "dpia_reasons"), json::array());
}

TEST_F(PrivacyFactsTest, RetentionAgainstTheContractSla) {
  EXPECT_EQ(Value("good", "retention_days"), 30);
  EXPECT_EQ(Value("bad", "retention_days"), 365);
  EXPECT_EQ(Value("good", "contract_retention_days"), 30);
  EXPECT_EQ(Value("good", "retention_exceeds_contract"), false);
  EXPECT_EQ(Value("bad", "retention_exceeds_contract"), true);
  // No retention and no contract: the facts are missing (the rule is not_evaluable).
  EXPECT_FALSE(Fact("minimal", "retention_days").value.has_value());
  EXPECT_FALSE(Fact("minimal", "retention_exceeds_contract").value.has_value());
}

TEST_F(PrivacyFactsTest, AnUnknownContractIsAnErrorOfTheContractFacts) {
  const subjects::ComputedFact fact = Fact("stray", "retention_exceeds_contract");
  EXPECT_EQ(fact.error,
            "dataflow 'stray' covers contract 'no-such-contract', which is not a DataContract of the policy bundle "
            "(it has engine-telemetry)");
  EXPECT_EQ(Fact("stray", "undeclared_personal_fields").error, fact.error);
  EXPECT_EQ(Value("stray", "contracts_unknown"), json({"no-such-contract"}));
  EXPECT_EQ(Value("good", "contracts_unknown"), json::array());
}

TEST_F(PrivacyFactsTest, PersonalFieldsOfTheContractFromNamesAndExamples) {
  std::vector<std::string> found;
  for (const PersonalDataMatch& match : review_->PersonalFields("engine-telemetry")) {
    found.push_back(match.field + " " + match.detector);
  }
  EXPECT_THAT(found, ::testing::ElementsAre("driver_id name:person", "contact value:email", "modem value:imei"));
  const json fields = Value("good", "personal_fields");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1], json({{"contract", "engine-telemetry"},
                             {"field", "contact"},
                             {"category", "contact"},
                             {"detector", "value:email"},
                             {"evidence", "field 'contact': the value 'anna.mueller@example.org' looks like an e-mail "
                                          "address (pattern value:email)"}}));
}

TEST_F(PrivacyFactsTest, UndeclaredPersonalFieldsCountEveryFlowCoveringTheContract) {
  // `good` declares every personal field; `bad` covers the same contract, so
  // good's declarations count for it too.
  EXPECT_EQ(Value("good", "undeclared_personal_fields"), json::array());
  EXPECT_EQ(Value("bad", "undeclared_personal_fields"), json::array());
}

TEST(UndeclaredPersonalFieldsTest, ListsFieldsNoFlowDeclares) {
  bundle::Bundle bundle;
  bundle.files.push_back({"contracts/engine.yaml", kContract});
  const contracts::ContractSet contracts = contracts::LoadContracts(bundle);
  subjects::SubjectSet subjects;
  subjects.AddFile("flow.yaml", "kind: dataflow\nid: only\nfields: [driver_id]\ncontracts: [engine-telemetry]\n");
  subjects.Finish();
  PrivacyOptions options;
  options.samples = ReadContractExamples(bundle);
  std::vector<std::string> errors;
  auto review = PrivacyReview::Create(contracts, &subjects, &errors, options);
  ASSERT_NE(review, nullptr);
  subjects::FactProviderRegistry registry;
  review->RegisterProviders(&registry);
  const subjects::Subject* flow = subjects.Find(SubjectKind::kDataflow, "only");
  const subjects::ComputedFact fact =
      registry.Find(SubjectKind::kDataflow, "undeclared_personal_fields")->Compute(*flow, "undeclared_personal_fields");
  EXPECT_EQ(fact.value, json({"engine-telemetry.contact", "engine-telemetry.modem"}));
  // Without the examples only the field names speak: contact and modem look harmless.
  auto names_only = PrivacyReview::Create(contracts, &subjects, &errors);
  ASSERT_NE(names_only, nullptr);
  EXPECT_EQ(names_only->PersonalFields("engine-telemetry").size(), 1u);
}

TEST_F(PrivacyFactsTest, Encryption) {
  EXPECT_EQ(Value("good", "encryption_complete"), true);
  EXPECT_EQ(Value("bad", "encryption_complete"), false);
  EXPECT_EQ(Value("minimal", "encryption_complete"), false);
}

TEST_F(PrivacyFactsTest, AutomatedDecisionsNeedABasisAndASafeguard) {
  EXPECT_EQ(Value("good", "automated_decision_safeguarded"), true);
  EXPECT_EQ(Value("minimal", "automated_decision_safeguarded"), true);
  EXPECT_EQ(Value("bad", "automated_decision_safeguarded"), false);
  EXPECT_EQ(Value("bad", "automated_decisions_unsafeguarded"), json({"ban", "credit-score"}));
}

TEST_F(PrivacyFactsTest, DataCategories) {
  EXPECT_EQ(Value("good", "data_categories"), json({"contact", "device_identifier", "health", "identifier"}));
  EXPECT_EQ(Value("minimal", "data_categories"), json::array());
}

TEST(PrivacyReviewTest, MalformedFlowsAreErrorsNamingFileAndLine) {
  subjects::SubjectSet subjects;
  subjects.AddFile("inputs/flows.yaml",
                   "kind: dataflow\nid: ok\n---\nkind: dataflow\nid: broken\nretention: soon\n---\n"
                   "kind: dataflow\nid: worse\nprocessors: [[1]]\n");
  subjects.Finish();
  ASSERT_TRUE(subjects.ok());
  std::vector<std::string> errors;
  EXPECT_EQ(PrivacyReview::Create(contracts::ContractSet(), &subjects, &errors), nullptr);
  EXPECT_THAT(errors, ::testing::ElementsAre(
                          "inputs/flows.yaml:4: dataflow 'broken': 'retention' 'soon' is not a duration; write e.g. "
                          "90d, 12w, 6mo or 1y (hours: 48h; 'm' is ambiguous, use 'mo' for months)",
                          "inputs/flows.yaml:8: dataflow 'worse': 'processors[0]' must be a name or {name, dpa, "
                          "region}"));
}

TEST(PrivacySchemaTest, RegistersEveryComputedFact) {
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  RegisterPrivacyFacts(schema);
  for (const char* name : {"lawful_basis_valid", "transfers_unsafe", "retention_days", "retention_exceeds_contract",
                           "undeclared_personal_fields", "automated_decision_safeguarded", "cross_border"}) {
    const facts::FactDef* fact = schema.Find(SubjectKind::kDataflow, name);
    ASSERT_NE(fact, nullptr) << name;
    EXPECT_EQ(fact->origin, facts::FactOrigin::kComputed) << name;
  }
}

}  // namespace
}  // namespace stagegate::privacy
