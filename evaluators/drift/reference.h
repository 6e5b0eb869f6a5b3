// What a drift comparison needs from its reference, whichever way the
// reference was obtained: every value of a reference CSV column, or a
// baseline sketch recorded from the telemetry store (all of a stream's values
// when it had few, a uniform bounded sample of them otherwise).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stagegate::drift {

// How the raw values of a sample split: finite values go to the statistics,
// the rest is counted apart and compared as a missingness shift. A value
// equal to one of the declared sentinels (-999, 65535, ...) counts as a
// sentinel, never as a finite value.
struct ValueCounts {
  std::int64_t total = 0;
  std::int64_t finite = 0;
  std::int64_t nan = 0;
  std::int64_t positive_infinity = 0;
  std::int64_t negative_infinity = 0;
  std::int64_t sentinel = 0;

  std::int64_t missing() const { return total - finite; }
  double missing_ratio() const { return total == 0 ? 0.0 : static_cast<double>(missing()) / total; }
  void Merge(const ValueCounts& other) {
    total += other.total;
    finite += other.finite;
    nan += other.nan;
    positive_infinity += other.positive_infinity;
    negative_infinity += other.negative_infinity;
    sentinel += other.sentinel;
  }
};

// A numeric reference distribution as the tests read it.
struct ReferenceDistribution {
  // Finite values, ascending: all of them, or a uniform sample of them.
  std::vector<double> sorted_values;
  // How many finite values the reference summarises; equals
  // sorted_values.size() unless the values are a sample.
  std::int64_t population_size = 0;
  ValueCounts counts;
  // "sha256:<hex>" of what the reference was built from (the baseline
  // sketch's serialisation, or the column's values); recorded with every
  // result so a verdict can be reproduced.
  std::string digest;

  bool sampled() const { return population_size > static_cast<std::int64_t>(sorted_values.size()); }
};

}  // namespace stagegate::drift
