#include "evaluators/drift/online_detectors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace stagegate::drift {
namespace {

const std::string kDataDir =
    std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/drift_online/";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<int64_t> Timestamps(size_t n) {
  std::vector<int64_t> t(n);
  for (size_t i = 0; i < n; ++i)
    t[i] = 1'000'000 * static_cast<int64_t>(i);
  return t;
}

std::vector<size_t> Indices(const OnlineResult &result) {
  std::vector<size_t> out;
  for (const Detection &d : result.detections)
    out.push_back(d.index);
  return out;
}

std::vector<size_t> RunPh(const std::vector<double> &values,
                          const PageHinkleyOptions &options) {
  return Indices(RunPageHinkley(Timestamps(values.size()), values, options));
}

std::vector<size_t> RunAd(const std::vector<double> &values,
                          const AdwinOptions &options) {
  return Indices(RunAdwin(Timestamps(values.size()), values, options));
}

std::vector<double> LoadSeries(const std::string &name) {
  std::ifstream in(kDataDir + name + ".txt");
  std::vector<double> values;
  std::string line;
  while (std::getline(in, line))
    values.push_back(std::strtod(line.c_str(), nullptr));
  return values;
}

// --- Page-Hinkley, derived by hand ---------------------------------------

// With delta = 0 and alpha = 1 the statistic is the plain cumulative sum of
// deviations from the running mean.
PageHinkleyOptions HandOptions(PageHinkleyOptions::Mode mode) {
  PageHinkleyOptions o;
  o.min_instances = 3;
  o.delta = 0;
  o.threshold = 1;
  o.alpha = 1;
  o.mode = mode;
  return o;
}

TEST(PageHinkleyTest, HandDerivedIncrease) {
  // 0, 0, 0: mean 0, every deviation 0, sums 0. Then 3: mean 0.75,
  // deviation 2.25, increase 2.25 - min(0) = 2.25 > 1: drift at index 3.
  EXPECT_EQ(RunPh({0, 0, 0, 3}, HandOptions(PageHinkleyOptions::Mode::kUp)),
            (std::vector<size_t>{3}));
  EXPECT_EQ(RunPh({0, 0, 0, 3}, HandOptions(PageHinkleyOptions::Mode::kBoth)),
            (std::vector<size_t>{3}));
  EXPECT_TRUE(RunPh({0, 0, 0, 3}, HandOptions(PageHinkleyOptions::Mode::kDown))
                  .empty());
}

TEST(PageHinkleyTest, HandDerivedDecrease) {
  // The mirror image: -3 gives deviation -2.25, decrease 0 - (-2.25) = 2.25.
  EXPECT_EQ(RunPh({0, 0, 0, -3}, HandOptions(PageHinkleyOptions::Mode::kDown)),
            (std::vector<size_t>{3}));
  EXPECT_EQ(RunPh({0, 0, 0, -3}, HandOptions(PageHinkleyOptions::Mode::kBoth)),
            (std::vector<size_t>{3}));
  EXPECT_TRUE(
      RunPh({0, 0, 0, -3}, HandOptions(PageHinkleyOptions::Mode::kUp)).empty());
}

TEST(PageHinkleyTest, NoDetectionBeforeMinInstances) {
  // 0, 5: deviation 2.5 > 1 but only 2 observations (< 3). 5 again: mean 10/3,
  // deviation 5/3, sum 2.5 + 5/3 > 1 with 3 observations: drift at index 2.
  EXPECT_EQ(RunPh({0, 5, 5}, HandOptions(PageHinkleyOptions::Mode::kUp)),
            (std::vector<size_t>{2}));
  EXPECT_TRUE(
      RunPh({0, 5}, HandOptions(PageHinkleyOptions::Mode::kUp)).empty());
}

TEST(PageHinkleyTest, ThresholdIsStrict) {
  // 0, 2: mean 1, deviation 1, increase exactly 1: not above the threshold.
  PageHinkleyOptions o = HandOptions(PageHinkleyOptions::Mode::kUp);
  o.min_instances = 1;
  EXPECT_TRUE(RunPh({0, 2}, o).empty());
  o.threshold = 0.999;
  EXPECT_EQ(RunPh({0, 2}, o), (std::vector<size_t>{1}));
}

