#include "evaluators/drift/sketch.h"
#include "evaluators/drift/two_sample.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "engine/common/digest.h"
#include "evaluators/contracts/block_codec.h"

namespace stagegate::drift {
namespace {

constexpr char kMagic[4] = {'S', 'G', 'S', 'K'};
constexpr std::uint8_t kKindNumeric = 1;
constexpr std::uint8_t kKindCategorical = 2;
// Bucket indices a valid blob may hold: |x| up to the largest double and
// down to kSketchMinIndexable need about ±71,000 at alpha = 0.5%.
constexpr std::int32_t kMaxBucketIndex = 200'000;
// A count above this is corrupt (and sums of a few of them cannot overflow).
constexpr std::uint64_t kMaxCount = std::uint64_t{1} << 60;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

const double kGamma = (1.0 + kSketchRelativeAccuracy) / (1.0 - kSketchRelativeAccuracy);
const double kLogGamma = std::log(kGamma);

std::uint64_t SplitMix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The bucket of |x| >= kSketchMinIndexable: ceil(log_gamma |x|).
std::int32_t BucketIndex(double magnitude) {
  return static_cast<std::int32_t>(std::ceil(std::log(magnitude) / kLogGamma));
}

// The value a bucket stands for: within relative error alpha of any value in
// (gamma^(i-1), gamma^i].
double BucketValue(std::int32_t index) { return 2.0 * std::pow(kGamma, index) / (kGamma + 1.0); }

// (priority, value) order; a function object so that sorting inlines it.
struct ItemLessOp {
  bool operator()(const DistributionSketch::SampleItem& a, const DistributionSketch::SampleItem& b) const {
    return a.priority < b.priority || (a.priority == b.priority && a.value < b.value);
  }
};
constexpr ItemLessOp ItemLess;

// ---- little-endian encoding ------------------------------------------------

class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(std::uint16_t v) { Bytes(v, 2); }
  void U32(std::uint32_t v) { Bytes(v, 4); }
  void U64(std::uint64_t v) { Bytes(v, 8); }
  void I32(std::int32_t v) { U32(static_cast<std::uint32_t>(v)); }
  void F64(double v) { U64(std::bit_cast<std::uint64_t>(v)); }
  void Varint(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    out_.push_back(static_cast<char>(v));
  }
  void Raw(std::string_view s) { out_.append(s); }
  void Reserve(size_t n) { out_.reserve(n); }
  std::string Take() { return std::move(out_); }

