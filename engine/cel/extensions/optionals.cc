// The optionals extension (cel-go's optional types library): optional.of,
// optional.none, optional.ofNonZeroValue, value, hasValue, or, orValue,
// optional.unwrap / unwrapOpt, and the optional selection / indexing operators
// `_?._` and `_[?_]`, plus `_[_]` on optional operands.
//
// The planner may evaluate `_?._` and `_[?_]` itself; the implementations
// here give the same results so either path works.

#include <cmath>
#include <string>

#include "engine/cel/extensions/extensions.h"
#include "engine/cel/extensions/internal.h"

namespace stagegate::cel {
namespace {

using extensions_internal::AddOverload;
using extensions_internal::NoSuchOverload;

// True for the zero value of the value's type, as cel-go's IsZeroValue defines it.
bool IsZeroValue(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
      return !v.GetBool();
    case ValueKind::kInt:
      return v.GetInt() == 0;
    case ValueKind::kUint:
      return v.GetUint() == 0;
    case ValueKind::kDouble:
      return v.GetDouble() == 0.0;
    case ValueKind::kString:
    case ValueKind::kBytes:
      return v.GetString().empty();
    case ValueKind::kList:
      return v.ListSize() == 0;
    case ValueKind::kMap:
      return v.MapSize() == 0;
    case ValueKind::kDuration:
      return v.GetDuration().nanos == 0;
    case ValueKind::kTimestamp:
      return v.GetTimestamp() == Timestamp{};
    default:
      return false;
  }
}

// Returns container[key] as an optional: none when the key or index is absent.
Value OptionalIndex(const Value& container, const Value& key) {
  if (container.IsErrorOrUnknown()) return container;
  if (key.IsErrorOrUnknown()) return key;
  if (container.IsOptional()) {
    if (!container.OptionalHasValue()) return Value::OptionalNone();
    return OptionalIndex(container.OptionalValue(), key);
  }
  if (container.IsList()) {
    int64_t index;
    if (key.IsInt()) {
      index = key.GetInt();
    } else if (key.IsUint()) {
      if (key.GetUint() > static_cast<uint64_t>(INT64_MAX)) return Value::OptionalNone();
      index = static_cast<int64_t>(key.GetUint());
    } else if (key.IsDouble()) {
      double d = key.GetDouble();
      if (d != std::trunc(d) || !(d >= -9.2e18 && d <= 9.2e18)) return Value::Error("unsupported index value");
      index = static_cast<int64_t>(d);
    } else {
      return NoSuchOverload();
    }
    if (index < 0 || static_cast<uint64_t>(index) >= container.ListSize()) return Value::OptionalNone();
    return Value::OptionalOf(container.ListGet(static_cast<size_t>(index)));
  }
  if (container.IsMap()) {
    std::optional<Value> found = container.MapFind(key);
    if (!found.has_value()) return Value::OptionalNone();
    if (found->IsErrorOrUnknown()) return *found;
    return Value::OptionalOf(std::move(*found));
  }
  return NoSuchOverload();
}

// Returns container.field as an optional: none when the map has no such key.
Value OptionalSelect(const Value& container, const Value& field) {
  if (container.IsErrorOrUnknown()) return container;
  if (!field.IsString()) return NoSuchOverload();
  if (container.IsOptional()) {
    if (!container.OptionalHasValue()) return Value::OptionalNone();
    return OptionalSelect(container.OptionalValue(), field);
  }
  if (!container.IsMap()) return NoSuchOverload();
  std::optional<Value> found = container.MapFindField(field.GetString());
  if (!found.has_value()) return Value::OptionalNone();
  if (found->IsErrorOrUnknown()) return *found;
  return Value::OptionalOf(std::move(*found));
}

// Returns container[key] for an optional container: none stays none, a
// missing key or index becomes none.
Value IndexOnOptional(const Value& container, const Value& key) {
  if (!container.IsOptional()) return NoSuchOverload();
  return OptionalIndex(container, key);
}

void AddNonStrict(FunctionRegistry& registry, std::string_view function, std::string id, bool receiver_style,
                  std::vector<Type> params, Type result, FunctionImpl impl) {
  Overload overload;
  overload.id = std::move(id);
  overload.receiver_style = receiver_style;
  overload.params = std::move(params);
  overload.result = std::move(result);
  overload.impl = std::move(impl);
  overload.strict = false;
  registry.Add(function, std::move(overload));
}

}  // namespace

