// CompareNumeric and CompareCategorical: Evidently's automatic test choice,
// thresholds, effect sizes, missingness, and parity with SciPy through the
// same functions the statistics tests check.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evaluators/drift/column_drift.h"
#include "evaluators/drift/sample_generator.h"
#include "evaluators/drift/two_sample.h"

namespace stagegate::drift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> Normal(std::uint64_t seed, std::int64_t size, double mean = 0.0, double sd = 1.0) {
  return GenerateSample({"normal", seed, size, mean, sd, 1.0});
}

// Values 0..distinct-1 repeated to `size`.
std::vector<double> Cycle(std::int64_t size, int distinct, int offset = 0) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < size; ++i) v.push_back(static_cast<double>((i + offset) % distinct));
  return v;
}

DriftResult Auto(const std::vector<double>& reference, const std::vector<double>& current) {
  return CompareNumeric(MakeReference(reference, {}), current, DriftOptions{});
}

TEST(DriftTestNames, RoundTrip) {
  for (DriftTest t : {DriftTest::kAuto, DriftTest::kKolmogorovSmirnov, DriftTest::kChiSquared, DriftTest::kZ,
                      DriftTest::kWasserstein, DriftTest::kJensenShannon, DriftTest::kPsi}) {
    EXPECT_EQ(ParseDriftTest(DriftTestName(t)), t);
  }
  EXPECT_EQ(DriftTestName(DriftTest::kChiSquared), "chisquare");
  EXPECT_EQ(ParseDriftTest("KS"), std::nullopt);
  EXPECT_EQ(ParseDriftTest(""), std::nullopt);
}

TEST(AutomaticChoice, SmallNumericManyValuesIsKs) {
  const DriftResult r = Auto(Normal(1, 1000), Normal(2, 500));
  EXPECT_EQ(r.test, DriftTest::kKolmogorovSmirnov);
  EXPECT_TRUE(r.chosen_automatically);
  EXPECT_EQ(r.effect_measure, "ks_d");
  ASSERT_TRUE(r.p_value.has_value());
  EXPECT_EQ(*r.p_value, r.ks_p_value);
  EXPECT_EQ(r.threshold, 0.05);
}

TEST(AutomaticChoice, SmallNumericFewValuesIsChiSquared) {
  const DriftResult r = Auto(Cycle(300, 5), Cycle(300, 5));
  EXPECT_EQ(r.test, DriftTest::kChiSquared);
  EXPECT_EQ(r.effect_measure, "cramers_v");
  EXPECT_EQ(r.binning, "category");
  EXPECT_EQ(r.bins, 5);
  EXPECT_FALSE(r.drifted);
  EXPECT_DOUBLE_EQ(*r.p_value, 1.0);
}

TEST(AutomaticChoice, SmallBinaryIsZ) {
  const DriftResult r = Auto(Cycle(100, 2), Cycle(100, 2));
  EXPECT_EQ(r.test, DriftTest::kZ);
  EXPECT_EQ(r.effect_measure, "cohens_h");
}

TEST(AutomaticChoice, DistinctValuesCountBothSamplesAsEvidently) {
  // Five values in the reference, a sixth in the current: Evidently counts
  // pd.concat([reference, current]).nunique() = 6 > 5, so KS.
  std::vector<double> current = Cycle(100, 5);
  current.push_back(7.0);
  EXPECT_EQ(Auto(Cycle(100, 5), current).test, DriftTest::kKolmogorovSmirnov);
  // Two values plus a third new one: chi-squared, not Z.
  std::vector<double> three = Cycle(100, 2);
  three.push_back(2.0);
  EXPECT_EQ(Auto(Cycle(100, 2), three).test, DriftTest::kChiSquared);
}

TEST(AutomaticChoice, LargeNumericManyValuesIsNormalisedWasserstein) {
  const DriftResult r = Auto(Normal(3, 1001), Normal(4, 1001));
  EXPECT_EQ(r.test, DriftTest::kWasserstein);
  EXPECT_FALSE(r.p_value.has_value());
  EXPECT_EQ(r.statistic, r.wasserstein_normed);
  EXPECT_EQ(r.effect, r.wasserstein_normed);
  EXPECT_EQ(r.effect_measure, "wasserstein_normed");
  EXPECT_EQ(r.threshold, 0.1);
}