TEST(PageHinkleyTest, RestartsAfterADetection) {
  // Drift at 3; the next update starts afresh, so 3, 3, 3, ... is a constant
  // stream (deviations 0) and fires no more. Without the restart the old
  // mean would keep the sum growing.
  EXPECT_EQ(RunPh({0, 0, 0, 3, 3, 3, 3, 3, 3, 3},
                  HandOptions(PageHinkleyOptions::Mode::kUp)),
            (std::vector<size_t>{3}));
  // After the restart three observations are needed again: 0, 0, 0, 3 fires
  // at 3; then 3, 9 is only two observations; 9 again is the third:
  // mean 7, deviation 2, sum 3 + 2 = 5 > 1.
  EXPECT_EQ(
      RunPh({0, 0, 0, 3, 3, 9, 9}, HandOptions(PageHinkleyOptions::Mode::kUp)),
      (std::vector<size_t>{3, 6}));
}

TEST(PageHinkleyTest, ForgettingFactorShrinksOldDeviations) {
  // alpha = 0.5: 0, 0, 4 gives mean 4/3 and deviation 8/3 (sum 8/3 > 2); a
  // stricter threshold of 3 needs more: 0, 0, 4, 4: mean 2, deviation 2,
  // sum 0.5 * 8/3 + 2 = 10/3 > 3.
  PageHinkleyOptions o = HandOptions(PageHinkleyOptions::Mode::kUp);
  o.alpha = 0.5;
  o.threshold = 2;
  EXPECT_EQ(RunPh({0, 0, 4}, o), (std::vector<size_t>{2}));
  o.threshold = 3;
  EXPECT_EQ(RunPh({0, 0, 4, 4}, o), (std::vector<size_t>{3}));
}

TEST(PageHinkleyTest, DefaultsAreRivers) {
  PageHinkleyOptions o;
  EXPECT_EQ(o.min_instances, 30);
  EXPECT_EQ(o.delta, 0.005);
  EXPECT_EQ(o.threshold, 50.0);
  EXPECT_EQ(o.alpha, 1 - 0.0001);
  EXPECT_EQ(o.mode, PageHinkleyOptions::Mode::kBoth);
}

// --- ADWIN -----------------------------------------------------------------

TEST(AdwinTest, DefaultsAreRivers) {
  AdwinOptions o;
  EXPECT_EQ(o.delta, 0.002);
  EXPECT_EQ(o.clock, 32);
  EXPECT_EQ(o.max_buckets, 5);
  EXPECT_EQ(o.min_window_length, 5);
  EXPECT_EQ(o.grace_period, 10);
}

TEST(AdwinTest, WindowStatistics) {
  Adwin adwin;
  EXPECT_EQ(adwin.estimation(), 0.0);
  for (double v : {1.0, 2.0, 3.0, 4.0, 5.0})
    EXPECT_FALSE(adwin.Update(v));
  EXPECT_EQ(adwin.width(), 5);
  EXPECT_EQ(adwin.total(), 15);
  EXPECT_DOUBLE_EQ(adwin.variance(), 10); // sum of squared deviations from 3
  EXPECT_DOUBLE_EQ(adwin.estimation(), 3);
}

TEST(AdwinTest, VarianceSurvivesBucketMerges) {
  AdwinOptions o;
  o.clock = 1'000'000; // never checks: the window keeps every observation
  Adwin adwin(o);
  std::vector<double> values;
  for (int i = 0; i < 200; ++i)
    values.push_back(i % 7);
  for (double v : values)
    adwin.Update(v);
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / 200;
  double ss = 0;
  for (double v : values)
    ss += (v - mean) * (v - mean);
  EXPECT_EQ(adwin.width(), 200);
  EXPECT_NEAR(adwin.variance(), ss, 1e-9 * ss);
}

TEST(AdwinTest, ConstantStreamNeverDrifts) {
  EXPECT_TRUE(RunAd(std::vector<double>(5000, 1.0), {}).empty());
}

TEST(AdwinTest, NothingWithinTheGracePeriod) {
  AdwinOptions o;
  o.grace_period = 100;
  o.clock = 1;
  std::vector<double> values(50, 0.0);
  values.resize(100, 1000.0);
  EXPECT_TRUE(RunAd(values, o).empty());
  values.resize(101, 1000.0); // the window now exceeds the grace period
  EXPECT_EQ(RunAd(values, o), (std::vector<size_t>{100}));
}

