// A log of 1,000 runs is tampered with in every way an insider with write
// access to the file could: one byte of every column that matters, a run
// deleted, two runs swapped, a checkpoint rolled back, the key replaced.
// Verification must name the first damaged run and the kind of damage.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "engine/evidence/verify.h"
#include "tests/unit/evidence_store/store_fixture.h"

namespace stagegate::evidence {
namespace {

using testing::ScratchDir;

constexpr uint64_t kRuns = 1000;
constexpr uint64_t kTarget = 500;  // the run most cases damage

class TamperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pristine_dir_ = new ScratchDir();
    key_ = new SigningKey(testing::NewKey());
    pristine_ = (pristine_dir_->path() / "pristine.db").string();
    std::unique_ptr<EvidenceStore> store = testing::OpenStore(pristine_);
    std::string error;
    for (uint64_t i = 0; i < kRuns; ++i) {
      ASSERT_TRUE(store->Append(testing::MakeRecord("run-" + std::to_string(i)), *key_, &error)) << error;
    }
  }
  static void TearDownTestSuite() {
    delete key_;
    delete pristine_dir_;
  }

  void SetUp() override {
    path_ = (dir_.path() / "evidence.db").string();
    std::filesystem::copy_file(pristine_, path_);
  }

  // Runs SQL on the copy, as an attacker with write access would.
  void Corrupt(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string error = message != nullptr ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(code, SQLITE_OK) << error << " in " << sql;
  }

  VerifyReport Verify(const PublicKey* key) {
    std::string error;
    std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path_, EvidenceStore::Mode::kReadOnly, &error);
    EXPECT_NE(store, nullptr) << error;
    if (!store) return {};
    return VerifyStore(*store, key);
  }

  VerifyReport Verify() {
    const PublicKey key = key_->Public();
    return Verify(&key);
  }

  static void ExpectFirst(const VerifyReport& report, Tamper kind, uint64_t sequence) {
    ASSERT_FALSE(report.intact());
    EXPECT_EQ(report.problems.front().kind, kind)
        << TamperName(report.problems.front().kind) << ": " << report.problems.front().detail;
    EXPECT_EQ(report.problems.front().sequence, sequence) << report.problems.front().detail;
  }

  static ScratchDir* pristine_dir_;
  static SigningKey* key_;
  static std::string pristine_;
  ScratchDir dir_;
  std::string path_;
};

ScratchDir* TamperTest::pristine_dir_ = nullptr;
SigningKey* TamperTest::key_ = nullptr;
std::string TamperTest::pristine_;

TEST_F(TamperTest, UntouchedLogVerifies) {
  const VerifyReport report = Verify();
  EXPECT_TRUE(report.intact()) << report.problems.front().detail;
  EXPECT_EQ(report.runs, kRuns);
  EXPECT_EQ(report.checkpoints, kRuns);
  ASSERT_TRUE(report.latest);
  EXPECT_EQ(report.latest->tree_size, kRuns);
}

class ByteFlip : public TamperTest {
 protected:
  // Flips one byte of `column` of the row matching `where` in C++.
  void Flip(const std::string& table, const std::string& column, const std::string& where, size_t offset) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* select = nullptr;
    const std::string read_sql = "SELECT rowid, typeof(" + column + "), " + column + " FROM " + table + " WHERE " + where;
    const std::string read_sql_no_rowid = "SELECT typeof(" + column + "), " + column + " FROM " + table + " WHERE " + where;
    const bool without_rowid = table == "tree_nodes";
    ASSERT_EQ(sqlite3_prepare_v2(db, (without_rowid ? read_sql_no_rowid : read_sql).c_str(), -1, &select, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    ASSERT_EQ(sqlite3_step(select), SQLITE_ROW) << where;
    const int base = without_rowid ? 0 : 1;
    const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(select, base));
    std::string bytes(static_cast<const char*>(sqlite3_column_blob(select, base + 1)),
                      static_cast<size_t>(sqlite3_column_bytes(select, base + 1)));
    sqlite3_finalize(select);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x01);
    sqlite3_stmt* update = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, ("UPDATE " + table + " SET " + column + " = ?1 WHERE " + where).c_str(), -1,
                                 &update, nullptr),
              SQLITE_OK);
    if (type == "text") {
      sqlite3_bind_text(update, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_blob(update, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    }
    ASSERT_EQ(sqlite3_step(update), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(update);
    sqlite3_close(db);
  }
};

const std::string kTargetRow = "sequence = " + std::to_string(kTarget);

TEST_F(ByteFlip, EveryRunColumnThatMatters) {
  const char* columns[] = {"run_id", "kind", "decision", "started_at", "finished_at", "evaluated_at",
                           "policy_location", "policy_commit", "leaf_hash"};
  for (const char* column : columns) {
    SCOPED_TRACE(column);
    std::filesystem::remove(path_);  // a fresh copy per column
    std::filesystem::copy_file(pristine_, path_);
    Flip("runs", column, kTargetRow, 2);
    ExpectFirst(Verify(), Tamper::kEditedContent, kTarget);
  }
}

TEST_F(ByteFlip, EveryByteRegionOfTheRecord) {
  // The first byte, one inside the decision document, one in the outcomes
  // and the last byte of the stored record.
  std::string record;
  {
    std::string error;
    std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path_, EvidenceStore::Mode::kReadOnly, &error);
    record = store->RunAt(kTarget)->record;
  }
  const size_t offsets[] = {0, record.find("\"decision\"") + 3, record.find("battery at") + 9, record.size() - 1};
  for (size_t offset : offsets) {
    SCOPED_TRACE(offset);
    std::filesystem::remove(path_);
    std::filesystem::copy_file(pristine_, path_);
    Flip("runs", "record", kTargetRow, offset);
    ExpectFirst(Verify(), Tamper::kEditedContent, kTarget);
  }
}

