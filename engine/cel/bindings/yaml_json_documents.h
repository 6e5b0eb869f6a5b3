#pragma once
// A fast reader of multi-document YAML straight to JSON, for large inputs
// (a fleet inventory runs to tens of megabytes): libyaml's event parser,
// about twenty times faster here than yaml-cpp, which reads every file twice
// (LoadYamlDocuments guards against its endless loops first).
//
// It gives exactly what LoadYamlDocuments then YamlNodeToJson give, or
// nothing: any text that uses what only that path settles the same way
// (anchors and aliases, tags other than !!int and !!str, directives, keys
// that are not plain text, very deep or very large documents, and every
// syntax error) returns nullopt, and the caller reads the text with
// yaml-cpp, which gives the canonical values and error messages.
// docs/adr/0007-libyaml-fast-path.md explains the choice.

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace stagegate::cel {

struct YamlJsonDocument {
  nlohmann::json value;  // null for an empty document
  int line = 1;          // 1-based line where the document's value starts
  // For a document that is a list, the 1-based line where each item starts.
  std::vector<int> item_lines;
};

std::optional<std::vector<YamlJsonDocument>> FastYamlDocumentsToJson(std::string_view text);

}  // namespace stagegate::cel
