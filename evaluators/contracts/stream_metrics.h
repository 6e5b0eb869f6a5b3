#pragma once
// Quality and statistics facts of one sensor stream over a time window
// (`stream.quality.*`, `stream.stats.*`), and the roll-up of a device's
// streams (`device.telemetry.*`). Pure computation over a `Series`: no I/O, no
// clock (the caller passes "now"), no allocation per stream once a scratch
// has grown to the largest series it has seen.
//
// Definitions, in brief (docs/facts reference has the long form):
//   effective window  [from, end) with end = min(to, now): the part of the
//                     window after "now" cannot have arrived yet, so it is not
//                     expected. A window with end <= from, or with no sample
//                     in it, is empty: every fact is absent (the rule is then
//                     not_evaluable, never judged on a made-up zero).
//   row               one kept sample (one per timestamp, duplicates dropped
//                     at ingest), whatever its value.
//   valid value       a finite value that is not a declared sentinel. NaN,
//                     ±inf and sentinels are missing values: they count as
//                     rows but never as data.
// Timing facts (sample rate, jitter, freshness, clock skew, arrival order,
// duplicates) are about rows; availability and value facts (missing ratio,
// gaps, range, stuck values, stats) are about valid values.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "evaluators/contracts/packed_optional.h"
#include "evaluators/contracts/series.h"

namespace stagegate::contracts {

// A half-open time range [from_us, to_us), microseconds since the Unix epoch (UTC).
struct Window {
  int64_t from_us = 0;
  int64_t to_us = 0;
};

// What a data contract (ODCS quality rules and the Stagegate time-series
// extension) says a stream should look like, as far as it changes how facts
// are computed. Thresholds that only judge a fact (allowed jitter, allowed
// clock skew, allowed stuck time) belong to the rules, not here.
struct StreamExpectations {
  // Samples per second the stream should deliver. Needed for
  // quality.expected_samples and quality.missing_ratio; without it those are
  // absent. Values <= 0 or non-finite count as not given.
  std::optional<double> nominal_rate_hz;
  // An interval without valid values longer than this (seconds) is a gap for
  // quality.gap_count. Default: two nominal periods (2 / nominal_rate_hz);
  // with neither, quality.gap_count is absent.
  std::optional<double> max_gap_s;
  // Valid range of values (ODCS logicalTypeOptions minimum/maximum, both
  // inclusive). With neither, quality.out_of_range_ratio is absent.
  std::optional<double> minimum;
  std::optional<double> maximum;
  // Values the device sends to mean "no reading" (-999, 65535, ...), compared
  // exactly. They are missing values, like NaN.
  std::vector<double> sentinels;
};

// Every computed fact of one stream in one window. Absent (nullopt) means the
// fact is not defined for this stream and window: empty window, too few
// samples, or an expectation it needs was not declared. The optionals are
// packed (packed_optional.h): a fleet keeps one of these per stream.
struct StreamMetrics {
  // --- stream.quality.* ---
  // Effective window length in seconds times the nominal rate (not rounded).
  OptionalDouble expected_samples;
  // Rows in the window, NaN, ±inf and sentinels included.
  OptionalInt64 received_samples;
  // 1 − valid values / expected_samples, clamped to [0, 1]: over-delivery
  // (more valid values than expected) is 0, not negative.
  OptionalDouble missing_ratio;
  // Longest interval without a valid value, seconds, the window edges
  // included: window start → first valid value, between consecutive valid
  // values, last valid value → end (end = min(to, now); never negative).
  // With no valid value at all, the whole effective window.
  OptionalDouble max_gap_s;
  // Number of those intervals longer than the gap threshold (max_gap_s
  // expectation, else two nominal periods).
  OptionalInt64 gap_count;
  // Observed rate while sending: (rows − 1) / (last row − first row), Hz.
  // Needs two rows at distinct times.
  OptionalDouble sample_rate_hz;
  // 99th percentile of |interval − nominal period| over intervals between
  // consecutive rows, milliseconds; without a nominal rate, of
  // |interval − median interval|. Needs two rows.
  OptionalDouble jitter_ms_p99;
  // now − last row, seconds. Negative when the device clock runs ahead of
  // the evaluation's clock (which clock_skew_s shows).
  OptionalDouble freshness_s;
  // Median of (received − device time) over rows whose receive time is
  // known, seconds, signed: positive when samples arrive after their device
  // timestamp (latency or a device clock running behind). Absent when no row
  // in the window has a receive time.
  OptionalDouble clock_skew_s;
  // Rows that arrived after a later sample of the stream / rows.
  OptionalDouble out_of_order_ratio;
  // Dropped duplicate rows / all rows received (kept + dropped).
  OptionalDouble duplicate_ratio;
  // Valid values outside [minimum, maximum] / valid values. NaN, ±inf and
  // sentinels are not in the denominator (missing_ratio counts them).
  OptionalDouble out_of_range_ratio;
  // longest_stuck_s / effective window length.
  OptionalDouble stuck_ratio;
  // Longest run of consecutive rows with identical valid values (exact
  // equality), as time from the run's first to its last row, seconds. A
  // missing value ends a run; a gap between rows does not.
  OptionalDouble longest_stuck_s;
  // Timestamp of the newest row, µs since the epoch (quality.last_sample).
  OptionalInt64 last_sample_us;

