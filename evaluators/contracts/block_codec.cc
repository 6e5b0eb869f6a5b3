#include "evaluators/contracts/block_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace stagegate::contracts {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kHasFlags = 1 << 0;
constexpr uint8_t kHasDuplicates = 1 << 1;
constexpr uint8_t kHasReceived = 1 << 2;
// Zero bytes after the last section, so that readers may load 8 bytes at any
// position inside the data without a bounds check per bit.
constexpr size_t kPadding = 16;
// Values per bit-packed frame.
constexpr size_t kFrame = 128;
// Largest decimal scale tried: 10^18 is exact in a double.
constexpr int kMaxScale = 18;
// Decimal integers must stay exact in a double.
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
// Above this share of non-decimal values a block falls back to XOR coding.
constexpr size_t kMaxExceptionShare = 8;  // one in eight

constexpr double kPow10[kMaxScale + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                          1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

// Delta-of-delta buckets of the timestamp prefix code: bucket b (b ones, then
// a zero, except for the last bucket) carries kDodBits[b] bits of the zigzag
// coded delta-of-delta.
constexpr int kDodBuckets = 6;
constexpr int kDodBits[kDodBuckets] = {0, 7, 12, 20, 32, 64};

inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }
inline uint64_t Sub(int64_t a, int64_t b) { return static_cast<uint64_t>(a) - static_cast<uint64_t>(b); }

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline uint64_t Mask(int width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

inline int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - std::countl_zero(v); }

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Appends bits least significant first.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  void Put(uint64_t bits, int width) {
    if (width == 0) return;
    bits &= Mask(width);
    acc_ |= bits << used_;
    if (used_ + width >= 64) {
      PutFixed64(out_, acc_);
      acc_ = used_ == 0 ? 0 : bits >> (64 - used_);
      used_ = used_ + width - 64;
    } else {
      used_ += width;
    }
  }
  void Finish() {
    for (int i = 0; used_ > 0; ++i, used_ -= std::min(used_, 8)) out_->push_back(static_cast<char>(acc_ >> (8 * i)));
    acc_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int used_ = 0;
};

