#pragma once
// An optional number in the width of the number itself. A fleet audit keeps
// the metrics of a million streams, each some twenty optional numbers;
// std::optional doubles their size with its flag and padding. Here "absent"
// is one reserved bit pattern the computations never produce:
//   double   a signalling NaN with a fixed payload (arithmetic yields only
//            quiet NaNs, so a computed NaN stays a present value);
//   int64_t  the smallest value (no count or timestamp reaches it).
// The interface is the part of std::optional the metrics use, and it converts
// to and compares with std::optional.

#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <type_traits>

namespace stagegate::contracts {

template <typename T>
struct AbsentPattern;

template <>
struct AbsentPattern<double> {
  static constexpr std::uint64_t kBits = 0x7ff4'5347'0000'0001ULL;  // quiet bit clear, non-zero payload
  static double Value() { return std::bit_cast<double>(kBits); }
  static bool Is(double value) { return std::bit_cast<std::uint64_t>(value) == kBits; }
};

template <>
struct AbsentPattern<std::int64_t> {
  static constexpr std::int64_t Value() { return std::numeric_limits<std::int64_t>::min(); }
  static constexpr bool Is(std::int64_t value) { return value == Value(); }
};

template <typename T>
class PackedOptional {
 public:
  using value_type = T;

  PackedOptional() : value_(AbsentPattern<T>::Value()) {}
  PackedOptional(std::nullopt_t) : PackedOptional() {}                // NOLINT: as std::optional
  PackedOptional(T value) : value_(value) {}                          // NOLINT: as std::optional
  PackedOptional(const std::optional<T>& value)                       // NOLINT: as std::optional
      : value_(value ? *value : AbsentPattern<T>::Value()) {}

  bool has_value() const { return !AbsentPattern<T>::Is(value_); }
  explicit operator bool() const { return has_value(); }
  // Like std::optional's: reading an absent value is a caller's error.
  const T& operator*() const { return value_; }
  T value_or(T fallback) const { return has_value() ? value_ : fallback; }
  std::optional<T> ToOptional() const { return has_value() ? std::optional<T>(value_) : std::nullopt; }
  operator std::optional<T>() const { return ToOptional(); }  // NOLINT: reads like the optional it replaces

  friend bool operator==(const PackedOptional& a, std::nullopt_t) { return !a.has_value(); }
  friend bool operator==(const PackedOptional& a, const PackedOptional& b) { return a.ToOptional() == b.ToOptional(); }
  friend bool operator==(const PackedOptional& a, const std::optional<T>& b) { return a.ToOptional() == b; }
  template <typename U>
    requires std::is_arithmetic_v<U>
  friend bool operator==(const PackedOptional& a, U b) {
    return a.has_value() && a.value_ == b;
  }
  friend std::ostream& operator<<(std::ostream& out, const PackedOptional& a) {
    if (!a.has_value()) return out << "(absent)";
    return out << a.value_;
  }

 private:
  T value_;
};

using OptionalDouble = PackedOptional<double>;
using OptionalInt64 = PackedOptional<std::int64_t>;

static_assert(sizeof(OptionalDouble) == sizeof(double) && sizeof(OptionalInt64) == sizeof(std::int64_t));

}  // namespace stagegate::contracts
