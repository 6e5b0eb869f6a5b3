#include "tests/unit/cel/extensions/test_util.h"

namespace stagegate::cel::testing {
namespace {

class OptionalsTest : public ::testing::Test {
 protected:
  ExtensionHarness h_;
};

::testing::AssertionResult IsNone(const Value& v) {
  if (!v.IsOptional()) return ::testing::AssertionFailure() << "not an optional: " << v.DebugString();
  if (v.OptionalHasValue()) return ::testing::AssertionFailure() << "has a value: " << v.DebugString();
  return ::testing::AssertionSuccess();
}

// Expects an optional holding a string.
::testing::AssertionResult IsSomeString(const Value& v, std::string_view expected) {
  if (!v.IsOptional() || !v.OptionalHasValue())
    return ::testing::AssertionFailure() << "not present: " << v.DebugString();
  return IsString(v.OptionalValue(), expected);
}

TEST_F(OptionalsTest, Constructors) {
  Value of_null = h_.Call("optional_of", {Value::Null()});
  ASSERT_TRUE(of_null.IsOptional());
  EXPECT_TRUE(of_null.OptionalHasValue());
  EXPECT_TRUE(IsNone(h_.Call("optional_none", {})));
  EXPECT_TRUE(IsInt(h_.Call("optional_ofNonZeroValue", {Value::Int(42)}).OptionalValue(), 42));
}

TEST_F(OptionalsTest, OfNonZeroValueDropsZeroValues) {
  std::vector<Value> zeros = {Value::Null(),
                              Value::Bool(false),
                              Value::Int(0),
                              Value::Uint(0),
                              Value::Double(0.0),
                              Str(""),
                              Value::Bytes(std::string_view("")),
                              Value::ListOf({}),
                              Value::MapOf({}),
                              Value::DurationOf(Duration{0}),
                              Value::TimestampOf(Timestamp{})};
  for (const Value& zero : zeros) {
    EXPECT_TRUE(IsNone(h_.Call("optional_ofNonZeroValue", {zero}))) << zero.DebugString();
  }
  EXPECT_TRUE(h_.Call("optional_ofNonZeroValue", {Value::Bool(true)}).OptionalHasValue());
  EXPECT_TRUE(h_.Call("optional_ofNonZeroValue", {Value::ListOf({Value::Int(0)})}).OptionalHasValue());
}

TEST_F(OptionalsTest, ValueHasValueOrOrValue) {
  Value some = Value::OptionalOf(Str("x"));
  Value none = Value::OptionalNone();
  EXPECT_TRUE(IsString(h_.Call("optional_value", {some}), "x"));
  EXPECT_TRUE(IsError(h_.Call("optional_value", {none}), "optional.none() dereference"));
  EXPECT_TRUE(h_.Call("optional_hasValue", {some}).GetBool());
  EXPECT_FALSE(h_.Call("optional_hasValue", {none}).GetBool());
  EXPECT_TRUE(IsSomeString(h_.Call("optional_or_optional", {some, Value::OptionalOf(Str("y"))}), "x"));
  EXPECT_TRUE(IsSomeString(h_.Call("optional_or_optional", {none, Value::OptionalOf(Str("y"))}), "y"));
  EXPECT_TRUE(IsString(h_.Call("optional_orValue_value", {some, Str("d")}), "x"));
  EXPECT_TRUE(IsString(h_.Call("optional_orValue_value", {none, Str("d")}), "d"));
  // A present receiver wins even over an erroring alternative; an erroring receiver propagates.
  EXPECT_TRUE(IsString(h_.Call("optional_orValue_value", {some, Value::Error("boom")}), "x"));
  EXPECT_TRUE(IsError(h_.Call("optional_orValue_value", {Value::Error("no such key"), Str("d")}), "no such key"));
  EXPECT_TRUE(IsError(h_.Call("optional_or_optional", {none, Value::Error("boom")}), "boom"));
  EXPECT_FALSE(h_.Find("optional_or_optional")->strict);
}

TEST_F(OptionalsTest, OptionalSelect) {
  Value map = Value::MapOf({{Str("c"), Str("goodbye")}, {Str("n"), Value::Null()}});
  EXPECT_TRUE(IsSomeString(h_.Call("select_optional_field", {map, Str("c")}), "goodbye"));
  EXPECT_TRUE(IsNone(h_.Call("select_optional_field", {map, Str("missing")})));
  EXPECT_TRUE(h_.Call("select_optional_field", {map, Str("n")}).OptionalHasValue());
  EXPECT_TRUE(IsSomeString(h_.Call("select_optional_field", {Value::OptionalOf(map), Str("c")}), "goodbye"));
  EXPECT_TRUE(IsNone(h_.Call("select_optional_field", {Value::OptionalNone(), Str("c")})));
  EXPECT_TRUE(IsError(h_.Call("select_optional_field", {Value::Int(1), Str("c")}), "no such overload"));
}

TEST_F(OptionalsTest, OptionalIndex) {
  Value list = StrList({"foo"});
  EXPECT_TRUE(IsSomeString(h_.Call("list_optindex_optional_int", {list, Value::Int(0)}), "foo"));
  EXPECT_TRUE(IsNone(h_.Call("list_optindex_optional_int", {list, Value::Int(1)})));
  EXPECT_TRUE(IsNone(h_.Call("list_optindex_optional_int", {list, Value::Int(-1)})));
  EXPECT_TRUE(
      IsSomeString(h_.Call("optional_list_optindex_optional_int", {Value::OptionalOf(list), Value::Int(0)}), "foo"));
  Value map = Value::MapOf({{Value::Uint(1), Str("one")}, {Value::Int(2), Str("two")}, {Value::Bool(true), Str("t")}});
  EXPECT_TRUE(IsSomeString(h_.Call("map_optindex_optional_value", {map, Value::Int(1)}), "one"));
  EXPECT_TRUE(IsSomeString(h_.Call("map_optindex_optional_value", {map, Value::Uint(2)}), "two"));
  EXPECT_TRUE(IsSomeString(h_.Call("map_optindex_optional_value", {map, Value::Bool(true)}), "t"));
  EXPECT_TRUE(IsNone(h_.Call("map_optindex_optional_value", {map, Value::Bool(false)})));
  EXPECT_TRUE(IsNone(h_.Call("optional_map_optindex_optional_value", {Value::OptionalNone(), Str("k")})));
  // Plain indexing of an optional container.
  EXPECT_TRUE(IsNone(h_.Call("optional_list_index_int", {Value::OptionalNone(), Value::Int(0)})));
  EXPECT_TRUE(IsSomeString(h_.Call("optional_map_index_value", {Value::OptionalOf(map), Value::Int(2)}), "two"));
}

TEST_F(OptionalsTest, Unwrap) {
  Value list =
      Value::ListOf({Value::OptionalOf(Value::Int(1)), Value::OptionalNone(), Value::OptionalOf(Value::Int(3))});
  Value out = h_.Call("optional_unwrap", {list});
  ASSERT_TRUE(out.IsList());
  ASSERT_EQ(out.ListSize(), 2u);
  EXPECT_TRUE(IsInt(out.ListGet(1), 3));
}

TEST_F(OptionalsTest, OperatorSignaturesForTheChecker) {
  const FunctionDecl* select = h_.registry().Find("_?._");
  ASSERT_NE(select, nullptr);
  EXPECT_EQ(select->overloads[0].params[0], Type::Map(Type::Param("K"), Type::Param("V")));
  EXPECT_EQ(select->overloads[0].result, Type::Optional(Type::Param("V")));
  const FunctionDecl* index = h_.registry().Find("_[?_]");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->overloads.size(), 5u);
}

}  // namespace
}  // namespace stagegate::cel::testing
