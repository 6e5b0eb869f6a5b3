#include "engine/cel/bindings/json_value.h"

#include <cmath>

#include <gtest/gtest.h>

#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/cel.h"

namespace stagegate::cel {
namespace {

TEST(JsonValueTest, NumbersAndScalars) {
  nlohmann::json doc = nlohmann::json::parse(
      R"({"i": -3, "u": 18446744073709551615, "small": 5, "d": 1.5, "s": "x", "b": true, "n": null})");
  Value v = JsonValue(doc);
  ASSERT_TRUE(v.IsMap());
  EXPECT_EQ(v.MapFindField("i")->GetInt(), -3);
  EXPECT_TRUE(v.MapFindField("small")->IsInt());  // non-negative integers in int64 range are ints
  EXPECT_TRUE(v.MapFindField("u")->IsUint());
  EXPECT_EQ(v.MapFindField("d")->GetDouble(), 1.5);
  EXPECT_EQ(v.MapFindField("s")->GetString(), "x");
  EXPECT_TRUE(v.MapFindField("b")->GetBool());
  EXPECT_TRUE(v.MapFindField("n")->IsNull());
  EXPECT_FALSE(v.MapFindField("missing").has_value());
  EXPECT_FALSE(v.MapFind(Value::Int(1)).has_value());
  EXPECT_EQ(v.MapSize(), 7u);
}

TEST(JsonValueTest, BorrowsStrings) {
  nlohmann::json doc = nlohmann::json::parse(R"({"s": "hello"})");
  Value s = *JsonValue(doc).MapFindField("s");
  EXPECT_EQ(s.GetString().data(), doc["s"].get_ref<const std::string&>().data());
}

TEST(JsonValueTest, ListsAndEquality) {
  nlohmann::json doc = nlohmann::json::parse(R"([1, [2, 3], {"a": 1}])");
  Value v = JsonValue(doc);
  ASSERT_TRUE(v.IsList());
  EXPECT_EQ(v.ListSize(), 3u);
  EXPECT_TRUE(ValuesEqual(v.ListGet(1), Value::ListOf({Value::Int(2), Value::Uint(3)})));
  EXPECT_TRUE(ValuesEqual(v.ListGet(2), Value::MapOf({{Value::String("a"), Value::Double(1.0)}})));
  EXPECT_EQ(v.DebugString(), R"([1, [2, 3], {"a": 1}])");
}

TEST(JsonValueTest, EvaluatesInExpressions) {
  nlohmann::json doc = nlohmann::json::parse(R"({"items": [{"n": 1}, {"n": 5}], "name": "a"})");
  Environment env = Environment::Standard();
  env.options().type_check = false;
  CompileResult compiled = Compile(env, Source("doc.items.filter(i, i.n > 2).map(i, i.n) == [5] && doc.name == 'a'"));
  ASSERT_TRUE(compiled.ok());
  MapActivation vars;
  vars.Bind("doc", JsonValue(doc));
  EXPECT_EQ(compiled.program->Evaluate(vars).DebugString(), "true");
  CompileResult missing = Compile(env, Source("doc.nope"));
  EXPECT_EQ(missing.program->Evaluate(vars).DebugString(), "error: no such key: nope");
}

TEST(ValueToJsonTest, Converts) {
  Value v = Value::MapOf({{Value::String("a"), Value::ListOf({Value::Int(1), Value::Uint(2), Value::Double(0.5)})},
                          {Value::String("b"), Value::Bytes("hi")},
                          {Value::String("nan"), Value::Double(std::nan(""))},
                          {Value::String("t"), Value::TimestampOf({0, 0})},
                          {Value::String("d"), Value::DurationOf({1500000000})}});
  EXPECT_EQ(ValueToJson(v).dump(),
            R"({"a":[1,2,0.5],"b":"aGk=","d":"1.5s","nan":"NaN","t":"1970-01-01T00:00:00Z"})");
}

TEST(YamlToJsonTest, ScalarsFollowPlainStyle) {
  nlohmann::json out;
  std::string error;
  ASSERT_TRUE(YamlToJson("a: 1\nb: '1'\nc: 1.5\nd: true\ne: \"true\"\nf: ~\ng: text\nh: [1, x]\ni: 18446744073709551615\n",
                         &out, &error))
      << error;
  EXPECT_EQ(out["a"], 1);
  EXPECT_TRUE(out["a"].is_number_integer());
  EXPECT_EQ(out["b"], "1");
  EXPECT_EQ(out["c"], 1.5);
  EXPECT_EQ(out["d"], true);
  EXPECT_EQ(out["e"], "true");
  EXPECT_TRUE(out["f"].is_null());
  EXPECT_EQ(out["g"], "text");
  EXPECT_EQ(out["h"].dump(), R"([1,"x"])");
  EXPECT_TRUE(out["i"].is_number_unsigned());
}

TEST(YamlToJsonTest, ReportsSyntaxErrorsWithPosition) {
  nlohmann::json out;
  std::string error;
  EXPECT_FALSE(YamlToJson("a: [1, 2\nb: 3\n", &out, &error));
  EXPECT_EQ(error.rfind("line ", 0), 0u) << error;
  EXPECT_NE(error.find(", column "), std::string::npos) << error;
}

}  // namespace
}  // namespace stagegate::cel

