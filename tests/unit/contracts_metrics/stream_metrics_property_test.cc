// Property test: on randomised series, every fact equals a naive reference
// written here from the definitions (plain loops, sort-based quantiles), to
// 1e-9 relative.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "evaluators/contracts/stream_metrics.h"

namespace stagegate::contracts {
namespace {

constexpr int64_t kSecond = 1'000'000;

struct Row {
  int64_t t;
  double v;
  uint8_t flags;
  uint32_t dups;
  int64_t received;
};

// Quantile by sorting a copy, linear interpolation between closest ranks.
double SortedQuantile(std::vector<double> x, double p) {
  std::sort(x.begin(), x.end());
  const double pos = p * static_cast<double>(x.size() - 1);
  const size_t below = static_cast<size_t>(pos);
  const size_t above = std::min(below + 1, x.size() - 1);
  return x[below] + (x[above] - x[below]) * (pos - static_cast<double>(below));
}

StreamMetrics Reference(const Series& s, Window w, const StreamExpectations& e, int64_t now) {
  StreamMetrics m;
  const int64_t end = std::min(w.to_us, now);
  if (end <= w.from_us) return m;
  std::vector<Row> rows;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.timestamps_us[i] >= w.from_us && s.timestamps_us[i] < w.to_us) {
      rows.push_back(
          {s.timestamps_us[i], s.values[i], s.flags[i], s.duplicates[i], s.received_us.empty() ? 0 : s.received_us[i]});
    }
  }
  if (rows.empty()) return m;
  const double window_s = static_cast<double>(end - w.from_us) / 1e6;
  const bool has_rate = e.nominal_rate_hz && *e.nominal_rate_hz > 0;

  auto is_valid = [&](double v) {
    if (!std::isfinite(v)) return false;
    for (double sentinel : e.sentinels) {
      if (v == sentinel) return false;
    }
    return true;
  };
  std::vector<double> valid_values;
  std::vector<int64_t> valid_times;
  for (const Row& r : rows) {
    if (is_valid(r.v)) {
      valid_values.push_back(r.v);
      valid_times.push_back(r.t);
    }
  }
  const size_t n_valid = valid_values.size();

  m.received_samples = static_cast<int64_t>(rows.size());
  if (has_rate) {
    m.expected_samples = window_s * *e.nominal_rate_hz;
    double missing = 1.0 - static_cast<double>(n_valid) / *m.expected_samples;
    if (missing < 0) missing = 0;
    if (missing > 1) missing = 1;
    m.missing_ratio = missing;
  }

  // Gaps: the list of intervals between the window start, each valid value,
  // and the effective end.
  std::vector<int64_t> gaps_us;
  int64_t previous = w.from_us;
  for (int64_t t : valid_times) {
    gaps_us.push_back(t - previous);
    previous = t;
  }
  gaps_us.push_back(std::max<int64_t>(0, end - previous));
  m.max_gap_s = static_cast<double>(*std::max_element(gaps_us.begin(), gaps_us.end())) / 1e6;
  std::optional<double> threshold;
  if (e.max_gap_s) {
    threshold = *e.max_gap_s;
  } else if (has_rate) {
    threshold = 2.0 / *e.nominal_rate_hz;
  }
  if (threshold) {
    int64_t count = 0;
    for (int64_t g : gaps_us) count += static_cast<double>(g) > *threshold * 1e6 ? 1 : 0;
    m.gap_count = count;
  }

  if ((e.minimum || e.maximum) && n_valid > 0) {
    int64_t out = 0;
    for (double v : valid_values) {
      if ((e.minimum && v < *e.minimum) || (e.maximum && v > *e.maximum)) ++out;
    }
    m.out_of_range_ratio = static_cast<double>(out) / static_cast<double>(n_valid);
  }

