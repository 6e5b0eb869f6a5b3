// Two-sample statistics on numeric values: the Kolmogorov-Smirnov test and
// the Wasserstein-1 distance, numerically equivalent to SciPy's
// ks_2samp and wasserstein_distance.
//
// Inputs are finite values only: callers count NaN, ±inf and sentinels
// separately (as a missingness shift) and drop them before calling. Functions
// copy and sort their inputs unless the *Sorted variant is used; they are
// pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace stagegate::drift {

// How the two-sided KS p-value is computed; `kAuto` as SciPy's method='auto'.
enum class KsMethod { kAuto, kExact, kAsymptotic };

// Samples up to this size (the larger of the two) get the exact p-value
// under KsMethod::kAuto, as SciPy's MAX_AUTO_N.
inline constexpr std::int64_t kKsMaxExactSize = 10000;

struct KsResult {
  // Largest absolute difference of the two empirical CDFs (both
  // right-continuous, so ties are handled as SciPy's searchsorted 'right').
  // It is also the effect size: a fraction of the population, in [0, 1].
  double statistic = 0.0;
  double p_value = 1.0;                     // two-sided
  KsMethod method_used = KsMethod::kExact;  // never kAuto
};

// Returns the two-sample KS test of `reference` against `current`, as
// scipy.stats.ks_2samp(reference, current, alternative='two-sided',
// method=...). Exact p-values count lattice paths that leave the band
// |x/n1 - y/n2| < D (Hodges 1958); when that cannot be done the asymptotic
// p-value is kstwo.sf(D, round(n1*n2/(n1+n2))), as SciPy falls back.
// Both inputs must be non-empty; an empty one yields NaN statistic and p.
KsResult KolmogorovSmirnov(std::span<const double> reference, std::span<const double> current,
                           KsMethod method = KsMethod::kAuto);

// Same as KolmogorovSmirnov for inputs already sorted ascending.
KsResult KolmogorovSmirnovSorted(std::span<const double> reference, std::span<const double> current,
                                 KsMethod method = KsMethod::kAuto);

// Returns P(D >= d) for the exact two-sample two-sided KS distribution of
// sizes n1, n2 where d = h / lcm(n1, n2), or NaN if the lattice is too large
// (lcm above 2^31, as SciPy).
double KsExactTwoSidedPValue(std::int64_t n1, std::int64_t n2, double d);

// Returns the values sorted ascending (a radix sort for large inputs). The
// values must not be NaN.
std::vector<double> SortedValues(std::span<const double> values);

// Returns the first Wasserstein distance between the empirical
// distributions, ∫ |F_ref(x) - F_cur(x)| dx, as
// scipy.stats.wasserstein_distance(reference, current). Units: those of the
// values. NaN if either input is empty.
double Wasserstein1(std::span<const double> reference, std::span<const double> current);

// Returns Wasserstein1 divided by the population standard deviation of the
// reference (numpy's std, ddof=0), as Evidently's wasserstein distance
// "normed" test. A constant reference has standard deviation 0; Evidently
// then divides by 0 and so would yield ±inf or NaN; this function instead
// returns 0 when the distance is 0 and +inf otherwise.
double NormalizedWasserstein1(std::span<const double> reference, std::span<const double> current);

// Same as Wasserstein1 and NormalizedWasserstein1 for inputs already sorted
// ascending; the unsorted variants sort and call these, so results are
// identical.
double Wasserstein1Sorted(std::span<const double> reference, std::span<const double> current);
double NormalizedWasserstein1Sorted(std::span<const double> reference, std::span<const double> current);

// Returns `distance` (a Wasserstein1 against `reference`) divided by the
// reference's population standard deviation, as NormalizedWasserstein1 does;
// lets a caller that already has the distance skip a second merge.
double NormalizeWasserstein1(double distance, std::span<const double> reference);

}  // namespace stagegate::drift
