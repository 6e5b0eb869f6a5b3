#include "evaluators/contracts/quantiles.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>

namespace stagegate::contracts {
namespace {

// Where quantile `probability` falls in n sorted values: the rank below
// (n − 1)·p and the fraction of the way to the next rank.
struct QuantilePosition {
  size_t rank;
  double fraction;
};

QuantilePosition PositionOf(size_t n, double probability) {
  const double position = static_cast<double>(n - 1) * std::clamp(probability, 0.0, 1.0);
  const size_t rank = std::min(static_cast<size_t>(std::floor(position)), n - 1);
  return {rank, position - static_cast<double>(rank)};
}

// numpy's lerp: exact at both ends, monotone in the fraction.
double Interpolate(double lower, double upper, double fraction) {
  return fraction < 0.5 ? lower + (upper - lower) * fraction : upper - (upper - lower) * (1.0 - fraction);
}

// The most values a top-rank scan keeps: a p99 of a day at one sample a
// minute needs the 16 largest of 1,440.
constexpr size_t kMaxTopValues = 32;

// The order statistics `rank` and `rank + 1` (the last one again at the end)
// of `data`, in one pass that keeps the n − rank largest values seen in
// ascending order. Most values are rejected by one comparison with the
// smallest kept, where selection would partition the whole buffer a few times.
void TopOrderStatistics(std::span<const double> data, size_t rank, double* lower, double* upper) {
  const size_t keep = data.size() - rank;
  assert(keep >= 1 && keep <= kMaxTopValues);
  double top[kMaxTopValues];
  std::copy(data.begin(), data.begin() + static_cast<ptrdiff_t>(keep), top);
  std::sort(top, top + keep);
  double smallest_kept = top[0];
  for (const double value : data.subspan(keep)) {
    if (value <= smallest_kept) continue;
    size_t at = 1;
    for (; at < keep && top[at] < value; ++at) top[at - 1] = top[at];
    top[at - 1] = value;
    smallest_kept = top[0];
  }
  *lower = top[0];
  *upper = keep > 1 ? top[1] : top[0];
}

}  // namespace

void QuantilesInPlace(std::span<double> data, std::span<const double> probabilities, std::span<double> out) {
  assert(!data.empty());
  assert(out.size() == probabilities.size());
  const size_t n = data.size();
  // Invariant after selecting rank k: data[0, k) <= data[k] <= data[k + 1, n).
  // Later (larger) ranks are then selected within data[k + 1, n) only.
  size_t selected = 0;  // ranks below this are final
  bool have_last = false;
  size_t last_rank = 0;
  for (size_t q = 0; q < probabilities.size(); ++q) {
    const auto [rank, fraction] = PositionOf(n, probabilities[q]);
    assert(!have_last || rank >= last_rank);  // probabilities ascending
    if (!have_last || rank != last_rank) {
      std::nth_element(data.begin() + static_cast<ptrdiff_t>(selected), data.begin() + static_cast<ptrdiff_t>(rank),
                       data.end());
      selected = rank + 1;
      have_last = true;
      last_rank = rank;
    }
    const double lower = data[rank];
    if (fraction > 0 && rank + 1 < n) {
      // The next order statistic is the smallest element above `rank`.
      const double upper = *std::min_element(data.begin() + static_cast<ptrdiff_t>(rank + 1), data.end());
      out[q] = Interpolate(lower, upper, fraction);
    } else {
      out[q] = lower;
    }
  }
}

double QuantileInPlace(std::span<double> data, double probability) {
  assert(!data.empty());
  const size_t n = data.size();
  const auto [rank, fraction] = PositionOf(n, probability);
  // Small buffers gain nothing from the scan; selection serves them.
  if (n - rank <= kMaxTopValues && n > 2 * kMaxTopValues) {
    double lower = 0, upper = 0;
    TopOrderStatistics(data, rank, &lower, &upper);
    return fraction > 0 && rank + 1 < n ? Interpolate(lower, upper, fraction) : lower;
  }
  double result = 0;
  QuantilesInPlace(data, std::span<const double>(&probability, 1), std::span<double>(&result, 1));
  return result;
}

}  // namespace stagegate::contracts
