#include "evaluators/models/model_evaluation.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "engine/common/digest.h"
#include "evaluators/drift/csv_columns.h"
#include "evaluators/models/metrics.h"

namespace stagegate::models {

using inference::ElementType;
using inference::Tensor;

std::shared_ptr<const LoadedArtifact> LoadArtifact(const std::string& path) {
  auto artifact = std::make_shared<LoadedArtifact>();
  artifact->path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    artifact->error = fmt::format("{}: cannot open the model file; check the manifest's 'file' path", path);
    return artifact;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    artifact->error = fmt::format("{}: read error", path);
    return artifact;
  }
  artifact->sha256 = common::Sha256Hex(bytes);
  artifact->size_bytes = static_cast<std::int64_t>(bytes.size());
  artifact->model = inference::Model::LoadBytes(bytes, path, &artifact->error);
  return artifact;
}

namespace {

// Finds the first cell of a column that is not a number, for the message.
std::string FirstBadCell(const drift::CsvColumn& column, std::int64_t* row) {
  for (size_t i = 0; i < column.strings.size(); ++i) {
    const std::string& cell = column.strings[i];
    double value = 0;
    const char* begin = cell.data();
    const char* end = cell.data() + cell.size();
    while (begin < end && *begin == ' ') ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (cell.empty() || ec != std::errc() || ptr != end) {
      *row = static_cast<std::int64_t>(i) + 1;
      return cell;
    }
  }
  *row = 0;
  return {};
}

}  // namespace

bool ReadGolden(const GoldenDataset& spec, GoldenData* data, std::string* error) {
  std::unique_ptr<drift::CsvFile> file = drift::CsvFile::Open(spec.path, 1, error);
  if (!file) return false;
  const std::vector<std::string>& header = file->header();
  std::vector<std::string> features = spec.columns;
  if (features.empty()) {
    for (const std::string& name : header) {
      if (name != spec.label) features.push_back(name);
    }
  }
  std::vector<int> indices;
  std::vector<std::string> missing;
  for (const std::string& name : features) {
    std::optional<int> index = file->Find(name);
    if (index) indices.push_back(*index);
    else missing.push_back(name);
  }
  std::optional<int> label_index = file->Find(spec.label);
  if (!label_index) missing.push_back(spec.label + " (the label column)");
  if (!missing.empty()) {
    std::string list;
    for (const std::string& name : missing) list += (list.empty() ? "" : ", ") + name;
    *error = fmt::format("{}: missing column(s) {}; the file has {}", spec.path, list, fmt::join(header, ", "));
    return false;
  }
  indices.push_back(*label_index);
  std::vector<drift::CsvColumn> columns;
  if (!file->Read(indices, {}, &columns, error)) return false;
  const size_t feature_count = features.size();
  data->path = spec.path;
  data->feature_names = features;
  data->rows = file->rows();
  if (data->rows == 0) {
    *error = fmt::format("{}: the golden dataset has no rows", spec.path);
    return false;
  }
  for (const drift::CsvColumn& column : columns) {
    if (!column.numeric) {
      std::int64_t row = 0;
      std::string cell = FirstBadCell(column, &row);
      *error = fmt::format("{}: row {}: column '{}' holds '{}', not a number; golden datasets hold numbers only",
                           spec.path, row, column.name, cell);
      return false;
    }
    for (size_t r = 0; r < column.numbers.size(); ++r) {
      if (std::isnan(column.numbers[r])) {
        *error = fmt::format("{}: row {}: column '{}' is empty (or NaN); golden datasets must be complete", spec.path,
                             r + 1, column.name);
        return false;
      }
    }
  }
  data->features.resize(static_cast<size_t>(data->rows) * feature_count);
  for (size_t c = 0; c < feature_count; ++c) {
    for (std::int64_t r = 0; r < data->rows; ++r) {
      data->features[static_cast<size_t>(r) * feature_count + c] = static_cast<float>(columns[c].numbers[r]);
    }
  }
  data->labels = columns.back().numbers;
  std::ifstream in(spec.path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  data->sha256 = common::Sha256Hex(content.str());
  return true;
}

const std::vector<std::string>& TaskMetricNames() {
  static const std::vector<std::string> kNames = {"accuracy", "precision", "recall",  "f1",
                                                  "roc_auc",  "mae",       "rmse",    "r2",
                                                  "anomaly.precision", "anomaly.recall"};
  return kNames;
}

const std::vector<std::string>& PerformanceMetricNames() {
  static const std::vector<std::string> kNames = {"latency_p50_ms", "latency_p99_ms", "throughput_rows_s",
                                                  "peak_memory_bytes", "memory_bytes", "rows"};
  return kNames;
}

namespace {

std::mutex& TimingLock() {
  static std::mutex lock;
  return lock;
}

// Pins the calling thread to one CPU it may run on, and restores its
// affinity when destroyed.
class PinToOneCpu {
 public:
  PinToOneCpu() {
    CPU_ZERO(&previous_);
    if (pthread_getaffinity_np(pthread_self(), sizeof(previous_), &previous_) != 0) return;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &previous_)) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pinned_ = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
        break;
      }
    }
  }
  ~PinToOneCpu() {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof(previous_), &previous_);
  }

 private:
  cpu_set_t previous_;
  bool pinned_ = false;
};

