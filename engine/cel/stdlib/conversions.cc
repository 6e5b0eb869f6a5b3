// Type conversions: int(), uint(), double(), string(), bytes(), bool(),
// timestamp(), duration(), dyn(), type().

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

Value RangeError(std::string_view target) { return Value::Error("range error converting to " + std::string(target)); }

Value SyntaxError(std::string_view text, std::string_view target) {
  return Value::Error("type conversion error: cannot parse \"" + std::string(text) + "\" as " + std::string(target));
}

int64_t StringCost(std::span<const Value> args) { return static_cast<int64_t>(args[0].GetString().size() / 10); }

// Parses base-10 digits with an optional sign, as Go's strconv.ParseInt(s, 10, 64).
Value StringToInt(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return SyntaxError(text, "int");
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (end != s.data() + s.size() || s == "-") return SyntaxError(text, "int");
  if (ec == std::errc::result_out_of_range) return RangeError("int");
  if (ec != std::errc()) return SyntaxError(text, "int");
  return Value::Int(value);
}

Value StringToUint(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] < '0' || s[0] > '9') return SyntaxError(text, "uint");
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (end != s.data() + s.size()) return SyntaxError(text, "uint");
  if (ec == std::errc::result_out_of_range) return RangeError("uint");
  if (ec != std::errc()) return SyntaxError(text, "uint");
  return Value::Uint(value);
}

// Parses a decimal or special ("inf", "NaN") float, as Go's strconv.ParseFloat.
Value StringToDouble(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return SyntaxError(text, "double");
  }
  if (s.empty()) return SyntaxError(text, "double");
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (end != s.data() + s.size()) return SyntaxError(text, "double");
  if (ec == std::errc::result_out_of_range) {
    // Underflow rounds to zero; only overflow is an error.
    std::string copy(s);
    double approx = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(approx)) return RangeError("double");
    return Value::Double(approx);
  }
  if (ec != std::errc()) return SyntaxError(text, "double");
  return Value::Double(value);
}

Value StringToBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return Value::Bool(true);
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") return Value::Bool(false);
  return Value::Error("type conversion error: cannot parse \"" + std::string(s) + "\" as bool");
}

Value DoubleToInt(double d) {
  // Both bounds are exclusive: -2^63 itself is refused, as cel-go does.
  if (!(d > -kTwoTo63 && d < kTwoTo63)) return RangeError("int");
  return Value::Int(static_cast<int64_t>(d));
}

Value DoubleToUint(double d) {
  if (!(d >= 0 && d < kTwoTo64)) return RangeError("uint");
  return Value::Uint(static_cast<uint64_t>(d));
}

void Add(FunctionRegistry& registry, std::string_view function, std::string id, Type param, Type result,
         FunctionImpl impl, bool string_cost = false) {
  Overload o;
  o.id = std::move(id);
  o.params = {std::move(param)};
  o.result = std::move(result);
  o.impl = std::move(impl);
  if (string_cost) o.cost = StringCost;
  registry.Add(function, std::move(o));
}

Value Identity(std::span<const Value> args, EvalContext&) { return args[0]; }

}  // namespace

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  // The shortest digits that round-trip, laid out as Go's fmt "%g" (which cel-go uses).
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), std::fabs(d), std::chars_format::scientific);
  if (ec != std::errc()) return "NaN";
  std::string_view sci(buffer, static_cast<size_t>(end - buffer));
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string out = d < 0 ? "-" : "";
  int nd = static_cast<int>(digits.size());
  // Go's %g with the shortest precision uses the exponent form when exp < -4 || exp >= 6.
  if (exponent < -4 || exponent >= 6) {
    out += digits[0];
    if (nd > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += exponent < 0 ? '-' : '+';
    int magnitude = std::abs(exponent);
    if (magnitude < 10) out += '0';
    out += std::to_string(magnitude);
    return out;
  }
  int dp = exponent + 1;  // digits before the decimal point
  if (dp <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-dp), '0');
    out += digits;
  } else if (dp >= nd) {
    out += digits;
    out.append(static_cast<size_t>(dp - nd), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(dp));
    out += '.';
    out += digits.substr(static_cast<size_t>(dp));
  }
  return out;
}

