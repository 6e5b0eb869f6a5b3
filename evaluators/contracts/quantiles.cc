#include "evaluators/contracts/quantiles.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>

namespace stagegate::contracts {

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
    const double p = std::clamp(probabilities[q], 0.0, 1.0);
    const double position = static_cast<double>(n - 1) * p;
    size_t rank = static_cast<size_t>(std::floor(position));
    if (rank > n - 1) rank = n - 1;
    const double fraction = position - static_cast<double>(rank);
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
      // numpy's lerp: exact at both ends, monotone in the fraction.
      out[q] = fraction < 0.5 ? lower + (upper - lower) * fraction : upper - (upper - lower) * (1.0 - fraction);
    } else {
      out[q] = lower;
    }
  }
}

double QuantileInPlace(std::span<double> data, double probability) {
  double result = 0;
  QuantilesInPlace(data, std::span<const double>(&probability, 1), std::span<double>(&result, 1));
  return result;
}

}  // namespace stagegate::contracts