  // Stuck: for every row, walk back over identical valid predecessors.
  if (n_valid > 0) {
    int64_t longest = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!is_valid(rows[i].v)) continue;
      size_t j = i;
      while (j > 0 && is_valid(rows[j - 1].v) && rows[j - 1].v == rows[i].v) --j;
      longest = std::max(longest, rows[i].t - rows[j].t);
    }
    m.longest_stuck_s = static_cast<double>(longest) / 1e6;
    m.stuck_ratio = std::min(1.0, static_cast<double>(longest) / 1e6 / window_s);
  }

  m.count = static_cast<int64_t>(n_valid);
  if (n_valid > 0) {
    long double sum = 0;
    for (double v : valid_values) sum += v;
    const long double mean = sum / static_cast<long double>(n_valid);
    m.mean = static_cast<double>(mean);
    if (n_valid > 1) {
      long double squares = 0;
      for (double v : valid_values) squares += (v - mean) * (v - mean);
      m.stddev = static_cast<double>(std::sqrt(squares / static_cast<long double>(n_valid - 1)));
    }
    m.min = *std::min_element(valid_values.begin(), valid_values.end());
    m.max = *std::max_element(valid_values.begin(), valid_values.end());
    m.p50 = SortedQuantile(valid_values, 0.50);
    m.p95 = SortedQuantile(valid_values, 0.95);
    m.p99 = SortedQuantile(valid_values, 0.99);
  }

  m.last_sample_us = rows.back().t;
  m.freshness_s = static_cast<double>(now - rows.back().t) / 1e6;
  if (rows.size() >= 2) {
    m.sample_rate_hz =
        static_cast<double>(rows.size() - 1) / (static_cast<double>(rows.back().t - rows.front().t) / 1e6);
    std::vector<double> intervals_s;
    for (size_t i = 1; i < rows.size(); ++i)
      intervals_s.push_back(static_cast<double>(rows[i].t - rows[i - 1].t) / 1e6);
    const double reference = has_rate ? 1.0 / *e.nominal_rate_hz : SortedQuantile(intervals_s, 0.5);
    std::vector<double> deviations_ms;
    for (double d : intervals_s) deviations_ms.push_back(std::abs(d - reference) * 1000.0);
    m.jitter_ms_p99 = SortedQuantile(deviations_ms, 0.99);
  }
  if (!s.received_us.empty()) {
    std::vector<double> skews_s;
    for (const Row& r : rows) {
      if (r.received != kReceiveTimeUnknown) skews_s.push_back(static_cast<double>(r.received - r.t) / 1e6);
    }
    if (!skews_s.empty()) m.clock_skew_s = SortedQuantile(skews_s, 0.5);
  }
  int64_t out_of_order = 0, dropped = 0;
  for (const Row& r : rows) {
    if (r.flags & kArrivedOutOfOrder) ++out_of_order;
    dropped += r.dups;
  }
  m.out_of_order_ratio = static_cast<double>(out_of_order) / static_cast<double>(rows.size());
  m.duplicate_ratio = static_cast<double>(dropped) / static_cast<double>(static_cast<int64_t>(rows.size()) + dropped);
  return m;
}

// A random stream: a nominal rate with timing noise, occasional silences and
// bursts, values from a quantised random walk (so that runs repeat), with NaN,
// infinities and sentinels sprinkled in.
Series RandomSeries(std::mt19937_64& rng, double rate_hz, bool with_received) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> noise(0, 1);
  Series s;
  const int n = std::uniform_int_distribution<int>(0, 1500)(rng);
  const double period_us = 1e6 / rate_hz;
  int64_t t = std::uniform_int_distribution<int64_t>(-5 * kSecond, 5 * kSecond)(rng);
  double level = std::uniform_real_distribution<double>(-1e3, 1e3)(rng);
  const double step = std::pow(10.0, std::uniform_real_distribution<double>(-3, 1)(rng));
  for (int i = 0; i < n; ++i) {
    const double u = unit(rng);
    double interval = period_us * (1 + 0.05 * noise(rng));
    if (u < 0.01) interval *= std::uniform_real_distribution<double>(2, 50)(rng);  // silence
    if (u > 0.99) interval *= 0.1;                                                 // burst
    t += std::max<int64_t>(1, std::llround(interval));
    if (unit(rng) < 0.3) level += step * std::round(noise(rng));  // otherwise the value sticks
    double v = level;
    const double w = unit(rng);
    if (w < 0.03)
      v = std::numeric_limits<double>::quiet_NaN();
    else if (w < 0.04)
      v = -999;
    else if (w < 0.045)
      v = std::numeric_limits<double>::infinity();
    else if (w < 0.05)
      v = -std::numeric_limits<double>::infinity();
    s.timestamps_us.push_back(t);
    s.values.push_back(v);
    uint8_t flags = 0;
    uint32_t dups = 0;
    if (unit(rng) < 0.02) flags |= kArrivedOutOfOrder;
    if (unit(rng) < 0.02) {
      flags |= kHadDuplicates;
      dups = std::uniform_int_distribution<uint32_t>(1, 3)(rng);
    }
    s.flags.push_back(flags);
    s.duplicates.push_back(dups);
    if (with_received) {
      // Mixed inputs: some samples came without a receive time.
      s.received_us.push_back(
          unit(rng) < 0.2 ? kReceiveTimeUnknown
                          : t + std::llround(std::exponential_distribution<double>(2)(rng) * kSecond) - kSecond / 2);
    }
  }
  return s;
}