void RegisterConversionFunctions(FunctionRegistry& registry) {
  const Type kInt = Type::Int();
  const Type kUint = Type::Uint();
  const Type kDouble = Type::Double();
  const Type kString = Type::String();
  const Type kBytes = Type::Bytes();
  const Type kBool = Type::Bool();
  const Type kTs = Type::Timestamp();
  const Type kDur = Type::Duration();

  // int()
  Add(registry, "int", "int64_to_int64", kInt, kInt, Identity);
  Add(registry, "int", "uint64_to_int64", kUint, kInt, [](std::span<const Value> args, EvalContext&) {
    if (args[0].GetUint() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return RangeError("int");
    return Value::Int(static_cast<int64_t>(args[0].GetUint()));
  });
  Add(registry, "int", "double_to_int64", kDouble, kInt,
      [](std::span<const Value> args, EvalContext&) { return DoubleToInt(args[0].GetDouble()); });
  Add(
      registry, "int", "string_to_int64", kString, kInt,
      [](std::span<const Value> args, EvalContext&) { return StringToInt(args[0].GetString()); }, true);
  Add(registry, "int", "timestamp_to_int64", kTs, kInt,
      [](std::span<const Value> args, EvalContext&) { return Value::Int(args[0].GetTimestamp().seconds); });

  // uint()
  Add(registry, "uint", "uint64_to_uint64", kUint, kUint, Identity);
  Add(registry, "uint", "int64_to_uint64", kInt, kUint, [](std::span<const Value> args, EvalContext&) {
    if (args[0].GetInt() < 0) return RangeError("uint");
    return Value::Uint(static_cast<uint64_t>(args[0].GetInt()));
  });
  Add(registry, "uint", "double_to_uint64", kDouble, kUint,
      [](std::span<const Value> args, EvalContext&) { return DoubleToUint(args[0].GetDouble()); });
  Add(
      registry, "uint", "string_to_uint64", kString, kUint,
      [](std::span<const Value> args, EvalContext&) { return StringToUint(args[0].GetString()); }, true);

  // double()
  Add(registry, "double", "double_to_double", kDouble, kDouble, Identity);
  Add(registry, "double", "int64_to_double", kInt, kDouble, [](std::span<const Value> args, EvalContext&) {
    return Value::Double(static_cast<double>(args[0].GetInt()));
  });
  Add(registry, "double", "uint64_to_double", kUint, kDouble, [](std::span<const Value> args, EvalContext&) {
    return Value::Double(static_cast<double>(args[0].GetUint()));
  });
  Add(
      registry, "double", "string_to_double", kString, kDouble,
      [](std::span<const Value> args, EvalContext&) { return StringToDouble(args[0].GetString()); }, true);

  // string()
  Add(registry, "string", "string_to_string", kString, kString, Identity);
  Add(registry, "string", "bool_to_string", kBool, kString, [](std::span<const Value> args, EvalContext&) {
    return Value::String(std::string_view(args[0].GetBool() ? "true" : "false"));
  });
  Add(registry, "string", "int64_to_string", kInt, kString, [](std::span<const Value> args, EvalContext&) {
    return Value::String(std::to_string(args[0].GetInt()));
  });
  Add(registry, "string", "uint64_to_string", kUint, kString, [](std::span<const Value> args, EvalContext&) {
    return Value::String(std::to_string(args[0].GetUint()));
  });
  Add(registry, "string", "double_to_string", kDouble, kString, [](std::span<const Value> args, EvalContext&) {
    return Value::String(FormatDouble(args[0].GetDouble()));
  });
  Add(
      registry, "string", "bytes_to_string", kBytes, kString,
      [](std::span<const Value> args, EvalContext&) {
        if (!IsValidUtf8(args[0].GetString())) {
          return Value::Error("invalid UTF-8 in bytes, cannot convert to string");
        }
        return Value::String(args[0].GetString());
      },
      true);
  Add(registry, "string", "timestamp_to_string", kTs, kString, [](std::span<const Value> args, EvalContext&) {
    return Value::String(FormatTimestamp(args[0].GetTimestamp()));
  });
  Add(registry, "string", "duration_to_string", kDur, kString, [](std::span<const Value> args, EvalContext&) {
    return Value::String(FormatDuration(args[0].GetDuration()));
  });

  // bytes()
  Add(registry, "bytes", "bytes_to_bytes", kBytes, kBytes, Identity);
  Add(
      registry, "bytes", "string_to_bytes", kString, kBytes,
      [](std::span<const Value> args, EvalContext&) { return Value::Bytes(args[0].GetString()); }, true);

  // bool()
  Add(registry, "bool", "bool_to_bool", kBool, kBool, Identity);
  Add(registry, "bool", "string_to_bool", kString, kBool,
      [](std::span<const Value> args, EvalContext&) { return StringToBool(args[0].GetString()); });

  // timestamp()
  Add(registry, "timestamp", "timestamp_to_timestamp", kTs, kTs, Identity);
  Add(registry, "timestamp", "string_to_timestamp", kString, kTs, [](std::span<const Value> args, EvalContext&) {
    std::string error;
    std::optional<Timestamp> t = ParseTimestamp(args[0].GetString(), &error);
    if (!t) return Value::Error(std::move(error));
    return Value::TimestampOf(*t);
  });
  Add(registry, "timestamp", "int64_to_timestamp", kInt, kTs, [](std::span<const Value> args, EvalContext&) {
    Timestamp t{args[0].GetInt(), 0};
    if (!TimestampInRange(t)) return Value::Error(std::string(kTimestampRangeError));
    return Value::TimestampOf(t);
  });

  // duration()
  Add(registry, "duration", "duration_to_duration", kDur, kDur, Identity);
  Add(registry, "duration", "string_to_duration", kString, kDur, [](std::span<const Value> args, EvalContext&) {
    std::string error;
    std::optional<Duration> d = ParseDuration(args[0].GetString(), &error);
    if (!d) return Value::Error(std::move(error));
    return Value::DurationOf(*d);
  });

  // dyn() and type()
  Add(registry, "dyn", "to_dyn", Type::Param("A"), Type::Dyn(), Identity);
  Add(registry, "type", "type", Type::Param("A"), Type::TypeOf(Type::Param("A")),
      [](std::span<const Value> args, EvalContext&) { return Value::Type(args[0].TypeName()); });
}

}  // namespace stagegate::cel::stdlib_internal
