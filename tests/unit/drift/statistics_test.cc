// Behaviour of the drift statistics at their edges: empty and constant
// inputs, identical samples, unseen categories, binning rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "evaluators/drift/binned.h"
#include "evaluators/drift/categorical.h"
#include "evaluators/drift/sample_generator.h"
#include "evaluators/drift/special_functions.h"
#include "evaluators/drift/two_sample.h"

namespace stagegate::drift {
namespace {

TEST(KolmogorovSmirnov, EmptyInputGivesNaN) {
  const std::vector<double> some{1.0, 2.0};
  const KsResult result = KolmogorovSmirnov({}, some);
  EXPECT_TRUE(std::isnan(result.statistic));
  EXPECT_TRUE(std::isnan(result.p_value));
}

TEST(KolmogorovSmirnov, IdenticalSamplesHaveZeroStatisticAndPValueOne) {
  const std::vector<double> x = GenerateSample({"normal", 5, 2000, 0.0, 1.0, 1.0});
  for (KsMethod method : {KsMethod::kAuto, KsMethod::kExact, KsMethod::kAsymptotic}) {
    const KsResult result = KolmogorovSmirnov(x, x, method);
    EXPECT_EQ(result.statistic, 0.0);
    EXPECT_EQ(result.p_value, 1.0);
  }
}

TEST(KolmogorovSmirnov, DisjointSamplesOfFiveAndFiveHaveExactPValue) {
  // Only the 2 of C(10, 5) = 252 orderings with no interleaving reach D = 1.
  const std::vector<double> a{1, 2, 3, 4, 5};
  const std::vector<double> b{6, 7, 8, 9, 10};
  const KsResult result = KolmogorovSmirnov(a, b);
  EXPECT_EQ(result.statistic, 1.0);
  EXPECT_NEAR(result.p_value, 2.0 / 252.0, 1e-15);
  EXPECT_EQ(result.method_used, KsMethod::kExact);
}

TEST(KolmogorovSmirnov, AutoSwitchesToAsymptoticAboveTheExactLimit) {
  const std::vector<double> a = GenerateSample({"normal", 1, kKsMaxExactSize + 1, 0.0, 1.0, 1.0});
  const std::vector<double> b = GenerateSample({"normal", 2, 100, 0.0, 1.0, 1.0});
  EXPECT_EQ(KolmogorovSmirnov(a, b).method_used, KsMethod::kAsymptotic);
  EXPECT_EQ(KolmogorovSmirnov(a, b, KsMethod::kExact).method_used, KsMethod::kExact);
}

TEST(KolmogorovSmirnov, TiesAreCountedAfterAllEqualValues) {
  // F1 and F2 both jump at 1; evaluated after the jump they are equal.
  const std::vector<double> a{1, 1, 1, 2};
  const std::vector<double> b{1, 2, 2, 2};
  EXPECT_DOUBLE_EQ(KolmogorovSmirnov(a, b).statistic, 0.5);
}

TEST(KolmogorovSmirnov, ExactPValueIsSymmetricInSizes) {
  EXPECT_DOUBLE_EQ(KsExactTwoSidedPValue(7, 13, 5.0 / 13.0), KsExactTwoSidedPValue(13, 7, 5.0 / 13.0));
}

TEST(KolmogorovSmirnov, ExactPValueRefusesHugeLattices) {
  EXPECT_TRUE(std::isnan(KsExactTwoSidedPValue(99991, 99989, 0.01)));
}

TEST(KolmogorovSmirnov, LargeInputsSortLikeStdSort) {
  // Large inputs take the radix sort: signs, zeros of both signs, subnormals
  // and extreme magnitudes must order as std::sort orders them.
  std::vector<double> a = GenerateSample({"cauchy", 21, 20000, 0.0, 1.0, 1.0});
  std::vector<double> b = GenerateSample({"normal", 22, 9000, 0.0, 1.0, 1.0});
  for (double v : {0.0, -0.0, 4.9e-324, -4.9e-324, 1.7e308, -1.7e308, 0.0, -0.0}) {
    a.push_back(v);
    b.push_back(v);
  }
  std::vector<double> sorted_a = a, sorted_b = b;
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_b.begin(), sorted_b.end());
  const KsResult unsorted = KolmogorovSmirnov(a, b);
  const KsResult presorted = KolmogorovSmirnovSorted(sorted_a, sorted_b);
  EXPECT_EQ(unsorted.statistic, presorted.statistic);
  EXPECT_EQ(unsorted.p_value, presorted.p_value);
  EXPECT_EQ(Wasserstein1(a, b), Wasserstein1(sorted_a, sorted_b));
}

TEST(KolmogorovSmirnov, SortedValuesEqualStdSortAtEverySize) {
  // Each size band takes its own sort (comparison, 8-bit and 11-bit radix
  // digits); all must give std::sort's values, signs of zero aside.
  for (size_t size : {1u, 255u, 256u, 1440u, 4095u, 4096u, 30000u}) {
    std::vector<double> values = GenerateSample({"cauchy", static_cast<uint64_t>(size), static_cast<int64_t>(size), 0.0,
                                                 1.0, 1.0});
    values[0] = -4.9e-324;
    values[values.size() / 2] = 1.7e308;
    std::vector<double> expected = values;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(SortedValues(values), expected) << size << " values";
  }
}

TEST(Wasserstein, ShiftMovesByTheShift) {
  const std::vector<double> a{0, 1, 2, 3};
  const std::vector<double> b{0.5, 1.5, 2.5, 3.5};
  EXPECT_DOUBLE_EQ(Wasserstein1(a, b), 0.5);
  // Population standard deviation of {0,1,2,3} is sqrt(1.25).
  EXPECT_DOUBLE_EQ(NormalizedWasserstein1(a, b), 0.5 / std::sqrt(1.25));
}

TEST(Wasserstein, ConstantReference) {
  const std::vector<double> a{2, 2, 2};
  EXPECT_EQ(NormalizedWasserstein1(a, a), 0.0);
  const std::vector<double> b{3};
  EXPECT_TRUE(std::isinf(NormalizedWasserstein1(a, b)));
}

TEST(Binning, QuantileBinsSplitTheReferenceEvenly) {
  const std::vector<double> x = GenerateSample({"uniform", 9, 10000, 0.0, 1.0, 1.0});
  const BinnedProportions binned = BinProportions(x, x);
  ASSERT_EQ(binned.reference.size(), 10u);
  for (double p : binned.reference) EXPECT_NEAR(p, 0.1, 1e-3);
  EXPECT_EQ(binned.edges.front(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(binned.edges.back(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(PopulationStabilityIndex(binned.reference, binned.current), 0.0);
}

TEST(Binning, TiedQuantilesMergeAndEmptyBinsGetEpsilon) {
  const std::vector<double> reference{1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
  const std::vector<double> current{5, 5, 5};
  const BinnedProportions binned = BinProportions(reference, current);
  EXPECT_LT(binned.reference.size(), 10u);
  for (std::size_t i = 0; i + 1 < binned.current.size(); ++i) EXPECT_EQ(binned.current[i], kEmptyBinProportion);
  EXPECT_EQ(binned.current.back(), 1.0);
  EXPECT_GT(PopulationStabilityIndex(reference, current, Binning::kReferenceQuantiles), 1.0);
}

TEST(Binning, SturgesBinsByValueWhenTheReferenceHasFewDistinctValues) {
  const std::vector<double> reference{4, 4, 4};
  const std::vector<double> current{4, 5};
  const BinnedProportions binned = BinProportions(reference, current, Binning::kSturges);
  EXPECT_TRUE(binned.edges.empty());
  EXPECT_EQ(binned.values, (std::vector<double>{4, 5}));
  EXPECT_EQ(binned.reference, (std::vector<double>{1.0, kEmptyBinProportion}));
  EXPECT_EQ(binned.current, (std::vector<double>{0.5, 0.5}));
}

TEST(Binning, SturgesBinCountFollowsLog2OfBothSizes) {
  const std::vector<double> a = GenerateSample({"uniform", 1, 1000, 0.0, 1.0, 1.0});
  const std::vector<double> b = GenerateSample({"uniform", 2, 1000, 0.0, 1.0, 1.0});
  // ceil(log2(2000) + 1) = 12 bins.
  EXPECT_EQ(BinProportions(a, b, Binning::kSturges).edges.size(), 13u);
}

TEST(Binning, EmptyBinsWeighLessThanTheSmallestOccupiedOne) {
  std::vector<double> coarse{0.5, 0.0, 0.5};
  FillEmptyBins(coarse);
  EXPECT_EQ(coarse[1], kEmptyBinProportion);
  std::vector<double> fine{0.99995, 0.00005, 0.0};
  FillEmptyBins(fine);
  EXPECT_DOUBLE_EQ(fine[2], 0.00005 / kSmallEmptyBinDivisor);
}

TEST(JensenShannon, BoundsAndSymmetry) {
  const std::vector<double> p{1, 0};
  const std::vector<double> q{0, 1};
  EXPECT_DOUBLE_EQ(JensenShannonDistance(p, q), std::sqrt(std::log(2.0)));
  EXPECT_EQ(JensenShannonDistance(p, p), 0.0);
  const std::vector<double> r{0.2, 0.3, 0.5};
  const std::vector<double> s{0.5, 0.3, 0.2};
  EXPECT_DOUBLE_EQ(JensenShannonDistance(r, s), JensenShannonDistance(s, r));
  EXPECT_TRUE(std::isnan(JensenShannonDistance(r, p)));
}

TEST(ChiSquared, UnseenCategoryInCurrentIsInfinitelySignificant) {
  const ChiSquaredResult result = ChiSquaredTest({{"a", 10}, {"b", 10}}, {{"a", 10}, {"b", 9}, {"c", 1}});
  EXPECT_TRUE(std::isinf(result.statistic));
  EXPECT_EQ(result.p_value, 0.0);
  EXPECT_EQ(result.degrees_of_freedom, 2);
}

TEST(ChiSquared, CategoryMissingFromCurrentCountsAsZero) {
  // Expected 5 and 5, observed 10 and 0: χ² = 5 + 5 = 10 with 1 dof.
  const ChiSquaredResult result = ChiSquaredTest({{"a", 50}, {"b", 50}}, {{"a", 10}});
  EXPECT_DOUBLE_EQ(result.statistic, 10.0);
  EXPECT_NEAR(result.p_value, 0.0015654022580025487, 1e-15);
  EXPECT_DOUBLE_EQ(result.cramers_v, 1.0);
}

TEST(ChiSquared, SingleCategoryIsNoEvidence) {
  const ChiSquaredResult result = ChiSquaredTest({{"a", 5}}, {{"a", 7}});
  EXPECT_EQ(result.p_value, 1.0);
  EXPECT_EQ(result.degrees_of_freedom, 0);
}

TEST(ZTest, ConstantEqualSamplesAreNoEvidence) {
  const ZTestResult result = TwoProportionZTest(0, 10, 0, 20);
  EXPECT_EQ(result.statistic, 0.0);
  EXPECT_EQ(result.p_value, 1.0);
}

TEST(ZTest, KeepsTinyPValues) {
  const ZTestResult result = TwoProportionZTest(100, 100000, 1000, 100000);
  EXPECT_GT(result.p_value, 0.0);
  EXPECT_LT(result.p_value, 1e-100);  // 2 * (1 - Phi(|z|)) would round to 0
  EXPECT_GT(result.cohens_h, 0.0);
}

TEST(SpecialFunctions, ChiSquaredSurvivalKnownValues) {
  EXPECT_NEAR(ChiSquaredSurvival(2, 2 * std::log(20.0)), 0.05,
              1e-15);  // exp(-x/2) for 2 dof
  EXPECT_EQ(ChiSquaredSurvival(3, 0.0), 1.0);
  EXPECT_TRUE(std::isnan(ChiSquaredSurvival(0, 1.0)));
}

TEST(SpecialFunctions, KolmogorovSurvivalTails) {
  EXPECT_EQ(KolmogorovSurvival(10, 0.0), 1.0);
  EXPECT_EQ(KolmogorovSurvival(10, 1.0), 0.0);
  // Ruben-Gambino upper tail: 2 (1 - x)^n for x >= 1 - 1/n.
  EXPECT_NEAR(KolmogorovSurvival(10, 0.95), 2.0 * std::pow(0.05, 10), 1e-12 * 2.0 * std::pow(0.05, 10));
}

TEST(SampleGenerator, MatchesSplitMix64AndIsDeterministic) {
  EXPECT_EQ(SplitMix64(0, 0), 0xE220A8397B1DCDAFULL);
  const std::vector<double> a = GenerateSample({"cauchy", 3, 100, 0.0, 1.0, 1.0});
  EXPECT_EQ(a, GenerateSample({"cauchy", 3, 100, 0.0, 1.0, 1.0}));
  EXPECT_TRUE(GenerateSample({"gamma", 3, 100, 0.0, 1.0, 1.0}).empty());
}

}  // namespace
}  // namespace stagegate::drift
