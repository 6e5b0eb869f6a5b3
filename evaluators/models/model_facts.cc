#include "evaluators/models/model_facts.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "engine/common/digest.h"
#include "engine/common/encoding.h"
#include "engine/subjects/field_selector.h"
#include "evaluators/drift/baseline_store.h"
#include "evaluators/drift/column_drift.h"

namespace stagegate::models {

using facts::FactDef;
using facts::FactOrigin;
using facts::SubjectKind;
using subjects::ComputedFact;

namespace {

struct MetricFact {
  const char* name;
  const char* unit;
  const char* description;
};

constexpr MetricFact kMetricFacts[] = {
    {"accuracy", "ratio", "Share of golden rows classified correctly (classification)."},
    {"precision", "ratio", "Precision of the positive class at the manifest's threshold (macro average when multi-class)."},
    {"recall", "ratio", "Recall of the positive class at the manifest's threshold (macro average when multi-class)."},
    {"f1", "ratio", "F1 score at the manifest's threshold (macro average when multi-class)."},
    {"roc_auc", "ratio", "Area under the ROC curve of the scores (binary classification)."},
    {"mae", "", "Mean absolute error on the golden dataset (regression)."},
    {"rmse", "", "Root mean squared error on the golden dataset (regression)."},
    {"r2", "", "Coefficient of determination on the golden dataset (regression)."},
    {"anomaly.precision", "ratio", "Share of flagged rows (score ≥ threshold) that are labelled anomalies."},
    {"anomaly.recall", "ratio", "Share of labelled anomalies flagged (score ≥ threshold)."},
    {"latency_p50_ms", "ms", "Median single-row inference time, measured in process after warm-up on one pinned thread."},
    {"latency_p99_ms", "ms", "99th percentile single-row inference time, measured as latency_p50_ms."},
    {"throughput_rows_s", "rows/s", "Rows per second of batched inference (batches of 1,024) over the golden dataset."},
    {"peak_memory_bytes", "bytes", "Planned arena of single-row inference: every intermediate tensor and scratch buffer."},
    {"memory_bytes", "bytes", "Weights plus peak_memory_bytes: what the model needs on a device."},
    {"rows", "", "Rows of the golden dataset evaluated."},
};

constexpr std::string_view kModelGroups[] = {"sha256",    "digest_match", "signature_valid", "signature_error",
                                             "opset",     "domains",      "ops",             "size_bytes",
                                             "params",    "eval",         "eval.anomaly",    "baseline",
                                             "baseline.anomaly", "delta", "delta.anomaly",   "delta.relative",
                                             "delta.relative.anomaly", "device_fit", "input_drift"};
constexpr std::string_view kDeploymentGroups[] = {"model_found", "model_digest_match", "model_signature_valid",
                                                  "firmware", "target"};

nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

std::string ReadWholeFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  if (!in) return {};
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

void RegisterModelFacts(facts::FactSchema& schema) {
  auto add = [&](SubjectKind kind, std::string name, cel::Type type, std::string unit, std::string description) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.unit = std::move(unit);
    def.description = std::move(description);
    def.origin = FactOrigin::kComputed;
    schema.Add(kind, std::move(def));
  };
  const cel::Type d = cel::Type::Double(), i = cel::Type::Int(), s = cel::Type::String(), b = cel::Type::Bool();
  const cel::Type strings = cel::Type::List(cel::Type::String());
  const SubjectKind m = SubjectKind::kModel;
  add(m, "sha256", s, "", "SHA-256 of the whole model file, computed by stagegate (lowercase hex).");
  add(m, "digest_match", b, "", "True when the file's SHA-256 equals the manifest's approved 'digest'.");
  add(m, "signature_valid", b, "",
      "True when the manifest's signature over the file's SHA-256 verifies with the named key of a KeySet (Ed25519 or "
      "ECDSA P-256).");
  add(m, "signature_error", s, "", "Why signature_valid is false (\"\" when it is true).");
  add(m, "opset", i, "", "Opset version of the default ONNX domain (ai.onnx) the model imports.");
  add(m, "domains", strings, "", "Operator domains the model imports: ai.onnx, ai.onnx.ml.");
  add(m, "ops", strings, "", "Operators the model uses, sorted (ai.onnx.ml ones as 'ai.onnx.ml:Scaler').");
  add(m, "size_bytes", i, "bytes", "Size of the model file.");
  add(m, "params", i, "", "Learned parameters: initializer and constant elements, and ML operators' numeric attributes.");
  for (const MetricFact& metric : kMetricFacts) {
    add(m, fmt::format("eval.{}", metric.name), d, metric.unit, metric.description);
    add(m, fmt::format("baseline.{}", metric.name), d, metric.unit,
        fmt::format("The deployed model's {} (the manifest's 'deployed' model on the same golden dataset).",
                    metric.name));
    add(m, fmt::format("delta.{}", metric.name), d, metric.unit,
        fmt::format("eval.{0} − baseline.{0}: the absolute change against the deployed model.", metric.name));
    add(m, fmt::format("delta.relative.{}", metric.name), d, "ratio",
        fmt::format("(eval.{0} − baseline.{0}) / |baseline.{0}|: the relative change.", metric.name));
  }
  add(m, "device_fit.profile", s, "", "Name of the DeviceProfile the manifest targets.");
  add(m, "device_fit.memory", b, "", "True when the model's memory_bytes fit the profile's memoryBudget.");
  add(m, "device_fit.opset", b, "", "True when every domain's opset is at most the profile's highest supported version.");
  add(m, "device_fit.operators", b, "", "True when the profile's runtime has every operator the model uses.");
  add(m, "device_fit.unsupported_ops", strings, "", "Operators the model uses that the profile does not list.");
  add(m, "device_fit.estimated_latency_ms", d, "ms", "latency_p99_ms × the profile's latencyScale.");
  add(m, "device_fit.latency", b, "", "True when estimated_latency_ms is within the profile's latencyBudgetMs.");
  add(m, "device_fit.ok", b, "", "True when memory, opset, operators and latency all fit.");
  add(m, "input_drift.baseline", s, "", "Baseline the golden dataset's columns are compared with.");
  add(m, "input_drift.columns", i, "", "Golden columns compared with their baseline entries.");
  add(m, "input_drift.drifted", b, "", "True when any compared column drifted (the drift module's automatic test).");
  add(m, "input_drift.drifted_columns", strings, "", "Golden columns that drifted, sorted.");
  add(m, "input_drift.share", d, "ratio", "Share of compared columns that drifted.");
  add(m, "input_drift.worst_column", s, "", "Column with the largest effect size.");
  add(m, "input_drift.max_effect", d, "", "Largest effect size among the columns (KS D, the distance, ...).");

