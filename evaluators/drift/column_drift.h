// Compares one column (or stream) of a reference with a current sample:
// chooses the test as Evidently's defaults do, runs every statistic, reports
// effect sizes and the shift in missing values. The stream drift facts and
// `stagegate drift compare` both decide through CompareNumeric and
// CompareCategorical. Pure and thread-safe: the functions read their inputs
// and return values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "evaluators/drift/binned.h"
#include "evaluators/drift/categorical.h"
#include "evaluators/drift/reference.h"

namespace stagegate::drift {

enum class DriftTest { kAuto, kKolmogorovSmirnov, kChiSquared, kZ, kWasserstein, kJensenShannon, kPsi };

// Returns "auto", "ks", "chisquare", "z", "wasserstein", "jensenshannon" or "psi".
std::string_view DriftTestName(DriftTest test);
// Returns the test named as DriftTestName prints it, or nullopt.
std::optional<DriftTest> ParseDriftTest(std::string_view name);

// Default thresholds: p-value for the tests, distance for the others.
inline constexpr double kDefaultPValueThreshold = 0.05;
inline constexpr double kDefaultDistanceThreshold = 0.1;
// A missingness shift needs p < kMissingnessPValue and an absolute change of
// the missing ratio of at least kMissingnessMinDifference (one percentage
// point), so that large samples do not flag negligible changes.
inline constexpr double kMissingnessPValue = 0.05;
inline constexpr double kMissingnessMinDifference = 0.01;

struct DriftOptions {
  DriftTest test = DriftTest::kAuto;
  std::optional<double> threshold;  // default per test: DefaultThreshold
  Binning binning = Binning::kReferenceQuantiles;
  int bins = kDefaultQuantileBins;
  std::vector<double> sentinels;  // values counted as missing (e.g. -999)
  // Evidently: references with at most this many rows get statistical tests.
  std::int64_t small_reference_max = 1000;
  // A numeric column with at most this many distinct reference values is
  // treated as categorical.
  std::int64_t categorical_max_unique = 5;
  // Compute the KS p-value even when another test decides. Its exact form
  // costs O(n1 n2) for samples up to kKsMaxExactSize values (as SciPy's), so
  // the stream drift facts turn this off and compute it only when a rule
  // reads `drift.ks.p_value`; DriftResult::ks_p_value is NaN when skipped.
  bool ks_p_value = true;
  // When > 0, the exact KS p-value of a KS verdict is computed only when the
  // asymptotic one lies within [threshold / band, threshold * band]: the only
  // p-values whose verdict the approximation could change. Elsewhere the
  // asymptotic p-value is kept (DriftResult::ks_p_value_exact is false). The
  // fleet's stream drift sets it (a million streams against 4,096-value
  // baselines); `drift compare` keeps SciPy's exact values (0).
  double exact_p_value_band = 0;
};

// Returns the threshold used when DriftOptions::threshold is unset.
double DefaultThreshold(DriftTest test);

// Splits raw values: appends the finite, non-sentinel ones to *finite and
// counts every value (finite, NaN, ±inf, sentinel). A sentinel is matched
// exactly (==); NaN and ±inf are never sentinels.
ValueCounts SplitFinite(std::span<const double> raw, std::span<const double> sentinels, std::vector<double>* finite);

// Returns the "sha256:<hex>" digest of the values' little-endian IEEE-754
// bytes in input order.
std::string DigestValues(std::span<const double> raw);

// Returns a reference holding every value of `raw`: sorted finite values,
// counts and DigestValues(raw).
ReferenceDistribution MakeReference(std::span<const double> raw, std::span<const double> sentinels);

struct MissingnessShift {
  ValueCounts reference, current;
  double reference_ratio = 0.0, current_ratio = 0.0;
  double difference = 0.0;  // current_ratio - reference_ratio
  double p_value = 1.0;     // two-proportion Z-test on the missing counts
  // p_value < kMissingnessPValue and |difference| >= kMissingnessMinDifference.
  bool shifted = false;
};

// Returns the missingness shift between two samples' counts.
MissingnessShift CompareMissingness(const ValueCounts& reference, const ValueCounts& current);

struct DriftResult {
  DriftTest test = DriftTest::kAuto;  // the test that decided (never kAuto once evaluated)
  bool chosen_automatically = false;
  // False when the comparison could not be made (an empty finite reference or
  // current sample); `reason` then says why and `drifted` is false.
  bool evaluable = true;
  bool drifted = false;  // p_value < threshold for tests; statistic >= threshold for distances
  bool ks_p_value_exact = false;  // the KS p-value is the exact one (not the asymptotic approximation)
  bool reference_sampled = false;
  int bins = 0;  // bins actually used
  std::string reason;
  double statistic = 0.0;          // of the deciding test
  std::optional<double> p_value;   // for ks/chisquare/z; nullopt for distances
  // Effect size beside the p-value: KS D, Cramér's V, |Cohen's h|, or the
  // distance itself for the distance measures.
  double effect = 0.0;
  // "ks_d","cramers_v","cohens_h","wasserstein_normed","jensenshannon","psi";
  // a literal (views here and in `binning` keep a fleet's million results small).
  std::string_view effect_measure;
  double threshold = 0.0;
  // Every statistic, whichever test decided (NaN where not computable).
  double ks_statistic, ks_p_value, psi, jensenshannon, wasserstein, wasserstein_normed;
  double cohens_d;  // (mean_cur - mean_ref) / pooled sample SD, signed
  MissingnessShift missing;
  std::string_view binning;  // "quantile", "sturges", "value", "category" or "none" (a literal)
  double empty_bin_epsilon = kEmptyBinProportion;
  std::int64_t reference_size = 0, current_size = 0;  // finite values compared
  std::string reference_digest;

  DriftResult();
  // Returns every field with stable key names; NaN and ±inf as null.
  nlohmann::json ToJson() const;
};

// Compares a numeric reference with the raw current values (split with
// options.sentinels). Sorts the current values once.
DriftResult CompareNumeric(const ReferenceDistribution& reference, std::span<const double> current_raw,
                           const DriftOptions& options);

// Same as CompareNumeric for current values already split: sorted finite
// values and their counts.
DriftResult CompareNumericSorted(const ReferenceDistribution& reference, std::span<const double> current_sorted,
                                 const ValueCounts& current_counts, const DriftOptions& options);

// Compares categorical counts (category -> count). The empty category ""
// holds the missing values (empty cells): it is counted as missing (as NaN
// in ValueCounts) and never compared as a category. KS and Wasserstein are
// not evaluable on categories; PSI and Jensen-Shannon use one bin per
// category. `reference_digest` is recorded as given.
DriftResult CompareCategorical(const CategoryCounts& reference, const CategoryCounts& current,
                               const DriftOptions& options, std::string reference_digest);

}  // namespace stagegate::drift
