// Timestamps and durations: parsing, printing, range checks, and the
// calendar accessors with optional time zones.

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <limits>

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at `pos`.
bool ReadDigits(std::string_view text, size_t& pos, int count, int& out) {
  if (pos + static_cast<size_t>(count) > text.size()) return false;
  int value = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[pos + static_cast<size_t>(i)];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += static_cast<size_t>(count);
  out = value;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

int64_t DaysFromCivil(int year, int month, int day) {
  return date::sys_days{date::year{year} / date::month{static_cast<unsigned>(month)} /
                        date::day{static_cast<unsigned>(day)}}
      .time_since_epoch()
      .count();
}

// A resolved time zone: an IANA zone from the system database, or a fixed offset.
struct Zone {
  const date::time_zone* tz = nullptr;
  int64_t fixed_offset_seconds = 0;

  // Returns the offset from UTC in seconds at `utc_seconds`.
  int64_t OffsetAt(int64_t utc_seconds) const {
    if (tz == nullptr) return fixed_offset_seconds;
    try {
      return tz->get_info(date::sys_seconds{std::chrono::seconds{utc_seconds}}).offset.count();
    } catch (const std::exception&) {
      return 0;
    }
  }
};

// Resolves a time-zone argument as cel-go does: a string with a colon is a
// numeric offset "[+-]HH:MM" (the sign may be omitted), anything else an IANA name.
std::optional<Zone> ResolveZone(std::string_view name, std::string* error) {
  if (name.empty() || name == "UTC" || name == "Z") return Zone{};
  size_t colon = name.find(':');
  if (colon != std::string_view::npos) {
    std::string_view hours_text = name.substr(0, colon);
    std::string_view minutes_text = name.substr(colon + 1);
    bool negative = false;
    if (!hours_text.empty() && (hours_text[0] == '+' || hours_text[0] == '-')) {
      negative = hours_text[0] == '-';
      hours_text.remove_prefix(1);
    }
    size_t pos = 0;
    int hours = 0;
    int minutes = 0;
    if (hours_text.size() != 2 || minutes_text.size() != 2 || !ReadDigits(hours_text, pos, 2, hours) ||
        !ReadDigits(minutes_text, pos = 0, 2, minutes) || hours > 23 || minutes > 59) {
      *error = "invalid time zone offset '" + std::string(name) + "'";
      return std::nullopt;
    }
    int64_t offset = hours * 3600 + minutes * 60;
    return Zone{nullptr, negative ? -offset : offset};
  }
  try {
    const date::time_zone* tz = date::locate_zone(name);
    if (tz != nullptr) return Zone{tz, 0};
  } catch (const std::exception&) {
  }
  *error = "unknown time zone '" + std::string(name) + "'";
  return std::nullopt;
}

// The calendar fields of an instant in a zone.
struct CivilTime {
  int64_t year;
  int64_t month;         // 1..12
  int64_t day;           // 1..31
  int64_t day_of_year;   // 0-based
  int64_t day_of_week;   // 0 = Sunday
  int64_t hours;
  int64_t minutes;
  int64_t seconds;
  int64_t milliseconds;
};

CivilTime ToCivil(const Timestamp& t, const Zone& zone) {
  int64_t local = t.seconds + zone.OffsetAt(t.seconds);
  int64_t days = FloorDiv(local, kSecondsPerDay);
  int64_t second_of_day = local - days * kSecondsPerDay;
  date::sys_days sd{date::days{days}};
  date::year_month_day ymd{sd};
  date::sys_days new_year{ymd.year() / date::January / 1};
  CivilTime civil;
  civil.year = static_cast<int>(ymd.year());
  civil.month = static_cast<unsigned>(ymd.month());
  civil.day = static_cast<unsigned>(ymd.day());
  civil.day_of_year = (sd - new_year).count();
  civil.day_of_week = date::weekday{sd}.c_encoding();
  civil.hours = second_of_day / 3600;
  civil.minutes = second_of_day / 60 % 60;
  civil.seconds = second_of_day % 60;
  civil.milliseconds = t.nanos / 1'000'000;
  return civil;
}

using CivilField = int64_t (*)(const CivilTime&);

struct Accessor {
  const char* function;
  const char* id;
  CivilField field;
};

constexpr std::array<Accessor, 10> kAccessors = {{
    {"getFullYear", "timestamp_to_year", [](const CivilTime& c) { return c.year; }},
    {"getMonth", "timestamp_to_month", [](const CivilTime& c) { return c.month - 1; }},
    {"getDayOfYear", "timestamp_to_day_of_year", [](const CivilTime& c) { return c.day_of_year; }},
    {"getDayOfMonth", "timestamp_to_day_of_month", [](const CivilTime& c) { return c.day - 1; }},
    {"getDate", "timestamp_to_day_of_month_1_based", [](const CivilTime& c) { return c.day; }},
    {"getDayOfWeek", "timestamp_to_day_of_week", [](const CivilTime& c) { return c.day_of_week; }},
    {"getHours", "timestamp_to_hours", [](const CivilTime& c) { return c.hours; }},
    {"getMinutes", "timestamp_to_minutes", [](const CivilTime& c) { return c.minutes; }},
    {"getSeconds", "timestamp_to_seconds", [](const CivilTime& c) { return c.seconds; }},
    {"getMilliseconds", "timestamp_to_milliseconds", [](const CivilTime& c) { return c.milliseconds; }},
}};

void RegisterAccessor(FunctionRegistry& registry, const Accessor& accessor) {
  CivilField field = accessor.field;
  AddOverload(
      registry, accessor.function, accessor.id, {Type::Timestamp()}, Type::Int(),
      [field](std::span<const Value> args, EvalContext&) {
        return Value::Int(field(ToCivil(args[0].GetTimestamp(), Zone{})));
      },
      /*receiver_style=*/true);

  Overload o;
  o.id = std::string(accessor.id) + "_with_tz";
  o.receiver_style = true;
  o.params = {Type::Timestamp(), Type::String()};
  o.result = Type::Int();
  o.impl = [field](std::span<const Value> args, EvalContext&) {
    std::string error;
    std::optional<Zone> zone = ResolveZone(args[1].GetString(), &error);
    if (!zone) return Value::Error(std::move(error));
    return Value::Int(field(ToCivil(args[0].GetTimestamp(), *zone)));
  };
  // A constant zone is resolved once; an unknown one stays a run-time error, as in cel-go.
  o.specialize = [field](std::span<const std::optional<Value>> constants,
                         std::string*) -> std::optional<FunctionImpl> {
    if (constants.size() != 2 || !constants[1] || !constants[1]->IsString()) return std::nullopt;
    std::string error;
    std::optional<Zone> zone = ResolveZone(constants[1]->GetString(), &error);
    if (!zone) return std::nullopt;
    Zone resolved = *zone;
    return FunctionImpl([field, resolved](std::span<const Value> args, EvalContext&) {
      return Value::Int(field(ToCivil(args[0].GetTimestamp(), resolved)));
    });
  };
  registry.Add(accessor.function, std::move(o));
}

}  // namespace

