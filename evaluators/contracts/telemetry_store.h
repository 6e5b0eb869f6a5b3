#pragma once
// The telemetry store: one SQLite file (WAL) holding every stream's samples as
// compressed blocks of up to kBlockSamples samples (block_codec.h), indexed by
// stream and time, plus the record of ingested inputs and quarantined rows.
// The layout is documented in docs/formats/telemetry.md.
//
// A TelemetryStore is one SQLite connection: use one object per thread (open
// the same file once per worker for parallel reads). Writers are serialised
// by SQLite; readers see the last committed ingest.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/contracts/series.h"

struct sqlite3;

namespace stagegate::contracts {

// The schema version this build writes (PRAGMA user_version).
inline constexpr int kTelemetrySchemaVersion = 1;

struct StreamInfo {
  int64_t stream_id = 0;  // stable within one store file
  StreamKey key;
  int64_t count = 0;      // samples stored
  int64_t first_us = 0;   // first and last device timestamps (count > 0)
  int64_t last_us = 0;
};

// One stream's samples of one write, in arrival order.
struct SampleBatch {
  std::vector<int64_t> timestamps_us;
  std::vector<double> values;
  std::vector<int64_t> received_us;  // empty, or kReceiveTimeUnknown where unknown
  // The largest timestamp among samples of this stream that arrived earlier
  // in the same input (written by an earlier batch), so that out-of-order
  // arrival is detected across batches; INT64_MIN when none did.
  int64_t arrived_after_us = INT64_MIN;
  // Timestamps in [input_first_us, input_last_us] already written by earlier
  // batches of the same input count as duplicates of this input; other
  // stored samples with a timestamp of this batch count as overlap (empty
  // range when input_first_us > input_last_us).
  int64_t input_first_us = INT64_MAX;
  int64_t input_last_us = INT64_MIN;

  size_t size() const { return timestamps_us.size(); }
  void clear() {
    timestamps_us.clear();
    values.clear();
    received_us.clear();
  }
};

// What one WriteSamples call did.
struct WriteStats {
  int64_t stored = 0;               // new samples stored
  int64_t duplicates = 0;           // dropped: same timestamp as a sample of the same input
  int64_t overlap = 0;              // dropped: the store already had the timestamp from another input
  int64_t overlap_conflicts = 0;    // of those, how many had a different value (the stored one is kept)
  int64_t out_of_order = 0;         // stored samples flagged kArrivedOutOfOrder
  void Add(const WriteStats& other) {
    stored += other.stored;
    duplicates += other.duplicates;
    overlap += other.overlap;
    overlap_conflicts += other.overlap_conflicts;
    out_of_order += other.out_of_order;
  }
};

// An ingested input, identified by the SHA-256 of its bytes.
struct IngestRecord {
  std::string sha256;      // lowercase hex
  std::string source;      // the path as given ("-" for standard input)
  std::string ingested_at; // RFC 3339 UTC
  int64_t rows = 0;        // data rows read
  int64_t accepted = 0;    // samples stored
  int64_t rejected = 0;    // rows quarantined
  int64_t duplicates = 0;  // samples dropped as duplicates or overlap
};

struct QuarantinedRow {
  std::string source;
  std::string sha256;
  int64_t line = 0;
  std::string raw;     // the row's text as read
  std::string reason;  // why it was rejected, with what to do
};

class TelemetryStore {
 public:
  enum class Mode { kReadOnly, kReadWrite };

  // Opens (kReadWrite: creating or migrating) the store at `path`. Returns
  // null with a one-line error naming the file and what to do.
  static std::unique_ptr<TelemetryStore> Open(const std::string& path, Mode mode, std::string* error);
  ~TelemetryStore();
  TelemetryStore(const TelemetryStore&) = delete;
  TelemetryStore& operator=(const TelemetryStore&) = delete;

  const std::string& path() const { return path_; }

  // Keeps one read transaction open until the store is closed (kReadOnly):
  // every later read sees the store as it was at the first, and none takes
  // and drops the file's locks again. For a reader making many small reads.
  bool HoldReadSnapshot(std::string* error);

  // ---- reading ------------------------------------------------------------
  // Every stream, ordered by device then sensor.
  bool ListStreams(std::vector<StreamInfo>* streams, std::string* error);
  // The streams of one device, ordered by sensor (empty when none).
  bool ListDeviceStreams(std::string_view device_id, std::vector<StreamInfo>* streams, std::string* error);
  // The stream's info, or nullopt (and an empty error) when the store does not have it.
  std::optional<StreamInfo> FindStream(const StreamKey& key, std::string* error);
  // Replaces `out` with the stream's samples with timestamps in [from_us, to_us),
  // decoding only the blocks that overlap the window. An unknown stream reads as empty.
  bool ReadSeries(const StreamKey& key, int64_t from_us, int64_t to_us, Series* out, std::string* error);
  bool ReadSeries(int64_t stream_id, int64_t from_us, int64_t to_us, Series* out, std::string* error);
  // Total stored samples, blocks and block bytes (for statistics and benchmarks).
  struct Totals {
    int64_t streams = 0, samples = 0, blocks = 0, block_bytes = 0;
  };
  bool ReadTotals(Totals* totals, std::string* error);
  // The ingest of an input with this digest, if there was one.
  std::optional<IngestRecord> FindIngest(std::string_view sha256, std::string* error);
  bool ListQuarantine(std::vector<QuarantinedRow>* rows, std::string* error);

  // ---- writing (kReadWrite) ------------------------------------------------
  // One write transaction at a time: BeginWrite, any number of WriteSamples,
  // RecordIngest and Quarantine calls, then CommitWrite or RollbackWrite.
  // Nothing is visible to readers, or kept after a crash, before CommitWrite.
  bool BeginWrite(std::string* error);
  // Merges `batch` (one stream's samples in arrival order) into the stream:
  // sorts by timestamp, flags out-of-order arrival, drops duplicate and
  // already-stored timestamps (keeping the first arrival), and re-encodes the
  // blocks the batch overlaps. `batch` is consumed (left in an unspecified state).
  bool WriteSamples(const StreamKey& key, SampleBatch* batch, WriteStats* stats, std::string* error);
  bool RecordIngest(const IngestRecord& record, std::string* error);
  bool Quarantine(const QuarantinedRow& row, std::string* error);
  bool CommitWrite(std::string* error);
  void RollbackWrite();
  bool in_write() const { return in_write_; }

 private:
  TelemetryStore() = default;
  struct Statements;
  bool Prepare(std::string* error);
  bool Migrate(std::string* error);
  std::optional<int64_t> StreamId(const StreamKey& key, bool create, std::string* error);
  std::string Fail(std::string_view what) const;

  std::string path_;
  Mode mode_ = Mode::kReadOnly;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> statements_;
  bool in_write_ = false;
};

}  // namespace stagegate::contracts
