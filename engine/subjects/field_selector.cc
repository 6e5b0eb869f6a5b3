#include "engine/subjects/field_selector.h"

#include <string>

namespace stagegate::subjects {

const nlohmann::json* FindField(const nlohmann::json& document, std::string_view dotted) {
  const nlohmann::json* node = &document;
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string key(dotted.substr(0, dot));
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  return node;
}

bool MatchesFields(const nlohmann::json& document, const nlohmann::json& selector) {
  for (const auto& [field, wanted] : selector.items()) {
    const nlohmann::json* value = FindField(document, field);
    if (value == nullptr || *value != wanted) return false;
  }
  return true;
}

}  // namespace stagegate::subjects