TEST(AutomaticChoice, LargeNumericFewValuesIsJensenShannon) {
  const DriftResult r = Auto(Cycle(2000, 3), Cycle(2000, 3));
  EXPECT_EQ(r.test, DriftTest::kJensenShannon);
  EXPECT_EQ(r.statistic, r.jensenshannon);
  EXPECT_EQ(r.threshold, 0.1);
}

TEST(AutomaticChoice, BoundaryIsAtSmallReferenceMax) {
  EXPECT_EQ(Auto(Normal(5, 1000), Normal(6, 1000)).test, DriftTest::kKolmogorovSmirnov);
  EXPECT_EQ(Auto(Normal(5, 1001), Normal(6, 1000)).test, DriftTest::kWasserstein);
  DriftOptions options;
  options.small_reference_max = 5000;
  EXPECT_EQ(CompareNumeric(MakeReference(Normal(5, 1001), {}), Normal(6, 10), options).test,
            DriftTest::kKolmogorovSmirnov);
  options.categorical_max_unique = 2000;
  EXPECT_EQ(CompareNumeric(MakeReference(Normal(5, 1001), {}), Normal(6, 10), options).test, DriftTest::kChiSquared);
}

TEST(AutomaticChoice, MissingValuesDoNotCountAsRows) {
  // 1,000 finite values and 500 NaN: Evidently drops NaN first, so small.
  std::vector<double> reference = Normal(7, 1000);
  reference.insert(reference.end(), 500, kNaN);
  EXPECT_EQ(Auto(reference, Normal(8, 100)).test, DriftTest::kKolmogorovSmirnov);
}

TEST(AutomaticChoice, CategoricalBranches) {
  const CategoryCounts three = {{"a", 10}, {"b", 20}, {"c", 30}};
  const CategoryCounts two = {{"a", 10}, {"b", 20}};
  EXPECT_EQ(CompareCategorical(three, three, {}, "").test, DriftTest::kChiSquared);
  EXPECT_EQ(CompareCategorical(two, two, {}, "").test, DriftTest::kZ);
  const CategoryCounts large = {{"a", 1000}, {"b", 1}};
  const DriftResult r = CompareCategorical(large, two, {}, "sha256:x");
  EXPECT_EQ(r.test, DriftTest::kJensenShannon);
  EXPECT_EQ(r.reference_digest, "sha256:x");
  EXPECT_TRUE(std::isnan(r.ks_statistic));
  EXPECT_TRUE(std::isnan(r.cohens_d));
  EXPECT_TRUE(std::isnan(r.wasserstein));
}

TEST(Thresholds, ExplicitThresholdAndTestOverrideTheDefaults) {
  const std::vector<double> reference = Normal(9, 800);
  const std::vector<double> current = Normal(10, 800, 0.15);
  DriftOptions options;
  const DriftResult automatic = CompareNumeric(MakeReference(reference, {}), current, options);
  ASSERT_EQ(automatic.test, DriftTest::kKolmogorovSmirnov);
  const double p = *automatic.p_value;
  ASSERT_GT(p, 1e-6);
  options.threshold = p * 1.01;
  EXPECT_TRUE(CompareNumeric(MakeReference(reference, {}), current, options).drifted);
  options.threshold = p;  // p < threshold is strict
  EXPECT_FALSE(CompareNumeric(MakeReference(reference, {}), current, options).drifted);

  options.test = DriftTest::kPsi;
  options.threshold.reset();
  const DriftResult psi = CompareNumeric(MakeReference(reference, {}), current, options);
  EXPECT_EQ(psi.test, DriftTest::kPsi);
  EXPECT_FALSE(psi.chosen_automatically);
  EXPECT_EQ(psi.threshold, 0.1);
  EXPECT_EQ(psi.statistic, psi.psi);
  options.threshold = psi.psi;  // statistic >= threshold drifts
  EXPECT_TRUE(CompareNumeric(MakeReference(reference, {}), current, options).drifted);
  options.threshold = std::nextafter(psi.psi, 1.0);
  EXPECT_FALSE(CompareNumeric(MakeReference(reference, {}), current, options).drifted);
}