 private:
  void Bytes(std::uint64_t v, int n) {
    char bytes[8];
    for (int i = 0; i < n; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(bytes, static_cast<size_t>(n));
  }
  std::string out_;
};

// Reads a blob; the first failure is kept (with its byte offset) and every
// later read returns 0.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  void Fail(std::string_view what) {
    if (error_.empty()) error_ = fmt::format("corrupt sketch blob: {} at byte {} of {}", what, pos_, data_.size());
  }
  std::uint8_t U8() { return static_cast<std::uint8_t>(Bytes(1)); }
  std::uint16_t U16() { return static_cast<std::uint16_t>(Bytes(2)); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(Bytes(4)); }
  std::uint64_t U64() { return Bytes(8); }
  std::int32_t I32() { return static_cast<std::int32_t>(U32()); }
  double F64() { return std::bit_cast<double>(U64()); }
  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && ok(); shift += 7) {
      const std::uint8_t byte = U8();
      v |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return ok() ? v : 0;
    }
    Fail("bad varint");
    return 0;
  }
  std::string_view Raw(size_t n) {
    if (!ok()) return {};
    if (remaining() < n) {
      Fail("truncated");
      return {};
    }
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A count that must be in [0, kMaxCount].
  std::int64_t Count(std::string_view what) {
    const std::uint64_t v = U64();
    if (v > kMaxCount) Fail(fmt::format("{} {} is out of range", what, v));
    return ok() ? static_cast<std::int64_t>(v) : 0;
  }

 private:
  std::uint64_t Bytes(int n) {
    if (!ok()) return 0;
    if (remaining() < static_cast<size_t>(n)) {
      Fail("truncated");
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(data_[pos_ + i])} << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

void WriteHeader(Writer& w, std::uint8_t kind) {
  w.Raw(std::string_view(kMagic, 4));
  w.U16(kSketchFormatVersion);
  w.U8(kind);
  w.U8(0);
}

// Reads the header; `version` receives the blob's format version.
bool ReadHeader(Reader& r, std::uint8_t kind, std::uint16_t* version) {
  if (r.Raw(4) != std::string_view(kMagic, 4)) {
    r.Fail("not a Stagegate sketch (no 'SGSK' magic)");
    return false;
  }
  *version = r.U16();
  if (r.ok() && (*version < kOldestSketchFormatVersion || *version > kSketchFormatVersion)) {
    r.Fail(fmt::format("format version {} (this build reads {} to {})", *version, kOldestSketchFormatVersion,
                       kSketchFormatVersion));
    return false;
  }
  const std::uint8_t got = r.U8();
  if (r.ok() && got != kind) {
    r.Fail(fmt::format("kind {} where {} was expected", got, kind));
    return false;
  }
  if (r.U8() != 0) r.Fail("reserved byte is not 0");
  return r.ok();
}

// Format 2: varint P, then the first index zigzag coded and each later one
// as its (positive) gap from the one before, each followed by its count.
void WriteBuckets(Writer& w, const std::map<std::int32_t, std::int64_t>& buckets) {
  w.Varint(buckets.size());
  bool first = true;
  std::int32_t previous = 0;
  for (const auto& [index, count] : buckets) {
    if (first) {
      w.Varint((static_cast<std::uint64_t>(index) << 1) ^ static_cast<std::uint64_t>(std::int64_t{index} >> 63));
    } else {
      w.Varint(static_cast<std::uint64_t>(std::int64_t{index} - previous));
    }
    w.Varint(static_cast<std::uint64_t>(count));
    first = false;
    previous = index;
  }
}

// How a format-2 blob keeps its sample.
constexpr std::uint8_t kSampleWithPriorities = 0;  // varint M, then M × (u64 priority, f64 value)
constexpr std::uint8_t kSampleComplete = 1;        // every finite value, ascending, as a value column

std::string Sha256Digest(std::string_view blob) { return "sha256:" + common::Sha256Hex(blob); }

}  // namespace

double SampleCdfErrorBound(std::int64_t sample_size, double alpha) {
  return std::sqrt(std::log(2.0 / alpha) / (2.0 * static_cast<double>(sample_size)));
}

std::uint64_t StreamHash(std::string_view stream) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : stream) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t StreamPositionKey(std::uint64_t stream_hash, std::int64_t timestamp_us) {
  return SplitMix64(stream_hash ^ SplitMix64(static_cast<std::uint64_t>(timestamp_us)));
}

// ---- DistributionSketch ----------------------------------------------------------

void DistributionSketch::Buckets::Add(std::int32_t index, std::int64_t n) {
  if (counts.empty()) {
    offset = index;
    counts.assign(1, n);
    return;
  }
  if (index < offset) {
    counts.insert(counts.begin(), static_cast<size_t>(offset - index), 0);
    offset = index;
  } else if (index - offset >= static_cast<std::int64_t>(counts.size())) {
    counts.resize(static_cast<size_t>(index - offset) + 1, 0);
  }
  counts[static_cast<size_t>(index - offset)] += n;
}

std::int64_t DistributionSketch::Buckets::Total() const {
  std::int64_t total = 0;
  for (const std::int64_t c : counts) total += c;
  return total;
}

namespace {
std::map<std::int32_t, std::int64_t> NonZero(std::int32_t offset, const std::vector<std::int64_t>& counts) {
  std::map<std::int32_t, std::int64_t> out;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) out.emplace(offset + static_cast<std::int32_t>(i), counts[i]);
  }
  return out;
}
}  // namespace

bool DistributionSketch::Buckets::Equals(const Buckets& other) const {
  return NonZero(offset, counts) == NonZero(other.offset, other.counts);
}

