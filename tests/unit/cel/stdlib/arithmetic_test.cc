#include <cmath>
#include <limits>

#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::Byt;
using testing_util::StdlibTest;
using testing_util::Str;
using ArithmeticTest = StdlibTest;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr uint64_t kUmax = std::numeric_limits<uint64_t>::max();

TEST_F(ArithmeticTest, IntBasics) {
  EXPECT_INT(Call("_+_", {Value::Int(2), Value::Int(3)}), 5);
  EXPECT_INT(Call("_-_", {Value::Int(2), Value::Int(3)}), -1);
  EXPECT_INT(Call("_*_", {Value::Int(-4), Value::Int(3)}), -12);
  EXPECT_INT(Call("_/_", {Value::Int(-7), Value::Int(2)}), -3);  // truncates toward zero
  EXPECT_INT(Call("_%_", {Value::Int(-7), Value::Int(2)}), -1);  // sign of the dividend
  EXPECT_INT(Call("-_", {Value::Int(5)}), -5);
}

TEST_F(ArithmeticTest, IntOverflowEdges) {
  EXPECT_INT(Call("_+_", {Value::Int(kMax - 1), Value::Int(1)}), kMax);
  EXPECT_ERROR(Call("_+_", {Value::Int(kMax), Value::Int(1)}), "return error for overflow");
  EXPECT_ERROR(Call("_+_", {Value::Int(kMin), Value::Int(-1)}), "return error for overflow");
  EXPECT_ERROR(Call("_-_", {Value::Int(kMin), Value::Int(1)}), "return error for overflow");
  EXPECT_ERROR(Call("_-_", {Value::Int(1), Value::Int(-kMax)}), "return error for overflow");
  EXPECT_ERROR(Call("_*_", {Value::Int(5000000000), Value::Int(5000000000)}), "return error for overflow");
  EXPECT_ERROR(Call("_*_", {Value::Int(kMin), Value::Int(-1)}), "return error for overflow");
  EXPECT_ERROR(Call("_/_", {Value::Int(kMin), Value::Int(-1)}), "return error for overflow");
  EXPECT_ERROR(Call("_%_", {Value::Int(kMin), Value::Int(-1)}), "return error for overflow");
  EXPECT_ERROR(Call("-_", {Value::Int(kMin)}), "return error for overflow");
  EXPECT_INT(Call("-_", {Value::Int(kMax)}), -kMax);
  EXPECT_INT(Call("_/_", {Value::Int(kMin), Value::Int(1)}), kMin);
}

TEST_F(ArithmeticTest, DivisionByZero) {
  EXPECT_ERROR(Call("_/_", {Value::Int(1), Value::Int(0)}), "division by zero");
  EXPECT_ERROR(Call("_%_", {Value::Int(1), Value::Int(0)}), "modulus by zero");
  EXPECT_ERROR(Call("_/_", {Value::Uint(1), Value::Uint(0)}), "division by zero");
  EXPECT_ERROR(Call("_%_", {Value::Uint(34), Value::Uint(0)}), "modulus by zero");
}

TEST_F(ArithmeticTest, Uint) {
  EXPECT_UINT(Call("_+_", {Value::Uint(kUmax - 1), Value::Uint(1)}), kUmax);
  EXPECT_ERROR(Call("_+_", {Value::Uint(kUmax), Value::Uint(1)}), "return error for overflow");
  EXPECT_ERROR(Call("_-_", {Value::Uint(0), Value::Uint(1)}), "return error for overflow");
  EXPECT_ERROR(Call("_*_", {Value::Uint(5000000000), Value::Uint(5000000000)}), "return error for overflow");
  EXPECT_UINT(Call("_/_", {Value::Uint(7), Value::Uint(2)}), 3u);
  EXPECT_UINT(Call("_%_", {Value::Uint(7), Value::Uint(2)}), 1u);
  // Unary minus is not defined on uint, nor % on double.
  EXPECT_EQ(Find("-_", {Value::Uint(1)}, false), nullptr);
  EXPECT_EQ(Find("_%_", {Value::Double(1), Value::Double(2)}, false), nullptr);
  // No mixed-type arithmetic.
  EXPECT_EQ(Find("_+_", {Value::Int(1), Value::Uint(2)}, false), nullptr);
}

TEST_F(ArithmeticTest, DoubleIsIeee) {
  EXPECT_DOUBLE(Call("_/_", {Value::Double(15.75), Value::Double(0.0)}), std::numeric_limits<double>::infinity());
  Value nan = Call("_/_", {Value::Double(0.0), Value::Double(0.0)});
  ASSERT_TRUE(nan.IsDouble());
  EXPECT_TRUE(std::isnan(nan.GetDouble()));
  Value neg_zero = Call("-_", {Value::Double(0.0)});
  ASSERT_TRUE(neg_zero.IsDouble());
  EXPECT_TRUE(std::signbit(neg_zero.GetDouble()));
  EXPECT_DOUBLE(Call("_*_", {Value::Double(40.75), Value::Double(-2.25)}), -91.6875);
  EXPECT_DOUBLE(Call("_-_", {Value::Double(42.875), Value::Double(-22.0)}), 64.875);
}

TEST_F(ArithmeticTest, Concatenation) {
  EXPECT_STRING(Call("_+_", {Str("he"), Str("llo")}), "hello");
  EXPECT_STRING(Call("_+_", {Str(""), Str("")}), "");
  EXPECT_STRING(Call("_+_", {Str("\xc2\xa2"), Str("\xc3\xbf")}), "\xc2\xa2\xc3\xbf");
  Value bytes = Call("_+_", {Byt("\xff"), Byt("oo")});
  ASSERT_TRUE(bytes.IsBytes());
  EXPECT_EQ(bytes.GetString(), "\xffoo");

  Value list = Call("_+_", {Value::ListOf({Value::Int(1), Str("a")}), Value::ListOf({Value::Double(2.5)})});
  ASSERT_TRUE(list.IsList());
  ASSERT_EQ(list.ListSize(), 3u);
  EXPECT_EQ(list.ListGet(0).GetInt(), 1);
  EXPECT_EQ(list.ListGet(1).GetString(), "a");
  EXPECT_EQ(list.ListGet(2).GetDouble(), 2.5);
  Value empty = Call("_+_", {Value::ListOf({}), Value::ListOf({})});
  ASSERT_TRUE(empty.IsList());
  EXPECT_EQ(empty.ListSize(), 0u);
}

TEST_F(ArithmeticTest, ConcatenationCost) {
  const Overload* add_string = FindById("_+_", "add_string");
  ASSERT_NE(add_string, nullptr);
  ASSERT_TRUE(add_string->cost);
  std::vector<Value> args = {Value::String(std::string(60, 'a')), Value::String(std::string(45, 'b'))};
  EXPECT_EQ(add_string->cost(args), 10);
  const Overload* add_list = FindById("_+_", "add_list");
  ASSERT_NE(add_list, nullptr);
  std::vector<Value> many(25, Value::Int(1));
  std::vector<Value> lists = {Value::ListOf(many), Value::ListOf(many)};
  EXPECT_EQ(add_list->cost(lists), 5);
}

}  // namespace
}  // namespace stagegate::cel
