#include "engine/cel/extensions/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "engine/cel/extensions/internal.h"

namespace stagegate::cel::extensions_internal {
namespace {

// Precision beyond this is refused: it could only pad with zeros, and an
// unchecked precision from user input would let one clause allocate gigabytes.
constexpr int kMaxPrecision = 1000;

std::string ErrorDuringFormatting(std::string_view what, const Value& arg) {
  return "error during formatting: " + std::string(what) + ", was given " + std::string(arg.TypeName());
}

std::optional<std::string> SpecialDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return std::nullopt;
}

std::string Printf(const char* spec, int precision, double d) {
  int n = std::snprintf(nullptr, 0, spec, precision, d);
  if (n < 0) return "";
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), spec, precision, d);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string UintInBase(uint64_t u, int base, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (u == 0) return "0";
  std::string out;
  while (u > 0) {
    out.push_back(digits[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// Renders an int in `base` with a leading minus sign for negatives, as Go's fmt does.
std::string IntInBase(int64_t i, int base, bool upper) {
  if (i >= 0) return UintInBase(static_cast<uint64_t>(i), base, upper);
  return "-" + UintInBase(0 - static_cast<uint64_t>(i), base, upper);
}

// Renders `arg` for the %s clause into `out`; returns an error message on failure.
std::optional<std::string> FormatAsString(const Value& arg, std::string& out) {
  switch (arg.kind()) {
    case ValueKind::kNull:
      out.append("null");
      return std::nullopt;
    case ValueKind::kBool:
      out.append(arg.GetBool() ? "true" : "false");
      return std::nullopt;
    case ValueKind::kInt:
      out.append(std::to_string(arg.GetInt()));
      return std::nullopt;
    case ValueKind::kUint:
      out.append(std::to_string(arg.GetUint()));
      return std::nullopt;
    case ValueKind::kDouble:
      out.append(FormatDoubleShortest(arg.GetDouble()));
      return std::nullopt;
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType:
      out.append(arg.GetString());
      return std::nullopt;
    case ValueKind::kTimestamp:
      out.append(FormatTimestamp(arg.GetTimestamp()));
      return std::nullopt;
    case ValueKind::kDuration:
      out.append(FormatDuration(arg.GetDuration()));
      return std::nullopt;
    case ValueKind::kList: {
      out.push_back('[');
      size_t n = arg.ListSize();
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) out.append(", ");
        if (auto error = FormatAsString(arg.ListGet(i), out)) return error;
      }
      out.push_back(']');
      return std::nullopt;
    }
    case ValueKind::kMap: {
      // cel-go sorts the entries by their rendered keys, so output is stable.
      std::vector<std::pair<std::string, std::string>> entries;
      Value keys = arg.MapKeys();
      size_t n = keys.ListSize();
      for (size_t i = 0; i < n; ++i) {
        Value key = keys.ListGet(i);
        std::string key_text;
        std::string value_text;
        if (auto error = FormatAsString(key, key_text)) return error;
        std::optional<Value> value = arg.MapFind(key);
        if (!value.has_value()) continue;
        if (auto error = FormatAsString(*value, value_text)) return error;
        entries.emplace_back(std::move(key_text), std::move(value_text));
      }
      std::sort(entries.begin(), entries.end());
      out.push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out.append(", ");
        out.append(entries[i].first).append(": ").append(entries[i].second);
      }
      out.push_back('}');
      return std::nullopt;
    }
    default:
      return ErrorDuringFormatting(
          "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, "
          "and timestamps",
          arg);
  }
}

std::optional<std::string> FormatClause(char verb, std::optional<int> precision, const Value& arg, std::string& out) {
  switch (verb) {
    case 's':
      return FormatAsString(arg, out);
    case 'd':
      if (arg.IsInt()) {
        out.append(std::to_string(arg.GetInt()));
      } else if (arg.IsUint()) {
        out.append(std::to_string(arg.GetUint()));
      } else if (arg.IsDouble() && SpecialDouble(arg.GetDouble())) {
        out.append(*SpecialDouble(arg.GetDouble()));
      } else {
        return ErrorDuringFormatting("decimal clause can only be used on integers", arg);
      }
      return std::nullopt;
    case 'f':
    case 'e': {
      double d;
      if (arg.IsDouble()) {
        d = arg.GetDouble();
      } else if (arg.IsInt()) {
        d = static_cast<double>(arg.GetInt());
      } else if (arg.IsUint()) {
        d = static_cast<double>(arg.GetUint());
      } else {
        return ErrorDuringFormatting(verb == 'f' ? "fixed-point clause can only be used on doubles"
                                                 : "scientific clause can only be used on doubles",
                                     arg);
      }
      if (auto special = SpecialDouble(d)) {
        out.append(*special);
      } else {
        out.append(Printf(verb == 'f' ? "%.*f" : "%.*e", precision.value_or(6), d));
      }
      return std::nullopt;
    }
    case 'b':
      if (arg.IsInt()) {
        out.append(IntInBase(arg.GetInt(), 2, false));
      } else if (arg.IsUint()) {
        out.append(UintInBase(arg.GetUint(), 2, false));
      } else if (arg.IsBool()) {
        out.append(arg.GetBool() ? "1" : "0");
      } else {
        return ErrorDuringFormatting("only integers and bools can be formatted as binary", arg);
      }
      return std::nullopt;
    case 'o':
      if (arg.IsInt()) {
        out.append(IntInBase(arg.GetInt(), 8, false));
      } else if (arg.IsUint()) {
        out.append(UintInBase(arg.GetUint(), 8, false));
      } else {
        return ErrorDuringFormatting("octal clause can only be used on integers", arg);
      }
      return std::nullopt;
    case 'x':
    case 'X': {
      bool upper = verb == 'X';
      if (arg.IsInt()) {
        out.append(IntInBase(arg.GetInt(), 16, upper));
      } else if (arg.IsUint()) {
        out.append(UintInBase(arg.GetUint(), 16, upper));
      } else if (arg.IsString() || arg.IsBytes()) {
        const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        for (char c : arg.GetString()) {
          auto b = static_cast<unsigned char>(c);
          out.push_back(digits[b >> 4]);
          out.push_back(digits[b & 15]);
        }
      } else {
        return ErrorDuringFormatting("only integers, byte buffers, and strings can be formatted as hex", arg);
      }
      return std::nullopt;
    }
    default:
      return "could not parse formatting clause: unrecognized formatting clause \"" + std::string(1, verb) + "\"";
  }
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian).
void CivilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  year = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;
}