  // What the manifests and deployment documents declare (docs/models.md).
  auto declare = [&](SubjectKind kind, std::string name, cel::Type type, std::string description) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.description = std::move(description);
    def.origin = FactOrigin::kInput;
    schema.Add(kind, std::move(def));
  };
  declare(m, "version", s, "Version of the model the manifest describes.");
  declare(m, "file", s, "Path of the ONNX file, relative to the manifest.");
  declare(m, "digest", s, "The approved file's digest, 'sha256:<hex>'.");
  declare(m, "task", s, "classification, regression or anomaly.");
  declare(m, "deviceProfile", s, "Name of the DeviceProfile of the target devices.");

  const SubjectKind dep = SubjectKind::kDeployment;
  declare(dep, "model", s, "Id of the model subject the release candidate ships.");
  declare(dep, "firmware.file", s, "Path of the firmware image, relative to the deployment document.");
  declare(dep, "firmware.version", s, "Version of the firmware image.");
  declare(dep, "rollout.canaryShare", d, "Share of the target cohort in the first wave (0..1).");
  declare(dep, "rollout.rollback", cel::Type::Map(s, cel::Type::Dyn()),
          "Rollback criteria: when the rollout stops and reverts (e.g. {maxErrorRate: 0.02, window: 1h}).");
  add(dep, "model_found", b, "", "True when the deployment's 'model' names a model subject of the run.");
  add(dep, "model_digest_match", b, "", "The release candidate model's digest_match.");
  add(dep, "model_signature_valid", b, "", "The release candidate model's signature_valid.");
  add(dep, "firmware.sha256", s, "", "SHA-256 of the firmware image named by 'firmware.file'.");
  add(dep, "firmware.digest_match", b, "", "True when the firmware image's SHA-256 equals 'firmware.digest'.");
  add(dep, "firmware.size_bytes", i, "bytes", "Size of the firmware image.");
  add(dep, "firmware.signature_valid", b, "",
      "True when 'firmware.signature' over the image's SHA-256 verifies with the named KeySet key.");
  add(dep, "target.devices", i, "", "Device subjects matching 'target.selector' (field equality, dotted paths).");
  add(dep, "target.device_ids", strings, "", "Ids of the matching devices, sorted.");
}

