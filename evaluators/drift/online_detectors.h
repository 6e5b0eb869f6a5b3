#pragma once
// Online drift detectors for one stream: Page-Hinkley and ADWIN, with the
// parameters, defaults, update rules and reset behaviour of river's
// `river.drift.PageHinkley` and `river.drift.ADWIN`, so that a series fed to
// either gives the detection points river gives. `RunPageHinkley` and
// `RunAdwin` run a detector over a stored series in time order and report
// where (index and timestamp) it fired; non-finite values are skipped and
// counted, never fed. docs/drift.md ("Online detectors") is the reference.
//
// Not thread-safe: one detector per stream and thread; distinct detectors
// share nothing.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace stagegate::drift {

// Options of Page-Hinkley; the defaults are river's.
struct PageHinkleyOptions {
  enum class Mode {
    kUp,   // detect increases of the mean only
    kDown, // detect decreases of the mean only
    kBoth, // detect either (river's default)
  };
  // Observations (since the last reset) before a drift can be signalled.
  int min_instances = 30;
  // Magnitude of change tolerated per observation, in the values' unit.
  double delta = 0.005;
  // Detection threshold (lambda) on the cumulative deviation, in the values'
  // unit.
  double threshold = 50.0;
  // Forgetting factor applied to the cumulative sums at every observation.
  double alpha = 1 - 0.0001;
  Mode mode = Mode::kBoth;
};

// Options of ADWIN; the defaults are river's.
struct AdwinOptions {
  // Confidence of the cut test: smaller is fewer, surer detections.
  double delta = 0.002;
  // The window is checked for a cut every `clock` observations.
  int clock = 32;
  // Buckets of each size kept before two are merged into one of twice the size.
  int max_buckets = 5;
  // Minimum length of each of the two sub-windows a cut makes.
  int min_window_length = 5;
  // No check before the window holds more than this many observations.
  int grace_period = 10;
};

// Return why the options are unusable ("" when they are fine): a non-finite
// or non-positive delta/threshold, alpha outside (0, 1], clock, max_buckets or
// min_window_length below 1, a negative min_instances or grace_period. The
// detectors' constructors require options that pass.
std::string CheckOptions(const PageHinkleyOptions &options);
std::string CheckOptions(const AdwinOptions &options);

// The Page-Hinkley test on the deviation of each observation from the running
// mean. As river: after a drift is signalled, the next Update() starts afresh
// (mean, sums and count reset) before taking its observation.
class PageHinkley {
public:
  explicit PageHinkley(const PageHinkleyOptions &options = {});

  // Feeds one observation (must be finite); returns whether it signals drift.
  bool Update(double x);
  bool drift_detected() const { return drift_detected_; }
  // Forgets everything seen, as after a detection.
  void Reset();

private:
  PageHinkleyOptions options_;
  double count_ = 0; // observations since the last reset
  double mean_ = 0;
  double sum_increase_ = 0;
  double sum_decrease_ = 0;
  double min_increase_ = 0;
  double max_decrease_ = 0;
  bool drift_detected_ = false;
};

// ADaptive WINdowing (Bifet and Gavaldà, 2007) as river implements it: the
// window is an exponential histogram of buckets (rows of `max_buckets` buckets
// of 2^row observations; row 0 holds the newest), so memory and the cost of a
// check are O(max_buckets · log W). Every `clock` observations each cut
// between buckets is tested; while one shows the older and newer parts'
// means differ by more than the bound, the oldest bucket is dropped. As
// river's ADWIN: after a drift is signalled, the next Update() starts from an
// empty window.
class Adwin {
public:
  explicit Adwin(const AdwinOptions &options = {});

  // Feeds one observation (must be finite); returns whether it signals drift.
  bool Update(double x);
  bool drift_detected() const { return drift_detected_; }
  // Forgets everything seen, as after a detection.
  void Reset();

  // Observations in the window, their sum, and the sum of squared deviations
  // from their mean (river's `width`, `total` and `variance`).
  double width() const { return width_; }
  double total() const { return total_; }
  double variance() const { return variance_; }
  // Mean of the window (0 when it is empty).
  double estimation() const { return width_ == 0 ? 0.0 : total_ / width_; }

private:
  // One row of the histogram: up to max_buckets + 1 buckets of equal size,
  // oldest first.
  struct Row {
    std::vector<double> totals;
    std::vector<double> variances;
    int count = 0;
  };

  void Insert(double x);
  void Compress();
  // Drops the oldest bucket; returns how many observations it held.
  double DeleteOldest();
  bool DetectChange();
  // The parts of the cut bound that depend on the whole window only.
  struct CutBound {
    double delta_prime;              // ln(2 ln(W) / delta)
    double variance_per_observation; // variance / W
  };
  bool CutSignificant(double n0, double n1, double delta_mean,
                      const CutBound &bound) const;
  void PushToRow(size_t row, double total, double variance);

  AdwinOptions options_;
  std::vector<Row> rows_; // rows_[r] holds buckets of 2^r observations
  double width_ = 0;
  double total_ = 0;
  double variance_ = 0;
  int64_t tick_ = 0;
  bool drift_detected_ = false;
};

// Where a detector fired: the position in the caller's series and its time.
struct Detection {
  size_t index = 0;
  int64_t timestamp_us = 0;
};

struct OnlineResult {
  bool detected = false;
  // Every detection, in time order (the detector restarts after each).
  std::vector<Detection> detections;
  // Finite values fed to the detector.
  size_t evaluated = 0;
  // NaN and ±inf values, skipped (not fed) and counted here.
  size_t skipped_non_finite = 0;
};

// Run a fresh detector over one series. `timestamps_us` and `values` are
// parallel (same length, a programmer error otherwise); the series is fed in
// timestamp order (a stable sort when it is not already sorted, so equal
// timestamps keep their order), and detections carry the caller's indices.
OnlineResult RunPageHinkley(std::span<const int64_t> timestamps_us,
                            std::span<const double> values,
                            const PageHinkleyOptions &options = {});
OnlineResult RunAdwin(std::span<const int64_t> timestamps_us,
                      std::span<const double> values,
                      const AdwinOptions &options = {});

} // namespace stagegate::drift
