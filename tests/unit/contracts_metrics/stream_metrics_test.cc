// Golden tests of the stream facts: hand-built series whose answers are
// worked out in the comments.

#include "evaluators/contracts/stream_metrics.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <string>

namespace stagegate::contracts {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Builds a series sample by sample (timestamps must be added in order).
class SeriesBuilder {
 public:
  SeriesBuilder& Add(int64_t t_us, double value, uint8_t flags = 0, uint32_t duplicates = 0) {
    series_.timestamps_us.push_back(t_us);
    series_.values.push_back(value);
    series_.flags.push_back(flags);
    series_.duplicates.push_back(duplicates);
    return *this;
  }
  SeriesBuilder& AddSeconds(double t_s, double value) { return Add(std::llround(t_s * kSecond), value); }
  // Adds samples at `first_s`, `first_s + 1`, ... with the given values.
  SeriesBuilder& EverySecond(double first_s, std::initializer_list<double> values) {
    double t = first_s;
    for (double v : values) AddSeconds(t++, v);
    return *this;
  }
  SeriesBuilder& Received(std::vector<int64_t> received_us) {
    series_.received_us = std::move(received_us);
    return *this;
  }
  Series Build() const { return series_; }

 private:
  Series series_;
};

Window Seconds(double from_s, double to_s) {
  return Window{std::llround(from_s * kSecond), std::llround(to_s * kSecond)};
}

StreamExpectations Rate(double hz) {
  StreamExpectations e;
  e.nominal_rate_hz = hz;
  return e;
}

// Expects every fact of `m` absent.
void ExpectAllAbsent(const StreamMetrics& m) {
  for (const StreamFactInfo& fact : StreamFacts()) {
    if (fact.double_member) {
      EXPECT_FALSE(m.*fact.double_member) << fact.name;
    } else {
      EXPECT_FALSE(m.*fact.int_member) << fact.name;
    }
  }
}

TEST(StreamMetricsTest, RegularStreamFillingTheWindow) {
  // 1 Hz, values 1..10 at t = 0..9 s, window [0, 10 s), now = 10 s.
  Series s = SeriesBuilder().EverySecond(0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.expected_samples, 10);
  EXPECT_EQ(*m.received_samples, 10);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 1);  // every interval, and 9 s → window end
  EXPECT_EQ(*m.gap_count, 0);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 1);
  EXPECT_DOUBLE_EQ(*m.jitter_ms_p99, 0);
  EXPECT_DOUBLE_EQ(*m.freshness_s, 1);
  EXPECT_FALSE(m.clock_skew_s);  // no receive times
  EXPECT_DOUBLE_EQ(*m.out_of_order_ratio, 0);
  EXPECT_DOUBLE_EQ(*m.duplicate_ratio, 0);
  EXPECT_FALSE(m.out_of_range_ratio);  // no range declared
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0);
  EXPECT_DOUBLE_EQ(*m.longest_stuck_s, 0);
  EXPECT_EQ(*m.last_sample_us, 9 * kSecond);
  EXPECT_EQ(*m.count, 10);
  EXPECT_DOUBLE_EQ(*m.mean, 5.5);
  EXPECT_DOUBLE_EQ(*m.stddev, std::sqrt(55.0 / 6.0));  // sum of squares 82.5 / (n − 1 = 9)
  EXPECT_DOUBLE_EQ(*m.min, 1);
  EXPECT_DOUBLE_EQ(*m.max, 10);
  EXPECT_DOUBLE_EQ(*m.p50, 5.5);   // position 4.5
  EXPECT_DOUBLE_EQ(*m.p95, 9.55);  // position 8.55
  EXPECT_DOUBLE_EQ(*m.p99, 9.91);  // position 8.91
}

TEST(StreamMetricsTest, GapsAtBothEdgesOfTheWindow) {
  // Samples only at 30..39 s in the window [0, 100 s): 30 s of silence at
  // the start, 61 s at the end.
  Series s = SeriesBuilder().EverySecond(30, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 100), Rate(1), 200 * kSecond);
  EXPECT_DOUBLE_EQ(*m.expected_samples, 100);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0.9);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 61);
  EXPECT_EQ(*m.gap_count, 2);
  EXPECT_DOUBLE_EQ(*m.freshness_s, 161);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 1);  // while sending, the rate is right
}

