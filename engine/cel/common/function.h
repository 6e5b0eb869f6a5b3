#pragma once
// Functions and their overloads. One registry serves the type checker (the
// signatures) and the runtime (the implementations), so they cannot disagree.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/types.h"
#include "engine/cel/common/value.h"
#include "engine/cel/common/eval_context.h"

namespace stagegate::cel {

// An implementation. `args` includes the receiver first for receiver-style calls.
using FunctionImpl = std::function<Value(std::span<const Value> args, EvalContext& context)>;

// Standard operators whose semantics the planner knows exactly, so that it may
// evaluate them inline instead of dispatching through `impl` (see
// runtime/steps.h, OperatorStep). Only the standard library sets these tags;
// an overload tagged here must behave exactly as the tag says.
enum class BuiltinOperator : uint8_t {
  kNone,
  kEquals,         // _==_: ValuesEqual, cost EqualityCost
  kNotEquals,      // _!=_: !ValuesEqual, cost EqualityCost
  kLess,           // _<_, _<=_, _>_, _>=_: CompareValues over the overload's
  kLessEquals,     //   parameter kinds; string and bytes cost EqualityCost
  kGreater,
  kGreaterEquals,
  kLogicalNot,     // !_ on bool
};

struct Overload {
  std::string id;             // unique, cel-go style: "add_int64", "string_contains"
  bool receiver_style = false;
  std::vector<Type> params;   // including the receiver first for receiver-style overloads
  Type result;
  FunctionImpl impl;
  // Non-strict overloads receive error and unknown arguments instead of having
  // them propagated (e.g. `@not_strictly_false`).
  bool strict = true;
  // Optional plan-time specialisation: given the arguments that are constants
  // (nullopt for the others), returns an implementation to use instead of
  // `impl` (e.g. a `matches` with its RE2 regex compiled once), or an error
  // value for a constant argument that can never be valid (a bad regex), or
  // nullopt to keep `impl`.
  std::function<std::optional<FunctionImpl>(std::span<const std::optional<Value>> constants, std::string* error)>
      specialize;
  // Cost of one call beyond the fixed unit, from the arguments (e.g. string length / 10).
  std::function<int64_t(std::span<const Value> args)> cost;
  // Set by the standard library on operators the planner may inline.
  BuiltinOperator builtin = BuiltinOperator::kNone;
};

struct FunctionDecl {
  std::string name;  // "_+_", "size", "matches", "math.greatest", ...
  std::vector<Overload> overloads;
};

class FunctionRegistry {
 public:
  // Adds an overload of `function`. Returns false (and adds nothing) when an
  // overload with the same id or the same parameter types already exists.
  bool Add(std::string_view function, Overload overload);

  const FunctionDecl* Find(std::string_view function) const;
  const std::map<std::string, FunctionDecl, std::less<>>& functions() const { return functions_; }

 private:
  std::map<std::string, FunctionDecl, std::less<>> functions_;
  std::set<std::string, std::less<>> ids_;  // of every overload in functions_
};

// True when a runtime value of `value`'s kind may be passed for a parameter of `type`
// (dyn and type parameters accept anything).
bool ValueMatchesType(const Value& value, const Type& type);

}  // namespace stagegate::cel
