// Issue 6's baseline target: a baseline of 10,000 streams x 10,000 samples
// (100 M samples) built from the telemetry store without holding raw samples
// in memory. Reports the time, the peak resident memory of the build alone
// (VmHWM reset through /proc/self/clear_refs just before it) and the
// baseline's size in the store. The store is built once per process
// (synthetic 1 Hz series: a daily cycle plus noise at two decimals,
// occasional NaN), 2,000 devices in 4 sites.
//
// Also: the cost of one value in a sketch, and of merging, serialising and
// reading back one 4,096-value sketch.

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "evaluators/contracts/telemetry_store.h"
#include "evaluators/drift/baseline_builder.h"
#include "evaluators/drift/baseline_store.h"
#include "evaluators/drift/sketch.h"

namespace stagegate::drift {
namespace {

constexpr int kStreams = 10'000;
constexpr int kSamples = 10'000;
constexpr int64_t kStartUs = 1'748'736'000'000'000;  // 2025-06-01T00:00:00Z

class Folder {
 public:
  Folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stagegate-baseline-XXXXXX").string();
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

std::string DeviceId(int stream) { return fmt::format("dev-{:05}", stream / 5); }

const std::string& FleetStore() {
  static const std::string path = [] {
    const std::string file = TempFolder().File("fleet.db");
    std::string error;
    auto store = contracts::TelemetryStore::Open(file, contracts::TelemetryStore::Mode::kReadWrite, &error);
    if (!store) {
      fmt::print(stderr, "{}\n", error);
      std::abort();
    }
    std::mt19937_64 random(42);
    std::normal_distribution<double> noise(0.0, 0.2);
    const char* sensors[] = {"temperature", "vibration", "pressure", "humidity", "current"};
    for (int first = 0; first < kStreams; first += 250) {
      if (!store->BeginWrite(&error)) std::abort();
      for (int s = first; s < first + 250; ++s) {
        contracts::SampleBatch batch;
        const double base = 20.0 + (s % 17);
        for (int i = 0; i < kSamples; ++i) {
          batch.timestamps_us.push_back(kStartUs + int64_t{i} * 1'000'000);
          double value = base + 3.0 * std::sin(i * 2.0 * M_PI / 86'400.0) + noise(random);
          value = std::round(value * 100.0) / 100.0;
          if (i % 997 == 13) value = std::nan("");
          batch.values.push_back(value);
        }
        contracts::WriteStats stats;
        if (!store->WriteSamples({DeviceId(s), sensors[s % 5]}, &batch, &stats, &error)) {
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

// Resets the peak resident set size (Linux >= 4.0), so VmHWM then measures
// what follows.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Returns a "VmHWM" or "VmRSS" line's value of /proc/self/status, in MiB.
double StatusMiB(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return -1;
}

void BM_BaselineOfTheFleet(benchmark::State& state) {
  const std::string& path = FleetStore();
  static int round = 0;  // baseline names stay unique across runs in one store
  for (auto _ : state) {
    state.PauseTiming();
    StreamBaselineOptions options;
    options.store_path = path;
    options.info.name = fmt::format("bench-{}", round++);
    options.info.window_from_us = kStartUs;
    options.info.window_to_us = kStartUs + int64_t{kSamples} * 1'000'000;
    options.info.params.cohort_field = "site";
    options.cohort_of = [](std::string_view device) -> std::optional<std::string> {
      return fmt::format("site-{}", device.back() % 4);
    };
    options.threads = static_cast<int>(state.range(0));
    const double rss_before = StatusMiB("VmRSS:");
    ResetPeakRss();
    state.ResumeTiming();
    BaselineSummary summary;
    std::string error;
    if (!BuildStreamBaseline(options, &summary, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.PauseTiming();
    state.counters["streams"] = static_cast<double>(summary.streams);
    state.counters["cohorts"] = static_cast<double>(summary.cohorts);
    state.counters["values"] = static_cast<double>(summary.values);
    state.counters["rss_before_mb"] = rss_before;
    state.counters["peak_rss_mb"] = StatusMiB("VmHWM:");
    state.ResumeTiming();
  }
  state.counters["store_mb"] = static_cast<double>(std::filesystem::file_size(path)) / (1024.0 * 1024.0);
}
BENCHMARK(BM_BaselineOfTheFleet)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

std::vector<double> Values(int n) {
  std::mt19937_64 random(3);
  std::normal_distribution<double> normal(20.0, 3.0);
  std::vector<double> values(static_cast<size_t>(n));
  for (double& v : values) v = std::round(normal(random) * 100.0) / 100.0;
  return values;
}

void BM_SketchAdd(benchmark::State& state) {
  const std::vector<double> values = Values(kSamples);
  std::vector<int64_t> ts(values.size());
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = kStartUs + static_cast<int64_t>(i) * 1'000'000;
  for (auto _ : state) {
    DistributionSketch sketch;
    sketch.AddSeries(StreamHash("dev-00001/temperature"), ts, values);
    benchmark::DoNotOptimize(sketch.counts().finite);
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
}
BENCHMARK(BM_SketchAdd);

DistributionSketch FullSketch(uint64_t salt) {
  DistributionSketch sketch;
  const std::vector<double> values = Values(kSamples);
  for (size_t i = 0; i < values.size(); ++i) sketch.Add(values[i], salt * 1'000'003 + i);
  return sketch;
}

void BM_SketchMerge(benchmark::State& state) {
  const DistributionSketch a = FullSketch(1), b = FullSketch(2);
  std::string error;
  for (auto _ : state) {
    DistributionSketch merged = a;
    benchmark::DoNotOptimize(merged.Merge(b, &error));
  }
}
BENCHMARK(BM_SketchMerge);

void BM_SketchSerialiseAndRead(benchmark::State& state) {
  const DistributionSketch sketch = FullSketch(1);
  std::string error;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string blob = sketch.Serialize();
    bytes = blob.size();
    benchmark::DoNotOptimize(DistributionSketch::Deserialize(blob, &error));
  }
  state.counters["blob_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_SketchSerialiseAndRead);

}  // namespace
}  // namespace stagegate::drift
