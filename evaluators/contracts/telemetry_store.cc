#include "evaluators/contracts/telemetry_store.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>
#include <sqlite3.h>

#include "evaluators/contracts/block_codec.h"

namespace stagegate::contracts {
namespace {

// 'SGTS': marks the file as a Stagegate telemetry store.
constexpr int kApplicationId = 0x53475453;

// Each entry migrates the schema from version i to i + 1.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE streams (
  stream_id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  sensor    TEXT NOT NULL,
  samples   INTEGER NOT NULL DEFAULT 0,
  first_us  INTEGER,
  last_us   INTEGER,
  UNIQUE (device_id, sensor)
);
CREATE TABLE blocks (
  block_id  INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES streams (stream_id),
  first_us  INTEGER NOT NULL,
  last_us   INTEGER NOT NULL,
  samples   INTEGER NOT NULL,
  data      BLOB NOT NULL
);
CREATE UNIQUE INDEX blocks_by_end ON blocks (stream_id, last_us, first_us);
CREATE TABLE ingests (
  sha256      TEXT PRIMARY KEY,
  source      TEXT NOT NULL,
  ingested_at TEXT NOT NULL,
  rows        INTEGER NOT NULL,
  accepted    INTEGER NOT NULL,
  rejected    INTEGER NOT NULL,
  duplicates  INTEGER NOT NULL
);
CREATE TABLE quarantine (
  row_id      INTEGER PRIMARY KEY,
  source      TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  line        INTEGER NOT NULL,
  raw         TEXT NOT NULL,
  reason      TEXT NOT NULL
);
)sql",
};
static_assert(std::size(kMigrations) == kTelemetrySchemaVersion);

