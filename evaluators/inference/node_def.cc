#include <fmt/format.h>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference {

const Attribute* NodeDef::Find(std::string_view attribute) const {
  const auto it = attributes.find(attribute);
  return it == attributes.end() ? nullptr : &it->second;
}

std::int64_t NodeDef::Int(std::string_view attribute, std::int64_t fallback) const {
  const Attribute* found = Find(attribute);
  return found != nullptr && found->kind == Attribute::Kind::kInt ? found->i : fallback;
}

float NodeDef::Float(std::string_view attribute, float fallback) const {
  const Attribute* found = Find(attribute);
  return found != nullptr && found->kind == Attribute::Kind::kFloat ? found->f : fallback;
}

std::string NodeDef::String(std::string_view attribute, std::string fallback) const {
  const Attribute* found = Find(attribute);
  return found != nullptr && found->kind == Attribute::Kind::kString ? found->s : fallback;
}

std::vector<std::int64_t> NodeDef::Ints(std::string_view attribute) const {
  const Attribute* found = Find(attribute);
  return found != nullptr && found->kind == Attribute::Kind::kInts ? found->ints : std::vector<std::int64_t>{};
}

std::vector<float> NodeDef::Floats(std::string_view attribute) const {
  const Attribute* found = Find(attribute);
  return found != nullptr && found->kind == Attribute::Kind::kFloats ? found->floats : std::vector<float>{};
}

std::vector<std::string> NodeDef::Strings(std::string_view attribute) const {
  const Attribute* found = Find(attribute);
  return found != nullptr && found->kind == Attribute::Kind::kStrings ? found->strings : std::vector<std::string>{};
}

std::string NodeDef::Label() const {
  if (domain.empty()) return fmt::format("node '{}' ({})", name, op_type);
  return fmt::format("node '{}' ({}:{})", name, domain, op_type);
}

}  // namespace stagegate::inference
