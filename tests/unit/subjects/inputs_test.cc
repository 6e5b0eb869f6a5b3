#include "engine/common/digest.h"
#include "engine/subjects/inputs.h"

#include <gtest/gtest.h>

#include "engine/cel/cel.h"
#include "engine/subjects/subject_value.h"

namespace stagegate::subjects {
namespace {

using facts::SubjectKind;

std::string FirstError(const SubjectSet& set) {
  return set.errors().empty() ? "" : FormatInputError(set.errors().front());
}

TEST(InputsTest, ReadsJsonArrayYamlDocumentsAndJsonLines) {
  SubjectSet set;
  set.AddFile("a.json", "[\n  {\"kind\": \"device\", \"id\": \"d1\"},\n\n  {\"kind\": \"device\", \"id\": \"d2\"}\n]");
  set.AddFile("b.yaml", "kind: stream\nid: s1\ndevice: d1\n---\n# c\nkind: stream\nid: s2\ndevice: {site: x}\n");
  set.AddFile("c.jsonl", "{\"kind\":\"model\",\"id\":\"m1\"}\n\n{\"kind\":\"model\",\"id\":\"m2\"}\n");
  set.Finish();
  ASSERT_TRUE(set.ok()) << FirstError(set);
  EXPECT_EQ(set.size(), 6u);
  ASSERT_EQ(set.inputs().size(), 3u);
  EXPECT_EQ(set.inputs()[0].documents, 2);
  EXPECT_EQ(set.inputs()[1].documents, 2);
  EXPECT_EQ(set.inputs()[2].documents, 2);
  EXPECT_EQ(set.Find(SubjectKind::kDevice, "d2")->location.line, 4);
  EXPECT_EQ(set.Find(SubjectKind::kStream, "s2")->location.line, 6);
  EXPECT_EQ(set.Find(SubjectKind::kModel, "m2")->location.line, 3);
  EXPECT_EQ(set.Find(SubjectKind::kStream, "s1")->device, set.Find(SubjectKind::kDevice, "d1"));
  ASSERT_EQ(set.OfKind(SubjectKind::kDevice).size(), 2u);
  EXPECT_EQ(set.OfKind(SubjectKind::kDevice)[0]->id, "d1");
}

TEST(InputsTest, Sha256IsTheDigestOfTheBytes) {
  EXPECT_EQ(common::Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  SubjectSet set;
  set.AddFile("x.json", "abc");
  EXPECT_EQ(set.inputs()[0].sha256, common::Sha256Hex("abc"));
}

TEST(InputsTest, PendingDigestsAreTakenWhenInputsAreRead) {
  SubjectSet set;
  set.RecordInput({"inventory.yaml", common::Sha256Hex("abc"), 0});
  int calls = 0;
  set.RecordInput("store.db", 12, [&calls]() -> std::optional<std::string> { return ++calls, std::string("ff00"); });
  set.RecordInput("gone.db", 1, []() -> std::optional<std::string> { return std::nullopt; });
  set.RecordInput({"zones.yaml", common::Sha256Hex("z"), 3});
  EXPECT_EQ(calls, 0);  // not waited for while loading
  const auto& inputs = set.inputs();
  ASSERT_EQ(inputs.size(), 3u);  // the unreadable one is left out; the order is kept
  EXPECT_EQ(inputs[0].path, "inventory.yaml");
  EXPECT_EQ(inputs[0].sha256, common::Sha256Hex("abc"));
  EXPECT_EQ(inputs[1].path, "store.db");
  EXPECT_EQ(inputs[1].sha256, "ff00");
  EXPECT_EQ(inputs[1].documents, 12);
  EXPECT_EQ(inputs[2].path, "zones.yaml");
  EXPECT_EQ(inputs[2].documents, 3);
  set.inputs();
  EXPECT_EQ(calls, 1);
}

TEST(InputsTest, MalformedJsonNamesLineAndColumn) {
  SubjectSet set;
  set.AddFile("bad.json", "{\n  \"kind\": \"device\",\n  \"id\": oops\n}");
  ASSERT_EQ(set.errors().size(), 1u);
  EXPECT_EQ(set.errors()[0].line, 3);
  EXPECT_NE(FirstError(set).find("bad.json:3:"), std::string::npos) << FirstError(set);
  EXPECT_NE(FirstError(set).find("invalid JSON"), std::string::npos);
}

TEST(InputsTest, MalformedJsonLinesNamesTheLine) {
  SubjectSet set;
  set.AddFile("bad.jsonl", "{\"kind\":\"model\",\"id\":\"m1\"}\n{\"kind\": \n");
  ASSERT_EQ(set.errors().size(), 1u);
  EXPECT_EQ(set.errors()[0].line, 2);
  EXPECT_EQ(set.size(), 1u);
}

TEST(InputsTest, MalformedYamlNamesTheLineInTheFile) {
  SubjectSet set;
  set.AddFile("bad.yaml", "kind: device\nid: d1\n---\nkind: device\nid: [d2\n");
  ASSERT_EQ(set.errors().size(), 1u) << FirstError(set);
  EXPECT_GE(set.errors()[0].line, 5);
  EXPECT_NE(FirstError(set).find("invalid YAML"), std::string::npos);
  EXPECT_EQ(set.size(), 1u);
}

TEST(InputsTest, MissingKindUnknownKindMissingIdAndNonObject) {
  SubjectSet set;
  set.AddFile("x.jsonl",
              "{\"id\":\"a\"}\n{\"kind\":\"toaster\",\"id\":\"a\"}\n{\"kind\":\"device\"}\n[1]\n"
              "{\"kind\":\"stream\",\"id\":\"s\",\"device\":5}\n");
  ASSERT_EQ(set.errors().size(), 5u);
  EXPECT_EQ(FormatInputError(set.errors()[0]),
            "x.jsonl:1: error: the document has no `kind`; add `kind:` with one of device, stream, model, artifact, "
            "deployment, dataflow, zone");
  EXPECT_NE(FormatInputError(set.errors()[1]).find("unknown subject kind \"toaster\""), std::string::npos);
  EXPECT_NE(FormatInputError(set.errors()[2]).find("x.jsonl:3: error: the device document has no `id`"),
            std::string::npos);
  EXPECT_NE(FormatInputError(set.errors()[3]).find("must be an object"), std::string::npos);
  EXPECT_NE(FormatInputError(set.errors()[4]).find("`device` must be a device id"), std::string::npos);
}

TEST(InputsTest, DuplicateIdNamesBothPlaces) {
  SubjectSet set;
  set.AddFile("a.yaml", "kind: device\nid: d1\n");
  set.AddFile("b.json", "[{\"kind\": \"device\", \"id\": \"x\"},\n {\"kind\": \"device\", \"id\": \"d1\"}]");
  ASSERT_EQ(set.errors().size(), 1u);
  EXPECT_EQ(FormatInputError(set.errors()[0]),
            "b.json:2: error: duplicate device id \"d1\": already defined at a.yaml:1; ids must be unique per kind");
}

TEST(InputsTest, SameIdInDifferentKindsIsFine) {
  SubjectSet set;
  set.AddFile("a.yaml", "kind: device\nid: x\n---\nkind: model\nid: x\n");
  EXPECT_TRUE(set.ok());
}

TEST(InputsTest, MissingPathAndEmptyDirectoryAreErrors) {
  SubjectSet set = LoadInputs({"/nonexistent/stagegate/inputs.json"});
  ASSERT_EQ(set.errors().size(), 1u);
  EXPECT_EQ(FormatInputError(set.errors()[0]),
            "/nonexistent/stagegate/inputs.json: error: no such file or directory; check --input");
}

TEST(InputsTest, UnresolvedDeviceIsALinkErrorNotALoadError) {
  SubjectSet set;
  set.AddFile("s.yaml", "kind: stream\nid: s1\ndevice: ghost\n");
  set.Finish();
  EXPECT_TRUE(set.ok());
  EXPECT_EQ(set.Find(SubjectKind::kStream, "s1")->link_error,
            "stream s1 names device ghost, which is not in the inputs");
}

TEST(InputsTest, InfersUserFieldTypes) {
  SubjectSet set;
  set.AddFile("a.jsonl",
              "{\"kind\":\"device\",\"id\":\"d1\",\"battery_pct\":80,\"power\":{\"volts\":3}}\n"
              "{\"kind\":\"device\",\"id\":\"d2\",\"battery_pct\":12.5,\"power\":{\"volts\":\"x\"},\"tags\":[1]}\n"
              "{\"kind\":\"stream\",\"id\":\"s\",\"device\":\"d1\"}\n");
  set.Finish();
  facts::FactSchema schema;
  InferFacts(set, &schema);
  const facts::FactDef* battery = schema.Find(SubjectKind::kDevice, "battery_pct");
  ASSERT_NE(battery, nullptr);
  EXPECT_EQ(battery->type, cel::Type::Double());
  EXPECT_EQ(battery->origin, facts::FactOrigin::kInferred);
  ASSERT_NE(schema.Find(SubjectKind::kDevice, "power.volts"), nullptr);
  EXPECT_EQ(schema.Find(SubjectKind::kDevice, "power.volts")->type, cel::Type::Dyn());
  EXPECT_EQ(schema.Find(SubjectKind::kDevice, "tags")->type.kind, cel::TypeKind::kList);
  EXPECT_EQ(schema.Find(SubjectKind::kDevice, "id"), nullptr);
  EXPECT_EQ(schema.Find(SubjectKind::kStream, "device"), nullptr);
}

}  // namespace
}  // namespace stagegate::subjects

namespace stagegate::subjects {
namespace {

// Regression (found by the inputs fuzz target): a number beyond the range of
// a double made nlohmann throw out_of_range, which escaped the reader.
TEST(InputsRegression, NumberOutOfRangeIsAnInputError) {
  SubjectSet set;
  set.AddFile("big.jsonl", "{\"kind\": \"device\", \"id\": \"d\", \"x\": 4444444E4444}\n");
  set.AddFile("big.json", "{\"kind\": \"device\", \"id\": \"e\", \"x\": 1e999}");
  set.Finish();
  ASSERT_EQ(set.errors().size(), 2u);
  EXPECT_NE(set.errors()[0].message.find("invalid JSON Lines record"), std::string::npos);
  EXPECT_NE(set.errors()[1].message.find("invalid JSON"), std::string::npos);
}

}  // namespace
}  // namespace stagegate::subjects