std::string DistributionSketch::CheckOptions(const SketchOptions& options) {
  if (options.sample_size < 1 || options.sample_size > kMaxSketchSampleSize) {
    return fmt::format("the sample size must be between 1 and {}, not {}", kMaxSketchSampleSize, options.sample_size);
  }
  if (options.sentinels.size() > kMaxSketchSentinels) {
    return fmt::format("at most {} sentinels, not {}", kMaxSketchSentinels, options.sentinels.size());
  }
  for (const double s : options.sentinels) {
    if (!std::isfinite(s)) return fmt::format("a sentinel must be a finite number, not {}", s);
  }
  return "";
}

DistributionSketch::DistributionSketch(SketchOptions options)
    : options_(std::move(options)), min_(kInfinity), max_(-kInfinity) {
  options_.sample_size = std::clamp<std::int64_t>(options_.sample_size, 1, kMaxSketchSampleSize);
}

double DistributionSketch::mean() const {
  return counts_.finite == 0 ? std::numeric_limits<double>::quiet_NaN() : mean_;
}
double DistributionSketch::variance() const {
  return counts_.finite == 0 ? std::numeric_limits<double>::quiet_NaN()
                             : m2_ / static_cast<double>(counts_.finite);
}
double DistributionSketch::min() const {
  return counts_.finite == 0 ? std::numeric_limits<double>::quiet_NaN() : min_;
}
double DistributionSketch::max() const {
  return counts_.finite == 0 ? std::numeric_limits<double>::quiet_NaN() : max_;
}

void DistributionSketch::Add(double value, std::uint64_t position_key) {
  ++counts_.total;
  if (std::isnan(value)) {
    ++counts_.nan;
  } else if (value == kInfinity) {
    ++counts_.positive_infinity;
  } else if (value == -kInfinity) {
    ++counts_.negative_infinity;
  } else if (std::find(options_.sentinels.begin(), options_.sentinels.end(), value) != options_.sentinels.end()) {
    ++counts_.sentinel;
  } else {
    AddFinite(value, position_key);
  }
}

void DistributionSketch::AddFinite(double value, std::uint64_t position_key) {
  const std::int64_t n = ++counts_.finite;
  const double delta = value - mean_;
  mean_ += delta / static_cast<double>(n);
  m2_ += delta * (value - mean_);
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  const double magnitude = std::fabs(value);
  if (magnitude < kSketchMinIndexable) {
    ++zero_count_;
  } else if (value > 0) {
    positive_.Add(BucketIndex(magnitude), 1);
  } else {
    negative_.Add(BucketIndex(magnitude), 1);
  }
  OfferSample({SplitMix64(options_.seed ^ position_key), value});
}

void DistributionSketch::OfferSample(SampleItem item) {
  if (has_threshold_ && !ItemLess(item, threshold_)) return;
  sample_.push_back(item);
  if (sample_.size() >= 2 * static_cast<size_t>(options_.sample_size)) CompactSample();
}

void DistributionSketch::CompactSample() {
  const auto k = static_cast<size_t>(options_.sample_size);
  if (sample_.size() > k) {
    // The K-th smallest lands at k - 1, with every smaller one before it.
    std::nth_element(sample_.begin(), sample_.begin() + static_cast<std::ptrdiff_t>(k - 1), sample_.end(), ItemLess);
    sample_.resize(k);
    threshold_ = sample_.back();
    has_threshold_ = true;
  } else if (sample_.size() == k) {
    threshold_ = *std::max_element(sample_.begin(), sample_.end(), ItemLess);
    has_threshold_ = true;
  }
}

void DistributionSketch::AddAll(std::span<const double> values) {
  for (const double v : values) Add(v);
}

void DistributionSketch::AddSeries(std::uint64_t stream_hash, std::span<const std::int64_t> timestamps_us,
                                   std::span<const double> values) {
  const size_t n = std::min(timestamps_us.size(), values.size());
  for (size_t i = 0; i < n; ++i) Add(values[i], StreamPositionKey(stream_hash, timestamps_us[i]));
}

