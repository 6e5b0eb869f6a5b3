#include <cmath>
#include <limits>

#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::Byt;
using testing_util::StdlibTest;
using testing_util::Str;
using ConversionsTest = StdlibTest;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

TEST_F(ConversionsTest, ToInt) {
  EXPECT_INT(Call("int", {Value::Int(1)}), 1);
  EXPECT_INT(Call("int", {Value::Uint(9223372036854775807u)}), 9223372036854775807);
  EXPECT_ERROR(Call("int", {Value::Uint(18446744073709551615u)}), "range error converting to int");
  EXPECT_INT(Call("int", {Value::Double(-123.456)}), -123);
  EXPECT_INT(Call("int", {Value::Double(1.9)}), 1);
  EXPECT_INT(Call("int", {Value::Double(-3.5)}), -3);
  EXPECT_INT(Call("int", {Value::Double(36028797018963968.0)}), 36028797018963968);
  EXPECT_ERROR(Call("int", {Value::Double(9223372036854775807.0)}), "range error converting to int");
  EXPECT_ERROR(Call("int", {Value::Double(-9223372036854775808.0)}), "range error converting to int");
  EXPECT_ERROR(Call("int", {Value::Double(1e99)}), "range error converting to int");
  EXPECT_ERROR(Call("int", {Value::Double(kNan)}), "range error converting to int");
  EXPECT_ERROR(Call("int", {Value::Double(-kInf)}), "range error converting to int");
  EXPECT_INT(Call("int", {Str("987")}), 987);
  EXPECT_INT(Call("int", {Str("-9223372036854775808")}), std::numeric_limits<int64_t>::min());
  EXPECT_INT(Call("int", {Str("+5")}), 5);
  EXPECT_ERROR(Call("int", {Str("9223372036854775808")}), "range error converting to int");
  EXPECT_ERROR(Call("int", {Str("1.5")}), "type conversion error: cannot parse \"1.5\" as int");
  EXPECT_ERROR_CONTAINS(Call("int", {Str("")}), "type conversion error");
  EXPECT_ERROR_CONTAINS(Call("int", {Str(" 1")}), "type conversion error");
  EXPECT_ERROR_CONTAINS(Call("int", {Str("-")}), "type conversion error");
  EXPECT_INT(Call("int", {Value::TimestampOf({1095379199, 500})}), 1095379199);
}

TEST_F(ConversionsTest, ToUint) {
  EXPECT_UINT(Call("uint", {Value::Int(1729)}), 1729u);
  EXPECT_ERROR(Call("uint", {Value::Int(-1)}), "range error converting to uint");
  EXPECT_UINT(Call("uint", {Value::Double(25.5)}), 25u);
  EXPECT_ERROR(Call("uint", {Value::Double(6.022e23)}), "range error converting to uint");
  EXPECT_ERROR(Call("uint", {Value::Double(18446744073709551616.0)}), "range error converting to uint");
  EXPECT_ERROR(Call("uint", {Value::Double(kNan)}), "range error converting to uint");
  EXPECT_UINT(Call("uint", {Str("18446744073709551615")}), 18446744073709551615u);
  EXPECT_ERROR(Call("uint", {Str("18446744073709551616")}), "range error converting to uint");
  EXPECT_ERROR_CONTAINS(Call("uint", {Str("-1")}), "type conversion error");
}

TEST_F(ConversionsTest, ToDouble) {
  EXPECT_DOUBLE(Call("double", {Value::Int(9223372036854775807)}), 9223372036854775808.0);
  EXPECT_DOUBLE(Call("double", {Value::Uint(18446744073709551615u)}), 18446744073709551616.0);
  EXPECT_DOUBLE(Call("double", {Str("-84.32e7")}), -843200000.0);
  EXPECT_DOUBLE(Call("double", {Str("1.38e-23")}), 1.38e-23);
  EXPECT_DOUBLE(Call("double", {Str("+2.5")}), 2.5);
  EXPECT_DOUBLE(Call("double", {Str("-Inf")}), -kInf);
  EXPECT_DOUBLE(Call("double", {Str("1e-400")}), 0.0);
  Value neg_zero = Call("double", {Str("-0.0")});
  ASSERT_TRUE(neg_zero.IsDouble());
  EXPECT_TRUE(std::signbit(neg_zero.GetDouble()));
  EXPECT_ERROR(Call("double", {Str("1e400")}), "range error converting to double");
  EXPECT_ERROR_CONTAINS(Call("double", {Str("abc")}), "type conversion error");
  EXPECT_ERROR_CONTAINS(Call("double", {Str("")}), "type conversion error");
}

