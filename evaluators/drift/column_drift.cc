#include "evaluators/drift/column_drift.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/common/digest.h"
#include "evaluators/drift/two_sample.h"

namespace stagegate::drift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr std::array<std::pair<DriftTest, std::string_view>, 7> kTestNames = {{
    {DriftTest::kAuto, "auto"},
    {DriftTest::kKolmogorovSmirnov, "ks"},
    {DriftTest::kChiSquared, "chisquare"},
    {DriftTest::kZ, "z"},
    {DriftTest::kWasserstein, "wasserstein"},
    {DriftTest::kJensenShannon, "jensenshannon"},
    {DriftTest::kPsi, "psi"},
}};

bool IsPValueTest(DriftTest test) {
  return test == DriftTest::kKolmogorovSmirnov || test == DriftTest::kChiSquared || test == DriftTest::kZ;
}

// Returns the shortest decimal text that reads back as `value` ("1", "0.1",
// "-2.5e-07"), the category name of a numeric value.
std::string FormatValue(double value) {
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), ec == std::errc() ? end : buffer.data());
}

// Counts the distinct values of the union of two ascending samples, stopping
// once the count exceeds `cap`.
std::int64_t DistinctUnion(std::span<const double> a, std::span<const double> b, std::int64_t cap) {
  std::int64_t distinct = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const double v = j >= b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    ++distinct;
    if (distinct > cap) return distinct;
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
  }
  return distinct;
}

// Counts the runs of an ascending sample, keyed by FormatValue.
CategoryCounts ValueCategories(std::span<const double> sorted) {
  CategoryCounts counts;
  std::size_t i = 0;
  while (i < sorted.size()) {
    std::size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    counts[FormatValue(sorted[i])] += static_cast<std::int64_t>(j - i);
    i = j;
  }
  return counts;
}

std::int64_t Total(const CategoryCounts& counts) {
  std::int64_t total = 0;
  for (const auto& [key, count] : counts) total += count;
  return total;
}

// Per-category proportions over the union of categories, empty ones filled
// as binned.h's FillEmptyBins, for PSI and Jensen-Shannon.
std::pair<std::vector<double>, std::vector<double>> CategoryProportions(const CategoryCounts& reference,
                                                                        const CategoryCounts& current) {
  CategoryCounts keys = reference;
  for (const auto& [key, count] : current) keys.emplace(key, 0);
  std::vector<double> r, c;
  const double nr = static_cast<double>(Total(reference));
  const double nc = static_cast<double>(Total(current));
  for (const auto& [key, unused] : keys) {
    const auto ir = reference.find(key);
    const auto ic = current.find(key);
    r.push_back(ir == reference.end() ? 0.0 : static_cast<double>(ir->second) / nr);
    c.push_back(ic == current.end() ? 0.0 : static_cast<double>(ic->second) / nc);
  }
  FillEmptyBins(r);
  FillEmptyBins(c);
  return {std::move(r), std::move(c)};
}

// Runs the chi-squared or Z test on categories and stores it as deciding.
void DecideCategorical(DriftTest test, const CategoryCounts& reference, const CategoryCounts& current,
                       DriftResult* result) {
  if (test == DriftTest::kChiSquared) {
    const ChiSquaredResult chi = ChiSquaredTest(reference, current);
    result->statistic = chi.statistic;
    result->p_value = chi.p_value;
    result->effect = chi.cramers_v;
    result->effect_measure = "cramers_v";
    return;
  }
  // Z-test: the first category of the union (in sorted order) is the
  // "success"; Evidently picks an arbitrary one, which changes neither |z|
  // nor the p-value for two categories.
  CategoryCounts keys = reference;
  for (const auto& [key, count] : current) keys.emplace(key, 0);
  const std::string& success = keys.begin()->first;
  const auto count_of = [&success](const CategoryCounts& counts) {
    const auto it = counts.find(success);
    return it == counts.end() ? std::int64_t{0} : it->second;
  };
  const ZTestResult z = TwoProportionZTest(count_of(reference), Total(reference), count_of(current), Total(current));
  result->statistic = z.statistic;
  result->p_value = z.p_value;
  result->effect = std::fabs(z.cohens_h);
  result->effect_measure = "cohens_h";
}

