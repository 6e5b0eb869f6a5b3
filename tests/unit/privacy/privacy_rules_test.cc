// The shipped templates of rules/privacy against facts the evaluator
// computes (not given inline, as the PolicyTest beside them does): each rule
// passes on a compliant flow and fails on a non-compliant one, and the
// policies type-check against the schema without a warning.

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/eval/engine.h"
#include "engine/policy/loader.h"
#include "evaluators/privacy/privacy_facts.h"

namespace stagegate::privacy {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(STAGEGATE_SOURCE_DIR) + "/" + relative);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

constexpr const char* kContract = R"yaml(apiVersion: v3.1.0
kind: DataContract
id: engine-telemetry
schema:
  - name: readings
    properties:
      - {name: vibration_rms, logicalType: number}
      - {name: driver_id, logicalType: string}
      - {name: contact, logicalType: string, examples: [anna.mueller@example.org]}
slaProperties:
  - {property: retention, value: 90, unit: d}
---
apiVersion: v3.1.0
kind: DataContract
id: cabin-telemetry
schema:
  - name: cabin
    properties:
      - {name: cabin_temperature, logicalType: number}
      - {name: driver_email, logicalType: string}
)yaml";

constexpr const char* kFlows = R"yaml(kind: dataflow
id: compliant
purpose: Predictive maintenance
legal_basis: legitimate_interests
special_categories: [{category: health, condition: 9(2)(h)}]
fields: [{name: driver_id, category: identifier}, {name: contact, category: contact}]
retention: 30d
processors: [{name: cloud-host, dpa: DPA-17, region: DE}]
destinations: [{region: US, mechanism: scc}, JP]
dpia: DPIA-2026-04
encryption: {at_rest: true, in_transit: true}
automated_decisions: [{name: shift-ban, basis: contract, safeguards: [human_review]}]
contracts: [engine-telemetry]
---
kind: dataflow
id: careless
purpose: Driver scoring
legal_basis: because_we_can
special_categories: [biometric]
fields: [vibration_rms]
retention: 1y
processors: [{name: analytics, region: IN}]
encryption: {in_transit: true}
automated_decisions: [{name: credit-score}]
contracts: [engine-telemetry, cabin-telemetry]
)yaml";

constexpr const char* kRules[] = {
    "privacy.lawful-basis", "privacy.special-category-condition", "privacy.processors-dpa",
    "privacy.safe-transfers", "privacy.dpia", "privacy.retention-within-contract",
    "privacy.no-undeclared-personal-fields", "privacy.encryption", "privacy.automated-decisions"};

TEST(PrivacyRulesTest, EveryTemplatePassesAndFailsOnComputedFacts) {
  bundle::Bundle bundle;
  for (const char* file : {"lawfulness.yaml", "transfers.yaml", "accountability.yaml", "example-policy.yaml"}) {
    bundle.files.push_back({file, ReadSource(std::string("rules/privacy/") + file)});
    ASSERT_FALSE(bundle.files.back().content.empty()) << file;
  }
  // The templates name GDPR articles, which must resolve in the same bundle.
  for (const char* file : {"gdpr.yaml", "iec62443-3-3.yaml", "iec62443-4-2.yaml", "nist-ai-rmf.yaml"}) {
    const std::string path = std::string("policies/frameworks/") + file;
    bundle.files.push_back({path, ReadSource(path)});
    ASSERT_FALSE(bundle.files.back().content.empty()) << path;
  }
  bundle.files.push_back({"contracts/engine.yaml", kContract});
  const contracts::ContractSet contracts = contracts::LoadContracts(bundle);
  ASSERT_TRUE(contracts.ok());

  subjects::SubjectSet inputs;
  inputs.AddFile("flows.yaml", kFlows);
  inputs.Finish();
  ASSERT_TRUE(inputs.ok());
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  RegisterPrivacyFacts(schema);
  subjects::InferFacts(inputs, &schema);
  policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, {});
  ASSERT_TRUE(loaded.ok()) << policy::FormatDiagnostics(loaded.diagnostics);
  EXPECT_EQ(loaded.warnings(), 0) << policy::FormatDiagnostics(loaded.diagnostics);

  PrivacyOptions options;
  options.samples = ReadContractExamples(bundle);
  std::vector<std::string> errors;
  auto review = PrivacyReview::Create(contracts, &inputs, &errors, options);
  ASSERT_NE(review, nullptr);
  subjects::FactProviderRegistry registry;
  review->RegisterProviders(&registry);
  eval::EvalOptions eval_options;
  eval_options.providers = &registry;
  eval_options.jobs = 1;
  const eval::RunResult result = eval::Evaluate(*loaded.bundle, inputs, eval_options);

  std::map<std::string, std::string> outcomes;  // "rule subject" → outcome (message)
  for (const eval::OutcomeRecord& record : result.outcomes) {
    outcomes[record.rule_id + " " + record.subject_id] =
        std::string(eval::OutcomeName(record.outcome)) + (record.message.empty() ? "" : ": " + record.message);
  }
  for (const char* rule : kRules) {
    const std::string id = std::string("gdpr-dataflows/") + rule;
    EXPECT_EQ(outcomes[id + " compliant"], "pass") << rule;
    EXPECT_TRUE(outcomes[id + " careless"].starts_with("fail: ")) << rule << ": " << outcomes[id + " careless"];
  }
  EXPECT_EQ(outcomes["gdpr-dataflows/privacy.safe-transfers careless"],
            "fail: dataflow careless transfers personal data to [IN] with neither an adequacy decision nor SCCs, "
            "BCRs or a derogation");
  EXPECT_EQ(outcomes["gdpr-dataflows/privacy.retention-within-contract careless"],
            "fail: dataflow careless keeps data 365 days; its data contracts allow 90");
  // `compliant` declares engine-telemetry's personal fields, which counts for
  // `careless` too; cabin-telemetry's driver_email no flow declares.
  EXPECT_EQ(outcomes["gdpr-dataflows/privacy.no-undeclared-personal-fields careless"],
            "fail: dataflow careless covers fields that look like personal data but no data flow declares: "
            "[cabin-telemetry.driver_email]");
  EXPECT_EQ(outcomes["gdpr-dataflows/privacy.dpia careless"],
            "fail: dataflow careless needs a DPIA (special_categories, automated_decisions) and names none");
}

}  // namespace
}  // namespace stagegate::privacy
