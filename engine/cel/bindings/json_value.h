#pragma once
// Binds JSON and YAML documents as CEL values without converting them first:
// maps and lists are read through the document on demand.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/cel/common/value.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace stagegate::cel {

// Returns a value that refers to `document` (borrowed: the document must
// outlive every use of the value). Objects become maps with string keys,
// arrays lists, numbers int (integral, in int64 range), uint (integral above
// int64) or double, strings, booleans and null as themselves.
Value JsonValue(const nlohmann::json& document);

// Converts a CEL value to JSON for printing (the CLI's output). Timestamps and
// durations become their RFC 3339 / "1.5s" strings, bytes base64, NaN and
// infinities the strings "NaN", "Infinity", "-Infinity". Errors and unknowns
// are not data: the caller handles them first.
nlohmann::json ValueToJson(const Value& value);

// Nesting deeper than this is refused when documents are read: values are
// compared, printed and converted recursively, so an input nested 100,000
// levels deep would otherwise exhaust the stack.
inline constexpr size_t kMaxDocumentDepth = 256;

// Returns true when no value in `document` is nested deeper than `max_depth`
// levels of lists and maps. Iterative: safe on any document.
bool JsonWithinDepth(const nlohmann::json& document, size_t max_depth = kMaxDocumentDepth);

// Parses YAML text into JSON (so that YAML inputs bind like JSON ones).
// On a syntax error returns false with `error` set to "line L, column C: reason".
bool YamlToJson(std::string_view yaml_text, nlohmann::json* out, std::string* error);

// Converts one parsed YAML node the same way, keeping quoted scalars strings
// ("1.2" stays "1.2"). Returns false with `error` set when the node expands
// beyond the YAML budget (yaml_limits.h).
bool YamlNodeToJson(const YAML::Node& node, nlohmann::json* out, std::string* error);

// Returns the value of a plain (unquoted, untagged) YAML scalar under YAML
// 1.2's core schema: null, a boolean, an integer, a float, or the text.
nlohmann::json ResolvePlainYamlScalar(const std::string& text);

}  // namespace stagegate::cel
