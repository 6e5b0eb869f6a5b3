#include "evaluators/models/manifest.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

namespace stagegate::models {

std::string ResolveRelative(const std::string& document_file, const std::string& path) {
  const std::filesystem::path given(path);
  if (given.is_absolute() || document_file.empty()) return given.lexically_normal().string();
  return (std::filesystem::path(document_file).parent_path() / given).lexically_normal().string();
}

std::string NormaliseDigest(const std::string& text) {
  std::string hex = text.rfind("sha256:", 0) == 0 ? text.substr(7) : text;
  if (hex.size() != 64) return {};
  for (char& c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hex;
}

namespace {

class ManifestReader {
 public:
  ManifestReader(const subjects::Subject& subject, std::string* error) : subject_(subject), error_(error) {}

  bool Fail(const std::string& message) {
    *error_ = fmt::format("{}:{}: model '{}': {}", subject_.location.file, subject_.location.line, subject_.id, message);
    return false;
  }

  // Reads an optional string field; false (with the error set) when present but not a string.
  bool String(const nlohmann::json& object, const char* field, const std::string& where, std::string* out) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) return Fail(fmt::format("'{}{}' must be a string", where, field));
    *out = it->get<std::string>();
    return true;
  }

  bool Artifact(const nlohmann::json& object, const std::string& where, bool digest_required, ArtifactRef* ref) {
    if (!object.is_object()) return Fail(fmt::format("'{}' must be a map with 'file' and 'digest'", where));
    if (!String(object, "file", where + ".", &ref->declared_path)) return false;
    if (ref->declared_path.empty()) return Fail(fmt::format("'{}file' is missing: the path of the ONNX file", where.empty() ? "" : where + "."));
    ref->path = ResolveRelative(subject_.location.file, ref->declared_path);
    std::string digest;
    if (!String(object, "digest", where.empty() ? "" : where + ".", &digest)) return false;
    if (!digest.empty()) {
      ref->digest = NormaliseDigest(digest);
      if (ref->digest.empty()) return Fail(fmt::format("'{}digest' must be 'sha256:' and 64 hex digits", where.empty() ? "" : where + "."));
    } else if (digest_required) {
      return Fail("'digest' is missing: give the approved file's 'sha256:<hex>' (stagegate model inspect prints it)");
    }
    return String(object, "version", where.empty() ? "" : where + ".", &ref->version);
  }

  bool Read(ModelManifest* manifest) {
    const nlohmann::json& doc = subject_.document;
    manifest->id = subject_.id;
    if (!String(doc, "version", "", &manifest->version)) return false;
    if (!Artifact(doc, "", /*digest_required=*/true, &manifest->model)) return false;
    manifest->model.version = manifest->version;

    if (auto it = doc.find("signature"); it != doc.end() && !it->is_null()) {
      if (!it->is_object() || !it->contains("key") || !it->contains("value") || !(*it)["key"].is_string() ||
          !(*it)["value"].is_string()) {
        return Fail("'signature' must be {key: <key id of a KeySet>, value: <base64 signature>}");
      }
      manifest->signature_key = (*it)["key"].get<std::string>();
      manifest->signature_value = (*it)["value"].get<std::string>();
    }

    std::string task = "classification";
    if (!String(doc, "task", "", &task)) return false;
    if (task == "classification") manifest->task = ModelTask::kClassification;
    else if (task == "regression") manifest->task = ModelTask::kRegression;
    else if (task == "anomaly") manifest->task = ModelTask::kAnomaly;
    else return Fail(fmt::format("'task' is '{}'; use classification, regression or anomaly", task));

    if (!String(doc, "input", "", &manifest->input) || !String(doc, "output", "", &manifest->output)) return false;
    if (!String(doc, "deviceProfile", "", &manifest->device_profile)) return false;

    if (auto it = doc.find("golden"); it != doc.end() && !it->is_null()) {
      if (!it->is_object()) return Fail("'golden' must be {file, label, threshold}");
      GoldenDataset golden;
      if (!String(*it, "file", "golden.", &golden.declared_path) || !String(*it, "label", "golden.", &golden.label)) {
        return false;
      }
      if (golden.declared_path.empty()) return Fail("'golden.file' is missing: the golden dataset's CSV file");
      if (golden.label.empty()) return Fail("'golden.label' is missing: the name of the label column");
      golden.path = ResolveRelative(subject_.location.file, golden.declared_path);
      if (auto columns = it->find("columns"); columns != it->end()) {
        if (!columns->is_array()) return Fail("'golden.columns' must be a list of column names");
        for (const auto& column : *columns) {
          if (!column.is_string()) return Fail("'golden.columns' must be a list of column names");
          golden.columns.push_back(column.get<std::string>());
        }
      }
      if (auto threshold = it->find("threshold"); threshold != it->end()) {
        if (!threshold->is_number()) return Fail("'golden.threshold' must be a number");
        golden.threshold = threshold->get<double>();
      }
      manifest->golden = std::move(golden);
    }

    if (auto it = doc.find("deployed"); it != doc.end() && !it->is_null()) {
      ArtifactRef deployed;
      if (!Artifact(*it, "deployed", /*digest_required=*/false, &deployed)) return false;
      manifest->deployed = std::move(deployed);
    }

    if (auto it = doc.find("inputDrift"); it != doc.end() && !it->is_null()) {
      InputDriftSpec spec;
      if (!it->is_object() || !String(*it, "baseline", "inputDrift.", &spec.baseline)) {
        return Fail("'inputDrift' must be {baseline: <name>, streams: {<golden column>: <baseline entry key>}}");
      }
      auto streams = it->find("streams");
      if (spec.baseline.empty() || streams == it->end() || !streams->is_object() || streams->empty()) {
        return Fail("'inputDrift' needs 'baseline' and 'streams' mapping golden columns to baseline entries "
                    "(e.g. s2: cohort/site=plant-a/s2; stagegate baseline show lists them)");
      }
      for (const auto& [column, key] : streams->items()) {
        if (!key.is_string()) return Fail(fmt::format("'inputDrift.streams.{}' must be a baseline entry key", column));
        spec.streams[column] = key.get<std::string>();
      }
      manifest->input_drift = std::move(spec);
    }
    return true;
  }

 private:
  const subjects::Subject& subject_;
  std::string* error_;
};

}  // namespace

bool ParseManifest(const subjects::Subject& subject, ModelManifest* manifest, std::string* error) {
  if (!subject.document.is_object()) {
    *error = fmt::format("{}:{}: model '{}' must be a map", subject.location.file, subject.location.line, subject.id);
    return false;
  }
  return ManifestReader(subject, error).Read(manifest);
}

}  // namespace stagegate::models
