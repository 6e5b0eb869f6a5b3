// Compact, mergeable summaries of one distribution, built by streaming values
// and never holding all of them: what a baseline records per stream, per
// cohort and per CSV column (docs/drift.md, "Baselines"; byte layout in
// docs/formats/baseline.md).
//
// A DistributionSketch keeps, for numeric values:
//   - ValueCounts (NaN, ±inf and the declared sentinels counted apart);
//   - count, mean and M2 of the finite values (Welford; merged with Chan et
//     al.'s pairwise formula), and their min and max;
//   - a fixed log-scale histogram (DDSketch-style, relative accuracy alpha):
//     bucket i > 0 side holds values in (gamma^(i-1), gamma^i] with
//     gamma = (1 + alpha) / (1 - alpha); negative values mirror it; values
//     with |x| < kSketchMinIndexable count in a zero bucket. Boundaries do not
//     depend on the data, so merging adds bucket counts: exact;
//   - a bounded uniform sample of at most K finite values, chosen bottom-k:
//     each value gets the priority SplitMix64(seed ^ position_key) and the K
//     smallest (priority, value) pairs are kept. Merging two sketches keeps
//     the K smallest of their union, which is exactly the sample the union
//     would have had: deterministic, and independent of the order of Add and
//     Merge calls, provided position keys are distinct across what is merged
//     (a stream's values use StreamPositionKey(stream hash, timestamp)).
//     A complete sample (every finite value, at most K of them) is written
//     without its priorities, values ascending and coded as the telemetry
//     store codes values: a day of one stream at one-minute resolution then
//     takes a few bytes per value instead of 16. A sketch read back from such
//     a blob has no priorities (priorities_known() is false): it is exact for
//     every statistic, and merges only while the union keeps at most K values.
//
// KS accuracy with a sampled reference: the sample's empirical CDF is within
// eps = sqrt(ln(2 / 0.05) / (2 K)) of the population's everywhere with 95%
// probability (Dvoretzky-Kiefer-Wolfowitz-Massart); eps = 0.0212 for the
// default K = 4096. Tests then use the sample size as the reference size, so
// their p-values are conservative (larger than with every value).
//
// A sketch is a value type: not thread-safe for writing, safe to read from
// several threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/drift/reference.h"

namespace stagegate::drift {

// Relative accuracy of the histogram's quantiles (0.5%).
inline constexpr double kSketchRelativeAccuracy = 0.005;
// Values closer to 0 than this count in the zero bucket (quantiles there are
// reported as 0).
inline constexpr double kSketchMinIndexable = 1e-12;
// Default bound K on the sample.
inline constexpr std::int64_t kDefaultSketchSampleSize = 4096;
// Largest K accepted (a blob claiming more is corrupt).
inline constexpr std::int64_t kMaxSketchSampleSize = 1 << 24;
// Most sentinels a sketch accepts.
inline constexpr std::size_t kMaxSketchSentinels = 64;
// Most categories a categorical sketch keeps; one more is an error.
inline constexpr std::size_t kMaxSketchCategories = 10'000;
// Version of the serialised layout this build writes; it also reads
// kOldestSketchFormatVersion and later.
inline constexpr std::uint16_t kSketchFormatVersion = 2;
inline constexpr std::uint16_t kOldestSketchFormatVersion = 1;

// Returns the DKW bound on the CDF error of a K-value uniform sample at
// confidence 1 - alpha: sqrt(ln(2 / alpha) / (2 K)).
double SampleCdfErrorBound(std::int64_t sample_size, double alpha = 0.05);

// Returns a 64-bit hash of a stream's name ("device/sensor"; FNV-1a), the
// first half of its position keys.
std::uint64_t StreamHash(std::string_view stream);
// Returns the position key of the sample of a stream at a timestamp.
std::uint64_t StreamPositionKey(std::uint64_t stream_hash, std::int64_t timestamp_us);

struct SketchOptions {
  std::int64_t sample_size = kDefaultSketchSampleSize;  // K, in [1, kMaxSketchSampleSize]
  std::uint64_t seed = 0;                               // mixed into every sample priority
  std::vector<double> sentinels;                        // values counted as missing (finite, exact match)
  friend bool operator==(const SketchOptions&, const SketchOptions&) = default;
};

class DistributionSketch {
 public:
  // Returns a short reason when `options` are unusable, else "".
  static std::string CheckOptions(const SketchOptions& options);

  // `options` must pass CheckOptions (an invalid K is clamped to [1, max]).
  explicit DistributionSketch(SketchOptions options = {});

  // Adds one value whose position key is `position_key` (distinct per value
  // across everything that will be merged).
  void Add(double value, std::uint64_t position_key);
  // Adds one value with position key = the number of values added so far
  // (the row number of a CSV column).
  void Add(double value) { Add(value, static_cast<std::uint64_t>(counts_.total)); }
  // Adds values with consecutive position keys starting at counts().total.
  void AddAll(std::span<const double> values);
  // Adds a stream's values, keyed by StreamPositionKey(stream_hash, timestamp).
  void AddSeries(std::uint64_t stream_hash, std::span<const std::int64_t> timestamps_us,
                 std::span<const double> values);

