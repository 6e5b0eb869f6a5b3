#pragma once
// string.format() of the strings extension, with cel-go's formatting rules.
// Private to engine/cel/extensions.

#include <string>
#include <string_view>

#include "engine/cel/common/value.h"

namespace stagegate::cel::extensions_internal {

// Substitutes the elements of `args` (a list) into `format`'s clauses: %s,
// %d, %f, %e, %b, %o, %x, %X, an optional precision (`%.3f`), and %% for a
// percent sign. Returns a string, or an error value with cel-go's message.
Value Format(std::string_view format, const Value& args);

// Returns `d` as Go's %g with the shortest representation ("1e+06", "3.14"),
// and NaN, Infinity, -Infinity for the special values.
std::string FormatDoubleShortest(double d);

// Returns the timestamp in RFC 3339 with only the fractional digits needed, UTC ("2023-02-03T23:31:20Z").
std::string FormatTimestamp(Timestamp t);

// Returns the duration as seconds with only the fractional digits needed ("6347s", "1.5s").
std::string FormatDuration(Duration d);

}  // namespace stagegate::cel::extensions_internal
