// The store under real failures: a writer killed with SIGKILL at random
// moments, several processes appending at once, a full disk and a read-only
// file. Each must leave a log that verifies, with no run half-recorded and
// nothing already stored lost.

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "engine/evidence/verify.h"
#include "tests/unit/evidence_store/store_fixture.h"

namespace stagegate::evidence {
namespace {

using testing::ScratchDir;

// Appends runs tagged "<tag>-<n>" until `count` are written (or forever for
// count < 0), then exits 0; any failure exits 1. Runs in a forked child.
[[noreturn]] void AppendInChild(const std::string& path, const SigningKey& key, const std::string& tag, int count,
                                int outcomes = 10) {
  std::string error;
  std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, EvidenceStore::Mode::kReadWrite, &error);
  if (!store) _exit(1);
  for (int i = 0; count < 0 || i < count; ++i) {
    if (!store->Append(testing::MakeRecord(tag + "-" + std::to_string(i), outcomes), key, &error)) {
      fprintf(stderr, "%s\n", error.c_str());
      _exit(1);
    }
  }
  _exit(0);
}

VerifyReport VerifyAt(const std::string& path, const PublicKey& key) {
  std::string error;
  std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, EvidenceStore::Mode::kReadOnly, &error);
  EXPECT_NE(store, nullptr) << error;
  return store ? VerifyStore(*store, &key) : VerifyReport{};
}

TEST(Durability, KilledWriterLeavesAVerifiableLog) {
  ScratchDir dir;
  const std::string path = (dir.path() / "evidence.db").string();
  const SigningKey key = testing::NewKey();
  const PublicKey public_key = key.Public();
  { testing::OpenStore(path); }  // created first: a kill before the child opens it would leave no file
  // One run recorded as a child starts, timed: the kill delays scale with how
  // long opening the store and recording a run take here (a sanitizer build
  // on a loaded machine is many times slower), so that in every build the
  // kills land before, during and between appends, with about two runs
  // recorded per round on average.
  const auto probe_started = std::chrono::steady_clock::now();
  {
    std::unique_ptr<EvidenceStore> store = testing::OpenStore(path);
    std::string error;
    ASSERT_TRUE(store->Append(testing::MakeRecord("probe"), key, &error)) << error;
  }
  const auto probe_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                               probe_started).count();
  std::mt19937 random(20261122);
  std::uniform_int_distribution<int64_t> delay_us(0, std::max<int64_t>(30'000, 6 * probe_us));
  uint64_t previous_runs = 1;
  constexpr int kKills = 60;
  for (int round = 0; round < kKills; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) AppendInChild(path, key, "round" + std::to_string(round), -1);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    const VerifyReport report = VerifyAt(path, public_key);
    ASSERT_TRUE(report.intact()) << "after kill " << round << ": " << TamperName(report.problems.front().kind)
                                 << ": " << report.problems.front().detail;
    // Nothing recorded before is ever lost; every stored run is whole (its
    // record hashes to its leaf and is covered by a signed checkpoint).
    ASSERT_GE(report.runs, previous_runs);
    ASSERT_TRUE(report.latest) << "after kill " << round;
    ASSERT_EQ(report.latest->tree_size, report.runs);
    previous_runs = report.runs;
  }
  // The kills landed while runs were being written, not only before the
  // first one: most rounds recorded something.
  EXPECT_GT(previous_runs, uint64_t{kKills});
}

TEST(Durability, ConcurrentWritersSerialise) {
  ScratchDir dir;
  const std::string path = (dir.path() / "evidence.db").string();
  const SigningKey key = testing::NewKey();
  { testing::OpenStore(path); }  // create it once, so the writers race only on appends
  constexpr int kWriters = 4, kRunsEach = 150;
  std::vector<pid_t> children;
  for (int writer = 0; writer < kWriters; ++writer) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) AppendInChild(path, key, "writer" + std::to_string(writer), kRunsEach);
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const VerifyReport report = VerifyAt(path, key.Public());
  ASSERT_TRUE(report.intact()) << report.problems.front().detail;
  ASSERT_EQ(report.runs, uint64_t{kWriters * kRunsEach});
  // Every writer's every run is there exactly once, whole.
  std::string error;
  std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, EvidenceStore::Mode::kReadOnly, &error);
  std::set<std::string> tags;
  for (const StoredRun& run : store->List({}, &error)) {
    const nlohmann::json record = nlohmann::json::parse(run.record);
    tags.insert(record["parameters"]["tag"].get<std::string>());
  }
  EXPECT_EQ(tags.size(), size_t{kWriters * kRunsEach});
}

