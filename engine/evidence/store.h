#pragma once
// The evidence store: an append-only transparency log of run records in one
// SQLite file (WAL, synchronous=FULL). Each append is one transaction that
// adds the run, the Merkle nodes it completes and a checkpoint signed with
// the log's Ed25519 key, so a run is either wholly recorded or absent, and
// concurrent writers from several processes serialise on SQLite's write lock.
// The layout is described in docs/formats/evidence.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/evidence/checkpoint.h"
#include "engine/evidence/merkle.h"
#include "engine/evidence/signing.h"

struct sqlite3;

namespace stagegate::evidence {

inline constexpr int kStoreSchemaVersion = 1;

// One run as stored.
struct StoredRun {
  uint64_t sequence = 0;
  std::string run_id;
  std::string kind;
  std::string decision;
  std::string started_at;
  std::string finished_at;
  std::string evaluated_at;
  std::string policy_location;
  std::string policy_commit;
  std::string record;  // canonical JSON bytes: the Merkle leaf entry
  Hash leaf_hash{};
};

struct ListFilter {
  std::string since;     // RFC 3339 or YYYY-MM-DD: runs started at or after it
  std::string policy;    // a policy name the run evaluated, or its source location / commit prefix
  std::string decision;  // "allow" or "deny"
  std::string kind;      // "gate" or "audit"
  size_t limit = 0;      // 0: all
};

struct AppendResult {
  std::string run_id;
  uint64_t sequence = 0;
  Hash leaf_hash{};
  Checkpoint checkpoint;
  nlohmann::json record;  // the (last) record as stored, with its sequence
};

class EvidenceStore {
 public:
  enum class Mode { kReadOnly, kReadWrite };

  // Opens (kReadWrite: creates, with its folder, and migrates) the store at
  // `path`. Errors name the file and what to do.
  static std::unique_ptr<EvidenceStore> Open(const std::string& path, Mode mode, std::string* error);
  ~EvidenceStore();
  EvidenceStore(const EvidenceStore&) = delete;
  EvidenceStore& operator=(const EvidenceStore&) = delete;

  // Appends `record` (a run record without `sequence`, which is assigned
  // here) as the next leaf and signs the new checkpoint with `key`. The
  // first append fixes the log's key; later appends with another key are
  // refused. Returns nullopt with `error` set when nothing was stored.
  std::optional<AppendResult> Append(nlohmann::json record, const SigningKey& key, std::string* error);
  // Appends many records in one transaction with one checkpoint at the end
  // (bulk import; every leaf still gets its own Merkle nodes).
  bool AppendBatch(std::vector<nlohmann::json> records, const SigningKey& key, std::string* error);

  uint64_t Size();
  std::optional<StoredRun> FindRun(const std::string& run_id_or_prefix, std::string* error);
  std::optional<StoredRun> RunAt(uint64_t sequence);
  std::vector<StoredRun> List(const ListFilter& filter, std::string* error);
  std::optional<Checkpoint> LatestCheckpoint();
  std::optional<Checkpoint> CheckpointAt(uint64_t tree_size);
  // The public key recorded by the first append (PEM), if any.
  std::optional<std::string> LogPublicKeyPem();

  // Audit path of the leaf `sequence` against a tree of `tree_size` leaves,
  // from the stored complete-subtree hashes: O(log n) reads.
  std::vector<Hash> InclusionProof(uint64_t sequence, uint64_t tree_size);
  std::vector<Hash> ConsistencyProof(uint64_t old_size, uint64_t new_size);
  Hash RootAt(uint64_t tree_size);

  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }  // for verification, which reads the tables directly

 private:
  EvidenceStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  bool AppendInTransaction(nlohmann::json record, uint64_t sequence, AppendResult* result, std::string* error);

  std::string path_;
  sqlite3* db_ = nullptr;
  // The log's key id once an append has checked it (it never changes).
  std::string checked_key_id_;
  AppendResult last_append_;
};

}  // namespace stagegate::evidence
