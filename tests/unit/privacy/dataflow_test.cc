#include "evaluators/privacy/dataflow.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stagegate::privacy {
namespace {

// Parses the single dataflow document of `yaml` (file "flows.yaml", after a
// first document so that its line is not 1).
bool Parse(const std::string& yaml, Dataflow* flow, std::string* error) {
  subjects::SubjectSet set;
  set.AddFile("flows.yaml", "kind: device\nid: d1\n---\n" + yaml);
  set.Finish();
  EXPECT_TRUE(set.ok());
  auto flows = set.OfKind(facts::SubjectKind::kDataflow);
  EXPECT_EQ(flows.size(), 1u);
  if (flows.empty()) return false;
  return ParseDataflow(*flows[0], flow, error);
}

std::string ErrorOf(const std::string& body) {
  Dataflow flow;
  std::string error;
  EXPECT_FALSE(Parse("kind: dataflow\nid: f\n" + body, &flow, &error)) << body;
  return error;
}

TEST(DataflowTest, ParsesEveryPartOfTheRecord) {
  Dataflow flow;
  std::string error;
  const std::string yaml = R"yaml(kind: dataflow
id: telematics
purpose: Maintenance scheduling
legal_basis: Legitimate_Interests
special_categories:
  - {category: health, condition: "Art. 9(2)(h)"}
  - biometric
fields:
  - {name: driver_id, category: identifier}
  - gps_lat
retention: 12w
recipients: [maintenance-team, {name: insurer, region: CH}]
processors:
  - {name: cloud-host, dpa: DPA-17, region: de}
  - {name: analytics, region: US, dpf_certified: true}
destinations: [JP, {region: IN, mechanism: SCC}]
dpia: {reference: DPIA-2026-04}
large_scale_monitoring: true
pseudonymization: true
encryption: {at_rest: true, in_transit: false}
automated_decisions:
  - {name: shift-ban, basis: contract, safeguards: [human_review]}
  - {name: route-hint, significant_effect: false}
contracts: engine-telemetry
)yaml";
  ASSERT_TRUE(Parse(yaml, &flow, &error)) << error;
  EXPECT_EQ(flow.legal_basis, "legitimate_interests");
  ASSERT_EQ(flow.special_categories.size(), 2u);
  EXPECT_EQ(flow.special_categories[0].condition, "9(2)(h)");
  EXPECT_EQ(flow.special_categories[1].condition, "");
  ASSERT_EQ(flow.fields.size(), 2u);
  EXPECT_EQ(flow.fields[0].category, "identifier");
  EXPECT_EQ(flow.fields[1].name, "gps_lat");
  EXPECT_EQ(flow.retention_days, 84);
  ASSERT_EQ(flow.processors.size(), 2u);
  EXPECT_EQ(flow.processors[0].region, "DE");
  EXPECT_TRUE(flow.processors[1].dpf_certified);
  // Parties' regions first (recipients, then processors), then destinations.
  ASSERT_EQ(flow.destinations.size(), 5u);
  EXPECT_EQ(flow.destinations[0].region, "CH");
  EXPECT_EQ(flow.destinations[0].via, "insurer");
  EXPECT_EQ(flow.destinations[4].mechanism, "scc");
  EXPECT_EQ(flow.dpia, "DPIA-2026-04");
  EXPECT_TRUE(flow.large_scale_monitoring);
  EXPECT_TRUE(flow.pseudonymisation);
  EXPECT_EQ(flow.encryption_at_rest, true);
  EXPECT_EQ(flow.encryption_in_transit, false);
  ASSERT_EQ(flow.automated_decisions.size(), 2u);
  EXPECT_FALSE(flow.automated_decisions[1].significant_effect);
  EXPECT_THAT(flow.contracts, ::testing::ElementsAre("engine-telemetry"));
}