// Reads a byte range of a padded blob.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      const uint8_t byte = *p_++;
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool Byte(uint8_t* v) {
    if (p_ >= end_) return false;
    *v = *p_++;
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    *v = Load64(p_);
    p_ += 8;
    return true;
  }
  // Takes `n` bytes as a sub-range.
  bool Take(size_t n, const uint8_t** start) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *start = p_;
    p_ += n;
    return true;
  }
  const uint8_t* position() const { return p_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// ---- bit-packed frames of unsigned integers --------------------------------

void PackFrames(std::span<const uint64_t> values, std::string* out) {
  for (size_t start = 0; start < values.size(); start += kFrame) {
    const size_t n = std::min(kFrame, values.size() - start);
    uint64_t all = 0;
    for (size_t i = 0; i < n; ++i) all |= values[start + i];
    const int width = BitWidth(all);
    out->push_back(static_cast<char>(width));
    BitWriter writer(out);
    for (size_t i = 0; i < n; ++i) writer.Put(values[start + i], width);
    writer.Finish();
  }
}

// Unpacks one frame of `n` (at most kFrame) values into `dst`. The frame's
// bytes must be followed by at least 9 readable bytes (the blob's padding or
// later sections).
bool UnpackFrame(Reader* reader, size_t n, uint64_t* dst) {
  uint8_t width = 0;
  if (!reader->Byte(&width) || width > 64) return false;
  const uint8_t* data = nullptr;
  if (!reader->Take((n * width + 7) / 8, &data)) return false;
  if (width == 0) {
    std::fill(dst, dst + n, 0);
  } else if (width <= 56) {
    const uint64_t mask = Mask(width);
    for (size_t i = 0; i < n; ++i) {
      const size_t bit = i * width;
      dst[i] = (Load64(data + (bit >> 3)) >> (bit & 7)) & mask;
    }
  } else {
    const uint64_t mask = Mask(width);
    for (size_t i = 0; i < n; ++i) {
      const size_t bit = i * width;
      const int shift = static_cast<int>(bit & 7);
      uint64_t v = Load64(data + (bit >> 3)) >> shift;
      if (shift + width > 64) v |= static_cast<uint64_t>(data[(bit >> 3) + 8]) << (64 - shift);
      dst[i] = v & mask;
    }
  }
  return true;
}

// ---- timestamps -------------------------------------------------------------

void EncodeTimestamps(std::span<const int64_t> ts, std::string* out) {
  PutVarint(out, ZigZag(ts[0]));
  if (ts.size() == 1) return;
  uint64_t delta = Sub(ts[1], ts[0]);
  PutVarint(out, delta);  // positive: timestamps strictly increase
  BitWriter writer(out);
  for (size_t i = 2; i < ts.size(); ++i) {
    const uint64_t next = Sub(ts[i], ts[i - 1]);
    const uint64_t z = ZigZag(static_cast<int64_t>(next - delta));
    delta = next;
    if (z == 0) {
      writer.Put(0, 1);
      continue;
    }
    int bucket = 1;
    while (bucket < kDodBuckets - 1 && BitWidth(z) > kDodBits[bucket]) ++bucket;
    if (bucket < kDodBuckets - 1) {
      writer.Put(Mask(bucket), bucket + 1);  // `bucket` ones, then a zero
    } else {
      writer.Put(Mask(bucket), bucket);  // the last bucket: ones only
    }
    writer.Put(z, kDodBits[bucket]);
  }
  writer.Finish();
}

bool DecodeTimestamps(const uint8_t* section, size_t size, size_t count, int64_t* out) {
  Reader reader(section, size);
  uint64_t first = 0;
  if (!reader.Varint(&first)) return false;
  out[0] = UnZigZag(first);
  if (count == 1) return true;
  uint64_t delta = 0;
  if (!reader.Varint(&delta)) return false;
  uint64_t t = static_cast<uint64_t>(out[0]) + delta;
  out[1] = static_cast<int64_t>(t);
  const uint8_t* bits = reader.position();
  const size_t limit = (size - static_cast<size_t>(bits - section)) * 8;
  size_t pos = 0;
  size_t i = 2;
  while (i < count) {
    if (pos >= limit) return false;
    const uint64_t peek = Load64(bits + (pos >> 3)) >> (pos & 7);  // 57 valid bits at least
    if ((peek & 1) == 0) {
      // A run of zeros: samples at the same interval as the one before.
      size_t run = peek == 0 ? 57 : static_cast<size_t>(std::countr_zero(peek));
      run = std::min({run, size_t{57}, count - i, limit - pos});
      for (size_t k = 0; k < run; ++k) {
        t += delta;
        out[i + k] = static_cast<int64_t>(t);
      }
      i += run;
      pos += run;
      continue;
    }
    const int ones = std::countr_one(peek);
    const int bucket = std::min(ones, kDodBuckets - 1);
    const int prefix = bucket < kDodBuckets - 1 ? bucket + 1 : bucket;
    pos += static_cast<size_t>(prefix);
    const int width = kDodBits[bucket];
    uint64_t z;
    if (width <= 56) {
      z = (Load64(bits + (pos >> 3)) >> (pos & 7)) & Mask(width);
    } else {
      const uint64_t low = (Load64(bits + (pos >> 3)) >> (pos & 7)) & Mask(32);
      const size_t hi_pos = pos + 32;
      const uint64_t high = (Load64(bits + (hi_pos >> 3)) >> (hi_pos & 7)) & Mask(32);
      z = low | (high << 32);
    }
    pos += static_cast<size_t>(width);
    if (pos > limit) return false;
    delta += static_cast<uint64_t>(UnZigZag(z));
    t += delta;
    out[i++] = static_cast<int64_t>(t);
  }
  return true;
}

// ---- values: scaled decimals ------------------------------------------------

// The smallest scale at which `v` is an exact decimal, or -1.
int DecimalScale(double v) {
  if (!std::isfinite(v)) return -1;
  if (v == 0.0) return std::signbit(v) ? -1 : 0;
  const double magnitude = std::fabs(v);
  for (int k = 0; k <= kMaxScale; ++k) {
    const double scaled = magnitude * kPow10[k];
    if (scaled >= kMaxExactInteger) return -1;
    const double n = std::nearbyint(scaled);
    if (n / kPow10[k] == magnitude) return k;
  }
  return -1;
}

inline double FromDecimal(int64_t n, int scale) {
  return scale == 0 ? static_cast<double>(n) : static_cast<double>(n) / kPow10[scale];
}

// Returns false when too many values are not decimals at one scale.
bool EncodeDecimal(std::span<const double> values, std::string* out, int* scale_out) {
  const size_t n = values.size();
  std::vector<int8_t> scales(n);
  int scale = 0;
  size_t exceptions = 0;
  for (size_t i = 0; i < n; ++i) {
    const int k = DecimalScale(values[i]);
    scales[i] = static_cast<int8_t>(k);
    if (k < 0) {
      ++exceptions;
    } else {
      scale = std::max(scale, k);
    }
  }
  if (exceptions * kMaxExceptionShare > n) return false;
  // Integers at the common scale; a value whose integer would not be exact
  // at the larger scale becomes an exception too.
  std::vector<int64_t> integers(n);
  std::vector<uint32_t> exception_positions;
  int64_t previous = 0;
  for (size_t i = 0; i < n; ++i) {
    bool exact = false;
    if (scales[i] >= 0) {
      const double scaled = values[i] * kPow10[scale];
      if (std::fabs(scaled) < kMaxExactInteger) {
        const auto integer = static_cast<int64_t>(std::nearbyint(scaled));
        const double back = FromDecimal(integer, scale);
        if (std::memcmp(&back, &values[i], sizeof back) == 0) {
          integers[i] = integer;
          exact = true;
        }
      }
    }
    if (!exact) {
      exception_positions.push_back(static_cast<uint32_t>(i));
      integers[i] = previous;  // costs a zero delta
    }
    previous = integers[i];
  }
  if (exception_positions.size() * kMaxExceptionShare > n) return false;
  out->push_back(static_cast<char>(scale));
  PutVarint(out, ZigZag(integers[0]));
  PutVarint(out, exception_positions.size());
  uint32_t last = 0;
  for (uint32_t position : exception_positions) {
    PutVarint(out, position - last);
    last = position;
    uint64_t bits;
    std::memcpy(&bits, &values[position], 8);
    PutFixed64(out, bits);
  }
  std::vector<uint64_t> deltas(n - 1);
  for (size_t i = 1; i < n; ++i) deltas[i - 1] = ZigZag(static_cast<int64_t>(Sub(integers[i], integers[i - 1])));
  PackFrames(deltas, out);
  *scale_out = scale;
  return true;
}

bool DecodeDecimal(Reader* reader, size_t n, double* out, int* scale_out) {
  uint8_t scale = 0;
  uint64_t first = 0, exceptions = 0;
  if (!reader->Byte(&scale) || scale > kMaxScale || !reader->Varint(&first) || !reader->Varint(&exceptions) ||
      exceptions > n) {
    return false;
  }
  *scale_out = scale;
  struct Exception {
    uint64_t position;
    uint64_t bits;
  };
  std::vector<Exception> list(exceptions);
  uint64_t position = 0;
  for (auto& e : list) {
    uint64_t step = 0;
    if (!reader->Varint(&step) || !reader->Fixed64(&e.bits)) return false;
    position += step;
    if (position >= n) return false;
    e.position = position;
  }
  uint64_t integer = static_cast<uint64_t>(UnZigZag(first));
  out[0] = FromDecimal(static_cast<int64_t>(integer), scale);
  uint64_t deltas[kFrame];
  const double divisor = kPow10[scale];
  for (size_t start = 1; start < n; start += kFrame) {
    const size_t m = std::min(kFrame, n - start);
    if (!UnpackFrame(reader, m, deltas)) return false;
    double* dst = out + start;
    if (scale == 0) {
      for (size_t i = 0; i < m; ++i) {
        integer += static_cast<uint64_t>(UnZigZag(deltas[i]));
        dst[i] = static_cast<double>(static_cast<int64_t>(integer));
      }
    } else {
      for (size_t i = 0; i < m; ++i) {
        integer += static_cast<uint64_t>(UnZigZag(deltas[i]));
        dst[i] = static_cast<double>(static_cast<int64_t>(integer)) / divisor;
      }
    }
  }
  for (const auto& e : list) std::memcpy(&out[e.position], &e.bits, 8);
  return true;
}

// ---- values: XOR (Gorilla) --------------------------------------------------

void EncodeXor(std::span<const double> values, std::string* out) {
  uint64_t previous;
  std::memcpy(&previous, &values[0], 8);
  PutFixed64(out, previous);
  BitWriter writer(out);
  int window_lead = -1, window_len = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    uint64_t bits;
    std::memcpy(&bits, &values[i], 8);
    const uint64_t x = bits ^ previous;
    previous = bits;
    if (x == 0) {
      writer.Put(0, 1);
      continue;
    }
    const int lead = std::min(std::countl_zero(x), 63);
    const int trail = std::countr_zero(x);
    if (window_lead >= 0 && lead >= window_lead && trail >= 64 - window_lead - window_len) {
      writer.Put(0b01, 2);  // '1' then '0': reuse the window
      writer.Put(x >> (64 - window_lead - window_len), window_len);
      continue;
    }
    window_lead = lead;
    window_len = 64 - lead - trail;  // 1..64
    writer.Put(0b11, 2);
    writer.Put(static_cast<uint64_t>(lead), 6);
    writer.Put(static_cast<uint64_t>(window_len - 1), 6);
    writer.Put(x >> trail, window_len);
  }
  writer.Finish();
}

