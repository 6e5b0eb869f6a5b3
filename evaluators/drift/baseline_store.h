// Baselines: named sets of sketches (sketch.h) kept in the telemetry store's
// SQLite file, in the drift module's own tables (drift_meta,
// drift_baselines, drift_baseline_entries; docs/formats/baseline.md). The
// telemetry store's own schema and PRAGMA user_version are left alone.
//
// Entry keys:
//   "stream/<device>/<sensor>"          one stream of the telemetry store
//   "cohort/<field>=<value>/<sensor>"   the merged streams of a cohort
//   "column/<name>"                     one column of a CSV training set
//
// A baseline's digest is "sha256:<hex>" of its canonical parameters and every
// entry's key, kind and digest, sorted by key: it does not depend on its name
// or creation time, so the same data and parameters give the same digest.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/drift/sketch.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stagegate::drift {

// The schema version of the drift tables this build writes (drift_meta).
inline constexpr int kBaselineSchemaVersion = 1;

struct BaselineParams {
  std::string cohort_field;       // inventory field cohorts were formed by; empty when none
  std::int64_t sample_size = kDefaultSketchSampleSize;
  std::uint64_t seed = 0;
  std::vector<double> sentinels;
  std::string select;             // the --select filter as given; empty when none
  std::vector<std::string> columns;  // CSV baselines: the columns asked for (empty: all)

  SketchOptions sketch_options() const { return {sample_size, seed, sentinels}; }
};

struct BaselineInfo {
  std::string name;
  std::string digest;       // "sha256:<hex>"
  std::string created_at;   // RFC 3339 UTC
  std::string source;       // "telemetry" or "csv:<path as given>"
  std::int64_t window_from_us = 0;  // [from, to) of the telemetry read; 0, 0 for CSV
  std::int64_t window_to_us = 0;
  BaselineParams params;
  std::int64_t entries = 0;
};

enum class EntryKind { kNumeric, kCategorical };
std::string_view EntryKindName(EntryKind kind);  // "numeric", "categorical"

struct BaselineEntry {
  std::string key;
  EntryKind kind = EntryKind::kNumeric;
  std::int64_t count = 0;   // values summarised (numeric: all, finite or not; categorical: cells)
  // They sit after the blob in the row, so reading them reads the blob.
  std::string digest;       // "sha256:<hex>" of the blob
  std::int64_t bytes = 0;   // blob size
};

// Returns "stream/<device>/<sensor>", "cohort/<field>=<value>/<sensor>", "column/<name>".
std::string StreamEntryKey(std::string_view device, std::string_view sensor);
std::string CohortEntryKey(std::string_view field, std::string_view value, std::string_view sensor);
std::string ColumnEntryKey(std::string_view column);

// Writes one baseline as one transaction: nothing of it is visible, or kept
// after a failure or crash, before Commit. One writer per store at a time
// (SQLite serialises writers); not thread-safe.
class BaselineWriter {
 public:
  // Opens `store_path` (creating an empty telemetry store when the file does
  // not exist), creates the drift tables if missing, starts the transaction
  // and checks the name: an existing baseline of that name is an error
  // unless `replace`, which deletes it in the same transaction.
  static std::unique_ptr<BaselineWriter> Begin(const std::string& store_path, const BaselineInfo& info, bool replace,
                                               std::string* error);
  ~BaselineWriter();  // rolls back unless committed
  BaselineWriter(const BaselineWriter&) = delete;
  BaselineWriter& operator=(const BaselineWriter&) = delete;

  // Writes one entry; a key written twice is an error.
  bool Add(std::string_view key, const DistributionSketch& sketch, std::string* error);
  bool Add(std::string_view key, const CategoricalSketch& sketch, std::string* error);
  // Writes an entry already serialised (sketch.Serialize()) with its digest
  // ("sha256:<hex>" of `blob`, e.g. sketch.Digest()), so that callers can
  // encode and hash on other threads. The caller vouches for the digest.
  bool AddEncoded(std::string_view key, EntryKind kind, std::int64_t count, const std::string& blob,
                  const std::string& digest, std::string* error);
  // Records the digest and commits. `info` receives the stored info.
  bool Commit(BaselineInfo* info, std::string* error);

 private:
  BaselineWriter() = default;
  std::string path_;
  sqlite3* db_ = nullptr;
  std::int64_t baseline_id_ = 0;
  BaselineInfo info_;
  std::vector<std::pair<std::string, std::string>> entry_digests_;  // (key, "kind digest")
  bool committed_ = false;
};

// Lists the store's baselines by name (empty, not an error, when it has none).
bool ListBaselines(const std::string& store_path, std::vector<BaselineInfo>* baselines, std::string* error);

// Reads one baseline. Thread-safe: one SQLite connection behind a mutex;
// blobs are parsed outside the lock.
class BaselineReader {
 public:
  // Null with `error` naming the store (and listing the baselines it has
  // when `name` is unknown).
  static std::unique_ptr<BaselineReader> Open(const std::string& store_path, const std::string& name,
                                              std::string* error);
  ~BaselineReader();
  BaselineReader(const BaselineReader&) = delete;
  BaselineReader& operator=(const BaselineReader&) = delete;

  const BaselineInfo& info() const { return info_; }
  // nullopt when the baseline has no such numeric key (error left empty);
  // nullopt with `error` set when the blob is corrupt or unreadable.
  // `digest` (optional) receives the entry's digest, checked against its blob.
  std::optional<DistributionSketch> Find(std::string_view key, std::string* error,
                                         std::string* digest = nullptr) const;
  std::optional<CategoricalSketch> FindCategorical(std::string_view key, std::string* error) const;
  // The keys starting with `prefix`, sorted.
  std::vector<std::string> Keys(std::string_view prefix) const;
  // Every entry (without blobs), sorted by key, once ReadEntryDetails has
  // read them; empty before.
  const std::vector<BaselineEntry>& entries() const { return entries_; }
  // Reads every entry with its digest and size, which reads every blob.
  // Open reads no entry: Find and Keys look entries up as they are asked
  // for, since a fleet's baseline has a million rows larger than a page.
  bool ReadEntryDetails(std::string* error);

 private:
  BaselineReader() = default;
  std::optional<std::string> ReadBlob(std::string_view key, EntryKind kind, std::string* error,
                                      std::string* digest = nullptr) const;
  std::string path_;
  sqlite3* db_ = nullptr;
  BaselineInfo info_;
  std::int64_t baseline_id_ = 0;
  std::vector<BaselineEntry> entries_;  // sorted by key
  mutable std::mutex mutex_;            // guards db_ and read_blob_
  // The blob query, prepared on first use: a fleet's drift run reads one
  // entry per stream, and preparing it each time cost as much as the read.
  mutable sqlite3_stmt* read_blob_ = nullptr;
};

}  // namespace stagegate::drift
