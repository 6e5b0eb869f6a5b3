// Parse+plan and evaluation time of typical policy expressions.
// Run: build/release/bench/stagegate_bench --benchmark_filter=Cel
// Each evaluation benchmark reports `allocs_per_eval`, counted by replacing
// the global operator new in this binary.

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/cel.h"
#include "tests/support/counting_new.h"

namespace stagegate::cel {
namespace {

const nlohmann::json& Document() {
  static const nlohmann::json document = [] {
    nlohmann::json doc = nlohmann::json::parse(R"({
      "stream": {
        "id": "turbofan-0007/vibration", "sensor": "vibration",
        "device": {"id": "turbofan-0007", "site": "plant-a", "firmware": "4.2.1",
                   "labels": {"class": "engine-monitor", "criticality": "high", "tier": "gold"}},
        "quality": {"missing_ratio": 0.013, "max_gap_s": 42.0}
      }
    })");
    nlohmann::json readings = nlohmann::json::array();
    for (int i = 0; i < 100; ++i) readings.push_back(50.0 + (i % 37) * 1.25);
    doc["readings"] = readings;
    return doc;
  }();
  return document;
}

struct Case {
  const char* name;
  const char* expression;
};

const Case kCases[] = {
    {"compare_and_equal", R"(stream.quality.missing_ratio <= 0.02 && stream.device.site == "plant-a")"},
    {"starts_with", R"(stream.id.startsWith("turbofan-"))"},
    {"matches", R"(stream.device.firmware.matches("^4\\.[2-9]\\.[0-9]+$"))"},
    {"exists_100", R"(readings.exists(r, r > 99.5))"},
    {"map_lookups", R"(stream.device.labels["criticality"] == "high" && "tier" in stream.device.labels)"},
    {"timestamp_arithmetic", R"(now - last_seen < duration("24h") && last_seen.getHours("Europe/Berlin") < 23)"},
};

Environment MakeEnvironment() {
  Environment env = Environment::Standard();
  for (const char* name : {"stream", "readings", "now", "last_seen"}) env.DeclareVariable(name, Type::Dyn());
  return env;
}

MapActivation MakeActivation() {
  MapActivation activation;
  activation.Bind("stream", JsonValue(Document()["stream"]));
  activation.Bind("readings", JsonValue(Document()["readings"]));
  activation.Bind("now", Value::TimestampOf(Timestamp{1'795'000'000, 0}));
  activation.Bind("last_seen", Value::TimestampOf(Timestamp{1'794'990'000, 500'000'000}));
  return activation;
}

void BM_CelCompile(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  Environment env = MakeEnvironment();
  for (auto _ : state) {
    CompileResult compiled = Compile(env, Source(c.expression));
    if (!compiled.ok()) {
      state.SkipWithError("compile failed");
      return;
    }
    benchmark::DoNotOptimize(compiled.program);
  }
  state.SetLabel(c.name);
}

void BM_CelEvaluate(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  Environment env = MakeEnvironment();
  CompileResult compiled = Compile(env, Source(c.expression));
  if (!compiled.ok()) {
    state.SkipWithError("compile failed");
    return;
  }
  MapActivation activation = MakeActivation();
  Value check = compiled.program->Evaluate(activation);
  if (!check.IsBool()) {
    state.SkipWithError(("unexpected result: " + check.DebugString()).c_str());
    return;
  }
  const int64_t before = stagegate::testing::AllocationCount();
  for (auto _ : state) {
    Value v = compiled.program->Evaluate(activation);
    benchmark::DoNotOptimize(v);
  }
  const int64_t allocations = stagegate::testing::AllocationCount() - before;
  state.counters["allocs_per_eval"] =
      benchmark::Counter(static_cast<double>(allocations) / static_cast<double>(state.iterations()));
  state.SetLabel(c.name);
}

BENCHMARK(BM_CelCompile)->DenseRange(0, std::size(kCases) - 1);
BENCHMARK(BM_CelEvaluate)->DenseRange(0, std::size(kCases) - 1);

}  // namespace
}  // namespace stagegate::cel