// ---------------------------------------------------------------------------

struct ModelEntry {
  ModelManifest manifest;
  std::shared_ptr<const LoadedArtifact> artifact;
  std::shared_ptr<const LoadedArtifact> deployed;
  std::shared_ptr<GoldenData> golden;
  std::string golden_error;

  std::once_flag eval_once;
  Metrics metrics;
  std::string eval_error;

  std::once_flag baseline_once;
  Metrics baseline_metrics;
  std::string baseline_error;

  std::once_flag drift_once;
  nlohmann::json drift;  // the input_drift facts, or null
  std::string drift_error;
};

struct DeploymentEntry {
  std::string model_id;
  std::optional<ArtifactRef> firmware;
  std::string firmware_sha256;
  std::int64_t firmware_size = -1;  // -1: unreadable
  std::string firmware_error;
  std::optional<std::string> firmware_signature_key, firmware_signature_value;
  nlohmann::json selector;  // object of dotted field → value
};

struct ModelGate::State {
  RepositoryDocuments documents;
  ModelGateOptions options;
  std::map<std::string, std::unique_ptr<ModelEntry>, std::less<>> models;
  std::map<std::string, DeploymentEntry, std::less<>> deployments;
  std::vector<const subjects::Subject*> devices;

  const ModelEntry* Model(const subjects::Subject& subject) const {
    auto it = models.find(subject.id);
    return it == models.end() ? nullptr : it->second.get();
  }

  // Returns "" when `signature` over the SHA-256 `hex_digest` verifies with key `key_id`.
  std::string VerifySignature(const std::optional<std::string>& key_id, const std::optional<std::string>& value,
                              const std::string& hex_digest) const {
    if (!key_id || !value) return "no signature: add signature {key, value} to the manifest";
    if (hex_digest.empty()) return "the file cannot be read, so its signature cannot be checked";
    auto key = documents.keys.find(*key_id);
    if (key == documents.keys.end()) {
      return fmt::format("key '{}' is not in any KeySet of the policy repository", *key_id);
    }
    std::optional<std::string> signature = common::Base64Decode(*value);
    if (!signature) return "the signature value is not valid base64";
    std::string digest_bytes;
    for (size_t i = 0; i + 1 < hex_digest.size(); i += 2) {
      digest_bytes.push_back(static_cast<char>(std::stoi(hex_digest.substr(i, 2), nullptr, 16)));
    }
    if (!key->second->Verify(digest_bytes, *signature)) {
      return fmt::format("the signature does not verify with key '{}' ({}): the file or the signature was changed",
                         *key_id, keys::SignatureAlgorithmName(key->second->algorithm()));
    }
    return {};
  }