bool Close(double a, double b) {
  if (a == b) return true;  // also equal infinities
  return std::abs(a - b) <= 1e-9 * std::max({std::abs(a), std::abs(b), 1e-300});
}

TEST(StreamMetricsPropertyTest, EqualsNaiveReferenceOnRandomSeries) {
  std::mt19937_64 rng(20250330);
  std::uniform_real_distribution<double> unit(0, 1);
  StreamMetricsScratch scratch;  // shared across iterations on purpose
  int compared = 0;
  for (int iteration = 0; iteration < 400; ++iteration) {
    const double rate_hz = std::pow(10.0, std::uniform_real_distribution<double>(-1, 2)(rng));
    const Series s = RandomSeries(rng, rate_hz, unit(rng) < 0.5);
    const int64_t first = s.size() ? s.timestamps_us.front() : 0;
    const int64_t last = s.size() ? s.timestamps_us.back() : 10 * kSecond;
    const int64_t span = std::max<int64_t>(last - first, kSecond);
    // Windows that clip the series, contain it, or miss it; "now" before,
    // inside or after the window.
    std::uniform_int_distribution<int64_t> around(first - span / 4, last + span / 4);
    int64_t a = around(rng), b = around(rng);
    if (a > b) std::swap(a, b);
    const Window window{a, b};
    const double now_pick = unit(rng);
    const int64_t now = now_pick < 0.1   ? a - kSecond
                        : now_pick < 0.4 ? std::uniform_int_distribution<int64_t>(a, b)(rng)
                                         : b + std::uniform_int_distribution<int64_t>(0, 100 * kSecond)(rng);
    StreamExpectations e;
    if (unit(rng) < 0.8) e.nominal_rate_hz = rate_hz * (unit(rng) < 0.5 ? 1 : 0.5 + unit(rng));
    if (unit(rng) < 0.4) e.max_gap_s = 3.0 / rate_hz * unit(rng);
    if (unit(rng) < 0.5) e.minimum = std::uniform_real_distribution<double>(-1e3, 0)(rng);
    if (unit(rng) < 0.5) e.maximum = std::uniform_real_distribution<double>(0, 1e3)(rng);
    if (unit(rng) < 0.6) e.sentinels = {-999};

    const StreamMetrics got = ComputeStreamMetrics(s, window, e, now, scratch);
    const StreamMetrics want = Reference(s, window, e, now);
    for (const StreamFactInfo& fact : StreamFacts()) {
      SCOPED_TRACE(testing::Message() << "iteration " << iteration << ", " << fact.name);
      if (fact.double_member) {
        const auto& g = got.*fact.double_member;
        const auto& w = want.*fact.double_member;
        ASSERT_EQ(g.has_value(), w.has_value());
        if (g) {
          EXPECT_PRED2(Close, *g, *w);
          ++compared;
        }
      } else {
        ASSERT_EQ((got.*fact.int_member).has_value(), (want.*fact.int_member).has_value());
        EXPECT_EQ(got.*fact.int_member, want.*fact.int_member);
      }
    }
  }
  // The generator must actually exercise the facts, not only empty windows.
  EXPECT_GT(compared, 400 * 10);
}

}  // namespace
}  // namespace stagegate::contracts