bool DecodeXor(const uint8_t* section, size_t size, size_t n, double* out) {
  Reader reader(section, size);
  uint64_t previous = 0;
  if (!reader.Fixed64(&previous)) return false;
  std::memcpy(&out[0], &previous, 8);
  const uint8_t* bits = reader.position();
  const size_t limit = (size - 8) * 8;
  size_t pos = 0;
  int window_lead = -1, window_len = 0;
  auto read = [&](int width) -> uint64_t {
    if (width == 0) return 0;
    uint64_t v;
    if (width <= 56) {
      v = (Load64(bits + (pos >> 3)) >> (pos & 7)) & Mask(width);
    } else {
      const uint64_t low = (Load64(bits + (pos >> 3)) >> (pos & 7)) & Mask(32);
      const size_t hi = pos + 32;
      v = low | (((Load64(bits + (hi >> 3)) >> (hi & 7)) & Mask(width - 32)) << 32);
    }
    pos += static_cast<size_t>(width);
    return v;
  };
  for (size_t i = 1; i < n; ++i) {
    if (pos >= limit) return false;
    const uint64_t peek = Load64(bits + (pos >> 3)) >> (pos & 7);
    if ((peek & 1) == 0) {
      pos += 1;
    } else if ((peek & 2) == 0) {
      pos += 2;
      if (window_lead < 0) return false;
      previous ^= read(window_len) << (64 - window_lead - window_len);
    } else {
      pos += 2;
      window_lead = static_cast<int>(read(6));
      window_len = static_cast<int>(read(6)) + 1;
      if (window_lead + window_len > 64) return false;
      previous ^= read(window_len) << (64 - window_lead - window_len);
    }
    if (pos > limit) return false;
    std::memcpy(&out[i], &previous, 8);
  }
  return true;
}