TEST(AdwinTest, ChecksOnlyEveryClockObservations) {
  // 0 × 40, then 100 × 24: the shift is obvious from its first values, but the
  // default clock checks only at the 32nd and 64th observations (indices 31
  // and 63); the first check sees no change.
  std::vector<double> values(40, 0.0);
  values.resize(64, 100.0);
  EXPECT_EQ(RunAd(values, {}), (std::vector<size_t>{63}));
  AdwinOptions every;
  every.clock = 1;
  const std::vector<size_t> found = RunAd(values, every);
  ASSERT_FALSE(found.empty());
  EXPECT_LT(found.front(), 63u);
}

TEST(AdwinTest, RestartsFromAnEmptyWindowAfterADetection) {
  AdwinOptions o;
  o.clock = 1;
  Adwin adwin(o);
  for (int i = 0; i < 500; ++i)
    adwin.Update(0.0);
  bool found = false;
  for (int i = 0; i < 500 && !found; ++i)
    found = adwin.Update(100.0);
  ASSERT_TRUE(found);
  adwin.Update(50.0);
  EXPECT_EQ(adwin.width(), 1);
  EXPECT_EQ(adwin.total(), 50.0);
}

TEST(AdwinTest, LongStreamKeepsALogarithmicWindow) {
  // A stationary stream: the window grows, the histogram stays small, and
  // the estimate is the stream's mean.
  Adwin adwin;
  uint64_t state = 42;
  for (int i = 0; i < 200'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    adwin.Update(static_cast<double>(state >> 11) * 0x1.0p-53);
  }
  EXPECT_GT(adwin.width(), 0);
  EXPECT_NEAR(adwin.estimation(), 0.5, 0.05);
}

// --- Running over a series ------------------------------------------------

TEST(RunTest, NonFiniteValuesAreSkippedAndCounted) {
  // The hand case 0, 0, 0, 3 with NaN and ±inf between: same detection, at
  // the caller's index of the 3.
  const std::vector<double> values = {0, kNaN, 0, kInf, 0, -kInf, 3};
  const std::vector<int64_t> t = Timestamps(values.size());
  const OnlineResult r =
      RunPageHinkley(t, values, HandOptions(PageHinkleyOptions::Mode::kUp));
  EXPECT_TRUE(r.detected);
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].index, 6u);
  EXPECT_EQ(r.detections[0].timestamp_us, 6'000'000);
  EXPECT_EQ(r.evaluated, 4u);
  EXPECT_EQ(r.skipped_non_finite, 3u);

  const OnlineResult a = RunAdwin(t, values, {});
  EXPECT_FALSE(a.detected);
  EXPECT_EQ(a.evaluated, 4u);
  EXPECT_EQ(a.skipped_non_finite, 3u);
}

TEST(RunTest, FedInTimeOrderWithTheCallersIndices) {
  // The hand case stored newest first: fed oldest first, the 3 (stored at
  // index 0, latest timestamp) is the detection.
  const std::vector<double> values = {3, 0, 0, 0};
  const std::vector<int64_t> t = {40, 30, 20, 10};
  const OnlineResult r =
      RunPageHinkley(t, values, HandOptions(PageHinkleyOptions::Mode::kUp));
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].index, 0u);
  EXPECT_EQ(r.detections[0].timestamp_us, 40);
}

TEST(RunTest, EmptySeries) {
  const OnlineResult r = RunAdwin({}, {}, {});
  EXPECT_FALSE(r.detected);
  EXPECT_EQ(r.evaluated, 0u);
  EXPECT_EQ(r.skipped_non_finite, 0u);
}

TEST(RunTest, CheckOptions) {
  EXPECT_EQ(CheckOptions(PageHinkleyOptions{}), "");
  EXPECT_EQ(CheckOptions(AdwinOptions{}), "");
  PageHinkleyOptions ph;
  ph.alpha = 1.5;
  EXPECT_EQ(CheckOptions(ph), "alpha must be in (0, 1], not 1.5");
  ph = {};
  ph.threshold = 0;
  EXPECT_EQ(CheckOptions(ph), "threshold must be finite and > 0, not 0");
  AdwinOptions ad;
  ad.clock = 0;
  EXPECT_EQ(CheckOptions(ad), "clock must be >= 1, not 0");
  ad = {};
  ad.delta = 1;
  EXPECT_EQ(CheckOptions(ad), "delta must be in (0, 1), not 1");
  ad = {};
  ad.max_buckets = 0;
  EXPECT_EQ(CheckOptions(ad), "max_buckets must be >= 1, not 0");
}

