#pragma once
// A guard against YAML documents that expand far beyond their size. Aliases
// (`*a`) refer to earlier nodes, so a few hundred bytes of nested aliases
// ("billion laughs") expand to billions of values when walked or converted.
// Every reader of untrusted YAML checks documents with this before walking them.

#include <cstddef>
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

}  // namespace stagegate::cel