// ---- receive times ------------------------------------------------------------

void EncodeReceived(std::span<const int64_t> ts, std::span<const int64_t> received, std::string* out) {
  const size_t n = ts.size();
  std::vector<uint32_t> unknown;
  std::vector<int64_t> offsets(n);
  int64_t previous = 0;
  bool have_previous = false;
  for (size_t i = 0; i < n; ++i) {
    if (received[i] == kReceiveTimeUnknown) {
      unknown.push_back(static_cast<uint32_t>(i));
      offsets[i] = previous;
    } else {
      offsets[i] = static_cast<int64_t>(Sub(received[i], ts[i]));
      if (!have_previous) {
        // Earlier unknown samples take the first known offset (a zero delta).
        for (uint32_t u : unknown) offsets[u] = offsets[i];
        have_previous = true;
      }
      previous = offsets[i];
    }
  }
  PutVarint(out, unknown.size());
  uint32_t last = 0;
  for (uint32_t u : unknown) {
    PutVarint(out, u - last);
    last = u;
  }
  PutVarint(out, ZigZag(offsets[0]));
  std::vector<uint64_t> deltas(n - 1);
  for (size_t i = 1; i < n; ++i) deltas[i - 1] = ZigZag(static_cast<int64_t>(Sub(offsets[i], offsets[i - 1])));
  PackFrames(deltas, out);
}

