// Equality and ordering, including exact heterogeneous numeric comparison.

#include <compare>

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

// Orderings of numbers of different types. A NaN compares unordered with everything.
std::partial_ordering CompareIntUint(int64_t a, uint64_t b) {
  if (a < 0) return std::partial_ordering::less;
  return static_cast<uint64_t>(a) <=> b;
}

// An int or uint against a double compares as doubles, as cel-go does and the
// conformance suite requires: 2^63 - 1 is not less than 2^63 (the int rounds up).
std::partial_ordering CompareIntDouble(int64_t a, double b) { return static_cast<double>(a) <=> b; }

std::partial_ordering CompareUintDouble(uint64_t a, double b) { return static_cast<double>(a) <=> b; }

std::partial_ordering Reverse(std::partial_ordering o) {
  if (o == std::partial_ordering::less) return std::partial_ordering::greater;
  if (o == std::partial_ordering::greater) return std::partial_ordering::less;
  return o;
}

// One ordering operator: the predicate applied to the ordering of its operands.
struct Relation {
  const char* function;
  const char* id_prefix;
  bool (*holds)(std::partial_ordering);
  BuiltinOperator builtin;
};

constexpr Relation kRelations[] = {
    {"_<_", "less", [](std::partial_ordering o) { return o == std::partial_ordering::less; },
     BuiltinOperator::kLess},
    {"_<=_", "less_equals",
     [](std::partial_ordering o) { return o == std::partial_ordering::less || o == std::partial_ordering::equivalent; },
     BuiltinOperator::kLessEquals},
    {"_>_", "greater", [](std::partial_ordering o) { return o == std::partial_ordering::greater; },
     BuiltinOperator::kGreater},
    {"_>=_", "greater_equals",
     [](std::partial_ordering o) {
       return o == std::partial_ordering::greater || o == std::partial_ordering::equivalent;
     },
     BuiltinOperator::kGreaterEquals},
};

using Comparator = std::partial_ordering (*)(const Value&, const Value&);

struct OrderedPair {
  const char* id_suffix;
  Type left;
  Type right;
  Comparator compare;
};

std::vector<OrderedPair> OrderedPairs() {
  return {
      {"bool", Type::Bool(), Type::Bool(),
       [](const Value& a, const Value& b) -> std::partial_ordering { return a.GetBool() <=> b.GetBool(); }},
      {"int64", Type::Int(), Type::Int(),
       [](const Value& a, const Value& b) -> std::partial_ordering { return a.GetInt() <=> b.GetInt(); }},
      {"uint64", Type::Uint(), Type::Uint(),
       [](const Value& a, const Value& b) -> std::partial_ordering { return a.GetUint() <=> b.GetUint(); }},
      {"double", Type::Double(), Type::Double(),
       [](const Value& a, const Value& b) -> std::partial_ordering { return a.GetDouble() <=> b.GetDouble(); }},
      {"string", Type::String(), Type::String(),
       [](const Value& a, const Value& b) -> std::partial_ordering {
         // Bytewise order of UTF-8 is code point order.
         return a.GetString().compare(b.GetString()) <=> 0;
       }},
      {"bytes", Type::Bytes(), Type::Bytes(),
       [](const Value& a, const Value& b) -> std::partial_ordering {
         return a.GetString().compare(b.GetString()) <=> 0;
       }},
      {"timestamp", Type::Timestamp(), Type::Timestamp(),
       [](const Value& a, const Value& b) -> std::partial_ordering { return a.GetTimestamp() <=> b.GetTimestamp(); }},
      {"duration", Type::Duration(), Type::Duration(),
       [](const Value& a, const Value& b) -> std::partial_ordering { return a.GetDuration() <=> b.GetDuration(); }},
      {"int64_uint64", Type::Int(), Type::Uint(),
       [](const Value& a, const Value& b) { return CompareIntUint(a.GetInt(), b.GetUint()); }},
      {"int64_double", Type::Int(), Type::Double(),
       [](const Value& a, const Value& b) { return CompareIntDouble(a.GetInt(), b.GetDouble()); }},
      {"uint64_int64", Type::Uint(), Type::Int(),
       [](const Value& a, const Value& b) { return Reverse(CompareIntUint(b.GetInt(), a.GetUint())); }},
      {"uint64_double", Type::Uint(), Type::Double(),
       [](const Value& a, const Value& b) { return CompareUintDouble(a.GetUint(), b.GetDouble()); }},
      {"double_int64", Type::Double(), Type::Int(),
       [](const Value& a, const Value& b) { return Reverse(CompareIntDouble(b.GetInt(), a.GetDouble())); }},
      {"double_uint64", Type::Double(), Type::Uint(),
       [](const Value& a, const Value& b) { return Reverse(CompareUintDouble(b.GetUint(), a.GetDouble())); }},
  };
}

// Cost of comparing two values: proportional to the smaller of two strings or aggregates.
int64_t EqualityCost(std::span<const Value> args) {
  const Value& a = args[0];
  const Value& b = args[1];
  if (a.kind() != b.kind()) return 0;
  switch (a.kind()) {
    case ValueKind::kString:
    case ValueKind::kBytes:
      return static_cast<int64_t>(std::min(a.GetString().size(), b.GetString().size()) / 10);
    case ValueKind::kList:
      return static_cast<int64_t>(std::min(a.ListSize(), b.ListSize()) / 10);
    case ValueKind::kMap:
      return static_cast<int64_t>(std::min(a.MapSize(), b.MapSize()) / 10);
    default:
      return 0;
  }
}

}  // namespace

void RegisterComparisonFunctions(FunctionRegistry& registry) {
  {
    Overload o;
    o.id = "equals";
    o.params = {Type::Param("A"), Type::Param("A")};
    o.result = Type::Bool();
    o.impl = [](std::span<const Value> args, EvalContext&) { return Value::Bool(ValuesEqual(args[0], args[1])); };
    o.cost = EqualityCost;
    o.builtin = BuiltinOperator::kEquals;
    registry.Add("_==_", std::move(o));
  }
  {
    Overload o;
    o.id = "not_equals";
    o.params = {Type::Param("A"), Type::Param("A")};
    o.result = Type::Bool();
    o.impl = [](std::span<const Value> args, EvalContext&) { return Value::Bool(!ValuesEqual(args[0], args[1])); };
    o.cost = EqualityCost;
    o.builtin = BuiltinOperator::kNotEquals;
    registry.Add("_!=_", std::move(o));
  }
  for (const Relation& relation : kRelations) {
    for (const OrderedPair& pair : OrderedPairs()) {
      Overload o;
      o.id = std::string(relation.id_prefix) + "_" + pair.id_suffix;
      o.params = {pair.left, pair.right};
      o.result = Type::Bool();
      auto holds = relation.holds;
      auto compare = pair.compare;
      o.impl = [holds, compare](std::span<const Value> args, EvalContext&) {
        return Value::Bool(holds(compare(args[0], args[1])));
      };
      if (pair.left.kind == TypeKind::kString || pair.left.kind == TypeKind::kBytes) o.cost = EqualityCost;
      o.builtin = relation.builtin;
      registry.Add(relation.function, std::move(o));
    }
  }
}

}  // namespace stagegate::cel::stdlib_internal
