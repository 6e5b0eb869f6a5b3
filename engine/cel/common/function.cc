#include "engine/cel/common/function.h"

namespace stagegate::cel {

bool FunctionRegistry::Add(std::string_view function, Overload overload) {
  // Ids are unique across the whole registry (the checker reports them, the planner dispatches on them).
  if (ids_.count(overload.id) != 0) return false;
  auto it = functions_.find(function);
  if (it == functions_.end()) {
    it = functions_.emplace(std::string(function), FunctionDecl{std::string(function), {}}).first;
  }
  for (const Overload& existing : it->second.overloads) {
    if (existing.receiver_style == overload.receiver_style && existing.params == overload.params) return false;
  }
  ids_.insert(overload.id);
  it->second.overloads.push_back(std::move(overload));
  return true;
}

const FunctionDecl* FunctionRegistry::Find(std::string_view function) const {
  auto it = functions_.find(function);
  return it == functions_.end() ? nullptr : &it->second;
}

bool ValueMatchesType(const Value& value, const Type& type) {
  switch (type.kind) {
    case TypeKind::kDyn:
    case TypeKind::kTypeParam:
    case TypeKind::kError:
      return true;
    case TypeKind::kNull:
      return value.IsNull();
    case TypeKind::kBool:
      return value.IsBool();
    case TypeKind::kInt:
      return value.IsInt();
    case TypeKind::kUint:
      return value.IsUint();
    case TypeKind::kDouble:
      return value.IsDouble();
    case TypeKind::kString:
      return value.IsString();
    case TypeKind::kBytes:
      return value.IsBytes();
    case TypeKind::kList:
      return value.IsList();
    case TypeKind::kMap:
      return value.IsMap();
    case TypeKind::kTimestamp:
      return value.IsTimestamp();
    case TypeKind::kDuration:
      return value.IsDuration();
    case TypeKind::kType:
      return value.IsType();
    case TypeKind::kOptional:
      return value.IsOptional();
    case TypeKind::kOpaque:
      return value.TypeName() == type.name;
    case TypeKind::kObject:
      // Host objects are maps at run time.
      return value.IsMap() || value.TypeName() == type.name;
  }
  return false;
}

}  // namespace stagegate::cel
