#include <limits>

#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::StdlibTest;
using testing_util::Str;

class TimeTest : public StdlibTest {
 protected:
  Value Ts(std::string_view text) {
    Value t = Call("timestamp", {Str(text)});
    EXPECT_TRUE(t.IsTimestamp()) << text;
    return t;
  }
  Value Dur(std::string_view text) {
    Value d = Call("duration", {Str(text)});
    EXPECT_TRUE(d.IsDuration()) << text;
    return d;
  }
  Value Get(std::string_view function, const Value& receiver) { return Receiver(function, {receiver}); }
  Value Get(std::string_view function, const Value& receiver, std::string_view zone) {
    return Receiver(function, {receiver, Str(zone)});
  }
};

TEST_F(TimeTest, AccessorsInUtc) {
  Value t = Ts("2009-02-13T23:31:30Z");
  EXPECT_INT(Get("getFullYear", t), 2009);
  EXPECT_INT(Get("getMonth", t), 1);
  EXPECT_INT(Get("getDate", t), 13);
  EXPECT_INT(Get("getDayOfMonth", t), 12);
  EXPECT_INT(Get("getDayOfYear", t), 43);
  EXPECT_INT(Get("getDayOfWeek", t), 5);
  EXPECT_INT(Get("getHours", t), 23);
  EXPECT_INT(Get("getMinutes", t), 31);
  EXPECT_INT(Get("getSeconds", t), 30);
  EXPECT_INT(Get("getMilliseconds", Ts("2009-02-13T23:31:20.123456789Z")), 123);
  // Leap year: Dec 31 is day 365 (0-based); before the epoch works too.
  EXPECT_INT(Get("getDayOfYear", Ts("2024-12-31T12:00:00Z")), 365);
  EXPECT_INT(Get("getDayOfWeek", Ts("1969-12-31T23:59:59Z")), 3);
  EXPECT_INT(Get("getFullYear", Ts("0001-01-01T00:00:00Z")), 1);
  EXPECT_INT(Get("getDayOfWeek", Ts("0001-01-01T00:00:00Z")), 1);  // a Monday
}

TEST_F(TimeTest, AccessorsWithZones) {
  Value t = Ts("2009-02-13T23:31:30Z");
  EXPECT_INT(Get("getDate", t, "Australia/Sydney"), 14);
  EXPECT_INT(Get("getDayOfMonth", t, "US/Central"), 12);
  EXPECT_INT(Get("getDayOfMonth", t, "+11:00"), 13);
  EXPECT_INT(Get("getDayOfMonth", Ts("2009-02-13T02:00:00Z"), "America/St_Johns"), 11);
  EXPECT_INT(Get("getDayOfWeek", t, "UTC"), 5);
  EXPECT_INT(Get("getFullYear", t, "-09:30"), 2009);
  EXPECT_INT(Get("getHours", t, "02:00"), 1);
  EXPECT_INT(Get("getMinutes", t, "Asia/Kathmandu"), 16);  // +05:45
  EXPECT_INT(Get("getSeconds", t, "-00:00"), 30);
  EXPECT_INT(Get("getHours", t, "+05:30"), 5);
  EXPECT_INT(Get("getMinutes", t, "+05:30"), 1);
  EXPECT_INT(Get("getFullYear", Ts("2009-12-31T23:30:00Z"), "+01:00"), 2010);
}

TEST_F(TimeTest, DaylightSavingTransitions) {
  // Los Angeles switches from PST (-8) to PDT (-7) at 2024-03-10T10:00:00Z.
  EXPECT_INT(Get("getHours", Ts("2024-03-10T09:59:59Z"), "America/Los_Angeles"), 1);
  EXPECT_INT(Get("getHours", Ts("2024-03-10T10:00:00Z"), "America/Los_Angeles"), 3);
  // And back at 2024-11-03T09:00:00Z: 01:xx happens twice.
  EXPECT_INT(Get("getHours", Ts("2024-11-03T08:30:00Z"), "America/Los_Angeles"), 1);
  EXPECT_INT(Get("getHours", Ts("2024-11-03T09:30:00Z"), "America/Los_Angeles"), 1);
}

TEST_F(TimeTest, BadZonesAreErrors) {
  Value t = Ts("2009-02-13T23:31:30Z");
  EXPECT_ERROR(Get("getHours", t, "Mars/Olympus_Mons"), "unknown time zone 'Mars/Olympus_Mons'");
  EXPECT_ERROR(Get("getHours", t, "+5:30"), "invalid time zone offset '+5:30'");
  EXPECT_ERROR(Get("getHours", t, "+24:00"), "invalid time zone offset '+24:00'");
  EXPECT_ERROR(Get("getHours", t, "ab:cd"), "invalid time zone offset 'ab:cd'");
}