void RegisterOptionalsExtension(FunctionRegistry& registry) {
  const Type v = Type::Param("V");
  const Type k = Type::Param("K");
  const Type opt_v = Type::Optional(v);

  AddOverload(registry, "optional.of", "optional_of", false, {v}, opt_v,
              [](std::span<const Value> args, EvalContext&) { return Value::OptionalOf(args[0]); });
  AddOverload(registry, "optional.ofNonZeroValue", "optional_ofNonZeroValue", false, {v}, opt_v,
              [](std::span<const Value> args, EvalContext&) {
                return IsZeroValue(args[0]) ? Value::OptionalNone() : Value::OptionalOf(args[0]);
              });
  AddOverload(registry, "optional.none", "optional_none", false, {}, opt_v,
              [](std::span<const Value>, EvalContext&) { return Value::OptionalNone(); });

  AddOverload(registry, "value", "optional_value", true, {opt_v}, v, [](std::span<const Value> args, EvalContext&) {
    if (!args[0].IsOptional()) return NoSuchOverload();
    if (!args[0].OptionalHasValue()) return Value::Error("optional.none() dereference");
    return args[0].OptionalValue();
  });
  AddOverload(registry, "hasValue", "optional_hasValue", true, {opt_v}, Type::Bool(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsOptional()) return NoSuchOverload();
                return Value::Bool(args[0].OptionalHasValue());
              });
  // `or` and `orValue` short-circuit: a present receiver wins even when the
  // alternative is an error, so they are non-strict in the alternative.
  AddNonStrict(registry, "or", "optional_or_optional", true, {opt_v, opt_v}, opt_v,
               [](std::span<const Value> args, EvalContext&) {
                 if (args[0].IsErrorOrUnknown()) return args[0];
                 if (!args[0].IsOptional()) return NoSuchOverload();
                 if (args[0].OptionalHasValue()) return args[0];
                 if (args[1].IsErrorOrUnknown()) return args[1];
                 if (!args[1].IsOptional()) return NoSuchOverload();
                 return args[1];
               });
  AddNonStrict(registry, "orValue", "optional_orValue_value", true, {opt_v, v}, v,
               [](std::span<const Value> args, EvalContext&) {
                 if (args[0].IsErrorOrUnknown()) return args[0];
                 if (!args[0].IsOptional()) return NoSuchOverload();
                 if (args[0].OptionalHasValue()) return args[0].OptionalValue();
                 return args[1];
               });

  auto unwrap = [](std::span<const Value> args, EvalContext&) {
    if (!args[0].IsList()) return NoSuchOverload();
    std::vector<Value> out;
    size_t n = args[0].ListSize();
    for (size_t i = 0; i < n; ++i) {
      Value element = args[0].ListGet(i);
      if (!element.IsOptional()) return NoSuchOverload();
      if (element.OptionalHasValue()) out.push_back(element.OptionalValue());
    }
    return Value::ListOf(std::move(out));
  };
  AddOverload(registry, "optional.unwrap", "optional_unwrap", false, {Type::List(opt_v)}, Type::List(v), unwrap);
  AddOverload(registry, "unwrapOpt", "optional_unwrapOpt", true, {Type::List(opt_v)}, Type::List(v), unwrap);

  // Optional field selection: `m.?f`. The parser passes the field name as a string constant.
  auto select = [](std::span<const Value> args, EvalContext&) { return OptionalSelect(args[0], args[1]); };
  AddOverload(registry, "_?._", "select_optional_field", false, {Type::Map(k, v), Type::String()}, opt_v, select);
  AddOverload(registry, "_?._", "optional_select_optional_field", false,
              {Type::Optional(Type::Map(k, v)), Type::String()}, opt_v, select);
  AddOverload(registry, "_?._", "dyn_select_optional_field", false, {Type::Dyn(), Type::String()},
              Type::Optional(Type::Dyn()), select);

  // Optional indexing: `l[?i]`, `m[?k]`.
  auto opt_index = [](std::span<const Value> args, EvalContext&) { return OptionalIndex(args[0], args[1]); };
  AddOverload(registry, "_[?_]", "list_optindex_optional_int", false, {Type::List(v), Type::Int()}, opt_v, opt_index);
  AddOverload(registry, "_[?_]", "optional_list_optindex_optional_int", false,
              {Type::Optional(Type::List(v)), Type::Int()}, opt_v, opt_index);
  AddOverload(registry, "_[?_]", "map_optindex_optional_value", false, {Type::Map(k, v), k}, opt_v, opt_index);
  AddOverload(registry, "_[?_]", "optional_map_optindex_optional_value", false, {Type::Optional(Type::Map(k, v)), k},
              opt_v, opt_index);
  AddOverload(registry, "_[?_]", "dyn_optindex_optional_dyn", false, {Type::Dyn(), Type::Dyn()},
              Type::Optional(Type::Dyn()), opt_index);

  // Plain indexing of an optional container yields an optional.
  auto index = [](std::span<const Value> args, EvalContext&) { return IndexOnOptional(args[0], args[1]); };
  AddOverload(registry, "_[_]", "optional_list_index_int", false, {Type::Optional(Type::List(v)), Type::Int()}, opt_v,
              index);
  AddOverload(registry, "_[_]", "optional_map_index_value", false, {Type::Optional(Type::Map(k, v)), k}, opt_v, index);
}

}  // namespace stagegate::cel
