// Throughput of the evaluation engine: 100,000 stream subjects judged in
// memory against a 50-rule bundle (issue target: at least 5 million rule
// evaluations per second on 2 cores). Pass outcomes are counted, not stored,
// as a large audit runs.
// Run: build/release/bench/stagegate_bench --benchmark_filter=Engine

#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/bundle/bundle_source.h"
#include "engine/eval/engine.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"
#include "engine/subjects/inputs.h"

namespace stagegate {
namespace {

constexpr int kSubjects = 100'000;
constexpr int kRules = 50;

// Fifty rules of the shapes policies use most: thresholds on nested facts,
// string equality, membership, prefixes, and combinations.
std::string BundleYaml() {
  static const char* kShapes[] = {
      "stream.quality.missing_ratio <= params.limit",
      "stream.quality.max_gap_s < params.limit * 1000.0",
      "stream.stats.max < 50.0 + params.limit",
      "stream.device.site in [\"plant-a\", \"plant-b\", \"plant-c\"]",
      "stream.sensor != \"\" && stream.quality.sample_rate_hz > params.limit",
      "stream.device.firmware.startsWith(\"4.\")",
      "stream.stats.mean >= 0.0 && stream.stats.mean <= 100.0 * (1.0 + params.limit)",
      "stream.device.labels.tier == \"gold\" || stream.quality.missing_ratio < params.limit",
      "stream.quality.duplicate_ratio == 0.0 || stream.quality.duplicate_ratio < params.limit",
      "stream.device.zone.startsWith(\"line-\") && stream.stats.count > 100",
  };
  std::string yaml;
  for (int i = 0; i < kRules; ++i) {
    yaml += fmt::format(R"(---
apiVersion: stagegate/v1
kind: Rule
metadata: {{id: bench.rule-{0}, title: Benchmark rule {0}}}
spec:
  subject: stream
  params: {{limit: {{type: double, default: 0.05}}}}
  assert: '{1}'
  severity: medium
)",
                        i, kShapes[i % std::size(kShapes)]);
  }
  yaml += R"(---
apiVersion: stagegate/v1
kind: Policy
metadata: {name: bench}
spec:
  enforcement: deny
  stages: [gate, audit]
  rules:
)";
  for (int i = 0; i < kRules; ++i) yaml += fmt::format("    - use: bench.rule-{}\n", i);
  return yaml;
}

// Every subject of the fleet; `faulty_percent` of them carry the varied data
// below (about 13 % of their rule evaluations fail), the others are healthy
// and pass every rule. Failures cost more than passes: each renders its
// message and keeps the evidence it read.
subjects::SubjectSet MakeSubjects(int faulty_percent) {
  subjects::SubjectSet set;
  const char* sites[] = {"plant-a", "plant-b", "plant-c", "plant-d"};
  for (int d = 0; d < kSubjects / 10; ++d) {
    // A device is faulty when its first stream is.
    const bool faulty = ((d * 10) % 100) < faulty_percent;
    set.AddDocument(nlohmann::json{{"kind", "device"},
                                   {"id", fmt::format("dev-{:05}", d)},
                                   {"site", faulty ? sites[d % 4] : sites[d % 3]},
                                   {"zone", fmt::format("line-{}", d % 7)},
                                   {"firmware", faulty && d % 9 == 0 ? "3.9.0" : "4.2.1"},
                                   {"labels", {{"tier", d % 3 == 0 ? "gold" : "silver"}}}},
                    {"bench", d + 1});
  }
  for (int s = 0; s < kSubjects; ++s) {
    const bool faulty = (s % 100) < faulty_percent;
    const double r = faulty ? (s % 97) / 1000.0 : 0.01;
    set.AddDocument(nlohmann::json{{"kind", "stream"},
                                   {"id", fmt::format("dev-{:05}/s{}", s / 10, s % 10)},
                                   {"device", fmt::format("dev-{:05}", s / 10)},
                                   {"sensor", s % 2 ? "vibration" : "temperature"},
                                   {"quality",
                                    {{"missing_ratio", r},
                                     {"max_gap_s", 10.0 + s % 50},
                                     {"sample_rate_hz", 1.0 - r},
                                     {"duplicate_ratio", 0.0}}},
                                   {"stats", {{"count", 86'000 + s % 400}, {"mean", 20.0 + r}, {"max", faulty ? 40.0 + s % 13 : 40.0}}}},
                    {"bench", kSubjects + s + 1});
  }
  set.Finish();
  return set;
}

void BM_EngineThroughput(benchmark::State& state) {
  subjects::SubjectSet subjects = MakeSubjects(static_cast<int>(state.range(1)));
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  subjects::InferFacts(subjects, &schema);
  bundle::Bundle bundle;
  bundle.source.kind = "directory";
  bundle.files.push_back({"bench.yaml", BundleYaml()});
  policy::LoadResult loaded = policy::LoadPolicies(bundle, schema, {});
  if (!loaded.ok()) {
    state.SkipWithError(policy::FormatDiagnostics(loaded.diagnostics).c_str());
    return;
  }
  eval::EvalOptions options;
  options.jobs = static_cast<int>(state.range(0));
  options.record_passing = false;
  int64_t evaluations = 0;
  int64_t failures = 0;
  for (auto _ : state) {
    eval::RunResult result = eval::Evaluate(*loaded.bundle, subjects, options);
    evaluations += result.counts.total();
    failures += result.counts.fail;
    benchmark::DoNotOptimize(result);
  }
  state.counters["fail_share_pct"] = 100.0 * static_cast<double>(failures) / static_cast<double>(evaluations);
  state.counters["rule_evals_per_s"] =
      benchmark::Counter(static_cast<double>(evaluations), benchmark::Counter::kIsRate);
  state.counters["evals_per_run"] = static_cast<double>(evaluations) / static_cast<double>(state.iterations());
}

// Arguments: threads, percent of faulty subjects.
BENCHMARK(BM_EngineThroughput)
    ->ArgsProduct({{1, 2}, {10, 100}})
    ->ArgNames({"threads", "faulty_pct"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace stagegate