  const Metrics* Evaluation(ModelEntry& entry, std::string* error) const {
    std::call_once(entry.eval_once, [&] {
      const LoadedArtifact& artifact = *entry.artifact;
      if (!artifact.model) {
        entry.eval_error = artifact.error;
      } else if (artifact.sha256 != entry.manifest.model.digest) {
        entry.eval_error = fmt::format(
            "{}: SHA-256 is {}, the manifest approves {}; refusing to evaluate a model that is not the approved one",
            artifact.path, artifact.sha256, entry.manifest.model.digest);
      } else if (!entry.golden) {
        entry.eval_error = entry.golden_error;
      } else {
        std::string error;
        if (!EvaluateModel(*artifact.model, entry.manifest, *entry.golden, options.evaluation, &entry.metrics, &error)) {
          entry.eval_error = fmt::format("{}: {}", artifact.path, error);
        }
      }
    });
    *error = entry.eval_error;
    return entry.eval_error.empty() ? &entry.metrics : nullptr;
  }

  const Metrics* BaselineEvaluation(ModelEntry& entry, std::string* error) const {
    std::call_once(entry.baseline_once, [&] {
      if (!entry.deployed) return;
      const LoadedArtifact& artifact = *entry.deployed;
      if (!artifact.model) {
        entry.baseline_error = artifact.error;
      } else if (!entry.manifest.deployed->digest.empty() && artifact.sha256 != entry.manifest.deployed->digest) {
        entry.baseline_error = fmt::format("{}: SHA-256 is {}, the manifest says the deployed model is {}",
                                           artifact.path, artifact.sha256, entry.manifest.deployed->digest);
      } else if (!entry.golden) {
        entry.baseline_error = entry.golden_error;
      } else {
        std::string message;
        if (!EvaluateModel(*artifact.model, entry.manifest, *entry.golden, options.evaluation, &entry.baseline_metrics,
                           &message)) {
          entry.baseline_error = fmt::format("{}: {}", artifact.path, message);
        }
      }
    });
    *error = entry.baseline_error;
    return entry.deployed && entry.baseline_error.empty() ? &entry.baseline_metrics : nullptr;
  }

  const nlohmann::json* InputDrift(ModelEntry& entry, std::string* error) const {
    std::call_once(entry.drift_once, [&] {
      const InputDriftSpec& spec = *entry.manifest.input_drift;
      if (!entry.golden) {
        entry.drift_error = entry.golden_error;
        return;
      }
      if (options.store_path.empty()) {
        entry.drift_error = "input drift compares with a baseline of the telemetry store: pass --store";
        return;
      }
      std::string message;
      std::unique_ptr<drift::BaselineReader> reader =
          drift::BaselineReader::Open(options.store_path, spec.baseline, &message);
      if (!reader) {
        entry.drift_error = message;
        return;
      }
      const GoldenData& golden = *entry.golden;
      const size_t width = golden.feature_names.size();
      int compared = 0;
      nlohmann::json drifted = nlohmann::json::array();
      double max_effect = -1;
      std::string worst;
      for (const auto& [column, key] : spec.streams) {
        size_t index = width;
        for (size_t c = 0; c < width; ++c) index = golden.feature_names[c] == column ? c : index;
        if (index == width) {
          entry.drift_error = fmt::format("inputDrift names column '{}', which is not a feature of {}", column,
                                          golden.path);
          return;
        }
        std::optional<drift::DistributionSketch> sketch = reader->Find(key, &message);
        if (!sketch) {
          entry.drift_error = message.empty() ? fmt::format("baseline '{}' has no entry '{}' (for column '{}'); "
                                                            "'stagegate baseline show {}' lists its entries",
                                                            spec.baseline, key, column, spec.baseline)
                                              : message;
          return;
        }
        std::vector<double> values(static_cast<size_t>(golden.rows));
        for (std::int64_t r = 0; r < golden.rows; ++r) values[static_cast<size_t>(r)] = golden.features[r * width + index];
        drift::DriftOptions drift_options;
        drift_options.ks_p_value = false;
        const drift::DriftResult result = drift::CompareNumeric(sketch->ToReference(), values, drift_options);
        if (!result.evaluable) continue;
        ++compared;
        if (result.drifted) drifted.push_back(column);
        if (result.effect > max_effect) {
          max_effect = result.effect;
          worst = column;
        }
      }
      entry.drift = {{"baseline", spec.baseline},
                     {"columns", compared},
                     {"drifted", !drifted.empty()},
                     {"drifted_columns", drifted},
                     {"share", compared == 0 ? 0.0 : static_cast<double>(drifted.size()) / compared},
                     {"worst_column", worst},
                     {"max_effect", Number(max_effect < 0 ? NAN : max_effect)}};
    });
    *error = entry.drift_error;
    return entry.drift_error.empty() ? &entry.drift : nullptr;
  }
};

