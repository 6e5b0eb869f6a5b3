#pragma once
// A fast reader of multi-document YAML straight to JSON, for large inputs
// (a fleet inventory runs to tens of megabytes): libyaml's event parser,
// eight times faster on a fleet inventory than yaml-cpp, which also reads
// every file twice (LoadYamlDocuments guards against its endless loops
// first).
//
// It gives exactly what LoadYamlDocuments then YamlNodeToJson give, or
// nothing: text that uses what only that path settles (anchors and aliases,
// tags other than !!int, !!str and !, directives, keys that are null, tagged
// or not scalars, very deep or very large documents, every syntax error),
// and text the two parsers read differently (tabs, lone carriage returns,
// NEL/LS/PS, byte order marks, escapes, scalars folded over lines, trailing
// blank lines of block scalars, "[a: b]"), returns nullopt, and the caller
// reads the text with yaml-cpp, which gives the canonical values and error
// messages. Text yaml-cpp refuses although it is valid YAML ("[a ?b]") is
// read. docs/adr/0007-libyaml-fast-path.md explains the choice.

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
