#pragma once
// One stream's samples as the telemetry store returns them for a window: the
// shared currency of the store (which decodes blocks into it) and the metrics
// (which compute quality and statistics facts from it).

#include <cstdint>
#include <string>
#include <vector>

namespace stagegate::contracts {

// A stream is one (device, sensor).
struct StreamKey {
  std::string device_id;
  std::string sensor;
  friend bool operator==(const StreamKey&, const StreamKey&) = default;
  friend auto operator<=>(const StreamKey&, const StreamKey&) = default;
};

// Per-sample arrival flags, recorded at ingest (the store keeps samples
// sorted by device time and de-duplicated, so how they arrived is kept here).
enum SampleFlag : uint8_t {
  kArrivedOutOfOrder = 1 << 0,  // arrived after a later sample of the same stream
  kHadDuplicates = 1 << 1,      // one or more further samples with this timestamp were dropped
};

// In `Series::received_us`: the receive time of this sample is unknown (its
// input had no receive-time column) while other samples of the window have one.
inline constexpr int64_t kReceiveTimeUnknown = INT64_MIN;

// Samples of one stream with timestamps in [from, to), in time order, one per
// timestamp. All vectors have the same length, except `received_us`, which is
// empty when the input did not say when samples were received.
struct Series {
  std::vector<int64_t> timestamps_us;  // device time, microseconds since the Unix epoch (UTC)
  std::vector<double> values;          // NaN and ±inf kept as they came
  std::vector<uint8_t> flags;          // SampleFlag bits
  std::vector<int64_t> received_us;    // receive (ingest) time where known, else kReceiveTimeUnknown
  std::vector<uint32_t> duplicates;    // number of dropped duplicates per sample (0 mostly)

  size_t size() const { return timestamps_us.size(); }
  void clear() {
    timestamps_us.clear();
    values.clear();
    flags.clear();
    received_us.clear();
    duplicates.clear();
  }
};

}  // namespace stagegate::contracts