TEST(StreamMetricsTest, WindowEndingAfterNowEndsAtNow) {
  // Same samples, window [0, 100 s) but now = 50 s: only [0, 50 s) is due.
  Series s = SeriesBuilder().EverySecond(30, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 100), Rate(1), 50 * kSecond);
  EXPECT_DOUBLE_EQ(*m.expected_samples, 50);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0.8);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 30);  // leading 30 s; trailing 39 → 50 s is 11 s
  EXPECT_EQ(*m.gap_count, 2);
  EXPECT_DOUBLE_EQ(*m.freshness_s, 11);
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0);
}

TEST(StreamMetricsTest, SamplesStampedAfterNowLeaveNoTrailingGap) {
  // A device clock 5 s ahead: samples at 0..9 s evaluated at now = 5 s.
  Series s = SeriesBuilder().EverySecond(0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 5 * kSecond);
  EXPECT_DOUBLE_EQ(*m.expected_samples, 5);
  EXPECT_EQ(*m.received_samples, 10);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);  // over-delivery clamps at 0
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 1);
  EXPECT_DOUBLE_EQ(*m.freshness_s, -4);  // newest sample stamped 4 s in the future
}

TEST(StreamMetricsTest, IrregularSamplingWithoutNominalRate) {
  // Rows at 0, 1, 3, 4, 7 s: intervals 1, 2, 1, 3 s, median 1.5 s, so the
  // deviations are 0.5, 0.5, 0.5, 1.5 s; p99 at position 2.97 of the sorted
  // deviations is 0.5 + 0.97 · 1.0 = 1.47 s.
  Series s =
      SeriesBuilder().AddSeconds(0, 1).AddSeconds(1, 2).AddSeconds(3, 3).AddSeconds(4, 4).AddSeconds(7, 5).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 8), StreamExpectations{}, 8 * kSecond);
  EXPECT_FALSE(m.expected_samples);
  EXPECT_FALSE(m.missing_ratio);
  EXPECT_FALSE(m.gap_count);  // no threshold: neither max gap nor nominal rate
  EXPECT_EQ(*m.received_samples, 5);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 3);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 4.0 / 7.0);
  EXPECT_DOUBLE_EQ(*m.jitter_ms_p99, 1470);

  // Against a nominal 1 Hz the deviations are 0, 1, 0, 2 s: p99 = 1 + 0.97 = 1.97 s.
  m = ComputeStreamMetrics(s, Seconds(0, 8), Rate(1), 8 * kSecond);
  EXPECT_DOUBLE_EQ(*m.jitter_ms_p99, 1970);
  EXPECT_EQ(*m.gap_count, 1);  // only the 3 s interval is longer than 2 periods
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 1 - 5.0 / 8.0);

  // A declared max gap without a rate: intervals over 1.5 s are 2 s and 3 s.
  StreamExpectations e;
  e.max_gap_s = 1.5;
  m = ComputeStreamMetrics(s, Seconds(0, 8), e, 8 * kSecond);
  EXPECT_EQ(*m.gap_count, 2);
  EXPECT_FALSE(m.missing_ratio);
}

TEST(StreamMetricsTest, GapEqualToThresholdIsNotAGap) {
  // "Longer than" the threshold: exactly two periods is not a gap.
  Series s = SeriesBuilder().AddSeconds(0, 1).AddSeconds(2, 2).AddSeconds(4.5, 3).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 5), Rate(1), 5 * kSecond);
  EXPECT_EQ(*m.gap_count, 1);  // 2 s is not, 2.5 s is
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 2.5);
}

