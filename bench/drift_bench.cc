// Drift statistics on large samples. The peer is scipy.stats.ks_2samp on the
// same samples, timed by bench/scipy_ks_bench.py in the same run.
#include <benchmark/benchmark.h>

#include <vector>

#include "evaluators/drift/binned.h"
#include "evaluators/drift/sample_generator.h"
#include "evaluators/drift/special_functions.h"
#include "evaluators/drift/two_sample.h"

namespace {

using stagegate::drift::GenerateSample;
using stagegate::drift::SampleRecipe;

// The same recipes as scipy_ks_bench.py: N(0, 1) against N(0.01, 1).
const std::vector<double>& Reference(std::int64_t n) {
  static const std::vector<double> values = GenerateSample(SampleRecipe{"normal", 42, n, 0.0, 1.0, 1.0});
  return values;
}
const std::vector<double>& Current(std::int64_t n) {
  static const std::vector<double> values = GenerateSample(SampleRecipe{"normal", 43, n, 0.01, 1.0, 1.0});
  return values;
}

constexpr std::int64_t kMillion = 1000000;

// Unsorted input, as SciPy receives it: sorting both samples is included.
void BM_Ks1Mx1M(benchmark::State& state) {
  const auto& a = Reference(kMillion);
  const auto& b = Current(kMillion);
  for (auto _ : state) {
    auto result = stagegate::drift::KolmogorovSmirnov(a, b);
    benchmark::DoNotOptimize(result);
  }
  state.counters["statistic"] = stagegate::drift::KolmogorovSmirnov(a, b).statistic;
}
BENCHMARK(BM_Ks1Mx1M)->Unit(benchmark::kMillisecond)->UseRealTime();

// The asymptotic p-value alone, at the effective n and D of BM_Ks1Mx1M.
void BM_KsAsymptoticPValue(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(stagegate::drift::KolmogorovSurvival(500000, 0.003964));
}
BENCHMARK(BM_KsAsymptoticPValue)->Unit(benchmark::kMillisecond);

void BM_Wasserstein1Mx1M(benchmark::State& state) {
  const auto& a = Reference(kMillion);
  const auto& b = Current(kMillion);
  for (auto _ : state) benchmark::DoNotOptimize(stagegate::drift::Wasserstein1(a, b));
}
BENCHMARK(BM_Wasserstein1Mx1M)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PsiQuantile1Mx1M(benchmark::State& state) {
  const auto& a = Reference(kMillion);
  const auto& b = Current(kMillion);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        stagegate::drift::PopulationStabilityIndex(a, b, stagegate::drift::Binning::kReferenceQuantiles));
  }
}
BENCHMARK(BM_PsiQuantile1Mx1M)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