namespace {

using State = ModelGate::State;

ComputedFact MetricFactOf(const Metrics& metrics, std::string_view name) {
  auto it = metrics.find(std::string(name));
  if (it == metrics.end()) return ComputedFact::Missing();
  return ComputedFact::Of(Number(it->second));
}

class ModelProvider : public subjects::FactProvider {
 public:
  explicit ModelProvider(std::shared_ptr<State> state) : state_(std::move(state)) {}

  ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    ModelEntry* entry = const_cast<ModelEntry*>(state_->Model(subject));
    if (entry == nullptr) return ComputedFact::Missing();
    const LoadedArtifact& artifact = *entry->artifact;
    if (fact == "sha256") {
      if (artifact.sha256.empty()) return ComputedFact::Error(artifact.error);
      return ComputedFact::Of(artifact.sha256);
    }
    if (fact == "digest_match") {
      if (artifact.sha256.empty()) return ComputedFact::Error(artifact.error);
      return ComputedFact::Of(artifact.sha256 == entry->manifest.model.digest);
    }
    if (fact == "signature_valid" || fact == "signature_error") {
      const std::string why =
          state_->VerifySignature(entry->manifest.signature_key, entry->manifest.signature_value, artifact.sha256);
      return fact == "signature_valid" ? ComputedFact::Of(why.empty()) : ComputedFact::Of(why);
    }
    if (fact == "size_bytes") {
      if (artifact.sha256.empty()) return ComputedFact::Error(artifact.error);
      return ComputedFact::Of(artifact.size_bytes);
    }
    if (fact == "opset" || fact == "domains" || fact == "ops" || fact == "params") {
      if (!artifact.model) return ComputedFact::Error(artifact.error);
      const inference::ModelSummary& summary = artifact.model->summary();
      if (fact == "params") return ComputedFact::Of(summary.params);
      if (fact == "opset") {
        auto it = summary.opsets.find("ai.onnx");
        return it == summary.opsets.end() ? ComputedFact::Missing() : ComputedFact::Of(it->second);
      }
      nlohmann::json list = nlohmann::json::array();
      if (fact == "domains") {
        for (const auto& [domain, version] : summary.opsets) list.push_back(domain);
      } else {
        for (const auto& [op, count] : summary.op_counts) list.push_back(op);
      }
      return ComputedFact::Of(std::move(list));
    }
    std::string error;
    if (fact.starts_with("eval.")) {
      const Metrics* metrics = state_->Evaluation(*entry, &error);
      if (metrics == nullptr) return ComputedFact::Error(error);
      return MetricFactOf(*metrics, fact.substr(5));
    }
    if (fact.starts_with("baseline.") || fact.starts_with("delta.")) {
      const bool relative = fact.starts_with("delta.relative.");
      const std::string_view metric =
          fact.substr(fact.starts_with("baseline.") ? 9 : relative ? 15 : 6);
      const Metrics* baseline = state_->BaselineEvaluation(*entry, &error);
      if (baseline == nullptr) return error.empty() ? ComputedFact::Missing() : ComputedFact::Error(error);
      auto base = baseline->find(std::string(metric));
      if (base == baseline->end()) return ComputedFact::Missing();
      if (fact.starts_with("baseline.")) return ComputedFact::Of(Number(base->second));
      const Metrics* candidate = state_->Evaluation(*entry, &error);
      if (candidate == nullptr) return ComputedFact::Error(error);
      auto current = candidate->find(std::string(metric));
      if (current == candidate->end()) return ComputedFact::Missing();
      const double change = current->second - base->second;
      if (!relative) return ComputedFact::Of(Number(change));
      return ComputedFact::Of(Number(base->second == 0 ? NAN : change / std::fabs(base->second)));
    }
    if (fact.starts_with("device_fit.")) return DeviceFit(*entry, fact.substr(11));
    if (fact.starts_with("input_drift.")) {
      if (!entry->manifest.input_drift) return ComputedFact::Missing();
      const nlohmann::json* drift = state_->InputDrift(*entry, &error);
      if (drift == nullptr) return ComputedFact::Error(error);
      auto it = drift->find(std::string(fact.substr(12)));
      return it == drift->end() ? ComputedFact::Missing() : ComputedFact::Of(*it);
    }
    return ComputedFact::Missing();
  }

