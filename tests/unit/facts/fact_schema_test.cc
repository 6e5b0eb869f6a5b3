#include "engine/facts/fact_schema.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace stagegate::facts {
namespace {

TEST(FactSchemaTest, CoreFactsGroupsAndLinks) {
  FactSchema schema;
  RegisterCoreFacts(schema);
  ASSERT_NE(schema.Find(SubjectKind::kStream, "quality.missing_ratio"), nullptr);
  EXPECT_EQ(schema.Find(SubjectKind::kStream, "quality.missing_ratio")->type, cel::Type::Double());
  EXPECT_TRUE(schema.IsGroup(SubjectKind::kStream, "quality"));
  EXPECT_FALSE(schema.IsGroup(SubjectKind::kStream, "qual"));
  EXPECT_FALSE(schema.IsGroup(SubjectKind::kStream, "quality.missing_ratio"));
  EXPECT_EQ(schema.FieldType(schema.SubjectType(SubjectKind::kStream), "quality"),
            cel::Type::Object("stagegate.stream.quality"));
  EXPECT_EQ(schema.FieldType(cel::Type::Object("stagegate.stream.quality"), "missing_ratio"), cel::Type::Double());
  EXPECT_EQ(schema.FieldType(schema.SubjectType(SubjectKind::kStream), "device"), schema.SubjectType(SubjectKind::kDevice));
  EXPECT_EQ(schema.FieldType(schema.SubjectType(SubjectKind::kDevice), "site"), cel::Type::String());
  EXPECT_FALSE(schema.FieldType(schema.SubjectType(SubjectKind::kDevice), "sitee").has_value());
}

TEST(FactSchemaTest, AddRejectsConflictingType) {
  FactSchema schema;
  EXPECT_TRUE(schema.Add(SubjectKind::kDevice, {"battery_pct", cel::Type::Double(), "percent", "", FactOrigin::kInput, false}));
  EXPECT_TRUE(schema.Add(SubjectKind::kDevice, {"battery_pct", cel::Type::Double(), "", "doc", FactOrigin::kInput, false}));
  EXPECT_FALSE(schema.Add(SubjectKind::kDevice, {"battery_pct", cel::Type::Int(), "", "", FactOrigin::kInput, false}));
  EXPECT_EQ(schema.Find(SubjectKind::kDevice, "battery_pct")->description, "doc");
}

TEST(FactSchemaTest, KindNamesRoundTrip) {
  for (SubjectKind kind : kAllSubjectKinds) EXPECT_EQ(ParseSubjectKind(SubjectKindName(kind)), kind);
  EXPECT_FALSE(ParseSubjectKind("sensor").has_value());
}

TEST(FactSchemaTest, RenderersDescribeFacts) {
  FactSchema schema;
  RegisterCoreFacts(schema);
  std::string md = RenderMarkdown(schema);
  EXPECT_NE(md.find("| `stream.quality.missing_ratio` | `double` | ratio | input |"), std::string::npos);
  EXPECT_NE(md.find("| `stream.device` | `device (subject)` |"), std::string::npos);
  nlohmann::json js = nlohmann::json::parse(RenderJsonSchema(schema));
  EXPECT_EQ(js["$defs"]["stream"]["properties"]["quality"]["properties"]["missing_ratio"]["type"], "number");
  EXPECT_EQ(js["$defs"]["stream"]["properties"]["kind"]["const"], "stream");
  EXPECT_EQ(js["$defs"]["stream"]["properties"]["device"]["$ref"], "#/$defs/device");
}

}  // namespace
}  // namespace stagegate::facts