TEST(Durability, FullDiskFailsCleanlyAndKeepsWhatWasStored) {
  ScratchDir dir;
  const std::string path = (dir.path() / "evidence.db").string();
  const SigningKey key = testing::NewKey();
  std::string error;
  {
    std::unique_ptr<EvidenceStore> store = testing::OpenStore(path);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Append(testing::MakeRecord("before"), key, &error)) << error;
  }
  // The child may write files of at most 1 MB: large runs soon hit that
  // limit as a real full disk would (the write fails; SIGXFSZ is ignored).
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{1 << 20, 1 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, EvidenceStore::Mode::kReadWrite, &error);
    if (!store) _exit(2);
    for (int i = 0; i < 10'000; ++i) {
      if (!store->Append(testing::MakeRecord("large", 2000), key, &error)) {
        (void)!write(pipe_fds[1], error.data(), error.size());
        _exit(1);
      }
    }
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "the append should have failed, not crashed or succeeded";
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("cannot record the run"), std::string::npos) << message;
  const VerifyReport report = VerifyAt(path, key.Public());
  ASSERT_TRUE(report.intact()) << report.problems.front().detail;
  EXPECT_GE(report.runs, uint64_t{20});
}

TEST(Durability, ReadOnlyStoreFailsCleanly) {
  ScratchDir dir;
  const std::string path = (dir.path() / "evidence.db").string();
  const SigningKey key = testing::NewKey();
  std::string error;
  {
    std::unique_ptr<EvidenceStore> store = testing::OpenStore(path);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(testing::MakeRecord("before"), key, &error)) << error;
  }
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Root ignores file permissions: drop to an unprivileged user first.
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, EvidenceStore::Mode::kReadWrite, &error);
    if (!store) _exit(error.find(path) != std::string::npos ? 1 : 4);
    _exit(store->Append(testing::MakeRecord("after"), key, &error) ? 0
                                                                   : (error.find("read-only") != std::string::npos ||
                                                                              error.find(path) != std::string::npos
                                                                          ? 1
                                                                          : 4));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  const VerifyReport report = VerifyAt(path, key.Public());
  ASSERT_TRUE(report.intact());
  EXPECT_EQ(report.runs, uint64_t{5});
}

TEST(Store, RefusesAnotherSigningKey) {
  ScratchDir dir;
  const std::string path = (dir.path() / "evidence.db").string();
  std::unique_ptr<EvidenceStore> store = testing::OpenStore(path);
  std::string error;
  ASSERT_TRUE(store->Append(testing::MakeRecord("a"), testing::NewKey(), &error)) << error;
  EXPECT_FALSE(store->Append(testing::MakeRecord("b"), testing::NewKey(), &error));
  EXPECT_NE(error.find("signed with key id"), std::string::npos) << error;
  EXPECT_EQ(store->Size(), uint64_t{1});
}

TEST(Store, RefusesAFileThatIsNotAStore) {
  ScratchDir dir;
  const std::string path = (dir.path() / "notes.txt").string();
  FILE* file = fopen(path.c_str(), "w");
  fputs("these are not the runs you are looking for\n", file);
  fclose(file);
  std::string error;
  EXPECT_EQ(EvidenceStore::Open(path, EvidenceStore::Mode::kReadWrite, &error), nullptr);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("not a Stagegate evidence store"), std::string::npos) << error;
}

TEST(Store, FindsRunsByPrefixAndFilters) {
  ScratchDir dir;
  const std::string path = (dir.path() / "evidence.db").string();
  std::unique_ptr<EvidenceStore> store = testing::OpenStore(path);
  const SigningKey key = testing::NewKey();
  std::string error;
  nlohmann::json deny = testing::MakeRecord("deny");
  deny["result"]["decision"] = "deny";
  const std::string deny_id = deny["runId"];
  ASSERT_TRUE(store->Append(testing::MakeRecord("allow"), key, &error));
  ASSERT_TRUE(store->Append(deny, key, &error));
  std::optional<StoredRun> found = store->FindRun(deny_id.substr(0, 8), &error);
  ASSERT_TRUE(found) << error;
  EXPECT_EQ(found->run_id, deny_id);
  EXPECT_EQ(found->sequence, uint64_t{1});
  EXPECT_FALSE(store->FindRun("ab", &error));
  ListFilter filter;
  filter.decision = "deny";
  EXPECT_EQ(store->List(filter, &error).size(), size_t{1});
  filter = {};
  filter.policy = "hygiene";
  EXPECT_EQ(store->List(filter, &error).size(), size_t{2});
  filter.policy = "4a2c3a00";
  EXPECT_EQ(store->List(filter, &error).size(), size_t{2});
  filter.policy = "nothing-like-it";
  EXPECT_EQ(store->List(filter, &error).size(), size_t{0});
  filter = {};
  filter.since = "2099-01-01";
  EXPECT_EQ(store->List(filter, &error).size(), size_t{0});
}

}  // namespace
}  // namespace stagegate::evidence
