#include "evaluators/contracts/stream_metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <limits>

#include "evaluators/contracts/quantiles.h"

namespace stagegate::contracts {
namespace {

constexpr double kMicrosPerSecond = 1e6;
constexpr double kMicrosPerMilli = 1e3;
// Without a declared max_gap_s, an interval longer than this many nominal
// periods is a gap: one lost sample is missingness, two in a row a gap.
constexpr double kDefaultGapPeriods = 2.0;
constexpr double kJitterQuantile = 0.99;
constexpr double kSkewQuantile = 0.5;
constexpr double kStatsQuantiles[] = {0.50, 0.95, 0.99};

// Returns `value` when it is a usable positive number.
std::optional<double> PositiveFinite(const std::optional<double>& value) {
  if (value && std::isfinite(*value) && *value > 0) return value;
  return std::nullopt;
}

std::optional<double> Finite(const std::optional<double>& value) {
  if (value && std::isfinite(*value)) return value;
  return std::nullopt;
}

// What the single pass over valid values accumulates.
struct ValuePass {
  int64_t valid = 0;
  int64_t max_gap_us = 0;
  int64_t gap_count = 0;
  int64_t longest_run_us = 0;
  int64_t out_of_range = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

// One pass over the rows [lo, hi): gaps between valid values (leading and
// trailing edges included), stuck runs, range violations, and the valid values
// copied out for the variance and quantiles. Templated on whether sentinels
// are declared so that the common case tests finiteness only.
template <bool kHasSentinels>
ValuePass ScanValues(const int64_t* ts, const double* values, size_t lo, size_t hi, int64_t from_us, int64_t end_us,
                     double gap_threshold_us, double range_min, double range_max, std::span<const double> sentinels,
                     std::vector<double>& out_values) {
  ValuePass pass;
  int64_t previous_valid_us = from_us;  // the window start is the leading edge
  bool previous_row_valid = false;
  double previous_value = 0;
  int64_t run_start_us = 0;
  for (size_t i = lo; i < hi; ++i) {
    const double v = values[i];
    bool valid = std::isfinite(v);
    if constexpr (kHasSentinels) {
      for (double sentinel : sentinels) valid = valid && v != sentinel;
    }
    if (!valid) {
      previous_row_valid = false;
      continue;
    }
    const int64_t t = ts[i];
    const int64_t gap = t - previous_valid_us;
    pass.max_gap_us = std::max(pass.max_gap_us, gap);
    pass.gap_count += static_cast<double>(gap) > gap_threshold_us ? 1 : 0;
    previous_valid_us = t;

    if (previous_row_valid && v == previous_value) {
      pass.longest_run_us = std::max(pass.longest_run_us, t - run_start_us);
    } else {
      run_start_us = t;
    }
    previous_row_valid = true;
    previous_value = v;

    out_values.push_back(v);
    pass.sum += v;
    pass.min = std::min(pass.min, v);
    pass.max = std::max(pass.max, v);
    pass.out_of_range += (v < range_min || v > range_max) ? 1 : 0;
  }
  pass.valid = static_cast<int64_t>(out_values.size());
  // Trailing edge: last valid value (or the window start) to the end of the
  // effective window. Rows stamped after "now" leave no trailing gap.
  const int64_t trailing = std::max<int64_t>(0, end_us - previous_valid_us);
  pass.max_gap_us = std::max(pass.max_gap_us, trailing);
  pass.gap_count += static_cast<double>(trailing) > gap_threshold_us ? 1 : 0;
  return pass;
}

}  // namespace

StreamMetrics ComputeStreamMetrics(const Series& series, Window window, const StreamExpectations& expectations,
                                   int64_t now_us, StreamMetricsScratch& scratch) {
  StreamMetrics m;
  const int64_t from_us = window.from_us;
  const int64_t end_us = std::min(window.to_us, now_us);
  if (end_us <= from_us) return m;  // nothing of the window has happened yet

  const std::vector<int64_t>& ts = series.timestamps_us;
  assert(series.values.size() == ts.size());
  assert(series.flags.empty() || series.flags.size() == ts.size());
  assert(series.duplicates.empty() || series.duplicates.size() == ts.size());
  assert(series.received_us.empty() || series.received_us.size() == ts.size());
  const size_t lo = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), from_us) - ts.begin());
  const size_t hi = static_cast<size_t>(
      std::lower_bound(ts.begin() + static_cast<ptrdiff_t>(lo), ts.end(), window.to_us) - ts.begin());
  if (lo >= hi) return m;  // no sample in the window: not evaluable

  const size_t rows = hi - lo;
  const double window_us = static_cast<double>(end_us - from_us);
  const std::optional<double> rate_hz = PositiveFinite(expectations.nominal_rate_hz);

  // --- valid values: gaps, stuck runs, range, statistics ---
  double gap_threshold_us = std::numeric_limits<double>::infinity();
  bool has_gap_threshold = false;
  if (auto max_gap = Finite(expectations.max_gap_s); max_gap && *max_gap >= 0) {
    gap_threshold_us = *max_gap * kMicrosPerSecond;
    has_gap_threshold = true;
  } else if (rate_hz) {
    gap_threshold_us = kDefaultGapPeriods / *rate_hz * kMicrosPerSecond;
    has_gap_threshold = true;
  }
  const std::optional<double> range_min = Finite(expectations.minimum);
  const std::optional<double> range_max = Finite(expectations.maximum);
  std::vector<double>& values = scratch.values_;
  values.clear();
  values.reserve(rows);
  const ValuePass pass =
      expectations.sentinels.empty()
          ? ScanValues<false>(ts.data(), series.values.data(), lo, hi, from_us, end_us, gap_threshold_us,
                              range_min.value_or(-std::numeric_limits<double>::infinity()),
                              range_max.value_or(std::numeric_limits<double>::infinity()), {}, values)
          : ScanValues<true>(ts.data(), series.values.data(), lo, hi, from_us, end_us, gap_threshold_us,
                             range_min.value_or(-std::numeric_limits<double>::infinity()),
                             range_max.value_or(std::numeric_limits<double>::infinity()), expectations.sentinels,
                             values);

  m.received_samples = static_cast<int64_t>(rows);
  if (rate_hz) {
    const double expected = window_us / kMicrosPerSecond * *rate_hz;
    m.expected_samples = expected;
    m.missing_ratio = std::clamp(1.0 - static_cast<double>(pass.valid) / expected, 0.0, 1.0);
  }
  m.max_gap_s = static_cast<double>(pass.max_gap_us) / kMicrosPerSecond;
  if (has_gap_threshold) m.gap_count = pass.gap_count;
  if ((range_min || range_max) && pass.valid > 0) {
    m.out_of_range_ratio = static_cast<double>(pass.out_of_range) / static_cast<double>(pass.valid);
  }
  if (pass.valid > 0) {
    m.longest_stuck_s = static_cast<double>(pass.longest_run_us) / kMicrosPerSecond;
    m.stuck_ratio = std::min(1.0, static_cast<double>(pass.longest_run_us) / window_us);
  }

  m.count = pass.valid;
  if (pass.valid > 0) {
    const double n = static_cast<double>(pass.valid);
    // Corrected two-pass algorithm: the second pass measures deviations from
    // a first estimate of the mean, so large offsets do not cancel the
    // variance away, and refines the mean by their sum.
    const double rough_mean = pass.sum / n;
    double deviation_sum = 0;
    double square_sum = 0;
    for (double v : values) {
      const double d = v - rough_mean;
      deviation_sum += d;
      square_sum += d * d;
    }
    m.mean = rough_mean + deviation_sum / n;
    if (pass.valid > 1) {
      const double variance = std::max(0.0, (square_sum - deviation_sum * deviation_sum / n) / (n - 1));
      m.stddev = std::sqrt(variance);
    }
    m.min = pass.min;
    m.max = pass.max;
    double quantiles[std::size(kStatsQuantiles)];
    QuantilesInPlace(values, kStatsQuantiles, quantiles);
    m.p50 = quantiles[0];
    m.p95 = quantiles[1];
    m.p99 = quantiles[2];
  }

  // --- rows: timing and arrival ---
  const int64_t first_us = ts[lo];
  const int64_t last_us = ts[hi - 1];
  m.last_sample_us = last_us;
  m.freshness_s = static_cast<double>(now_us - last_us) / kMicrosPerSecond;
  if (rows >= 2) {
    m.sample_rate_hz = static_cast<double>(rows - 1) / (static_cast<double>(last_us - first_us) / kMicrosPerSecond);
    std::vector<double>& intervals = scratch.intervals_;
    intervals.resize(rows - 1);
    for (size_t i = lo; i + 1 < hi; ++i) intervals[i - lo] = static_cast<double>(ts[i + 1] - ts[i]);
    const double reference_us =
        rate_hz ? kMicrosPerSecond / *rate_hz : QuantileInPlace(intervals, 0.5);  // nominal or median period
    for (double& interval : intervals) interval = std::abs(interval - reference_us);
    m.jitter_ms_p99 = QuantileInPlace(intervals, kJitterQuantile) / kMicrosPerMilli;
  }
  if (!series.received_us.empty()) {
    std::vector<double>& skews = scratch.skews_;
    skews.clear();
    for (size_t i = lo; i < hi; ++i) {
      const int64_t received = series.received_us[i];
      if (received != kReceiveTimeUnknown) skews.push_back(static_cast<double>(received - ts[i]));
    }
    if (!skews.empty()) m.clock_skew_s = QuantileInPlace(skews, kSkewQuantile) / kMicrosPerSecond;
  }
  if (!series.flags.empty()) {
    int64_t out_of_order = 0;
    for (size_t i = lo; i < hi; ++i) out_of_order += (series.flags[i] & kArrivedOutOfOrder) != 0 ? 1 : 0;
    m.out_of_order_ratio = static_cast<double>(out_of_order) / static_cast<double>(rows);
  }
  if (!series.duplicates.empty()) {
    uint64_t dropped = 0;
    for (size_t i = lo; i < hi; ++i) dropped += series.duplicates[i];
    m.duplicate_ratio = static_cast<double>(dropped) / static_cast<double>(rows + dropped);
  }
  return m;
}

