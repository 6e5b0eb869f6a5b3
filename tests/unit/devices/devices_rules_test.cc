// The shipped zero-trust templates of rules/devices, loaded as a policy
// repository holding them would be: with the framework catalogs their
// controls name, against the core schema plus the device facts as the
// evaluator registers them. Their PolicyTest passes and reaches both pass and
// fail for every rule of the example policy; every template names controls of
// both IEC 62443 parts, says how to fix a failure, and takes its thresholds as
// typed parameters.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/eval/engine.h"
#include "engine/eval/policy_test_runner.h"
#include "engine/policy/loader.h"
#include "evaluators/devices/device_trust.h"

namespace stagegate::devices {
namespace {

constexpr const char* kPolicy = "zero-trust-devices";

// Appends the YAML files of `folder` (relative to the source tree) to
// `bundle` under the same relative paths, sorted as a bundle reader sorts them.
void AddFolder(const std::string& folder, bundle::Bundle* bundle) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(STAGEGATE_SOURCE_DIR) + "/" + folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      paths.push_back(folder + "/" + entry.path().filename().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    std::ifstream in(std::string(STAGEGATE_SOURCE_DIR) + "/" + path);
    std::stringstream content;
    content << in.rdbuf();
    bundle->files.push_back({path, content.str()});
  }
}

bundle::Bundle ShippedBundle(bool with_frameworks) {
  bundle::Bundle bundle;
  bundle.source.kind = "directory";
  bundle.source.location = "<shipped rules/devices>";
  AddFolder("rules/devices", &bundle);
  if (with_frameworks) AddFolder("policies/frameworks", &bundle);
  return bundle;
}

facts::FactSchema DeviceSchema() {
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  RegisterDeviceFacts(schema);
  return schema;
}

std::vector<const policy::RuleTemplate*> Templates(const policy::LoadedBundle& bundle) {
  std::vector<const policy::RuleTemplate*> out;
  for (const auto& rule : bundle.templates) {
    if (!rule->inline_rule) out.push_back(rule.get());
  }
  return out;
}

class DevicesRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = ShippedBundle(true);
    ASSERT_GE(source_.files.size(), 10u);
    loaded_ = policy::LoadPolicies(source_, DeviceSchema(), {});
    ASSERT_TRUE(loaded_.ok()) << policy::FormatDiagnostics(loaded_.diagnostics);
  }

  bundle::Bundle source_;
  policy::LoadResult loaded_;
};

TEST_F(DevicesRulesTest, LoadWithTheFrameworksWithoutAnyDiagnostic) {
  EXPECT_TRUE(loaded_.diagnostics.empty()) << policy::FormatDiagnostics(loaded_.diagnostics);
  EXPECT_EQ(Templates(*loaded_.bundle).size(), 20u);
  ASSERT_EQ(loaded_.bundle->policies.size(), 1u);
  EXPECT_EQ(loaded_.bundle->policies[0].name, kPolicy);
  ASSERT_EQ(loaded_.bundle->tests.size(), 1u);
}

TEST(DevicesRulesStandaloneTest, DoNotLoadWithoutTheFrameworks) {
  const policy::LoadResult loaded = policy::LoadPolicies(ShippedBundle(false), DeviceSchema(), {});
  ASSERT_FALSE(loaded.ok());
  for (const policy::PolicyDiagnostic& diagnostic : loaded.diagnostics) {
    EXPECT_EQ(diagnostic.code, "SG305") << policy::FormatDiagnostics({diagnostic});
  }
}

TEST_F(DevicesRulesTest, ExamplePolicyUsesEveryTemplate) {
  std::set<std::string> used;
  for (const policy::RuleInstance& instance : loaded_.bundle->policies[0].rules) used.insert(instance.rule->id);
  for (const policy::RuleTemplate* rule : Templates(*loaded_.bundle)) {
    EXPECT_TRUE(used.contains(rule->id)) << rule->id << " is not in the example policy";
  }
  const policy::Policy& policy = loaded_.bundle->policies[0];
  EXPECT_EQ(policy.enforcement, eval::Enforcement::kDeny);
  EXPECT_TRUE(policy.HasStage(policy::Stage::kGate));
  EXPECT_TRUE(policy.HasStage(policy::Stage::kAudit));
}

TEST_F(DevicesRulesTest, PolicyTestPassesAndEveryRuleReachesPassAndFail) {
  std::vector<subjects::SubjectSet> inputs;
  for (const policy::PolicyTest& test : loaded_.bundle->tests) {
    inputs.push_back(eval::BuildTestInputs(test, source_));
    ASSERT_TRUE(inputs.back().errors().empty()) << subjects::FormatInputError(inputs.back().errors().front());
  }
  eval::PolicyTestOptions options;
  options.at = *policy::ParseTime("2026-12-01T00:00:00Z");
  const eval::PolicyTestReport report = eval::RunPolicyTests(*loaded_.bundle, inputs, options);

  EXPECT_EQ(report.tests_failed, 0) << eval::RenderPolicyTestReport(report);
  EXPECT_TRUE(report.failures.empty()) << eval::RenderPolicyTestReport(report);
  EXPECT_EQ(report.expectations, 46);
  ASSERT_EQ(report.coverage.size(), 20u);
  EXPECT_EQ(report.both, 20);
  for (const eval::RuleCoverage& rule : report.coverage) {
    EXPECT_TRUE(rule.rule.starts_with(std::string(kPolicy) + "/")) << rule.rule;
    EXPECT_TRUE(rule.both()) << rule.rule << ": pass " << rule.pass << ", fail " << rule.fail;
    EXPECT_TRUE(rule.expected) << rule.rule << " has no expectation";
    EXPECT_EQ(rule.other, 0) << rule.rule << " is not_evaluable or an error for some device";
  }
}