TEST(DataflowTest, MalformedDocumentsNameFileLineAndTheFix) {
  EXPECT_EQ(ErrorOf("retention: 90\n"),
            "flows.yaml:4: dataflow 'f': 'retention' must be a duration with its unit, like 90d, 12w, 6mo or 1y");
  EXPECT_EQ(ErrorOf("retention: 6m\n"),
            "flows.yaml:4: dataflow 'f': 'retention' '6m' is not a duration; write e.g. 90d, 12w, 6mo or 1y "
            "(hours: 48h; 'm' is ambiguous, use 'mo' for months)");
  EXPECT_EQ(ErrorOf("special_categories: [{category: health, condition: 9(2)(k)}]\n"),
            "flows.yaml:4: dataflow 'f': special_categories[0]: condition '9(2)(k)' is not one of Art. 9(2)(a) to "
            "9(2)(j); write e.g. 9(2)(a) for explicit consent");
  EXPECT_EQ(ErrorOf("destinations: [USA]\n"),
            "flows.yaml:4: dataflow 'f': 'destinations[0].region' 'USA' is not an ISO 3166-1 alpha-2 country code; "
            "write e.g. DE, IE or US");
  EXPECT_EQ(ErrorOf("destinations: [{region: US, mechanism: privacy-shield}]\n"),
            "flows.yaml:4: dataflow 'f': destination US mechanism 'privacy-shield' is not one of adequacy, scc, bcr, "
            "derogation (Art. 45-49)");
  EXPECT_EQ(ErrorOf("processors: {name: x}\n"),
            "flows.yaml:4: dataflow 'f': 'processors' must be a list of names or {name, dpa, region}");
  EXPECT_EQ(ErrorOf("processors: [{dpa: D-1}]\n"), "flows.yaml:4: dataflow 'f': 'processors[0]' needs a 'name'");
  EXPECT_EQ(ErrorOf("encryption: yes please\n"),
            "flows.yaml:4: dataflow 'f': 'encryption' must be {at_rest: true|false, in_transit: true|false}");
  EXPECT_EQ(ErrorOf("encryption: {at_rest: 1}\n"),
            "flows.yaml:4: dataflow 'f': 'encryption.at_rest' must be true or false");
  EXPECT_EQ(ErrorOf("automated_decisions: [{name: ban, basis: hunch}]\n"),
            "flows.yaml:4: dataflow 'f': automated decision 'ban': basis 'hunch' is not one of contract, law, "
            "explicit_consent (Art. 22(2))");
  EXPECT_EQ(ErrorOf("fields: [{category: location}]\n"), "flows.yaml:4: dataflow 'f': 'fields[0]' needs a 'name'");
  EXPECT_EQ(ErrorOf("contracts: [3]\n"), "flows.yaml:4: dataflow 'f': 'contracts' must list DataContract ids (strings)");
  EXPECT_EQ(ErrorOf("purpose: [a, b]\n"), "flows.yaml:4: dataflow 'f': 'purpose' must be a string");
  EXPECT_EQ(ErrorOf("retention_days: -3\n"),
            "flows.yaml:4: dataflow 'f': 'retention_days' must be a whole number of days (0 or more)");
}

TEST(RetentionTest, ReadsDurationsInDays) {
  EXPECT_EQ(ParseRetentionDays("90d"), 90);
  EXPECT_EQ(ParseRetentionDays("90 days"), 90);
  EXPECT_EQ(ParseRetentionDays("2w"), 14);
  EXPECT_EQ(ParseRetentionDays("6mo"), 180);
  EXPECT_EQ(ParseRetentionDays("1y"), 365);
  EXPECT_EQ(ParseRetentionDays("49h"), 3);
  EXPECT_EQ(ParseRetentionDays("6m"), std::nullopt);
  EXPECT_EQ(ParseRetentionDays("forever"), std::nullopt);
  EXPECT_EQ(ParseRetentionDays("-1d"), std::nullopt);
}

TEST(Article9Test, NormalisesTheConditions) {
  EXPECT_EQ(NormaliseArticle9Condition("9(2)(a)"), "9(2)(a)");
  EXPECT_EQ(NormaliseArticle9Condition("Art. 9(2)(J)"), "9(2)(j)");
  EXPECT_EQ(NormaliseArticle9Condition("9.2.h"), "9(2)(h)");
  EXPECT_EQ(NormaliseArticle9Condition("h"), "9(2)(h)");
  EXPECT_EQ(NormaliseArticle9Condition("9(2)(k)"), "");
  EXPECT_EQ(NormaliseArticle9Condition("consent"), "");
}

TEST(TransfersTest, AdequacyAndSafeguards) {
  EXPECT_TRUE(IsEeaCountry("NO"));
  EXPECT_FALSE(IsEeaCountry("CH"));
  EXPECT_TRUE(HasAdequacyDecision("CH", false));
  EXPECT_TRUE(HasAdequacyDecision("GB", false));
  EXPECT_FALSE(HasAdequacyDecision("US", false));
  EXPECT_TRUE(HasAdequacyDecision("US", true));
  EXPECT_FALSE(HasAdequacyDecision("IN", false));
  Dataflow flow;
  flow.destinations = {{"DE", "", false, ""},  {"JP", "", false, ""},        {"IN", "", false, ""},
                       {"US", "", false, ""},  {"US", "", true, ""},         {"BR", "scc", false, ""},
                       {"CN", "adequacy", false, ""}, {"SG", "bcr", false, ""}, {"IN", "", false, ""}};
  EXPECT_THAT(UnsafeTransfers(flow), ::testing::ElementsAre("CN", "IN", "US"));
}

}  // namespace
}  // namespace stagegate::privacy