bool DecodeReceived(Reader* reader, const int64_t* ts, size_t n, int64_t* out) {
  uint64_t unknown_count = 0;
  if (!reader->Varint(&unknown_count) || unknown_count > n) return false;
  std::vector<uint64_t> unknown(unknown_count);
  uint64_t position = 0;
  for (auto& u : unknown) {
    uint64_t step = 0;
    if (!reader->Varint(&step)) return false;
    position += step;
    if (position >= n) return false;
    u = position;
  }
  uint64_t first = 0;
  if (!reader->Varint(&first)) return false;
  uint64_t offset = static_cast<uint64_t>(UnZigZag(first));
  out[0] = static_cast<int64_t>(static_cast<uint64_t>(ts[0]) + offset);
  uint64_t deltas[kFrame];
  for (size_t start = 1; start < n; start += kFrame) {
    const size_t m = std::min(kFrame, n - start);
    if (!UnpackFrame(reader, m, deltas)) return false;
    for (size_t i = 0; i < m; ++i) {
      offset += static_cast<uint64_t>(UnZigZag(deltas[i]));
      out[start + i] = static_cast<int64_t>(static_cast<uint64_t>(ts[start + i]) + offset);
    }
  }
  for (uint64_t u : unknown) out[u] = kReceiveTimeUnknown;
  return true;
}

// ---- sparse columns -------------------------------------------------------------

template <typename T>
void EncodeSparse(std::span<const T> column, std::string* out) {
  size_t nonzero = 0;
  for (T v : column) nonzero += v != 0;
  PutVarint(out, nonzero);
  size_t last = 0;
  for (size_t i = 0; i < column.size(); ++i) {
    if (column[i] == 0) continue;
    PutVarint(out, i - last);
    last = i;
    PutVarint(out, column[i]);
  }
}

template <typename T>
bool DecodeSparse(Reader* reader, size_t n, T* out) {
  std::fill(out, out + n, T{0});
  uint64_t nonzero = 0;
  if (!reader->Varint(&nonzero) || nonzero > n) return false;
  uint64_t position = 0;
  for (uint64_t k = 0; k < nonzero; ++k) {
    uint64_t step = 0, value = 0;
    if (!reader->Varint(&step) || !reader->Varint(&value) || value > std::numeric_limits<T>::max()) return false;
    position += step;
    if (position >= n) return false;
    out[position] = static_cast<T>(value);
  }
  return true;
}

template <typename T>
bool AnyNonZero(std::span<const T> column) {
  for (T v : column) {
    if (v != 0) return true;
  }
  return false;
}

bool AnyKnown(std::span<const int64_t> column) {
  for (int64_t v : column) {
    if (v != kReceiveTimeUnknown) return true;
  }
  return false;
}