class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool Prepare(sqlite3* db, std::string_view sql) {
    return sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement_,
                              nullptr) == SQLITE_OK;
  }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindBlob(int index, std::string_view blob) {
    sqlite3_bind_blob(statement_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    return *this;
  }
  int Step() { return sqlite3_step(statement_); }
  void Reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  int64_t Integer(int column) const { return sqlite3_column_int64(statement_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::string Text(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string();
  }
  std::string_view Blob(int column) const {
    const void* data = sqlite3_column_blob(statement_, column);
    return data ? std::string_view(static_cast<const char*>(data),
                                   static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string_view();
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

// Resets a statement when the scope ends, whatever happened.
struct ResetOnExit {
  Statement& statement;
  ~ResetOnExit() { statement.Reset(); }
};

bool Execute(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A series sorted and de-duplicated from one batch.
struct Prepared {
  Series series;
  WriteStats stats;
};

void PrepareBatch(SampleBatch* batch, Prepared* prepared) {
  const size_t n = batch->size();
  const bool has_received = !batch->received_us.empty();
  const auto& ts = batch->timestamps_us;
  // Out-of-order arrival: behind the largest timestamp that arrived before.
  std::vector<uint8_t> late(n);
  int64_t high = batch->arrived_after_us;
  bool sorted = true;
  for (size_t i = 0; i < n; ++i) {
    late[i] = ts[i] < high;
    if (i > 0 && ts[i] < ts[i - 1]) sorted = false;
    high = std::max(high, ts[i]);
  }
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (!sorted) {
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ts[a] < ts[b]; });
  }
  Series& s = prepared->series;
  s.clear();
  s.timestamps_us.reserve(n);
  s.values.reserve(n);
  s.flags.reserve(n);
  s.duplicates.reserve(n);
  if (has_received) s.received_us.reserve(n);
  for (size_t k = 0; k < n;) {
    const uint32_t first = order[k];
    size_t end = k + 1;
    while (end < n && ts[order[end]] == ts[first]) ++end;
    const auto dropped = static_cast<uint32_t>(end - k - 1);
    s.timestamps_us.push_back(ts[first]);
    s.values.push_back(batch->values[first]);
    s.flags.push_back(static_cast<uint8_t>((late[first] ? kArrivedOutOfOrder : 0) | (dropped ? kHadDuplicates : 0)));
    s.duplicates.push_back(dropped);
    if (has_received) s.received_us.push_back(batch->received_us[first]);
    prepared->stats.duplicates += dropped;
    prepared->stats.out_of_order += late[first];
    k = end;
  }
}

// Appends sample `i` of `from` to `to`; `with_received` says whether `to` keeps receive times.
void AppendSample(const Series& from, size_t i, bool with_received, Series* to) {
  to->timestamps_us.push_back(from.timestamps_us[i]);
  to->values.push_back(from.values[i]);
  to->flags.push_back(from.flags[i]);
  to->duplicates.push_back(from.duplicates[i]);
  if (with_received) to->received_us.push_back(from.received_us.empty() ? kReceiveTimeUnknown : from.received_us[i]);
}

}  // namespace

struct TelemetryStore::Statements {
  Statement find_stream, insert_stream, update_stream, stream_by_id;
  Statement list_streams, device_streams;
  Statement blocks_from, block_before, delete_block, insert_block;
  Statement find_ingest, insert_ingest, insert_quarantine, list_quarantine;
};

TelemetryStore::~TelemetryStore() {
  if (in_write_) RollbackWrite();
  statements_.reset();
  sqlite3_close_v2(db_);
}

std::string TelemetryStore::Fail(std::string_view what) const {
  return fmt::format("{}: {}: {}", path_, what, db_ ? sqlite3_errmsg(db_) : "cannot open");
}

std::unique_ptr<TelemetryStore> TelemetryStore::Open(const std::string& path, Mode mode, std::string* error) {
  std::unique_ptr<TelemetryStore> store(new TelemetryStore());
  store->path_ = path;
  store->mode_ = mode;
  std::error_code ec;
  if (mode == Mode::kReadOnly && !std::filesystem::exists(path, ec)) {
    *error = fmt::format("{}: no telemetry store there; create one with 'stagegate ingest --store {} FILE...'", path,
                         path);
    return nullptr;
  }
  const int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &store->db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    *error = fmt::format("{}: cannot open the telemetry store: {}; check the path and its permissions", path,
                         store->db_ ? sqlite3_errmsg(store->db_) : "out of memory");
    return nullptr;
  }
  sqlite3_busy_timeout(store->db_, 10000);
  if (!store->Migrate(error) || !store->Prepare(error)) return nullptr;
  return store;
}

bool TelemetryStore::Migrate(std::string* error) {
  int64_t version = 0, application = 0, tables = 0;
  auto read = [this](const char* sql, int64_t* value) {
    Statement q;
    if (!q.Prepare(db_, sql)) return false;
    const int step = q.Step();
    if (step == SQLITE_ROW) *value = q.Integer(0);
    return step == SQLITE_ROW || step == SQLITE_DONE;
  };
  if (!read("PRAGMA user_version", &version) || !read("PRAGMA application_id", &application) ||
      !read("SELECT count(*) FROM sqlite_master", &tables)) {
    *error = fmt::format("{}: not a telemetry store (not an SQLite database, or damaged): {}", path_,
                         sqlite3_errmsg(db_));
    return false;
  }
  if (tables > 0 && application != kApplicationId) {
    *error = fmt::format("{}: an SQLite database, but not a Stagegate telemetry store; pass another --store file",
                         path_);
    return false;
  }
  if (version > kTelemetrySchemaVersion) {
    *error = fmt::format("{}: written by a newer Stagegate (schema {}, this build reads up to {}); upgrade stagegate",
                         path_, version, kTelemetrySchemaVersion);
    return false;
  }
  if (mode_ == Mode::kReadOnly) {
    if (version < kTelemetrySchemaVersion) {
      *error = fmt::format("{}: {}; run 'stagegate ingest --store {}' once to create or upgrade it", path_,
                           version == 0 ? "an empty telemetry store" : "an older telemetry store schema", path_);
      return false;
    }
    return true;
  }
  if (!Execute(db_, "PRAGMA journal_mode=WAL") || !Execute(db_, "PRAGMA synchronous=FULL")) {
    *error = Fail("cannot switch to write-ahead logging");
    return false;
  }
  if (version == kTelemetrySchemaVersion) return true;
  if (!Execute(db_, "BEGIN IMMEDIATE")) {
    *error = Fail("cannot lock the store to set up its schema");
    return false;
  }
  // Another process may have migrated between the read above and the lock.
  if (!read("PRAGMA user_version", &version)) {
    Execute(db_, "ROLLBACK");
    *error = Fail("cannot read the schema version");
    return false;
  }
  for (int64_t v = version; v < kTelemetrySchemaVersion; ++v) {
    const std::string sql(kMigrations[v]);
    if (!Execute(db_, sql.c_str())) {
      *error = Fail(fmt::format("cannot migrate the schema to version {}", v + 1));
      Execute(db_, "ROLLBACK");
      return false;
    }
  }
  const std::string set =
      fmt::format("PRAGMA user_version={}; PRAGMA application_id={}", kTelemetrySchemaVersion, kApplicationId);
  if (!Execute(db_, set.c_str()) || !Execute(db_, "COMMIT")) {
    *error = Fail("cannot record the schema version");
    Execute(db_, "ROLLBACK");
    return false;
  }
  return true;
}

bool TelemetryStore::Prepare(std::string* error) {
  statements_ = std::make_unique<Statements>();
  Statements& s = *statements_;
  constexpr std::string_view kStreamColumns = "stream_id, device_id, sensor, samples, first_us, last_us";
  const bool ok =
      s.find_stream.Prepare(db_, fmt::format("SELECT {} FROM streams WHERE device_id = ?1 AND sensor = ?2",
                                             kStreamColumns)) &&
      s.stream_by_id.Prepare(db_, fmt::format("SELECT {} FROM streams WHERE stream_id = ?1", kStreamColumns)) &&
      s.list_streams.Prepare(db_, fmt::format("SELECT {} FROM streams ORDER BY device_id, sensor", kStreamColumns)) &&
      s.device_streams.Prepare(
          db_, fmt::format("SELECT {} FROM streams WHERE device_id = ?1 ORDER BY sensor", kStreamColumns)) &&
      s.blocks_from.Prepare(db_,
                            "SELECT block_id, first_us, last_us, data FROM blocks "
                            "WHERE stream_id = ?1 AND last_us >= ?2 ORDER BY last_us") &&
      s.block_before.Prepare(db_,
                             "SELECT block_id, first_us, last_us, data, samples FROM blocks "
                             "WHERE stream_id = ?1 AND last_us < ?2 ORDER BY last_us DESC LIMIT 1") &&
      s.find_ingest.Prepare(db_,
                            "SELECT sha256, source, ingested_at, rows, accepted, rejected, duplicates "
                            "FROM ingests WHERE sha256 = ?1") &&
      s.list_quarantine.Prepare(db_, "SELECT source, sha256, line, raw, reason FROM quarantine ORDER BY row_id") &&
      (mode_ == Mode::kReadOnly ||
       (s.insert_stream.Prepare(db_, "INSERT INTO streams (device_id, sensor) VALUES (?1, ?2)") &&
        s.update_stream.Prepare(db_,
                                "UPDATE streams SET samples = samples + ?2, "
                                "first_us = min(coalesce(first_us, ?3), ?3), last_us = max(coalesce(last_us, ?4), ?4) "
                                "WHERE stream_id = ?1") &&
        s.delete_block.Prepare(db_, "DELETE FROM blocks WHERE block_id = ?1") &&
        s.insert_block.Prepare(db_,
                               "INSERT INTO blocks (stream_id, first_us, last_us, samples, data) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)") &&
        s.insert_ingest.Prepare(db_,
                                "INSERT INTO ingests (sha256, source, ingested_at, rows, accepted, rejected, "
                                "duplicates) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)") &&
        s.insert_quarantine.Prepare(db_,
                                    "INSERT INTO quarantine (source, sha256, line, raw, reason) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5)")));
  if (!ok) {
    *error = Fail("cannot prepare the store's queries (damaged store?)");
    return false;
  }
  return true;
}

namespace {

StreamInfo ReadStreamRow(const Statement& row) {
  StreamInfo info;
  info.stream_id = row.Integer(0);
  info.key.device_id = row.Text(1);
  info.key.sensor = row.Text(2);
  info.count = row.Integer(3);
  info.first_us = row.Integer(4);
  info.last_us = row.Integer(5);
  return info;
}

}  // namespace

bool TelemetryStore::ListStreams(std::vector<StreamInfo>* streams, std::string* error) {
  streams->clear();
  Statement& q = statements_->list_streams;
  ResetOnExit reset{q};
  int step;
  while ((step = q.Step()) == SQLITE_ROW) streams->push_back(ReadStreamRow(q));
  if (step != SQLITE_DONE) {
    *error = Fail("cannot list streams");
    return false;
  }
  return true;
}

bool TelemetryStore::ListDeviceStreams(std::string_view device_id, std::vector<StreamInfo>* streams,
                                       std::string* error) {
  streams->clear();
  Statement& q = statements_->device_streams;
  ResetOnExit reset{q};
  q.Bind(1, device_id);
  int step;
  while ((step = q.Step()) == SQLITE_ROW) streams->push_back(ReadStreamRow(q));
  if (step != SQLITE_DONE) {
    *error = Fail("cannot list the device's streams");
    return false;
  }
  return true;
}

std::optional<StreamInfo> TelemetryStore::FindStream(const StreamKey& key, std::string* error) {
  error->clear();
  Statement& q = statements_->find_stream;
  ResetOnExit reset{q};
  q.Bind(1, key.device_id).Bind(2, key.sensor);
  const int step = q.Step();
  if (step == SQLITE_ROW) return ReadStreamRow(q);
  if (step != SQLITE_DONE) *error = Fail("cannot look up a stream");
  return std::nullopt;
}

std::optional<int64_t> TelemetryStore::StreamId(const StreamKey& key, bool create, std::string* error) {
  std::optional<StreamInfo> found = FindStream(key, error);
  if (found) return found->stream_id;
  if (!error->empty() || !create) return std::nullopt;
  Statement& insert = statements_->insert_stream;
  ResetOnExit reset{insert};
  insert.Bind(1, key.device_id).Bind(2, key.sensor);
  if (insert.Step() != SQLITE_DONE) {
    *error = Fail("cannot add a stream");
    return std::nullopt;
  }
  return sqlite3_last_insert_rowid(db_);
}

bool TelemetryStore::ReadSeries(const StreamKey& key, int64_t from_us, int64_t to_us, Series* out,
                                std::string* error) {
  out->clear();
  std::optional<StreamInfo> found = FindStream(key, error);
  if (!found) return error->empty();
  return ReadSeries(found->stream_id, from_us, to_us, out, error);
}

bool TelemetryStore::ReadSeries(int64_t stream_id, int64_t from_us, int64_t to_us, Series* out, std::string* error) {
  out->clear();
  if (from_us >= to_us) return true;
  Statement& q = statements_->blocks_from;
  ResetOnExit reset{q};
  q.Bind(1, stream_id).Bind(2, from_us);
  int step;
  Series partial;
  // Blocks of a stream never overlap, so in order of their last timestamp
  // they are in time order: stop at the first block starting at or after to_us.
  while ((step = q.Step()) == SQLITE_ROW) {
    const int64_t first = q.Integer(1), last = q.Integer(2);
    if (first >= to_us) break;
    const std::string_view blob = q.Blob(3);
    if (first >= from_us && last < to_us) {
      if (!DecodeBlock(blob, out, error)) {
        *error = fmt::format("{}: {} (stream {}); the store is damaged, re-ingest its inputs", path_, *error,
                             stream_id);
        return false;
      }
      continue;
    }
    partial.clear();
    if (!DecodeBlock(blob, &partial, error)) {
      *error = fmt::format("{}: {} (stream {}); the store is damaged, re-ingest its inputs", path_, *error,
                           stream_id);
      return false;
    }
    const auto& ts = partial.timestamps_us;
    const size_t begin = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), from_us) - ts.begin());
    const size_t end = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), to_us) - ts.begin());
    const bool received = !out->received_us.empty() || !partial.received_us.empty();
    if (received && out->received_us.empty()) out->received_us.assign(out->size(), kReceiveTimeUnknown);
    for (size_t i = begin; i < end; ++i) AppendSample(partial, i, received, out);
  }
  if (step != SQLITE_ROW && step != SQLITE_DONE) {
    *error = Fail("cannot read blocks");
    return false;
  }
  return true;
}

