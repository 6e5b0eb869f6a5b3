#include "engine/evidence/store.h"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <sqlite3.h>

#include "engine/evidence/run_record.h"
#include "engine/evidence/sqlite_util.h"

namespace stagegate::evidence {
namespace {

// Each entry migrates the schema from version i to i + 1.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE runs (
  sequence        INTEGER PRIMARY KEY,  -- leaf index, 0-based
  run_id          TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  decision        TEXT NOT NULL,
  started_at      TEXT NOT NULL,
  finished_at     TEXT NOT NULL,
  evaluated_at    TEXT NOT NULL,
  policy_location TEXT NOT NULL,
  policy_commit   TEXT NOT NULL,
  record          BLOB NOT NULL,        -- canonical JSON: the leaf entry
  leaf_hash       BLOB NOT NULL         -- SHA-256(0x00 || record)
);
CREATE INDEX runs_started ON runs (started_at);
CREATE TABLE tree_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
  tree_size INTEGER PRIMARY KEY,
  root_hash BLOB NOT NULL,
  signed_at TEXT NOT NULL,
  key_id    TEXT NOT NULL,
  body      TEXT NOT NULL,   -- the signed note (docs/formats/evidence.md)
  signature BLOB NOT NULL    -- Ed25519 over body
);
)sql",
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion);

// Complete subtrees read from the tree_nodes table.
class StoredNodes : public SubtreeSource {
 public:
  explicit StoredNodes(sqlite3* db) : select_(db, "SELECT hash FROM tree_nodes WHERE level = ?1 AND idx = ?2") {}
  Hash Subtree(int level, uint64_t index) const override {
    select_.Reset();
    select_.Bind(1, level).Bind(2, static_cast<int64_t>(index));
    Hash hash{};
    const int step = select_.Step();
    std::string_view blob = step == SQLITE_ROW ? select_.Blob(0) : std::string_view();
    if (blob.size() != hash.size()) {
      throw std::runtime_error(fmt::format("the Merkle node ({}, {}) is missing or damaged; run "
                                           "'stagegate evidence verify'", level, index));
    }
    std::copy(blob.begin(), blob.end(), hash.begin());
    select_.Reset();
    return hash;
  }

 private:
  mutable sqlite::Statement select_;
};

