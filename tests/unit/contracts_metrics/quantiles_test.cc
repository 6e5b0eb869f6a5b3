#include "evaluators/contracts/quantiles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace stagegate::contracts {
namespace {

// numpy.quantile(x, p) with the default "linear" method, by sorting.
double SortedQuantile(std::vector<double> x, double p) {
  std::sort(x.begin(), x.end());
  const double pos = p * static_cast<double>(x.size() - 1);
  const size_t below = static_cast<size_t>(pos);
  const size_t above = std::min(below + 1, x.size() - 1);
  return x[below] + (x[above] - x[below]) * (pos - static_cast<double>(below));
}

TEST(QuantilesTest, KnownValues) {
  // numpy.quantile([1, 2, 3, 4], [0, .25, .5, .95, 1]) = [1, 1.75, 2.5, 3.85, 4]
  std::vector<double> x = {4, 1, 3, 2};
  const double ps[] = {0, 0.25, 0.5, 0.95, 1};
  double out[5];
  QuantilesInPlace(x, ps, out);
  EXPECT_DOUBLE_EQ(out[0], 1);
  EXPECT_DOUBLE_EQ(out[1], 1.75);
  EXPECT_DOUBLE_EQ(out[2], 2.5);
  EXPECT_DOUBLE_EQ(out[3], 3.85);
  EXPECT_DOUBLE_EQ(out[4], 4);
}

TEST(QuantilesTest, SingleValueAndTies) {
  std::vector<double> one = {42};
  EXPECT_EQ(QuantileInPlace(one, 0.99), 42);
  std::vector<double> ties = {5, 5, 5, 1, 5};
  EXPECT_EQ(QuantileInPlace(ties, 0.5), 5);
  std::vector<double> two = {-1, 1};
  EXPECT_DOUBLE_EQ(QuantileInPlace(two, 0.5), 0);
  EXPECT_DOUBLE_EQ(QuantileInPlace(two, 0.75), 0.5);
}

TEST(QuantilesTest, RepeatedRankIsReused) {
  // With three values, p = 0.5 and p = 0.6 select the same lower rank.
  std::vector<double> x = {3, 1, 2};
  const double ps[] = {0.5, 0.6, 1.0};
  double out[3];
  QuantilesInPlace(x, ps, out);
  EXPECT_DOUBLE_EQ(out[0], 2);
  EXPECT_DOUBLE_EQ(out[1], 2.2);
  EXPECT_DOUBLE_EQ(out[2], 3);
}

TEST(QuantilesTest, MatchesSortingOnRandomData) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> size(1, 300);
  std::uniform_int_distribution<int> small(-20, 20);  // many ties
  std::normal_distribution<double> normal(0, 1e3);
  for (int iteration = 0; iteration < 500; ++iteration) {
    std::vector<double> x(static_cast<size_t>(size(rng)));
    for (double& v : x) v = iteration % 2 ? normal(rng) : small(rng);
    std::vector<double> ps = {0.0, 0.01, 0.5, 0.5, 0.95, 0.99, 0.999, 1.0};
    std::vector<double> out(ps.size());
    std::vector<double> work = x;
    QuantilesInPlace(work, ps, out);
    for (size_t q = 0; q < ps.size(); ++q) {
      const double want = SortedQuantile(x, ps[q]);
      EXPECT_NEAR(out[q], want, 1e-12 * std::max(1.0, std::abs(want))) << "p=" << ps[q] << " n=" << x.size();
    }
    std::sort(work.begin(), work.end());
    std::sort(x.begin(), x.end());
    EXPECT_EQ(work, x);  // reordered, never changed
  }
}

// A day at one sample a minute or a second, and orders that are hard for
// selection: ascending, descending, and coarse values with many ties.
TEST(QuantilesTest, MatchesSortingOnLargeAndOrderedData) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(20, 5);
  std::uniform_int_distribution<int> coarse(0, 30);
  for (const size_t n : {500u, 1440u, 1441u, 10'000u, 86'400u}) {
    for (int order = 0; order < 4; ++order) {
      std::vector<double> x(n);
      for (double& v : x) v = order == 3 ? coarse(rng) : normal(rng);
      if (order == 1) std::sort(x.begin(), x.end());
      if (order == 2) std::sort(x.rbegin(), x.rend());
      const std::vector<double> ps = {0.01, 0.5, 0.9, 0.95, 0.95, 0.99, 0.9999, 1.0};
      std::vector<double> out(ps.size());
      std::vector<double> work = x;
      QuantilesInPlace(work, ps, out);
      for (size_t q = 0; q < ps.size(); ++q) {
        const double want = SortedQuantile(x, ps[q]);
        EXPECT_NEAR(out[q], want, 1e-12 * std::max(1.0, std::abs(want)))
            << "p=" << ps[q] << " n=" << n << " order=" << order;
      }
      std::vector<double> single = x;
      EXPECT_NEAR(QuantileInPlace(single, 0.99), SortedQuantile(x, 0.99), 1e-12 * 40) << "n=" << n;
      std::sort(work.begin(), work.end());
      std::sort(x.begin(), x.end());
      EXPECT_EQ(work, x);  // reordered, never changed
    }
  }
}

}  // namespace
}  // namespace stagegate::contracts
