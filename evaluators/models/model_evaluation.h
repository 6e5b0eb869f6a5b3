#pragma once
// Running a model artifact on its golden dataset: predictions, the task's
// metrics, single-row latency, batched throughput and planned memory.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "evaluators/inference/model.h"
#include "evaluators/models/manifest.h"

namespace stagegate::models {

// A model file read, digested and (when it is a model Stagegate can run) loaded.
struct LoadedArtifact {
  std::string path;
  std::string sha256;  // lowercase hex of the whole file ("" when unreadable)
  std::int64_t size_bytes = 0;
  std::unique_ptr<inference::Model> model;  // null when reading or loading failed
  std::string error;                        // why, naming the file
};
std::shared_ptr<const LoadedArtifact> LoadArtifact(const std::string& path);

// A golden dataset as the model reads it: features row-major in model input
// order, one numeric label per row.
struct GoldenData {
  std::string path;
  std::string sha256;
  std::vector<std::string> feature_names;
  std::vector<float> features;  // rows × feature_names.size()
  std::vector<double> labels;
  std::int64_t rows = 0;
};
// Reads the CSV; errors name the file, and the line and column of a
// non-numeric or missing cell, or the missing columns.
bool ReadGolden(const GoldenDataset& spec, GoldenData* data, std::string* error);

struct EvaluationOptions {
  std::int64_t batch_rows = 1024;     // rows per batch for throughput and metrics
  int latency_warmup_runs = 20;       // single-row runs before timing
  int latency_runs = 200;             // single-row runs timed
};

// Metric name ("accuracy", "rmse", "anomaly.precision", "latency_p50_ms",
// "latency_p99_ms", "throughput_rows_s", "peak_memory_bytes", "memory_bytes",
// "rows") → value. Only the task's metrics are present.
using Metrics = std::map<std::string, double>;

// Runs `model` on `data` as `manifest` says (input, output, task,
// threshold). Latency runs hold a process-wide lock and pin the thread to one
// CPU, so that concurrent evaluations do not disturb each other's timings.
bool EvaluateModel(const inference::Model& model, const ModelManifest& manifest, const GoldenData& data,
                   const EvaluationOptions& options, Metrics* metrics, std::string* error);

// The metric names of a task (without the performance ones), for the fact schema.
const std::vector<std::string>& TaskMetricNames();
const std::vector<std::string>& PerformanceMetricNames();

}  // namespace stagegate::models
