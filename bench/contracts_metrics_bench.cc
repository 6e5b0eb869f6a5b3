// The stream facts' speed target (issue 5): every stream fact for 10,000
// streams × 10,000 samples (100 M samples) in at most 5 s on both cores,
// decode from the telemetry store included. This measures the computation
// alone, on series already in memory.
//
// Streams are synthetic 1 Hz series (a daily cycle with noise, timing jitter,
// NaN, sentinels, silences, stuck episodes, late arrivals and duplicates). To
// keep memory small, each thread generates a pool of distinct series once and
// cycles through it: only the pool is resident, never 100 M samples, and a
// stream is cold in the caches when its turn comes, as after a decode.

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "evaluators/contracts/quantiles.h"
#include "evaluators/contracts/stream_metrics.h"

namespace stagegate::contracts {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int kSamplesPerStream = 10'000;
constexpr int kFleetStreams = 10'000;
constexpr int kPoolPerThread = 32;  // ~7 MB of series per thread

struct GeneratedStream {
  Series series;
  Window window;
  int64_t now_us;
};

// A 1 Hz stream of `samples` rows starting at 0.
GeneratedStream Generate(uint64_t seed, int samples, bool with_received) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> noise(0, 1);
  GeneratedStream g;
  Series& s = g.series;
  s.timestamps_us.reserve(samples);
  s.values.reserve(samples);
  s.flags.reserve(samples);
  s.duplicates.reserve(samples);
  if (with_received) s.received_us.reserve(samples);
  int64_t t = std::llround(unit(rng) * kSecond);
  int stuck_left = 0;
  double stuck_value = 0;
  for (int i = 0; i < samples; ++i) {
    double v = 20 + 5 * std::sin(2 * M_PI * static_cast<double>(t) / (86400.0 * kSecond)) + 0.3 * noise(rng);
    const double u = unit(rng);
    if (stuck_left > 0) {
      v = stuck_value;
      --stuck_left;
    } else if (u < 0.001) {
      stuck_left = 300;
      stuck_value = v;
    }
    if (u > 0.99) v = std::nan("");
    if (u > 0.998) v = -999;
    s.timestamps_us.push_back(t);
    s.values.push_back(v);
    s.flags.push_back(unit(rng) < 0.005 ? kArrivedOutOfOrder : 0);
    s.duplicates.push_back(unit(rng) < 0.002 ? 1 : 0);
    if (with_received) s.received_us.push_back(t + 200'000 + std::llround(std::abs(noise(rng)) * 50'000));
    t += kSecond + std::llround(noise(rng) * 20'000);  // 20 ms jitter
    if (unit(rng) < 0.0005) t += 60 * kSecond;         // a silence
  }
  g.window = Window{0, samples * kSecond};
  g.now_us = g.window.to_us + 30 * kSecond;
  return g;
}

StreamExpectations Contract() {
  StreamExpectations e;
  e.nominal_rate_hz = 1;
  e.max_gap_s = 5;
  e.minimum = -40;
  e.maximum = 85;
  e.sentinels = {-999};
  return e;
}

// CPU time of the calling thread: on a shared machine the wall clock also
// counts other tenants' work, this does not.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t PeakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// One stream of 10,000 samples on one thread.
void BM_StreamMetricsOneStream(benchmark::State& state) {
  const bool with_received = state.range(0) != 0;
  const GeneratedStream g = Generate(1, kSamplesPerStream, with_received);
  const StreamExpectations contract = Contract();
  StreamMetricsScratch scratch;
  for (auto _ : state) {
    StreamMetrics m = ComputeStreamMetrics(g.series, g.window, contract, g.now_us, scratch);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerStream);
  state.counters["ns_per_sample"] = benchmark::Counter(static_cast<double>(state.iterations()) * kSamplesPerStream,
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_StreamMetricsOneStream)->ArgName("received")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The value statistics' quantiles (p50, p95, p99) of one stream: `n` noisy
// values (1,440 is a day at one a minute); the same values ascending (a
// rising counter); or all equal (the timing deviations of a perfectly
// regular stream).
void BM_StatsQuantiles(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(20, 5);
  std::vector<double> values(n);
  for (double& v : values) v = noise(rng);
  if (state.range(1) == 1) std::sort(values.begin(), values.end());
  if (state.range(1) == 2) std::fill(values.begin(), values.end(), 0.0);
  const double probabilities[] = {0.50, 0.95, 0.99};
  double out[3];
  std::vector<double> work(n);
  for (auto _ : state) {
    std::copy(values.begin(), values.end(), work.begin());
    QuantilesInPlace(work, probabilities, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_StatsQuantiles)
    ->ArgNames({"n", "order"})
    ->ArgsProduct({{1440, 86400}, {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond);

// The fleet: 10,000 streams × 10,000 samples over `threads` threads, each
// taking the next stream from a shared counter.
void BM_StreamMetricsFleet(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const bool with_received = state.range(1) != 0;
  const StreamExpectations contract = Contract();
  std::vector<std::vector<GeneratedStream>> pools(threads);
  for (int w = 0; w < threads; ++w) {
    for (int i = 0; i < kPoolPerThread; ++i) {
      pools[w].push_back(
          Generate(static_cast<uint64_t>(w * kPoolPerThread + i + 100), kSamplesPerStream, with_received));
    }
  }
  std::atomic<int64_t> checksum{0};
  std::atomic<int64_t> cpu_ns{0};
  for (auto _ : state) {
    std::atomic<int> next{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; ++w) {
      workers.emplace_back([&, w] {
        StreamMetricsScratch scratch;
        const double cpu_start = ThreadCpuSeconds();
        int64_t local = 0;
        for (int stream = next++; stream < kFleetStreams; stream = next++) {
          const GeneratedStream& g = pools[w][static_cast<size_t>(stream) % kPoolPerThread];
          const StreamMetrics m = ComputeStreamMetrics(g.series, g.window, contract, g.now_us, scratch);
          local += *m.count + *m.gap_count;
        }
        checksum += local;
        cpu_ns += static_cast<int64_t>((ThreadCpuSeconds() - cpu_start) * 1e9);
      });
    }
    for (std::thread& worker : workers) worker.join();
  }
  benchmark::DoNotOptimize(checksum.load());
  const double samples = static_cast<double>(state.iterations()) * kFleetStreams * kSamplesPerStream;
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["ns_per_sample"] =
      benchmark::Counter(samples, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // Compute CPU time of all threads per fleet pass, and per sample.
  state.counters["cpu_s_per_fleet"] =
      static_cast<double>(cpu_ns.load()) * 1e-9 / static_cast<double>(state.iterations());
  state.counters["cpu_ns_per_sample"] = static_cast<double>(cpu_ns.load()) / samples;
  state.counters["peak_rss_MiB"] = static_cast<double>(PeakResidentKiB()) / 1024.0;
}
BENCHMARK(BM_StreamMetricsFleet)
    ->ArgNames({"threads", "received"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace stagegate::contracts
