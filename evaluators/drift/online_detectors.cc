#include "evaluators/drift/online_detectors.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace stagegate::drift {

std::string CheckOptions(const PageHinkleyOptions &options) {
  if (options.min_instances < 0)
    return fmt::format("min_instances must be >= 0, not {}",
                       options.min_instances);
  if (!std::isfinite(options.delta) || options.delta < 0) {
    return fmt::format("delta must be finite and >= 0, not {}", options.delta);
  }
  if (!std::isfinite(options.threshold) || options.threshold <= 0) {
    return fmt::format("threshold must be finite and > 0, not {}",
                       options.threshold);
  }
  if (!(options.alpha > 0 && options.alpha <= 1))
    return fmt::format("alpha must be in (0, 1], not {}", options.alpha);
  return "";
}

std::string CheckOptions(const AdwinOptions &options) {
  if (!(options.delta > 0 && options.delta < 1))
    return fmt::format("delta must be in (0, 1), not {}", options.delta);
  if (options.clock < 1)
    return fmt::format("clock must be >= 1, not {}", options.clock);
  if (options.max_buckets < 1)
    return fmt::format("max_buckets must be >= 1, not {}", options.max_buckets);
  if (options.min_window_length < 1) {
    return fmt::format("min_window_length must be >= 1, not {}",
                       options.min_window_length);
  }
  if (options.grace_period < 0)
    return fmt::format("grace_period must be >= 0, not {}",
                       options.grace_period);
  return "";
}

// ---------------------------------------------------------------------------
// Page-Hinkley

PageHinkley::PageHinkley(const PageHinkleyOptions &options)
    : options_(options) {
  assert(CheckOptions(options_).empty());
  Reset();
}

void PageHinkley::Reset() {
  count_ = 0;
  mean_ = 0;
  sum_increase_ = 0;
  sum_decrease_ = 0;
  min_increase_ = std::numeric_limits<double>::infinity();
  // river starts the running maximum at -1, not -inf; kept so that the
  // "down" statistic (max - sum) matches it for the first observations.
  max_decrease_ = -1;
  drift_detected_ = false;
}

bool PageHinkley::Update(double x) {
  if (drift_detected_)
    Reset();
  // The running mean is updated as river's stats.Mean: mean += (w / n) (x -
  // mean).
  count_ += 1;
  mean_ += (1.0 / count_) * (x - mean_);
  const double deviation = x - mean_;
  sum_increase_ = options_.alpha * sum_increase_ + deviation - options_.delta;
  sum_decrease_ = options_.alpha * sum_decrease_ + deviation + options_.delta;
  min_increase_ = std::min(min_increase_, sum_increase_);
  max_decrease_ = std::max(max_decrease_, sum_decrease_);
  if (count_ >= options_.min_instances) {
    const double increase = sum_increase_ - min_increase_;
    const double decrease = max_decrease_ - sum_decrease_;
    switch (options_.mode) {
    case PageHinkleyOptions::Mode::kUp:
      drift_detected_ = increase > options_.threshold;
      break;
    case PageHinkleyOptions::Mode::kDown:
      drift_detected_ = decrease > options_.threshold;
      break;
    case PageHinkleyOptions::Mode::kBoth:
      drift_detected_ =
          increase > options_.threshold || decrease > options_.threshold;
      break;
    }
  }
  return drift_detected_;
}

// ---------------------------------------------------------------------------
// ADWIN

namespace {

// Observations in one bucket of `row`.
double BucketSize(size_t row) { return std::ldexp(1.0, static_cast<int>(row)); }

} // namespace

Adwin::Adwin(const AdwinOptions &options) : options_(options) {
  assert(CheckOptions(options_).empty());
  Reset();
}

void Adwin::Reset() {
  rows_.clear();
  rows_.emplace_back();
  rows_[0].totals.assign(static_cast<size_t>(options_.max_buckets) + 1, 0.0);
  rows_[0].variances.assign(static_cast<size_t>(options_.max_buckets) + 1, 0.0);
  width_ = 0;
  total_ = 0;
  variance_ = 0;
  tick_ = 0;
  drift_detected_ = false;
}

bool Adwin::Update(double x) {
  if (drift_detected_)
    Reset();
  Insert(x);
  drift_detected_ = DetectChange();
  return drift_detected_;
}

void Adwin::PushToRow(size_t row, double total, double variance) {
  if (row == rows_.size()) {
    rows_.emplace_back();
    rows_.back().totals.assign(static_cast<size_t>(options_.max_buckets) + 1,
                               0.0);
    rows_.back().variances.assign(static_cast<size_t>(options_.max_buckets) + 1,
                                  0.0);
  }
  Row &r = rows_[row];
  r.totals[static_cast<size_t>(r.count)] = total;
  r.variances[static_cast<size_t>(r.count)] = variance;
  ++r.count;
}

void Adwin::Insert(double x) {
  PushToRow(0, x, 0.0);
  width_ += 1;
  // Welford-style update of the sum of squared deviations, in river's order
  // of operations (the mean before this observation is total / (width - 1)).
  double increment = 0.0;
  if (width_ > 1.0) {
    const double before = x - total_ / (width_ - 1.0);
    increment = (width_ - 1.0) * before * before / width_;
  }
  variance_ += increment;
  total_ += x;
  Compress();
}