TEST(Decision, IdenticalSamplesDoNotDrift) {
  for (std::int64_t n : {50, 1000, 5000}) {
    const std::vector<double> values = Normal(11, n);
    const DriftResult r = Auto(values, values);
    EXPECT_FALSE(r.drifted) << n;
    EXPECT_EQ(r.ks_statistic, 0.0);
    EXPECT_EQ(r.wasserstein, 0.0);
    EXPECT_NEAR(r.psi, 0.0, 1e-15);
    EXPECT_NEAR(r.jensenshannon, 0.0, 1e-7);
    EXPECT_EQ(r.cohens_d, 0.0);
    EXPECT_FALSE(r.missing.shifted);
  }
}

TEST(Decision, ShiftedSamplesDrift) {
  for (std::int64_t n : {200, 5000}) {
    const DriftResult r = Auto(Normal(12, n), Normal(13, n, 0.5));
    EXPECT_TRUE(r.drifted) << n;
    EXPECT_NEAR(r.cohens_d, 0.5, 0.15);
  }
  const DriftResult categorical = CompareCategorical({{"a", 500}, {"b", 500}}, {{"a", 700}, {"b", 300}}, {}, "");
  EXPECT_EQ(categorical.test, DriftTest::kZ);
  EXPECT_TRUE(categorical.drifted);
  EXPECT_NEAR(categorical.effect, std::fabs(2 * std::asin(std::sqrt(0.7)) - 2 * std::asin(std::sqrt(0.5))), 1e-12);
}

TEST(EffectSizes, CohensDMatchesAHandComputedValue) {
  // Reference 1,2,3,4,5: mean 3, sum of squares 10. Current 3,4,5,6,7,8:
  // mean 5.5, sum of squares 17.5. Pooled SD sqrt(27.5 / 9).
  const DriftResult r = Auto({1, 2, 3, 4, 5}, {3, 4, 5, 6, 7, 8});
  EXPECT_NEAR(r.cohens_d, 2.5 / std::sqrt(27.5 / 9.0), 1e-12);
  const DriftResult reverse = Auto({3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5});
  EXPECT_NEAR(reverse.cohens_d, -2.5 / std::sqrt(27.5 / 9.0), 1e-12);
}

TEST(EffectSizes, CramersVAndKsD) {
  const DriftResult chi = CompareCategorical({{"a", 40}, {"b", 30}, {"c", 30}}, {{"a", 20}, {"b", 30}, {"c", 50}}, {}, "");
  ASSERT_EQ(chi.test, DriftTest::kChiSquared);
  // Expected counts 40, 30, 30 for n_cur = 100: χ² = 10 + 0 + 13.333.
  EXPECT_NEAR(chi.statistic, 10.0 + 400.0 / 30.0, 1e-9);
  EXPECT_NEAR(chi.effect, std::sqrt(chi.statistic / (100.0 * 2.0)), 1e-12);
  const DriftResult ks = Auto({1, 2, 3, 4, 5, 6, 7, 8}, {5, 6, 7, 8, 9, 10, 11, 12});
  EXPECT_EQ(ks.effect, 0.5);
  EXPECT_EQ(ks.effect, ks.statistic);
}

TEST(Missingness, EveryKindIsCountedNeverDropped) {
  const std::vector<double> raw = {1.0, kNaN, kInf, -kInf, -999.0, 2.0, -999.0, 65535.0, 3.0};
  const std::vector<double> sentinels = {-999.0, 65535.0};
  std::vector<double> finite = {42.0};
  const ValueCounts counts = SplitFinite(raw, sentinels, &finite);
  EXPECT_EQ(counts.total, 9);
  EXPECT_EQ(counts.finite, 3);
  EXPECT_EQ(counts.nan, 1);
  EXPECT_EQ(counts.positive_infinity, 1);
  EXPECT_EQ(counts.negative_infinity, 1);
  EXPECT_EQ(counts.sentinel, 3);
  EXPECT_EQ(counts.missing(), 6);
  EXPECT_EQ(finite, (std::vector<double>{42.0, 1.0, 2.0, 3.0}));  // appended
  // Without sentinels, -999 is an ordinary value.
  finite.clear();
  EXPECT_EQ(SplitFinite(raw, {}, &finite).finite, 6);
}