TEST_F(TamperTest, EditedRecordWithRecomputedLeafHashIsCaughtByTheSignedRoot) {
  // A careful forger rewrites the record and its leaf hash together; only
  // the signed checkpoints can tell.
  std::string error;
  std::string record;
  {
    std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path_, EvidenceStore::Mode::kReadOnly, &error);
    record = store->RunAt(kTarget)->record;
  }
  const size_t at = record.find("\"decision\":\"allow\"");
  ASSERT_NE(at, std::string::npos);
  record.replace(at, 18, "\"decision\":\"deny\" ");
  record.erase(at + 17, 1);
  const Hash leaf = LeafHash(record);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* update = nullptr;
  sqlite3_prepare_v2(db, "UPDATE runs SET record = ?1, leaf_hash = ?2, decision = 'deny' WHERE sequence = ?3", -1,
                     &update, nullptr);
  sqlite3_bind_blob(update, 1, record.data(), static_cast<int>(record.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(update, 2, leaf.data(), static_cast<int>(leaf.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(update, 3, kTarget);
  ASSERT_EQ(sqlite3_step(update), SQLITE_DONE);
  sqlite3_finalize(update);
  sqlite3_close(db);
  const VerifyReport report = Verify();
  // The stored leaf node of the tree no longer matches, and the signed root
  // of 501 runs is the first checkpoint that breaks.
  ExpectFirst(report, Tamper::kEditedContent, kTarget);
  bool root_mismatch = false;
  for (const Problem& problem : report.problems) {
    root_mismatch |= problem.detail.find("do not hash to the root signed for 501 runs") != std::string::npos;
  }
  EXPECT_TRUE(root_mismatch);
}

TEST_F(TamperTest, DeletedRun) {
  Corrupt("DELETE FROM runs WHERE " + kTargetRow);
  ExpectFirst(Verify(), Tamper::kMissingRun, kTarget);
}

TEST_F(TamperTest, DeletedLastRun) {
  Corrupt("DELETE FROM runs WHERE sequence = " + std::to_string(kRuns - 1));
  ExpectFirst(Verify(), Tamper::kMissingRun, kRuns - 1);
}

TEST_F(TamperTest, DeletedRunWithRenumberedSuccessors) {
  // Closing the gap by renumbering the later runs still shows: each record
  // names the position it was recorded at.
  Corrupt("DELETE FROM runs WHERE " + kTargetRow + "; UPDATE runs SET sequence = -sequence + 1 WHERE sequence > " +
         std::to_string(kTarget) + "; UPDATE runs SET sequence = -sequence WHERE sequence < 0");
  ExpectFirst(Verify(), Tamper::kReorderedRuns, kTarget);
}

TEST_F(TamperTest, SwappedRuns) {
  Corrupt("UPDATE runs SET sequence = -1 WHERE sequence = 300; UPDATE runs SET sequence = 300 WHERE sequence = 700; "
         "UPDATE runs SET sequence = 700 WHERE sequence = -1");
  ExpectFirst(Verify(), Tamper::kReorderedRuns, 300);
}

TEST_F(TamperTest, CheckpointReplacedByAnOlderOne) {
  const std::string latest = std::to_string(kRuns);
  Corrupt("UPDATE checkpoints SET (root_hash, signed_at, key_id, body, signature) = (SELECT root_hash, signed_at, "
         "key_id, body, signature FROM checkpoints WHERE tree_size = 990) WHERE tree_size = " + latest);
  ExpectFirst(Verify(), Tamper::kRolledBack, kRuns - 1);
}

TEST_F(TamperTest, LatestCheckpointsRemoved) {
  Corrupt("DELETE FROM checkpoints WHERE tree_size > 990");
  ExpectFirst(Verify(), Tamper::kRolledBack, 990);
}

TEST_F(ByteFlip, CheckpointColumns) {
  const std::string row = "tree_size = " + std::to_string(kTarget + 1);
  struct Case {
    const char* column;
    size_t offset;
    Tamper expected;
  } cases[] = {
      {"signature", 10, Tamper::kBadSignature},
      {"body", 30, Tamper::kBadSignature},  // inside the base64 root: still parses, no longer verifies
      {"root_hash", 3, Tamper::kEditedContent},
      {"key_id", 5, Tamper::kKeyMismatch},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.column);
    std::filesystem::remove(path_);
    std::filesystem::copy_file(pristine_, path_);
    Flip("checkpoints", c.column, row, c.offset);
    ExpectFirst(Verify(), c.expected, kTarget);
  }
}

TEST_F(ByteFlip, MerkleNode) {
  Flip("tree_nodes", "hash", "level = 3 AND idx = 62", 0);  // covers leaves 496..503
  ExpectFirst(Verify(), Tamper::kDamagedTree, 496);
}

TEST_F(TamperTest, VerifyingWithAnotherPublicKeyFails) {
  const PublicKey other = testing::NewKey().Public();
  const VerifyReport report = Verify(&other);
  ExpectFirst(report, Tamper::kKeyMismatch, 0);
  EXPECT_EQ(report.key_id, other.KeyId());
}

TEST_F(TamperTest, LogKeyReplacedAndCheckpointsResignedIsCaughtWithTheAuditorsKey) {
  // The attacker swaps the log's public key for their own and re-signs every
  // checkpoint: the log is self-consistent, but not under the key the
  // auditor kept.
  const SigningKey forger = testing::NewKey();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* key_update = nullptr;
    sqlite3_prepare_v2(db, "UPDATE meta SET value = ?1 WHERE key = 'public_key'", -1, &key_update, nullptr);
    const std::string pem = forger.Public().Pem();
    sqlite3_bind_text(key_update, 1, pem.data(), static_cast<int>(pem.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(key_update), SQLITE_DONE);
    sqlite3_finalize(key_update);
    sqlite3_stmt* select = nullptr;
    sqlite3_prepare_v2(db, "SELECT tree_size, body FROM checkpoints", -1, &select, nullptr);
    sqlite3_stmt* resign = nullptr;
    sqlite3_prepare_v2(db, "UPDATE checkpoints SET signature = ?1, key_id = ?2 WHERE tree_size = ?3", -1, &resign,
                       nullptr);
    while (sqlite3_step(select) == SQLITE_ROW) {
      const std::string body(reinterpret_cast<const char*>(sqlite3_column_text(select, 1)));
      const std::string signature = forger.Sign(body);
      const std::string key_id = forger.Public().KeyId();
      sqlite3_bind_blob(resign, 1, signature.data(), static_cast<int>(signature.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(resign, 2, key_id.data(), static_cast<int>(key_id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(resign, 3, sqlite3_column_int64(select, 0));
      ASSERT_EQ(sqlite3_step(resign), SQLITE_DONE);
      sqlite3_reset(resign);
    }
    sqlite3_finalize(select);
    sqlite3_finalize(resign);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  // Against the key stored in the log it looks intact: that is why auditors
  // pass --pubkey.
  const VerifyReport trusting = Verify(nullptr);
  EXPECT_TRUE(trusting.intact());
  EXPECT_TRUE(trusting.key_from_log);
  const VerifyReport auditor = Verify();
  ExpectFirst(auditor, Tamper::kKeyMismatch, 0);
  bool bad_signature = false;
  for (const Problem& problem : auditor.problems) bad_signature |= problem.kind == Tamper::kBadSignature;
  EXPECT_TRUE(bad_signature);
}

TEST_F(TamperTest, ProofsStillServeAfterVerification) {
  std::string error;
  std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path_, EvidenceStore::Mode::kReadOnly, &error);
  const std::optional<Checkpoint> latest = store->LatestCheckpoint();
  ASSERT_TRUE(latest);
  for (uint64_t sequence : {uint64_t{0}, kTarget, kRuns - 1}) {
    const StoredRun run = *store->RunAt(sequence);
    const std::vector<Hash> path = store->InclusionProof(sequence, latest->tree_size);
    EXPECT_TRUE(VerifyInclusion(sequence, latest->tree_size, LeafHash(run.record), path, latest->root));
  }
  for (uint64_t old_size : {uint64_t{1}, uint64_t{512}, uint64_t{777}, kRuns}) {
    const std::vector<Hash> proof = store->ConsistencyProof(old_size, kRuns);
    const std::optional<Checkpoint> old_checkpoint = store->CheckpointAt(old_size);
    ASSERT_TRUE(old_checkpoint);
    EXPECT_TRUE(VerifyConsistency(old_size, kRuns, old_checkpoint->root, latest->root, proof));
  }
}

}  // namespace
}  // namespace stagegate::evidence