bool TelemetryStore::HoldReadSnapshot(std::string* error) {
  if (mode_ != Mode::kReadOnly) {
    // A writer holding a transaction open would block every other writer.
    *error = fmt::format("{}: a read snapshot needs the store opened read-only", path_);
    return false;
  }
  if (!Execute(db_, "BEGIN")) {
    *error = Fail("cannot begin a read transaction");
    return false;
  }
  return true;
}

bool TelemetryStore::ReadTotals(Totals* totals, std::string* error) {
  Statement q;
  if (!q.Prepare(db_,
                 "SELECT (SELECT count(*) FROM streams), (SELECT coalesce(sum(samples), 0) FROM blocks), "
                 "(SELECT count(*) FROM blocks), (SELECT coalesce(sum(length(data)), 0) FROM blocks)") ||
      q.Step() != SQLITE_ROW) {
    *error = Fail("cannot read the store's totals");
    return false;
  }
  totals->streams = q.Integer(0);
  totals->samples = q.Integer(1);
  totals->blocks = q.Integer(2);
  totals->block_bytes = q.Integer(3);
  return true;
}

std::optional<IngestRecord> TelemetryStore::FindIngest(std::string_view sha256, std::string* error) {
  error->clear();
  Statement& q = statements_->find_ingest;
  ResetOnExit reset{q};
  q.Bind(1, sha256);
  const int step = q.Step();
  if (step == SQLITE_ROW) {
    IngestRecord record;
    record.sha256 = q.Text(0);
    record.source = q.Text(1);
    record.ingested_at = q.Text(2);
    record.rows = q.Integer(3);
    record.accepted = q.Integer(4);
    record.rejected = q.Integer(5);
    record.duplicates = q.Integer(6);
    return record;
  }
  if (step != SQLITE_DONE) *error = Fail("cannot look up ingested inputs");
  return std::nullopt;
}

