// The inference executor on the committed MLP (16 inputs, 32 hidden, 1
// output; tests/data/models/mlp.onnx), as issue targets state them:
//  - batches of 1,024 rows, time per row, one thread (compare with ONNX
//    Runtime through bench/inference_vs_ort.sh);
//  - single-row latency per call;
//  - the golden-dataset evaluation of 100,000 rows with the metrics, as the
//    model gate runs it (EvaluateModel: batched pass, metrics, and the
//    single-row latency measurement it always makes).
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "evaluators/inference/model.h"
#include "evaluators/models/model_evaluation.h"

namespace {

using stagegate::inference::ElementType;
using stagegate::inference::Model;
using stagegate::inference::Tensor;

const std::string kMlp = std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/models/mlp.onnx";

std::unique_ptr<Model> LoadMlp(benchmark::State& state) {
  std::string error;
  std::unique_ptr<Model> model = Model::Load(kMlp, &error);
  if (!model) state.SkipWithError(error.c_str());
  return model;
}

std::vector<float> RandomRows(std::int64_t rows) {
  std::mt19937 random(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<size_t>(rows) * 16);
  for (float& v : values) v = normal(random);
  return values;
}

void RunBatches(benchmark::State& state, std::int64_t rows) {
  std::unique_ptr<Model> model = LoadMlp(state);
  if (!model) return;
  std::string error;
  std::unique_ptr<stagegate::inference::Session> session = model->Plan({{rows, 16}}, &error);
  if (!session) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<float> values = RandomRows(rows);
  Tensor input = Tensor::View(ElementType::kFloat32, {rows, 16}, values.data());
  std::vector<Tensor> outputs;
  for (auto _ : state) {
    stagegate::inference::Status status = session->Run(std::span<const Tensor>(&input, 1), &outputs);
    if (!status.ok()) state.SkipWithError(status.message().c_str());
    benchmark::DoNotOptimize(outputs[0].raw());
  }
  state.SetItemsProcessed(state.iterations() * rows);
}

void BM_MlpBatch1024(benchmark::State& state) { RunBatches(state, 1024); }
BENCHMARK(BM_MlpBatch1024)->UseRealTime();

void BM_MlpSingleRow(benchmark::State& state) { RunBatches(state, 1); }
BENCHMARK(BM_MlpSingleRow)->UseRealTime();

void BM_GoldenEvaluation100k(benchmark::State& state) {
  std::unique_ptr<Model> model = LoadMlp(state);
  if (!model) return;
  constexpr std::int64_t kRows = 100000;
  stagegate::models::GoldenData data;
  data.path = "synthetic";
  for (int c = 0; c < 16; ++c) data.feature_names.push_back("f" + std::to_string(c));
  data.features = RandomRows(kRows);
  data.rows = kRows;
  data.labels.resize(kRows);
  for (std::int64_t r = 0; r < kRows; ++r) data.labels[r] = data.features[r * 16] > 0.5f ? 1.0 : 0.0;
  stagegate::models::ModelManifest manifest;
  manifest.golden = stagegate::models::GoldenDataset{"synthetic", "synthetic", "label", {}, 0.5};
  for (auto _ : state) {
    stagegate::models::Metrics metrics;
    std::string error;
    if (!stagegate::models::EvaluateModel(*model, manifest, data, {}, &metrics, &error)) {
      state.SkipWithError(error.c_str());
    }
    benchmark::DoNotOptimize(metrics);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_GoldenEvaluation100k)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