bool DistributionSketch::Merge(const DistributionSketch& other, std::string* error) {
  if (&other == this) {  // merging with itself: work from a copy (vector self-insert is undefined)
    const DistributionSketch copy = other;
    return Merge(copy, error);
  }
  if (!(options_ == other.options_)) {
    *error = fmt::format(
        "cannot merge sketches built with different options (sample size {} vs {}, seed {} vs {}, {} vs {} "
        "sentinels)",
        options_.sample_size, other.options_.sample_size, options_.seed, other.options_.seed,
        options_.sentinels.size(), other.options_.sentinels.size());
    return false;
  }
  if ((!priorities_known_ || !other.priorities_known_) &&
      sample_.size() + other.sample_.size() > static_cast<size_t>(options_.sample_size)) {
    *error = fmt::format(
        "cannot merge sketches read without their sample priorities: together they hold {} sample values, more "
        "than the sample size {}; build the merged sketch from the data instead",
        sample_.size() + other.sample_.size(), options_.sample_size);
    return false;
  }
  const auto na = static_cast<double>(counts_.finite);
  const auto nb = static_cast<double>(other.counts_.finite);
  if (other.counts_.finite > 0) {
    if (counts_.finite == 0) {
      mean_ = other.mean_;
      m2_ = other.m2_;
    } else {
      const double n = na + nb;
      const double delta = other.mean_ - mean_;
      mean_ += delta * nb / n;
      m2_ += other.m2_ + delta * delta * na * nb / n;
    }
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  counts_.Merge(other.counts_);
  zero_count_ += other.zero_count_;
  for (size_t i = 0; i < other.positive_.counts.size(); ++i) {
    if (other.positive_.counts[i] != 0) {
      positive_.Add(other.positive_.offset + static_cast<std::int32_t>(i), other.positive_.counts[i]);
    }
  }
  for (size_t i = 0; i < other.negative_.counts.size(); ++i) {
    if (other.negative_.counts[i] != 0) {
      negative_.Add(other.negative_.offset + static_cast<std::int32_t>(i), other.negative_.counts[i]);
    }
  }
  sample_.insert(sample_.end(), other.sample_.begin(), other.sample_.end());
  priorities_known_ = priorities_known_ && other.priorities_known_;
  CompactSample();
  return true;
}

double DistributionSketch::Quantile(double q) const {
  if (counts_.finite == 0 || !(q >= 0.0 && q <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  const auto rank = static_cast<std::int64_t>(std::floor(q * static_cast<double>(counts_.finite - 1)));
  std::int64_t seen = 0;
  double estimate = 0.0;
  bool found = false;
  // Most negative first: the negative buckets by descending |x|.
  for (size_t i = negative_.counts.size(); i-- > 0 && !found;) {
    seen += negative_.counts[i];
    if (seen > rank) {
      estimate = -BucketValue(negative_.offset + static_cast<std::int32_t>(i));
      found = true;
    }
  }
  if (!found) {
    seen += zero_count_;
    if (seen > rank) found = true;  // estimate 0
  }
  for (size_t i = 0; i < positive_.counts.size() && !found; ++i) {
    seen += positive_.counts[i];
    if (seen > rank) {
      estimate = BucketValue(positive_.offset + static_cast<std::int32_t>(i));
      found = true;
    }
  }
  return std::clamp(estimate, min_, max_);
}

std::vector<DistributionSketch::SampleItem> DistributionSketch::Sample() const {
  std::vector<SampleItem> items = sample_;
  // A sketch read from a blob holds its sample in order already.
  if (!std::is_sorted(items.begin(), items.end(), ItemLess)) std::sort(items.begin(), items.end(), ItemLess);
  if (items.size() > static_cast<size_t>(options_.sample_size)) items.resize(static_cast<size_t>(options_.sample_size));
  return items;
}

std::vector<double> DistributionSketch::SortedSampleValues() const {
  std::vector<double> values;
  const std::vector<SampleItem> items = Sample();
  values.reserve(items.size());
  for (const SampleItem& item : items) values.push_back(item.value);
  if (!std::is_sorted(values.begin(), values.end())) std::sort(values.begin(), values.end());
  return values;
}

std::map<std::int32_t, std::int64_t> DistributionSketch::PositiveBuckets() const {
  return NonZero(positive_.offset, positive_.counts);
}
std::map<std::int32_t, std::int64_t> DistributionSketch::NegativeBuckets() const {
  return NonZero(negative_.offset, negative_.counts);
}

ReferenceDistribution DistributionSketch::ToReference() const { return ToReference(std::nullopt); }

ReferenceDistribution DistributionSketch::ToReference(std::optional<std::string> known_digest) const {
  // One selection of the sample serves both the values and the digest; this
  // runs once per stream in a fleet's drift run.
  const std::vector<SampleItem> items = Sample();
  std::vector<double> values;
  values.reserve(items.size());
  for (const SampleItem& item : items) values.push_back(item.value);
  ReferenceDistribution reference;
  // A complete sample read without priorities is in value order already.
  reference.sorted_values = std::is_sorted(values.begin(), values.end()) ? std::move(values) : SortedValues(values);
  reference.population_size = counts_.finite;
  reference.counts = counts_;
  reference.digest = known_digest ? std::move(*known_digest) : Sha256Digest(SerializeWith(items));
  return reference;
}

std::string DistributionSketch::Serialize() const { return SerializeWith(Sample()); }

std::string DistributionSketch::SerializeWith(const std::vector<SampleItem>& items) const {
  Writer w;
  w.Reserve(200 + 8 * options_.sentinels.size() + 12 * (positive_.counts.size() + negative_.counts.size()) +
            (counts_.finite <= options_.sample_size ? 4 : 16) * items.size());
  WriteHeader(w, kKindNumeric);
  w.F64(kSketchRelativeAccuracy);
  w.F64(kSketchMinIndexable);
  w.U64(options_.seed);
  w.U32(static_cast<std::uint32_t>(options_.sample_size));
  w.U32(static_cast<std::uint32_t>(options_.sentinels.size()));
  for (const double s : options_.sentinels) w.F64(s);
  for (const std::int64_t c : {counts_.total, counts_.finite, counts_.nan, counts_.positive_infinity,
                               counts_.negative_infinity, counts_.sentinel}) {
    w.U64(static_cast<std::uint64_t>(c));
  }
  w.F64(mean_);
  w.F64(m2_);
  w.F64(min_);
  w.F64(max_);
  w.U64(static_cast<std::uint64_t>(zero_count_));
  WriteBuckets(w, PositiveBuckets());
  WriteBuckets(w, NegativeBuckets());
  if (counts_.finite <= options_.sample_size) {
    // The priorities only decide which values a merge past K keeps.
    std::vector<double> values;
    values.reserve(items.size());
    for (const SampleItem& item : items) values.push_back(item.value);
    std::sort(values.begin(), values.end());
    std::string column;
    contracts::AppendValueColumn(values, &column);
    w.U8(kSampleComplete);
    w.Varint(column.size());
    w.Raw(column);
  } else {
    w.U8(kSampleWithPriorities);
    w.Varint(items.size());
    for (const SampleItem& item : items) {
      w.U64(item.priority);
      w.F64(item.value);
    }
  }
  return w.Take();
}

std::string DistributionSketch::Digest() const { return Sha256Digest(Serialize()); }

namespace {

// Reads one side's buckets into `out` (validated: ascending indices in range,
// positive counts); returns their total.
std::int64_t ReadBuckets(Reader& r, std::uint16_t version, std::string_view side,
                         std::vector<std::pair<std::int32_t, std::int64_t>>* out) {
  const std::uint64_t n = version == 1 ? r.U32() : r.Varint();
  if (!r.ok()) return 0;
  if (n > r.remaining() / (version == 1 ? 12 : 2)) {
    r.Fail(fmt::format("{} {} buckets do not fit in the blob", n, side));
    return 0;
  }
  std::int64_t total = 0;
  std::int64_t previous = std::numeric_limits<std::int64_t>::min();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    std::int64_t index = 0;
    std::int64_t count = 0;
    if (version == 1) {
      index = r.I32();
      count = r.Count("bucket count");
    } else {
      const std::uint64_t coded = r.Varint();
      if (i == 0) {
        index = static_cast<std::int64_t>(coded >> 1) ^ -static_cast<std::int64_t>(coded & 1);
      } else {
        index = coded > std::uint64_t{2 * kMaxBucketIndex} ? kMaxBucketIndex + 1
                                                          : previous + static_cast<std::int64_t>(coded);
      }
      const std::uint64_t raw_count = r.Varint();
      if (raw_count > kMaxCount) r.Fail(fmt::format("bucket count {} is out of range", raw_count));
      count = static_cast<std::int64_t>(raw_count);
    }
    if (!r.ok()) break;
    if (index < -kMaxBucketIndex || index > kMaxBucketIndex) {
      r.Fail(fmt::format("{} bucket index {} is out of range", side, index));
    } else if (index <= previous) {
      r.Fail(fmt::format("{} bucket indices are not ascending", side));
    } else if (count == 0) {
      r.Fail(fmt::format("{} bucket {} has count 0", side, index));
    } else {
      out->emplace_back(static_cast<std::int32_t>(index), count);
      previous = index;
      total += count;
      if (total > static_cast<std::int64_t>(kMaxCount)) r.Fail("bucket counts overflow");
    }
  }
  return total;
}

using SampleItem = DistributionSketch::SampleItem;

// Reads a sample kept without priorities (format 2): `expected` values,
// ascending, finite and within [min, max]; their priorities are left 0.
void ReadCompleteSample(Reader& r, std::int64_t expected, bool complete, double min, double max,
                        std::vector<SampleItem>* sample) {
  if (!complete) {
    r.Fail("a sample without priorities, but the sketch has more finite values than K");
    return;
  }
  const std::uint64_t length = r.Varint();
  const std::string_view column = r.Raw(static_cast<size_t>(length));
  // The densest coding packs 128 values into a byte.
  if (r.ok() && static_cast<std::uint64_t>(expected) > 128 * column.size() + 1) {
    r.Fail(fmt::format("{} sample values cannot fit in {} bytes", expected, column.size()));
  }
  if (!r.ok()) return;
  std::vector<double> values(static_cast<size_t>(expected));
  if (!contracts::DecodeValueColumn(column, values.size(), values.data())) {
    r.Fail("the sample's values cannot be decoded");
    return;
  }
  sample->reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double value = values[i];
    if (!std::isfinite(value) || value < min || value > max) {
      r.Fail("a sample value is not finite or outside [min, max]");
      return;
    }
    if (i > 0 && value < values[i - 1]) {
      r.Fail("the sample is not in ascending order");
      return;
    }
    sample->push_back({0, value});
  }
}

// Reads a sample with its priorities (format 1, or format 2 past K).
void ReadPrioritisedSample(Reader& r, std::uint16_t version, std::int64_t expected, double min, double max,
                           std::vector<SampleItem>* sample) {
  const std::uint64_t m = version == 1 ? r.U32() : r.Varint();
  if (r.ok() && m != static_cast<std::uint64_t>(expected)) {
    r.Fail(fmt::format("{} sample values where min(finite count, K) = {} were expected", m, expected));
  }
  if (r.ok() && m > r.remaining() / 16) r.Fail("the sample does not fit in the blob");
  if (!r.ok()) return;
  sample->reserve(m);
  for (std::uint64_t i = 0; i < m && r.ok(); ++i) {
    SampleItem item;
    item.priority = r.U64();
    item.value = r.F64();
    if (!std::isfinite(item.value) || item.value < min || item.value > max) {
      r.Fail("a sample value is not finite or outside [min, max]");
    } else if (!sample->empty() && ItemLess(item, sample->back())) {
      r.Fail("the sample is not in ascending priority order");
    }
    sample->push_back(item);
  }
}

}  // namespace

std::optional<DistributionSketch> DistributionSketch::Deserialize(std::string_view blob, std::string* error) {
  Reader r(blob);
  auto fail = [&]() -> std::optional<DistributionSketch> {
    *error = r.error();
    return std::nullopt;
  };
  std::uint16_t version = 0;
  if (!ReadHeader(r, kKindNumeric, &version)) return fail();
  const double alpha = r.F64();
  const double min_indexable = r.F64();
  if (r.ok() && (alpha != kSketchRelativeAccuracy || min_indexable != kSketchMinIndexable)) {
    r.Fail(fmt::format("written with relative accuracy {} and zero bound {}; this build uses {} and {}", alpha,
                       min_indexable, kSketchRelativeAccuracy, kSketchMinIndexable));
  }
  SketchOptions options;
  options.seed = r.U64();
  options.sample_size = r.U32();
  const std::uint32_t sentinels = r.U32();
  if (r.ok() && sentinels > kMaxSketchSentinels) r.Fail(fmt::format("{} sentinels (at most {})", sentinels, kMaxSketchSentinels));
  for (std::uint32_t i = 0; i < sentinels && r.ok(); ++i) options.sentinels.push_back(r.F64());
  if (r.ok()) {
    if (std::string problem = CheckOptions(options); !problem.empty()) r.Fail(problem);
  }
  if (!r.ok()) return fail();

  DistributionSketch sketch(options);
  ValueCounts& c = sketch.counts_;
  c.total = r.Count("total");
  c.finite = r.Count("finite count");
  c.nan = r.Count("NaN count");
  c.positive_infinity = r.Count("+inf count");
  c.negative_infinity = r.Count("-inf count");
  c.sentinel = r.Count("sentinel count");
  if (r.ok() && c.total != c.finite + c.nan + c.positive_infinity + c.negative_infinity + c.sentinel) {
    r.Fail("the counts do not add up to the total");
  }
  sketch.mean_ = r.F64();
  sketch.m2_ = r.F64();
  sketch.min_ = r.F64();
  sketch.max_ = r.F64();
  if (r.ok()) {
    if (c.finite == 0) {
      if (sketch.mean_ != 0.0 || sketch.m2_ != 0.0 || sketch.min_ != kInfinity || sketch.max_ != -kInfinity) {
        r.Fail("moments of an empty sketch are not zero");
      }
    } else if (!std::isfinite(sketch.mean_) || !std::isfinite(sketch.m2_) || sketch.m2_ < 0 ||
               !std::isfinite(sketch.min_) || !std::isfinite(sketch.max_) || sketch.min_ > sketch.max_ ||
               sketch.mean_ < sketch.min_ || sketch.mean_ > sketch.max_) {
      r.Fail("mean, M2, min or max are not consistent");
    }
  }
  sketch.zero_count_ = r.Count("zero count");
  // Ascending (index, count) pairs: a map took a heap node per bucket, for
  // each stream's reference a fleet audit reads.
  std::vector<std::pair<std::int32_t, std::int64_t>> positive, negative;
  const std::int64_t in_buckets = sketch.zero_count_ + ReadBuckets(r, version, "positive", &positive) +
                                  ReadBuckets(r, version, "negative", &negative);
  if (r.ok() && in_buckets != c.finite) r.Fail("the histogram does not hold the finite count");
  for (const auto& [index, count] : positive) sketch.positive_.Add(index, count);
  for (const auto& [index, count] : negative) sketch.negative_.Add(index, count);

  const std::int64_t expected = std::min(c.finite, options.sample_size);
  const std::uint8_t form = version == 1 ? kSampleWithPriorities : r.U8();
  if (r.ok() && form != kSampleWithPriorities && form != kSampleComplete) {
    r.Fail(fmt::format("unknown sample form {}", form));
  }
  if (r.ok() && form == kSampleComplete) {
    ReadCompleteSample(r, expected, c.finite <= options.sample_size, sketch.min_, sketch.max_, &sketch.sample_);
    sketch.priorities_known_ = false;
  } else if (r.ok()) {
    ReadPrioritisedSample(r, version, expected, sketch.min_, sketch.max_, &sketch.sample_);
  }
  if (r.ok() && r.remaining() != 0) r.Fail(fmt::format("{} bytes after the end", r.remaining()));
  if (!r.ok()) return fail();
  sketch.CompactSample();
  return sketch;
}

bool operator==(const DistributionSketch& a, const DistributionSketch& b) {
  auto same_counts = [](const ValueCounts& x, const ValueCounts& y) {
    return x.total == y.total && x.finite == y.finite && x.nan == y.nan &&
           x.positive_infinity == y.positive_infinity && x.negative_infinity == y.negative_infinity &&
           x.sentinel == y.sentinel;
  };
  auto same_items = [](const std::vector<DistributionSketch::SampleItem>& x,
                       const std::vector<DistributionSketch::SampleItem>& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                      [](const auto& p, const auto& q) { return p.priority == q.priority && p.value == q.value; });
  };
  const bool complete = a.counts_.finite <= a.options_.sample_size;
  return a.options_ == b.options_ && same_counts(a.counts_, b.counts_) && a.mean_ == b.mean_ && a.m2_ == b.m2_ &&
         a.min_ == b.min_ && a.max_ == b.max_ && a.zero_count_ == b.zero_count_ && a.positive_.Equals(b.positive_) &&
         a.negative_.Equals(b.negative_) &&
         (complete ? a.SortedSampleValues() == b.SortedSampleValues() : same_items(a.Sample(), b.Sample()));
}