TEST(Missingness, ShiftNeedsSignificanceAndOnePercentagePoint) {
  std::vector<double> reference = Normal(14, 2000);
  std::vector<double> current = Normal(15, 2000);
  for (int i = 0; i < 200; ++i) current[static_cast<std::size_t>(i)] = kNaN;  // 10% missing
  DriftOptions options;
  options.sentinels = {-999.0};
  DriftResult r = CompareNumeric(MakeReference(reference, options.sentinels), current, options);
  EXPECT_TRUE(r.missing.shifted);
  EXPECT_DOUBLE_EQ(r.missing.current_ratio, 0.1);
  EXPECT_DOUBLE_EQ(r.missing.difference, 0.1);
  EXPECT_LT(r.missing.p_value, 1e-10);
  EXPECT_EQ(r.current_size, 1800);
  EXPECT_EQ(r.missing.current.nan, 200);
  // A 0.5-point change in a huge sample is significant but below the minimum.
  const ValueCounts big_ref{1000000, 1000000, 0, 0, 0, 0};
  const ValueCounts big_cur{1000000, 995000, 5000, 0, 0, 0};
  const MissingnessShift small = CompareMissingness(big_ref, big_cur);
  EXPECT_LT(small.p_value, 0.05);
  EXPECT_FALSE(small.shifted);
  // Sentinels in the current count as missing too.
  current = Normal(15, 2000);
  for (int i = 0; i < 100; ++i) current[static_cast<std::size_t>(i)] = -999.0;
  r = CompareNumeric(MakeReference(reference, options.sentinels), current, options);
  EXPECT_EQ(r.missing.current.sentinel, 100);
  EXPECT_TRUE(r.missing.shifted);
}

TEST(Missingness, EmptyCurrentIsNotEvaluable) {
  const DriftResult r = Auto(Normal(16, 100), {kNaN, kNaN});
  EXPECT_FALSE(r.evaluable);
  EXPECT_FALSE(r.drifted);
  EXPECT_EQ(r.reason, "the current sample has no finite values");
  EXPECT_EQ(r.missing.current_ratio, 1.0);
  EXPECT_TRUE(r.ToJson()["statistic"].is_null());
  const DriftResult empty_ref = Auto({}, {1.0});
  EXPECT_FALSE(empty_ref.evaluable);
  EXPECT_EQ(empty_ref.reason, "the reference has no finite values");
  const DriftResult categorical = CompareCategorical({{"a", 3}}, {{"", 4}}, {}, "");
  EXPECT_FALSE(categorical.evaluable);
  EXPECT_EQ(categorical.missing.current.nan, 4);
}

