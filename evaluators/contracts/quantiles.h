#pragma once
// Quantiles by selection (std::nth_element) rather than sorting: O(n) per
// quantile instead of O(n log n), on a buffer the caller owns and lets us
// reorder.

#include <span>

namespace stagegate::contracts {

// Computes the quantiles `probabilities` (each in [0, 1], ascending) of
// `data` into `out` (same length as `probabilities`), with linear
// interpolation between closest ranks: the value at position (n − 1)·p of the
// sorted data (numpy's and pandas' default method). Reorders `data`. `data`
// must be non-empty and hold no NaN.
void QuantilesInPlace(std::span<double> data, std::span<const double> probabilities, std::span<double> out);

// Returns the single quantile `probability` of `data`; reorders `data`.
double QuantileInPlace(std::span<double> data, double probability);

}  // namespace stagegate::contracts