// ---- CategoricalSketch ---------------------------------------------------------

bool CategoricalSketch::Add(std::string_view value, std::string* error) {
  if (value.empty()) {
    ++total_;
    ++missing_;
    return true;
  }
  auto it = categories_.find(value);
  if (it == categories_.end()) {
    if (categories_.size() >= kMaxSketchCategories) {
      *error = fmt::format("more than {} distinct values; a column with so many categories is an identifier or a "
                           "number, not a category",
                           kMaxSketchCategories);
      return false;
    }
    it = categories_.emplace(std::string(value), 0).first;
  }
  ++it->second;
  ++total_;
  return true;
}

bool CategoricalSketch::Merge(const CategoricalSketch& other, std::string* error) {
  size_t added = 0;
  for (const auto& [name, count] : other.categories_) added += categories_.count(name) == 0;
  if (categories_.size() + added > kMaxSketchCategories) {
    *error = fmt::format("the merged sketch would have more than {} categories", kMaxSketchCategories);
    return false;
  }
  for (const auto& [name, count] : other.categories_) categories_[name] += count;
  total_ += other.total_;
  missing_ += other.missing_;
  return true;
}

std::string CategoricalSketch::Serialize() const {
  Writer w;
  WriteHeader(w, kKindCategorical);
  w.U64(static_cast<std::uint64_t>(total_));
  w.U64(static_cast<std::uint64_t>(missing_));
  w.U32(static_cast<std::uint32_t>(categories_.size()));
  for (const auto& [name, count] : categories_) {
    w.U32(static_cast<std::uint32_t>(name.size()));
    w.Raw(name);
    w.U64(static_cast<std::uint64_t>(count));
  }
  return w.Take();
}