std::string Text(const nlohmann::json& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The queryable columns of a record, all taken from the record itself.
struct RunColumns {
  std::string run_id, kind, decision, started_at, finished_at, evaluated_at, policy_location, policy_commit;
};

RunColumns ColumnsOf(const nlohmann::json& record) {
  RunColumns columns;
  columns.run_id = Text(record, "runId");
  columns.kind = Text(record, "kind");
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto result_it = record.find("result");
  const nlohmann::json& result = result_it != record.end() && result_it->is_object() ? *result_it : kEmpty;
  columns.decision = Text(result, "decision");
  columns.started_at = Text(result, "started_at");
  columns.finished_at = Text(result, "finished_at");
  columns.evaluated_at = Text(result, "evaluated_at");
  auto source_it = result.find("policy_source");
  const nlohmann::json& source = source_it != result.end() && source_it->is_object() ? *source_it : kEmpty;
  columns.policy_location = Text(source, "location");
  columns.policy_commit = Text(source, "commit");
  return columns;
}

StoredRun ReadRun(const sqlite::Statement& row) {
  StoredRun run;
  run.sequence = static_cast<uint64_t>(row.Integer(0));
  run.run_id = row.Text(1);
  run.kind = row.Text(2);
  run.decision = row.Text(3);
  run.started_at = row.Text(4);
  run.finished_at = row.Text(5);
  run.evaluated_at = row.Text(6);
  run.policy_location = row.Text(7);
  run.policy_commit = row.Text(8);
  run.record = std::string(row.Blob(9));
  const std::string_view leaf = row.Blob(10);
  if (leaf.size() == run.leaf_hash.size()) std::copy(leaf.begin(), leaf.end(), run.leaf_hash.begin());
  return run;
}

constexpr std::string_view kRunColumns =
    "sequence, run_id, kind, decision, started_at, finished_at, evaluated_at, policy_location, policy_commit, "
    "record, leaf_hash";

std::optional<Checkpoint> ReadCheckpoint(sqlite::Statement& row) {
  if (row.Step() != SQLITE_ROW) return std::nullopt;
  std::optional<Checkpoint> checkpoint = ParseCheckpointBody(row.Text(0));
  if (!checkpoint) return std::nullopt;
  checkpoint->key_id = row.Text(1);
  checkpoint->signature = std::string(row.Blob(2));
  return checkpoint;
}

bool Migrate(sqlite3* db, const std::string& path, std::string* error) {
  int code = sqlite::Execute(db, "BEGIN IMMEDIATE");
  if (code != SQLITE_OK) {
    *error = fmt::format("{}: cannot open the evidence store: {}", path, sqlite::Describe(db, code));
    return false;
  }
  sqlite::Statement version_query(db, "PRAGMA user_version");
  int version = version_query.Step() == SQLITE_ROW ? static_cast<int>(version_query.Integer(0)) : -1;
  if (version > kStoreSchemaVersion) {
    sqlite::Execute(db, "ROLLBACK");
    *error = fmt::format("{}: the evidence store has schema version {}, newer than this Stagegate understands ({}); "
                         "use a newer Stagegate", path, version, kStoreSchemaVersion);
    return false;
  }
  for (; version >= 0 && version < kStoreSchemaVersion; ++version) {
    code = sqlite::Execute(db, kMigrations[version]);
    if (code == SQLITE_OK) code = sqlite::Execute(db, fmt::format("PRAGMA user_version = {}", version + 1));
    if (code != SQLITE_OK) {
      const std::string why = sqlite::Describe(db, code);
      sqlite::Execute(db, "ROLLBACK");
      *error = fmt::format("{}: cannot prepare the evidence store (schema version {}): {}", path, version + 1, why);
      return false;
    }
  }
  code = sqlite::Execute(db, "COMMIT");
  if (code != SQLITE_OK) {
    const std::string why = sqlite::Describe(db, code);
    sqlite::Execute(db, "ROLLBACK");
    *error = fmt::format("{}: cannot prepare the evidence store: {}", path, why);
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<EvidenceStore> EvidenceStore::Open(const std::string& path, Mode mode, std::string* error) {
  std::error_code ec;
  if (mode == Mode::kReadOnly) {
    if (!std::filesystem::exists(path, ec)) {
      *error = fmt::format("{}: no evidence store here; runs are recorded by 'stagegate gate' and 'stagegate audit' "
                           "(check --evidence or STAGEGATE_EVIDENCE)", path);
      return nullptr;
    }
  } else {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      *error = fmt::format("{}: cannot create the folder {} ({}); choose a writable --evidence path", path,
                           parent.string(), ec.message());
      return nullptr;
    }
  }
  sqlite3* db = nullptr;
  const int flags = (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    *error = fmt::format("{}: cannot open the evidence store: {}", path, sqlite::Describe(db, code));
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<EvidenceStore> store(new EvidenceStore(path, db));
  sqlite3_busy_timeout(db, 60'000);
  sqlite3_extended_result_codes(db, 1);
  // Reading the schema also tells a file that is not SQLite at all.
  code = sqlite::Execute(db, "SELECT count(*) FROM sqlite_schema");
  if (code != SQLITE_OK) {
    *error = fmt::format("{}: cannot read the evidence store: {}", path, sqlite::Describe(db, code));
    return nullptr;
  }
  if (mode == Mode::kReadWrite) {
    // Keep the write-ahead log file between processes: appending into an
    // already allocated file makes each commit's fsync a data-only flush,
    // where a growing file also flushes file-system metadata (measured:
    // about 4 ms instead of 0.1 ms per run on this machine).
    int persist_wal = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
    code = sqlite::Execute(db, "PRAGMA journal_mode = WAL");
    if (code == SQLITE_OK) code = sqlite::Execute(db, "PRAGMA synchronous = FULL");
    if (code != SQLITE_OK) {
      *error = fmt::format("{}: cannot open the evidence store for writing: {}", path, sqlite::Describe(db, code));
      return nullptr;
    }
    if (!Migrate(db, path, error)) return nullptr;
  } else {
    sqlite::Statement version_query(db, "PRAGMA user_version");
    const int64_t version = version_query.Step() == SQLITE_ROW ? version_query.Integer(0) : -1;
    if (version != kStoreSchemaVersion) {
      *error = version > kStoreSchemaVersion
                   ? fmt::format("{}: the evidence store has schema version {}, newer than this Stagegate "
                                 "understands ({}); use a newer Stagegate", path, version, kStoreSchemaVersion)
                   : fmt::format("{}: not a Stagegate evidence store (schema version {}); check --evidence", path,
                                 version);
      return nullptr;
    }
  }
  return store;
}

EvidenceStore::~EvidenceStore() { sqlite3_close(db_); }

bool EvidenceStore::AppendInTransaction(nlohmann::json record, uint64_t sequence, AppendResult* result,
                                        std::string* error) {
  record["sequence"] = sequence;
  const std::string entry = CanonicalJson(record);
  const Hash leaf = LeafHash(entry);
  const RunColumns columns = ColumnsOf(record);
  sqlite::Statement insert(db_, fmt::format("INSERT INTO runs ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                            "?10, ?11)", kRunColumns));
  insert.Bind(1, static_cast<int64_t>(sequence)).Bind(2, columns.run_id).Bind(3, columns.kind);
  insert.Bind(4, columns.decision).Bind(5, columns.started_at).Bind(6, columns.finished_at);
  insert.Bind(7, columns.evaluated_at).Bind(8, columns.policy_location).Bind(9, columns.policy_commit);
  insert.BindBlob(10, entry.data(), entry.size()).BindBlob(11, leaf.data(), leaf.size());
  int code = insert.Step();
  if (code != SQLITE_DONE) {
    *error = (code & 0xff) == SQLITE_CONSTRAINT
                 ? fmt::format("{}: a run with id {} is already recorded", path_, columns.run_id)
                 : fmt::format("{}: cannot record the run: {}", path_, sqlite::Describe(db_, code));
    return false;
  }
  StoredNodes nodes(db_);
  sqlite::Statement insert_node(db_, "INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)");
  for (const SubtreeNode& node : NodesCompletedByAppend(nodes, sequence, leaf)) {
    insert_node.Reset();
    insert_node.Bind(1, node.level).Bind(2, static_cast<int64_t>(node.index)).BindBlob(3, node.hash.data(),
                                                                                       node.hash.size());
    code = insert_node.Step();
    if (code != SQLITE_DONE) {
      *error = fmt::format("{}: cannot record the run's Merkle nodes: {}", path_, sqlite::Describe(db_, code));
      return false;
    }
  }
  result->run_id = columns.run_id;
  result->sequence = sequence;
  result->leaf_hash = leaf;
  result->record = std::move(record);
  return true;
}

namespace {

// Fixes the log's key on first use; refuses another key afterwards.
bool CheckLogKey(sqlite3* db, const std::string& path, const SigningKey& key, const std::string& key_id,
                 std::string* error) {
  sqlite::Statement query(db, "SELECT value FROM meta WHERE key = 'public_key'");
  if (query.Step() == SQLITE_ROW) {
    std::string ignored;
    std::optional<PublicKey> log_key = PublicKey::FromPem(query.Text(0), &ignored);
    if (!log_key || log_key->KeyId() != key_id) {
      *error = fmt::format("{}: the log is signed with key id {}, not with the given signing key (key id {}); use "
                           "the log's key or another --evidence store",
                           path, log_key ? log_key->KeyId() : std::string("(unreadable)"), key_id);
      return false;
    }
    return true;
  }
  sqlite::Statement insert(db, "INSERT INTO meta (key, value) VALUES ('public_key', ?1), ('key_id', ?2), "
                               "('created_at', ?3)");
  insert.Bind(1, key.Public().Pem()).Bind(2, key_id).Bind(3, NowRfc3339());
  const int code = insert.Step();
  if (code != SQLITE_DONE) {
    *error = fmt::format("{}: cannot record the log's key: {}", path, sqlite::Describe(db, code));
    return false;
  }
  return true;
}

bool InsertCheckpoint(sqlite3* db, const std::string& path, const Checkpoint& checkpoint, std::string* error) {
  sqlite::Statement insert(db, "INSERT INTO checkpoints (tree_size, root_hash, signed_at, key_id, body, signature) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  const std::string body = CheckpointBody(checkpoint);
  insert.Bind(1, static_cast<int64_t>(checkpoint.tree_size))
      .BindBlob(2, checkpoint.root.data(), checkpoint.root.size())
      .Bind(3, checkpoint.time)
      .Bind(4, checkpoint.key_id)
      .Bind(5, body)
      .BindBlob(6, checkpoint.signature.data(), checkpoint.signature.size());
  const int code = insert.Step();
  if (code != SQLITE_DONE) {
    *error = fmt::format("{}: cannot record the signed checkpoint: {}", path, sqlite::Describe(db, code));
    return false;
  }
  return true;
}

}  // namespace

std::optional<AppendResult> EvidenceStore::Append(nlohmann::json record, const SigningKey& key, std::string* error) {
  std::vector<nlohmann::json> one;
  one.push_back(std::move(record));
  if (!AppendBatch(std::move(one), key, error)) return std::nullopt;
  return std::move(last_append_);  // the record is the caller's: an audit's runs to hundreds of megabytes
}

bool EvidenceStore::AppendBatch(std::vector<nlohmann::json> records, const SigningKey& key, std::string* error) {
  if (records.empty()) return true;
  const std::string key_id = key.KeyId();
  // IMMEDIATE takes the write lock before the tree size is read, so writers
  // in other processes wait instead of appending at the same position.
  int code = sqlite::Execute(db_, "BEGIN IMMEDIATE");
  if (code != SQLITE_OK) {
    *error = fmt::format("{}: cannot record the run: {}", path_, sqlite::Describe(db_, code));
    return false;
  }
  auto fail = [&]() {
    sqlite::Execute(db_, "ROLLBACK");
    return false;
  };
  try {
    // The log's key is fixed by its first append: checked once per connection.
    if (key_id != checked_key_id_) {
      if (!CheckLogKey(db_, path_, key, key_id, error)) return fail();
    }
    sqlite::Statement size_query(db_, "SELECT coalesce(max(sequence) + 1, 0) FROM runs");
    if (size_query.Step() != SQLITE_ROW) {
      *error = fmt::format("{}: cannot read the log size: {}", path_, sqlite::Describe(db_, sqlite3_errcode(db_)));
      return fail();
    }
    uint64_t sequence = static_cast<uint64_t>(size_query.Integer(0));
    AppendResult result;
    for (nlohmann::json& record : records) {
      if (!AppendInTransaction(std::move(record), sequence, &result, error)) return fail();
      ++sequence;
    }
    StoredNodes nodes(db_);
    result.checkpoint = SignCheckpoint(sequence, evidence::RootAt(nodes, sequence), NowRfc3339(), key);
    if (!InsertCheckpoint(db_, path_, result.checkpoint, error)) return fail();
    last_append_ = std::move(result);
  } catch (const std::exception& e) {
    *error = fmt::format("{}: cannot record the run: {}", path_, e.what());
    return fail();
  }
  code = sqlite::Execute(db_, "COMMIT");
  if (code != SQLITE_OK) {
    *error = fmt::format("{}: cannot record the run: {}; nothing of it was stored", path_,
                         sqlite::Describe(db_, code));
    return fail();
  }
  checked_key_id_ = key_id;
  return true;
}

uint64_t EvidenceStore::Size() {
  sqlite::Statement query(db_, "SELECT count(*) FROM runs");
  return query.Step() == SQLITE_ROW ? static_cast<uint64_t>(query.Integer(0)) : 0;
}

std::optional<StoredRun> EvidenceStore::FindRun(const std::string& run_id_or_prefix, std::string* error) {
  if (run_id_or_prefix.size() < 4) {
    *error = fmt::format("run id '{}' is too short; give at least 4 characters of it (see 'stagegate evidence list')",
                         run_id_or_prefix);
    return std::nullopt;
  }
  // Prefix match on the unique index; more than one match is ambiguous.
  std::string upper = run_id_or_prefix;
  upper.back() = static_cast<char>(upper.back() + 1);
  sqlite::Statement query(db_, fmt::format("SELECT {} FROM runs WHERE run_id >= ?1 AND run_id < ?2 LIMIT 2",
                                           kRunColumns));
  query.Bind(1, run_id_or_prefix).Bind(2, upper);
  if (query.Step() != SQLITE_ROW) {
    *error = fmt::format("{}: no run {} in the evidence log; list runs with 'stagegate evidence list'", path_,
                         run_id_or_prefix);
    return std::nullopt;
  }
  StoredRun run = ReadRun(query);
  if (query.Step() == SQLITE_ROW) {
    *error = fmt::format("run id prefix '{}' matches more than one run; give more of it", run_id_or_prefix);
    return std::nullopt;
  }
  return run;
}

std::optional<StoredRun> EvidenceStore::RunAt(uint64_t sequence) {
  sqlite::Statement query(db_, fmt::format("SELECT {} FROM runs WHERE sequence = ?1", kRunColumns));
  query.Bind(1, static_cast<int64_t>(sequence));
  if (query.Step() != SQLITE_ROW) return std::nullopt;
  return ReadRun(query);
}

std::vector<StoredRun> EvidenceStore::List(const ListFilter& filter, std::string* error) {
  std::string sql = fmt::format("SELECT {} FROM runs WHERE 1", kRunColumns);
  if (!filter.since.empty()) sql += " AND started_at >= ?1";
  if (!filter.decision.empty()) sql += " AND decision = ?2";
  if (!filter.kind.empty()) sql += " AND kind = ?3";
  if (!filter.policy.empty()) {
    sql += " AND (policy_location = ?4 OR (length(?4) >= 4 AND substr(policy_commit, 1, length(?4)) = ?4) OR "
           "EXISTS (SELECT 1 FROM json_each(record, '$.result.rules') WHERE json_extract(value, '$.policy') = ?4))";
  }
  sql += " ORDER BY sequence";
  if (filter.limit > 0) sql += fmt::format(" LIMIT {}", filter.limit);
  sqlite::Statement query(db_, sql);
  if (!query.ok()) {
    *error = fmt::format("{}: cannot list runs: {}", path_, sqlite::Describe(db_, sqlite3_errcode(db_)));
    return {};
  }
  if (!filter.since.empty()) query.Bind(1, filter.since);
  if (!filter.decision.empty()) query.Bind(2, filter.decision);
  if (!filter.kind.empty()) query.Bind(3, filter.kind);
  if (!filter.policy.empty()) query.Bind(4, filter.policy);
  std::vector<StoredRun> runs;
  int code;
  while ((code = query.Step()) == SQLITE_ROW) runs.push_back(ReadRun(query));
  if (code != SQLITE_DONE) {
    *error = fmt::format("{}: cannot list runs: {}", path_, sqlite::Describe(db_, code));
  }
  return runs;
}

std::optional<Checkpoint> EvidenceStore::LatestCheckpoint() {
  sqlite::Statement query(db_, "SELECT body, key_id, signature FROM checkpoints ORDER BY tree_size DESC LIMIT 1");
  return ReadCheckpoint(query);
}

std::optional<Checkpoint> EvidenceStore::CheckpointAt(uint64_t tree_size) {
  sqlite::Statement query(db_, "SELECT body, key_id, signature FROM checkpoints WHERE tree_size = ?1");
  query.Bind(1, static_cast<int64_t>(tree_size));
  return ReadCheckpoint(query);
}

std::optional<std::string> EvidenceStore::LogPublicKeyPem() {
  sqlite::Statement query(db_, "SELECT value FROM meta WHERE key = 'public_key'");
  if (query.Step() != SQLITE_ROW) return std::nullopt;
  return query.Text(0);
}

std::vector<Hash> EvidenceStore::InclusionProof(uint64_t sequence, uint64_t tree_size) {
  StoredNodes nodes(db_);
  return evidence::InclusionProof(nodes, sequence, tree_size);
}

std::vector<Hash> EvidenceStore::ConsistencyProof(uint64_t old_size, uint64_t new_size) {
  StoredNodes nodes(db_);
  return evidence::ConsistencyProof(nodes, old_size, new_size);
}

Hash EvidenceStore::RootAt(uint64_t tree_size) {
  StoredNodes nodes(db_);
  return evidence::RootAt(nodes, tree_size);
}

}  // namespace stagegate::evidence
