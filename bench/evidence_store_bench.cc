// The evidence store's speed targets (issue 4), on real files:
//   - appending small runs (10 outcomes) with a signed checkpoint each:
//     at least 5,000 runs per second;
//   - verifying a log of 100,000 runs: at most 5 s;
//   - an inclusion proof for one run of a 1,000,000-leaf log: at most 10 ms,
//     without reading the whole log.
// The logs are built once per process in a temporary folder.

#include <unistd.h>

#include <filesystem>
#include <random>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "engine/common/uuid.h"
#include "engine/evidence/run_record.h"
#include "engine/evidence/store.h"
#include "engine/evidence/verify.h"

namespace stagegate::evidence {
namespace {

// A temporary folder for the logs, removed when the process ends.
class BenchFolder {
 public:
  BenchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stagegate-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~BenchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

const BenchFolder& Folder() {
  static const BenchFolder folder;
  return folder;
}

const SigningKey& Key() {
  static const SigningKey key = [] {
    std::string error;
    return *SigningKey::Generate(&error);
  }();
  return key;
}

// A run like a small gate: 10 outcomes, one failing with evidence.
nlohmann::json SmallRun(int64_t n) {
  nlohmann::json outcomes = nlohmann::json::array();
  for (int i = 0; i < 10; ++i) {
    nlohmann::json outcome = {{"rule", "device-hygiene/battery"},
                              {"subject", {{"kind", "device"}, {"id", fmt::format("d-{}", i)}}},
                              {"outcome", i == 3 ? "fail" : "pass"}};
    if (i == 3) {
      outcome["message"] = "battery at 12%";
      outcome["evidence"] = {{"device.battery_pct", 12}};
    }
    outcomes.push_back(std::move(outcome));
  }
  nlohmann::json decision = {
      {"schemaVersion", "stagegate.decision/v1"}, {"decision", "deny"}, {"kind", "gate"},
      {"evaluated_at", "2025-06-01T00:00:00Z"},  {"started_at", "2026-11-22T03:00:00Z"},
      {"finished_at", "2026-11-22T03:00:00Z"},   {"engine_version", "0.1.0"},
      {"policy_source", {{"kind", "git"}, {"location", "/srv/policies"}, {"commit", fmt::format("{:040x}", n)}}},
      {"inputs", {{{"path", "fleet.yaml"}, {"sha256", fmt::format("{:064x}", n)}, {"documents", 10}}}},
      {"outcomes", std::move(outcomes)},
  };
  RecordContext context;
  context.run_id = common::NewUuidV4();
  context.kind = "gate";
  return BuildRunRecord(std::move(decision), context);
}

std::unique_ptr<EvidenceStore> OpenOrDie(const std::string& path, EvidenceStore::Mode mode) {
  std::string error;
  std::unique_ptr<EvidenceStore> store = EvidenceStore::Open(path, mode, &error);
  if (!store) {
    fmt::print(stderr, "{}\n", error);
    std::abort();
  }
  return store;
}

void BM_AppendSmallRun(benchmark::State& state) {
  const std::string path = (Folder() / "append.db").string();
  std::unique_ptr<EvidenceStore> store = OpenOrDie(path, EvidenceStore::Mode::kReadWrite);
  int64_t n = 0;
  std::string error;
  for (auto _ : state) {
    state.PauseTiming();
    nlohmann::json record = SmallRun(n++);
    state.ResumeTiming();
    if (!store->Append(std::move(record), Key(), &error)) state.SkipWithError(error.c_str());
  }
  state.counters["runs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AppendSmallRun)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A log of 100,000 runs, each appended on its own with its own checkpoint.
const std::string& VerifyLog() {
  static const std::string path = [] {
    const std::string file = (Folder() / "verify100k.db").string();
    std::unique_ptr<EvidenceStore> store = OpenOrDie(file, EvidenceStore::Mode::kReadWrite);
    std::string error;
    for (int64_t n = 0; n < 100'000; ++n) {
      if (!store->Append(SmallRun(n), Key(), &error)) std::abort();
    }
    return file;
  }();
  return path;
}

void BM_Verify100kRuns(benchmark::State& state) {
  const std::string& path = VerifyLog();
  const PublicKey key = Key().Public();
  for (auto _ : state) {
    std::unique_ptr<EvidenceStore> store = OpenOrDie(path, EvidenceStore::Mode::kReadOnly);
    VerifyReport report = VerifyStore(*store, &key);
    if (!report.intact() || report.runs != 100'000) state.SkipWithError("the log does not verify");
    benchmark::DoNotOptimize(report);
  }
}
BENCHMARK(BM_Verify100kRuns)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// A log of 1,000,000 leaves, bulk-loaded in batches (one checkpoint each).
const std::string& MillionLog() {
  static const std::string path = [] {
    const std::string file = (Folder() / "million.db").string();
    std::unique_ptr<EvidenceStore> store = OpenOrDie(file, EvidenceStore::Mode::kReadWrite);
    std::string error;
    constexpr int64_t kBatch = 50'000;
    for (int64_t start = 0; start < 1'000'000; start += kBatch) {
      std::vector<nlohmann::json> batch;
      for (int64_t n = start; n < start + kBatch; ++n) {
        batch.push_back({{"runId", common::NewUuidV4()}, {"kind", "gate"}, {"n", n}});
      }
      if (!store->AppendBatch(std::move(batch), Key(), &error)) std::abort();
    }
    return file;
  }();
  return path;
}

void BM_InclusionProofIn1MLeaves(benchmark::State& state) {
  const std::string& path = MillionLog();
  std::mt19937_64 random(7);
  for (auto _ : state) {
    // Opening the store is part of what `evidence prove` costs.
    std::unique_ptr<EvidenceStore> store = OpenOrDie(path, EvidenceStore::Mode::kReadOnly);
    const uint64_t sequence = random() % 1'000'000;
    std::optional<StoredRun> run = store->RunAt(sequence);
    std::optional<Checkpoint> checkpoint = store->LatestCheckpoint();
    std::vector<Hash> proof = store->InclusionProof(sequence, checkpoint->tree_size);
    if (!VerifyInclusion(sequence, checkpoint->tree_size, LeafHash(run->record), proof, checkpoint->root)) {
      state.SkipWithError("the proof does not verify");
    }
  }
}
BENCHMARK(BM_InclusionProofIn1MLeaves)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace stagegate::evidence