TEST(StreamMetricsTest, DuplicatesAndOutOfOrderArrival) {
  // Five rows; rows 1 and 3 arrived out of order; row 3 had two duplicates
  // dropped and row 4 one.
  Series s = SeriesBuilder()
                 .Add(0 * kSecond, 1)
                 .Add(1 * kSecond, 2, kArrivedOutOfOrder)
                 .Add(2 * kSecond, 3)
                 .Add(3 * kSecond, 4, kArrivedOutOfOrder | kHadDuplicates, 2)
                 .Add(4 * kSecond, 5, kHadDuplicates, 1)
                 .Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 5), Rate(1), 5 * kSecond);
  EXPECT_EQ(*m.received_samples, 5);  // kept rows; duplicates are not samples
  EXPECT_DOUBLE_EQ(*m.out_of_order_ratio, 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(*m.duplicate_ratio, 3.0 / 8.0);  // 3 dropped of 8 received
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);
}

TEST(StreamMetricsTest, ArrivalFactsAbsentWhenNotRecorded) {
  Series s = SeriesBuilder().EverySecond(0, {1, 2}).Build();
  s.flags.clear();
  s.duplicates.clear();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 2), Rate(1), 2 * kSecond);
  EXPECT_FALSE(m.out_of_order_ratio);
  EXPECT_FALSE(m.duplicate_ratio);
  EXPECT_TRUE(m.mean);
}

TEST(StreamMetricsTest, NaNInfinityAndSentinelsAreMissingNotDropped) {
  // 10 rows at 0..9 s; valid values 1, 2, 3, 4, 4, 5 at 0, 2, 5, 7, 8, 9 s.
  Series s = SeriesBuilder().EverySecond(0, {1, kNaN, 2, -999, kInf, 3, -kInf, 4, 4, 5}).Build();
  StreamExpectations e = Rate(1);
  e.sentinels = {-999, 65535};
  e.minimum = 2;
  e.maximum = 4;
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 10), e, 10 * kSecond);
  EXPECT_EQ(*m.received_samples, 10);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0.4);  // 6 valid of 10 expected
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 3);        // 2 s → 5 s across -999, inf
  EXPECT_EQ(*m.gap_count, 1);
  EXPECT_DOUBLE_EQ(*m.jitter_ms_p99, 0);               // timing of rows is perfect
  EXPECT_DOUBLE_EQ(*m.out_of_range_ratio, 2.0 / 6.0);  // 1 and 5; NaN etc. not counted
  EXPECT_DOUBLE_EQ(*m.longest_stuck_s, 1);             // 4 at 7 s and 8 s
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0.1);
  EXPECT_EQ(*m.count, 6);
  EXPECT_DOUBLE_EQ(*m.mean, 19.0 / 6.0);
  EXPECT_DOUBLE_EQ(*m.stddev, std::sqrt(13.0 / 6.0));  // sum of squares 65/6 over n − 1 = 5
  EXPECT_DOUBLE_EQ(*m.min, 1);
  EXPECT_DOUBLE_EQ(*m.max, 5);
  EXPECT_DOUBLE_EQ(*m.p50, 3.5);   // sorted 1 2 3 4 4 5, position 2.5
  EXPECT_DOUBLE_EQ(*m.p95, 4.75);  // position 4.75
  EXPECT_DOUBLE_EQ(*m.p99, 4.95);  // position 4.95

  // Undeclared, -999 is an ordinary (if odd) value.
  e.sentinels.clear();
  m = ComputeStreamMetrics(s, Seconds(0, 10), e, 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0.3);
  EXPECT_EQ(*m.count, 7);
  EXPECT_DOUBLE_EQ(*m.min, -999);
}

TEST(StreamMetricsTest, EveryValueMissing) {
  // Rows arrive, but none carries data: availability facts say so; value
  // facts are absent; stats.count is a real zero.
  Series s = SeriesBuilder().EverySecond(0, {kNaN, kNaN, -999}).Build();
  StreamExpectations e = Rate(1);
  e.sentinels = {-999};
  e.minimum = 0;
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 10), e, 10 * kSecond);
  EXPECT_EQ(*m.received_samples, 3);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 1);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 10);  // the whole window
  EXPECT_EQ(*m.gap_count, 1);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 1);
  EXPECT_DOUBLE_EQ(*m.freshness_s, 8);
  EXPECT_EQ(*m.count, 0);
  EXPECT_FALSE(m.mean);
  EXPECT_FALSE(m.stddev);
  EXPECT_FALSE(m.min);
  EXPECT_FALSE(m.p50);
  EXPECT_FALSE(m.out_of_range_ratio);
  EXPECT_FALSE(m.stuck_ratio);
  EXPECT_FALSE(m.longest_stuck_s);
}

