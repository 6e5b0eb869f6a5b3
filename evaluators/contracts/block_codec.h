#pragma once
// The telemetry store's block codec: one stream's samples (at most
// kMaxBlockSamples, in time order, one per timestamp) packed into one blob.
// Timestamps are delta-of-delta coded with a prefix code (a regular series
// costs one bit per sample); values are scaled decimal integers, delta and
// zigzag coded and bit-packed per frame of 128, or Gorilla XOR coding when
// the values are not short decimals; flags, duplicate counts and receive
// times are stored as sparse lists or packed offsets. Every double round-trips
// bit for bit (NaN payloads, ±inf and -0.0 included). The layout is
// documented bit by bit in docs/formats/telemetry.md.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "evaluators/contracts/series.h"

namespace stagegate::contracts {

// Samples per block written by the store. A block may hold fewer; the codec
// accepts up to kMaxBlockSamples so that the limit can grow without a format change.
inline constexpr size_t kBlockSamples = 4096;
inline constexpr size_t kMaxBlockSamples = 1 << 20;

// The columns of one block, borrowed from the caller. `flags`, `duplicates`
// and `received_us` are either empty (all zero / unknown) or as long as
// `timestamps_us`. Timestamps must be strictly increasing.
struct BlockColumns {
  std::span<const int64_t> timestamps_us;
  std::span<const double> values;
  std::span<const uint8_t> flags;
  std::span<const uint32_t> duplicates;
  std::span<const int64_t> received_us;  // kReceiveTimeUnknown where unknown
};

// How a block's values were coded (for statistics and tests).
enum class ValueCoding : uint8_t { kDecimal = 0, kXor = 1 };

struct BlockHeader {
  uint32_t count = 0;
  bool has_flags = false;
  bool has_duplicates = false;
  bool has_received = false;
  ValueCoding value_coding = ValueCoding::kDecimal;
  int decimal_scale = 0;  // values are integers / 10^decimal_scale (kDecimal)
};

// Encodes `columns` into `out` (replacing its contents). Returns false with a
// message for a programmer error: empty or oversized input, columns of
// different lengths, timestamps not strictly increasing.
bool EncodeBlock(const BlockColumns& columns, std::string* out, std::string* error);

// Reads the header of an encoded block; false when the blob is not one.
bool ReadBlockHeader(std::string_view blob, BlockHeader* header, std::string* error);

// Decodes `blob` and appends its samples to `out`. When the block carries
// receive times and `out->received_us` is empty while `out` already holds
// samples, the earlier samples get kReceiveTimeUnknown, and the other way
// round, so that `received_us` stays empty or as long as the series.
// A damaged blob is an error (never a crash); `out` is then restored to its
// previous size.
bool DecodeBlock(std::string_view blob, Series* out, std::string* error);

// A column of doubles alone, coded as a block's value section is (scaled
// decimals or XOR, whichever is smaller), after one byte naming the coding.
// Drift baselines keep their samples this way. `values` may be empty (then
// nothing is appended); every double round-trips bit for bit.
void AppendValueColumn(std::span<const double> values, std::string* out);
// Decodes exactly `count` values from `column` (all of it, as appended); a
// damaged column is false (never a crash or a read past its end).
bool DecodeValueColumn(std::string_view column, size_t count, double* out);

}  // namespace stagegate::contracts
