#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::Byt;
using testing_util::StdlibTest;
using testing_util::Str;
using ContainersTest = StdlibTest;

Value IntList(std::vector<int64_t> items) {
  std::vector<Value> values;
  for (int64_t i : items) values.push_back(Value::Int(i));
  return Value::ListOf(std::move(values));
}

TEST_F(ContainersTest, SizeCountsCodePoints) {
  EXPECT_INT(Call("size", {Str("")}), 0);
  EXPECT_INT(Call("size", {Str("\xc3\xbf")}), 1);                    // ÿ
  EXPECT_INT(Call("size", {Str("\xf0\x9f\x90\xb1\xf0\x9f\x98\x80")}), 2);  // two emoji
  EXPECT_INT(Receiver("size", {Str("abc")}), 3);
  EXPECT_INT(Call("size", {Byt("\xc3\xbf")}), 2);
  EXPECT_INT(Call("size", {IntList({1, 2, 3})}), 3);
  EXPECT_INT(Receiver("size", {Value::MapOf({{Value::Int(1), Str("one")}})}), 1);
}

TEST_F(ContainersTest, InListUsesHeterogeneousEquality) {
  EXPECT_BOOL(Call("@in", {Value::Int(3), IntList({5, 4, 3})}), true);
  EXPECT_BOOL(Call("@in", {Value::Double(3.0), IntList({5, 4, 3})}), true);
  EXPECT_BOOL(Call("@in", {Value::Uint(3), IntList({5, 4, 3})}), true);
  EXPECT_BOOL(Call("@in", {Value::Int(7), IntList({})}), false);
  EXPECT_BOOL(Call("@in", {Str("x"), IntList({1})}), false);
}

TEST_F(ContainersTest, InMap) {
  Value map = Value::MapOf({{Str("a"), Value::Int(1)}, {Value::Int(2), Value::Int(2)}});
  // A list argument matches the in_list overload first, so look the map overload up by id.
  EXPECT_BOOL(Call("@in", {Str("a"), map}), true);
  EXPECT_BOOL(Call("@in", {Str("b"), map}), false);
  EXPECT_BOOL(Call("@in", {Value::Uint(2), map}), true);
  EXPECT_BOOL(Call("@in", {Value::Double(2.0), map}), true);
  EXPECT_BOOL(Call("@in", {Value::Double(2.5), map}), false);
  EXPECT_BOOL(Call("@in", {Value::ListOf({}), map}), false);
}

TEST_F(ContainersTest, IndexList) {
  Value list = IntList({7, 8, 9});
  EXPECT_INT(Call("_[_]", {list, Value::Int(0)}), 7);
  EXPECT_INT(Call("_[_]", {list, Value::Int(2)}), 9);
  EXPECT_ERROR(Call("_[_]", {list, Value::Int(3)}), "index '3' out of range in list size '3'");
  EXPECT_ERROR(Call("_[_]", {list, Value::Int(-1)}), "index '-1' out of range in list size '3'");
  // A dyn index may hold a uint or an integral double at run time.
  const Overload* index_list = FindById("_[_]", "index_list");
  ASSERT_NE(index_list, nullptr);
  MapActivation activation;
  EvalLimits limits;
  EvalContext context(activation, limits);
  std::vector<Value> by_double = {list, Value::Double(1.0)};
  EXPECT_INT(index_list->impl(by_double, context), 8);
  std::vector<Value> by_uint = {list, Value::Uint(2)};
  EXPECT_INT(index_list->impl(by_uint, context), 9);
  std::vector<Value> by_fraction = {list, Value::Double(0.1)};
  EXPECT_TRUE(index_list->impl(by_fraction, context).IsError());
  std::vector<Value> by_string = {list, Str("")};
  EXPECT_ERROR(index_list->impl(by_string, context), "unsupported index type 'string' in list");
}

TEST_F(ContainersTest, IndexMap) {
  Value map = Value::MapOf({{Str("a"), Value::Int(1)}, {Value::Int(2), Str("two")}});
  EXPECT_INT(Call("_[_]", {map, Str("a")}), 1);
  EXPECT_STRING(Call("_[_]", {map, Value::Uint(2)}), "two");
  EXPECT_STRING(Call("_[_]", {map, Value::Double(2.0)}), "two");
  EXPECT_ERROR(Call("_[_]", {map, Str("zz")}), "no such key: zz");
}

}  // namespace
}  // namespace stagegate::cel