  // --- stream.stats.* over valid values ---
  OptionalInt64 count;  // valid values (0 when every row is missing)
  OptionalDouble mean;
  OptionalDouble stddev;  // stats.std: sample standard deviation (n − 1, as pandas); needs two values
  OptionalDouble min;
  OptionalDouble max;
  // Quantiles with linear interpolation between closest ranks (numpy's and
  // pandas' default): position (n − 1)·p in the sorted values.
  OptionalDouble p50;
  OptionalDouble p95;
  OptionalDouble p99;
};

// Reusable buffers for ComputeStreamMetrics. One per thread; not thread-safe.
// Holds up to three doubles per sample of the largest series seen.
class StreamMetricsScratch {
 public:
  StreamMetricsScratch() = default;
  StreamMetricsScratch(const StreamMetricsScratch&) = delete;
  StreamMetricsScratch& operator=(const StreamMetricsScratch&) = delete;

 private:
  friend StreamMetrics ComputeStreamMetrics(const Series&, Window, const StreamExpectations&, int64_t,
                                            StreamMetricsScratch&);
  std::vector<double> values_;     // valid values, for the variance and quantiles
  std::vector<double> intervals_;  // intervals between rows, for the jitter
  std::vector<double> skews_;      // received − device time, for the clock skew
};

// Computes every fact of `series` over `window` as of `now_us`. Samples
// outside [window.from_us, window.to_us) are ignored. `series` must satisfy
// its invariants (timestamps sorted and unique; values, flags and duplicates
// of the same length; received_us empty or of the same length).
StreamMetrics ComputeStreamMetrics(const Series& series, Window window, const StreamExpectations& expectations,
                                   int64_t now_us, StreamMetricsScratch& scratch);
// As above with a scratch owned by the calling thread (kept for the thread's
// lifetime).
StreamMetrics ComputeStreamMetrics(const Series& series, Window window, const StreamExpectations& expectations,
                                   int64_t now_us);

// A device's streams rolled up (`device.telemetry.*`).
struct DeviceTelemetry {
  int64_t streams = 0;                        // streams of the device, with data in the window or not
  std::optional<double> worst_missing_ratio;  // largest missing_ratio among streams that have one
  std::optional<int64_t> last_seen_us;        // newest last_sample_us among the streams
};

DeviceTelemetry RollUpDevice(std::span<const StreamMetrics> streams);

// How a fact's value is typed in the fact schema.
enum class StreamFactType { kInt, kDouble, kTimestamp };

// One computed fact: its name below the subject, type, unit and description,
// and where StreamMetrics holds it (exactly one member pointer is set).
struct StreamFactInfo {
  std::string_view name;  // "quality.missing_ratio"
  StreamFactType type;
  std::string_view unit;  // "ratio", "s", "ms", "Hz", "" when unitless
  std::string_view description;
  OptionalDouble StreamMetrics::*double_member = nullptr;
  OptionalInt64 StreamMetrics::*int_member = nullptr;
};

// Every stream fact ComputeStreamMetrics produces, for the fact schema and
// the fact provider.
std::span<const StreamFactInfo> StreamFacts();

}  // namespace stagegate::contracts
