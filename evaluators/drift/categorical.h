// Tests for categorical and binary values: Pearson's chi-squared goodness of
// fit of current counts against reference proportions (Evidently's
// chi-square test) and the two-proportion Z-test (Evidently's z test).
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace stagegate::drift {

// Category -> count. Categories absent from a map count 0.
using CategoryCounts = std::map<std::string, std::int64_t>;

struct ChiSquaredResult {
  double statistic = 0.0;
  double p_value = 1.0;
  int degrees_of_freedom = 0;  // categories in the union, minus one
  // Effect size: Cramér's V of the goodness-of-fit, sqrt(χ² / (n_cur (k-1))),
  // in [0, 1] when every category was seen in the reference.
  double cramers_v = 0.0;
};

// Returns scipy.stats.chisquare(f_obs, f_exp) over the union of categories,
// where f_obs are the current counts and f_exp the reference counts scaled by
// n_current / n_reference (Evidently's chi_stat_test). A category never seen
// in the reference has expected count 0: if it occurs in the current sample
// the statistic is +inf and the p-value 0, as SciPy yields there. With one
// category or an empty sample: statistic 0, p-value 1.
ChiSquaredResult ChiSquaredTest(const CategoryCounts& reference, const CategoryCounts& current);

struct ZTestResult {
  double statistic = 0.0;  // (p_ref - p_cur) / pooled standard error
  double p_value = 1.0;    // two-sided, erfc(|z| / sqrt 2)
  // Effect size: Cohen's h = 2 asin(sqrt p_cur) - 2 asin(sqrt p_ref).
  double cohens_h = 0.0;
};

// Returns the two-proportion Z-test of `reference_successes` of
// `reference_total` against `current_successes` of `current_total`, as
// Evidently's z_stat_test with a pooled proportion. When the pooled
// proportion is 0 or 1 both samples are constant and equal: z 0, p 1.
// The p-value uses erfc, so it keeps its accuracy below 1e-16 where
// 2 * (1 - Φ(|z|)) rounds to 0.
ZTestResult TwoProportionZTest(std::int64_t reference_successes, std::int64_t reference_total,
                               std::int64_t current_successes, std::int64_t current_total);

}  // namespace stagegate::drift