TEST_F(ConversionsTest, ToString) {
  EXPECT_STRING(Call("string", {Value::Int(-456)}), "-456");
  EXPECT_STRING(Call("string", {Value::Uint(9876)}), "9876");
  EXPECT_STRING(Call("string", {Value::Bool(true)}), "true");
  EXPECT_STRING(Call("string", {Value::Double(123.456)}), "123.456");
  EXPECT_STRING(Call("string", {Value::Double(1.0)}), "1");
  EXPECT_STRING(Call("string", {Value::Double(-0.0)}), "-0");
  EXPECT_STRING(Call("string", {Value::Double(123456.0)}), "123456");
  EXPECT_STRING(Call("string", {Value::Double(1e6)}), "1e+06");
  EXPECT_STRING(Call("string", {Value::Double(1.5e-7)}), "1.5e-07");
  EXPECT_STRING(Call("string", {Value::Double(0.0001)}), "0.0001");
  EXPECT_STRING(Call("string", {Value::Double(1e100)}), "1e+100");
  EXPECT_STRING(Call("string", {Value::Double(kNan)}), "NaN");
  EXPECT_STRING(Call("string", {Value::Double(kInf)}), "+Inf");
  EXPECT_STRING(Call("string", {Value::Double(-kInf)}), "-Inf");
  EXPECT_STRING(Call("string", {Byt("abc")}), "abc");
  EXPECT_STRING(Call("string", {Byt("\xc3\xbf")}), "\xc3\xbf");
  EXPECT_ERROR(Call("string", {Byt(std::string_view("\x00\xff", 2))}),
               "invalid UTF-8 in bytes, cannot convert to string");
  EXPECT_TRUE(Call("string", {Byt("\xc0\x80")}).IsError());       // overlong
  EXPECT_TRUE(Call("string", {Byt("\xed\xa0\x80")}).IsError());   // surrogate
  EXPECT_TRUE(Call("string", {Byt("\xe2\x82")}).IsError());       // truncated
  EXPECT_STRING(Call("string", {Value::TimestampOf({1234567890, 0})}), "2009-02-13T23:31:30Z");
  EXPECT_STRING(Call("string", {Value::TimestampOf({253402300799, 999999999})}), "9999-12-31T23:59:59.999999999Z");
  EXPECT_STRING(Call("string", {Value::TimestampOf({-62135596800, 120000000})}), "0001-01-01T00:00:00.12Z");
  EXPECT_STRING(Call("string", {Value::DurationOf({1000000 * 1000000000LL})}), "1000000s");
  EXPECT_STRING(Call("string", {Value::DurationOf({1500000000})}), "1.5s");
  EXPECT_STRING(Call("string", {Value::DurationOf({-1})}), "-0.000000001s");
  EXPECT_STRING(Call("string", {Value::DurationOf({0})}), "0s");
  EXPECT_STRING(Call("string", {Value::DurationOf({std::numeric_limits<int64_t>::min()})}), "-9223372036.854775808s");
}

TEST_F(ConversionsTest, ToBytesBoolDynType) {
  Value b = Call("bytes", {Str("\xc3\xbf")});
  ASSERT_TRUE(b.IsBytes());
  EXPECT_EQ(b.GetString(), "\xc3\xbf");
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True"}) EXPECT_BOOL(Call("bool", {Str(yes)}), true);
  for (const char* no : {"0", "f", "F", "false", "FALSE", "False"}) EXPECT_BOOL(Call("bool", {Str(no)}), false);
  EXPECT_ERROR(Call("bool", {Str("FaLsE")}), "type conversion error: cannot parse \"FaLsE\" as bool");
  EXPECT_ERROR_CONTAINS(Call("bool", {Str("")}), "type conversion error");
  EXPECT_INT(Call("dyn", {Value::Int(3)}), 3);
  Value t = Call("type", {Value::Uint(1)});
  ASSERT_TRUE(t.IsType());
  EXPECT_EQ(t.GetString(), "uint");
  Value list_type = Call("type", {Value::ListOf({Value::Int(1), Str("one")})});
  ASSERT_TRUE(list_type.IsType());
  EXPECT_EQ(list_type.GetString(), "list");
}