// Codes `values` (at least one) into `out`, as scaled decimals unless XOR
// coding is smaller; returns the coding used.
ValueCoding EncodeValues(std::span<const double> values, std::string* out) {
  int scale = 0;
  if (!EncodeDecimal(values, out, &scale)) {
    out->clear();
    EncodeXor(values, out);
    return ValueCoding::kXor;
  }
  if (out->size() > 6 * values.size()) {
    // Long decimals (many digits, wide deltas): XOR coding may be smaller.
    std::string alternative;
    EncodeXor(values, &alternative);
    if (alternative.size() < out->size()) {
      out->swap(alternative);
      return ValueCoding::kXor;
    }
  }
  return ValueCoding::kDecimal;
}

// Decodes `n` values from a value section followed by readable padding.
bool DecodeValues(ValueCoding coding, const uint8_t* section, size_t size, size_t n, double* out) {
  if (coding == ValueCoding::kDecimal) {
    Reader values(section, size);
    int scale = 0;
    return DecodeDecimal(&values, n, out, &scale);
  }
  return DecodeXor(section, size, n, out);
}

bool ParseHeader(Reader* reader, BlockHeader* header) {
  uint8_t version = 0, sections = 0, coding = 0;
  uint64_t count = 0;
  if (!reader->Byte(&version) || version != kFormatVersion || !reader->Varint(&count) || count == 0 ||
      count > kMaxBlockSamples || !reader->Byte(&sections) || (sections & ~7) != 0 || !reader->Byte(&coding) ||
      coding > 1) {
    return false;
  }
  header->count = static_cast<uint32_t>(count);
  header->has_flags = sections & kHasFlags;
  header->has_duplicates = sections & kHasDuplicates;
  header->has_received = sections & kHasReceived;
  header->value_coding = static_cast<ValueCoding>(coding);
  return true;
}

}  // namespace

bool EncodeBlock(const BlockColumns& c, std::string* out, std::string* error) {
  const size_t n = c.timestamps_us.size();
  if (n == 0 || n > kMaxBlockSamples) {
    *error = fmt::format("a block holds 1 to {} samples, not {}", kMaxBlockSamples, n);
    return false;
  }
  if (c.values.size() != n || (!c.flags.empty() && c.flags.size() != n) ||
      (!c.duplicates.empty() && c.duplicates.size() != n) || (!c.received_us.empty() && c.received_us.size() != n)) {
    *error = "the columns of a block differ in length";
    return false;
  }
  for (size_t i = 1; i < n; ++i) {
    if (c.timestamps_us[i] <= c.timestamps_us[i - 1]) {
      *error = fmt::format("block timestamps must strictly increase (sample {})", i);
      return false;
    }
  }
  const bool flags = AnyNonZero(c.flags);
  const bool duplicates = AnyNonZero(c.duplicates);
  const bool received = !c.received_us.empty() && AnyKnown(c.received_us);

  std::string timestamps;
  EncodeTimestamps(c.timestamps_us, &timestamps);
  std::string values;
  const ValueCoding coding = EncodeValues(c.values, &values);

  out->clear();
  out->push_back(static_cast<char>(kFormatVersion));
  PutVarint(out, n);
  out->push_back(
      static_cast<char>((flags ? kHasFlags : 0) | (duplicates ? kHasDuplicates : 0) | (received ? kHasReceived : 0)));
  out->push_back(static_cast<char>(coding));
  PutVarint(out, timestamps.size());
  out->append(timestamps);
  PutVarint(out, values.size());
  out->append(values);
  if (flags) EncodeSparse(c.flags, out);
  if (duplicates) EncodeSparse(c.duplicates, out);
  if (received) EncodeReceived(c.timestamps_us, c.received_us, out);
  out->append(kPadding, '\0');
  return true;
}

bool ReadBlockHeader(std::string_view blob, BlockHeader* header, std::string* error) {
  Reader reader(reinterpret_cast<const uint8_t*>(blob.data()), blob.size());
  if (blob.size() < kPadding || !ParseHeader(&reader, header)) {
    *error = "not a telemetry block (damaged store?)";
    return false;
  }
  if (header->value_coding == ValueCoding::kDecimal) {
    uint64_t skip = 0;
    const uint8_t* start = nullptr;
    uint8_t scale = 0;
    if (!reader.Varint(&skip) || !reader.Take(skip, &start) || !reader.Varint(&skip) || !reader.Byte(&scale)) {
      *error = "damaged telemetry block header";
      return false;
    }
    header->decimal_scale = scale;
  }
  return true;
}

