#pragma once
// Assignability, unification and joins of checker types (cel-spec "Gradual
// Type Checking"). Internal to the checker; exposed for its tests.

#include <map>
#include <string>

#include "engine/cel/common/types.h"

namespace stagegate::cel::checker_internal {

// Bindings of an overload's type parameters (by name) made while matching its
// parameters against argument types. Each overload candidate gets a fresh one.
using TypeSubstitution = std::map<std::string, Type>;

// True for dyn and for the error type: both are assignable to and from anything.
bool IsDynOrError(const Type& type);

// Returns true when a value of type `from` may be passed where `to` is
// expected, binding (or widening) the type parameters of `to` in `substitution`.
// `from` holds no type parameters. On failure `substitution` may hold partial
// bindings; callers discard it.
bool IsAssignable(const Type& to, const Type& from, TypeSubstitution& substitution);

// Returns the less specific of two mutually compatible types (dyn wins;
// list(int) and list(dyn) give list(dyn)).
Type MostGeneral(const Type& a, const Type& b);

// Returns the common type of two element types of an aggregate literal: the
// more general one when they are compatible, otherwise dyn.
Type JoinTypes(const Type& a, const Type& b);

// The element type of an empty list or map literal: a type parameter that
// binds to whatever it meets, so `[]` joined with `[1]` is list(int). No
// declared overload uses this name.
inline constexpr char kFreeParam[] = "@free";

// Replaces every type parameter left in a deduced type by dyn.
Type ResolveFreeParams(const Type& type);

// Replaces bound type parameters by their bindings and unbound ones by
// `unbound` (dyn, or the free parameter to leave them open for later joins).
Type Substitute(const Type& type, const TypeSubstitution& substitution, const Type& unbound = Type::Dyn());

}  // namespace stagegate::cel::checker_internal
