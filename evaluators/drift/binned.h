// Binned comparisons of a numeric reference and current sample: Population
// Stability Index and Jensen-Shannon distance, on the same bins.
//
// Inputs are finite values only (see two_sample.h). Pure and thread-safe.
#pragma once

#include <span>
#include <vector>

namespace stagegate::drift {

// Empty bins would make PSI infinite, so their proportion is replaced, per
// sample, as Evidently's get_binned_data does: by kEmptyBinProportion, or, if
// the sample's smallest non-zero proportion is at most kEmptyBinProportion
// (samples above 10,000 values), by that proportion / kSmallEmptyBinDivisor,
// so an empty bin always weighs less than an occupied one.
inline constexpr double kEmptyBinProportion = 0.0001;
inline constexpr double kSmallEmptyBinDivisor = 1e6;
inline constexpr int kDefaultQuantileBins = 10;
// Evidently bins a numeric reference with at most this many distinct values
// by value rather than by Sturges' rule.
inline constexpr long kSturgesMinDistinctValues = 20;

enum class Binning {
  // `bins` bins between the reference's quantiles at k/bins (numpy's default
  // linear interpolation); the outer bins are open-ended, so every current
  // value falls in a bin. Bins are [e_i, e_{i+1}); equal quantiles (heavy
  // ties) merge into one edge, so fewer bins may result.
  kReferenceQuantiles,
  // numpy.histogram_bin_edges(reference ++ current, bins='sturges'), which is
  // what Evidently's get_binned_data uses: equal-width bins over the range of
  // both samples, [e_i, e_{i+1}) with the last bin closed (numpy.histogram).
  // When the reference has at most kSturgesMinDistinctValues distinct values,
  // each distinct value of either sample is a bin instead, as in Evidently.
  kSturges,
};

struct BinnedProportions {
  std::vector<double> edges;   // bin edges, ascending; empty when binned by value
  std::vector<double> values;  // the bins' values when binned by value, ascending
  std::vector<double> reference;  // proportions per bin, empty bins filled (FillEmptyBins)
  std::vector<double> current;
};

// Replaces zero proportions as described at kEmptyBinProportion.
void FillEmptyBins(std::vector<double>& proportions);

// Returns the bins and proportions both measures use.
BinnedProportions BinProportions(std::span<const double> reference, std::span<const double> current,
                                 Binning binning = Binning::kReferenceQuantiles, int bins = kDefaultQuantileBins);

// Same as BinProportions for inputs already sorted ascending; BinProportions
// sorts and calls it, so results are identical. Counts come from binary
// searches of the edges, O(bins log n).
BinnedProportions BinProportionsSorted(std::span<const double> reference, std::span<const double> current,
                                       Binning binning = Binning::kReferenceQuantiles,
                                       int bins = kDefaultQuantileBins);

// Returns Σ (cur_i - ref_i) ln(cur_i / ref_i) over the proportions.
// Common reading: < 0.1 no change, 0.1-0.2 moderate, > 0.2 significant.
double PopulationStabilityIndex(std::span<const double> reference_proportions,
                                std::span<const double> current_proportions);

// Returns PopulationStabilityIndex over BinProportions(...).
double PopulationStabilityIndex(std::span<const double> reference, std::span<const double> current, Binning binning,
                                int bins = kDefaultQuantileBins);

// Returns scipy.spatial.distance.jensenshannon(p, q) with the natural log:
// both vectors are normalised to sum 1, then sqrt((KL(p||m) + KL(q||m)) / 2)
// with m = (p + q) / 2. In [0, sqrt(ln 2)].
double JensenShannonDistance(std::span<const double> p, std::span<const double> q);

}  // namespace stagegate::drift