TEST(Reference, DigestIsOfTheLittleEndianValuesInInputOrder) {
  // SHA-256 of the 16 bytes of 1.0 and 2.0 (00..f03f, 00..0040), and of no bytes.
  EXPECT_EQ(DigestValues(std::vector<double>{1.0, 2.0}),
            "sha256:dc91ce9a50ddc828740aa26743716897fdb2bb64f1db662fe263a59be56145ae");
  EXPECT_EQ(DigestValues({}), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(DigestValues(std::vector<double>{1.0, 2.0}), DigestValues(std::vector<double>{2.0, 1.0}));
  const ReferenceDistribution r = MakeReference(std::vector<double>{3.0, kNaN, 1.0, 2.0}, {});
  EXPECT_EQ(r.sorted_values, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(r.population_size, 3);
  EXPECT_EQ(r.counts.nan, 1);
  EXPECT_FALSE(r.sampled());
}

TEST(Reference, SampledReferenceIsReportedAndDecidesByPopulation) {
  ReferenceDistribution r = MakeReference(Normal(17, 500), {});
  r.population_size = 100000;
  const DriftResult result = CompareNumeric(r, Normal(18, 500), {});
  EXPECT_TRUE(result.reference_sampled);
  EXPECT_EQ(result.test, DriftTest::kWasserstein);
  EXPECT_EQ(result.reference_size, 500);
}

TEST(Json, EveryFieldWithStableKeys) {
  const nlohmann::json j = Auto(Normal(19, 100), Normal(20, 100)).ToJson();
  for (const char* key : {"test", "chosen_automatically", "evaluable", "reason", "statistic", "p_value", "effect",
                          "effect_measure", "threshold", "drifted", "statistics", "missing", "binning", "bins",
                          "empty_bin_epsilon", "reference_size", "current_size", "reference_sampled",
                          "reference_digest"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key :
       {"ks_statistic", "ks_p_value", "psi", "jensenshannon", "wasserstein", "wasserstein_normed", "cohens_d"}) {
    EXPECT_TRUE(j["statistics"][key].is_number()) << key;
  }
  EXPECT_EQ(j["test"], "ks");
  EXPECT_EQ(j["missing"]["reference"]["total"], 100);
  EXPECT_TRUE(CompareCategorical({{"a", 1}}, {{"a", 1}}, {}, "").ToJson()["statistics"]["ks_statistic"].is_null());
}

TEST(NumericAsCategorical, ValuesFormattedExactlyAreTheCategories) {
  DriftOptions options;
  options.test = DriftTest::kChiSquared;
  // 0.1 and 0.30000000000000004 are different categories; a new one is drift.
  const DriftResult r = CompareNumeric(MakeReference(std::vector<double>{0.1, 0.1, 0.2, 0.3}, {}),
                                       std::vector<double>{0.1, 0.2, 0.1 + 0.2}, options);
  EXPECT_EQ(r.statistic, kInf);
  EXPECT_EQ(*r.p_value, 0.0);
  EXPECT_TRUE(r.drifted);
}

const nlohmann::json& Scipy() {
  static const nlohmann::json reference = [] {
    std::ifstream in(std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/drift/scipy_reference.json");
    return nlohmann::json::parse(in);
  }();
  return reference;
}

std::vector<double> Regenerate(const nlohmann::json& r) {
  const std::string distribution = r.at("distribution").get<std::string>();
  return GenerateSample({distribution, r.at("seed").get<std::uint64_t>(), r.at("size").get<std::int64_t>(),
                         r.at("a").get<double>(), r.at("b").get<double>(), r.at("c").get<double>()});
}

bool Near(double actual, double expected, double relative, double floor) {
  if (std::isinf(expected)) return actual == expected;
  return std::fabs(actual - expected) <= relative * std::max(std::fabs(expected), floor) ||
         (expected <= 1e-300 && actual <= 1e-300);
}

// Every statistic CompareNumeric reports equals SciPy's on the generated
// pairs (up to 200,000 values, to keep the test fast).
TEST(ScipyParity, CompareNumericReportsScipysStatistics) {
  int checked = 0;
  for (const auto& c : Scipy().at("ks_pairs")) {
    if (c["reference"]["size"].get<std::int64_t>() > 200000 || c["current"]["size"].get<std::int64_t>() > 200000) {
      continue;
    }
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<double> x = Regenerate(c["reference"]);
    const std::vector<double> y = Regenerate(c["current"]);
    DriftOptions options;
    options.test = DriftTest::kKolmogorovSmirnov;
    options.categorical_max_unique = 0;  // always binned, never by category
    for (Binning binning : {Binning::kSturges, Binning::kReferenceQuantiles}) {
      options.binning = binning;
      const DriftResult r = CompareNumeric(MakeReference(x, {}), y, options);
      EXPECT_TRUE(Near(r.ks_statistic, c["ks_auto"][0].get<double>(), 1e-9, 0)) << r.ks_statistic;
      EXPECT_TRUE(Near(r.ks_p_value, c["ks_auto"][1].get<double>(), 1e-6, 0)) << r.ks_p_value;
      EXPECT_TRUE(Near(r.wasserstein, c["wasserstein"].get<double>(), 1e-9, 1e-12));
      EXPECT_TRUE(Near(r.wasserstein_normed, c["wasserstein_normed"].get<double>(), 1e-9, 1e-12));
      const std::string prefix = binning == Binning::kSturges ? "sturges" : "quantile";
      if (c.contains(prefix + "_psi")) {
        EXPECT_TRUE(Near(r.psi, c[prefix + "_psi"].get<double>(), 1e-9, 1e-12)) << prefix << " psi " << r.psi;
        EXPECT_TRUE(Near(r.jensenshannon, c[prefix + "_js"].get<double>(), 1e-9, 1e-12)) << prefix << " js";
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 200);
}

TEST(SortedVariants, CompareNumericSortedEqualsCompareNumeric) {
  const ReferenceDistribution reference = MakeReference(Normal(23, 3000), {});
  std::vector<double> raw = Normal(24, 2000, 0.1);
  raw[5] = kNaN;
  std::vector<double> finite;
  const ValueCounts counts = SplitFinite(raw, {}, &finite);
  const DriftResult a = CompareNumeric(reference, raw, {});
  const DriftResult b = CompareNumericSorted(reference, SortedValues(finite), counts, {});
  EXPECT_EQ(a.ToJson(), b.ToJson());
}

// The *Sorted variants give exactly the results of the sorting ones.
TEST(SortedVariants, AreIdenticalToTheSortingFunctions) {
  const std::vector<double> x = GenerateSample({"rounded_normal", 21, 20000, 0.0, 1.0, 10.0});
  const std::vector<double> y = Normal(22, 15000, 0.2);
  const std::vector<double> xs = SortedValues(x);
  const std::vector<double> ys = SortedValues(y);
  EXPECT_EQ(Wasserstein1(x, y), Wasserstein1Sorted(xs, ys));
  EXPECT_EQ(NormalizedWasserstein1(x, y), NormalizedWasserstein1Sorted(xs, ys));
  for (Binning binning : {Binning::kSturges, Binning::kReferenceQuantiles}) {
    const BinnedProportions a = BinProportions(x, y, binning, 10);
    const BinnedProportions b = BinProportionsSorted(xs, ys, binning, 10);
    EXPECT_EQ(a.edges, b.edges);
    EXPECT_EQ(a.reference, b.reference);
    EXPECT_EQ(a.current, b.current);
  }
}

}  // namespace
}  // namespace stagegate::drift

namespace stagegate::drift {
namespace {

// The fleet's stream drift computes the exact KS p-value only near the
// threshold (DriftOptions::exact_p_value_band); every verdict must stay the
// one the exact p-value gives. A sweep of shifts from none to obvious, at the
// sample sizes of a 4,096-value baseline against a day of minutes.
TEST(ExactPValueBandTest, KeepsEveryVerdictOfTheExactPValue) {
  std::mt19937_64 random(17);
  std::normal_distribution<double> gaussian(0.0, 1.0);
  std::vector<double> reference_values(4096);
  for (double& v : reference_values) v = std::round(gaussian(random) * 100.0) / 100.0;
  const ReferenceDistribution reference = MakeReference(reference_values, {});
  DriftOptions exact;
  exact.test = DriftTest::kKolmogorovSmirnov;
  DriftOptions banded = exact;
  banded.exact_p_value_band = 10;
  int drifted = 0, kept_exact = 0;
  for (int step = 0; step < 120; ++step) {
    std::vector<double> current(1440);
    const double shift = 0.0025 * step;
    for (double& v : current) v = std::round((gaussian(random) + shift) * 100.0) / 100.0;
    const DriftResult want = CompareNumeric(reference, current, exact);
    const DriftResult got = CompareNumeric(reference, current, banded);
    ASSERT_EQ(got.drifted, want.drifted) << "shift " << shift << ": exact p " << want.ks_p_value << ", banded p "
                                         << got.ks_p_value;
    EXPECT_TRUE(want.ks_p_value_exact);
    if (got.ks_p_value_exact) {
      ++kept_exact;
      EXPECT_EQ(got.ks_p_value, want.ks_p_value);
    } else {
      // Outside the band the approximation is used, and it is far from the threshold.
      EXPECT_TRUE(got.ks_p_value < 0.005 || got.ks_p_value > 0.5) << got.ks_p_value;
    }
    drifted += want.drifted ? 1 : 0;
  }
  // The sweep crosses the threshold: both verdicts occur, and some p-values were near it.
  EXPECT_GT(drifted, 10);
  EXPECT_LT(drifted, 110);
  EXPECT_GT(kept_exact, 0);
  EXPECT_LT(kept_exact, 120);
}

}  // namespace
}  // namespace stagegate::drift