TEST_F(ConversionsTest, ToTimestamp) {
  Value t = Call("timestamp", {Str("2009-02-13T23:31:30Z")});
  ASSERT_TRUE(t.IsTimestamp()) << t.DebugString();
  EXPECT_EQ(t.GetTimestamp().seconds, 1234567890);
  t = Call("timestamp", {Str("2009-02-14T01:01:30.5+01:30")});
  ASSERT_TRUE(t.IsTimestamp()) << t.DebugString();
  EXPECT_EQ(t.GetTimestamp().seconds, 1234567890);
  EXPECT_EQ(t.GetTimestamp().nanos, 500000000);
  t = Call("timestamp", {Str("2009-02-13T15:31:30-08:00")});
  ASSERT_TRUE(t.IsTimestamp());
  EXPECT_EQ(t.GetTimestamp().seconds, 1234567890);
  t = Call("timestamp", {Str("2024-02-29T00:00:00Z")});  // leap day
  ASSERT_TRUE(t.IsTimestamp());
  EXPECT_EQ(t.GetTimestamp().seconds, 1709164800);
  EXPECT_ERROR_CONTAINS(Call("timestamp", {Str("2023-02-29T00:00:00Z")}), "invalid timestamp");
  EXPECT_ERROR(Call("timestamp", {Str("0000-01-01T00:00:00Z")}), "timestamp out of range");
  EXPECT_ERROR_CONTAINS(Call("timestamp", {Str("10000-01-01T00:00:00Z")}), "invalid timestamp");
  EXPECT_ERROR_CONTAINS(Call("timestamp", {Str("2009-02-13T23:31:30")}), "invalid timestamp");
  EXPECT_ERROR_CONTAINS(Call("timestamp", {Str("2009-02-13 23:31:30Z")}), "invalid timestamp");
  EXPECT_ERROR_CONTAINS(Call("timestamp", {Str("2009-02-13T24:00:00Z")}), "invalid timestamp");
  EXPECT_ERROR_CONTAINS(Call("timestamp", {Str("")}), "invalid timestamp");
  t = Call("timestamp", {Value::Int(1000000000)});
  ASSERT_TRUE(t.IsTimestamp());
  EXPECT_EQ(t.GetTimestamp().seconds, 1000000000);
  EXPECT_ERROR(Call("timestamp", {Value::Int(253402300800)}), "timestamp out of range");
  EXPECT_TRUE(Call("timestamp", {Value::Int(-62135596800)}).IsTimestamp());
}

TEST_F(ConversionsTest, ToDuration) {
  auto nanos = [&](std::string_view text) -> int64_t {
    Value d = Call("duration", {Str(text)});
    EXPECT_TRUE(d.IsDuration()) << text << " -> " << d.DebugString();
    return d.IsDuration() ? d.GetDuration().nanos : -12345;
  };
  EXPECT_EQ(nanos("100s"), 100'000'000'000);
  EXPECT_EQ(nanos("1h30m2.5s"), (3600 + 1800 + 2) * 1'000'000'000LL + 500'000'000);
  EXPECT_EQ(nanos("-1.5s"), -1'500'000'000);
  EXPECT_EQ(nanos("+2m"), 120'000'000'000);
  EXPECT_EQ(nanos("0"), 0);
  EXPECT_EQ(nanos("-0"), 0);
  EXPECT_EQ(nanos(".5ms"), 500'000);
  EXPECT_EQ(nanos("1.ms"), 1'000'000);
  EXPECT_EQ(nanos("3us"), 3'000);
  EXPECT_EQ(nanos("3\u00b5s"), 3'000);
  EXPECT_EQ(nanos("3\u03bcs"), 3'000);
  EXPECT_EQ(nanos("999999999ns"), 999'999'999);
  EXPECT_EQ(nanos("1.0000000009s"), 1'000'000'000);  // below a nanosecond is truncated
  EXPECT_EQ(nanos("2562047h47m16.854775807s"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(nanos("-2562047h47m16.854775808s"), std::numeric_limits<int64_t>::min());
  EXPECT_ERROR(Call("duration", {Str("2562047h47m16.854775808s")}), "duration out of range");
  EXPECT_ERROR(Call("duration", {Str("320000000000s")}), "duration out of range");
  EXPECT_ERROR(Call("duration", {Str("-320000000000s")}), "duration out of range");
  EXPECT_ERROR(Call("duration", {Str("99999999999999999999999999s")}), "duration out of range");
  EXPECT_ERROR(Call("duration", {Str("1")}), "invalid duration \"1\"");
  EXPECT_ERROR(Call("duration", {Str("")}), "invalid duration \"\"");
  EXPECT_ERROR(Call("duration", {Str("1d")}), "invalid duration \"1d\"");
  EXPECT_ERROR(Call("duration", {Str(".s")}), "invalid duration \".s\"");
  EXPECT_ERROR(Call("duration", {Str("-")}), "invalid duration \"-\"");
  EXPECT_ERROR(Call("duration", {Str("1s ")}), "invalid duration \"1s \"");
}

}  // namespace
}  // namespace stagegate::cel