bool TelemetryStore::ListQuarantine(std::vector<QuarantinedRow>* rows, std::string* error) {
  rows->clear();
  Statement& q = statements_->list_quarantine;
  ResetOnExit reset{q};
  int step;
  while ((step = q.Step()) == SQLITE_ROW) {
    rows->push_back({q.Text(0), q.Text(1), q.Integer(2), q.Text(3), q.Text(4)});
  }
  if (step != SQLITE_DONE) {
    *error = Fail("cannot list quarantined rows");
    return false;
  }
  return true;
}

bool TelemetryStore::BeginWrite(std::string* error) {
  if (mode_ != Mode::kReadWrite) {
    *error = fmt::format("{}: opened read-only", path_);
    return false;
  }
  if (in_write_) {
    *error = fmt::format("{}: a write is already in progress", path_);
    return false;
  }
  if (!Execute(db_, "BEGIN IMMEDIATE")) {
    *error = Fail("cannot start a write (another ingest running?)");
    return false;
  }
  in_write_ = true;
  return true;
}

bool TelemetryStore::CommitWrite(std::string* error) {
  if (!in_write_) {
    *error = fmt::format("{}: no write in progress", path_);
    return false;
  }
  if (!Execute(db_, "COMMIT")) {
    *error = Fail("cannot commit");
    RollbackWrite();
    return false;
  }
  in_write_ = false;
  return true;
}

