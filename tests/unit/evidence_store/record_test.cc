// The run record: canonical serialisation, fast member access, and the
// protection of personal data before anything reaches the log.

#include <gtest/gtest.h>

#include "engine/evidence/run_record.h"

namespace stagegate::evidence {
namespace {

facts::FactSchema SchemaWithPersonalOwner() {
  facts::FactSchema schema;
  facts::FactDef owner;
  owner.name = "owner.name";
  owner.type = cel::Type::String();
  owner.personal_data = true;
  schema.Add(facts::SubjectKind::kDevice, owner);
  facts::FactDef position;
  position.name = "gps";
  position.type = cel::Type::Dyn();
  position.personal_data = true;
  schema.Add(facts::SubjectKind::kDevice, position);
  facts::FactDef battery;
  battery.name = "battery_pct";
  battery.type = cel::Type::Int();
  schema.Add(facts::SubjectKind::kDevice, battery);
  return schema;
}

nlohmann::json DecisionWith(nlohmann::json outcome) {
  std::string reason = "privacy/owner-known device/d-1: fail: ";
  if (outcome.contains("message")) reason += outcome["message"].get<std::string>();
  return {{"schemaVersion", "stagegate.decision/v1"},
          {"decision", "deny"},
          {"deny_reasons", {reason}},
          {"outcomes", {std::move(outcome)}}};
}

RecordContext Context(const facts::FactSchema* schema) {
  RecordContext context;
  context.run_id = "3f2a9c1e-0000-4000-8000-000000000001";
  context.kind = "gate";
  context.schema = schema;
  context.pseudonym_key = std::string(32, '\x42');
  context.key_id = "abc";
  return context;
}

TEST(RunRecord, PersonalFactsVariablesAndMessagesAreNeverStoredInClear) {
  const facts::FactSchema schema = SchemaWithPersonalOwner();
  nlohmann::json outcome = {
      {"rule", "privacy/owner-known"},
      {"outcome", "fail"},
      {"message", "device owned by Alice Example at 52.52,13.40 has battery 12"},
      {"evidence",
       {{"device.owner.name", "Alice Example"},
        {"device.gps", {52.52, 13.40}},
        {"device.battery_pct", 12},
        {"variables.owner_label", "owner: Alice Example"}}}};
  const nlohmann::json record = BuildRunRecord(DecisionWith(outcome), Context(&schema));
  const std::string text = CanonicalJson(record);
  EXPECT_EQ(text.find("Alice"), std::string::npos) << text;
  EXPECT_EQ(text.find("52.52"), std::string::npos) << text;
  const nlohmann::json& evidence = record["result"]["outcomes"][0]["evidence"];
  EXPECT_EQ(evidence["device.owner.name"], Pseudonym("Alice Example", std::string(32, '\x42')));
  EXPECT_EQ(evidence["device.battery_pct"], 12);  // not personal: kept
  EXPECT_TRUE(evidence["variables.owner_label"].get<std::string>().starts_with("hmac-sha256:"));
  const std::string message = record["result"]["outcomes"][0]["message"];
  EXPECT_NE(message.find("[hmac-sha256:"), std::string::npos) << message;
  EXPECT_NE(message.find("battery 12"), std::string::npos) << message;
  EXPECT_EQ(record["personalData"]["method"], "hmac-sha256");
  EXPECT_EQ(record["personalData"]["facts"].size(), 3u);
}

TEST(RunRecord, GroupsHoldingPersonalFactsAreProtectedWhole) {
  const facts::FactSchema schema = SchemaWithPersonalOwner();
  nlohmann::json outcome = {{"rule", "r"},
                            {"outcome", "fail"},
                            {"evidence", {{"device.owner", {{"name", "Bob"}, {"team", "ops"}}}}}};
  const nlohmann::json record = BuildRunRecord(DecisionWith(outcome), Context(&schema));
  EXPECT_EQ(CanonicalJson(record).find("Bob"), std::string::npos);
}

TEST(RunRecord, PseudonymsAreStableAndKeyed) {
  EXPECT_EQ(Pseudonym("Alice", "k1"), Pseudonym("Alice", "k1"));
  EXPECT_NE(Pseudonym("Alice", "k1"), Pseudonym("Alice", "k2"));
  EXPECT_NE(Pseudonym("Alice", "k1"), Pseudonym("Alicf", "k1"));
  EXPECT_EQ(Pseudonym("Alice", "k1").size(), std::string("hmac-sha256:").size() + 64);
}

TEST(RunRecord, WithoutPersonalFactsNothingChanges) {
  nlohmann::json outcome = {{"rule", "r"}, {"outcome", "fail"}, {"evidence", {{"device.battery_pct", 12}}}};
  const nlohmann::json record = BuildRunRecord(DecisionWith(outcome), Context(nullptr));
  EXPECT_EQ(record["result"]["outcomes"][0], outcome);
  EXPECT_TRUE(record["personalData"].empty());
  EXPECT_EQ(record["schemaVersion"], "stagegate.evidence.run/v1");
}

TEST(RunRecord, AnAuditKeepsItsReportPartsAndAGateHasNone) {
  const nlohmann::json decision = DecisionWith({{"rule", "p/r"}, {"outcome", "fail"}});
  const nlohmann::json gate = BuildRunRecord(decision, Context(nullptr));
  EXPECT_FALSE(gate.contains("audit"));
  RecordContext audit_context = Context(nullptr);
  audit_context.kind = "audit";
  audit_context.audit = {{"coverage", nlohmann::json::array()}, {"rollups", {{"dimensions", nlohmann::json::array()}}},
                         {"trend", nullptr}};
  const nlohmann::json audit = BuildRunRecord(decision, audit_context);
  EXPECT_EQ(audit["audit"], audit_context.audit);
  EXPECT_EQ(audit["result"], gate["result"]);
  // Hashed with the rest of the record, in canonical form.
  EXPECT_NE(CanonicalJson(audit).find(R"("audit":{"coverage":[],"rollups":{"dimensions":[]},"trend":null})"),
            std::string::npos);
}

TEST(CanonicalJson, SortsKeysDropsWhitespaceAndReplacesInvalidUtf8) {
  nlohmann::json value = nlohmann::json::parse(R"({"b": [1, 2.5, true, null], "a": {"z": "é\n", "y": -0.0}})");
  EXPECT_EQ(CanonicalJson(value), R"({"a":{"y":-0.0,"z":"é\n"},"b":[1,2.5,true,null]})");
  nlohmann::json bad = {{"k", std::string("a\xff" "b")}};
  EXPECT_EQ(CanonicalJson(bad), "{\"k\":\"a\xef\xbf\xbd" "b\"}");
}

TEST(CanonicalMember, FindsMembersPastTrickyStrings) {
  const std::string text = CanonicalJson(nlohmann::json::parse(
      R"({"a":"x\"}{,","b":{"c":[1,{"d":"]"}],"e":"v"},"seq":42,"z":"last"})"));
  EXPECT_EQ(CanonicalMember(text, "b").value(), R"({"c":[1,{"d":"]"}],"e":"v"})");
  EXPECT_EQ(CanonicalStringMember(*CanonicalMember(text, "b"), "e").value(), "v");
  EXPECT_EQ(CanonicalIntegerMember(text, "seq").value(), 42);
  EXPECT_EQ(CanonicalStringMember(text, "z").value(), "last");
  EXPECT_FALSE(CanonicalStringMember(text, "a"));  // has escapes: not returned raw
  EXPECT_FALSE(CanonicalMember(text, "missing"));
  EXPECT_FALSE(CanonicalMember("not json", "a"));
  EXPECT_FALSE(CanonicalMember(R"({"a":"unterminated)", "a"));
  EXPECT_FALSE(CanonicalIntegerMember(R"({"n":-1})", "n"));
}

}  // namespace
}  // namespace stagegate::evidence
