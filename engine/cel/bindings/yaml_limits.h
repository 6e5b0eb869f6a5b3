#pragma once
// A guard against YAML documents that expand far beyond their size. Aliases
// (`*a`) refer to earlier nodes, so a few hundred bytes of nested aliases
// ("billion laughs") expand to billions of values when walked or converted.
// Every reader of untrusted YAML checks documents with this before walking them.

#include <cstddef>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace stagegate::cel {

// Values one YAML document may expand to, counting every alias expansion.
inline constexpr size_t kMaxYamlValues = 1'000'000;

// Returns true when `root`, with aliases expanded, holds at most `budget`
// values. Stops counting as soon as the budget is spent, so it costs at most
// `budget` steps whatever the document.
inline bool YamlWithinBudget(const YAML::Node& root, size_t budget = kMaxYamlValues) {
  std::vector<YAML::Node> pending{root};
  size_t seen = 0;
  while (!pending.empty()) {
    YAML::Node node = pending.back();
    pending.pop_back();
    if (++seen > budget) return false;
    if (node.IsSequence()) {
      for (const auto& child : node) pending.push_back(child);
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        pending.push_back(entry.first);
        pending.push_back(entry.second);
      }
    }
  }
  return true;
}

}  // namespace stagegate::cel