int FindValue(const std::vector<inference::ValueSpec>& values, const std::string& name) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Names(const std::vector<inference::ValueSpec>& values) {
  std::string names;
  for (const auto& value : values) names += (names.empty() ? "" : ", ") + value.name;
  return names;
}

// Turns one batch's output into one score (or class) per row.
bool Scores(const Tensor& output, ModelTask task, const float* inputs, std::int64_t features, std::int64_t rows,
            std::vector<double>* scores, bool* multiclass, std::string* error) {
  const inference::Shape& shape = output.shape();
  const std::int64_t columns = shape.size() >= 2 ? output.size() / std::max<std::int64_t>(shape[0], 1) : 1;
  if (shape.empty() || shape[0] != rows) {
    *error = fmt::format("the output has shape {}; expected one row per input row ({} rows)",
                         inference::FormatShape(shape), rows);
    return false;
  }
  auto value = [&](std::int64_t r, std::int64_t c) -> double {
    const std::int64_t i = r * columns + c;
    switch (output.type()) {
      case ElementType::kFloat32: return output.data<float>()[i];
      case ElementType::kInt64: return static_cast<double>(output.data<std::int64_t>()[i]);
      case ElementType::kBool: return output.data<std::uint8_t>()[i];
      case ElementType::kString: return std::nan("");
    }
    return std::nan("");
  };
  if (output.type() == ElementType::kString) {
    *error = "the output holds string labels; name a numeric output (a score, a probability or an int64 label)";
    return false;
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    if (columns == 1) {
      scores->push_back(value(r, 0));
    } else if (task == ModelTask::kAnomaly && columns == features) {
      double squared = 0;  // reconstruction error of an autoencoder
      for (std::int64_t c = 0; c < columns; ++c) {
        const double d = value(r, c) - inputs[r * features + c];
        squared += d * d;
      }
      scores->push_back(squared / static_cast<double>(columns));
    } else if (task == ModelTask::kClassification && columns == 2) {
      scores->push_back(value(r, 1));  // probability of the positive class
    } else if (task == ModelTask::kClassification) {
      std::int64_t best = 0;
      for (std::int64_t c = 1; c < columns; ++c) best = value(r, c) > value(r, best) ? c : best;
      double label = static_cast<double>(best);
      if (output.map_keys && output.map_keys->type() == ElementType::kInt64) {
        label = static_cast<double>(output.map_keys->data<std::int64_t>()[best]);
      }
      scores->push_back(label);
      *multiclass = true;
    } else {
      *error = fmt::format("the output has shape {}; a {} model needs one value per row",
                           inference::FormatShape(shape), task == ModelTask::kRegression ? "regression" : "anomaly");
      return false;
    }
  }
  return true;
}

}  // namespace

