// Logical operators. The planner evaluates `_&&_`, `_||_`, `_?_:_` and
// `@not_strictly_false` itself (they short-circuit and absorb errors); the
// implementations here follow the same semantics for callers that dispatch
// through the registry.

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

// Implements cel-spec's commutative `&&` / `||` over already evaluated operands:
// a deciding operand (false for &&, true for ||) wins over errors and unknowns;
// otherwise an error wins, then an unknown.
Value LogicalCombine(std::span<const Value> args, bool deciding) {
  for (const Value& arg : args) {
    if (arg.IsBool() && arg.GetBool() == deciding) return Value::Bool(deciding);
  }
  for (const Value& arg : args) {
    if (arg.IsError()) return arg;
  }
  for (const Value& arg : args) {
    if (arg.IsUnknown()) return arg;
  }
  for (const Value& arg : args) {
    if (!arg.IsBool()) return Value::Error("no matching overload");
  }
  return Value::Bool(!deciding);
}

}  // namespace

void RegisterLogicFunctions(FunctionRegistry& registry) {
  {
    Overload o;
    o.id = "logical_and";
    o.params = {Type::Bool(), Type::Bool()};
    o.result = Type::Bool();
    o.strict = false;
    o.impl = [](std::span<const Value> args, EvalContext&) { return LogicalCombine(args, false); };
    registry.Add("_&&_", std::move(o));
  }
  {
    Overload o;
    o.id = "logical_or";
    o.params = {Type::Bool(), Type::Bool()};
    o.result = Type::Bool();
    o.strict = false;
    o.impl = [](std::span<const Value> args, EvalContext&) { return LogicalCombine(args, true); };
    registry.Add("_||_", std::move(o));
  }
  {
    Overload o;
    o.id = "conditional";
    o.params = {Type::Bool(), Type::Param("A"), Type::Param("A")};
    o.result = Type::Param("A");
    o.strict = false;
    o.impl = [](std::span<const Value> args, EvalContext&) -> Value {
      if (args[0].IsErrorOrUnknown()) return args[0];
      if (!args[0].IsBool()) return Value::Error("no matching overload");
      return args[0].GetBool() ? args[1] : args[2];
    };
    registry.Add("_?_:_", std::move(o));
  }
  {
    Overload o;
    o.id = "not_strictly_false";
    o.params = {Type::Bool()};
    o.result = Type::Bool();
    o.strict = false;
    // True unless the argument is exactly false: errors and unknowns count as
    // true so that a comprehension's loop condition keeps going.
    o.impl = [](std::span<const Value> args, EvalContext&) {
      return Value::Bool(!(args[0].IsBool() && !args[0].GetBool()));
    };
    registry.Add("@not_strictly_false", std::move(o));
  }
  {
    Overload o;
    o.id = "logical_not";
    o.params = {Type::Bool()};
    o.result = Type::Bool();
    o.impl = [](std::span<const Value> args, EvalContext&) { return Value::Bool(!args[0].GetBool()); };
    o.builtin = BuiltinOperator::kLogicalNot;
    registry.Add("!_", std::move(o));
  }
}

}  // namespace stagegate::cel::stdlib_internal
