#include <cmath>
#include <limits>

#include "tests/unit/cel/extensions/test_util.h"

namespace stagegate::cel::testing {
namespace {

class MathTest : public ::testing::Test {
 protected:
  ExtensionHarness h_;
};

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kUint64Max = std::numeric_limits<uint64_t>::max();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST_F(MathTest, GreatestKeepsTheOriginalType) {
  EXPECT_TRUE(IsInt(h_.Call("math_@max_1", {Value::Int(-5)}), -5));
  EXPECT_TRUE(IsInt(h_.Call("math_@max_2", {Value::Int(kInt64Min), Value::Int(1)}), 1));
  EXPECT_TRUE(IsUint(h_.Call("math_@max_2", {Value::Int(-3), Value::Uint(3)}), 3));
  EXPECT_TRUE(IsUint(h_.Call("math_@max_2", {Value::Uint(kUint64Max), Value::Uint(1)}), kUint64Max));
  EXPECT_TRUE(IsDouble(h_.Call("math_@max_2", {Value::Int(1), Value::Double(1.797693e308)}), 1.797693e308));
  EXPECT_TRUE(IsInt(h_.Call("math_@max_5", {Value::Double(5.4), Value::Int(10), Value::Uint(3), Value::Double(-5.0),
                                            Value::Int(kInt64Max)}),
                    kInt64Max));
  // Equal values: the first wins.
  EXPECT_TRUE(IsInt(h_.Call("math_@max_3", {Value::Int(1), Value::Double(1.0), Value::Uint(1)}), 1));
  EXPECT_TRUE(IsUint(h_.Call("math_@max_3", {Value::Uint(1), Value::Double(1.0), Value::Int(1)}), 1));
}

TEST_F(MathTest, GreatestAndLeastOfAList) {
  Value list =
      Value::ListOf({Value::Double(5.4), Value::Uint(10), Value::Uint(3), Value::Double(-5.0), Value::Double(3.5)});
  EXPECT_TRUE(IsUint(h_.Call("math_@max_list", {list}), 10));
  EXPECT_TRUE(IsDouble(h_.Call("math_@min_list", {list}), -5.0));
  // The one-argument dyn form accepts a list too.
  EXPECT_TRUE(IsUint(h_.Call("math_@max_1", {list}), 10));
  EXPECT_TRUE(
      IsError(h_.Call("math_@max_list", {Value::ListOf({})}), "math.greatest(list) argument must not be empty"));
  EXPECT_TRUE(IsError(h_.Call("math_@min_list", {Value::ListOf({Value::Int(1), Str("a")})}),
                      "no such overload: math.least applied to string"));
  EXPECT_TRUE(IsError(h_.Call("math_@max_2", {Value::Int(1), Value::Bool(true)}),
                      "no such overload: math.greatest applied to bool"));
}

TEST_F(MathTest, Least) {
  EXPECT_TRUE(IsInt(h_.Call("math_@min_2", {Value::Int(kInt64Min), Value::Int(1)}), kInt64Min));
  EXPECT_TRUE(IsUint(h_.Call("math_@min_2", {Value::Uint(kUint64Max), Value::Uint(1)}), 1));
  EXPECT_TRUE(IsDouble(h_.Call("math_@min_2", {Value::Double(1.5), Value::Double(-1.797693e308)}), -1.797693e308));
  EXPECT_TRUE(IsUint(h_.Call("math_@min_5", {Value::Double(5.4), Value::Int(10), Value::Uint(3), Value::Uint(1),
                                             Value::Uint(kUint64Max)}),
                     1));
  // Exact comparison of a uint beyond 2^53 with a nearby double.
  EXPECT_TRUE(IsUint(h_.Call("math_@min_2", {Value::Double(9007199254740992.0), Value::Uint(9007199254740991)}),
                     9007199254740991));
}

TEST_F(MathTest, Rounding) {
  EXPECT_TRUE(IsDouble(h_.Call("math_ceil_double", {Value::Double(-1.2)}), -1));
  EXPECT_TRUE(IsDouble(h_.Call("math_ceil_double", {Value::Double(1.2)}), 2));
  EXPECT_TRUE(IsDouble(h_.Call("math_floor_double", {Value::Double(-1.2)}), -2));
  EXPECT_TRUE(IsDouble(h_.Call("math_round_double", {Value::Double(-1.5)}), -2));
  EXPECT_TRUE(IsDouble(h_.Call("math_round_double", {Value::Double(2.5)}), 3));
  EXPECT_TRUE(IsDouble(h_.Call("math_round_double", {Value::Double(-1.4)}), -1));
  EXPECT_TRUE(IsDouble(h_.Call("math_trunc_double", {Value::Double(-1.7)}), -1));
  EXPECT_TRUE(std::isnan(h_.Call("math_round_double", {Value::Double(kNaN)}).GetDouble()));
  EXPECT_TRUE(IsError(h_.Call("math_ceil_double", {Value::Int(1)}), "no such overload"));
}

TEST_F(MathTest, AbsAndSign) {
  EXPECT_TRUE(IsInt(h_.Call("math_abs_int", {Value::Int(-7)}), 7));
  EXPECT_TRUE(IsError(h_.Call("math_abs_int", {Value::Int(kInt64Min)}), "integer overflow"));
  EXPECT_TRUE(IsUint(h_.Call("math_abs_uint", {Value::Uint(1)}), 1));
  EXPECT_TRUE(IsDouble(h_.Call("math_abs_double", {Value::Double(-11.5)}), 11.5));
  EXPECT_TRUE(IsInt(h_.Call("math_sign_int", {Value::Int(-100)}), -1));
  EXPECT_TRUE(IsInt(h_.Call("math_sign_int", {Value::Int(0)}), 0));
  EXPECT_TRUE(IsUint(h_.Call("math_sign_uint", {Value::Uint(9)}), 1));
  EXPECT_TRUE(IsDouble(h_.Call("math_sign_double", {Value::Double(-0.5)}), -1.0));
  EXPECT_TRUE(IsDouble(h_.Call("math_sign_double", {Value::Double(0.0)}), 0.0));
  EXPECT_TRUE(std::isnan(h_.Call("math_sign_double", {Value::Double(kNaN)}).GetDouble()));
}

TEST_F(MathTest, Classification) {
  EXPECT_TRUE(h_.Call("math_isNaN_double", {Value::Double(kNaN)}).GetBool());
  EXPECT_FALSE(h_.Call("math_isNaN_double", {Value::Double(kInf)}).GetBool());
  EXPECT_TRUE(h_.Call("math_isInf_double", {Value::Double(-kInf)}).GetBool());
  EXPECT_FALSE(h_.Call("math_isInf_double", {Value::Double(kNaN)}).GetBool());
  EXPECT_TRUE(h_.Call("math_isFinite_double", {Value::Double(1.0 / 1.5)}).GetBool());
  EXPECT_FALSE(h_.Call("math_isFinite_double", {Value::Double(kNaN)}).GetBool());
  EXPECT_TRUE(IsError(h_.Call("math_isNaN_double", {Value::Bool(true)}), "no such overload"));
}

TEST_F(MathTest, Bitwise) {
  EXPECT_TRUE(IsInt(h_.Call("math_bitAnd_int_int", {Value::Int(1), Value::Int(-1)}), 1));
  EXPECT_TRUE(IsUint(h_.Call("math_bitAnd_uint_uint", {Value::Uint(1), Value::Uint(3)}), 1));
  EXPECT_TRUE(IsInt(h_.Call("math_bitOr_int_int", {Value::Int(4), Value::Int(-2)}), -2));
  EXPECT_TRUE(IsUint(h_.Call("math_bitOr_uint_uint", {Value::Uint(1), Value::Uint(4)}), 5));
  EXPECT_TRUE(IsInt(h_.Call("math_bitXor_int_int", {Value::Int(3), Value::Int(5)}), 6));
  EXPECT_TRUE(IsInt(h_.Call("math_bitNot_int_int", {Value::Int(1)}), -2));
  EXPECT_TRUE(IsUint(h_.Call("math_bitNot_uint_uint", {Value::Uint(0)}), kUint64Max));
  EXPECT_TRUE(IsError(h_.Call("math_bitAnd_uint_uint", {Value::Uint(2), Str("")}), "no such overload"));
}

TEST_F(MathTest, Shifts) {
  EXPECT_TRUE(IsInt(h_.Call("math_bitShiftLeft_int_int", {Value::Int(1), Value::Int(2)}), 4));
  EXPECT_TRUE(IsInt(h_.Call("math_bitShiftLeft_int_int", {Value::Int(-1), Value::Int(200)}), 0));
  EXPECT_TRUE(IsUint(h_.Call("math_bitShiftLeft_uint_int", {Value::Uint(1), Value::Int(64)}), 0));
  EXPECT_TRUE(IsError(h_.Call("math_bitShiftLeft_uint_int", {Value::Uint(1), Value::Int(-1)}),
                      "math.bitShiftLeft() negative offset: -1"));
  EXPECT_TRUE(IsInt(h_.Call("math_bitShiftRight_int_int", {Value::Int(1024), Value::Int(2)}), 256));
  // Right shifts of ints are logical: the sign bit is not extended.
  EXPECT_TRUE(IsInt(h_.Call("math_bitShiftRight_int_int", {Value::Int(-1024), Value::Int(3)}), 2305843009213693824));
  EXPECT_TRUE(IsInt(h_.Call("math_bitShiftRight_int_int", {Value::Int(-1024), Value::Int(64)}), 0));
  EXPECT_TRUE(IsUint(h_.Call("math_bitShiftRight_uint_int", {Value::Uint(1024), Value::Int(200)}), 0));
  EXPECT_TRUE(IsError(h_.Call("math_bitShiftRight_uint_int", {Value::Uint(1), Value::Int(-1)}),
                      "math.bitShiftRight() negative offset: -1"));
}

TEST_F(MathTest, Sqrt) {
  EXPECT_TRUE(IsDouble(h_.Call("math_sqrt_int", {Value::Int(81)}), 9.0));
  EXPECT_TRUE(IsDouble(h_.Call("math_sqrt_uint", {Value::Uint(4)}), 2.0));
  EXPECT_TRUE(IsDouble(h_.Call("math_sqrt_double", {Value::Double(0.25)}), 0.5));
  EXPECT_TRUE(std::isnan(h_.Call("math_sqrt_int", {Value::Int(-1)}).GetDouble()));
}

}  // namespace
}  // namespace stagegate::cel::testing