// Applies the threshold and the drift verdict to a result whose deciding
// statistic is set.
void Conclude(const DriftOptions& options, DriftResult* result) {
  result->threshold = options.threshold.value_or(DefaultThreshold(result->test));
  if (IsPValueTest(result->test)) {
    result->drifted = result->p_value.has_value() && *result->p_value < result->threshold;
  } else {
    result->drifted = result->statistic >= result->threshold;
  }
}

// Returns Evidently's default test for a sample of `reference_rows` rows
// with `distinct` distinct values (union of both samples).
DriftTest AutomaticTest(bool numeric, std::int64_t reference_rows, std::int64_t distinct,
                        const DriftOptions& options) {
  const bool few = !numeric || distinct <= options.categorical_max_unique;
  if (reference_rows <= options.small_reference_max) {
    if (!few) return DriftTest::kKolmogorovSmirnov;
    return distinct > 2 ? DriftTest::kChiSquared : DriftTest::kZ;
  }
  return few ? DriftTest::kJensenShannon : DriftTest::kWasserstein;
}

nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

nlohmann::json CountsJson(const ValueCounts& counts) {
  return {{"total", counts.total},
          {"finite", counts.finite},
          {"nan", counts.nan},
          {"positive_infinity", counts.positive_infinity},
          {"negative_infinity", counts.negative_infinity},
          {"sentinel", counts.sentinel},
          {"missing", counts.missing()}};
}

}  // namespace

std::string_view DriftTestName(DriftTest test) {
  for (const auto& [value, name] : kTestNames) {
    if (value == test) return name;
  }
  return "auto";
}