  // Adds `other` into this sketch. False with `error` when the two were built
  // with different options (K, seed, sentinels), or when either was read
  // without priorities and their samples together exceed K.
  bool Merge(const DistributionSketch& other, std::string* error);

  const SketchOptions& options() const { return options_; }
  const ValueCounts& counts() const { return counts_; }
  // Of the finite values (NaN when there are none; variance with ddof 0).
  double mean() const;
  double variance() const;
  double min() const;  // NaN when there are no finite values
  double max() const;
  double m2() const { return m2_; }  // sum of squared deviations from the mean

  // Returns the q-quantile (q in [0, 1]) of the finite values from the
  // histogram: the value of rank floor(q (n - 1)) within relative error
  // kSketchRelativeAccuracy (clamped to [min, max]); NaN when empty.
  double Quantile(double q) const;

  // The sample: (priority, value) ascending, at most K, all of them when
  // counts().finite <= K. Without priorities (see priorities_known()) every
  // priority is 0 and the sample is in value order.
  struct SampleItem {
    std::uint64_t priority = 0;
    double value = 0.0;
  };
  std::vector<SampleItem> Sample() const;
  // The sample's values, ascending.
  std::vector<double> SortedSampleValues() const;
  // Histogram buckets: index → count, for positive and negative values
  // (negative: the bucket of |x|), and the zero bucket.
  std::map<std::int32_t, std::int64_t> PositiveBuckets() const;
  std::map<std::int32_t, std::int64_t> NegativeBuckets() const;
  std::int64_t zero_count() const { return zero_count_; }
  // False for a sketch read from a blob that kept its complete sample without
  // priorities. Add must not grow such a sketch's sample beyond K (nothing
  // does: read sketches are references for the drift tests).
  bool priorities_known() const { return priorities_known_; }

  // Returns the reference the drift tests read: sorted sample values,
  // population_size = finite count, counts, digest "sha256:<hex>" of
  // Serialize().
  ReferenceDistribution ToReference() const;
  // Same, with the digest the caller already holds for this sketch's blob
  // (a baseline entry's, checked when it was read), which saves serialising
  // the sketch again to hash it.
  ReferenceDistribution ToReference(std::optional<std::string> known_digest) const;

  // Returns the versioned little-endian blob (docs/formats/baseline.md).
  std::string Serialize() const;
  // Returns "sha256:<hex>" of Serialize().
  std::string Digest() const;
  // Parses a blob; nullopt with `error` (what is wrong, at which byte) when
  // it is not a valid sketch of this format version.
  static std::optional<DistributionSketch> Deserialize(std::string_view blob, std::string* error);

  // Equal summaries: complete samples compare by their values, since a
  // serialised complete sample keeps no priorities.
  friend bool operator==(const DistributionSketch& a, const DistributionSketch& b);

 private:
  std::string SerializeWith(const std::vector<SampleItem>& items) const;  // items: Sample()
  // A contiguous range of bucket counts, grown as values arrive.
  struct Buckets {
    std::int32_t offset = 0;
    std::vector<std::int64_t> counts;
    void Add(std::int32_t index, std::int64_t n);
    std::int64_t Total() const;
    bool Equals(const Buckets& other) const;  // same non-zero buckets
  };
  void AddFinite(double value, std::uint64_t position_key);
  void OfferSample(SampleItem item);

  SketchOptions options_;
  ValueCounts counts_;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_;  // +inf / -inf while there are no finite values
  double max_;
  std::int64_t zero_count_ = 0;
  Buckets positive_;
  Buckets negative_;
  // Candidates for the sample, unordered: every item below `threshold_`
  // (the K-th smallest at the last compaction) is kept until there are 2K,
  // then the K smallest are selected (nth_element), so adding costs O(1)
  // amortised. Readers sort a copy and keep its first K.
  std::vector<SampleItem> sample_;
  bool priorities_known_ = true;
  SampleItem threshold_;
  bool has_threshold_ = false;
  // Keeps the K smallest candidates (unordered) and sets the threshold.
  void CompactSample();
};

// Category → count summary of one string column (CSV), with a cap on the
// number of categories. Empty cells count as missing.
class CategoricalSketch {
 public:
  // Adds one cell. False with `error` when it would be category number
  // kMaxSketchCategories + 1.
  bool Add(std::string_view value, std::string* error);
  bool Merge(const CategoricalSketch& other, std::string* error);

  std::int64_t total() const { return total_; }
  std::int64_t missing() const { return missing_; }
  const std::map<std::string, std::int64_t, std::less<>>& categories() const { return categories_; }

  std::string Serialize() const;
  std::string Digest() const;
  static std::optional<CategoricalSketch> Deserialize(std::string_view blob, std::string* error);
  friend bool operator==(const CategoricalSketch&, const CategoricalSketch&) = default;

 private:
  std::int64_t total_ = 0;
  std::int64_t missing_ = 0;
  std::map<std::string, std::int64_t, std::less<>> categories_;
};

}  // namespace stagegate::drift
