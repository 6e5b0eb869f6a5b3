#include "engine/cel/common/activation.h"

#include <algorithm>

namespace stagegate::cel {

void MapActivation::Bind(std::string name, Value value) {
  auto it = std::lower_bound(bindings_.begin(), bindings_.end(), name,
                             [](const Binding& b, const std::string& n) { return b.name < n; });
  if (it != bindings_.end() && it->name == name) {
    it->value = std::move(value);
    return;
  }
  bindings_.insert(it, Binding{std::move(name), std::move(value)});
}

std::optional<Value> MapActivation::FindVariable(std::string_view name) const {
  if (bindings_.size() <= kLinearScanLimit) {
    for (const Binding& b : bindings_) {
      // Sizes and first bytes first: memcmp only for the likely match.
      if (b.name.size() == name.size() && (name.empty() || (b.name[0] == name[0] && b.name == name))) {
        return b.value;
      }
    }
    return std::nullopt;
  }
  auto it = std::lower_bound(bindings_.begin(), bindings_.end(), name,
                             [](const Binding& b, std::string_view n) { return std::string_view(b.name) < n; });
  if (it == bindings_.end() || it->name != name) return std::nullopt;
  return it->value;
}

}  // namespace stagegate::cel
