// The OSCAL export: an assessment-results document (OSCAL 1.0.4). Schema
// validity itself is checked by Ajv against NIST's JSON Schema
// (tests/reports/validate_json_schema.mjs); these tests check the content.

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/uuid.h"
#include "reports/evidence_exports.h"
#include "tests/unit/exports/fixture.h"

namespace stagegate::reports {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using testing::kLeafHash;
using testing::Record;

OscalOptions Options(std::string uuid = testing::kDocumentUuid) { return {std::move(uuid), testing::kGeneratedAt}; }

ordered_json Document(const json& record, const OscalOptions& options = Options()) {
  std::string error;
  auto document = OscalAssessmentResults(record, kLeafHash, options, &error);
  EXPECT_TRUE(document.has_value()) << error;
  return document.value_or(ordered_json());
}

ordered_json ResultOf(const ordered_json& document) { return document["assessment-results"]["results"][0]; }

std::string Name(std::initializer_list<std::string> parts) {
  std::string name;
  for (const std::string& part : parts) name += (name.empty() ? "" : std::string(1, '\0')) + part;
  return name;
}

std::string Uuid5(std::initializer_list<std::string> parts) {
  return common::UuidV5(kOscalUuidNamespace, Name(parts));
}

bool IsVersion(const std::string& uuid, char version) {
  return common::IsUuid(uuid) && uuid[14] == version && std::string("89ab").find(uuid[19]) != std::string::npos;
}

// Returns the value of property `name` in `object["props"]`, or "".
std::string Prop(const ordered_json& object, const std::string& name) {
  for (const auto& prop : object.value("props", ordered_json::array())) {
    if (prop["name"] == name) return prop["value"];
  }
  return "";
}

const ordered_json* ObservationOf(const ordered_json& result, const std::string& rule, const std::string& subject) {
  for (const auto& observation : result["observations"]) {
    if (Prop(observation, "rule") == rule && Prop(observation, "subject-id") == subject) return &observation;
  }
  return nullptr;
}

// The state of every finding, by target control id.
std::map<std::string, std::string> States(const ordered_json& result) {
  std::map<std::string, std::string> states;
  for (const auto& finding : result.value("findings", ordered_json::array())) {
    states[finding["target"]["target-id"]] = finding["target"]["status"]["state"];
  }
  return states;
}

TEST(OscalExportTest, DocumentUuidAndMetadata) {
  const ordered_json document = Document(Record());
  const ordered_json& root = document["assessment-results"];
  EXPECT_EQ(root["uuid"], testing::kDocumentUuid);
  EXPECT_EQ(root["metadata"], ordered_json::parse(R"({
    "title": "Stagegate gate run 3f1d9c2e-7a4b-4e8f-9c6d-2b5a8e1f0c47",
    "published": "2026-03-01T12:05:00Z", "last-modified": "2026-03-01T12:05:00Z",
    "version": "1", "oscal-version": "1.0.4"})"));
  EXPECT_EQ(root["import-ap"]["href"],
            "git+file:///srv/repos/fleet%20policies@4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39#policies");
  ASSERT_EQ(root["results"].size(), 1u);
}

TEST(OscalExportTest, FreshVersion4UuidsAreAccepted) {
  const std::string uuid = common::NewUuidV4();
  EXPECT_EQ(Document(Record(), Options(uuid))["assessment-results"]["uuid"], uuid);
}

TEST(OscalExportTest, DocumentUuidMustBeVersion4) {
  for (const std::string uuid : {"", "not-a-uuid", "2ed6657d-e927-568b-95e1-2665a8aea6a2" /* v5 */,
                                 "5f0c3a1e-8b7d-4c2a-7e1f-0a1b2c3d4e5f" /* variant */}) {
    std::string error;
    EXPECT_FALSE(OscalAssessmentResults(Record(), kLeafHash, Options(uuid), &error).has_value()) << uuid;
    EXPECT_EQ(error, "document UUID \"" + uuid + "\" is not a version 4 UUID");
  }
  std::string error;
  EXPECT_FALSE(OscalAssessmentResults(Record(), kLeafHash, {testing::kDocumentUuid, "2026-03-01 12:05"}, &error));
  EXPECT_EQ(error, "generation time \"2026-03-01 12:05\" is not an RFC 3339 date-time with a time zone");
}

TEST(OscalExportTest, NameBasedUuidsAreStableAcrossRenders) {
  const ordered_json first = Document(Record());
  const ordered_json second = Document(Record(), {common::NewUuidV4(), "2027-01-01T00:00:00+01:00"});
  // Only the document's own identity and times change.
  EXPECT_NE(first["assessment-results"]["uuid"], second["assessment-results"]["uuid"]);
  EXPECT_EQ(ResultOf(first), ResultOf(second));
  EXPECT_EQ(ResultOf(first)["uuid"], Uuid5({"result", testing::kRunId}));

  // Every UUID inside the result is version 5 and distinct.
  std::set<std::string> uuids;
  const ordered_json& result = ResultOf(first);
  for (const char* list : {"observations", "findings", "risks"}) {
    for (const auto& item : result[list]) {
      EXPECT_TRUE(IsVersion(item["uuid"], '5')) << item["uuid"];
      EXPECT_TRUE(uuids.insert(item["uuid"]).second) << item["uuid"];
    }
  }
  for (const auto& item : result["local-definitions"]["inventory-items"]) {
    EXPECT_TRUE(IsVersion(item["uuid"], '5'));
    EXPECT_TRUE(uuids.insert(item["uuid"]).second);
  }
}

TEST(OscalExportTest, UuidsDeriveFromRunRuleSubjectAndControl) {
  const ordered_json& result = ResultOf(Document(Record()));
  const ordered_json* observation =
      ObservationOf(result, "device-trust/device.identity.cert-expiry", "d-002");
  ASSERT_NE(observation, nullptr);
  EXPECT_EQ((*observation)["uuid"],
            Uuid5({"observation", testing::kRunId, "device-trust/device.identity.cert-expiry", "device", "d-002"}));
  EXPECT_EQ((*observation)["subjects"][0]["subject-uuid"], Uuid5({"subject", "device", "d-002"}));
  EXPECT_EQ((*observation)["subjects"][0]["type"], "inventory-item");
  bool found = false;
  for (const auto& finding : result["findings"]) {
    if (finding["target"]["target-id"] == "sr-1.2") {
      found = true;
      EXPECT_EQ(finding["uuid"], Uuid5({"finding", testing::kRunId, "iec62443-3-3", "sr-1.2"}));
    }
  }
  EXPECT_TRUE(found);
}

TEST(OscalExportTest, AnotherRunGetsNewObservationsOfTheSameSubjects) {
  json other = Record();
  other["runId"] = "9a7b6c5d-4e3f-4a1b-8c2d-3e4f5a6b7c8d";
  const ordered_json& a = ResultOf(Document(Record()));
  const ordered_json b = ResultOf(Document(other));
  EXPECT_NE(a["uuid"], b["uuid"]);
  EXPECT_NE(a["observations"][0]["uuid"], b["observations"][0]["uuid"]);
  EXPECT_NE(a["findings"][0]["uuid"], b["findings"][0]["uuid"]);
  EXPECT_EQ(a["local-definitions"]["inventory-items"], b["local-definitions"]["inventory-items"]);
}

TEST(OscalExportTest, OneObservationPerOutcomeButPassesOnePerRule) {
  const ordered_json& result = ResultOf(Document(Record()));
  // 13 outcomes, 2 of them not applicable: 7 that are not `pass` and 4
  // passes of 3 rules.
  ASSERT_EQ(result["observations"].size(), 10u);
  std::map<std::string, int> outcomes;
  int passing_subjects = 0;
  for (const auto& observation : result["observations"]) {
    ++outcomes[Prop(observation, "outcome")];
    EXPECT_EQ(observation["methods"], ordered_json::array({"TEST"}));
    EXPECT_EQ(observation["collected"], "2026-03-01T12:00:00.134Z");
    if (Prop(observation, "outcome") == "pass") {
      EXPECT_EQ(Prop(observation, "subject-count"), std::to_string(observation["subjects"].size()));
      passing_subjects += static_cast<int>(observation["subjects"].size());
    } else {
      EXPECT_EQ(observation["subjects"].size(), 1u);
    }
  }
  EXPECT_EQ(outcomes, (std::map<std::string, int>{
                          {"pass", 3}, {"fail", 4}, {"error", 1}, {"not_evaluable", 1}, {"waived", 1}}));
  EXPECT_EQ(passing_subjects, 4);
  EXPECT_EQ(result["start"], "2026-03-01T12:00:00.120Z");
  EXPECT_EQ(result["end"], "2026-03-01T12:00:00.134Z");
}

TEST(OscalExportTest, ObservationEvidencePointsAtTheLeafWithTheFacts) {
  const ordered_json& result = ResultOf(Document(Record()));
  const ordered_json* observation =
      ObservationOf(result, "device-trust/device.identity.cert-expiry", "d-002");
  ASSERT_NE(observation, nullptr);
  EXPECT_EQ(Prop(*observation, "outcome"), "fail");
  EXPECT_EQ(Prop(*observation, "denies-run"), "true");
  EXPECT_EQ(Prop(*observation, "severity"), "critical");
  const ordered_json& evidence = (*observation)["relevant-evidence"][0];
  EXPECT_EQ(evidence["href"], std::string("stagegate:evidence/leaf/sha256:") + kLeafHash);
  EXPECT_NE(evidence["description"].get<std::string>().find("result.outcomes[3]"), std::string::npos);
  // Scalar facts as properties, exactly as captured; all of them in the remarks.
  EXPECT_EQ(Prop(evidence, "device.identity.cert.days_to_expiry"), "3");
  EXPECT_EQ(Prop(evidence, "params.min_days"), "30");
  EXPECT_EQ(Prop(evidence, "device.identity.cert.issuer"), "CN=Fleet CA \"Ünicode\" & <co>");
  EXPECT_EQ(Prop(evidence, "device.owner.name").rfind("hmac-sha256:", 0), 0u);  // pseudonymised, as recorded
  for (const auto& prop : evidence["props"]) {
    EXPECT_EQ(prop["ns"], "stagegate:oscal");
    EXPECT_EQ(prop["class"], "evidence");
  }
  const std::string remarks = evidence["remarks"];
  EXPECT_TRUE(remarks.starts_with("```json\n{\n")) << remarks;
  EXPECT_NE(remarks.find("\"device.identity.cert.days_to_expiry\": 3"), std::string::npos);
  EXPECT_TRUE(remarks.ends_with("\n}\n```"));
}

TEST(OscalExportTest, StructuredAndMultiLineValuesStayOutOfProperties) {
  const ordered_json& result = ResultOf(Document(Record()));
  const ordered_json* observation =
      ObservationOf(result, "telemetry-contracts/data.stream.missingness", "plant-a/press-7/temp");
  ASSERT_NE(observation, nullptr);
  const ordered_json& evidence = (*observation)["relevant-evidence"][0];
  EXPECT_EQ(Prop(evidence, "stream.quality.missing_ratio"), "0.031");
  EXPECT_EQ(Prop(evidence, "stream.window"), "");  // an object: in the remarks only
  EXPECT_NE(evidence["remarks"].get<std::string>().find("\"samples\": ["), std::string::npos);
  // The message has a line break: it is in the description, escaped for Markdown.
  const std::string description = (*observation)["description"];
  EXPECT_NE(description.find("missing 3.1% of expected samples\nwindow"), std::string::npos) << description;
}

TEST(OscalExportTest, ARulesPassesAreOneObservationOfAllTheirSubjects) {
  const ordered_json result = ResultOf(Document(Record()));
  const ordered_json* observation = nullptr;
  for (const auto& o : result["observations"]) {
    if (Prop(o, "rule") == "device-trust/device.firmware.signed" && Prop(o, "outcome") == "pass") observation = &o;
  }
  ASSERT_NE(observation, nullptr);
  EXPECT_EQ((*observation)["uuid"],
            Uuid5({"observation", testing::kRunId, "device-trust/device.firmware.signed", "pass"}));
  EXPECT_EQ((*observation)["title"], "device-trust/device.firmware.signed: pass on 2 devices");
  EXPECT_EQ((*observation)["types"], ordered_json::array({"control-objective"}));
  EXPECT_EQ(Prop(*observation, "subject-kind"), "device");
  EXPECT_EQ(Prop(*observation, "subject-count"), "2");
  EXPECT_EQ(Prop(*observation, "subject-id"), "");
  EXPECT_EQ(Prop(*observation, "denies-run"), "false");
  std::set<std::string> subjects;
  for (const auto& subject : (*observation)["subjects"]) {
    EXPECT_EQ(subject["type"], "inventory-item");
    subjects.insert(subject["subject-uuid"]);
  }
  EXPECT_EQ(subjects, (std::set<std::string>{Uuid5({"subject", "device", "d-001"}),
                                             Uuid5({"subject", "device", "d-002"})}));
  // Passes show no facts: their captured values stay in the record.
  const ordered_json& evidence = (*observation)["relevant-evidence"][0];
  EXPECT_FALSE(evidence.contains("props"));
  EXPECT_FALSE(evidence.contains("remarks"));
  EXPECT_NE(evidence["description"].get<std::string>().find("with rule `device-trust/device.firmware.signed` and "
                                                            "outcome `pass`"),
            std::string::npos);
}

TEST(OscalExportTest, FindingsRelateEachObservationOnce) {
  json record = Record();
  // Two more passes of a rule whose control has a finding.
  for (const char* device : {"d-003", "d-004"}) {
    json pass = testing::Outcome(record, "device-trust/device.firmware.signed", "d-001");
    pass["subject"]["id"] = device;
    record["result"]["outcomes"].push_back(pass);
  }
  const ordered_json result = ResultOf(Document(record));
  bool related_passes = false;
  for (const auto& finding : result["findings"]) {
    std::set<std::string> uuids;
    for (const auto& related : finding["related-observations"]) {
      EXPECT_TRUE(uuids.insert(related["observation-uuid"]).second) << finding["title"];
    }
    related_passes |= uuids.count(Uuid5({"observation", testing::kRunId, "device-trust/device.firmware.signed",
                                         "pass"})) > 0;
  }
  EXPECT_TRUE(related_passes);
  EXPECT_EQ(result["observations"].size(), 10u);
}

// An audit's record counts passing outcomes per rule without listing them.
json AuditRecordOfFirmwareSigned(int64_t counted_passes) {
  json record = Record();
  json& outcomes = record["result"]["outcomes"];
  for (size_t i = outcomes.size(); i-- > 0;) {
    if (outcomes[i]["rule"] == "device-trust/device.firmware.signed") outcomes.erase(i);
  }
  for (auto& rule : record["result"]["rules"]) {
    if (rule["id"] == "device-trust/device.firmware.signed") {
      rule["counts"] = json{{"total", counted_passes}, {"pass", counted_passes}, {"fail", 0}, {"not_evaluable", 0},
                            {"error", 0}, {"waived", 0}, {"not_applicable", 0}};
    }
  }
  record["result"]["counts"]["pass"] = counted_passes + 2;  // cert-expiry's and the stream's
  return record;
}

TEST(OscalExportTest, PassesCountedWithoutBeingListedAreObservedAndSatisfyControls) {
  const ordered_json result = ResultOf(Document(AuditRecordOfFirmwareSigned(9500)));
  const ordered_json* observation = nullptr;
  for (const auto& o : result["observations"]) {
    if (Prop(o, "rule") == "device-trust/device.firmware.signed") observation = &o;
  }
  ASSERT_NE(observation, nullptr);
  EXPECT_EQ((*observation)["title"], "device-trust/device.firmware.signed: pass on 9500 devices");
  EXPECT_EQ(Prop(*observation, "subject-count"), "9500");
  EXPECT_FALSE(observation->contains("subjects"));  // the record does not name them
  EXPECT_NE((*observation)["description"].get<std::string>().find("counts 9500 of them without naming"),
            std::string::npos);
  EXPECT_NE((*observation)["relevant-evidence"][0]["description"].get<std::string>().find("`counts.pass`"),
            std::string::npos);
  // SI-7(6) and SR-3.4 are referenced by that rule alone: satisfied on its counted passes.
  const auto states = States(result);
  EXPECT_EQ(states.at("si-7.6"), "satisfied");
  EXPECT_EQ(states.at("sr-3.4"), "satisfied");
  for (const auto& finding : result["findings"]) {
    if (finding["target"]["target-id"] != "si-7.6") continue;
    EXPECT_NE(finding["description"].get<std::string>().find("9500 pass"), std::string::npos);
    ASSERT_EQ(finding["related-observations"].size(), 1u);
    EXPECT_EQ(finding["related-observations"][0]["observation-uuid"], (*observation)["uuid"]);
  }
  // The result counts the run's outcomes as the record does.
  EXPECT_NE(result["description"].get<std::string>().find("Outcomes: 9502 pass, 4 fail"), std::string::npos)
      << result["description"];
}

TEST(OscalExportTest, ARuleWithNoPassesCountedHasNoPassObservation) {
  const ordered_json result = ResultOf(Document(AuditRecordOfFirmwareSigned(0)));
  for (const auto& o : result["observations"]) EXPECT_NE(Prop(o, "rule"), "device-trust/device.firmware.signed");
  EXPECT_EQ(States(result).count("si-7.6"), 0u);
}

TEST(OscalExportTest, StatusPerControl) {
  const ordered_json& result = ResultOf(Document(Record()));
  EXPECT_EQ(States(result), (std::map<std::string, std::string>{
                                {"art-5.1.d", "not-satisfied"},    // fail and error
                                {"manage-2.2", "not-satisfied"},   // fail, waived, not evaluable
                                {"measure-2.6", "not-satisfied"},  // fail of a warn-enforced rule
                                {"si-7.6", "satisfied"},           // SI-7(6): passes only
                                {"sr-1.2", "not-satisfied"},
                                {"sr-3.4", "satisfied"},
                                {"sr-7.6", "not-satisfied"}}));
  for (const auto& finding : result["findings"]) {
    EXPECT_EQ(finding["target"]["type"], "objective-id");
    const bool satisfied = finding["target"]["status"]["state"] == "satisfied";
    EXPECT_EQ(finding["target"]["status"]["reason"], satisfied ? "pass" : "fail");
    EXPECT_EQ(finding["target"]["status"].contains("remarks"), !satisfied);
  }
}

TEST(OscalExportTest, FindingsRelateTheObservationsOfTheirRules) {
  const ordered_json& result = ResultOf(Document(Record()));
  for (const auto& finding : result["findings"]) {
    if (finding["target"]["target-id"] != "sr-1.2") continue;
    // cert-expiry on d-001 … d-004: pass, fail, waived, not evaluable.
    ASSERT_EQ(finding["related-observations"].size(), 4u);
    ASSERT_EQ(finding["related-risks"].size(), 1u);
    EXPECT_EQ(finding["related-risks"][0]["risk-uuid"], result["risks"][0]["uuid"]);
    EXPECT_EQ(Prop(finding, "framework"), "iec62443-3-3");
    EXPECT_EQ(finding["title"], "iec62443-3-3 sr-1.2: not satisfied");
  }
}

TEST(OscalExportTest, WaivedOutcomeIsAnApprovedDeviation) {
  const ordered_json& result = ResultOf(Document(Record()));
  ASSERT_EQ(result["risks"].size(), 1u);
  const ordered_json& risk = result["risks"][0];
  EXPECT_EQ(risk["status"], "deviation-approved");
  EXPECT_EQ(Prop(risk, "waiver"), "w-cert-d003");
  EXPECT_EQ(Prop(risk, "waiver-approver"), "security@example.org");
  EXPECT_EQ(Prop(risk, "waiver-expires"), "2026-03-10");
  const ordered_json* observation =
      ObservationOf(result, "device-trust/device.identity.cert-expiry", "d-003");
  ASSERT_NE(observation, nullptr);
  EXPECT_EQ(risk["related-observations"][0]["observation-uuid"], (*observation)["uuid"]);
}

TEST(OscalExportTest, ReviewedControlsGroupedByFramework) {
  const ordered_json reviewed = ResultOf(Document(Record()))["reviewed-controls"];
  std::map<std::string, std::vector<std::string>> by_framework;
  for (const auto& selection : reviewed["control-selections"]) {
    for (const auto& control : selection["include-controls"]) {
      by_framework[Prop(selection, "framework")].push_back(control["control-id"]);
    }
  }
  EXPECT_EQ(by_framework, (std::map<std::string, std::vector<std::string>>{
                              {"gdpr", {"art-5.1.d"}},
                              {"iec62443-3-3", {"sr-1.2", "sr-3.4", "sr-7.6"}},
                              {"nist-800-53", {"si-7.6"}},
                              {"nist-ai-rmf", {"govern-1.6", "manage-2.2", "measure-2.6"}}}));
}

TEST(OscalExportTest, ControlWithoutApplicableOutcomesHasNoFinding) {
  const ordered_json& result = ResultOf(Document(Record()));
  EXPECT_EQ(States(result).count("govern-1.6"), 0u);  // license-notes was not applicable
  EXPECT_NE(result["remarks"].get<std::string>().find("`nist-ai-rmf:GOVERN-1.6`"), std::string::npos);
}

TEST(OscalExportTest, ControlIdsInOscalForm) {
  json record = Record();
  for (auto& rule : record["result"]["rules"]) rule["controls"] = json::array();
  record["result"]["rules"][0]["controls"] =
      json::array({"nist-800-53:AC-2(1)", "iso27001:A.8.1", "x:4.2 b", "NoFramework", "ext:Ünit/7"});
  const ordered_json& result = ResultOf(Document(record));
  std::set<std::string> ids;
  for (const auto& [id, _] : States(result)) ids.insert(id);
  // "(1)" becomes ".1"; other characters "-", one per character (the
  // non-ASCII "Ü" too); "_" in front of an id that starts otherwise than
  // with a letter.
  EXPECT_EQ(ids, (std::set<std::string>{"ac-2.1", "a.8.1", "_4.2-b", "noframework", "_-nit-7"}));
}

TEST(OscalExportTest, SubjectsAreInventoryItems) {
  const ordered_json items = ResultOf(Document(Record()))["local-definitions"]["inventory-items"];
  ASSERT_EQ(items.size(), 8u);  // d-001 … d-004, the model, three streams
  EXPECT_EQ(items[0]["uuid"], Uuid5({"subject", "device", "d-001"}));
  EXPECT_EQ(Prop(items[0], "asset-id"), "device/d-001");
  EXPECT_EQ(Prop(items[0], "subject-kind"), "device");
}

TEST(OscalExportTest, ValuesThatAreNotOscalStringsAreNotProperties) {
  json record = Record();
  auto& outcome = testing::Outcome(record, "model-gates/model.latency", "resnet18-int8");
  outcome["subject"]["id"] = " resnet18\nint8 ";
  outcome["evidence"]["model.card.summary"] = "two\nlines";
  outcome["evidence"]["padded"] = " x ";
  outcome["evidence"]["not a token"] = 1;
  const ordered_json& result = ResultOf(Document(record));
  const ordered_json* observation = nullptr;
  for (const auto& o : result["observations"]) {
    if (Prop(o, "rule") == "model-gates/model.latency") observation = &o;
  }
  ASSERT_NE(observation, nullptr);
  EXPECT_EQ(Prop(*observation, "subject-id"), "");
  const ordered_json& evidence = (*observation)["relevant-evidence"][0];
  EXPECT_EQ(Prop(evidence, "model.card.summary"), "");
  EXPECT_EQ(Prop(evidence, "padded"), "");
  EXPECT_EQ(Prop(evidence, "not a token"), "");
  EXPECT_EQ(Prop(evidence, "model.eval.latency_p99_ms"), "72.5");
  EXPECT_NE(evidence["remarks"].get<std::string>().find("\"two\\nlines\""), std::string::npos);
}

TEST(OscalExportTest, MarkdownInUserTextIsEscaped) {
  json record = Record();
  testing::Outcome(record, "model-gates/model.latency", "resnet18-int8")["message"] = "*bold* <b>x</b> `code` & [l](u)";
  const ordered_json result = ResultOf(Document(record));
  const ordered_json* observation = ObservationOf(result, "model-gates/model.latency", "resnet18-int8");
  ASSERT_NE(observation, nullptr);
  const std::string description = (*observation)["description"];
  EXPECT_NE(description.find(R"(\*bold\* \<b\>x\</b\> \`code\` \& \[l\](u))"), std::string::npos) << description;
}

TEST(OscalExportTest, RunWithoutControlsSaysSo) {
  json record = Record();
  for (auto& rule : record["result"]["rules"]) rule["controls"] = json::array();
  const ordered_json& result = ResultOf(Document(record));
  EXPECT_EQ(result["reviewed-controls"],
            ordered_json::parse(
                R"({"control-selections": [{"remarks": "No rule of the run references a control."}]})"));
  EXPECT_FALSE(result.contains("findings"));
  EXPECT_EQ(result["observations"].size(), 10u);
}

TEST(OscalExportTest, DirtySourceImportsItsLocation) {
  json record = Record();
  record["result"]["policy_source"]["dirty"] = true;
  const ordered_json document = Document(record);
  EXPECT_EQ(document["assessment-results"]["import-ap"]["href"], "file:///srv/repos/fleet%20policies");
  EXPECT_NE(document["assessment-results"]["import-ap"]["remarks"].get<std::string>().find("not a clean git revision"),
            std::string::npos);
}

TEST(OscalExportTest, RenderedTextIsTheDocumentsDump) {
  // RenderOscal writes the observations one at a time into the text; the
  // bytes must be those of the whole document dumped at once, including
  // nested values, escapes and invalid UTF-8 in user text.
  json record = Record();
  auto& outcome = testing::Outcome(record, "model-gates/model.latency", "resnet18-int8");
  outcome["message"] = "p99 \xE2\x82 \"quoted\"\nnext line \xF0\x9F\x94\xA5";
  outcome["evidence"]["nested"] = json{{"a", json::array({1, 2, json::object()})}, {"b", json::array()}};
  std::string error;
  const std::optional<std::string> text = RenderOscal(record, kLeafHash, Options(), &error);
  ASSERT_TRUE(text.has_value()) << error;
  const std::optional<ordered_json> document = OscalAssessmentResults(record, kLeafHash, Options(), &error);
  ASSERT_TRUE(document.has_value()) << error;
  EXPECT_EQ(*text, document->dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n");
  EXPECT_EQ(text->find("stagegate-streamed-array-"), std::string::npos);
  // A run without observations (every outcome not applicable) has no array at all.
  for (auto& o : record["result"]["outcomes"]) o["outcome"] = "not_applicable";
  const std::optional<std::string> empty = RenderOscal(record, kLeafHash, Options(), &error);
  ASSERT_TRUE(empty.has_value()) << error;
  EXPECT_EQ(*empty, OscalAssessmentResults(record, kLeafHash, Options(), &error)
                        ->dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n");
  EXPECT_EQ(empty->find("\"observations\""), std::string::npos);
}

TEST(OscalExportTest, WrittenToAStreamWithTheRenderedBytes) {
  json record = Record();
  std::string error;
  const std::optional<std::string> text = RenderOscal(record, kLeafHash, Options(), &error);
  ASSERT_TRUE(text.has_value()) << error;
  std::ostringstream written;
  ASSERT_TRUE(WriteOscal(written, record, kLeafHash, Options(), &error)) << error;
  EXPECT_EQ(written.str(), *text);
  // A document that cannot be made writes nothing.
  OscalOptions bad = Options();
  bad.document_uuid = "not-a-uuid";
  std::ostringstream nothing;
  EXPECT_FALSE(WriteOscal(nothing, record, kLeafHash, bad, &error));
  EXPECT_NE(error.find("not-a-uuid"), std::string::npos) << error;
  EXPECT_TRUE(nothing.str().empty());
}

TEST(OscalExportTest, MalformedRecordIsRefused) {
  json record = Record();
  record["result"]["outcomes"][0]["subject"].erase("id");
  std::string error;
  EXPECT_FALSE(OscalAssessmentResults(record, kLeafHash, Options(), &error).has_value());
  EXPECT_EQ(error, "run record: result.outcomes[0].subject.id: missing");
}

}  // namespace
}  // namespace stagegate::reports
