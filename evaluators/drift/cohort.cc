#include "evaluators/drift/cohort.h"

namespace stagegate::drift {

std::optional<std::string> CohortValue(const nlohmann::json& device_document, std::string_view field) {
  if (field.empty()) return std::nullopt;
  const nlohmann::json* node = &device_document;
  size_t start = 0;
  while (true) {
    const size_t dot = field.find('.', start);
    const std::string part(field.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!node->is_object()) return std::nullopt;
    auto it = node->find(part);
    if (it == node->end()) return std::nullopt;
    node = &*it;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_number() || node->is_boolean()) return node->dump();
  return std::nullopt;
}

}  // namespace stagegate::drift