 private:
  ComputedFact DeviceFit(ModelEntry& entry, std::string_view fact) const {
    const std::string& name = entry.manifest.device_profile;
    if (name.empty()) return ComputedFact::Missing();
    if (fact == "profile") return ComputedFact::Of(name);
    auto found = state_->documents.profiles.find(name);
    if (found == state_->documents.profiles.end()) {
      std::string known;
      for (const auto& [profile, unused] : state_->documents.profiles) known += (known.empty() ? "" : ", ") + profile;
      return ComputedFact::Error(fmt::format("device profile '{}' is not a DeviceProfile of the policy repository ({})",
                                             name, known.empty() ? "it has none" : "it has " + known));
    }
    const DeviceProfile& profile = found->second;
    if (!entry.artifact->model) return ComputedFact::Error(entry.artifact->error);
    const inference::ModelSummary& summary = entry.artifact->model->summary();

    nlohmann::json unsupported = nlohmann::json::array();
    if (profile.operators) {
      for (const auto& [op, count] : summary.op_counts) {
        if (!profile.operators->contains(op)) unsupported.push_back(op);
      }
    }
    bool opset_ok = true;
    for (const auto& [domain, version] : summary.opsets) {
      auto max = profile.max_opsets.find(domain);
      if (max != profile.max_opsets.end() && version > max->second) opset_ok = false;
      if (max == profile.max_opsets.end() && !profile.max_opsets.empty()) opset_ok = false;
    }
    if (fact == "operators") return ComputedFact::Of(unsupported.empty());
    if (fact == "unsupported_ops") return ComputedFact::Of(unsupported);
    if (fact == "opset") return ComputedFact::Of(opset_ok);

    std::string error;
    const Metrics* metrics = state_->Evaluation(entry, &error);
    if (metrics == nullptr) return ComputedFact::Error(error);
    const double memory = metrics->at("memory_bytes");
    const double estimated = metrics->at("latency_p99_ms") * profile.latency_scale;
    if (fact == "estimated_latency_ms") return ComputedFact::Of(Number(estimated));
    // -1 when the profile sets no budget (the fact is then missing), else 0 or 1.
    const int memory_fits = profile.memory_budget_bytes
                                ? (memory <= static_cast<double>(*profile.memory_budget_bytes) ? 1 : 0)
                                : -1;
    const int latency_fits = profile.latency_budget_ms ? (estimated <= *profile.latency_budget_ms ? 1 : 0) : -1;
    if (fact == "memory") return memory_fits < 0 ? ComputedFact::Missing() : ComputedFact::Of(memory_fits == 1);
    if (fact == "latency") return latency_fits < 0 ? ComputedFact::Missing() : ComputedFact::Of(latency_fits == 1);
    if (fact == "ok") {
      return ComputedFact::Of(unsupported.empty() && opset_ok && memory_fits != 0 && latency_fits != 0);
    }
    return ComputedFact::Missing();
  }

  std::shared_ptr<State> state_;
};

