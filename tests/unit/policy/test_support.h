#pragma once
// Helpers for the policy tests: bundles from strings or from a folder.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/bundle/bundle_source.h"

namespace stagegate::policy::testing {

inline bundle::Bundle BundleOf(std::vector<std::pair<std::string, std::string>> files) {
  bundle::Bundle b;
  b.source.kind = "directory";
  b.source.location = "<test>";
  for (auto& [path, content] : files) b.files.push_back({path, content});
  return b;
}

// Reads every file below `root` (a tiny local reader: no git, no filters but hidden files).
inline bundle::Bundle ReadFolder(const std::filesystem::path& root) {
  bundle::Bundle b;
  b.source.kind = "directory";
  b.source.location = root.string();
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(entry.path(), root).generic_string();
    if (rel.empty() || rel[0] == '.') continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    b.files.push_back({rel, content.str()});
  }
  std::sort(b.files.begin(), b.files.end(), [](const auto& a, const auto& c) { return a.path < c.path; });
  return b;
}

}  // namespace stagegate::policy::testing