namespace stagegate::cel {
namespace {

// A "billion laughs" document: eight levels of ten aliases each would expand
// to 10^8 values from a few hundred bytes.
TEST(YamlToJsonTest, RefusesDocumentsThatExpandThroughAliases) {
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 8; ++level) {
    std::string prev = "*a" + std::to_string(level - 1);
    yaml += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) yaml += (i ? ", " : "") + prev;
    yaml += "]\n";
  }
  nlohmann::json out;
  std::string error;
  EXPECT_FALSE(YamlToJson(yaml, &out, &error));
  EXPECT_NE(error.find("expands to more than 1000000 values"), std::string::npos) << error;
  // A few aliases are fine.
  EXPECT_TRUE(YamlToJson("a: &a [1, 2]\nb: [*a, *a]\n", &out, &error)) << error;
  EXPECT_EQ(out["b"][1][1], 2);
}

}  // namespace
}  // namespace stagegate::cel

namespace stagegate::cel {
namespace {

// Regression (found by the policy fuzz target): yaml-cpp 0.7 allocates
// without bound when a document starts with a comma; it must be an error.
TEST(YamlToJsonTest, RefusesDocumentsStartingWithAComma) {
  nlohmann::json out;
  std::string error;
  for (const char* text : {",\n", "# note\n ,}", "a: 1\n---\n,\n", "--- ,\n", "\xEF\xBB\xBF,"}) {
    EXPECT_FALSE(YamlToJson(text, &out, &error)) << text;
    EXPECT_NE(error.find("cannot start with ','"), std::string::npos) << error;
  }
  // Commas elsewhere are ordinary YAML.
  EXPECT_TRUE(YamlToJson("title: Hello, world\nx: [a\n , b]\n", &out, &error)) << error;
  EXPECT_EQ(out["title"], "Hello, world");
  EXPECT_EQ(out["x"][1], "b");
}

// Regression (found by the contracts fuzz target in CI): yaml-cpp 0.7 never
// returns when a line starts with ',' after a top-level list item.
TEST(YamlToJsonTest, RefusesACommaLineAfterATopLevelList) {
  nlohmann::json out;
  std::string error;
  for (const char* text : {"\n-\n,h24:", "- a\n,b", "- a\n\n# c\n,b", "- [a]\n,b", "- a\n  - b\n,c"}) {
    EXPECT_FALSE(YamlToJson(text, &out, &error)) << text;
    EXPECT_NE(error.find("cannot start with ','"), std::string::npos) << error;
  }
  // A comma line inside a flow collection or a quoted scalar is ordinary YAML.
  EXPECT_TRUE(YamlToJson("- [a\n,b]\n", &out, &error)) << error;
  EXPECT_EQ(out[0][1], "b");
  EXPECT_TRUE(YamlToJson("- \"a\n,b\"\n- 'it''s\n,c'\n", &out, &error)) << error;
  EXPECT_EQ(out[0], "a ,b");
}

// Regression (found by the contracts fuzz target in CI): a tag followed by a
// comma ("!ry, in the ...") left yaml-cpp's LoadAll looping; every input
// whose document parse consumes nothing must be a syntax error with a
// position instead.
TEST(LoadYamlDocumentsTest, RefusesInputsYamlCppWouldNeverFinish) {
  for (const char* text : {"!ry, in the Open Data\n# c\napiVersion: v3\n", "!a,", "!, b", ",\n", "- a\n,b",
                           "a: 1\n---\n!t ,\n"}) {
    try {
      (void)LoadYamlDocuments(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const YAML::ParserException& e) {
      EXPECT_FALSE(e.mark.is_null()) << text;
      EXPECT_NE(e.msg.find("','"), std::string::npos) << e.msg;
    }
  }
}

TEST(LoadYamlDocumentsTest, ReadsEveryDocumentLikeLoadAll) {
  const std::vector<YAML::Node> documents = LoadYamlDocuments("a: 1\n---\nb: [x, y]\n---\n!tag c\n");
  ASSERT_EQ(documents.size(), 3u);
  EXPECT_EQ(documents[0]["a"].as<int>(), 1);
  EXPECT_EQ(documents[1]["b"][1].Scalar(), "y");
  EXPECT_EQ(documents[2].Tag(), "!tag");
  EXPECT_EQ(documents[1].Mark().line, 2);
  EXPECT_TRUE(LoadYamlDocuments("").empty());
  EXPECT_THROW((void)LoadYamlDocuments("a: [1, 2\nb: 3\n"), YAML::ParserException);
}

}  // namespace
}  // namespace stagegate::cel