void TelemetryStore::RollbackWrite() {
  if (!in_write_) return;
  Execute(db_, "ROLLBACK");
  in_write_ = false;
}

bool TelemetryStore::WriteSamples(const StreamKey& key, SampleBatch* batch, WriteStats* stats, std::string* error) {
  if (!in_write_) {
    *error = fmt::format("{}: WriteSamples outside BeginWrite/CommitWrite", path_);
    return false;
  }
  if (batch->values.size() != batch->size() ||
      (!batch->received_us.empty() && batch->received_us.size() != batch->size())) {
    *error = "a sample batch's columns differ in length";
    return false;
  }
  if (batch->size() == 0) return true;
  Prepared fresh;
  PrepareBatch(batch, &fresh);
  batch->clear();
  const Series& add = fresh.series;
  const int64_t new_first = add.timestamps_us.front(), new_last = add.timestamps_us.back();

  std::optional<int64_t> stream_id = StreamId(key, /*create=*/true, error);
  if (!stream_id) return false;

  // The stored blocks this batch touches: every block overlapping
  // [new_first, new_last], and the block just before when it is not full
  // (so that appends fill blocks instead of leaving small ones behind).
  std::vector<int64_t> replaced;
  Series stored;
  {
    Statement& before = statements_->block_before;
    ResetOnExit reset{before};
    before.Bind(1, *stream_id).Bind(2, new_first);
    const int step = before.Step();
    if (step == SQLITE_ROW && before.Integer(4) < static_cast<int64_t>(kBlockSamples)) {
      replaced.push_back(before.Integer(0));
      if (!DecodeBlock(before.Blob(3), &stored, error)) return false;
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
      *error = Fail("cannot read blocks");
      return false;
    }
  }
  {
    Statement& q = statements_->blocks_from;
    ResetOnExit reset{q};
    q.Bind(1, *stream_id).Bind(2, new_first);
    int step;
    while ((step = q.Step()) == SQLITE_ROW) {
      if (q.Integer(1) > new_last) break;
      replaced.push_back(q.Integer(0));
      if (!DecodeBlock(q.Blob(3), &stored, error)) {
        *error = fmt::format("{}: {}; the store is damaged, re-create it from its inputs", path_, *error);
        return false;
      }
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
      *error = Fail("cannot read blocks");
      return false;
    }
  }

  WriteStats local = fresh.stats;
  Series merged;
  const Series* result = &add;
  if (!stored.timestamps_us.empty()) {
    const bool received = !stored.received_us.empty() || !add.received_us.empty();
    const size_t total = stored.size() + add.size();
    merged.timestamps_us.reserve(total);
    merged.values.reserve(total);
    merged.flags.reserve(total);
    merged.duplicates.reserve(total);
    if (received) merged.received_us.reserve(total);
    size_t i = 0, j = 0;
    while (i < stored.size() || j < add.size()) {
      if (j == add.size() || (i < stored.size() && stored.timestamps_us[i] < add.timestamps_us[j])) {
        AppendSample(stored, i++, received, &merged);
      } else if (i == stored.size() || add.timestamps_us[j] < stored.timestamps_us[i]) {
        AppendSample(add, j++, received, &merged);
      } else {
        // The same timestamp: the stored sample arrived first and stays.
        AppendSample(stored, i, received, &merged);
        const int64_t t = add.timestamps_us[j];
        if (t >= batch->input_first_us && t <= batch->input_last_us) {
          merged.flags.back() |= kHadDuplicates;
          merged.duplicates.back() += 1 + add.duplicates[j];
          local.duplicates += 1;
        } else {
          local.overlap += 1;
          local.overlap_conflicts += !SameBits(stored.values[i], add.values[j]);
        }
        local.out_of_order -= (add.flags[j] & kArrivedOutOfOrder) != 0;
        ++i;
        ++j;
      }
    }
    result = &merged;
  }
  local.stored = static_cast<int64_t>(result->size() - stored.size());

  for (int64_t block_id : replaced) {
    Statement& del = statements_->delete_block;
    ResetOnExit reset{del};
    del.Bind(1, block_id);
    if (del.Step() != SQLITE_DONE) {
      *error = Fail("cannot replace a block");
      return false;
    }
  }
  std::string blob;
  const size_t n = result->size();
  for (size_t start = 0; start < n; start += kBlockSamples) {
    const size_t count = std::min(kBlockSamples, n - start);
    BlockColumns columns;
    columns.timestamps_us = std::span(result->timestamps_us).subspan(start, count);
    columns.values = std::span(result->values).subspan(start, count);
    columns.flags = std::span(result->flags).subspan(start, count);
    columns.duplicates = std::span(result->duplicates).subspan(start, count);
    if (!result->received_us.empty()) columns.received_us = std::span(result->received_us).subspan(start, count);
    if (!EncodeBlock(columns, &blob, error)) return false;
    Statement& insert = statements_->insert_block;
    ResetOnExit reset{insert};
    insert.Bind(1, *stream_id)
        .Bind(2, columns.timestamps_us.front())
        .Bind(3, columns.timestamps_us.back())
        .Bind(4, static_cast<int64_t>(count))
        .BindBlob(5, blob);
    if (insert.Step() != SQLITE_DONE) {
      *error = Fail("cannot write a block");
      return false;
    }
  }
  {
    Statement& update = statements_->update_stream;
    ResetOnExit reset{update};
    update.Bind(1, *stream_id).Bind(2, local.stored).Bind(3, new_first).Bind(4, new_last);
    if (update.Step() != SQLITE_DONE) {
      *error = Fail("cannot update a stream");
      return false;
    }
  }
  stats->Add(local);
  return true;
}

bool TelemetryStore::RecordIngest(const IngestRecord& r, std::string* error) {
  Statement& q = statements_->insert_ingest;
  ResetOnExit reset{q};
  q.Bind(1, r.sha256).Bind(2, r.source).Bind(3, r.ingested_at).Bind(4, r.rows).Bind(5, r.accepted);
  q.Bind(6, r.rejected).Bind(7, r.duplicates);
  if (q.Step() != SQLITE_DONE) {
    *error = Fail("cannot record the ingest");
    return false;
  }
  return true;
}

bool TelemetryStore::Quarantine(const QuarantinedRow& row, std::string* error) {
  Statement& q = statements_->insert_quarantine;
  ResetOnExit reset{q};
  q.Bind(1, row.source).Bind(2, row.sha256).Bind(3, row.line).Bind(4, row.raw).Bind(5, row.reason);
  if (q.Step() != SQLITE_DONE) {
    *error = Fail("cannot quarantine a row");
    return false;
  }
  return true;
}

}  // namespace stagegate::contracts
