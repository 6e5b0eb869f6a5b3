// CompileOptions::coerce_to_declared_types: JSON-backed data typed by its
// declaration (timestamps as RFC 3339 strings, durations as "15m", integers
// where doubles are declared).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/cel.h"

namespace stagegate::cel {
namespace {

// Declares `fact` as an object whose fields have the types below, as the
// policy loader declares subjects.
Environment MakeEnvironment(bool coerce) {
  Environment env = Environment::Standard();
  env.DeclareVariable("fact", Type::Object("test.fact"));
  env.DeclareVariable("now", Type::Timestamp());
  env.SetFieldTypeResolver([](const Type& object, std::string_view field) -> std::optional<Type> {
    if (object.name != "test.fact") return std::nullopt;
    if (field == "last_seen") return Type::Timestamp();
    if (field == "max_age") return Type::Duration();
    if (field == "rate") return Type::Double();
    return Type::Dyn();
  });
  env.options().coerce_to_declared_types = coerce;
  return env;
}

std::string EvalWith(const Environment& env, const std::string& expression, const nlohmann::json& fact) {
  CompileResult compiled = Compile(env, Source(expression));
  if (!compiled.ok()) return "compile error: " + compiled.diagnostics[0].message;
  MapActivation activation;
  activation.Bind("fact", JsonValue(fact));
  activation.Bind("now", Value::TimestampOf(Timestamp{1'800'000'000, 0}));  // 2027-01-15T08:00:00Z
  return compiled.program->Evaluate(activation).DebugString();
}

const nlohmann::json kFact = {{"last_seen", "2027-01-15T07:30:00Z"}, {"max_age", "1h"}, {"rate", 2}, {"name", "x"}};

TEST(CoerceToDeclaredTypes, ConvertsStringsAndIntegers) {
  Environment env = MakeEnvironment(true);
  EXPECT_EQ(EvalWith(env, "now - fact.last_seen < fact.max_age", kFact), "true");
  EXPECT_EQ(EvalWith(env, "fact.rate >= 1", nlohmann::json{{"rate", 2}}), "true");
  EXPECT_EQ(EvalWith(env, "fact.rate >= 1", nlohmann::json{{"rate", 0.5}}), "false");
  EXPECT_EQ(EvalWith(env, "type(fact.rate)", kFact), "double");
  EXPECT_EQ(EvalWith(env, "fact.name", kFact), "\"x\"");  // undeclared types pass unchanged
}

TEST(CoerceToDeclaredTypes, UnparsableStringIsAnError) {
  Environment env = MakeEnvironment(true);
  std::string result = EvalWith(env, "now - fact.last_seen < duration('1h')", nlohmann::json{{"last_seen", "yesterday"}});
  EXPECT_NE(result.find("error"), std::string::npos) << result;
  EXPECT_NE(result.find("yesterday"), std::string::npos) << result;
}

TEST(CoerceToDeclaredTypes, OffByDefault) {
  Environment env = MakeEnvironment(false);
  // Plain CEL: a string is not a timestamp, so the subtraction has no overload at run time.
  std::string result = EvalWith(env, "now - fact.last_seen < fact.max_age", kFact);
  EXPECT_NE(result.find("no matching overload"), std::string::npos) << result;
}

}  // namespace
}  // namespace stagegate::cel
