// Fuzzes what the model gates read besides the ONNX file itself (model_fuzz
// covers that): golden datasets, run through the committed MLP as a gate runs
// them, and model manifests. The first byte picks the input: a golden CSV
// (any header, any cells: missing columns and labels, non-numeric and empty
// cells, feature counts that do not fit the model's input), or a manifest as
// JSON. Nothing may crash, leak or hang; bad input is an error.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "evaluators/inference/model.h"
#include "evaluators/models/manifest.h"
#include "evaluators/models/model_evaluation.h"

namespace {

using namespace stagegate;

const inference::Model& Mlp() {
  static const std::unique_ptr<inference::Model> model = [] {
    std::string error;
    auto loaded = inference::Model::Load(std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/models/mlp.onnx", &error);
    if (!loaded) __builtin_trap();  // the committed model must load
    return loaded;
  }();
  return *model;
}

void FuzzGolden(std::string_view text) {
  static const std::string path = [] {
    char name[] = "/tmp/stagegate-models-fuzz-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  if (FILE* file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }
  models::GoldenDataset spec{path, path, "label", {}, 0.5};
  models::GoldenData data;
  std::string error;
  if (!models::ReadGolden(spec, &data, &error)) {
    if (error.empty()) __builtin_trap();  // every refusal says why
    return;
  }
  models::ModelManifest manifest;
  manifest.golden = spec;
  for (models::ModelTask task : {models::ModelTask::kClassification, models::ModelTask::kRegression}) {
    manifest.task = task;
    models::EvaluationOptions options;
    options.latency_warmup_runs = 1;
    options.latency_runs = 2;
    models::Metrics metrics;
    if (!models::EvaluateModel(Mlp(), manifest, data, options, &metrics, &error) && error.empty()) __builtin_trap();
  }
}

void FuzzManifest(std::string_view text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return;
  subjects::Subject subject;
  subject.kind = facts::SubjectKind::kModel;
  subject.id = "fuzz";
  subject.document = std::move(document);
  subject.location = {"inputs/fuzz.json", 1};
  models::ModelManifest manifest;
  std::string error;
  if (!models::ParseManifest(subject, &manifest, &error) && error.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) FuzzGolden(rest);
  else FuzzManifest(rest);
  return 0;
}