std::string CategoricalSketch::Digest() const { return Sha256Digest(Serialize()); }

std::optional<CategoricalSketch> CategoricalSketch::Deserialize(std::string_view blob, std::string* error) {
  Reader r(blob);
  CategoricalSketch sketch;
  std::uint16_t version = 0;  // formats 1 and 2 lay categorical sketches out alike
  if (ReadHeader(r, kKindCategorical, &version)) {
    sketch.total_ = r.Count("total");
    sketch.missing_ = r.Count("missing count");
    const std::uint32_t n = r.U32();
    if (r.ok() && n > kMaxSketchCategories) r.Fail(fmt::format("{} categories (at most {})", n, kMaxSketchCategories));
    std::int64_t sum = sketch.missing_;
    std::string previous;
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
      const std::uint32_t length = r.U32();
      std::string name(r.Raw(length));
      const std::int64_t count = r.Count("category count");
      if (!r.ok()) break;
      if (name.empty() || count == 0) {
        r.Fail("an empty category or a category with count 0");
      } else if (i > 0 && name <= previous) {
        r.Fail("categories are not in ascending order");
      } else {
        sum += count;
        if (sum > static_cast<std::int64_t>(kMaxCount)) r.Fail("category counts overflow");
        previous = name;
        sketch.categories_.emplace(std::move(name), count);
      }
    }
    if (r.ok() && sum != sketch.total_) r.Fail("the category counts do not add up to the total");
    if (r.ok() && r.remaining() != 0) r.Fail(fmt::format("{} bytes after the end", r.remaining()));
  }
  if (!r.ok()) {
    *error = r.error();
    return std::nullopt;
  }
  return sketch;
}

}  // namespace stagegate::drift