class DeploymentProvider : public subjects::FactProvider {
 public:
  explicit DeploymentProvider(std::shared_ptr<State> state) : state_(std::move(state)) {}

  ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    auto found = state_->deployments.find(subject.id);
    if (found == state_->deployments.end()) return ComputedFact::Missing();
    const DeploymentEntry& entry = found->second;
    if (fact.starts_with("model_")) {
      auto model = state_->models.find(entry.model_id);
      if (fact == "model_found") return ComputedFact::Of(model != state_->models.end());
      if (model == state_->models.end()) {
        return ComputedFact::Error(fmt::format("the deployment names model '{}', which is not among the inputs' models",
                                               entry.model_id));
      }
      const ModelEntry& m = *model->second;
      if (m.artifact->sha256.empty()) return ComputedFact::Error(m.artifact->error);
      if (fact == "model_digest_match") return ComputedFact::Of(m.artifact->sha256 == m.manifest.model.digest);
      if (fact == "model_signature_valid") {
        return ComputedFact::Of(
            state_->VerifySignature(m.manifest.signature_key, m.manifest.signature_value, m.artifact->sha256).empty());
      }
      return ComputedFact::Missing();
    }
    if (fact.starts_with("firmware.")) {
      if (!entry.firmware) return ComputedFact::Missing();
      if (entry.firmware_size < 0) return ComputedFact::Error(entry.firmware_error);
      if (fact == "firmware.sha256") return ComputedFact::Of(entry.firmware_sha256);
      if (fact == "firmware.size_bytes") return ComputedFact::Of(entry.firmware_size);
      if (fact == "firmware.digest_match") {
        if (entry.firmware->digest.empty()) return ComputedFact::Missing();
        return ComputedFact::Of(entry.firmware_sha256 == entry.firmware->digest);
      }
      if (fact == "firmware.signature_valid") {
        return ComputedFact::Of(state_->VerifySignature(entry.firmware_signature_key, entry.firmware_signature_value,
                                                        entry.firmware_sha256)
                                    .empty());
      }
      return ComputedFact::Missing();
    }
    if (fact == "target.devices" || fact == "target.device_ids") {
      if (!entry.selector.is_object()) return ComputedFact::Missing();
      nlohmann::json ids = nlohmann::json::array();
      for (const subjects::Subject* device : state_->devices) {
        if (subjects::MatchesFields(device->document, entry.selector)) ids.push_back(device->id);
      }
      if (fact == "target.devices") return ComputedFact::Of(static_cast<std::int64_t>(ids.size()));
      return ComputedFact::Of(std::move(ids));
    }
    return ComputedFact::Missing();
  }

 private:
  std::shared_ptr<State> state_;
};

bool ReadDeployment(const subjects::Subject& subject, DeploymentEntry* entry, std::string* error) {
  const nlohmann::json& doc = subject.document;
  auto fail = [&](const std::string& message) {
    *error = fmt::format("{}:{}: deployment '{}': {}", subject.location.file, subject.location.line, subject.id, message);
    return false;
  };
  auto model = doc.find("model");
  if (model == doc.end() || !model->is_string()) return fail("'model' must name the id of a model subject");
  entry->model_id = model->get<std::string>();
  if (auto firmware = doc.find("firmware"); firmware != doc.end() && !firmware->is_null()) {
    if (!firmware->is_object() || !firmware->contains("file") || !(*firmware)["file"].is_string()) {
      return fail("'firmware' must be {file, digest, version, signature}");
    }
    ArtifactRef ref;
    ref.declared_path = (*firmware)["file"].get<std::string>();
    ref.path = ResolveRelative(subject.location.file, ref.declared_path);
    if (auto digest = firmware->find("digest"); digest != firmware->end()) {
      ref.digest = digest->is_string() ? NormaliseDigest(digest->get<std::string>()) : "";
      if (ref.digest.empty()) return fail("'firmware.digest' must be 'sha256:' and 64 hex digits");
    }
    if (auto signature = firmware->find("signature"); signature != firmware->end()) {
      if (!signature->is_object() || !(*signature)["key"].is_string() || !(*signature)["value"].is_string()) {
        return fail("'firmware.signature' must be {key, value}");
      }
      entry->firmware_signature_key = (*signature)["key"].get<std::string>();
      entry->firmware_signature_value = (*signature)["value"].get<std::string>();
    }
    entry->firmware = std::move(ref);
  }
  if (const nlohmann::json* selector = subjects::FindField(doc, "target.selector")) {
    if (!selector->is_object()) return fail("'target.selector' must map device fields to values: {site: plant-a}");
    entry->selector = *selector;
  }
  return true;
}

}  // namespace

