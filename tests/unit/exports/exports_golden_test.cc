// The exact exports of the fixture run, compared with the files in
// tests/data/evidence_exports/. STAGEGATE_REWRITE_GOLDEN=1 rewrites them
// instead; review the diff. The OSCAL goldens are also validated against
// NIST's JSON Schema by ctest (oscal_schema_validates_*).

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/evidence/merkle.h"
#include "engine/evidence/run_record.h"
#include "reports/evidence_exports.h"
#include "tests/unit/exports/fixture.h"

namespace stagegate::reports {
namespace {

using nlohmann::json;
using testing::kLeafHash;
using testing::Record;

void CheckGolden(const std::string& name, const std::optional<std::string>& actual, const std::string& error) {
  ASSERT_TRUE(actual.has_value()) << error;
  const std::string path = testing::DataPath(name);
  const char* rewrite = std::getenv("STAGEGATE_REWRITE_GOLDEN");
  if (rewrite != nullptr && std::string(rewrite) == "1") {
    std::ofstream(path, std::ios::binary) << *actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing; run the test with STAGEGATE_REWRITE_GOLDEN=1 to create it";
  EXPECT_EQ(*actual, testing::ReadFile(path)) << path << " differs; if the change is intended, rerun with "
                                              << "STAGEGATE_REWRITE_GOLDEN=1 and review the diff";
}

// A run that exercises the corners of the OSCAL mapping: no input files, a
// policy directory outside git, control ids that need mapping, subject ids
// and fact values that OSCAL properties cannot hold, Markdown in messages,
// and a waiver the record does not describe.
json EdgeCaseRecord() {
  json record = Record();
  record["runId"] = "0c9e8d7f-6a5b-4c3d-a2e1-f0a9b8c7d6e5";
  record["sequence"] = 0;
  json& result = record["result"];
  result["decision"] = "allow";
  result["inputs"] = json::array();
  result["deny_reasons"] = json::array();
  result["policy_source"] = json::parse(R"({"kind": "directory", "location": "/home/ops/fleet policies/ü",
      "ref": "", "commit": "", "tree": "", "in_git": false, "dirty": false, "path_in_repo": ""})");
  result["rules"] = json::parse(R"json([{"id": "edge/odd-controls", "policy": "edge", "rule": "odd-controls",
      "title": "Odd *controls* <here>", "description": "", "remediation": "", "subject_kind": "zone",
      "expression": "true", "severity": "low", "enforcement": "warn",
      "controls": ["nist-800-53:AC-2(1)", "x:4.2 b", "NoFramework", "ext:Ünit/7", "nist-800-53:ac-2(1)"],
      "location": {"file": "edge.yaml", "repository_path": "edge.yaml", "line": 1, "column": 1}}])json");
  result["outcomes"] = json::parse(R"([
      {"rule": "edge/odd-controls", "subject": {"kind": "zone", "id": " hall 7\nnorth "}, "outcome": "fail",
       "message": "`tick` ``double`` ``` and *stars* & <b>", "evidence": {"zone.name": " padded ",
       "zone.notes": "line 1\nline 2", "zone.tag": "ok value", "not a token": 1, "zone.tags": ["a", "```"],
       "zone.nothing": null}},
      {"rule": "edge/odd-controls", "subject": {"kind": "zone", "id": "hall-8"}, "outcome": "waived",
       "message": "", "waiver": "w-unknown"},
      {"rule": "edge/odd-controls", "subject": {"kind": "zone", "id": "hall-9"}, "outcome": "pass"}])");
  result["counts"] = json::parse(R"({"total": 3, "pass": 1, "fail": 1, "not_evaluable": 0, "error": 0,
      "waived": 1, "not_applicable": 0})");
  result["waivers"] = json::array();
  return record;
}

constexpr const char* kEdgeLeafHash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(ExportsGoldenTest, LeafHashOfTheFixtureIsTheLogs) {
  // The hash the fixture names is what the evidence log computes for it.
  EXPECT_EQ(evidence::HashHex(evidence::LeafHash(evidence::CanonicalJson(Record()))), kLeafHash);
}

TEST(ExportsGoldenTest, InTotoStatement) {
  std::string error;
  const auto statement = InTotoStatement(Record(), kLeafHash, &error);
  CheckGolden("intoto_statement.json",
              statement ? std::optional<std::string>(statement->dump(2) + "\n") : std::nullopt, error);
}

TEST(ExportsGoldenTest, InTotoEnvelope) {
  std::string error;
  CheckGolden("intoto_envelope.json", RenderInTotoEnvelope(Record(), kLeafHash, testing::Key(), &error), error);
}

TEST(ExportsGoldenTest, OscalAssessmentResults) {
  std::string error;
  CheckGolden("oscal_assessment_results.json",
              RenderOscal(Record(), kLeafHash, {testing::kDocumentUuid, testing::kGeneratedAt}, &error), error);
}

TEST(ExportsGoldenTest, OscalEdgeCases) {
  std::string error;
  CheckGolden("oscal_edge_cases.json",
              RenderOscal(EdgeCaseRecord(), kEdgeLeafHash,
                          {"b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "2026-03-01T13:00:00.5+01:00"}, &error),
              error);
}

TEST(ExportsGoldenTest, EdgeCaseInTotoStatementHasTheLeafAsSubject) {
  std::string error;
  const auto statement = InTotoStatement(EdgeCaseRecord(), kEdgeLeafHash, &error);
  ASSERT_TRUE(statement.has_value()) << error;
  EXPECT_EQ((*statement)["subject"][0]["digest"]["stagegateLeafHash"], kEdgeLeafHash);
  EXPECT_EQ((*statement)["predicate"]["result"], "WARNED");
}

}  // namespace
}  // namespace stagegate::reports