bool DecodeBlock(std::string_view blob, Series* out, std::string* error) {
  const auto* data = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < kPadding) {
    *error = "damaged telemetry block: too short";
    return false;
  }
  // The padding is readable but not part of any section.
  Reader reader(data, blob.size() - kPadding);
  BlockHeader header;
  if (!ParseHeader(&reader, &header)) {
    *error = "damaged telemetry block: bad header";
    return false;
  }
  const size_t n = header.count;
  const size_t base = out->size();
  const bool had_received = !out->received_us.empty();
  auto fail = [&](std::string_view what) {
    out->timestamps_us.resize(base);
    out->values.resize(base);
    out->flags.resize(base);
    out->duplicates.resize(base);
    out->received_us.resize(had_received ? base : 0);
    *error = fmt::format("damaged telemetry block: {}", what);
    return false;
  };
  out->timestamps_us.resize(base + n);
  out->values.resize(base + n);
  out->flags.resize(base + n);
  out->duplicates.resize(base + n);

  uint64_t size = 0;
  const uint8_t* section = nullptr;
  if (!reader.Varint(&size) || !reader.Take(size, &section) ||
      !DecodeTimestamps(section, size, n, out->timestamps_us.data() + base)) {
    return fail("timestamps");
  }
  if (!reader.Varint(&size) || !reader.Take(size, &section)) return fail("values");
  if (!DecodeValues(header.value_coding, section, size, n, out->values.data() + base)) {
    return fail(header.value_coding == ValueCoding::kDecimal ? "decimal values" : "XOR values");
  }
  if (header.has_flags) {
    if (!DecodeSparse(&reader, n, out->flags.data() + base)) return fail("flags");
  } else {
    std::fill(out->flags.begin() + static_cast<ptrdiff_t>(base), out->flags.end(), 0);
  }
  if (header.has_duplicates) {
    if (!DecodeSparse(&reader, n, out->duplicates.data() + base)) return fail("duplicates");
  } else {
    std::fill(out->duplicates.begin() + static_cast<ptrdiff_t>(base), out->duplicates.end(), 0);
  }
  if (header.has_received) {
    if (!had_received) out->received_us.assign(base, kReceiveTimeUnknown);
    out->received_us.resize(base + n);
    if (!DecodeReceived(&reader, out->timestamps_us.data() + base, n, out->received_us.data() + base)) {
      return fail("receive times");
    }
  } else if (had_received) {
    out->received_us.resize(base + n, kReceiveTimeUnknown);
  }
  // Timestamps must increase within the block (a damaged blob must not break
  // the store's ordering invariant for readers).
  for (size_t i = base + 1; i < base + n; ++i) {
    if (out->timestamps_us[i] <= out->timestamps_us[i - 1]) return fail("timestamps out of order");
  }
  return true;
}

void AppendValueColumn(std::span<const double> values, std::string* out) {
  if (values.empty()) return;
  std::string section;
  const ValueCoding coding = EncodeValues(values, &section);
  out->push_back(static_cast<char>(coding));
  out->append(section);
}

bool DecodeValueColumn(std::string_view column, size_t count, double* out) {
  if (count == 0) return column.empty();
  if (column.empty() || count > kMaxBlockSamples * 16) return false;
  const auto coding = static_cast<uint8_t>(column[0]);
  if (coding > 1) return false;
  // The decoders load 8 bytes at a time: give them the padding a block has.
  std::string padded(column.substr(1));
  const size_t size = padded.size();
  padded.append(kPadding, '\0');
  const auto* section = reinterpret_cast<const uint8_t*>(padded.data());
  return DecodeValues(static_cast<ValueCoding>(coding), section, size, count, out);
}

}  // namespace stagegate::contracts