TEST(StreamMetricsTest, EmptyWindowsHaveNoFacts) {
  Series s = SeriesBuilder().EverySecond(100, {1, 2, 3}).Build();
  StreamExpectations e = Rate(1);
  e.minimum = 0;
  e.maximum = 10;
  // No sample in the window.
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(0, 50), e, 200 * kSecond));
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(103, 200), e, 300 * kSecond));
  // The window's end is exclusive.
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(0, 100), e, 200 * kSecond));
  // No series at all.
  ExpectAllAbsent(ComputeStreamMetrics(Series{}, Seconds(0, 50), e, 200 * kSecond));
  // A window of zero length, and an inverted one.
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(100, 100), e, 200 * kSecond));
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(102, 100), e, 200 * kSecond));
  // A window that has not begun yet.
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(100, 200), e, 50 * kSecond));
  ExpectAllAbsent(ComputeStreamMetrics(s, Seconds(100, 200), e, 100 * kSecond));
}

TEST(StreamMetricsTest, SamplesOutsideTheWindowAreIgnored) {
  Series s = SeriesBuilder().EverySecond(0, {100, 1, 2, 3, 100}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(1, 4), Rate(1), 10 * kSecond);
  EXPECT_EQ(*m.received_samples, 3);
  EXPECT_DOUBLE_EQ(*m.max, 3);
  EXPECT_EQ(*m.last_sample_us, 3 * kSecond);
}

TEST(StreamMetricsTest, SingleSample) {
  Series s = SeriesBuilder().AddSeconds(4, 7).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.expected_samples, 10);
  EXPECT_EQ(*m.received_samples, 1);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0.9);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 6);  // leading 4 s, trailing 6 s
  EXPECT_EQ(*m.gap_count, 2);
  EXPECT_FALSE(m.sample_rate_hz);  // needs two rows
  EXPECT_FALSE(m.jitter_ms_p99);
  EXPECT_DOUBLE_EQ(*m.freshness_s, 6);
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0);
  EXPECT_EQ(*m.count, 1);
  EXPECT_DOUBLE_EQ(*m.mean, 7);
  EXPECT_FALSE(m.stddev);  // n − 1 = 0
  EXPECT_DOUBLE_EQ(*m.min, 7);
  EXPECT_DOUBLE_EQ(*m.max, 7);
  EXPECT_DOUBLE_EQ(*m.p50, 7);
  EXPECT_DOUBLE_EQ(*m.p95, 7);
  EXPECT_DOUBLE_EQ(*m.p99, 7);
}

TEST(StreamMetricsTest, OverDeliveryClampsMissingRatioAtZero) {
  // 2 Hz against a 1 Hz contract: 20 rows in 10 s.
  SeriesBuilder b;
  for (int i = 0; i < 20; ++i) b.AddSeconds(i * 0.5, i);
  StreamMetrics m = ComputeStreamMetrics(b.Build(), Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 2);
  EXPECT_DOUBLE_EQ(*m.jitter_ms_p99, 500);  // every interval 0.5 s off the 1 s period
  EXPECT_EQ(*m.gap_count, 0);
}

