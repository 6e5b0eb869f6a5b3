#include "engine/policy/model.h"

#include <algorithm>

namespace stagegate::policy {

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString: return "string";
    case ParamType::kInt: return "int";
    case ParamType::kDouble: return "double";
    case ParamType::kBool: return "bool";
    case ParamType::kList: return "list";
    case ParamType::kMap: return "map";
    case ParamType::kDuration: return "duration";
    case ParamType::kTimestamp: return "timestamp";
  }
  return "string";
}

std::string_view StageName(Stage stage) { return stage == Stage::kGate ? "gate" : "audit"; }

bool Policy::HasStage(Stage stage) const { return std::find(stages.begin(), stages.end(), stage) != stages.end(); }

const RuleTemplate* LoadedBundle::FindTemplate(std::string_view id) const {
  for (const auto& t : templates) {
    if (!t->inline_rule && t->id == id) return t.get();
  }
  return nullptr;
}

const Policy* LoadedBundle::FindPolicy(std::string_view name) const {
  for (const Policy& p : policies) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const RuleInstance* LoadedBundle::FindRule(std::string_view policy_slash_rule) const {
  size_t slash = policy_slash_rule.find('/');
  if (slash == std::string_view::npos) return nullptr;
  const Policy* policy = FindPolicy(policy_slash_rule.substr(0, slash));
  if (policy == nullptr) return nullptr;
  std::string_view rule = policy_slash_rule.substr(slash + 1);
  for (const RuleInstance& r : policy->rules) {
    if (r.id == rule) return &r;
  }
  return nullptr;
}

}  // namespace stagegate::policy
