// Issue 5's fleet-scale targets, end to end from the telemetry store:
//   - every stream fact (quality.*, stats.*) for 10,000 streams x 10,000
//     samples (100 M samples), decoded from the store, both cores: <= 5 s;
//   - storage: <= 4 bytes per sample for regular 1 Hz float series;
//   - peak memory during the computation: <= 1 GB.
// The store is built once per process (synthetic 1 Hz series: a daily cycle
// plus noise at two decimals, occasional NaN and silences).

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "evaluators/contracts/stream_metrics.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::contracts {
namespace {

constexpr int kStreams = 10'000;
constexpr int kSamples = 10'000;
constexpr int64_t kStartUs = 1'748'736'000'000'000;  // 2025-06-01T00:00:00Z

class Folder {
 public:
  Folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stagegate-fleet-XXXXXX").string();
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

const std::string& FleetStore() {
  static const std::string path = [] {
    const std::string file = TempFolder().File("fleet.db");
    std::string error;
    std::unique_ptr<TelemetryStore> store = TelemetryStore::Open(file, TelemetryStore::Mode::kReadWrite, &error);
    if (!store) {
      fmt::print(stderr, "{}\n", error);
      std::abort();
    }
    std::mt19937_64 random(42);
    std::normal_distribution<double> noise(0.0, 0.2);
    const char* sensors[] = {"temperature", "vibration", "pressure", "humidity", "current"};
    for (int first = 0; first < kStreams; first += 500) {
      if (!store->BeginWrite(&error)) std::abort();
      for (int s = first; s < first + 500; ++s) {
        SampleBatch batch;
        const double base = 20.0 + (s % 17);
        for (int i = 0; i < kSamples; ++i) {
          if (s % 50 == 7 && i >= 4000 && i < 4300) continue;  // a silence on some streams
          batch.timestamps_us.push_back(kStartUs + int64_t{i} * 1'000'000);
          double value = base + 3.0 * std::sin(i * 2.0 * M_PI / 86'400.0) + noise(random);
          value = std::round(value * 100.0) / 100.0;
          if (i % 997 == 13) value = std::nan("");
          batch.values.push_back(value);
        }
        WriteStats stats;
        const StreamKey key{fmt::format("dev-{:05}", s / 5), sensors[s % 5]};
        if (!store->WriteSamples(key, &batch, &stats, &error)) {
          fmt::print(stderr, "{}\n", error);
          std::abort();
        }
      }
      if (!store->CommitWrite(&error)) std::abort();
    }
    return file;
  }();
  return path;
}

void BM_StorageBytesPerSample(benchmark::State& state) {
  const std::string& path = FleetStore();
  std::string error;
  std::unique_ptr<TelemetryStore> store = TelemetryStore::Open(path, TelemetryStore::Mode::kReadOnly, &error);
  TelemetryStore::Totals totals;
  for (auto _ : state) store->ReadTotals(&totals, &error);
  state.counters["samples"] = static_cast<double>(totals.samples);
  state.counters["block_bytes_per_sample"] = static_cast<double>(totals.block_bytes) / totals.samples;
  state.counters["file_bytes_per_sample"] =
      static_cast<double>(std::filesystem::file_size(path)) / static_cast<double>(totals.samples);
}
BENCHMARK(BM_StorageBytesPerSample)->Iterations(1);

// Every stream fact of every stream, one read connection and one scratch per
// thread, streams handed out through an atomic counter.
void BM_AllStreamFacts(benchmark::State& state) {
  const std::string& path = FleetStore();
  const unsigned threads = static_cast<unsigned>(state.range(0));
  StreamExpectations expectations;
  expectations.nominal_rate_hz = 1.0;
  expectations.max_gap_s = 120.0;
  expectations.minimum = -40.0;
  expectations.maximum = 150.0;
  expectations.sentinels = {-999.0};
  const Window window{kStartUs, kStartUs + int64_t{kSamples} * 1'000'000};
  std::string error;
  std::vector<StreamInfo> streams;
  {
    std::unique_ptr<TelemetryStore> store = TelemetryStore::Open(path, TelemetryStore::Mode::kReadOnly, &error);
    store->ListStreams(&streams, &error);
  }
  for (auto _ : state) {
    std::atomic<size_t> next{0};
    std::atomic<int64_t> samples{0};
    std::atomic<double> checksum{0};
    auto work = [&]() {
      std::string thread_error;
      std::unique_ptr<TelemetryStore> store =
          TelemetryStore::Open(path, TelemetryStore::Mode::kReadOnly, &thread_error);
      Series series;
      StreamMetricsScratch scratch;
      double sum = 0;
      int64_t count = 0;
      for (size_t i = next++; i < streams.size(); i = next++) {
        store->ReadSeries(streams[i].stream_id, window.from_us, window.to_us, &series, &thread_error);
        const StreamMetrics metrics = ComputeStreamMetrics(series, window, expectations, window.to_us, scratch);
        sum += metrics.missing_ratio.value_or(0) + metrics.p99.value_or(0);
        count += static_cast<int64_t>(series.size());
      }
      samples += count;
      double expected = checksum.load();
      while (!checksum.compare_exchange_weak(expected, expected + sum)) {
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& thread : pool) thread.join();
    state.counters["samples"] = static_cast<double>(samples.load());
    benchmark::DoNotOptimize(checksum.load());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_AllStreamFacts)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace stagegate::contracts