TEST(StreamMetricsTest, ClockSkewIsTheMedianDelay) {
  Series s = SeriesBuilder().EverySecond(0, {1, 2, 3, 4, 5}).Build();
  s.received_us = {200'000, 1 * kSecond + 400'000, 2 * kSecond + 5 * kSecond, 3 * kSecond + 300'000,
                   4 * kSecond + 100'000};
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 5), Rate(1), 5 * kSecond);
  EXPECT_DOUBLE_EQ(*m.clock_skew_s, 0.3);  // delays 0.2 0.4 5 0.3 0.1: one late batch does not move it

  // A device clock 2 s ahead of the receiver: negative skew.
  for (size_t i = 0; i < s.size(); ++i) s.received_us[i] = s.timestamps_us[i] - 2 * kSecond;
  m = ComputeStreamMetrics(s, Seconds(0, 5), Rate(1), 5 * kSecond);
  EXPECT_DOUBLE_EQ(*m.clock_skew_s, -2);

  // Samples from an input without receive times are left out of the median;
  // with none known, the fact is absent.
  s.received_us = {kReceiveTimeUnknown, 1 * kSecond + 100'000, kReceiveTimeUnknown, 3 * kSecond + 300'000,
                   kReceiveTimeUnknown};
  m = ComputeStreamMetrics(s, Seconds(0, 5), Rate(1), 5 * kSecond);
  EXPECT_DOUBLE_EQ(*m.clock_skew_s, 0.2);
  s.received_us.assign(5, kReceiveTimeUnknown);
  m = ComputeStreamMetrics(s, Seconds(0, 5), Rate(1), 5 * kSecond);
  EXPECT_FALSE(m.clock_skew_s);
}

TEST(StreamMetricsTest, StuckRuns) {
  // 5 at 1..4 s: a run of 3 s in a 10 s window.
  Series s = SeriesBuilder().EverySecond(0, {1, 5, 5, 5, 5, 2, 3, 3, 4, 6}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.longest_stuck_s, 3);
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0.3);

  // A missing value ends a run: two runs of 1 s.
  s = SeriesBuilder().EverySecond(0, {5, 5, kNaN, 5, 5}).Build();
  m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.longest_stuck_s, 1);

  // A gap between rows does not: the same value 5 s apart is a 5 s run.
  s = SeriesBuilder().AddSeconds(0, 5).AddSeconds(5, 5).Build();
  m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.longest_stuck_s, 5);
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0.5);

  // A constant stream is stuck for all but the last period.
  s = SeriesBuilder().EverySecond(0, {7, 7, 7, 7, 7, 7, 7, 7, 7, 7}).Build();
  m = ComputeStreamMetrics(s, Seconds(0, 10), Rate(1), 10 * kSecond);
  EXPECT_DOUBLE_EQ(*m.stuck_ratio, 0.9);
  EXPECT_DOUBLE_EQ(*m.stddev, 0);
}

TEST(StreamMetricsTest, VarianceSurvivesALargeOffset) {
  // Values 1e9 + {0.1, 0.2, 0.3}: a one-pass sum of squares would cancel.
  Series s = SeriesBuilder().EverySecond(0, {1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3}).Build();
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 3), Rate(1), 3 * kSecond);
  EXPECT_NEAR(*m.stddev, 0.1, 1e-6);
  EXPECT_NEAR(*m.mean, 1e9 + 0.2, 1e-6);
}

TEST(StreamMetricsTest, UnusableExpectationsCountAsNotGiven) {
  Series s = SeriesBuilder().EverySecond(0, {1, 2, 3}).Build();
  StreamExpectations e;
  e.nominal_rate_hz = 0;
  e.max_gap_s = kNaN;
  e.minimum = kNaN;
  StreamMetrics m = ComputeStreamMetrics(s, Seconds(0, 3), e, 3 * kSecond);
  EXPECT_FALSE(m.expected_samples);
  EXPECT_FALSE(m.missing_ratio);
  EXPECT_FALSE(m.gap_count);
  EXPECT_FALSE(m.out_of_range_ratio);
  e.nominal_rate_hz = -1;
  EXPECT_FALSE(ComputeStreamMetrics(s, Seconds(0, 3), e, 3 * kSecond).missing_ratio);
}

