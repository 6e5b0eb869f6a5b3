#include "engine/cli/input_document.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "engine/cel/bindings/json_value.h"

namespace stagegate::cli {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool ReadDocument(const std::string& path, nlohmann::json* out, std::string* error) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      *error = fmt::format("{}: cannot open the file; check the path", path);
      return false;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string name = path == "-" ? "<stdin>" : path;
  if (EndsWith(path, ".json")) {
    try {
      *out = nlohmann::json::parse(text);
      return true;
    } catch (const nlohmann::json::out_of_range& e) {
      // Valid syntax, but a value nlohmann cannot hold (a number beyond double range).
      *error = fmt::format("{}: invalid JSON: {}; fix the document", name, e.what());
      return false;
    } catch (const nlohmann::json::parse_error& e) {
      // nlohmann reports a byte offset; turn it into line and column.
      size_t offset = std::min(e.byte, text.size());
      size_t line = 1;
      size_t column = 1;
      for (size_t i = 0; i + 1 < offset; ++i) {
        if (text[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      std::string what = e.what();
      const size_t colon = what.rfind(": ");
      *error = fmt::format("{}:{}:{}: invalid JSON: {}; fix the document", name, line, column,
                           colon == std::string::npos ? what : what.substr(colon + 2));
      return false;
    }
  }
  std::string yaml_error;
  if (!cel::YamlToJson(text, out, &yaml_error)) {
    *error = fmt::format("{}: invalid YAML at {}; fix the document", name, yaml_error);
    return false;
  }
  return true;
}

}  // namespace stagegate::cli
