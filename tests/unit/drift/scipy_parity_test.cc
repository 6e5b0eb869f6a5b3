// Compares the drift statistics with SciPy's values stored in
// tests/data/drift/scipy_reference.json (see generate_scipy_reference.py).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evaluators/drift/binned.h"
#include "evaluators/drift/categorical.h"
#include "evaluators/drift/sample_generator.h"
#include "evaluators/drift/special_functions.h"
#include "evaluators/drift/two_sample.h"

namespace stagegate::drift {
namespace {

constexpr double kPValueTolerance = 1e-6;     // relative, where p > 1e-300
constexpr double kStatisticTolerance = 1e-9;  // relative

const nlohmann::json& Reference() {
  static const nlohmann::json reference = [] {
    std::ifstream in(std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/drift/scipy_reference.json");
    return nlohmann::json::parse(in);
  }();
  return reference;
}

::testing::AssertionResult Near(double actual, double expected, double relative, double floor = 0.0) {
  if (std::isinf(expected) && actual == expected) return ::testing::AssertionSuccess();
  const double scale = std::max(std::fabs(expected), floor);
  if (std::fabs(actual - expected) <= relative * scale || (expected <= 1e-300 && actual <= 1e-300)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "actual " << actual << " expected " << expected << " relative error "
                                       << std::fabs(actual - expected) / scale;
}

std::vector<double> Regenerate(const nlohmann::json& r) {
  const std::string distribution = r.at("distribution").get<std::string>();
  SampleRecipe recipe{distribution,
                      r.at("seed").get<std::uint64_t>(),
                      r.at("size").get<std::int64_t>(),
                      r.at("a").get<double>(),
                      r.at("b").get<double>(),
                      r.at("c").get<double>()};
  return GenerateSample(recipe);
}

void CheckKs(const std::vector<double>& x, const std::vector<double>& y, const nlohmann::json& c) {
  const KsResult automatic = KolmogorovSmirnov(x, y, KsMethod::kAuto);
  EXPECT_TRUE(Near(automatic.statistic, c["ks_auto"][0].get<double>(), kStatisticTolerance)) << "auto statistic";
  EXPECT_TRUE(Near(automatic.p_value, c["ks_auto"][1].get<double>(), kPValueTolerance)) << "auto p";
  const KsResult asymptotic = KolmogorovSmirnov(x, y, KsMethod::kAsymptotic);
  EXPECT_TRUE(Near(asymptotic.statistic, c["ks_asymp"][0].get<double>(), kStatisticTolerance)) << "asymp statistic";
  EXPECT_TRUE(Near(asymptotic.p_value, c["ks_asymp"][1].get<double>(), kPValueTolerance)) << "asymp p";
  if (c.contains("ks_exact")) {
    const KsResult exact = KolmogorovSmirnov(x, y, KsMethod::kExact);
    EXPECT_TRUE(Near(exact.p_value, c["ks_exact"][1].get<double>(), kPValueTolerance)) << "exact p";
  }
  EXPECT_TRUE(Near(Wasserstein1(x, y), c["wasserstein"].get<double>(), 1e-9, 1e-12)) << "wasserstein";
}

TEST(ScipyParity, KsOnGeneratedSamples) {
  const auto& cases = Reference().at("ks_pairs");
  ASSERT_GE(cases.size(), 200u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<double> x = Regenerate(c["reference"]);
    const std::vector<double> y = Regenerate(c["current"]);
    ASSERT_EQ(x.size(), c["reference"]["size"].get<std::size_t>());
    CheckKs(x, y, c);
    EXPECT_TRUE(Near(NormalizedWasserstein1(x, y), c["wasserstein_normed"].get<double>(), 1e-9, 1e-12));
    if (c.contains("sturges_psi")) {
      const BinnedProportions binned = BinProportions(x, y, Binning::kSturges);
      EXPECT_TRUE(
          Near(PopulationStabilityIndex(binned.reference, binned.current), c["sturges_psi"].get<double>(), 1e-9, 1e-12))
          << "psi";
      EXPECT_TRUE(
          Near(JensenShannonDistance(binned.reference, binned.current), c["sturges_js"].get<double>(), 1e-9, 1e-12))
          << "js";
      const BinnedProportions deciles = BinProportions(x, y, Binning::kReferenceQuantiles);
      EXPECT_TRUE(Near(PopulationStabilityIndex(deciles.reference, deciles.current), c["quantile_psi"].get<double>(),
                       1e-9, 1e-12))
          << "quantile psi";
      EXPECT_TRUE(
          Near(JensenShannonDistance(deciles.reference, deciles.current), c["quantile_js"].get<double>(), 1e-9, 1e-12))
          << "quantile js";
    }
  }
}

TEST(ScipyParity, KsOnInlineSamples) {
  for (const auto& c : Reference().at("ks_inline")) {
    SCOPED_TRACE(c["name"].get<std::string>());
    CheckKs(c["x"].get<std::vector<double>>(), c["y"].get<std::vector<double>>(), c);
  }
}

TEST(ScipyParity, KolmogorovDistribution) {
  for (const auto& c : Reference().at("kolmogorov")) {
    const auto n = c["n"].get<std::int64_t>();
    const double d = c["d"].get<double>();
    SCOPED_TRACE("n=" + std::to_string(n) + " d=" + std::to_string(d));
    EXPECT_TRUE(Near(KolmogorovSurvival(n, d), c["sf"].get<double>(), kPValueTolerance)) << "kstwo.sf";
    EXPECT_TRUE(Near(SmirnovSurvival(n, d), c["smirnov"].get<double>(), kPValueTolerance)) << "smirnov";
  }
}

TEST(ScipyParity, ChiSquaredSurvival) {
  for (const auto& c : Reference().at("chi2_sf")) {
    SCOPED_TRACE("dof=" + std::to_string(c["dof"].get<int>()) + " x=" + std::to_string(c["x"].get<double>()));
    EXPECT_TRUE(Near(ChiSquaredSurvival(c["dof"].get<double>(), c["x"].get<double>()), c["sf"].get<double>(),
                     kPValueTolerance));
  }
}

TEST(ScipyParity, ChiSquaredTest) {
  for (const auto& c : Reference().at("chisquare")) {
    CategoryCounts reference = c["reference"].get<CategoryCounts>();
    CategoryCounts current = c["current"].get<CategoryCounts>();
    const ChiSquaredResult result = ChiSquaredTest(reference, current);
    if (c["statistic"].is_string()) {
      EXPECT_TRUE(std::isinf(result.statistic));
      EXPECT_EQ(result.p_value, 0.0);
      continue;
    }
    EXPECT_TRUE(Near(result.statistic, c["statistic"].get<double>(), kStatisticTolerance));
    EXPECT_TRUE(Near(result.p_value, c["p_value"].get<double>(), kPValueTolerance));
  }
}

TEST(ScipyParity, TwoProportionZTest) {
  for (const auto& c : Reference().at("z_test")) {
    const ZTestResult result = TwoProportionZTest(c["s1"].get<std::int64_t>(), c["n1"].get<std::int64_t>(),
                                                  c["s2"].get<std::int64_t>(), c["n2"].get<std::int64_t>());
    EXPECT_TRUE(Near(result.statistic, c["z"].get<double>(), kStatisticTolerance, 1e-300));
    EXPECT_TRUE(Near(result.p_value, c["p_value"].get<double>(), kPValueTolerance));
  }
}

TEST(ScipyParity, JensenShannon) {
  for (const auto& c : Reference().at("jensenshannon")) {
    EXPECT_TRUE(Near(JensenShannonDistance(c["p"].get<std::vector<double>>(), c["q"].get<std::vector<double>>()),
                     c["js"].get<double>(), 1e-9));
  }
}

}  // namespace
}  // namespace stagegate::drift
