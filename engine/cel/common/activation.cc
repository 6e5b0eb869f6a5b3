#include "engine/cel/common/activation.h"

namespace stagegate::cel {

std::optional<Value> MapActivation::FindVariable(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace stagegate::cel