void Adwin::Compress() {
  // A row that reaches max_buckets + 1 buckets merges its two oldest into one
  // bucket of the next row; that may overflow the next row in turn.
  for (size_t row = 0; row < rows_.size(); ++row) {
    if (rows_[row].count != options_.max_buckets + 1)
      break;
    const double n = BucketSize(row);
    Row &r = rows_[row];
    const double mean0 = r.totals[0] / n;
    const double mean1 = r.totals[1] / n;
    const double total = r.totals[0] + r.totals[1];
    const double variance = r.variances[0] + r.variances[1] +
                            n * n * (mean0 - mean1) * (mean0 - mean1) / (n + n);
    // Shift the rest of the row left by two.
    std::copy(r.totals.begin() + 2, r.totals.end(), r.totals.begin());
    std::copy(r.variances.begin() + 2, r.variances.end(), r.variances.begin());
    r.count -= 2;
    PushToRow(row + 1, total,
              variance); // may reallocate rows_: `r` is dead here
    if (rows_[row + 1].count <= options_.max_buckets)
      break;
  }
}

double Adwin::DeleteOldest() {
  const size_t last = rows_.size() - 1;
  Row &r = rows_[last];
  const double n = BucketSize(last);
  const double u = r.totals[0];
  const double mean = u / n;
  const double v = r.variances[0];
  width_ -= n;
  total_ -= u;
  const double window_mean = total_ / width_;
  variance_ -= v + n * width_ * (mean - window_mean) * (mean - window_mean) /
                       (n + width_);
  std::copy(r.totals.begin() + 1, r.totals.end(), r.totals.begin());
  std::copy(r.variances.begin() + 1, r.variances.end(), r.variances.begin());
  --r.count;
  if (r.count == 0)
    rows_.pop_back();
  return n;
}

bool Adwin::CutSignificant(double n0, double n1, double delta_mean,
                           const CutBound &bound) const {
  // Hoeffding-style bound with a variance term, as river: with
  // 1/m = 1/(n0 - L + 1) + 1/(n1 - L + 1) (L = min_window_length) and
  // d' = ln(2 ln(W) / delta), epsilon = sqrt(2/m · var · d') + 2/3 · d' / m,
  // where var is the window's variance (per observation).
  const double min_length = options_.min_window_length;
  const double m_recip =
      1.0 / (n0 - min_length + 1) + 1.0 / (n1 - min_length + 1);
  const double epsilon =
      std::sqrt(2 * m_recip * bound.variance_per_observation *
                bound.delta_prime) +
      2.0 / 3.0 * bound.delta_prime * m_recip;
  return std::fabs(delta_mean) > epsilon;
}

bool Adwin::DetectChange() {
  bool change = false;
  ++tick_;
  if (tick_ % options_.clock != 0 || !(width_ > options_.grace_period))
    return false;
  const double min_length = options_.min_window_length;
  bool reduce = true;
  while (reduce) {
    reduce = false;
    // The window is fixed during one pass: its terms of the bound are too.
    const CutBound bound{std::log(2 * std::log(width_) / options_.delta),
                         variance_ / width_};
    // W0 (older) grows bucket by bucket from the oldest; W1 is the rest.
    double n0 = 0, n1 = width_, u0 = 0, u1 = total_;
    bool done = false;
    for (size_t row = rows_.size(); row-- > 0 && !done;) {
      const Row &r = rows_[row];
      const double n = BucketSize(row);
      for (int k = 0; k < r.count; ++k) {
        n0 += n;
        n1 -= n;
        u0 += r.totals[static_cast<size_t>(k)];
        u1 -= r.totals[static_cast<size_t>(k)];
        if (row == 0 &&
            k + 1 == r.count) { // the newest bucket: W1 would be empty
          done = true;
          break;
        }
        const double delta_mean = u0 / n0 - u1 / n1;
        if (n1 >= min_length && n0 >= min_length &&
            CutSignificant(n0, n1, delta_mean, bound)) {
          reduce = true;
          change = true;
          if (width_ > 0) {
            DeleteOldest();
            done = true;
            break;
          }
        }
      }
    }
  }
  return change;
}

// ---------------------------------------------------------------------------
// Running over a series

namespace {

template <typename Detector>
OnlineResult RunDetector(std::span<const int64_t> timestamps_us,
                         std::span<const double> values, Detector &detector) {
  assert(timestamps_us.size() == values.size());
  const size_t n = std::min(timestamps_us.size(), values.size());
  const bool sorted = std::is_sorted(
      timestamps_us.begin(), timestamps_us.begin() + static_cast<ptrdiff_t>(n));
  std::vector<size_t> order;
  if (!sorted) {
    order.resize(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return timestamps_us[a] < timestamps_us[b];
    });
  }
  OnlineResult result;
  for (size_t i = 0; i < n; ++i) {
    const size_t index = sorted ? i : order[i];
    const double x = values[index];
    if (!std::isfinite(x)) {
      ++result.skipped_non_finite;
      continue;
    }
    ++result.evaluated;
    if (detector.Update(x))
      result.detections.push_back({index, timestamps_us[index]});
  }
  result.detected = !result.detections.empty();
  return result;
}

} // namespace

OnlineResult RunPageHinkley(std::span<const int64_t> timestamps_us,
                            std::span<const double> values,
                            const PageHinkleyOptions &options) {
  PageHinkley detector(options);
  return RunDetector(timestamps_us, values, detector);
}

OnlineResult RunAdwin(std::span<const int64_t> timestamps_us,
                      std::span<const double> values,
                      const AdwinOptions &options) {
  Adwin detector(options);
  return RunDetector(timestamps_us, values, detector);
}

} // namespace stagegate::drift