ModelGate::~ModelGate() = default;

std::shared_ptr<const ModelGate> ModelGate::Create(RepositoryDocuments documents, subjects::SubjectSet* subjects,
                                                   ModelGateOptions options, std::vector<std::string>* errors) {
  auto state = std::make_shared<State>();
  state->documents = std::move(documents);
  state->options = std::move(options);
  std::map<std::string, std::shared_ptr<const LoadedArtifact>> loaded;  // one load per file
  auto load = [&](const std::string& path) {
    auto it = loaded.find(path);
    if (it != loaded.end()) return it->second;
    std::shared_ptr<const LoadedArtifact> artifact = LoadArtifact(path);
    if (!artifact->sha256.empty()) subjects->RecordInput({path, artifact->sha256, 0});
    loaded.emplace(path, artifact);
    return artifact;
  };
  for (const subjects::Subject* subject : subjects->OfKind(SubjectKind::kModel)) {
    auto entry = std::make_unique<ModelEntry>();
    std::string error;
    if (!ParseManifest(*subject, &entry->manifest, &error)) {
      errors->push_back(error);
      continue;
    }
    entry->artifact = load(entry->manifest.model.path);
    if (entry->manifest.deployed) entry->deployed = load(entry->manifest.deployed->path);
    if (entry->manifest.golden) {
      auto golden = std::make_shared<GoldenData>();
      if (ReadGolden(*entry->manifest.golden, golden.get(), &entry->golden_error)) {
        subjects->RecordInput({golden->path, golden->sha256, 0});
        entry->golden = std::move(golden);
      }
    } else {
      entry->golden_error = "the manifest names no golden dataset: add golden {file, label}";
    }
    state->models.emplace(subject->id, std::move(entry));
  }
  for (const subjects::Subject* subject : subjects->OfKind(SubjectKind::kDeployment)) {
    DeploymentEntry entry;
    std::string error;
    if (!ReadDeployment(*subject, &entry, &error)) {
      errors->push_back(error);
      continue;
    }
    if (entry.firmware) {
      bool ok = false;
      const std::string bytes = ReadWholeFile(entry.firmware->path, &ok);
      if (ok) {
        entry.firmware_sha256 = common::Sha256Hex(bytes);
        entry.firmware_size = static_cast<std::int64_t>(bytes.size());
        subjects->RecordInput({entry.firmware->path, entry.firmware_sha256, 0});
      } else {
        entry.firmware_error = fmt::format("{}: cannot read the firmware image; check 'firmware.file'",
                                           entry.firmware->path);
      }
    }
    state->deployments.emplace(subject->id, std::move(entry));
  }
  for (const subjects::Subject* device : subjects->OfKind(SubjectKind::kDevice)) state->devices.push_back(device);
  if (!errors->empty()) return nullptr;
  std::shared_ptr<ModelGate> gate(new ModelGate());
  gate->state_ = std::move(state);
  return gate;
}

void ModelGate::RegisterProviders(subjects::FactProviderRegistry* registry) const {
  auto models = std::make_shared<ModelProvider>(state_);
  for (std::string_view group : kModelGroups) registry->Register(SubjectKind::kModel, std::string(group), models);
  auto deployments = std::make_shared<DeploymentProvider>(state_);
  for (std::string_view group : kDeploymentGroups) {
    registry->Register(SubjectKind::kDeployment, std::string(group), deployments);
  }
}

}  // namespace stagegate::models
