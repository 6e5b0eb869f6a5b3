// Binned comparisons of a numeric reference and current sample: Population
// Stability Index and Jensen-Shannon distance, on the same bins.
//
// Inputs are finite values only (see two_sample.h). Pure and thread-safe.
#pragma once

#include <span>
#include <vector>

namespace stagegate::drift {

// Empty bins would make PSI infinite; their proportion is replaced by this
// value, as Evidently does (np.place(percents, percents == 0, 0.0001)).
inline constexpr double kEmptyBinProportion = 0.0001;
inline constexpr int kDefaultQuantileBins = 10;

enum class Binning {
  // `bins` bins between the reference's quantiles at k/bins (numpy's default
  // linear interpolation); the outer bins are open-ended, so every current
  // value falls in a bin. Bins are [e_i, e_{i+1}); equal quantiles (heavy
  // ties) merge into one edge, so fewer bins may result.
  kReferenceQuantiles,
  // numpy.histogram_bin_edges(reference ++ current, bins='sturges'), which is
  // what Evidently's get_binned_data uses: equal-width bins over the range of
  // both samples; values outside the edges cannot occur.
  kSturges,
};

struct BinnedProportions {
  std::vector<double> edges; // interior and outer edges, ascending
  std::vector<double>
      reference; // proportions per bin, empty bins = kEmptyBinProportion
  std::vector<double> current;
};

// Returns the bins and proportions both measures use.
BinnedProportions BinProportions(std::span<const double> reference,
                                 std::span<const double> current,
                                 Binning binning = Binning::kReferenceQuantiles,
                                 int bins = kDefaultQuantileBins);

// Returns Σ (cur_i - ref_i) ln(cur_i / ref_i) over the proportions.
// Common reading: < 0.1 no change, 0.1-0.2 moderate, > 0.2 significant.
double PopulationStabilityIndex(std::span<const double> reference_proportions,
                                std::span<const double> current_proportions);

// Returns PopulationStabilityIndex over BinProportions(...).
double PopulationStabilityIndex(std::span<const double> reference,
                                std::span<const double> current,
                                Binning binning,
                                int bins = kDefaultQuantileBins);

// Returns scipy.spatial.distance.jensenshannon(p, q) with the natural log:
// both vectors are normalised to sum 1, then sqrt((KL(p||m) + KL(q||m)) / 2)
// with m = (p + q) / 2. In [0, sqrt(ln 2)].
double JensenShannonDistance(std::span<const double> p,
                             std::span<const double> q);

} // namespace stagegate::drift