std::optional<DriftTest> ParseDriftTest(std::string_view name) {
  for (const auto& [value, text] : kTestNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

double DefaultThreshold(DriftTest test) {
  return IsPValueTest(test) || test == DriftTest::kAuto ? kDefaultPValueThreshold : kDefaultDistanceThreshold;
}

ValueCounts SplitFinite(std::span<const double> raw, std::span<const double> sentinels, std::vector<double>* finite) {
  ValueCounts counts;
  counts.total = static_cast<std::int64_t>(raw.size());
  finite->reserve(finite->size() + raw.size());
  for (const double v : raw) {
    if (std::isnan(v)) {
      ++counts.nan;
    } else if (std::isinf(v)) {
      ++(v > 0 ? counts.positive_infinity : counts.negative_infinity);
    } else if (!sentinels.empty() && std::find(sentinels.begin(), sentinels.end(), v) != sentinels.end()) {
      ++counts.sentinel;
    } else {
      finite->push_back(v);
    }
  }
  counts.finite = counts.total - counts.nan - counts.positive_infinity - counts.negative_infinity - counts.sentinel;
  return counts;
}

std::string DigestValues(std::span<const double> raw) {
  common::Sha256Stream stream;
  constexpr std::size_t kChunkValues = 8192;
  std::array<char, kChunkValues * sizeof(double)> buffer;
  for (std::size_t start = 0; start < raw.size(); start += kChunkValues) {
    const std::size_t n = std::min(kChunkValues, raw.size() - start);
    for (std::size_t i = 0; i < n; ++i) {
      const auto bits = std::bit_cast<std::uint64_t>(raw[start + i]);
      for (std::size_t b = 0; b < sizeof(double); ++b) {
        buffer[i * sizeof(double) + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
      }
    }
    stream.Update(std::string_view(buffer.data(), n * sizeof(double)));
  }
  return "sha256:" + stream.FinishHex();
}

ReferenceDistribution MakeReference(std::span<const double> raw, std::span<const double> sentinels) {
  ReferenceDistribution reference;
  std::vector<double> finite;
  reference.counts = SplitFinite(raw, sentinels, &finite);
  reference.sorted_values = SortedValues(finite);
  reference.population_size = static_cast<std::int64_t>(reference.sorted_values.size());
  reference.digest = DigestValues(raw);
  return reference;
}

MissingnessShift CompareMissingness(const ValueCounts& reference, const ValueCounts& current) {
  MissingnessShift shift;
  shift.reference = reference;
  shift.current = current;
  shift.reference_ratio = reference.missing_ratio();
  shift.current_ratio = current.missing_ratio();
  shift.difference = shift.current_ratio - shift.reference_ratio;
  if (reference.total > 0 && current.total > 0) {
    shift.p_value = TwoProportionZTest(reference.missing(), reference.total, current.missing(), current.total).p_value;
  }
  shift.shifted = shift.p_value < kMissingnessPValue && std::fabs(shift.difference) >= kMissingnessMinDifference;
  return shift;
}

DriftResult::DriftResult()
    : ks_statistic(kNaN),
      ks_p_value(kNaN),
      psi(kNaN),
      jensenshannon(kNaN),
      wasserstein(kNaN),
      wasserstein_normed(kNaN),
      cohens_d(kNaN) {}

nlohmann::json DriftResult::ToJson() const {
  nlohmann::json out;
  out["test"] = std::string(DriftTestName(test));
  out["chosen_automatically"] = chosen_automatically;
  out["evaluable"] = evaluable;
  out["reason"] = reason;
  out["statistic"] = Number(statistic);
  out["p_value"] = p_value ? Number(*p_value) : nlohmann::json(nullptr);
  out["effect"] = Number(effect);
  out["effect_measure"] = effect_measure;
  out["threshold"] = Number(threshold);
  out["drifted"] = drifted;
  out["statistics"] = {{"ks_statistic", Number(ks_statistic)},
                       {"ks_p_value", Number(ks_p_value)},
                       {"psi", Number(psi)},
                       {"jensenshannon", Number(jensenshannon)},
                       {"wasserstein", Number(wasserstein)},
                       {"wasserstein_normed", Number(wasserstein_normed)},
                       {"cohens_d", Number(cohens_d)}};
  out["missing"] = {{"reference", CountsJson(missing.reference)},
                    {"current", CountsJson(missing.current)},
                    {"reference_ratio", Number(missing.reference_ratio)},
                    {"current_ratio", Number(missing.current_ratio)},
                    {"difference", Number(missing.difference)},
                    {"p_value", Number(missing.p_value)},
                    {"shifted", missing.shifted}};
  out["binning"] = binning;
  out["bins"] = bins;
  out["empty_bin_epsilon"] = Number(empty_bin_epsilon);
  out["reference_size"] = reference_size;
  out["current_size"] = current_size;
  out["reference_sampled"] = reference_sampled;
  out["reference_digest"] = reference_digest;
  return out;
}

DriftResult CompareNumeric(const ReferenceDistribution& reference, std::span<const double> current_raw,
                           const DriftOptions& options) {
  std::vector<double> finite;
  const ValueCounts counts = SplitFinite(current_raw, options.sentinels, &finite);
  return CompareNumericSorted(reference, SortedValues(finite), counts, options);
}

DriftResult CompareNumericSorted(const ReferenceDistribution& reference, std::span<const double> current,
                                 const ValueCounts& current_counts, const DriftOptions& options) {
  const std::span<const double> ref = reference.sorted_values;
  DriftResult result;
  result.missing = CompareMissingness(reference.counts, current_counts);
  result.reference_size = static_cast<std::int64_t>(ref.size());
  result.current_size = static_cast<std::int64_t>(current.size());
  result.reference_sampled = reference.sampled();
  result.reference_digest = reference.digest;
  result.chosen_automatically = options.test == DriftTest::kAuto;
  result.test = options.test;
  if (ref.empty() || current.empty()) {
    result.evaluable = false;
    result.reason = ref.empty() ? "the reference has no finite values" : "the current sample has no finite values";
    result.statistic = kNaN;
    result.effect = kNaN;
    result.bins = 0;
    result.binning = "none";
    if (result.test == DriftTest::kAuto) result.test = DriftTest::kKolmogorovSmirnov;
    result.threshold = options.threshold.value_or(DefaultThreshold(result.test));
    return result;
  }

  // The reference row count decides between tests and distances; a sampled
  // baseline counts the population it summarises.
  const std::int64_t reference_rows = std::max(reference.population_size, result.reference_size);
  const std::int64_t distinct = DistinctUnion(ref, current, std::max<std::int64_t>(options.categorical_max_unique, 2));
  const bool categorical = distinct <= options.categorical_max_unique;
  if (result.test == DriftTest::kAuto) result.test = AutomaticTest(true, reference_rows, distinct, options);

  // The exact KS p-value costs O(n1 n2) up to kKsMaxExactSize values; it is
  // skipped (NaN) when another test decides and the caller does not want it.
  const bool want_ks_p = options.ks_p_value || result.test == DriftTest::kKolmogorovSmirnov;
  KsResult ks = KolmogorovSmirnovSorted(ref, current, want_ks_p && options.exact_p_value_band <= 0
                                                          ? KsMethod::kAuto
                                                          : KsMethod::kAsymptotic);
  if (want_ks_p && options.exact_p_value_band > 0) {
    const double alpha = options.threshold.value_or(DefaultThreshold(DriftTest::kKolmogorovSmirnov));
    if (ks.p_value >= alpha / options.exact_p_value_band && ks.p_value <= alpha * options.exact_p_value_band) {
      ks = KolmogorovSmirnovSorted(ref, current, KsMethod::kAuto);
    }
  }
  result.ks_p_value_exact = want_ks_p && ks.method_used == KsMethod::kExact;
  result.ks_statistic = ks.statistic;
  result.ks_p_value = want_ks_p ? ks.p_value : kNaN;
  result.wasserstein = Wasserstein1Sorted(ref, current);
  result.wasserstein_normed = NormalizeWasserstein1(result.wasserstein, ref);

  // Cohen's d with the pooled sample standard deviation (ddof 1).
  {
    const auto moments = [](std::span<const double> v) {
      const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
      double squares = 0.0;
      for (double x : v) squares += (x - mean) * (x - mean);
      return std::pair{mean, squares};
    };
    const auto [mean_ref, ss_ref] = moments(ref);
    const auto [mean_cur, ss_cur] = moments(current);
    const double dof = static_cast<double>(ref.size() + current.size()) - 2.0;
    const double pooled = dof > 0 ? std::sqrt((ss_ref + ss_cur) / dof) : kNaN;
    if (pooled > 0) {
      result.cohens_d = (mean_cur - mean_ref) / pooled;
    } else if (pooled == 0) {
      result.cohens_d = mean_cur == mean_ref ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(),
                                                                    mean_cur - mean_ref);
    }
  }

  CategoryCounts ref_categories, cur_categories;
  const bool needs_categories =
      categorical || result.test == DriftTest::kChiSquared || result.test == DriftTest::kZ;
  if (needs_categories) {
    ref_categories = ValueCategories(ref);
    cur_categories = ValueCategories(current);
  }
  if (categorical) {
    // Few distinct values: one bin per value, as Evidently bins them.
    const auto [r, c] = CategoryProportions(ref_categories, cur_categories);
    result.psi = PopulationStabilityIndex(r, c);
    result.jensenshannon = JensenShannonDistance(r, c);
    result.binning = "category";
    result.bins = static_cast<int>(r.size());
  } else {
    const BinnedProportions binned = BinProportionsSorted(ref, current, options.binning, options.bins);
    result.psi = PopulationStabilityIndex(binned.reference, binned.current);
    result.jensenshannon = JensenShannonDistance(binned.reference, binned.current);
    result.binning = !binned.values.empty()                              ? "value"
                     : options.binning == Binning::kReferenceQuantiles ? "quantile"
                                                                       : "sturges";
    result.bins = static_cast<int>(binned.reference.size());
  }

  switch (result.test) {
    case DriftTest::kKolmogorovSmirnov:
      result.statistic = ks.statistic;
      result.p_value = ks.p_value;
      result.effect = ks.statistic;
      result.effect_measure = "ks_d";
      break;
    case DriftTest::kChiSquared:
    case DriftTest::kZ:
      DecideCategorical(result.test, ref_categories, cur_categories, &result);
      break;
    case DriftTest::kWasserstein:
      result.statistic = result.effect = result.wasserstein_normed;
      result.effect_measure = "wasserstein_normed";
      break;
    case DriftTest::kJensenShannon:
      result.statistic = result.effect = result.jensenshannon;
      result.effect_measure = "jensenshannon";
      break;
    case DriftTest::kPsi:
    case DriftTest::kAuto:
      result.test = DriftTest::kPsi;
      result.statistic = result.effect = result.psi;
      result.effect_measure = "psi";
      break;
  }
  Conclude(options, &result);
  return result;
}

DriftResult CompareCategorical(const CategoryCounts& reference, const CategoryCounts& current,
                               const DriftOptions& options, std::string reference_digest) {
  // The empty category is a missing value, not a category.
  const auto split = [](const CategoryCounts& counts, CategoryCounts* present) {
    ValueCounts values;
    for (const auto& [key, count] : counts) {
      values.total += count;
      if (key.empty()) {
        values.nan += count;
      } else if (count > 0) {
        (*present)[key] = count;
        values.finite += count;
      }
    }
    return values;
  };
  CategoryCounts ref, cur;
  DriftResult result;
  result.missing = CompareMissingness(split(reference, &ref), split(current, &cur));
  result.reference_size = result.missing.reference.finite;
  result.current_size = result.missing.current.finite;
  result.reference_digest = std::move(reference_digest);
  result.chosen_automatically = options.test == DriftTest::kAuto;
  result.test = options.test;
  result.binning = "category";
  if (result.test == DriftTest::kKolmogorovSmirnov || result.test == DriftTest::kWasserstein) {
    result.evaluable = false;
    result.reason = std::string(DriftTestName(result.test)) + " needs numeric values; the column is categorical";
  } else if (ref.empty() || cur.empty()) {
    result.evaluable = false;
    result.reason = ref.empty() ? "the reference has no values" : "the current sample has no values";
  }
  if (!result.evaluable) {
    result.statistic = result.effect = kNaN;
    if (result.test == DriftTest::kAuto) result.test = DriftTest::kChiSquared;
    result.threshold = options.threshold.value_or(DefaultThreshold(result.test));
    return result;
  }
  CategoryCounts keys = ref;
  for (const auto& [key, count] : cur) keys.emplace(key, 0);
  const auto distinct = static_cast<std::int64_t>(keys.size());
  if (result.test == DriftTest::kAuto) result.test = AutomaticTest(false, result.reference_size, distinct, options);
  const auto [r, c] = CategoryProportions(ref, cur);
  result.psi = PopulationStabilityIndex(r, c);
  result.jensenshannon = JensenShannonDistance(r, c);
  result.bins = static_cast<int>(r.size());
  switch (result.test) {
    case DriftTest::kChiSquared:
    case DriftTest::kZ:
      DecideCategorical(result.test, ref, cur, &result);
      break;
    case DriftTest::kJensenShannon:
      result.statistic = result.effect = result.jensenshannon;
      result.effect_measure = "jensenshannon";
      break;
    default:
      result.test = DriftTest::kPsi;
      result.statistic = result.effect = result.psi;
      result.effect_measure = "psi";
      break;
  }
  Conclude(options, &result);
  return result;
}

}  // namespace stagegate::drift
