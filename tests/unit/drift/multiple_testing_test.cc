#include "evaluators/drift/multiple_testing.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace stagegate::drift {
namespace {

// Expected values worked by hand with the definitions statsmodels uses in
// multipletests(p, method="fdr_bh" / "bonferroni")[1].
TEST(MultipleTesting, BenjaminiHochbergMatchesStatsmodels) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.20, 0.005};
  // m = 5; sorted: 0.005 (1), 0.01 (2), 0.03 (3), 0.04 (4), 0.20 (5)
  // raw m p / rank: 0.025, 0.025, 0.05, 0.05, 0.20; running minimum from the top keeps them.
  const std::vector<double> expected = {0.025, 0.05, 0.05, 0.20, 0.025};
  std::vector<double> adjusted = AdjustPValues(p, Correction::kBenjaminiHochberg);
  ASSERT_EQ(adjusted.size(), expected.size());
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(adjusted[i], expected[i], 1e-15) << i;
}

TEST(MultipleTesting, BenjaminiHochbergIsMonotoneInTheRawPValues) {
  // A larger p-value early in the ranking pulls the ones below it up: 0.04 at
  // rank 2 of 3 gives 0.06, and the step-up minimum makes rank 1 at most that.
  const std::vector<double> p = {0.039, 0.04, 0.5};
  std::vector<double> adjusted = AdjustPValues(p, Correction::kBenjaminiHochberg);
  EXPECT_NEAR(adjusted[0], 0.06, 1e-15);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-15);
  EXPECT_NEAR(adjusted[2], 0.5, 1e-15);
}

TEST(MultipleTesting, BonferroniMultipliesAndCaps) {
  const std::vector<double> p = {0.01, 0.3, 0.0001};
  std::vector<double> adjusted = AdjustPValues(p, Correction::kBonferroni);
  EXPECT_NEAR(adjusted[0], 0.03, 1e-15);
  EXPECT_NEAR(adjusted[1], 0.9, 1e-15);
  EXPECT_NEAR(adjusted[2], 0.0003, 1e-15);
  EXPECT_EQ(AdjustPValues(std::vector<double>{0.6, 0.7}, Correction::kBonferroni)[1], 1.0);
}

TEST(MultipleTesting, NanIsNotATest) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> p = {0.01, nan, 0.02};
  std::vector<double> bonferroni = AdjustPValues(p, Correction::kBonferroni);
  EXPECT_NEAR(bonferroni[0], 0.02, 1e-15);  // m = 2, not 3
  EXPECT_TRUE(std::isnan(bonferroni[1]));
  std::vector<double> bh = AdjustPValues(p, Correction::kBenjaminiHochberg);
  EXPECT_NEAR(bh[0], 0.02, 1e-15);
  EXPECT_NEAR(bh[2], 0.02, 1e-15);
  EXPECT_TRUE(std::isnan(bh[1]));
  EXPECT_TRUE(AdjustPValues({}, Correction::kBenjaminiHochberg).empty());
}

TEST(MultipleTesting, NamesRoundTrip) {
  for (Correction c : {Correction::kBenjaminiHochberg, Correction::kBonferroni}) {
    EXPECT_EQ(ParseCorrection(CorrectionName(c)), c);
  }
  EXPECT_FALSE(ParseCorrection("holm").has_value());
}

}  // namespace
}  // namespace stagegate::drift
