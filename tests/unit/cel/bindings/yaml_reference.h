#pragma once
// What FastYamlDocumentsToJson must agree with: the yaml-cpp path
// (LoadYamlDocuments, then YamlNodeToJson on each document), with the line
// where each document and each item of a top-level list starts. Shared by
// the unit test and the differential fuzz target.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_json_documents.h"

namespace stagegate::cel::testing {

// Returns nullopt when yaml-cpp refuses the text or a document is over the
// YAML budget.
inline std::optional<std::vector<YamlJsonDocument>> ReferenceYamlDocumentsToJson(std::string_view text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = LoadYamlDocuments(text);
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  std::vector<YamlJsonDocument> documents;
  for (const YAML::Node& node : nodes) {
    YamlJsonDocument document;
    std::string error;
    if (!YamlNodeToJson(node, &document.value, &error)) return std::nullopt;
    document.line = node.Mark().line + 1;
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) document.item_lines.push_back(item.Mark().line + 1);
    }
    documents.push_back(std::move(document));
  }
  return documents;
}

// Returns "" when the fast path gives what the reference gives, leaves the
// text to it (nullopt), or reads text the reference refuses (yaml-cpp 0.7
// refuses some valid YAML, such as "[a ?b]"); else what differs.
inline std::string FastPathDifference(std::string_view text) {
  const std::optional<std::vector<YamlJsonDocument>> fast = FastYamlDocumentsToJson(text);
  if (!fast) return "";
  const std::optional<std::vector<YamlJsonDocument>> reference = ReferenceYamlDocumentsToJson(text);
  if (!reference) return "";
  if (fast->size() != reference->size()) {
    return "documents: " + std::to_string(fast->size()) + " against " + std::to_string(reference->size());
  }
  for (size_t i = 0; i < fast->size(); ++i) {
    const YamlJsonDocument& a = (*fast)[i];
    const YamlJsonDocument& b = (*reference)[i];
    const std::string where = "document " + std::to_string(i) + ": ";
    // NaN is unequal to itself: compare the texts.
    const auto text_of = [](const nlohmann::json& value) {
      return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    if (text_of(a.value) != text_of(b.value)) return where + text_of(a.value) + " against " + text_of(b.value);
    if (!a.value.is_null() && a.line != b.line) {
      return where + "line " + std::to_string(a.line) + " against " + std::to_string(b.line);
    }
    if (a.value.is_array() && a.item_lines != b.item_lines) return where + "item lines differ";
  }
  return "";
}

}  // namespace stagegate::cel::testing
