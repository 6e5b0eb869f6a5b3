#include "evaluators/drift/baseline_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "engine/common/digest.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::drift {
namespace {

// The drift tables, created together; drift_meta records their version so
// that they migrate on their own, apart from the telemetry schema
// (PRAGMA user_version belongs to the telemetry store).
constexpr const char* kCreateTables = R"sql(
CREATE TABLE IF NOT EXISTS drift_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS drift_baselines (
  baseline_id    INTEGER PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  created_at     TEXT NOT NULL,
  source         TEXT NOT NULL,
  window_from_us INTEGER NOT NULL,
  window_to_us   INTEGER NOT NULL,
  params_json    TEXT NOT NULL,
  digest         TEXT NOT NULL,
  entries        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS drift_baseline_entries (
  baseline_id INTEGER NOT NULL REFERENCES drift_baselines (baseline_id),
  key         TEXT NOT NULL,
  kind        TEXT NOT NULL,
  count       INTEGER NOT NULL,
  blob        BLOB NOT NULL,
  digest      TEXT NOT NULL,
  UNIQUE (baseline_id, key)
);
)sql";

// Prepared statement with RAII finalisation.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr) != SQLITE_OK) {
      statement_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return statement_ != nullptr; }
  Statement& Bind(int index, std::int64_t value) {
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
  std::int64_t Integer(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string();
  }
  std::string Blob(int column) const {
    const void* data = sqlite3_column_blob(statement_, column);
    return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string();
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

bool Execute(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

std::string SqlError(const std::string& path, std::string_view what, sqlite3* db) {
  return fmt::format("{}: {}: {}", path, what, db ? sqlite3_errmsg(db) : "cannot open");
}

std::string NowRfc3339() {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%FT%TZ}", now);
}

std::string ParamsJson(const BaselineInfo& info) {
  nlohmann::json params = {
      {"cohort_field", info.params.cohort_field},
      {"sample_size", info.params.sample_size},
      {"seed", info.params.seed},
      {"sentinels", info.params.sentinels},
      {"select", info.params.select},
      {"columns", info.params.columns},
      {"relative_accuracy", kSketchRelativeAccuracy},
      {"sketch_format", kSketchFormatVersion},
      {"window", {{"from_us", info.window_from_us}, {"to_us", info.window_to_us}}},
  };
  return params.dump();
}

bool ParseParams(const std::string& text, BaselineParams* params) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return false;
  try {
    params->cohort_field = json.value("cohort_field", "");
    params->sample_size = json.value("sample_size", kDefaultSketchSampleSize);
    params->seed = json.value("seed", std::uint64_t{0});
    params->sentinels = json.value("sentinels", std::vector<double>{});
    params->select = json.value("select", "");
    params->columns = json.value("columns", std::vector<std::string>{});
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

// Opens `path` read-only; null with `error` when it cannot.
sqlite3* OpenReadOnly(const std::string& path, std::string* error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    *error = fmt::format("{}: no such store; check --store (create baselines with 'stagegate baseline create "
                         "--store {} ...')",
                         path, path);
    return nullptr;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    *error = SqlError(path, "cannot open the store", db);
    sqlite3_close_v2(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

// Whether the drift tables exist (-1 when the file cannot be read as SQLite),
// and their schema version.
int DriftSchemaVersion(sqlite3* db) {
  Statement q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'drift_meta'");
  if (!q.ok() || q.Step() != SQLITE_ROW) return -1;
  if (q.Integer(0) == 0) return 0;
  Statement v(db, "SELECT value FROM drift_meta WHERE key = 'schema_version'");
  if (!v.ok() || v.Step() != SQLITE_ROW) return -1;
  return std::atoi(v.Text(0).c_str());
}

constexpr std::string_view kInfoColumns =
    "baseline_id, name, created_at, source, window_from_us, window_to_us, params_json, digest, entries";

bool ReadInfoRow(const Statement& row, const std::string& path, BaselineInfo* info, std::int64_t* id,
                 std::string* error) {
  *id = row.Integer(0);
  info->name = row.Text(1);
  info->created_at = row.Text(2);
  info->source = row.Text(3);
  info->window_from_us = row.Integer(4);
  info->window_to_us = row.Integer(5);
  info->digest = row.Text(7);
  info->entries = row.Integer(8);
  if (!ParseParams(row.Text(6), &info->params)) {
    *error = fmt::format("{}: baseline '{}' has unreadable parameters (damaged store?)", path, info->name);
    return false;
  }
  return true;
}

bool ListFrom(sqlite3* db, const std::string& path, std::vector<BaselineInfo>* baselines, std::string* error) {
  baselines->clear();
  const int version = DriftSchemaVersion(db);
  if (version < 0) {
    *error = SqlError(path, "not a readable store", db);
    return false;
  }
  if (version == 0) return true;
  if (version > kBaselineSchemaVersion) {
    *error = fmt::format("{}: baselines written by a newer Stagegate (drift schema {}, this build reads {}); "
                         "upgrade stagegate",
                         path, version, kBaselineSchemaVersion);
    return false;
  }
  Statement q(db, fmt::format("SELECT {} FROM drift_baselines ORDER BY name", kInfoColumns));
  if (!q.ok()) {
    *error = SqlError(path, "cannot read the baselines", db);
    return false;
  }
  int step;
  while ((step = q.Step()) == SQLITE_ROW) {
    BaselineInfo info;
    std::int64_t id = 0;
    if (!ReadInfoRow(q, path, &info, &id, error)) return false;
    baselines->push_back(std::move(info));
  }
  if (step != SQLITE_DONE) {
    *error = SqlError(path, "cannot read the baselines", db);
    return false;
  }
  return true;
}

}  // namespace

std::string_view EntryKindName(EntryKind kind) {
  return kind == EntryKind::kCategorical ? "categorical" : "numeric";
}

std::string StreamEntryKey(std::string_view device, std::string_view sensor) {
  return fmt::format("stream/{}/{}", device, sensor);
}
std::string CohortEntryKey(std::string_view field, std::string_view value, std::string_view sensor) {
  return fmt::format("cohort/{}={}/{}", field, value, sensor);
}
std::string ColumnEntryKey(std::string_view column) { return fmt::format("column/{}", column); }

// ---- BaselineWriter ----------------------------------------------------------

std::unique_ptr<BaselineWriter> BaselineWriter::Begin(const std::string& store_path, const BaselineInfo& info,
                                                      bool replace, std::string* error) {
  if (info.name.empty()) {
    *error = "a baseline needs a name (--out NAME)";
    return nullptr;
  }
  if (std::string problem = DistributionSketch::CheckOptions(info.params.sketch_options()); !problem.empty()) {
    *error = problem;
    return nullptr;
  }
  // The file must be a telemetry store (created empty when missing), so that
  // baselines never turn another SQLite database into something else.
  if (!contracts::TelemetryStore::Open(store_path, contracts::TelemetryStore::Mode::kReadWrite, error)) return nullptr;

  std::unique_ptr<BaselineWriter> writer(new BaselineWriter());
  writer->path_ = store_path;
  writer->info_ = info;
  if (writer->info_.created_at.empty()) writer->info_.created_at = NowRfc3339();
  if (sqlite3_open_v2(store_path.c_str(), &writer->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    *error = SqlError(store_path, "cannot open the store to write a baseline", writer->db_);
    return nullptr;
  }
  sqlite3* db = writer->db_;
  sqlite3_busy_timeout(db, 10000);
  if (!Execute(db, "BEGIN IMMEDIATE")) {
    *error = SqlError(store_path, "cannot lock the store to write a baseline", db);
    return nullptr;
  }
  const int version = DriftSchemaVersion(db);
  if (version > kBaselineSchemaVersion) {
    *error = fmt::format("{}: baselines written by a newer Stagegate (drift schema {}, this build writes {}); "
                         "upgrade stagegate",
                         store_path, version, kBaselineSchemaVersion);
    return nullptr;
  }
  if (version < kBaselineSchemaVersion) {
    const std::string set = fmt::format(
        "INSERT OR REPLACE INTO drift_meta (key, value) VALUES ('schema_version', '{}')", kBaselineSchemaVersion);
    if (version < 0 || !Execute(db, kCreateTables) || !Execute(db, set.c_str())) {
      *error = SqlError(store_path, "cannot create the baseline tables", db);
      return nullptr;
    }
  }
  {
    Statement existing(db, "SELECT baseline_id, created_at FROM drift_baselines WHERE name = ?1");
    if (!existing.ok()) {
      *error = SqlError(store_path, "cannot read the baselines", db);
      return nullptr;
    }
    existing.Bind(1, info.name);
    if (existing.Step() == SQLITE_ROW) {
      const std::int64_t id = existing.Integer(0);
      if (!replace) {
        *error = fmt::format("{}: a baseline named '{}' already exists (created {}); pick another --out name or pass "
                             "--replace",
                             store_path, info.name, existing.Text(1));
        return nullptr;
      }
      Statement drop_entries(db, "DELETE FROM drift_baseline_entries WHERE baseline_id = ?1");
      Statement drop(db, "DELETE FROM drift_baselines WHERE baseline_id = ?1");
      if (!drop_entries.ok() || !drop.ok() || drop_entries.Bind(1, id).Step() != SQLITE_DONE ||
          drop.Bind(1, id).Step() != SQLITE_DONE) {
        *error = SqlError(store_path, fmt::format("cannot replace baseline '{}'", info.name), db);
        return nullptr;
      }
    }
  }
  Statement insert(db,
                   "INSERT INTO drift_baselines (name, created_at, source, window_from_us, window_to_us, params_json, "
                   "digest, entries) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', 0)");
  if (!insert.ok() || insert.Bind(1, info.name)
                              .Bind(2, writer->info_.created_at)
                              .Bind(3, info.source)
                              .Bind(4, info.window_from_us)
                              .Bind(5, info.window_to_us)
                              .Bind(6, ParamsJson(info))
                              .Step() != SQLITE_DONE) {
    *error = SqlError(store_path, "cannot record the baseline", db);
    return nullptr;
  }
  writer->baseline_id_ = sqlite3_last_insert_rowid(db);
  return writer;
}

BaselineWriter::~BaselineWriter() {
  if (db_ != nullptr && !committed_) Execute(db_, "ROLLBACK");
  sqlite3_close_v2(db_);
}

bool BaselineWriter::Add(std::string_view key, const DistributionSketch& sketch, std::string* error) {
  const std::string blob = sketch.Serialize();
  return AddEncoded(key, EntryKind::kNumeric, sketch.counts().total, blob, "sha256:" + common::Sha256Hex(blob), error);
}

bool BaselineWriter::Add(std::string_view key, const CategoricalSketch& sketch, std::string* error) {
  const std::string blob = sketch.Serialize();
  return AddEncoded(key, EntryKind::kCategorical, sketch.total(), blob, "sha256:" + common::Sha256Hex(blob), error);
}

bool BaselineWriter::AddEncoded(std::string_view key, EntryKind kind, std::int64_t count, const std::string& blob,
                                const std::string& digest, std::string* error) {
  if (committed_) {
    *error = "the baseline is already committed";
    return false;
  }
  Statement insert(db_,
                   "INSERT INTO drift_baseline_entries (baseline_id, key, kind, count, blob, digest) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok() || insert.Bind(1, baseline_id_)
                              .Bind(2, key)
                              .Bind(3, EntryKindName(kind))
                              .Bind(4, count)
                              .BindBlob(5, blob)
                              .Bind(6, digest)
                              .Step() != SQLITE_DONE) {
    const bool duplicate = sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE;
    *error = duplicate ? fmt::format("{}: baseline '{}' has two entries '{}'", path_, info_.name, key)
                       : SqlError(path_, fmt::format("cannot write baseline entry '{}'", key), db_);
    return false;
  }
  entry_digests_.emplace_back(std::string(key), fmt::format("{}\t{}", EntryKindName(kind), digest));
  return true;
}

bool BaselineWriter::Commit(BaselineInfo* info, std::string* error) {
  std::sort(entry_digests_.begin(), entry_digests_.end());
  std::string canonical = fmt::format("stagegate-baseline/{}\n{}\n", kBaselineSchemaVersion, ParamsJson(info_));
  for (const auto& [key, kind_digest] : entry_digests_) canonical += fmt::format("{}\t{}\n", key, kind_digest);
  info_.digest = "sha256:" + common::Sha256Hex(canonical);
  info_.entries = static_cast<std::int64_t>(entry_digests_.size());
  Statement update(db_, "UPDATE drift_baselines SET digest = ?2, entries = ?3 WHERE baseline_id = ?1");
  if (!update.ok() || update.Bind(1, baseline_id_).Bind(2, info_.digest).Bind(3, info_.entries).Step() !=
                          SQLITE_DONE) {
    *error = SqlError(path_, "cannot record the baseline's digest", db_);
    return false;
  }
  if (!Execute(db_, "COMMIT")) {
    *error = SqlError(path_, "cannot commit the baseline", db_);
    return false;
  }
  committed_ = true;
  if (info != nullptr) *info = info_;
  return true;
}

// ---- reading -------------------------------------------------------------------

bool ListBaselines(const std::string& store_path, std::vector<BaselineInfo>* baselines, std::string* error) {
  sqlite3* db = OpenReadOnly(store_path, error);
  if (db == nullptr) return false;
  const bool ok = ListFrom(db, store_path, baselines, error);
  sqlite3_close_v2(db);
  return ok;
}

std::unique_ptr<BaselineReader> BaselineReader::Open(const std::string& store_path, const std::string& name,
                                                     std::string* error) {
  std::unique_ptr<BaselineReader> reader(new BaselineReader());
  reader->path_ = store_path;
  reader->db_ = OpenReadOnly(store_path, error);
  if (reader->db_ == nullptr) return nullptr;
  sqlite3* db = reader->db_;
  std::vector<BaselineInfo> all;
  if (!ListFrom(db, store_path, &all, error)) return nullptr;
  auto found = std::find_if(all.begin(), all.end(), [&](const BaselineInfo& b) { return b.name == name; });
  if (found == all.end()) {
    if (all.empty()) {
      *error = fmt::format("{}: no baseline named '{}': the store has no baselines; create one with 'stagegate "
                           "baseline create --store {} --window RANGE --out {}'",
                           store_path, name, store_path, name);
    } else {
      std::string names;
      for (const BaselineInfo& b : all) names += (names.empty() ? "" : ", ") + b.name;
      *error = fmt::format("{}: no baseline named '{}'; the store has: {}", store_path, name, names);
    }
    return nullptr;
  }
  reader->info_ = *found;
  {
    Statement id(db, "SELECT baseline_id FROM drift_baselines WHERE name = ?1");
    if (!id.ok() || id.Bind(1, name).Step() != SQLITE_ROW) {
      *error = SqlError(store_path, "cannot read the baseline", db);
      return nullptr;
    }
    reader->baseline_id_ = id.Integer(0);
  }
  // The entries are read when asked for, one by one: listing a fleet's
  // million entries here read a page of each row, scattered over a store
  // larger than memory at 100,000 devices.
  return reader;
}

namespace {

std::optional<EntryKind> ParseEntryKind(std::string_view kind) {
  if (kind == "numeric") return EntryKind::kNumeric;
  if (kind == "categorical") return EntryKind::kCategorical;
  return std::nullopt;
}

}  // namespace

bool BaselineReader::ReadEntryDetails(std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  // ORDER BY key uses SQLite's binary collation, which is std::string's order.
  Statement q(db_,
              "SELECT key, kind, count, digest, length(blob) FROM drift_baseline_entries WHERE baseline_id = ?1 "
              "ORDER BY key");
  if (!q.ok()) {
    *error = SqlError(path_, "cannot read the baseline's entries", db_);
    return false;
  }
  q.Bind(1, baseline_id_);
  int step;
  while ((step = q.Step()) == SQLITE_ROW) {
    BaselineEntry entry;
    entry.key = q.Text(0);
    const std::string kind = q.Text(1);
    const std::optional<EntryKind> parsed = ParseEntryKind(kind);
    if (!parsed) {
      *error = fmt::format("{}: baseline '{}' entry '{}' has unknown kind '{}' (damaged store?)", path_, info_.name,
                           entry.key, kind);
      entries_.clear();
      return false;
    }
    entry.kind = *parsed;
    entry.count = q.Integer(2);
    entry.digest = q.Text(3);
    entry.bytes = q.Integer(4);
    entries_.push_back(std::move(entry));
  }
  if (step != SQLITE_DONE) {
    *error = SqlError(path_, "cannot read the baseline's entries", db_);
    entries_.clear();
    return false;
  }
  return true;
}

BaselineReader::~BaselineReader() {
  sqlite3_finalize(read_blob_);
  sqlite3_close_v2(db_);
}

std::optional<std::string> BaselineReader::ReadBlob(std::string_view key, EntryKind kind, std::string* error,
                                                    std::string* digest) const {
  std::string blob, recorded_digest, recorded_kind;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    constexpr std::string_view kQuery =
        "SELECT kind, blob, digest FROM drift_baseline_entries WHERE baseline_id = ?1 AND key = ?2";
    if (read_blob_ == nullptr &&
        sqlite3_prepare_v3(db_, kQuery.data(), static_cast<int>(kQuery.size()), SQLITE_PREPARE_PERSISTENT, &read_blob_,
                           nullptr) != SQLITE_OK) {
      sqlite3_finalize(read_blob_);
      read_blob_ = nullptr;
    }
    int step = SQLITE_ERROR;
    if (read_blob_ != nullptr) {
      sqlite3_bind_int64(read_blob_, 1, baseline_id_);
      sqlite3_bind_text(read_blob_, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
      step = sqlite3_step(read_blob_);
      if (step == SQLITE_ROW) {
        const auto text = [&](int column) {
          const unsigned char* value = sqlite3_column_text(read_blob_, column);
          return value == nullptr ? std::string()
                                  : std::string(reinterpret_cast<const char*>(value),
                                                static_cast<size_t>(sqlite3_column_bytes(read_blob_, column)));
        };
        recorded_kind = text(0);
        const void* data = sqlite3_column_blob(read_blob_, 1);
        const auto size = static_cast<size_t>(sqlite3_column_bytes(read_blob_, 1));
        if (data != nullptr) blob.assign(static_cast<const char*>(data), size);
        recorded_digest = text(2);
      }
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
      *error = SqlError(path_, fmt::format("cannot read baseline '{}' entry '{}'", info_.name, key), db_);
    }
    if (read_blob_ != nullptr) {
      sqlite3_reset(read_blob_);
      sqlite3_clear_bindings(read_blob_);
    }
    if (step != SQLITE_ROW) return std::nullopt;  // no such entry, or the error above
  }
  const std::optional<EntryKind> stored_kind = ParseEntryKind(recorded_kind);
  if (!stored_kind) {
    *error = fmt::format("{}: baseline '{}' entry '{}' has unknown kind '{}' (damaged store?)", path_, info_.name, key,
                         recorded_kind);
    return std::nullopt;
  }
  if (*stored_kind != kind) {
    *error = fmt::format("{}: baseline '{}' entry '{}' is {}, not {}", path_, info_.name, key,
                         EntryKindName(*stored_kind), EntryKindName(kind));
    return std::nullopt;
  }
  if ("sha256:" + common::Sha256Hex(blob) != recorded_digest) {
    *error = fmt::format("{}: baseline '{}' entry '{}' does not match its digest (damaged or altered store); "
                         "re-create the baseline",
                         path_, info_.name, key);
    return std::nullopt;
  }
  if (digest != nullptr) *digest = std::move(recorded_digest);
  return blob;
}

std::optional<DistributionSketch> BaselineReader::Find(std::string_view key, std::string* error,
                                                      std::string* digest) const {
  std::optional<std::string> blob = ReadBlob(key, EntryKind::kNumeric, error, digest);
  if (!blob) return std::nullopt;
  std::string problem;
  std::optional<DistributionSketch> sketch = DistributionSketch::Deserialize(*blob, &problem);
  if (!sketch) *error = fmt::format("{}: baseline '{}' entry '{}': {}", path_, info_.name, key, problem);
  return sketch;
}

std::optional<CategoricalSketch> BaselineReader::FindCategorical(std::string_view key, std::string* error) const {
  std::optional<std::string> blob = ReadBlob(key, EntryKind::kCategorical, error);
  if (!blob) return std::nullopt;
  std::string problem;
  std::optional<CategoricalSketch> sketch = CategoricalSketch::Deserialize(*blob, &problem);
  if (!sketch) *error = fmt::format("{}: baseline '{}' entry '{}': {}", path_, info_.name, key, problem);
  return sketch;
}

std::vector<std::string> BaselineReader::Keys(std::string_view prefix) const {
  std::vector<std::string> keys;
  std::lock_guard<std::mutex> lock(mutex_);
  // The (baseline_id, key) index answers this without reading the rows.
  Statement q(db_, "SELECT key FROM drift_baseline_entries WHERE baseline_id = ?1 AND key >= ?2 ORDER BY key");
  if (!q.ok()) return keys;
  q.Bind(1, baseline_id_).Bind(2, prefix);
  while (q.Step() == SQLITE_ROW) {
    std::string key = q.Text(0);
    if (!std::string_view(key).starts_with(prefix)) break;
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace stagegate::drift
