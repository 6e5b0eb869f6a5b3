// The telemetry store: block encode and decode rates, window reads, CSV
// ingest rate, and the bytes per sample of a simulated regular 1 Hz fleet-week.
//   build/h4rel/bench/contracts_store_bench --benchmark_counters_tabular=true

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "evaluators/contracts/block_codec.h"
#include "evaluators/contracts/fleet_simulator.h"
#include "evaluators/contracts/telemetry_ingest.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("sg_bench_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A regular 1 Hz temperature-like series at 0.01 precision.
void RegularSeries(size_t n, std::vector<int64_t>* ts, std::vector<double>* values) {
  std::mt19937_64 rng(1);
  double level = 22;
  for (size_t i = 0; i < n; ++i) {
    ts->push_back(1'709'251'200'000'000 + static_cast<int64_t>(i) * 1'000'000);
    level += (static_cast<double>(rng() % 21) - 10) / 200.0;
    values->push_back(std::nearbyint(level * 100) / 100);
  }
}

void BM_EncodeBlock(benchmark::State& state) {
  std::vector<int64_t> ts;
  std::vector<double> values;
  RegularSeries(kBlockSamples, &ts, &values);
  std::string blob, error;
  for (auto _ : state) {
    EncodeBlock({ts, values, {}, {}, {}}, &blob, &error);
    benchmark::DoNotOptimize(blob.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBlockSamples));
  state.counters["bytes_per_sample"] = static_cast<double>(blob.size()) / kBlockSamples;
}
BENCHMARK(BM_EncodeBlock);

// Decoding one block into a reused series: the metrics' inner loop.
void BM_DecodeBlock(benchmark::State& state) {
  std::vector<int64_t> ts;
  std::vector<double> values;
  RegularSeries(kBlockSamples, &ts, &values);
  if (state.range(0) == 1) {  // jittered timestamps (±2 ms)
    std::mt19937_64 rng(2);
    for (auto& t : ts) t += static_cast<int64_t>(rng() % 4001) - 2000;
  }
  std::string blob, error;
  EncodeBlock({ts, values, {}, {}, {}}, &blob, &error);
  Series series;
  for (auto _ : state) {
    series.clear();
    DecodeBlock(blob, &series, &error);
    benchmark::DoNotOptimize(series.values.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBlockSamples));
  state.SetLabel(state.range(0) == 1 ? "jittered timestamps" : "regular timestamps");
}
BENCHMARK(BM_DecodeBlock)->Arg(0)->Arg(1);

// ReadSeries over a whole day of one stream, SQLite included.
void BM_ReadSeries(benchmark::State& state) {
  const fs::path dir = TempDir("read");
  std::string error;
  auto store = TelemetryStore::Open((dir / "t.db").string(), TelemetryStore::Mode::kReadWrite, &error);
  SampleBatch batch;
  RegularSeries(86'400, &batch.timestamps_us, &batch.values);
  WriteStats stats;
  store->BeginWrite(&error);
  store->WriteSamples({"d", "temperature"}, &batch, &stats, &error);
  store->CommitWrite(&error);
  Series series;
  for (auto _ : state) {
    store->ReadSeries({"d", "temperature"}, INT64_MIN, INT64_MAX, &series, &error);
    benchmark::DoNotOptimize(series.values.data());
  }
  state.SetItemsProcessed(state.iterations() * 86'400);
  store.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_ReadSeries);

// CSV ingest from a simulated fleet (long layout, RFC 3339, receive times), per run into a fresh store.
void BM_IngestCsv(benchmark::State& state) {
  const fs::path dir = TempDir("ingest");
  SimulatorOptions options;
  options.seed = 11;
  options.devices = 10;
  options.days = 0.25;
  options.write_long = state.range(0) == 0;
  options.write_wide = state.range(0) == 1;
  SimulationSummary summary;
  std::string error;
  if (!SimulateFleet(options, (dir / "fleet").string(), &summary, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::string input = (dir / "fleet" / (state.range(0) == 0 ? "telemetry.csv" : "telemetry_wide.csv")).string();
  int64_t samples = 0;
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string db = (dir / ("t" + std::to_string(run++) + ".db")).string();
    auto store = TelemetryStore::Open(db, TelemetryStore::Mode::kReadWrite, &error);
    state.ResumeTiming();
    IngestReport report;
    if (!IngestInput(store.get(), input, {}, &report, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    samples += report.write.stored;
    state.PauseTiming();
    store.reset();
    fs::remove(db);
    fs::remove(db + "-wal");
    fs::remove(db + "-shm");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(samples);
  state.SetBytesProcessed(static_cast<int64_t>(fs::file_size(input)) * state.iterations());
  state.SetLabel(state.range(0) == 0 ? "long CSV, RFC 3339, received_at" : "wide CSV, RFC 3339, received_at");
  fs::remove_all(dir);
}
BENCHMARK(BM_IngestCsv)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

// Bytes per sample of a regular 1 Hz fleet-week (5 sensor types at their
// usual precision, healthy), with and without receive times.
void BM_FleetWeekBytesPerSample(benchmark::State& state) {
  const fs::path dir = TempDir("week");
  SimulatorOptions options;
  options.seed = 5;
  options.devices = 2;
  options.days = 7;
  options.faults.clear();
  options.epoch_ms = true;
  options.write_received = state.range(0) == 1;
  SimulationSummary summary;
  std::string error;
  if (!SimulateFleet(options, (dir / "fleet").string(), &summary, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  TelemetryStore::Totals totals;
  for (auto _ : state) {
    auto store = TelemetryStore::Open((dir / "t.db").string(), TelemetryStore::Mode::kReadWrite, &error);
    IngestReport report;
    IngestInput(store.get(), (dir / "fleet" / "telemetry.csv").string(), {}, &report, &error);
    store->ReadTotals(&totals, &error);
  }
  state.counters["samples"] = static_cast<double>(totals.samples);
  state.counters["bytes_per_sample"] = static_cast<double>(totals.block_bytes) / static_cast<double>(totals.samples);
  state.counters["file_bytes_per_sample"] =
      static_cast<double>(fs::file_size(dir / "t.db")) / static_cast<double>(totals.samples);
  state.SetLabel(state.range(0) == 1 ? "with receive times" : "device time and value only");
  fs::remove_all(dir);
}
BENCHMARK(BM_FleetWeekBytesPerSample)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stagegate::contracts
