#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::StdlibTest;
using testing_util::Str;
using StringsTest = StdlibTest;

TEST_F(StringsTest, ContainsStartsEnds) {
  EXPECT_BOOL(Receiver("contains", {Str("hello"), Str("he")}), true);
  EXPECT_BOOL(Receiver("contains", {Str("hello"), Str("ol")}), false);
  EXPECT_BOOL(Receiver("contains", {Str(""), Str("")}), true);
  EXPECT_BOOL(Receiver("contains", {Str("Stra\xc3\x9f" "e"), Str("a\xc3\x9f")}), true);
  EXPECT_BOOL(Receiver("startsWith", {Str("foobar"), Str("foo")}), true);
  EXPECT_BOOL(Receiver("startsWith", {Str(""), Str("foo")}), false);
  EXPECT_BOOL(Receiver("startsWith", {Str("foobar"), Str("")}), true);
  EXPECT_BOOL(Receiver("endsWith", {Str("fort\xc3\xa9"), Str("t\xc3\xa9")}), true);
  EXPECT_BOOL(Receiver("endsWith", {Str("foobar"), Str("foo")}), false);
  // Only the receiver form exists.
  EXPECT_EQ(Find("contains", {Str("a"), Str("b")}, false), nullptr);
}

TEST_F(StringsTest, MatchesFindsAnySubstring) {
  EXPECT_BOOL(Receiver("matches", {Str("abcd"), Str("bc")}), true);
  EXPECT_BOOL(Receiver("matches", {Str("banana"), Str("ba(na)*")}), true);
  EXPECT_BOOL(Receiver("matches", {Str(""), Str("foo|bar")}), false);
  EXPECT_BOOL(Receiver("matches", {Str(""), Str("")}), true);
  EXPECT_BOOL(Receiver("matches", {Str("abc"), Str("^b")}), false);
  EXPECT_BOOL(Call("matches", {Str("abc"), Str("c$")}), true);
  EXPECT_BOOL(Receiver("matches", {Str("\xc3\xbf"), Str("^.$")}), true);  // UTF-8 aware
  EXPECT_ERROR_CONTAINS(Receiver("matches", {Str("abc"), Str("(")}), "invalid regular expression '('");
}

TEST_F(StringsTest, MatchesSpecializesConstantPatterns) {
  const Overload* o = FindById("matches", "matches_string");
  ASSERT_NE(o, nullptr);
  ASSERT_TRUE(o->specialize);
  std::vector<std::optional<Value>> constants = {std::nullopt, Str("^a+b$")};
  std::string error;
  std::optional<FunctionImpl> impl = o->specialize(constants, &error);
  ASSERT_TRUE(impl.has_value());
  MapActivation activation;
  EvalLimits limits;
  EvalContext context(activation, limits);
  std::vector<Value> yes = {Str("aaab"), Str("^a+b$")};
  std::vector<Value> no = {Str("aaabc"), Str("^a+b$")};
  EXPECT_BOOL((*impl)(yes, context), true);
  EXPECT_BOOL((*impl)(no, context), false);

  constants[1] = Str("a[");
  EXPECT_FALSE(o->specialize(constants, &error).has_value());
  EXPECT_NE(error.find("invalid regular expression 'a['"), std::string::npos) << error;

  // Without a constant pattern nothing is specialised.
  constants[1] = std::nullopt;
  error.clear();
  EXPECT_FALSE(o->specialize(constants, &error).has_value());
  EXPECT_TRUE(error.empty());
}

TEST_F(StringsTest, Costs) {
  const Overload* o = FindById("contains", "contains_string");
  ASSERT_NE(o, nullptr);
  ASSERT_TRUE(o->cost);
  std::vector<Value> args = {Value::String(std::string(100, 'x')), Str("y")};
  EXPECT_EQ(o->cost(args), 11);
}

}  // namespace
}  // namespace stagegate::cel
