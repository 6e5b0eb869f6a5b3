// The per-stream cost of a drift comparison: CompareNumeric of a 10,000-value
// reference (built once, as a baseline is) against 10,000 current values,
// every statistic included (KS with its exact p-value, Wasserstein, PSI,
// Jensen-Shannon, Cohen's d, missingness). The stream drift facts make one
// such comparison per stream, so 10,000 streams cost 10,000 times this.
#include <benchmark/benchmark.h>

#include <vector>

#include "evaluators/drift/column_drift.h"
#include "evaluators/drift/sample_generator.h"

namespace stagegate::drift {
namespace {

void BM_CompareNumeric(benchmark::State& state) {
  const auto n = state.range(0);
  const double shift = static_cast<double>(state.range(1)) / 100.0;
  const ReferenceDistribution reference = MakeReference(GenerateSample({"normal", 1, n, 0.0, 1.0, 1.0}), {});
  const std::vector<double> current = GenerateSample({"normal", 2, n, shift, 1.0, 1.0});
  const DriftOptions options;
  for (auto _ : state) {
    DriftResult result = CompareNumeric(reference, current, options);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
// Arguments: sample size, shift of the current mean in hundredths of an SD.
BENCHMARK(BM_CompareNumeric)->Args({10000, 0})->Args({10000, 20})->Args({1000, 0})->Unit(benchmark::kMicrosecond);

void BM_MakeReference(benchmark::State& state) {
  const std::vector<double> values = GenerateSample({"normal", 1, state.range(0), 0.0, 1.0, 1.0});
  for (auto _ : state) {
    ReferenceDistribution reference = MakeReference(values, {});
    benchmark::DoNotOptimize(reference);
  }
}
BENCHMARK(BM_MakeReference)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace stagegate::drift