bool EvaluateModel(const inference::Model& model, const ModelManifest& manifest, const GoldenData& data,
                   const EvaluationOptions& options, Metrics* metrics, std::string* error) {
  const inference::ModelSummary& summary = model.summary();
  if (summary.inputs.empty()) {
    *error = "the model declares no input";
    return false;
  }
  int input_index = 0;
  if (!manifest.input.empty()) {
    input_index = FindValue(summary.inputs, manifest.input);
    if (input_index < 0) {
      *error = fmt::format("the manifest names input '{}', the model has {}", manifest.input, Names(summary.inputs));
      return false;
    }
  }
  if (summary.inputs.size() != 1) {
    *error = fmt::format("the model has inputs {}; golden datasets feed models with a single input",
                         Names(summary.inputs));
    return false;
  }
  int output_index = 0;
  if (!manifest.output.empty()) {
    output_index = FindValue(summary.outputs, manifest.output);
    if (output_index < 0) {
      *error = fmt::format("the manifest names output '{}', the model has {}", manifest.output, Names(summary.outputs));
      return false;
    }
  } else if (summary.outputs.size() != 1) {
    *error = fmt::format("the model has outputs {}; name the one to judge with 'output' in the manifest",
                         Names(summary.outputs));
    return false;
  }
  const inference::ValueSpec& input = summary.inputs[static_cast<size_t>(input_index)];
  const std::int64_t features = static_cast<std::int64_t>(data.feature_names.size());
  if (input.dims.size() != 2 || (input.dims[1] >= 0 && input.dims[1] != features)) {
    std::string dims;
    for (std::int64_t d : input.dims) dims += (dims.empty() ? "" : ", ") + (d < 0 ? std::string("?") : std::to_string(d));
    *error = fmt::format("input '{}' has shape [{}], the golden dataset {} has {} feature columns; "
                         "the model must take [rows, {}]",
                         input.name, dims, data.path, features, features);
    return false;
  }
  if (input.type != ElementType::kFloat32) {
    *error = fmt::format("input '{}' is {}; golden datasets feed float32 inputs", input.name,
                         inference::ElementTypeName(input.type));
    return false;
  }

  std::lock_guard<std::mutex> timing(TimingLock());
  PinToOneCpu pin;
  using Clock = std::chrono::steady_clock;

  // Batched pass: the predictions for the metrics, and the throughput.
  std::vector<double> scores;
  scores.reserve(static_cast<size_t>(data.rows));
  bool multiclass = false;
  const std::int64_t batch = std::max<std::int64_t>(1, std::min(options.batch_rows, data.rows));
  std::unique_ptr<inference::Session> session;
  std::vector<Tensor> outputs;
  const Clock::time_point batched_start = Clock::now();
  for (std::int64_t first = 0; first < data.rows; first += batch) {
    const std::int64_t rows = std::min(batch, data.rows - first);
    if (!session || session->input_shapes()[0][0] != rows) {
      session = model.Plan({{rows, features}}, error);
      if (!session) return false;
    }
    float* begin = const_cast<float*>(data.features.data()) + first * features;
    Tensor in = Tensor::View(ElementType::kFloat32, {rows, features}, begin);
    inference::Status status = session->Run(std::span<const Tensor>(&in, 1), &outputs);
    if (!status.ok()) {
      *error = status.message();
      return false;
    }
    if (!Scores(outputs[static_cast<size_t>(output_index)], manifest.task, begin, features, rows, &scores, &multiclass,
                error)) {
      *error = fmt::format("output '{}': {}", summary.outputs[static_cast<size_t>(output_index)].name, *error);
      return false;
    }
  }
  const double batched_seconds = std::chrono::duration<double>(Clock::now() - batched_start).count();

  // Single-row latency after warm-up.
  std::unique_ptr<inference::Session> single = model.Plan({{1, features}}, error);
  if (!single) return false;
  std::vector<double> latencies_ms;
  const int total_runs = options.latency_warmup_runs + options.latency_runs;
  for (int run = 0; run < total_runs; ++run) {
    float* row = const_cast<float*>(data.features.data()) + (run % data.rows) * features;
    Tensor in = Tensor::View(ElementType::kFloat32, {1, features}, row);
    const Clock::time_point start = Clock::now();
    inference::Status status = single->Run(std::span<const Tensor>(&in, 1), &outputs);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!status.ok()) {
      *error = status.message();
      return false;
    }
    if (run >= options.latency_warmup_runs) latencies_ms.push_back(ms);
  }

  Metrics& m = *metrics;
  switch (manifest.task) {
    case ModelTask::kClassification: {
      const ClassificationMetrics c = multiclass ? ClassifyMulticlass(scores, data.labels)
                                                 : Classify(scores, data.labels, manifest.golden->threshold.value_or(0.5));
      m["accuracy"] = c.accuracy;
      m["precision"] = c.precision;
      m["recall"] = c.recall;
      m["f1"] = c.f1;
      if (!std::isnan(c.roc_auc)) m["roc_auc"] = c.roc_auc;
      break;
    }
    case ModelTask::kRegression: {
      const RegressionMetrics r = Regress(scores, data.labels);
      m["mae"] = r.mae;
      m["rmse"] = r.rmse;
      if (!std::isnan(r.r2)) m["r2"] = r.r2;
      break;
    }
    case ModelTask::kAnomaly: {
      if (!manifest.golden->threshold) {
        *error = "an anomaly model's golden dataset needs 'threshold': the score at which a row is flagged";
        return false;
      }
      const AnomalyMetrics a = DetectAnomalies(scores, data.labels, *manifest.golden->threshold);
      m["anomaly.precision"] = a.precision;
      m["anomaly.recall"] = a.recall;
      break;
    }
  }
  m["latency_p50_ms"] = Percentile(latencies_ms, 50);
  m["latency_p99_ms"] = Percentile(latencies_ms, 99);
  m["throughput_rows_s"] = batched_seconds > 0 ? static_cast<double>(data.rows) / batched_seconds : 0.0;
  m["peak_memory_bytes"] = static_cast<double>(single->planned_peak_bytes());
  m["memory_bytes"] = static_cast<double>(single->planned_peak_bytes() + static_cast<size_t>(summary.initializer_bytes));
  m["rows"] = static_cast<double>(data.rows);
  return true;
}

}  // namespace stagegate::models