TEST_F(TimeTest, SpecializedZoneMatchesRuntimeZone) {
  const Overload* o = FindById("getHours", "timestamp_to_hours_with_tz");
  ASSERT_NE(o, nullptr);
  ASSERT_TRUE(o->specialize);
  std::vector<std::optional<Value>> constants = {std::nullopt, Str("Asia/Kolkata")};
  std::string error;
  std::optional<FunctionImpl> impl = o->specialize(constants, &error);
  ASSERT_TRUE(impl.has_value());
  MapActivation activation;
  EvalLimits limits;
  EvalContext context(activation, limits);
  std::vector<Value> args = {Ts("2009-02-13T23:31:30Z"), Str("Asia/Kolkata")};
  EXPECT_INT((*impl)(args, context), 5);
  // An unknown constant zone keeps the run-time error.
  constants[1] = Str("Nowhere/Special");
  EXPECT_FALSE(o->specialize(constants, &error).has_value());
}

TEST_F(TimeTest, DurationAccessors) {
  EXPECT_INT(Get("getHours", Dur("10000s")), 2);
  EXPECT_INT(Get("getMinutes", Dur("3730s")), 62);
  EXPECT_INT(Get("getSeconds", Dur("3730s")), 3730);
  EXPECT_INT(Get("getMilliseconds", Dur("3730.5s")), 3730500);
  EXPECT_INT(Get("getMinutes", Dur("-90s")), -1);  // truncated toward zero
}

TEST_F(TimeTest, Arithmetic) {
  Value sum = Call("_+_", {Ts("2009-02-13T23:00:00Z"), Dur("240s")});
  EXPECT_BOOL(Call("_==_", {sum, Ts("2009-02-13T23:04:00Z")}), true);
  sum = Call("_+_", {Dur("240s"), Ts("2009-02-13T23:00:00Z")});
  EXPECT_BOOL(Call("_==_", {sum, Ts("2009-02-13T23:04:00Z")}), true);
  sum = Call("_+_", {Ts("0001-01-01T00:00:01.000000001Z"), Dur("-999999999ns")});
  EXPECT_BOOL(Call("_==_", {sum, Ts("0001-01-01T00:00:00.000000002Z")}), true);
  sum = Call("_+_", {Ts("0001-01-01T00:00:01.999999999Z"), Dur("999999999ns")});
  EXPECT_BOOL(Call("_==_", {sum, Ts("0001-01-01T00:00:02.999999998Z")}), true);
  Value diff = Call("_-_", {Ts("2009-02-13T23:31:00Z"), Ts("2009-02-13T23:29:00Z")});
  EXPECT_BOOL(Call("_==_", {diff, Dur("120s")}), true);
  diff = Call("_-_", {Dur("900s"), Dur("42s")});
  EXPECT_BOOL(Call("_==_", {diff, Dur("858s")}), true);
  Value before = Call("_-_", {Ts("2009-02-13T23:00:00Z"), Dur("1.5s")});
  EXPECT_STRING(Call("string", {before}), "2009-02-13T22:59:58.5Z");
}

TEST_F(TimeTest, ArithmeticRangeErrors) {
  EXPECT_ERROR(Call("_+_", {Ts("0001-01-01T00:00:00Z"), Dur("-1s")}), "timestamp out of range");
  EXPECT_ERROR(Call("_+_", {Ts("0001-01-01T00:00:00Z"), Dur("-1ns")}), "timestamp out of range");
  EXPECT_ERROR(Call("_+_", {Ts("9999-12-31T23:59:59Z"), Dur("1s")}), "timestamp out of range");
  EXPECT_ERROR(Call("_+_", {Ts("9999-12-31T23:59:59.999999999Z"), Dur("1ns")}), "timestamp out of range");
  EXPECT_ERROR(Call("_-_", {Ts("0001-01-01T00:00:00Z"), Dur("1ns")}), "timestamp out of range");
  EXPECT_ERROR(Call("_-_", {Ts("9999-12-31T23:59:59Z"), Ts("0001-01-01T00:00:00Z")}), "duration out of range");
  Value big = Value::DurationOf({std::numeric_limits<int64_t>::max()});
  EXPECT_ERROR(Call("_+_", {big, Dur("1ns")}), "duration out of range");
  EXPECT_ERROR(Call("_-_", {Value::DurationOf({std::numeric_limits<int64_t>::min()}), Dur("1ns")}),
               "duration out of range");
}

}  // namespace
}  // namespace stagegate::cel
