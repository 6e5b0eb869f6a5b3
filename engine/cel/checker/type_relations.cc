#include "engine/cel/checker/type_relations.h"

#include <utility>

namespace stagegate::cel::checker_internal {

namespace {

bool IsParameterized(TypeKind kind) {
  return kind == TypeKind::kList || kind == TypeKind::kMap || kind == TypeKind::kOptional ||
         kind == TypeKind::kOpaque || kind == TypeKind::kType;
}

bool IsAssignableList(const std::vector<Type>& to, const std::vector<Type>& from, TypeSubstitution& substitution) {
  if (to.size() != from.size()) return false;
  for (size_t i = 0; i < to.size(); ++i) {
    if (!IsAssignable(to[i], from[i], substitution)) return false;
  }
  return true;
}

// A list or map written without parameters (the `list` type denotation) means list(dyn).
std::vector<Type> ParamsOf(const Type& type) {
  if (type.kind == TypeKind::kList && type.params.empty()) return {Type::Dyn()};
  if (type.kind == TypeKind::kMap && type.params.size() < 2) return {Type::Dyn(), Type::Dyn()};
  if (type.kind == TypeKind::kOptional && type.params.empty()) return {Type::Dyn()};
  return type.params;
}

}  // namespace

bool IsDynOrError(const Type& type) { return type.kind == TypeKind::kDyn || type.kind == TypeKind::kError; }

bool IsAssignable(const Type& to, const Type& from, TypeSubstitution& substitution) {
  // An unknown element type accepts anything; MostGeneral then takes the other side.
  if (to.kind == TypeKind::kTypeParam && to.name == kFreeParam) return true;
  if (to.kind == TypeKind::kTypeParam) {
    auto it = substitution.find(to.name);
    if (it == substitution.end()) {
      substitution.emplace(to.name, from);
      return true;
    }
    // The bound type holds no parameters, so scratch substitutions suffice.
    TypeSubstitution scratch;
    if (IsAssignable(it->second, from, scratch)) {
      it->second = MostGeneral(it->second, from);
      return true;
    }
    scratch.clear();
    if (IsAssignable(from, it->second, scratch)) {
      it->second = MostGeneral(from, it->second);
      return true;
    }
    return false;
  }
  if (from.kind == TypeKind::kTypeParam) return true;
  if (IsDynOrError(to) || IsDynOrError(from)) return true;
  switch (to.kind) {
    case TypeKind::kNull:
      return from.kind == TypeKind::kNull;
    // Null may stand for a timestamp or duration, as for messages (cel-go's legacy nullable types).
    case TypeKind::kTimestamp:
    case TypeKind::kDuration:
      return from.kind == to.kind || from.kind == TypeKind::kNull;
    case TypeKind::kObject:
      return from.kind == TypeKind::kNull || (from.kind == TypeKind::kObject && from.name == to.name);
    case TypeKind::kType: {
      if (from.kind != TypeKind::kType) return false;
      // Any type value is assignable to any type(...) (as in cel-go); the
      // parameters only serve to bind type parameters where they agree.
      if (!to.params.empty() && !from.params.empty()) {
        TypeSubstitution attempt = substitution;
        if (IsAssignable(to.params[0], from.params[0], attempt)) substitution = std::move(attempt);
      }
      return true;
    }
    case TypeKind::kList:
    case TypeKind::kMap:
    case TypeKind::kOptional:
    case TypeKind::kOpaque:
      if (to.kind != from.kind || to.name != from.name) return false;
      return IsAssignableList(ParamsOf(to), ParamsOf(from), substitution);
    default:
      return to.kind == from.kind && to.name == from.name;
  }
}

Type MostGeneral(const Type& a, const Type& b) {
  if (a.kind == TypeKind::kError || b.kind == TypeKind::kError) return Type::Error();
  if (a.kind == TypeKind::kDyn) return a;
  if (b.kind == TypeKind::kDyn) return b;
  // A free parameter (the element type of an empty literal) yields to anything.
  if (a.kind == TypeKind::kTypeParam) return b;
  if (b.kind == TypeKind::kTypeParam) return a;
  if (a.kind == TypeKind::kNull) return b;
  if (a.kind == b.kind && IsParameterized(a.kind)) {
    std::vector<Type> pa = ParamsOf(a);
    std::vector<Type> pb = ParamsOf(b);
    if (pa.size() != pb.size()) return a;
    Type out = a;
    out.params.clear();
    for (size_t i = 0; i < pa.size(); ++i) out.params.push_back(MostGeneral(pa[i], pb[i]));
    return out;
  }
  return a;
}

Type JoinTypes(const Type& a, const Type& b) {
  if (a == b) return a;
  TypeSubstitution scratch;
  if (IsAssignable(a, b, scratch)) return MostGeneral(a, b);
  scratch.clear();
  if (IsAssignable(b, a, scratch)) return MostGeneral(b, a);
  return Type::Dyn();
}

Type ResolveFreeParams(const Type& type) {
  if (type.kind == TypeKind::kTypeParam) return Type::Dyn();
  if (type.params.empty()) return type;
  Type out = type;
  for (Type& param : out.params) param = ResolveFreeParams(param);
  return out;
}

Type Substitute(const Type& type, const TypeSubstitution& substitution, const Type& unbound) {
  if (type.kind == TypeKind::kTypeParam) {
    auto it = substitution.find(type.name);
    if (it == substitution.end()) return unbound;
    // Bindings come from argument types, which hold no parameters.
    return it->second;
  }
  if (type.params.empty()) return type;
  Type out = type;
  for (Type& param : out.params) param = Substitute(param, substitution, unbound);
  return out;
}

}  // namespace stagegate::cel::checker_internal