bool TimestampInRange(const Timestamp& t) {
  return t.seconds >= kMinTimestampSeconds && t.seconds <= kMaxTimestampSeconds && t.nanos >= 0 &&
         t.nanos < kNanosPerSecond;
}

std::optional<Timestamp> TimestampFromNanos(Int128 nanos) {
  Int128 seconds = nanos / kNanosPerSecond;
  Int128 rest = nanos % kNanosPerSecond;
  if (rest < 0) {
    rest += kNanosPerSecond;
    --seconds;
  }
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) return std::nullopt;
  return Timestamp{static_cast<int64_t>(seconds), static_cast<int32_t>(rest)};
}

Int128 TimestampToNanos(const Timestamp& t) { return static_cast<Int128>(t.seconds) * kNanosPerSecond + t.nanos; }

std::optional<Timestamp> ParseTimestamp(std::string_view text, std::string* error) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  bool ok = ReadDigits(text, pos, 4, year) && Expect(text, pos, '-') && ReadDigits(text, pos, 2, month) &&
            Expect(text, pos, '-') && ReadDigits(text, pos, 2, day) &&
            (Expect(text, pos, 'T') || Expect(text, pos, 't')) && ReadDigits(text, pos, 2, hour) &&
            Expect(text, pos, ':') && ReadDigits(text, pos, 2, minute) && Expect(text, pos, ':') &&
            ReadDigits(text, pos, 2, second);
  int32_t nanos = 0;
  if (ok && pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) ok = false;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset = 0;
  if (ok) {
    if (Expect(text, pos, 'Z') || Expect(text, pos, 'z')) {
      // UTC.
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      bool negative = text[pos] == '-';
      ++pos;
      int offset_hours = 0;
      int offset_minutes = 0;
      ok = ReadDigits(text, pos, 2, offset_hours) && Expect(text, pos, ':') &&
           ReadDigits(text, pos, 2, offset_minutes) && offset_hours < 24 && offset_minutes < 60;
      offset = (offset_hours * 3600 + offset_minutes * 60) * (negative ? -1 : 1);
    } else {
      ok = false;
    }
  }
  ok = ok && pos == text.size();
  if (!ok || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 ||
      !date::year_month_day{date::year{year} / date::month{static_cast<unsigned>(month)} /
                            date::day{static_cast<unsigned>(day)}}
           .ok()) {
    *error = "invalid timestamp \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  Timestamp t;
  t.seconds = DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  t.nanos = nanos;
  if (!TimestampInRange(t)) {
    *error = std::string(kTimestampRangeError);
    return std::nullopt;
  }
  return t;
}

