// Issue 6's fleet-scale drift target, end to end from the telemetry store:
// 10,000 streams, each compared with its baseline entry (10,000 samples in
// the baseline window, 10,000 in the current one), both cores: <= 5 s.
//
// The store is built once per process: 1 Hz series with a ten-minute cycle
// and noise at two decimals, occasional NaN, the same distribution in both
// windows except that one stream in ten shifts by half a unit in the current
// one (a daily cycle would make every window differ from the baseline). The baseline is built from the first window
// with the same builder as `stagegate baseline create`. Each iteration loads
// the fleet afresh (no cached results) and reads `drift.fleet.share`, which
// compares every stream in parallel, as a rule reading it would.

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/fleet.h"
#include "evaluators/contracts/telemetry_store.h"
#include "evaluators/drift/baseline_builder.h"
#include "evaluators/drift/stream_drift.h"

namespace stagegate::drift {
namespace {

constexpr int kStreams = 10'000;
constexpr int kSamplesPerWindow = 10'000;
constexpr int64_t kStartUs = 1'748'736'000'000'000;  // 2025-06-01T00:00:00Z
constexpr int64_t kCurrentFromUs = kStartUs + int64_t{kSamplesPerWindow} * 1'000'000;
constexpr int64_t kCurrentToUs = kCurrentFromUs + int64_t{kSamplesPerWindow} * 1'000'000;

[[noreturn]] void Die(const std::string& error) {
  fmt::print(stderr, "{}\n", error);
  std::abort();
}

class Folder {
 public:
  Folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stagegate-drift-fleet-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~Folder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

const Folder& TempFolder() {
  static const Folder folder;
  return folder;
}

// The store with both windows and the baseline "reference" of the first.
const std::string& FleetStore() {
  static const std::string path = [] {
    const std::string file = TempFolder().File("fleet.db");
    std::string error;
    std::unique_ptr<contracts::TelemetryStore> store =
        contracts::TelemetryStore::Open(file, contracts::TelemetryStore::Mode::kReadWrite, &error);
    if (!store) Die(error);
    std::mt19937_64 random(42);
    std::normal_distribution<double> noise(0.0, 0.2);
    const char* sensors[] = {"temperature", "vibration", "pressure", "humidity", "current"};
    for (int first = 0; first < kStreams; first += 500) {
      if (!store->BeginWrite(&error)) Die(error);
      for (int s = first; s < first + 500; ++s) {
        contracts::SampleBatch batch;
        const double base = 20.0 + (s % 17);
        for (int i = 0; i < 2 * kSamplesPerWindow; ++i) {
          batch.timestamps_us.push_back(kStartUs + int64_t{i} * 1'000'000);
          double value = base + 3.0 * std::sin(i * 2.0 * M_PI / 600.0) + noise(random);
          if (s % 10 == 3 && i >= kSamplesPerWindow) value += 0.5;
          value = std::round(value * 100.0) / 100.0;
          if (i % 997 == 13) value = std::nan("");
          batch.values.push_back(value);
        }
        contracts::WriteStats stats;
        const contracts::StreamKey key{fmt::format("dev-{:05}", s / 5), sensors[s % 5]};
        if (!store->WriteSamples(key, &batch, &stats, &error)) Die(error);
      }
      if (!store->CommitWrite(&error)) Die(error);
    }
    store.reset();
    StreamBaselineOptions options;
    options.store_path = file;
    options.info.name = "reference";
    options.info.source = "telemetry";
    options.info.window_from_us = kStartUs;
    options.info.window_to_us = kCurrentFromUs;
    options.threads = 2;
    BaselineSummary summary;
    if (!BuildStreamBaseline(options, &summary, &error)) Die(error);
    return file;
  }();
  return path;
}

void BM_FleetDriftAgainstBaselines(benchmark::State& state) {
  const std::string& path = FleetStore();
  policy::DriftSettings settings;
  settings.baseline = "reference";
  double share = 0, load_s = 0, drift_s = 0;
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    subjects::SubjectSet subjects;
    contracts::FleetOptions options;
    options.store_path = path;
    options.window = {kCurrentFromUs, kCurrentToUs};
    options.now_us = kCurrentToUs;
    std::vector<std::string> errors;
    std::shared_ptr<contracts::Fleet> fleet = contracts::Fleet::Load(options, contracts::ContractSet{}, &subjects, &errors);
    if (!fleet || !errors.empty()) Die(errors.empty() ? "no fleet" : errors.front());
    const auto loaded = std::chrono::steady_clock::now();
    subjects::FactProviderRegistry registry;
    std::string error;
    if (!RegisterDriftProviders(fleet, settings, &registry, &error)) Die(error);
    const std::vector<const subjects::Subject*> streams = fleet->Streams();
    const subjects::FactProvider* provider = registry.Find(facts::SubjectKind::kStream, "drift.fleet.share");
    // The shifted streams are humidity streams (s % 10 == 3): half of them.
    const subjects::Subject* humidity = streams.front();
    for (const subjects::Subject* stream : streams) {
      if (stream->document.value("sensor", "") == "humidity") {
        humidity = stream;
        break;
      }
    }
    subjects::ComputedFact fact = provider->Compute(*humidity, "drift.fleet.share");
    if (!fact.value) Die("no drift share: " + fact.error);
    share = fact.value->get<double>();
    load_s += std::chrono::duration<double>(loaded - started).count();
    drift_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - loaded).count();
    state.counters["streams"] = static_cast<double>(streams.size());
  }
  // Fleet::Load (listing and hashing the store) apart from the comparisons.
  state.counters["load_s"] = load_s / static_cast<double>(state.iterations());
  state.counters["drift_s"] = drift_s / static_cast<double>(state.iterations());
  state.counters["humidity_drift_share"] = share;  // half the humidity streams shift: 0.5 expected
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_FleetDriftAgainstBaselines)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace stagegate::drift