// --- river's documented detection points ----------------------------------

TEST(RiverReferenceTest, DocstringStream) {
  // river.drift.PageHinkley and river.drift.ADWIN docstrings: the stream of
  // random.Random(12345).choices, detections at 1006 and 1023.
  const std::vector<double> values = LoadSeries("river_docstring");
  ASSERT_EQ(values.size(), 2000u);
  EXPECT_EQ(RunPh(values, {}), (std::vector<size_t>{1006}));
  EXPECT_EQ(RunAd(values, {}), (std::vector<size_t>{1023}));
}

TEST(RiverReferenceTest, AdwinMultipleDrifts) {
  // river/drift/test_adwin_regression.py, test_multiple_drifts.
  const std::vector<double> values = LoadSeries("river_multiple_drifts");
  ASSERT_EQ(values.size(), 4000u);
  EXPECT_EQ(RunAd(values, {}), (std::vector<size_t>{1023, 2015, 3007}));
}

// --- Every case of expected.txt ---------------------------------------------

struct ReferenceCase {
  std::string line;
  std::string series;
  std::string detector;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<size_t> expected;
};

std::vector<ReferenceCase> LoadCases() {
  std::ifstream in(kDataDir + "expected.txt");
  std::vector<ReferenceCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    ReferenceCase c;
    c.line = line;
    const size_t colon = line.find(" :");
    std::istringstream head(line.substr(0, colon));
    head >> c.series >> c.detector;
    std::string option;
    while (head >> option) {
      const size_t eq = option.find('=');
      c.options.emplace_back(option.substr(0, eq), option.substr(eq + 1));
    }
    std::istringstream tail(
        colon == std::string::npos ? "" : line.substr(colon + 2));
    size_t index;
    while (tail >> index)
      c.expected.push_back(index);
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(ReferenceSeriesTest, EveryCaseMatches) {
  const std::vector<ReferenceCase> cases = LoadCases();
  ASSERT_EQ(cases.size(), 34u);
  int with_detections = 0;
  for (const ReferenceCase &c : cases) {
    SCOPED_TRACE(c.line);
    const std::vector<double> values = LoadSeries(c.series);
    ASSERT_FALSE(values.empty());
    std::vector<size_t> found;
    if (c.detector == "page_hinkley") {
      PageHinkleyOptions o;
      for (const auto &[key, value] : c.options) {
        if (key == "min_instances")
          o.min_instances = std::stoi(value);
        else if (key == "delta")
          o.delta = std::stod(value);
        else if (key == "threshold")
          o.threshold = std::stod(value);
        else if (key == "alpha")
          o.alpha = std::stod(value);
        else if (key == "mode")
          o.mode = value == "up"     ? PageHinkleyOptions::Mode::kUp
                   : value == "down" ? PageHinkleyOptions::Mode::kDown
                                     : PageHinkleyOptions::Mode::kBoth;
        else
          FAIL() << "unknown option " << key;
      }
      found = RunPh(values, o);
    } else {
      ASSERT_EQ(c.detector, "adwin");
      AdwinOptions o;
      for (const auto &[key, value] : c.options) {
        if (key == "delta")
          o.delta = std::stod(value);
        else if (key == "clock")
          o.clock = std::stoi(value);
        else if (key == "max_buckets")
          o.max_buckets = std::stoi(value);
        else if (key == "min_window_length")
          o.min_window_length = std::stoi(value);
        else if (key == "grace_period")
          o.grace_period = std::stoi(value);
        else
          FAIL() << "unknown option " << key;
      }
      found = RunAd(values, o);
    }
    EXPECT_EQ(found, c.expected);
    if (!c.expected.empty())
      ++with_detections;
  }
  EXPECT_GE(with_detections, 20);
}

} // namespace
} // namespace stagegate::drift
