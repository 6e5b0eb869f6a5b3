#pragma once
// A guard against YAML documents that expand far beyond their size. Aliases
// (`*a`) refer to earlier nodes, so a few hundred bytes of nested aliases
// ("billion laughs") expand to billions of values when walked or converted.
// Every reader of untrusted YAML checks documents with this before walking them.

#include <cstddef>
#include <optional>
#include <string_view>
#include <algorithm>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace stagegate::cel {

// Values one YAML document may expand to, counting every alias expansion.
inline constexpr size_t kMaxYamlValues = 1'000'000;
// Levels of nested lists and maps a YAML document may have (readers convert
// and walk documents recursively).
inline constexpr size_t kMaxYamlDepth = 256;

// Returns true when `root`, with aliases expanded, holds at most `budget`
// values nested at most `max_depth` levels. Stops as soon as a limit is
// passed, so it costs at most `budget` steps whatever the document.
inline bool YamlWithinBudget(const YAML::Node& root, size_t budget = kMaxYamlValues,
                             size_t max_depth = kMaxYamlDepth) {
  std::vector<std::pair<YAML::Node, size_t>> pending{{root, 0}};
  size_t seen = 0;
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (++seen > budget || depth > max_depth) return false;
    if (node.IsSequence()) {
      for (const auto& child : node) pending.emplace_back(child, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        pending.emplace_back(entry.first, depth + 1);
        pending.emplace_back(entry.second, depth + 1);
      }
    }
  }
  return true;
}

// A NUL byte cannot appear in YAML text (the YAML character set excludes
// it), and yaml-cpp 0.7 allocates without bound on some inputs holding one
// ("\0\0\0," exhausts memory). Returns the 1-based line and column of the
// first NUL, to be reported before the text reaches yaml-cpp.
inline std::optional<std::pair<int, int>> FindNulByte(std::string_view text) {
  const size_t at = text.find('\0');
  if (at == std::string_view::npos) return std::nullopt;
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::make_pair(line, static_cast<int>(at - line_start) + 1);
}

// yaml-cpp 0.7 (Debian 12) never returns when, after a list item ("- a",
// at any depth), a line starts with ',' at column 0: "- a\n,b" loops,
// allocating, until memory runs out. Outside flow collections and quoted
// scalars such a line can only continue a top-level plain scalar, which no
// policy, input, inventory or contract is, so every one is refused. Returns
// the 1-based line and column of the first, or nullopt. Flow collections and
// quotes count only where a token starts, not inside a plain scalar.
inline std::optional<std::pair<int, int>> FindCommaAfterTopLevelList(std::string_view text) {
  int line = 1;
  size_t pos = 0;
  int flow_depth = 0;
  char quote = 0;  // the quote of a quoted scalar still open at a line's end
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view content = text.substr(pos, end - pos);
    if (quote == 0 && flow_depth == 0 && !content.empty()) {
      const char first = content[0];
      // A ',' at column 0 in block context hangs yaml-cpp after a list at
      // any depth; it only ever belongs to a top-level plain scalar running
      // over several lines, which no Stagegate file is.
      if (first == ',') return std::make_pair(line, 1);
    }
    bool token_start = true;  // a quote here opens a quoted scalar
    for (size_t i = 0; i < content.size(); ++i) {
      const char c = content[i];
      if (quote == '"') {
        if (c == '\\') ++i;
        else if (c == '"') quote = 0;
        continue;
      }
      if (quote == '\'') {
        if (c == '\'' && i + 1 < content.size() && content[i + 1] == '\'') ++i;
        else if (c == '\'') quote = 0;
        continue;
      }
      if (c == '#' && (i == 0 || content[i - 1] == ' ' || content[i - 1] == '\t')) break;  // a comment
      if ((c == '"' || c == '\'') && token_start) {
        quote = c;
        continue;
      }
      if ((c == '[' || c == '{') && token_start) ++flow_depth;  // not inside a plain scalar ("a[b")
      else if ((c == ']' || c == '}') && flow_depth > 0) --flow_depth;
      token_start = c == ' ' || c == '\t' || c == '[' || c == '{' || c == ',' || c == ':' ||
                    ((c == '-' || c == '?') && token_start);
    }
    pos = end + 1;
    ++line;
  }
  return std::nullopt;
}

// yaml-cpp 0.7 (Debian 12) allocates without bound when a document's first
// token is a ',' (",\n" alone exhausts memory), and loops without end on a
// ',' that starts a line after a top-level list item (see
// FindCommaAfterTopLevelList). Returns the 1-based line and column of such a
// comma, to be reported as a syntax error before the text reaches yaml-cpp,
// or nullopt when there is none.
inline std::optional<std::pair<int, int>> FindLeadingComma(std::string_view text) {
  if (std::optional<std::pair<int, int>> after_list = FindCommaAfterTopLevelList(text)) return after_list;
  int line = 1;
  size_t pos = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // byte order mark
  bool at_document_start = true;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view content = text.substr(pos, end - pos);
    size_t column = 0;
    if (content.substr(0, 3) == "---" || content.substr(0, 3) == "...") {
      at_document_start = true;
      column = 3;  // content may follow the marker on the same line
    } else if (at_document_start && !content.empty() && content[0] == '%') {
      column = content.size();  // a directive
    }
    if (at_document_start) {
      while (column < content.size() && (content[column] == ' ' || content[column] == '\t' ||
                                         content[column] == '\r')) {
        ++column;
      }
      if (column < content.size() && content[column] != '#') {
        if (content[column] == ',') return std::make_pair(line, static_cast<int>(column) + 1);
        at_document_start = false;
      }
    }
    pos = end + 1;
    ++line;
  }
  return std::nullopt;
}

}  // namespace stagegate::cel
