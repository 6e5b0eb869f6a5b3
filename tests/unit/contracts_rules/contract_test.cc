// Data contracts: real ODCS v3.1 files read as they are, Stagegate's
// time-series extension, and the rules generated from a contract.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/policy/loader.h"
#include "evaluators/contracts/contract_policy.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/fleet.h"

namespace stagegate::contracts {
namespace {

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bundle::Bundle BundleOf(std::vector<std::pair<std::string, std::string>> files) {
  bundle::Bundle bundle;
  for (auto& [path, content] : files) bundle.files.push_back({path, content});
  return bundle;
}

// The contract diagnostics as the CLI prints them.
std::vector<std::string> DiagnosticLines(const ContractSet& set) {
  std::vector<std::string> lines;
  for (const ContractDiagnostic& d : set.diagnostics) lines.push_back(FormatContractDiagnostic(d));
  return lines;
}

bool AnyContains(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

// Loads `bundle` with the policies generated from its contracts added, as
// the CLI does.
policy::LoadResult LoadWithContractPolicies(bundle::Bundle& bundle, const ContractSet& set,
                                            GeneratedPolicies* generated) {
  *generated = GenerateContractPolicies(set);
  for (bundle::BundleFile& f : generated->files) bundle.files.push_back(f);
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  RegisterContractFacts(schema);
  return policy::LoadPolicies(bundle, schema, {});
}

TEST(DataContract, ReadsEveryOdcsExampleAsItIs) {
  const std::filesystem::path folder = std::filesystem::path(STAGEGATE_SOURCE_DIR) / "tests/data/odcs";
  int read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const ContractSet set = LoadContracts(BundleOf({{entry.path().filename().string(), Read(entry.path())}}));
    for (const ContractDiagnostic& d : set.diagnostics) {
      EXPECT_EQ(d.level, ContractDiagnostic::Level::kNote) << FormatContractDiagnostic(d);
    }
    EXPECT_EQ(set.contracts.size(), 1u);
    ++read;
  }
  EXPECT_EQ(read, 6);
}

TEST(DataContract, ReadsTheShippedFleetContract) {
  const std::filesystem::path file =
      std::filesystem::path(STAGEGATE_SOURCE_DIR) / "policies/examples/contracts/fleet-telemetry.odcs.yaml";
  const ContractSet set = LoadContracts(BundleOf({{"contracts/fleet-telemetry.odcs.yaml", Read(file)}}));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set.contracts.size(), 1u);
  const DataContract& contract = set.contracts[0];
  EXPECT_EQ(contract.id, "fleet-telemetry");
  EXPECT_EQ(contract.owner, "data-platform");
  EXPECT_EQ(contract.upstream, (std::vector<std::string>{"edge-gateway", "mqtt-broker"}));
  ASSERT_EQ(contract.sensors.size(), 5u);
  const TimeSeriesSpec vibration = contract.ExpectationsFor("vibration");
  EXPECT_EQ(vibration.jitter_ms, 500);     // the property's override
  EXPECT_EQ(vibration.max_gap_s, 120);     // the contract's
  EXPECT_EQ(vibration.nominal_rate_hz, 1);
  EXPECT_EQ(contract.ExpectationsFor("temperature").jitter_ms, 250);
  EXPECT_EQ(contract.sensors[0].maximum, 150);
  ASSERT_EQ(contract.sla.size(), 3u);
  EXPECT_EQ(contract.sla[0].seconds, 600);
}

TEST(DataContract, ReportsMistakesWithPositions) {
  const ContractSet set = LoadContracts(BundleOf({{"c.yaml", R"(apiVersion: v3.1.0
kind: DataContract
id: c
customProperties:
  - property: stagegateTimeSeries
    value: {maxGapS: -3, nominalRateHz: fast, bogus: 1}
schema:
  - name: t
    properties:
      - name: temperature
        quality:
          - metric: missingValues
            mustBeLessThan: 2
            unit: parts-per-million
          - metric: rowCount
          - metric: freshness
            mustBe: 0
)"}}));
  const std::vector<std::string> lines = DiagnosticLines(set);
  EXPECT_FALSE(set.ok());
  auto has = [&](std::string_view text) { return AnyContains(lines, text); };
  EXPECT_TRUE(has("c.yaml:6:47: error SG801: unknown key 'bogus'")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("error SG803: 'maxGapS' must be greater than 0")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("error SG802: 'nominalRateHz' must be a number")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("c.yaml:12:13: note SG800: quality rule unit 'parts-per-million' is neither"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("c.yaml:15:13: error SG805: quality rule for 'rowCount' has no operator"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("c.yaml:16:13: note SG800: quality metric 'freshness' has no meaning")) << ::testing::PrintToString(lines);
}

TEST(DataContract, RefusesANonOdcsApiVersion) {
  const ContractSet set = LoadContracts(BundleOf({{"c.yaml", "apiVersion: stagegate/v1\nkind: DataContract\nid: c\n"}}));
  ASSERT_EQ(set.diagnostics.size(), 1u);
  EXPECT_EQ(set.diagnostics[0].code, "SG810");
}

TEST(ContractPolicy, GeneratedRulesLoadAndPointIntoTheContract) {
  const std::filesystem::path file =
      std::filesystem::path(STAGEGATE_SOURCE_DIR) / "policies/examples/contracts/fleet-telemetry.odcs.yaml";
  // The contract's controls name the example catalogs, which the bundle must hold.
  const std::filesystem::path frameworks =
      std::filesystem::path(STAGEGATE_SOURCE_DIR) / "policies/examples/frameworks/iec62443.yaml";
  bundle::Bundle bundle = BundleOf({{"contracts/fleet-telemetry.odcs.yaml", Read(file)},
                                    {"frameworks/iec62443.yaml", Read(frameworks)}});
  const ContractSet set = LoadContracts(bundle);
  GeneratedPolicies generated;
  policy::LoadResult result = LoadWithContractPolicies(bundle, set, &generated);
  ASSERT_EQ(generated.files.size(), 1u);
  ASSERT_TRUE(result.ok()) << policy::FormatDiagnostics(result.diagnostics);
  LocateContractRules(generated, result.bundle.get());
  const policy::Policy* policy = result.bundle->FindPolicy("contract-fleet-telemetry");
  ASSERT_NE(policy, nullptr);
  std::vector<std::string> ids;
  for (const policy::RuleInstance& rule : policy->rules) {
    ids.push_back(rule.id);
    EXPECT_EQ(rule.location.file, "contracts/fleet-telemetry.odcs.yaml") << rule.id;
  }
  const std::vector<std::string> expected = {
      "temperature.missingvalues", "temperature.invalidvalues", "temperature.max-gap", "temperature.jitter",
      "temperature.clock-skew",    "temperature.stuck",         "temperature.sla-latency",
      "vibration.missingvalues",   "vibration.duplicatevalues", "vibration.no-flatline", "vibration.max-gap",
      "vibration.jitter",          "vibration.clock-skew",      "vibration.stuck",   "vibration.sla-latency",
      "pressure.missingvalues",    "pressure.max-gap",          "pressure.jitter",   "pressure.clock-skew",
      "pressure.stuck",            "pressure.sla-latency",      "humidity.missingvalues", "humidity.max-gap",
      "humidity.jitter",           "humidity.clock-skew",       "humidity.stuck",    "humidity.sla-latency",
      "current.missingvalues",     "current.invalidvalues",     "current.max-gap",   "current.jitter",
      "current.clock-skew",        "current.stuck",             "current.sla-latency"};
  EXPECT_EQ(ids, expected);
  const policy::RuleInstance* missing = result.bundle->FindRule("contract-fleet-telemetry/temperature.missingvalues");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->location.line, 40);  // the quality rule's line in the contract
  EXPECT_EQ(missing->rule->assertion.text, "stream.quality.missing_ratio * 100.0 < 2.0");
  EXPECT_EQ(missing->severity, eval::Severity::kHigh);
  // Every generated rule evidences the contract's controls; a quality rule adds its own.
  const std::vector<std::string> contract_controls = {"iec62443-3-3:SR-6.2", "nist-ai-rmf:MEASURE-2.4",
                                                      "gdpr:Art-5.1.d"};
  EXPECT_EQ(missing->controls, contract_controls);
  const policy::RuleInstance* gap = result.bundle->FindRule("contract-fleet-telemetry/pressure.max-gap");
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->controls, contract_controls);
  const policy::RuleInstance* range = result.bundle->FindRule("contract-fleet-telemetry/temperature.invalidvalues");
  ASSERT_NE(range, nullptr);
  std::vector<std::string> range_controls = contract_controls;
  range_controls.push_back("iec62443-3-3:SR-3.5");
  EXPECT_EQ(range->controls, range_controls);
}

TEST(ContractPolicy, ControlsAreCheckedWhereTheyAreWritten) {
  // A malformed reference is the contract's mistake, at its line.
  const ContractSet malformed = LoadContracts(BundleOf({{"c.yaml", R"(apiVersion: v3.1.0
kind: DataContract
id: c
customProperties:
  - property: stagegateControls
    value: [SR-6.2]
  - property: stagegateTimeSeries
    value: {maxGapS: 5}
schema:
  - name: t
    properties:
      - name: temperature
        quality:
          - metric: missingValues
            mustBeLessThan: 2
            unit: percent
            customProperties:
              - property: stagegateControls
                value: gdpr
)"}}));
  ASSERT_FALSE(malformed.ok());
  const std::vector<std::string> lines = DiagnosticLines(malformed);
  auto has = [&](std::string_view text) { return AnyContains(lines, text); };
  EXPECT_TRUE(has("c.yaml:6:13: error SG802: a control reference must be 'framework:control-id'"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("c.yaml:19:24: error SG802: 'stagegateControls' must be a list")) << ::testing::PrintToString(lines);

  // A well-formed reference to a control no catalog of the bundle has fails
  // when the generated policy is loaded, naming the contract's file.
  bundle::Bundle bundle = BundleOf({{"c.yaml", R"(apiVersion: v3.1.0
kind: DataContract
id: c
customProperties:
  - property: stagegateControls
    value: [gdpr:Art-99]
  - property: stagegateTimeSeries
    value: {maxGapS: 5}
schema:
  - name: t
    properties:
      - name: temperature
)"}});
  const ContractSet set = LoadContracts(bundle);
  ASSERT_TRUE(set.ok());
  GeneratedPolicies generated;
  policy::LoadResult result = LoadWithContractPolicies(bundle, set, &generated);
  ASSERT_FALSE(result.ok());
  const std::string diagnostics = policy::FormatDiagnostics(result.diagnostics);
  EXPECT_NE(diagnostics.find("c.yaml#contract-c.yaml"), std::string::npos) << diagnostics;
  EXPECT_NE(diagnostics.find("control reference 'gdpr:Art-99' names unknown framework 'gdpr'"), std::string::npos)
      << diagnostics;
}

TEST(ContractPolicy, InvalidUtf8InAContractDoesNotThrow) {
  // Found by fuzzing: a sensor name with a stray byte used to throw while
  // the generated policy was serialised.
  const ContractSet set = LoadContracts(BundleOf({{"c.yaml", "apiVersion: v3.1.0\nkind: DataContract\nid: c\n"
                                                             "customProperties:\n  - property: stagegateTimeSeries\n"
                                                             "    value: {maxGapS: 5}\nschema:\n  - name: t\n"
                                                             "    properties:\n      - name: \"temp\xa0\"\n"}}));
  ASSERT_TRUE(set.ok());
  const GeneratedPolicies generated = GenerateContractPolicies(set);
  ASSERT_EQ(generated.files.size(), 1u);
  EXPECT_NE(generated.files[0].content.find("temp\xef\xbf\xbd"), std::string::npos);
}

TEST(Window, ParsesDurationsAndRanges) {
  std::string error;
  const int64_t now = 1'700'000'000'000'000;
  EXPECT_EQ(ParseWindow("24h", now, &error)->from_us, now - 86'400'000'000);
  EXPECT_EQ(ParseWindow("90m", now, &error)->to_us, now);
  const std::optional<Window> range = ParseWindow("2025-06-01T00:00:00Z/2025-06-01T01:00:00+01:00", now, &error);
  EXPECT_FALSE(range) << "an empty range must be refused";
  const std::optional<Window> hour = ParseWindow("2025-06-01T00:00:00Z/2025-06-01T02:00:00+01:00", now, &error);
  ASSERT_TRUE(hour) << error;
  EXPECT_EQ(hour->to_us - hour->from_us, 3'600'000'000);
  EXPECT_FALSE(ParseWindow("yesterday", now, &error));
  EXPECT_NE(error.find("--window yesterday"), std::string::npos);
}

}  // namespace
}  // namespace stagegate::contracts