// The messages of the device that fails every rule name its actual values.
TEST_F(DevicesRulesTest, FailureMessagesNameTheValues) {
  const subjects::SubjectSet inputs = eval::BuildTestInputs(loaded_.bundle->tests[0], source_);
  ASSERT_TRUE(inputs.errors().empty());
  eval::EvalOptions options;
  options.at = *policy::ParseTime("2026-12-01T00:00:00Z");
  options.jobs = 1;
  const eval::RunResult result = eval::Evaluate(*loaded_.bundle, inputs, options);
  std::map<std::string, std::string> messages;  // "rule subject" → message of a failure
  for (const eval::OutcomeRecord& record : result.outcomes) {
    if (record.outcome == eval::Outcome::kFail) messages[record.rule_id + " " + record.subject_id] = record.message;
  }
  auto message = [&](const std::string& rule, const std::string& device) {
    return messages[std::string(kPolicy) + "/devices." + rule + " " + device];
  };
  EXPECT_EQ(message("cert-chain-valid", "dev-666"),
            "certificate of dev-666 (CN=test-unit, issued by CN=test-unit) does not verify against the fleet PKI: "
            "self-signed certificate");
  EXPECT_EQ(message("cert-expiry-horizon", "dev-666"),
            "certificate of dev-666 expires in 9 days (2026-12-10T00:00:00Z); at least 30 are required");
  EXPECT_EQ(message("cert-key-strength", "dev-666"),
            "certificate of dev-666 has a 1024-bit rsa key (curve ''); required: RSA of at least 3072 bits, "
            "EC on prime256v1, secp384r1, secp521r1 or Ed25519");
  EXPECT_EQ(message("cert-signature-algorithm", "dev-666"),
            "certificate of dev-666 is signed with sha1WithRSAEncryption, which uses a broken hash");
  EXPECT_EQ(message("attestation-recent", "dev-666"),
            "latest attestation of dev-666 is 264 hours old (at 2026-11-20T00:00:00Z); at most 24 are accepted");
  EXPECT_EQ(message("firmware-not-vulnerable", "dev-666"),
            "firmware of dev-666 has components with known vulnerabilities: CVE-2021-3711, CVE-2022-0778");
  EXPECT_EQ(message("ota-channel-tls", "dev-002"),
            "update channel of dev-002 accepts TLS TLSv1.2; at least 1.2 is required");
  EXPECT_EQ(message("tls-minimum-version", "dev-666"), "dev-666 accepts TLS 1.1; at least 1.2 is required");
  EXPECT_EQ(message("no-weak-ciphers", "dev-666"), "dev-666 offers weak cipher suites: TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_EQ(message("acl-least-privilege", "dev-666"),
            "dev-666 is granted topic filters beyond its own subtree: fleet/#");
}

TEST_F(DevicesRulesTest, EveryTemplateNamesControlsOfBothIec62443PartsAndARemediation) {
  for (const policy::RuleTemplate* rule : Templates(*loaded_.bundle)) {
    EXPECT_EQ(rule->subject, facts::SubjectKind::kDevice) << rule->id;
    EXPECT_FALSE(rule->title.empty()) << rule->id;
    EXPECT_FALSE(rule->description.empty()) << rule->id;
    EXPECT_FALSE(rule->remediation.empty()) << rule->id;
    EXPECT_FALSE(rule->controls.empty()) << rule->id;
    auto names = [&](const std::string& framework) {
      return std::any_of(rule->controls.begin(), rule->controls.end(),
                         [&](const std::string& control) { return control.starts_with(framework + ":"); });
    };
    EXPECT_TRUE(names("iec62443-3-3")) << rule->id << " names no IEC 62443-3-3 SR";
    EXPECT_TRUE(names("iec62443-4-2")) << rule->id << " names no IEC 62443-4-2 CR or EDR";
  }
}

TEST_F(DevicesRulesTest, ThresholdsAreTypedParamsWithDefaults) {
  const std::map<std::string, std::map<std::string, std::string>> expected = {
      {"devices.cert-expiry-horizon", {{"min_days_to_expiry", "int"}}},
      {"devices.cert-key-strength", {{"min_rsa_bits", "int"}, {"allowed_curves", "list"}, {"allow_ed25519", "bool"}}},
      {"devices.cert-signature-algorithm", {{"weak_hashes", "list"}}},
      {"devices.attestation-recent", {{"max_age_h", "double"}}},
      {"devices.ota-channel-tls", {{"min_version", "string"}}},
      {"devices.tls-minimum-version", {{"min_version", "string"}}},
  };
  for (const policy::RuleTemplate* rule : Templates(*loaded_.bundle)) {
    const auto wanted = expected.find(rule->id);
    if (wanted == expected.end()) {
      EXPECT_TRUE(rule->params.empty()) << rule->id;
      continue;
    }
    ASSERT_EQ(rule->params.size(), wanted->second.size()) << rule->id;
    for (const policy::ParamSpec& param : rule->params) {
      const auto type = wanted->second.find(param.name);
      ASSERT_NE(type, wanted->second.end()) << rule->id << ": " << param.name;
      EXPECT_EQ(policy::ParamTypeName(param.type), type->second) << rule->id << ": " << param.name;
      EXPECT_TRUE(param.default_value.has_value()) << rule->id << ": " << param.name << " has no default";
    }
  }
}

}  // namespace
}  // namespace stagegate::devices
