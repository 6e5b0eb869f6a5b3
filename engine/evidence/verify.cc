#include "engine/evidence/verify.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

#include "engine/evidence/run_record.h"
#include "engine/evidence/sqlite_util.h"

namespace stagegate::evidence {
namespace {

struct StoredCheckpoint {
  uint64_t tree_size = 0;   // the row's key
  std::string root_column;  // raw bytes
  std::string body;
  std::string key_id;
  std::string signature;
  std::optional<Checkpoint> parsed;
  bool signature_ok = false;
};

// The columns a record determines, compared with the stored ones.
std::string ColumnMismatch(const StoredRun& run) {
  const std::string_view record = run.record;
  std::optional<std::string_view> result = CanonicalMember(record, "result");
  std::optional<std::string_view> source = result ? CanonicalMember(*result, "policy_source") : std::nullopt;
  auto same = [](std::optional<std::string_view> value, const std::string& column) {
    return value ? *value == column : column.empty();
  };
  if (!same(CanonicalStringMember(record, "runId"), run.run_id)) return "run_id";
  if (!same(CanonicalStringMember(record, "kind"), run.kind)) return "kind";
  if (!result) return "record";
  if (!same(CanonicalStringMember(*result, "decision"), run.decision)) return "decision";
  if (!same(CanonicalStringMember(*result, "started_at"), run.started_at)) return "started_at";
  if (!same(CanonicalStringMember(*result, "finished_at"), run.finished_at)) return "finished_at";
  if (!same(CanonicalStringMember(*result, "evaluated_at"), run.evaluated_at)) return "evaluated_at";
  if (!source) return "record";
  if (!same(CanonicalStringMember(*source, "location"), run.policy_location)) return "policy_location";
  if (!same(CanonicalStringMember(*source, "commit"), run.policy_commit)) return "policy_commit";
  return "";
}

std::vector<StoredCheckpoint> ReadCheckpoints(sqlite3* db) {
  std::vector<StoredCheckpoint> checkpoints;
  sqlite::Statement query(db, "SELECT tree_size, root_hash, body, key_id, signature FROM checkpoints "
                              "ORDER BY tree_size");
  while (query.Step() == SQLITE_ROW) {
    StoredCheckpoint checkpoint;
    checkpoint.tree_size = static_cast<uint64_t>(query.Integer(0));
    checkpoint.root_column = std::string(query.Blob(1));
    checkpoint.body = query.Text(2);
    checkpoint.key_id = query.Text(3);
    checkpoint.signature = std::string(query.Blob(4));
    checkpoint.parsed = ParseCheckpointBody(checkpoint.body);
    checkpoints.push_back(std::move(checkpoint));
  }
  return checkpoints;
}

void VerifySignatures(std::vector<StoredCheckpoint>& checkpoints, const PublicKey& key, unsigned threads) {
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next++; i < checkpoints.size(); i = next++) {
      StoredCheckpoint& checkpoint = checkpoints[i];
      checkpoint.signature_ok = key.Verify(checkpoint.body, checkpoint.signature);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace

std::string_view TamperName(Tamper tamper) {
  switch (tamper) {
    case Tamper::kEditedContent: return "edited content";
    case Tamper::kMissingRun: return "missing run";
    case Tamper::kReorderedRuns: return "reordered runs";
    case Tamper::kBadSignature: return "bad signature";
    case Tamper::kRolledBack: return "rolled-back checkpoint";
    case Tamper::kKeyMismatch: return "public key mismatch";
    case Tamper::kDamagedTree: return "damaged Merkle tree";
  }
  return "unknown";
}

VerifyReport VerifyStore(EvidenceStore& store, const PublicKey* pubkey, unsigned threads) {
  VerifyReport report;
  sqlite3* db = store.handle();
  // One read transaction: a consistent snapshot even while others append.
  sqlite::Execute(db, "BEGIN");
  auto add = [&](Tamper kind, uint64_t sequence, std::string run_id, std::string detail) {
    report.problems.push_back({kind, sequence, std::move(run_id), std::move(detail)});
  };

  // The key the checkpoints must verify under.
  std::optional<PublicKey> log_key;
  std::string key_error;
  if (std::optional<std::string> pem = store.LogPublicKeyPem()) log_key = PublicKey::FromPem(*pem, &key_error);
  std::optional<PublicKey> key;
  if (pubkey != nullptr) {
    key = *pubkey;
    if (log_key && log_key->KeyId() != pubkey->KeyId()) {
      add(Tamper::kKeyMismatch, 0, "",
          fmt::format("the log names key id {} but your public key has key id {}: the log was signed with another "
                      "key, or its key was replaced", log_key->KeyId(), pubkey->KeyId()));
    }
  } else {
    key = log_key;
    report.key_from_log = true;
  }
  if (key) report.key_id = key->KeyId();

  std::vector<StoredCheckpoint> checkpoints = ReadCheckpoints(db);
  report.checkpoints = checkpoints.size();
  // Signatures are the costly part: check them on worker threads while this
  // thread rehashes the runs.
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::thread signer;
  if (key) {
    signer = std::thread([&checkpoints, &key, threads]() { VerifySignatures(checkpoints, *key, threads); });
  }

  MemoryTree tree;
  sqlite::Statement runs(db, "SELECT sequence, run_id, kind, decision, started_at, finished_at, evaluated_at, "
                             "policy_location, policy_commit, record, leaf_hash FROM runs ORDER BY sequence");
  uint64_t expected = 0;
  while (runs.Step() == SQLITE_ROW) {
    StoredRun run;
    run.sequence = static_cast<uint64_t>(runs.Integer(0));
    run.run_id = runs.Text(1);
    run.kind = runs.Text(2);
    run.decision = runs.Text(3);
    run.started_at = runs.Text(4);
    run.finished_at = runs.Text(5);
    run.evaluated_at = runs.Text(6);
    run.policy_location = runs.Text(7);
    run.policy_commit = runs.Text(8);
    const std::string_view record = runs.Blob(9);
    run.record = std::string(record);
    const std::string_view stored_leaf = runs.Blob(10);
    if (run.sequence != expected) {
      add(Tamper::kMissingRun, expected, "",
          run.sequence > expected
              ? fmt::format("the runs at positions {}..{} are missing (the next stored run is at {})", expected,
                            run.sequence - 1, run.sequence)
              : fmt::format("position {} is stored out of order", run.sequence));
      // Keep the tree aligned with the positions the records claim.
      while (expected < run.sequence) {
        tree.Append(Hash{});
        ++expected;
      }
    }
    const Hash leaf = LeafHash(record);
    std::optional<int64_t> claimed = CanonicalIntegerMember(record, "sequence");
    if (!claimed || static_cast<uint64_t>(*claimed) != run.sequence) {
      add(claimed ? Tamper::kReorderedRuns : Tamper::kEditedContent, run.sequence, run.run_id,
          claimed ? fmt::format("run {} was recorded at position {} but is stored at position {}", run.run_id,
                                *claimed, run.sequence)
                  : fmt::format("run at position {}: the record has no valid sequence number", run.sequence));
    } else if (stored_leaf != std::string_view(reinterpret_cast<const char*>(leaf.data()), leaf.size())) {
      add(Tamper::kEditedContent, run.sequence, run.run_id,
          fmt::format("run {} at position {}: the record does not hash to its stored leaf hash", run.run_id,
                      run.sequence));
    } else if (std::string column = ColumnMismatch(run); !column.empty()) {
      add(Tamper::kEditedContent, run.sequence, run.run_id,
          fmt::format("run {} at position {}: the column '{}' does not match the recorded run", run.run_id,
                      run.sequence, column));
    }
    tree.Append(leaf);
    ++expected;
  }
  report.runs = expected;

  // Stored Merkle nodes (used for proofs) must equal the rebuilt ones. A
  // leaf node that differs means the run was rewritten together with its
  // leaf hash; a higher node that differs while its leaves agree means the
  // node itself was damaged.
  sqlite::Statement nodes(db, "SELECT level, idx, hash FROM tree_nodes ORDER BY level, idx");
  uint64_t node_count = 0;
  std::vector<uint64_t> edited_leaves;  // ascending
  bool reported_beyond = false;
  while (nodes.Step() == SQLITE_ROW) {
    ++node_count;
    const int level = static_cast<int>(nodes.Integer(0));
    const uint64_t index = static_cast<uint64_t>(nodes.Integer(1));
    const std::string_view hash = nodes.Blob(2);
    const bool in_tree = level >= 0 && level < 63 && index < (uint64_t{1} << (63 - level)) &&
                         ((index + 1) << level) <= tree.size();
    if (in_tree) {
      const Hash rebuilt = tree.Subtree(level, index);
      if (hash == std::string_view(reinterpret_cast<const char*>(rebuilt.data()), rebuilt.size())) continue;
    }
    if (!in_tree) {
      // Nodes beyond the rebuilt tree: the runs they were built from are gone.
      if (!reported_beyond) {
        reported_beyond = true;
        add(Tamper::kMissingRun, tree.size(), "",
            fmt::format("the log's Merkle tree was built over more runs than the {} stored: runs at the end were "
                        "removed", tree.size()));
      }
      continue;
    }
    const uint64_t first = index << level;
    if (level == 0) {
      edited_leaves.push_back(index);
      add(Tamper::kEditedContent, index, "",
          fmt::format("the run at position {} does not match the leaf the log's tree recorded for it: it was "
                      "rewritten together with its leaf hash", index));
      continue;
    }
    const uint64_t last = ((index + 1) << level) - 1;
    auto explained = std::lower_bound(edited_leaves.begin(), edited_leaves.end(), first);
    if (explained != edited_leaves.end() && *explained <= last) continue;
    add(Tamper::kDamagedTree, first, "",
        fmt::format("the stored Merkle node (level {}, index {}) does not match the runs", level, index));
  }
  uint64_t expected_nodes = 0;
  for (uint64_t n = tree.size(); n > 0; n >>= 1) expected_nodes += n;
  if (node_count < expected_nodes) {
    add(Tamper::kDamagedTree, 0, "",
        fmt::format("{} stored Merkle nodes are missing; inclusion proofs cannot be served", expected_nodes - node_count));
  }

  if (signer.joinable()) signer.join();
  if (!key) {
    add(Tamper::kBadSignature, 0, "",
        key_error.empty() ? "the log records no public key and none was given; pass --pubkey signing.pub"
                          : "the log's public key is unreadable (" + key_error + "); pass --pubkey signing.pub");
  }
  uint64_t previous_size = 0;
  for (const StoredCheckpoint& checkpoint : checkpoints) {
    const uint64_t first = checkpoint.tree_size == 0 ? 0 : checkpoint.tree_size - 1;
    if (key && !checkpoint.signature_ok) {
      add(Tamper::kBadSignature, first, "",
          fmt::format("the checkpoint stored for {} runs does not verify under key id {}", checkpoint.tree_size,
                      key->KeyId()));
      continue;
    }
    if (!checkpoint.parsed || checkpoint.parsed->tree_size != checkpoint.tree_size) {
      // A genuine signature over another size: an older checkpoint was put in its place.
      add(Tamper::kRolledBack, first, "",
          checkpoint.parsed
              ? fmt::format("the checkpoint stored for {} runs is a signed checkpoint of {} runs: an older checkpoint "
                            "was put in its place", checkpoint.tree_size, checkpoint.parsed->tree_size)
              : fmt::format("the checkpoint for {} runs is malformed", checkpoint.tree_size));
      continue;
    }
    const std::string_view signed_root(reinterpret_cast<const char*>(checkpoint.parsed->root.data()), 32);
    if (checkpoint.root_column != signed_root) {
      add(Tamper::kEditedContent, first, "",
          fmt::format("the root hash column of the checkpoint for {} runs differs from the signed one",
                      checkpoint.tree_size));
    }
    if (checkpoint.tree_size > tree.size()) {
      add(Tamper::kMissingRun, tree.size(), "",
          fmt::format("a signed checkpoint covers {} runs but the log holds only {}: runs {}..{} were removed",
                      checkpoint.tree_size, tree.size(), tree.size(), checkpoint.tree_size - 1));
      continue;
    }
    if (checkpoint.tree_size < previous_size) continue;  // rows are ordered by size; cannot happen
    previous_size = checkpoint.tree_size;
    if (RootAt(tree, checkpoint.tree_size) != checkpoint.parsed->root) {
      add(Tamper::kEditedContent, first, "",
          fmt::format("the runs up to position {} do not hash to the root signed for {} runs: a run was edited, "
                      "replaced or moved", first, checkpoint.tree_size));
    }
    if (key && checkpoint.key_id != key->KeyId()) {
      add(Tamper::kKeyMismatch, first, "",
          fmt::format("the checkpoint for {} runs names key id {}", checkpoint.tree_size, checkpoint.key_id));
    }
  }
  if (!checkpoints.empty() || tree.size() > 0) {
    const uint64_t covered = checkpoints.empty() ? 0 : checkpoints.back().tree_size;
    if (covered < tree.size()) {
      add(Tamper::kRolledBack, covered, "",
          fmt::format("the latest signed checkpoint covers {} runs but the log holds {}: the checkpoint was rolled "
                      "back, or runs {}..{} were added without signing", covered, tree.size(), covered,
                      tree.size() - 1));
    }
    if (!checkpoints.empty() && checkpoints.back().parsed) report.latest = checkpoints.back().parsed;
    if (report.latest) {
      report.latest->key_id = checkpoints.back().key_id;
      report.latest->signature = checkpoints.back().signature;
    }
  }
  sqlite::Execute(db, "COMMIT");
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.sequence < b.sequence; });
  // Name the run where the first problem sits.
  for (Problem& problem : report.problems) {
    if (!problem.run_id.empty() || problem.sequence >= report.runs) continue;
    if (std::optional<StoredRun> run = store.RunAt(problem.sequence)) problem.run_id = run->run_id;
  }
  return report;
}

}  // namespace stagegate::evidence