std::string FormatTimestamp(const Timestamp& t) {
  int64_t days = FloorDiv(t.seconds, kSecondsPerDay);
  int64_t second_of_day = t.seconds - days * kSecondsPerDay;
  date::year_month_day ymd{date::sys_days{date::days{days}}};
  char buffer[64];
  int year = static_cast<int>(ymd.year());
  int n = std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02d", year,
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(second_of_day / 3600), static_cast<int>(second_of_day / 60 % 60),
                        static_cast<int>(second_of_day % 60));
  std::string out(buffer, static_cast<size_t>(n));
  if (t.nanos != 0) {
    std::snprintf(buffer, sizeof(buffer), ".%09d", static_cast<int>(t.nanos));
    std::string fraction(buffer);
    while (fraction.back() == '0') fraction.pop_back();
    out += fraction;
  }
  out += 'Z';
  return out;
}

std::optional<Duration> ParseDuration(std::string_view text, std::string* error) {
  auto invalid = [&]() -> std::optional<Duration> {
    *error = "invalid duration \"" + std::string(text) + "\"";
    return std::nullopt;
  };
  auto out_of_range = [&]() -> std::optional<Duration> {
    *error = std::string(kDurationRangeError);
    return std::nullopt;
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration{0};
  if (s.empty()) return invalid();
  // 2^63 nanoseconds; totals beyond it are out of range whatever the sign.
  constexpr Int128 kLimit = static_cast<Int128>(1) << 63;
  Int128 total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return invalid();
    Int128 whole = 0;
    size_t i = 0;
    while (i < s.size() && IsDigit(s[i])) {
      whole = whole * 10 + (s[i] - '0');
      if (whole > kLimit) return out_of_range();
      ++i;
    }
    bool has_whole = i > 0;
    Int128 fraction = 0;
    Int128 scale = 1;
    bool has_fraction = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) {
        has_fraction = true;
        if (scale < static_cast<Int128>(1'000'000'000'000'000'000)) {  // later digits are below a nanosecond
          fraction = fraction * 10 + (s[i] - '0');
          scale *= 10;
        }
        ++i;
      }
    }
    if (!has_whole && !has_fraction) return invalid();
    size_t unit_start = i;
    while (i < s.size() && s[i] != '.' && !IsDigit(s[i])) ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    int64_t unit_nanos;
    if (unit == "ns") {
      unit_nanos = 1;
    } else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") {
      unit_nanos = 1'000;
    } else if (unit == "ms") {
      unit_nanos = 1'000'000;
    } else if (unit == "s") {
      unit_nanos = kNanosPerSecond;
    } else if (unit == "m") {
      unit_nanos = 60 * kNanosPerSecond;
    } else if (unit == "h") {
      unit_nanos = 3600 * kNanosPerSecond;
    } else {
      return invalid();
    }
    total += whole * unit_nanos + fraction * unit_nanos / scale;
    if (total > kLimit) return out_of_range();
    s.remove_prefix(i);
  }
  if (negative) total = -total;
  if (total > std::numeric_limits<int64_t>::max() || total < std::numeric_limits<int64_t>::min()) {
    return out_of_range();
  }
  return Duration{static_cast<int64_t>(total)};
}

std::string FormatDuration(const Duration& d) {
  // Work in unsigned magnitude so that INT64_MIN prints correctly.
  uint64_t magnitude = d.nanos < 0 ? 0 - static_cast<uint64_t>(d.nanos) : static_cast<uint64_t>(d.nanos);
  std::string out = d.nanos < 0 ? "-" : "";
  out += std::to_string(magnitude / kNanosPerSecond);
  uint64_t nanos = magnitude % kNanosPerSecond;
  if (nanos != 0) {
    char buffer[16];
    std::snprintf(buffer, sizeof(buffer), ".%09llu", static_cast<unsigned long long>(nanos));
    std::string fraction(buffer);
    while (fraction.back() == '0') fraction.pop_back();
    out += fraction;
  }
  out += 's';
  return out;
}

void RegisterTimeFunctions(FunctionRegistry& registry) {
  for (const Accessor& accessor : kAccessors) RegisterAccessor(registry, accessor);

  // Durations: totals in the unit, truncated toward zero.
  struct DurationAccessor {
    const char* function;
    const char* id;
    int64_t unit_nanos;
  };
  constexpr DurationAccessor kDurationAccessors[] = {
      {"getHours", "duration_to_hours", 3600 * kNanosPerSecond},
      {"getMinutes", "duration_to_minutes", 60 * kNanosPerSecond},
      {"getSeconds", "duration_to_seconds", kNanosPerSecond},
      {"getMilliseconds", "duration_to_milliseconds", 1'000'000},
  };
  for (const DurationAccessor& accessor : kDurationAccessors) {
    int64_t unit = accessor.unit_nanos;
    AddOverload(
        registry, accessor.function, accessor.id, {Type::Duration()}, Type::Int(),
        [unit](std::span<const Value> args, EvalContext&) { return Value::Int(args[0].GetDuration().nanos / unit); },
        /*receiver_style=*/true);
  }
}

}  // namespace stagegate::cel::stdlib_internal