// Appends ".ddddddddd" with trailing zeros removed, or nothing when `nanos` is 0.
void AppendFraction(std::string& out, uint32_t nanos) {
  if (nanos == 0) return;
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%09u", nanos);
  std::string fraction(buf);
  while (fraction.back() == '0') fraction.pop_back();
  out.append(fraction);
}

}  // namespace

std::string FormatDoubleShortest(double d) {
  if (auto special = SpecialDouble(d)) return *special;
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  // Find the fewest significant digits that read back as the same double.
  char buf[40];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string text(buf);
  bool negative = text[0] == '-';
  if (negative) text.erase(0, 1);
  size_t e_pos = text.find('e');
  int exponent = std::atoi(text.c_str() + e_pos + 1);
  std::string mantissa;
  for (size_t i = 0; i < e_pos; ++i) {
    if (text[i] != '.') mantissa.push_back(text[i]);
  }
  while (mantissa.size() > 1 && mantissa.back() == '0') mantissa.pop_back();
  std::string out = negative ? "-" : "";
  // Go's %g switches to exponent form below 1e-4 and from 1e6 (the precision
  // used for this decision when printing the shortest representation).
  if (exponent < -4 || exponent >= 6) {
    out.push_back(mantissa[0]);
    if (mantissa.size() > 1) out.append(".").append(mantissa.substr(1));
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out.append(exp_buf);
  } else if (exponent >= 0) {
    auto int_digits = static_cast<size_t>(exponent) + 1;
    if (mantissa.size() <= int_digits) {
      out.append(mantissa).append(int_digits - mantissa.size(), '0');
    } else {
      out.append(mantissa.substr(0, int_digits)).append(".").append(mantissa.substr(int_digits));
    }
  } else {
    out.append("0.").append(static_cast<size_t>(-exponent - 1), '0').append(mantissa);
  }
  return out;
}

std::string FormatTimestamp(Timestamp t) {
  int64_t days = t.seconds / 86400;
  int64_t secs = t.seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  int64_t year;
  unsigned month;
  unsigned day;
  CivilFromDays(days, year, month, day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(year), month, day,
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  std::string out(buf);
  AppendFraction(out, t.nanos >= 0 ? static_cast<uint32_t>(t.nanos) : 0);
  out.push_back('Z');
  return out;
}

std::string FormatDuration(Duration d) {
  uint64_t magnitude = d.nanos < 0 ? 0 - static_cast<uint64_t>(d.nanos) : static_cast<uint64_t>(d.nanos);
  std::string out = d.nanos < 0 ? "-" : "";
  out.append(std::to_string(magnitude / 1'000'000'000));
  AppendFraction(out, static_cast<uint32_t>(magnitude % 1'000'000'000));
  out.push_back('s');
  return out;
}

Value Format(std::string_view format, const Value& args) {
  std::string out;
  size_t next_arg = 0;
  size_t arg_count = args.ListSize();
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i++];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i >= format.size()) {
      return Value::Error("could not parse formatting clause: unexpected end of format string");
    }
    if (format[i] == '%') {
      out.push_back('%');
      ++i;
      continue;
    }
    std::optional<int> precision;
    if (format[i] == '.') {
      ++i;
      size_t start = i;
      int64_t p = 0;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        p = std::min<int64_t>(p * 10 + (format[i] - '0'), kMaxPrecision + 1);
        ++i;
      }
      if (i == start) {
        return Value::Error("could not parse formatting clause: unable to convert precision specifier to integer");
      }
      if (p > kMaxPrecision) {
        return Value::Error("could not parse formatting clause: precision specifier larger than " +
                            std::to_string(kMaxPrecision));
      }
      precision = static_cast<int>(p);
      if (i >= format.size()) {
        return Value::Error("could not parse formatting clause: unexpected end of format string");
      }
    }
    char verb = format[i];
    if (std::string_view("sdfeboxX").find(verb) == std::string_view::npos) {
      // Name the whole code point, not one byte of it.
      size_t end = i;
      DecodeRune(format, end);
      return Value::Error("could not parse formatting clause: unrecognized formatting clause \"" +
                          std::string(format.substr(i, end - i)) + "\"");
    }
    ++i;
    if (next_arg >= arg_count) return Value::Error("index " + std::to_string(next_arg) + " out of range");
    Value arg = args.ListGet(next_arg++);
    if (arg.IsErrorOrUnknown()) return arg;
    if (auto error = FormatClause(verb, precision, arg, out)) return Value::Error(std::move(*error));
  }
  return Value::String(std::move(out));
}

}  // namespace stagegate::cel::extensions_internal
