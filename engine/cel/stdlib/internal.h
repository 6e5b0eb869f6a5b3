#pragma once
// Private to the standard library: the per-topic registration functions and
// the time helpers that several topics share (conversions print and parse
// timestamps and durations; arithmetic range-checks them).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/cel/common/function.h"

namespace stagegate::cel::stdlib_internal {

// 128-bit arithmetic for exact time computations (a GCC extension; -Wpedantic needs the marker).
__extension__ typedef __int128 Int128;

void RegisterLogicFunctions(FunctionRegistry& registry);
void RegisterComparisonFunctions(FunctionRegistry& registry);
void RegisterArithmeticFunctions(FunctionRegistry& registry);
void RegisterContainerFunctions(FunctionRegistry& registry);
void RegisterConversionFunctions(FunctionRegistry& registry);
void RegisterStringFunctions(FunctionRegistry& registry);
void RegisterTimeFunctions(FunctionRegistry& registry);

// Adds an overload; a duplicate id or signature is a programming error in the
// standard library, so it is ignored here and caught by the unit tests.
void AddOverload(FunctionRegistry& registry, std::string_view function, std::string id,
                 std::vector<Type> params, Type result, FunctionImpl impl, bool receiver_style = false);

// The valid timestamp range, 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Error messages users and the conformance suite see.
inline constexpr std::string_view kOverflowError = "return error for overflow";
inline constexpr std::string_view kTimestampRangeError = "timestamp out of range";
inline constexpr std::string_view kDurationRangeError = "duration out of range";

bool TimestampInRange(const Timestamp& t);
// Builds a timestamp from total nanoseconds since the epoch; nullopt when out of range.
std::optional<Timestamp> TimestampFromNanos(Int128 nanos);
Int128 TimestampToNanos(const Timestamp& t);

// Parses an RFC 3339 timestamp ("2009-02-13T23:31:30.5+01:00"); the error
// names what is wrong. Range-checked.
std::optional<Timestamp> ParseTimestamp(std::string_view text, std::string* error);
// Formats as RFC 3339 in UTC with the fraction trimmed of trailing zeros, as Go's RFC3339Nano.
std::string FormatTimestamp(const Timestamp& t);
// Parses a Go duration ("1h30m", "-1.5s", "100ms", "0"); range-checked to int64 nanoseconds.
std::optional<Duration> ParseDuration(std::string_view text, std::string* error);
// Formats as seconds with the fraction trimmed: "1.5s", "-0.000000001s", "0s".
std::string FormatDuration(const Duration& d);
// Formats a double as Go's %g does ("123.456", "1e+06", "NaN", "+Inf", "-0").
std::string FormatDouble(double d);

// The number of Unicode code points in valid UTF-8 `s`.
int64_t CodePointCount(std::string_view s);
bool IsValidUtf8(std::string_view s);

}  // namespace stagegate::cel::stdlib_internal
