#include "evaluators/models/repository_documents.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_limits.h"

namespace stagegate::models {

std::string FormatDocumentError(const DocumentError& error) {
  return fmt::format("{}:{}:{}: error: {}", error.file, error.line, error.column, error.message);
}

std::optional<std::int64_t> ParseByteSize(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || !(number >= 0) || !std::isfinite(number)) return std::nullopt;
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  static const std::pair<std::string_view, double> kUnits[] = {
      {"", 1},          {"B", 1},          {"KiB", 1024.0},   {"MiB", 1048576.0}, {"GiB", 1073741824.0},
      {"KB", 1e3},      {"kB", 1e3},       {"MB", 1e6},       {"GB", 1e9}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      const double bytes = number * factor;
      if (bytes > 9e18) return std::nullopt;
      return static_cast<std::int64_t>(std::llround(bytes));
    }
  }
  return std::nullopt;
}

namespace {

class DocumentReader {
 public:
  DocumentReader(const bundle::BundleFile& file, RepositoryDocuments* out) : file_(file), out_(out) {}

  void Read() {
    const std::string& text = file_.content;
    if (text.find("KeySet") == std::string::npos && text.find("DeviceProfile") == std::string::npos) return;
    if (cel::FindNulByte(text) || cel::FindLeadingComma(text)) return;  // the policy loader reports these
    std::vector<YAML::Node> documents;
    try {
      documents = cel::LoadYamlDocuments(text);
    } catch (const YAML::Exception&) {
      return;  // the policy loader reports syntax errors with their position
    }
    for (const YAML::Node& root : documents) {
      if (!root.IsMap() || !cel::YamlWithinBudget(root)) continue;
      const YAML::Node kind = root["kind"];
      if (!kind || !kind.IsScalar()) continue;
      try {
        if (kind.Scalar() == "KeySet") ReadKeySet(root);
        if (kind.Scalar() == "DeviceProfile") ReadProfile(root);
      } catch (const YAML::Exception& e) {
        Error(root, fmt::format("malformed {} document: {}", kind.Scalar(), e.what()));
      }
    }
  }

 private:
  void Error(const YAML::Node& at, std::string message) {
    const YAML::Mark mark = at.Mark();
    out_->errors.push_back({file_.path, mark.line + 1, mark.column + 1, std::move(message)});
  }

  std::string NameOf(const YAML::Node& root) {
    const YAML::Node name = root["metadata"]["name"];
    if (!name || !name.IsScalar() || name.Scalar().empty()) {
      Error(root, "missing 'metadata.name'; give the document a name");
      return {};
    }
    return name.Scalar();
  }

  void ReadKeySet(const YAML::Node& root) {
    if (NameOf(root).empty()) return;
    keys::ReadKeySet(root, &out_->keys, [this](const YAML::Node& at, const std::string& message) { Error(at, message); });
  }

  void ReadProfile(const YAML::Node& root) {
    DeviceProfile profile;
    profile.name = NameOf(root);
    if (profile.name.empty()) return;
    profile.file = file_.path;
    profile.line = root.Mark().line + 1;
    const YAML::Node spec = root["spec"];
    if (!spec || !spec.IsMap()) {
      Error(root, "a DeviceProfile needs 'spec' with memoryBudget, opsets, latencyBudgetMs, ...");
      return;
    }
    if (const YAML::Node cpu = spec["cpuClass"]) profile.cpu_class = cpu.as<std::string>();
    if (const YAML::Node memory = spec["memoryBudget"]) {
      profile.memory_budget_bytes = memory.IsScalar() ? ParseByteSize(memory.Scalar()) : std::nullopt;
      if (!profile.memory_budget_bytes) {
        Error(memory, "memoryBudget must be a byte size such as 67108864, '64MiB' or '512KiB'");
        return;
      }
    }
    if (const YAML::Node opsets = spec["opsets"]) {
      if (!opsets.IsMap()) {
        Error(opsets, "opsets must map a domain to its highest supported version: {ai.onnx: 13}");
        return;
      }
      for (const auto& item : opsets) profile.max_opsets[item.first.as<std::string>()] = item.second.as<std::int64_t>();
    }
    if (const YAML::Node operators = spec["operators"]) {
      if (!operators.IsSequence()) {
        Error(operators, "operators must be a list of operator names (ai.onnx.ml ones as 'ai.onnx.ml:Scaler')");
        return;
      }
      profile.operators.emplace();
      for (const YAML::Node& op : operators) profile.operators->insert(op.as<std::string>());
    }
    if (const YAML::Node budget = spec["latencyBudgetMs"]) profile.latency_budget_ms = budget.as<double>();
    if (const YAML::Node scale = spec["latencyScale"]) {
      profile.latency_scale = scale.as<double>();
      if (!(profile.latency_scale > 0)) {
        Error(scale, "latencyScale must be a positive factor (device latency / latency measured by stagegate)");
        return;
      }
    }
    std::string name = profile.name;
    if (!out_->profiles.emplace(name, std::move(profile)).second) {
      Error(root, fmt::format("device profile '{}' is declared twice", name));
    }
  }

  const bundle::BundleFile& file_;
  RepositoryDocuments* out_;
};

}  // namespace

RepositoryDocuments LoadRepositoryDocuments(const bundle::Bundle& bundle) {
  RepositoryDocuments documents;
  for (const bundle::BundleFile& file : bundle.files) DocumentReader(file, &documents).Read();
  return documents;
}

}  // namespace stagegate::models