// Device time is UTC: a series sampled every second across the spring
// daylight-saving change in Berlin (local 01:59:59 CET is followed by
// 03:00:00 CEST) has no gap, though the local wall clock jumps an hour.
TEST(StreamMetricsTest, NoGapAcrossSpringDaylightSavingChange) {
  const date::time_zone* berlin = date::locate_zone("Europe/Berlin");
  using date::local_days;
  using namespace std::chrono;
  const auto day = local_days{date::year{2025} / date::March / 30};
  SeriesBuilder b;
  std::vector<int64_t> local_wall_us;
  using LocalSeconds = date::local_time<seconds>;
  for (LocalSeconds local_start : {LocalSeconds{day + hours{1} + minutes{59}}, LocalSeconds{day + hours{3}}}) {
    for (int i = 0; i < 60; ++i) {
      const auto local = local_start + seconds{i};
      const auto utc = berlin->to_sys(local);  // throws for nonexistent times; these all exist
      b.Add(duration_cast<microseconds>(utc.time_since_epoch()).count(), 20.0 + i % 7);
      local_wall_us.push_back(duration_cast<microseconds>(local.time_since_epoch()).count());
    }
  }
  const Series s = b.Build();
  // The two local minutes are consecutive in UTC: 00:59 and 01:00.
  const auto utc_start = date::sys_days{date::year{2025} / date::March / 30} + minutes{59};
  const int64_t from_us = duration_cast<microseconds>(utc_start.time_since_epoch()).count();
  ASSERT_EQ(s.timestamps_us.front(), from_us);
  const Window window{from_us, from_us + 120 * kSecond};
  StreamMetrics m = ComputeStreamMetrics(s, window, Rate(1), window.to_us);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 1);
  EXPECT_EQ(*m.gap_count, 0);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);
  EXPECT_DOUBLE_EQ(*m.jitter_ms_p99, 0);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 1);
  // Read as wall-clock times, the same samples would show an hour's gap.
  EXPECT_EQ(local_wall_us[60] - local_wall_us[59], 3601 * kSecond);
}

// In autumn the local hour 02:00-03:00 happens twice; in UTC it does not, so
// samples across it stay unique and evenly spaced.
TEST(StreamMetricsTest, NoDuplicatesAcrossAutumnDaylightSavingChange) {
  const date::time_zone* berlin = date::locate_zone("Europe/Berlin");
  using namespace std::chrono;
  // 00:00 to 02:00 UTC on 2025-10-26 is local 02:00 CEST → 02:59:59 CEST,
  // then 02:00 CET → 02:59:59 CET again.
  const auto start = date::sys_days{date::year{2025} / date::October / 26};
  SeriesBuilder b;
  std::set<std::string> local_labels;
  for (int i = 0; i < 7200; i += 10) {
    const auto utc = start + seconds{i};
    b.Add(duration_cast<microseconds>(utc.time_since_epoch()).count(), i % 2);
    local_labels.insert(date::format("%H:%M:%S", date::make_zoned(berlin, utc).get_local_time()));
  }
  const Series s = b.Build();
  const int64_t from_us = s.timestamps_us.front();
  const Window window{from_us, from_us + 7200 * kSecond};
  StreamMetrics m = ComputeStreamMetrics(s, window, Rate(0.1), window.to_us);
  EXPECT_EQ(*m.received_samples, 720);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 10);
  EXPECT_EQ(*m.gap_count, 0);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 0.1);
  // Read as wall-clock labels, every sample would collide with another.
  EXPECT_EQ(local_labels.size(), 360u);
}

// Timestamps written with different UTC offsets name the same instants;
// once in UTC, consecutive samples are one second apart.
TEST(StreamMetricsTest, TimeZoneOffsetsInTimestamps) {
  using namespace std::chrono;
  const char* texts[] = {"2025-06-01T12:00:00+02:00", "2025-06-01T10:00:01Z", "2025-06-01T05:00:02-05:00",
                         "2025-06-01T15:30:03+05:30"};
  SeriesBuilder b;
  for (const char* text : texts) {
    std::istringstream in(text);
    date::sys_time<seconds> t;
    if (std::string(text).back() == 'Z') {
      in >> date::parse("%Y-%m-%dT%H:%M:%SZ", t);
    } else {
      in >> date::parse("%Y-%m-%dT%H:%M:%S%Ez", t);
    }
    ASSERT_FALSE(in.fail()) << text;
    b.Add(duration_cast<microseconds>(t.time_since_epoch()).count(), 1.0);
  }
  const Series s = b.Build();
  const int64_t from_us = s.timestamps_us.front();
  StreamMetrics m = ComputeStreamMetrics(s, Window{from_us, from_us + 4 * kSecond}, Rate(1), from_us + 4 * kSecond);
  EXPECT_DOUBLE_EQ(*m.max_gap_s, 1);
  EXPECT_DOUBLE_EQ(*m.sample_rate_hz, 1);
  EXPECT_DOUBLE_EQ(*m.missing_ratio, 0);
}

