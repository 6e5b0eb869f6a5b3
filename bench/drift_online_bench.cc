// The online drift detectors (issue 6) over 10,000 streams × 10,000 samples
// (100 M samples), one thread, series already in memory. ADWIN must stay
// O(log W) amortised per sample; Page-Hinkley is O(1).
//
// Streams are synthetic 1 Hz series: Gaussian noise with a mean shift two
// thirds of the way through, and a few NaN (skipped and counted). A pool of
// distinct series is generated once and cycled through, so that only the pool
// is resident. Items processed = samples, so Google Benchmark reports
// samples per second; the counter `ns_per_sample` gives the per-sample cost.

#include <benchmark/benchmark.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "evaluators/drift/online_detectors.h"

namespace stagegate::drift {
namespace {

constexpr int kSamplesPerStream = 10'000;
constexpr int kFleetStreams = 10'000;
constexpr int kPool = 64;

struct Stream {
  std::vector<int64_t> timestamps_us;
  std::vector<double> values;
};

const std::vector<Stream> &Pool() {
  static const std::vector<Stream> pool = [] {
    std::vector<Stream> streams(kPool);
    std::mt19937_64 rng(6);
    std::normal_distribution<double> noise(0.0, 1.0);
    for (int s = 0; s < kPool; ++s) {
      Stream &st = streams[static_cast<size_t>(s)];
      const double shift =
          0.25 * (s % 8); // a quarter of the streams barely move
      for (int i = 0; i < kSamplesPerStream; ++i) {
        st.timestamps_us.push_back(int64_t{1'000'000} * i);
        double v =
            20.0 + noise(rng) + (i > 2 * kSamplesPerStream / 3 ? shift : 0.0);
        if (i % 997 == 500)
          v = std::numeric_limits<double>::quiet_NaN();
        st.values.push_back(v);
      }
    }
    return streams;
  }();
  return pool;
}

template <typename Run>
void RunFleet(benchmark::State &state, int streams, Run run) {
  const std::vector<Stream> &pool = Pool();
  size_t detections = 0;
  for (auto _ : state) {
    for (int s = 0; s < streams; ++s) {
      const Stream &st = pool[static_cast<size_t>(s % kPool)];
      const OnlineResult r = run(st);
      detections += r.detections.size();
      benchmark::DoNotOptimize(r);
    }
  }
  const double samples =
      static_cast<double>(state.iterations()) * streams * kSamplesPerStream;
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["ns_per_sample"] =
      benchmark::Counter(samples * 1e-9, benchmark::Counter::kIsRate |
                                             benchmark::Counter::kInvert);
  state.counters["detections_per_stream"] =
      static_cast<double>(detections) /
      (static_cast<double>(state.iterations()) * streams);
}

OnlineResult PageHinkleyOf(const Stream &st) {
  return RunPageHinkley(st.timestamps_us, st.values);
}
OnlineResult AdwinOf(const Stream &st) {
  return RunAdwin(st.timestamps_us, st.values);
}
OnlineResult AdwinClock1Of(const Stream &st) {
  AdwinOptions o;
  o.clock = 1;
  return RunAdwin(st.timestamps_us, st.values, o);
}

// One stream of 10,000 samples.
void BM_PageHinkleyStream(benchmark::State &state) {
  RunFleet(state, 1, PageHinkleyOf);
}
void BM_AdwinStream(benchmark::State &state) { RunFleet(state, 1, AdwinOf); }
// ADWIN checking every sample: the cost of the cut scan itself.
void BM_AdwinClock1Stream(benchmark::State &state) {
  RunFleet(state, 1, AdwinClock1Of);
}
// The whole fleet: 10,000 × 10,000 samples.
void BM_PageHinkleyFleet(benchmark::State &state) {
  RunFleet(state, kFleetStreams, PageHinkleyOf);
}
void BM_AdwinFleet(benchmark::State &state) {
  RunFleet(state, kFleetStreams, AdwinOf);
}

// ADWIN's cost per sample as the window grows (no change, so it never
// shrinks): flat or logarithmic in W, never linear.
void BM_AdwinWindowGrowth(benchmark::State &state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<double> values(static_cast<size_t>(n));
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (double &v : values)
    v = u(rng);
  for (auto _ : state) {
    Adwin adwin;
    for (double v : values)
      benchmark::DoNotOptimize(adwin.Update(v));
    benchmark::DoNotOptimize(adwin.width());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.counters["ns_per_sample"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * n * 1e-9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_PageHinkleyStream)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AdwinStream)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AdwinClock1Stream)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageHinkleyFleet)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_AdwinFleet)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_AdwinWindowGrowth)
    ->RangeMultiplier(10)
    ->Range(1'000, 1'000'000)
    ->Unit(benchmark::kMillisecond);

} // namespace
} // namespace stagegate::drift