StreamMetrics ComputeStreamMetrics(const Series& series, Window window, const StreamExpectations& expectations,
                                   int64_t now_us) {
  thread_local StreamMetricsScratch scratch;
  return ComputeStreamMetrics(series, window, expectations, now_us, scratch);
}

DeviceTelemetry RollUpDevice(std::span<const StreamMetrics> streams) {
  DeviceTelemetry device;
  device.streams = static_cast<int64_t>(streams.size());
  for (const StreamMetrics& stream : streams) {
    if (stream.missing_ratio) {
      device.worst_missing_ratio =
          std::max(device.worst_missing_ratio.value_or(*stream.missing_ratio), *stream.missing_ratio);
    }
    if (stream.last_sample_us) {
      device.last_seen_us = std::max(device.last_seen_us.value_or(*stream.last_sample_us), *stream.last_sample_us);
    }
  }
  return device;
}

std::span<const StreamFactInfo> StreamFacts() {
  using T = StreamFactType;
  using M = StreamMetrics;
  static const StreamFactInfo kFacts[] = {
      {"quality.expected_samples", T::kDouble, "", "Samples the nominal rate promises over the window.",
       &M::expected_samples, nullptr},
      {"quality.received_samples", T::kInt, "", "Samples received in the window, missing values included.", nullptr,
       &M::received_samples},
      {"quality.missing_ratio", T::kDouble, "ratio",
       "Share of expected samples without a valid value (NaN, infinity and sentinels count as missing).",
       &M::missing_ratio, nullptr},
      {"quality.max_gap_s", T::kDouble, "s",
       "Longest interval without a valid value in the window, window edges included.", &M::max_gap_s, nullptr},
      {"quality.gap_count", T::kInt, "", "Intervals without a valid value longer than the contract's maximum gap.",
       nullptr, &M::gap_count},
      {"quality.sample_rate_hz", T::kDouble, "Hz", "Observed sample rate between the first and last sample.",
       &M::sample_rate_hz, nullptr},
      {"quality.jitter_ms_p99", T::kDouble, "ms",
       "99th percentile of the deviation of sampling intervals from the nominal (else median) period.",
       &M::jitter_ms_p99, nullptr},
      {"quality.freshness_s", T::kDouble, "s", "Time since the newest sample.", &M::freshness_s, nullptr},
      {"quality.clock_skew_s", T::kDouble, "s", "Median of receive time minus device time.", &M::clock_skew_s, nullptr},
      {"quality.out_of_order_ratio", T::kDouble, "ratio", "Share of samples that arrived after a later sample.",
       &M::out_of_order_ratio, nullptr},
      {"quality.duplicate_ratio", T::kDouble, "ratio", "Share of received rows dropped as duplicates.",
       &M::duplicate_ratio, nullptr},
      {"quality.out_of_range_ratio", T::kDouble, "ratio",
       "Share of valid values outside the contract's minimum and maximum.", &M::out_of_range_ratio, nullptr},
      {"quality.stuck_ratio", T::kDouble, "ratio", "Longest run of identical values relative to the window.",
       &M::stuck_ratio, nullptr},
      {"quality.longest_stuck_s", T::kDouble, "s", "Longest run of identical consecutive values.", &M::longest_stuck_s,
       nullptr},
      {"quality.last_sample", T::kTimestamp, "", "Time of the newest sample.", nullptr, &M::last_sample_us},
      {"stats.count", T::kInt, "", "Valid values in the window.", nullptr, &M::count},
      {"stats.mean", T::kDouble, "", "Mean of the valid values.", &M::mean, nullptr},
      {"stats.std", T::kDouble, "", "Sample standard deviation (n - 1) of the valid values.", &M::stddev, nullptr},
      {"stats.min", T::kDouble, "", "Smallest valid value.", &M::min, nullptr},
      {"stats.max", T::kDouble, "", "Largest valid value.", &M::max, nullptr},
      {"stats.p50", T::kDouble, "", "Median of the valid values (linear interpolation).", &M::p50, nullptr},
      {"stats.p95", T::kDouble, "", "95th percentile of the valid values (linear interpolation).", &M::p95, nullptr},
      {"stats.p99", T::kDouble, "", "99th percentile of the valid values (linear interpolation).", &M::p99, nullptr},
  };
  return kFacts;
}

}  // namespace stagegate::contracts