TEST(StreamMetricsTest, ExplicitScratchAndThreadScratchAgree) {
  // A large series then a small one through the same scratch: nothing of the
  // first leaks into the second.
  SeriesBuilder big;
  for (int i = 0; i < 1000; ++i) big.AddSeconds(i, 1000 - i);
  Series small = SeriesBuilder().EverySecond(0, {3, 1, 2}).Build();
  StreamMetricsScratch scratch;
  ComputeStreamMetrics(big.Build(), Seconds(0, 1000), Rate(1), 1000 * kSecond, scratch);
  StreamMetrics a = ComputeStreamMetrics(small, Seconds(0, 3), Rate(1), 3 * kSecond, scratch);
  StreamMetrics b = ComputeStreamMetrics(small, Seconds(0, 3), Rate(1), 3 * kSecond);
  EXPECT_DOUBLE_EQ(*a.p99, 2.98);
  EXPECT_EQ(a.p50, b.p50);
  EXPECT_EQ(a.p99, b.p99);
  EXPECT_EQ(a.jitter_ms_p99, b.jitter_ms_p99);
}

TEST(DeviceRollUpTest, WorstMissingRatioAndLastSeen) {
  StreamMetrics a, b, c;
  a.missing_ratio = 0.1;
  a.last_sample_us = 50;
  b.missing_ratio = 0.4;
  b.last_sample_us = 20;
  // c: an empty window, no facts.
  const StreamMetrics streams[] = {a, b, c};
  DeviceTelemetry d = RollUpDevice(streams);
  EXPECT_EQ(d.streams, 3);
  EXPECT_DOUBLE_EQ(*d.worst_missing_ratio, 0.4);
  EXPECT_EQ(*d.last_seen_us, 50);

  d = RollUpDevice(std::span<const StreamMetrics>(&c, 1));
  EXPECT_EQ(d.streams, 1);
  EXPECT_FALSE(d.worst_missing_ratio);
  EXPECT_FALSE(d.last_seen_us);
  EXPECT_EQ(RollUpDevice({}).streams, 0);
}

TEST(StreamFactsTest, TableNamesEveryFactOnce) {
  std::set<std::string> names;
  for (const StreamFactInfo& fact : StreamFacts()) {
    EXPECT_TRUE(names.insert(std::string(fact.name)).second) << fact.name;
    EXPECT_NE(fact.double_member == nullptr, fact.int_member == nullptr) << fact.name;
    EXPECT_EQ(fact.type == StreamFactType::kDouble, fact.double_member != nullptr) << fact.name;
    EXPECT_FALSE(fact.description.empty()) << fact.name;
  }
  for (const char* required : {"quality.expected_samples",
                               "quality.received_samples",
                               "quality.missing_ratio",
                               "quality.max_gap_s",
                               "quality.gap_count",
                               "quality.sample_rate_hz",
                               "quality.jitter_ms_p99",
                               "quality.freshness_s",
                               "quality.clock_skew_s",
                               "quality.out_of_order_ratio",
                               "quality.duplicate_ratio",
                               "quality.out_of_range_ratio",
                               "quality.stuck_ratio",
                               "quality.last_sample",
                               "stats.count",
                               "stats.mean",
                               "stats.std",
                               "stats.min",
                               "stats.max",
                               "stats.p50",
                               "stats.p95",
                               "stats.p99"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
}

}  // namespace
}  // namespace stagegate::contracts
