// The in-toto export: Statement v1 with the test-result v0.1 predicate
// (https://github.com/in-toto/attestation, spec/v1 and
// spec/predicates/test-result.md), signed as a DSSE envelope.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/encoding.h"
#include "engine/evidence/dsse.h"
#include "reports/evidence_exports.h"
#include "tests/unit/exports/fixture.h"

namespace stagegate::reports {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using testing::kLeafHash;
using testing::Outcome;
using testing::Record;

ordered_json Statement(const json& record, const std::string& leaf = kLeafHash) {
  std::string error;
  auto statement = InTotoStatement(record, leaf, &error);
  EXPECT_TRUE(statement.has_value()) << error;
  return statement.value_or(ordered_json());
}

std::vector<std::string> Strings(const ordered_json& array) { return array.get<std::vector<std::string>>(); }

TEST(InTotoExportTest, StatementLayer) {
  const ordered_json statement = Statement(Record());
  std::vector<std::string> keys;
  for (const auto& [key, _] : statement.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"_type", "subject", "predicateType", "predicate"}));
  EXPECT_EQ(statement["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(statement["predicateType"], "https://in-toto.io/attestation/test-result/v0.1");
}

TEST(InTotoExportTest, SubjectsAreTheInputFilesWithTheirDigests) {
  const ordered_json statement = Statement(Record());
  EXPECT_EQ(statement["subject"],
            (ordered_json::parse(R"([
              {"name": "inputs/release-candidate.yaml",
               "digest": {"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}},
              {"name": "inputs/fleet.jsonl",
               "digest": {"sha256": "3b1f0c6d2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"}}])")));
}

TEST(InTotoExportTest, UppercaseDigestsAreLowercasedAndRepeatedInputsListedOnce) {
  json record = Record();
  auto& inputs = record["result"]["inputs"];
  inputs[1]["sha256"] = "3B1F0C6D2E9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C";
  inputs.push_back(inputs[0]);
  const ordered_json statement = Statement(record);
  ASSERT_EQ(statement["subject"].size(), 2u);
  EXPECT_EQ(statement["subject"][1]["digest"]["sha256"],
            "3b1f0c6d2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c");
}

TEST(InTotoExportTest, PredicateHasTheTestResultFields) {
  const ordered_json predicate = Statement(Record())["predicate"];
  std::vector<std::string> keys;
  for (const auto& [key, _] : predicate.items()) keys.push_back(key);
  // The spec's fields (url is optional and left out: a run has no URL), then
  // the documented extension field.
  EXPECT_EQ(keys, (std::vector<std::string>{"result", "configuration", "passedTests", "warnedTests", "failedTests",
                                            "stagegate"}));
  EXPECT_EQ(predicate["result"], "FAILED");
  EXPECT_EQ(Strings(predicate["passedTests"]),
            (std::vector<std::string>{"device-trust/device.firmware.signed [device/d-001]",
                                      "device-trust/device.firmware.signed [device/d-002]",
                                      "device-trust/device.identity.cert-expiry [device/d-001]",
                                      "telemetry-contracts/data.stream.missingness [stream/plant-a/press-7/vib]"}));
  // Failures that did not deny the run (warn enforcement) and waived ones.
  EXPECT_EQ(Strings(predicate["warnedTests"]),
            (std::vector<std::string>{"device-trust/device.identity.cert-expiry [device/d-003]",
                                      "model-gates/model.latency [model/resnet18-int8]"}));
  // Exactly the outcomes that denied the run (its deny_reasons).
  EXPECT_EQ(Strings(predicate["failedTests"]),
            (std::vector<std::string>{"device-trust/device.identity.cert-expiry [device/d-002]",
                                      "device-trust/device.identity.cert-expiry [device/d-004]",
                                      "telemetry-contracts/data.stream.missingness [stream/plant-a/press-7/temp]",
                                      "telemetry-contracts/data.stream.missingness [stream/plant-b/line-2/humidity]",
                                      "telemetry-contracts/vibration-ceiling [stream/plant-a/press-7/vib]"}));
  EXPECT_EQ(predicate["failedTests"].size(), Record()["result"]["deny_reasons"].size());
}

TEST(InTotoExportTest, ConfigurationIsThePolicyRevision) {
  const ordered_json configuration = Statement(Record())["predicate"]["configuration"];
  ASSERT_EQ(configuration.size(), 1u);
  EXPECT_EQ(configuration[0], ordered_json::parse(R"({
    "name": "policies",
    "uri": "git+file:///srv/repos/fleet%20policies@4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39#policies",
    "digest": {"gitCommit": "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
               "gitTree": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"},
    "annotations": {"sourceKind": "git", "ref": "release/2026.03",
                    "commit": "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39", "dirty": false}})"));
}

TEST(InTotoExportTest, ExtensionCarriesTheRunAndItsLeaf) {
  const ordered_json extension = Statement(Record())["predicate"]["stagegate"];
  EXPECT_EQ(extension["recordSchema"], "stagegate.evidence.run/v1");
  EXPECT_EQ(extension["runId"], testing::kRunId);
  EXPECT_EQ(extension["sequence"], 41);
  EXPECT_EQ(extension["leafHash"], kLeafHash);
  EXPECT_EQ(extension["decision"], "deny");
  EXPECT_EQ(extension["evaluatedAt"], "2026-03-01T12:00:00Z");
  EXPECT_EQ(extension["counts"]["total"], 13);
  EXPECT_EQ(extension["denyReasons"].size(), 5u);
  EXPECT_EQ(Strings(extension["notApplicableTests"]),
            (std::vector<std::string>{"model-gates/model.license-notes [model/resnet18-int8]",
                                      "telemetry-contracts/vibration-ceiling [stream/plant-a/press-7/temp]"}));
}

TEST(InTotoExportTest, AllowedRunWithNonDenyingFailuresIsWarned) {
  json record = Record();
  record["result"]["decision"] = "allow";
  record["result"]["fail_on"] = "critical";
  for (auto& rule : record["result"]["rules"]) rule["severity"] = "high";
  const ordered_json predicate = Statement(record)["predicate"];
  EXPECT_EQ(predicate["result"], "WARNED");
  EXPECT_TRUE(predicate["failedTests"].empty());
  EXPECT_EQ(predicate["warnedTests"].size(), 7u);
}

TEST(InTotoExportTest, RunWithOnlyPassesIsPassed) {
  json record = Record();
  record["result"]["decision"] = "allow";
  json kept = json::array();
  for (const auto& outcome : record["result"]["outcomes"]) {
    if (outcome["outcome"] == "pass" || outcome["outcome"] == "not_applicable") kept.push_back(outcome);
  }
  record["result"]["outcomes"] = kept;
  const ordered_json predicate = Statement(record)["predicate"];
  EXPECT_EQ(predicate["result"], "PASSED");
  EXPECT_EQ(predicate["passedTests"].size(), 4u);
  EXPECT_TRUE(predicate["warnedTests"].empty());
  EXPECT_TRUE(predicate["failedTests"].empty());
}

TEST(InTotoExportTest, DenyDecisionIsFailedEvenWithoutADenyingOutcome) {
  json record = Record();
  record["result"]["outcomes"] = json::array();
  EXPECT_EQ(Statement(record)["predicate"]["result"], "FAILED");
}

TEST(InTotoExportTest, WithoutInputsThePolicyRevisionIsTheSubject) {
  json record = Record();
  record["result"]["inputs"] = json::array();
  const ordered_json subjects = Statement(record)["subject"];
  ASSERT_EQ(subjects.size(), 1u);
  EXPECT_EQ(subjects[0]["uri"],
            "git+file:///srv/repos/fleet%20policies@4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39#policies");
  EXPECT_EQ(subjects[0]["digest"], ordered_json::parse(R"({"gitCommit": "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
                                                          "gitTree": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"})"));
  EXPECT_FALSE(subjects[0].contains("annotations"));
}

TEST(InTotoExportTest, WithoutInputsOrCleanRevisionTheLeafIsTheSubject) {
  json record = Record();
  record["result"]["inputs"] = json::array();
  record["result"]["policy_source"]["dirty"] = true;
  const ordered_json subjects = Statement(record)["subject"];
  ASSERT_EQ(subjects.size(), 1u);
  EXPECT_EQ(subjects[0]["uri"], std::string("stagegate:evidence/leaf/sha256:") + kLeafHash);
  EXPECT_EQ(subjects[0]["digest"], (ordered_json{{"stagegateLeafHash", kLeafHash}}));
}

TEST(InTotoExportTest, DirectoryOutsideGitHasAUriButNoDigest) {
  json record = Record();
  auto& source = record["result"]["policy_source"];
  source = json::parse(R"({"kind": "directory", "location": "/home/ops/policies v2/ü", "ref": "", "commit": "",
                            "tree": "", "in_git": false, "dirty": false, "path_in_repo": ""})");
  const ordered_json configuration = Statement(record)["predicate"]["configuration"][0];
  EXPECT_EQ(configuration["uri"], "file:///home/ops/policies%20v2/%C3%BC");
  EXPECT_EQ(configuration["name"], "/home/ops/policies v2/ü");
  EXPECT_FALSE(configuration.contains("digest"));
}

TEST(InTotoExportTest, DirectoryInsideGitNamesTheRepositoryAndFolder) {
  json record = Record();
  auto& source = record["result"]["policy_source"];
  source["kind"] = "directory";
  source["location"] = "/work/fleet/policies/prod";
  source["path_in_repo"] = "policies/prod";
  const ordered_json configuration = Statement(record)["predicate"]["configuration"][0];
  EXPECT_EQ(configuration["uri"], "git+file:///work/fleet@4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39#policies/prod");
  EXPECT_EQ(configuration["name"], "policies/prod");
}

TEST(InTotoExportTest, EnvelopeVerifiesWithThePublicKey) {
  std::string error;
  const auto rendered = RenderInTotoEnvelope(Record(), kLeafHash, testing::Key(), &error);
  ASSERT_TRUE(rendered.has_value()) << error;
  ASSERT_TRUE(rendered->ends_with("}\n"));
  const json envelope = json::parse(*rendered);
  EXPECT_EQ(envelope["payloadType"], "application/vnd.in-toto+json");
  ASSERT_EQ(envelope["signatures"].size(), 1u);
  EXPECT_EQ(envelope["signatures"][0]["keyid"], testing::PublicKey().KeyId());

  const auto payload = evidence::VerifyEnvelope(envelope, testing::PublicKey(), &error);
  ASSERT_TRUE(payload.has_value()) << error;
  // The payload is the statement itself, as compact JSON.
  EXPECT_EQ(ordered_json::parse(*payload), Statement(Record()));
  EXPECT_EQ(*payload, Statement(Record()).dump());
  // The signature is Ed25519 over PAE(payloadType, payload) (DSSE v1).
  const auto signature = common::Base64Decode(envelope["signatures"][0]["sig"].get<std::string>());
  ASSERT_TRUE(signature.has_value());
  EXPECT_TRUE(testing::PublicKey().Verify(evidence::PreAuthEncoding("application/vnd.in-toto+json", *payload),
                                          *signature));
}

TEST(InTotoExportTest, TamperingIsDetected) {
  std::string error;
  const json envelope = json::parse(RenderInTotoEnvelope(Record(), kLeafHash, testing::Key(), &error).value());
  ASSERT_TRUE(evidence::VerifyEnvelope(envelope, testing::PublicKey(), &error).has_value()) << error;

  // A statement that claims the run passed.
  ordered_json forged = Statement(Record());
  forged["predicate"]["result"] = "PASSED";
  forged["predicate"]["failedTests"] = ordered_json::array();
  json tampered = envelope;
  tampered["payload"] = common::Base64Encode(forged.dump());
  EXPECT_FALSE(evidence::VerifyEnvelope(tampered, testing::PublicKey(), &error).has_value());

  // The same payload presented as another type (PAE binds the type).
  tampered = envelope;
  tampered["payloadType"] = "application/json";
  EXPECT_FALSE(evidence::VerifyEnvelope(tampered, testing::PublicKey(), &error).has_value());

  // Another key.
  const auto other = evidence::SigningKey::Generate(&error);
  ASSERT_TRUE(other.has_value()) << error;
  EXPECT_FALSE(evidence::VerifyEnvelope(envelope, other->Public(), &error).has_value());
}

TEST(InTotoExportTest, SigningIsDeterministic) {
  // Ed25519 signatures are deterministic (RFC 8032), so the envelope of a
  // record is the same bytes every time: it can be golden-tested and re-exported.
  std::string error;
  EXPECT_EQ(RenderInTotoEnvelope(Record(), kLeafHash, testing::Key(), &error),
            RenderInTotoEnvelope(Record(), kLeafHash, testing::Key(), &error));
}

struct BadRecordCase {
  const char* name;
  void (*change)(json& record);
  const char* error;
};

const BadRecordCase kBadRecords[] = {
    {"not a record", [](json& r) { r = json::array(); }, "run record: expected a JSON object"},
    {"schema", [](json& r) { r["schemaVersion"] = "stagegate.evidence.run/v2"; },
     "run record: schemaVersion: \"stagegate.evidence.run/v2\" is not stagegate.evidence.run/v1"},
    {"run id missing", [](json& r) { r.erase("runId"); }, "run record: runId: missing"},
    {"run id", [](json& r) { r["runId"] = "run-1"; }, "run record: runId: \"run-1\" is not a UUID"},
    {"sequence", [](json& r) { r["sequence"] = -1; }, "run record: sequence: expected an integer of at least 0"},
    {"result", [](json& r) { r["result"] = "deny"; }, "run record: result: expected an object"},
    {"decision", [](json& r) { r["result"]["decision"] = "maybe"; },
     "run record: result.decision: \"maybe\" is neither allow nor deny"},
    {"time zone", [](json& r) { r["result"]["started_at"] = "2026-03-01T12:00:00"; },
     "run record: result.started_at: \"2026-03-01T12:00:00\" is not an RFC 3339 date-time with a time zone"},
    {"calendar", [](json& r) { r["result"]["finished_at"] = "2026-02-29T12:00:00Z"; },
     "run record: result.finished_at: \"2026-02-29T12:00:00Z\" is not an RFC 3339 date-time with a time zone"},
    {"input digest", [](json& r) { r["result"]["inputs"][1]["sha256"] = "abc"; },
     "run record: result.inputs[1].sha256: \"abc\" is not a hex digest"},
    {"commit", [](json& r) { r["result"]["policy_source"]["commit"] = "HEAD"; },
     "run record: result.policy_source.commit: \"HEAD\" is not a hex digest"},
    {"outcome type", [](json& r) { r["result"]["outcomes"][3]["rule"] = 7; },
     "run record: result.outcomes[3].rule: expected a string"},
    {"outcome", [](json& r) { r["result"]["outcomes"][0]["outcome"] = "skipped"; },
     "run record: result.outcomes[0].outcome: unknown outcome \"skipped\""},
    {"evidence", [](json& r) { r["result"]["outcomes"][3]["evidence"] = json::array(); },
     "run record: result.outcomes[3].evidence: expected an object"},
    {"controls", [](json& r) { r["result"]["rules"][0]["controls"][1] = false; },
     "run record: result.rules[0].controls[1]: expected a string"},
    {"severity", [](json& r) { r["result"]["rules"][2]["severity"] = "urgent"; },
     "run record: result.rules[2].severity: unknown severity"},
    {"waiver", [](json& r) { r["result"]["waivers"][0].erase("expired"); },
     "run record: result.waivers[0].expired: missing"},
};

TEST(InTotoExportTest, MalformedRecordsAreRefusedNamingTheField) {
  for (const BadRecordCase& c : kBadRecords) {
    json record = Record();
    c.change(record);
    std::string error;
    EXPECT_FALSE(InTotoStatement(record, kLeafHash, &error).has_value()) << c.name;
    EXPECT_EQ(error, c.error) << c.name;
  }
}

TEST(InTotoExportTest, MalformedLeafHashIsRefused) {
  std::string error;
  EXPECT_FALSE(InTotoStatement(Record(), "abc", &error).has_value());
  EXPECT_EQ(error, "leaf hash \"abc\" is not 64 hex digits");
  EXPECT_FALSE(InTotoStatement(Record(), std::string(64, 'g'), &error).has_value());
  // Uppercase is accepted and written in lowercase.
  std::string upper = kLeafHash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Statement(Record(), upper)["predicate"]["stagegate"]["leafHash"], kLeafHash);
}

}  // namespace
}  // namespace stagegate::reports
