#include <cmath>
#include <limits>

#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::Byt;
using testing_util::StdlibTest;
using testing_util::Str;
using ComparisonTest = StdlibTest;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

TEST_F(ComparisonTest, HomogeneousOrdering) {
  EXPECT_BOOL(Call("_<_", {Value::Int(1), Value::Int(2)}), true);
  EXPECT_BOOL(Call("_<=_", {Value::Int(2), Value::Int(2)}), true);
  EXPECT_BOOL(Call("_>_", {Value::Int(2), Value::Int(2)}), false);
  EXPECT_BOOL(Call("_>=_", {Value::Uint(3), Value::Uint(2)}), true);
  EXPECT_BOOL(Call("_<_", {Value::Bool(false), Value::Bool(true)}), true);
  EXPECT_BOOL(Call("_<_", {Str("a"), Str("b")}), true);
  EXPECT_BOOL(Call("_<_", {Str(""), Str("a")}), true);
  // Bytewise UTF-8 order is code point order: U+00FF < U+0100.
  EXPECT_BOOL(Call("_<_", {Str("\xc3\xbf"), Str("\xc4\x80")}), true);
  EXPECT_BOOL(Call("_>_", {Byt("\xff"), Byt("\x01")}), true);
  EXPECT_BOOL(Call("_<_", {Value::TimestampOf({10, 0}), Value::TimestampOf({10, 1})}), true);
  EXPECT_BOOL(Call("_>=_", {Value::DurationOf({-5}), Value::DurationOf({-5})}), true);
}

TEST_F(ComparisonTest, HeterogeneousNumbersAreExact) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr uint64_t kUmax = std::numeric_limits<uint64_t>::max();
  EXPECT_BOOL(Call("_<_", {Value::Int(-1), Value::Uint(0)}), true);
  EXPECT_BOOL(Call("_>_", {Value::Uint(kUmax), Value::Int(kMax)}), true);
  EXPECT_BOOL(Call("_<=_", {Value::Uint(5), Value::Int(5)}), true);
  // Int and uint against double compare as doubles (cel-go, conformance "lossy_double" tests):
  // 2^63 - 1 rounds up to 2^63.
  EXPECT_BOOL(Call("_<_", {Value::Int(kMax), Value::Double(9223372036854775808.0)}), false);
  EXPECT_BOOL(Call("_>=_", {Value::Int(kMax), Value::Double(9223372036854775808.0)}), true);
  EXPECT_BOOL(Call("_>_", {Value::Double(9223372036854775808.0), Value::Int(kMax)}), false);
  EXPECT_BOOL(Call("_<_", {Value::Int(kMax), Value::Double(9223372036854777857.0)}), true);
  EXPECT_BOOL(Call("_<=_", {Value::Int(std::numeric_limits<int64_t>::min()), Value::Double(-9223372036854775809.0)}),
              true);
  EXPECT_BOOL(Call("_<_", {Value::Int(1), Value::Double(1.5)}), true);
  EXPECT_BOOL(Call("_>_", {Value::Int(-1), Value::Double(-1.5)}), true);
  EXPECT_BOOL(Call("_<_", {Value::Int(-2), Value::Double(-1.5)}), true);
  EXPECT_BOOL(Call("_<=_", {Value::Double(1.0), Value::Int(1)}), true);
  EXPECT_BOOL(Call("_<_", {Value::Uint(kUmax), Value::Double(18446744073709551616.0)}), false);  // rounds up
  EXPECT_BOOL(Call("_>_", {Value::Uint(0), Value::Double(-0.5)}), true);
  EXPECT_BOOL(Call("_>=_", {Value::Double(-0.0), Value::Uint(0)}), true);
  EXPECT_BOOL(Call("_<_", {Value::Double(-1e300), Value::Int(std::numeric_limits<int64_t>::min())}), true);
}

TEST_F(ComparisonTest, NanIsUnordered) {
  for (const char* op : {"_<_", "_<=_", "_>_", "_>=_"}) {
    SCOPED_TRACE(op);
    EXPECT_BOOL(Call(op, {Value::Double(kNan), Value::Double(kNan)}), false);
    SCOPED_TRACE(op);
    EXPECT_BOOL(Call(op, {Value::Double(kNan), Value::Int(1)}), false);
    SCOPED_TRACE(op);
    EXPECT_BOOL(Call(op, {Value::Uint(1), Value::Double(kNan)}), false);
  }
}

TEST_F(ComparisonTest, UnsupportedOrderingsHaveNoOverload) {
  EXPECT_EQ(Find("_<_", {Value::Null(), Value::Null()}, false), nullptr);
  EXPECT_EQ(Find("_<_", {Value::ListOf({}), Value::ListOf({})}, false), nullptr);
  EXPECT_EQ(Find("_<_", {Str("foo"), Value::Int(1024)}, false), nullptr);
}

TEST_F(ComparisonTest, Equality) {
  EXPECT_BOOL(Call("_==_", {Value::Int(1), Value::Uint(1)}), true);
  EXPECT_BOOL(Call("_==_", {Value::Int(1), Value::Double(1.0)}), true);
  EXPECT_BOOL(Call("_!=_", {Value::Double(kNan), Value::Double(kNan)}), true);
  EXPECT_BOOL(Call("_==_", {Str("a"), Value::Int(1)}), false);
  EXPECT_BOOL(Call("_!=_", {Value::Null(), Value::Null()}), false);
}

TEST_F(ComparisonTest, LogicalNotAndNotStrictlyFalse) {
  EXPECT_BOOL(Call("!_", {Value::Bool(true)}), false);
  EXPECT_BOOL(Call("!_", {Value::Bool(false)}), true);
  EXPECT_EQ(Find("!_", {Value::Int(0)}, false), nullptr);
  const Overload* nsf = FindById("@not_strictly_false", "not_strictly_false");
  ASSERT_NE(nsf, nullptr);
  EXPECT_FALSE(nsf->strict);
  EXPECT_BOOL(Call("@not_strictly_false", {Value::Bool(false)}), false);
  EXPECT_BOOL(Call("@not_strictly_false", {Value::Bool(true)}), true);
  EXPECT_BOOL(Call("@not_strictly_false", {Value::Error("boom")}), true);
  EXPECT_BOOL(Call("@not_strictly_false", {Value::Unknown("x")}), true);
}

TEST_F(ComparisonTest, LogicalOperatorsAbsorbErrors) {
  EXPECT_BOOL(Call("_&&_", {Value::Error("e"), Value::Bool(false)}), false);
  EXPECT_BOOL(Call("_||_", {Value::Bool(true), Value::Error("e")}), true);
  EXPECT_ERROR(Call("_&&_", {Value::Error("e"), Value::Bool(true)}), "e");
  EXPECT_ERROR(Call("_||_", {Str("a"), Value::Bool(false)}), "no matching overload");
  EXPECT_INT(Call("_?_:_", {Value::Bool(false), Value::Int(1), Value::Int(2)}), 2);
  EXPECT_ERROR(Call("_?_:_", {Str("cows"), Value::Int(1), Value::Int(2)}), "no matching overload");
}

}  // namespace
}  // namespace stagegate::cel
