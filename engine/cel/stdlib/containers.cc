// Lists and maps: `in`, `size`, indexing.

#include <cmath>
#include <limits>

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

// Normalizes a value used as a map key: an integral double becomes the int
// (or uint) with the same value, so that {1: x}[1.0] finds x. Returns
// nullopt for values that can never be a key.
std::optional<Value> NormalizeKey(const Value& key) {
  switch (key.kind()) {
    case ValueKind::kBool:
    case ValueKind::kInt:
    case ValueKind::kUint:
    case ValueKind::kString:
      return key;
    case ValueKind::kDouble: {
      double d = key.GetDouble();
      if (std::trunc(d) != d) return std::nullopt;  // also NaN and infinities
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) return Value::Int(static_cast<int64_t>(d));
      if (d >= 0 && d < 18446744073709551616.0) return Value::Uint(static_cast<uint64_t>(d));
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

// Converts an index (int, uint, or integral double, per heterogeneous
// equality) to a position; nullopt with `error` set otherwise.
std::optional<int64_t> ListIndex(const Value& index, std::string* error) {
  switch (index.kind()) {
    case ValueKind::kInt:
      return index.GetInt();
    case ValueKind::kUint:
      if (index.GetUint() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::numeric_limits<int64_t>::max();
      }
      return static_cast<int64_t>(index.GetUint());
    case ValueKind::kDouble: {
      double d = index.GetDouble();
      if (std::trunc(d) != d || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
        *error = "unsupported index value " + FormatDouble(d) + " in list";
        return std::nullopt;
      }
      return static_cast<int64_t>(d);
    }
    default:
      *error = "unsupported index type '" + std::string(index.TypeName()) + "' in list";
      return std::nullopt;
  }
}

Value IndexList(const Value& list, const Value& index) {
  std::string error;
  std::optional<int64_t> i = ListIndex(index, &error);
  if (!i) return Value::Error(std::move(error));
  size_t size = list.ListSize();
  if (*i < 0 || static_cast<uint64_t>(*i) >= size) {
    return Value::Error("index '" + std::to_string(*i) + "' out of range in list size '" + std::to_string(size) + "'");
  }
  return list.ListGet(static_cast<size_t>(*i));
}

Value IndexMap(const Value& map, const Value& key) {
  std::optional<Value> normalized = NormalizeKey(key);
  if (normalized) {
    std::optional<Value> found = map.MapFind(*normalized);
    if (found) return *found;
  }
  if (key.IsString()) return Value::Error("no such key: " + std::string(key.GetString()));
  return Value::Error("no such key: " + key.DebugString());
}

Value InList(const Value& element, const Value& list) {
  size_t size = list.ListSize();
  for (size_t i = 0; i < size; ++i) {
    Value item = list.ListGet(i);
    if (!item.IsErrorOrUnknown() && ValuesEqual(element, item)) return Value::Bool(true);
  }
  return Value::Bool(false);
}

Value InMap(const Value& key, const Value& map) {
  std::optional<Value> normalized = NormalizeKey(key);
  if (!normalized) return Value::Bool(false);
  return Value::Bool(map.MapFind(*normalized).has_value());
}

void AddSize(FunctionRegistry& registry, const char* global_id, const char* receiver_id, Type param,
             FunctionImpl impl) {
  AddOverload(registry, "size", global_id, {param}, Type::Int(), impl);
  AddOverload(registry, "size", receiver_id, {param}, Type::Int(), impl, /*receiver_style=*/true);
}

}  // namespace

void RegisterContainerFunctions(FunctionRegistry& registry) {
  const Type a = Type::Param("A");
  const Type k = Type::Param("K");
  const Type v = Type::Param("V");
  {
    Overload o;
    o.id = "in_list";
    o.params = {a, Type::List(a)};
    o.result = Type::Bool();
    o.impl = [](std::span<const Value> args, EvalContext&) { return InList(args[0], args[1]); };
    o.cost = [](std::span<const Value> args) { return static_cast<int64_t>(args[1].ListSize() / 10); };
    registry.Add("@in", std::move(o));
  }
  AddOverload(registry, "@in", "in_map", {k, Type::Map(k, v)}, Type::Bool(),
              [](std::span<const Value> args, EvalContext&) { return InMap(args[0], args[1]); });

  AddSize(registry, "size_string", "string_size", Type::String(), [](std::span<const Value> args, EvalContext&) {
    return Value::Int(CodePointCount(args[0].GetString()));
  });
  AddSize(registry, "size_bytes", "bytes_size", Type::Bytes(), [](std::span<const Value> args, EvalContext&) {
    return Value::Int(static_cast<int64_t>(args[0].GetString().size()));
  });
  AddSize(registry, "size_list", "list_size", Type::List(a), [](std::span<const Value> args, EvalContext&) {
    return Value::Int(static_cast<int64_t>(args[0].ListSize()));
  });
  AddSize(registry, "size_map", "map_size", Type::Map(k, v), [](std::span<const Value> args, EvalContext&) {
    return Value::Int(static_cast<int64_t>(args[0].MapSize()));
  });

  // The index impls accept any index value (a dyn index may hold a uint or an
  // integral double at run time), though the signatures say int and K.
  AddOverload(registry, "_[_]", "index_list", {Type::List(a), Type::Int()}, a,
              [](std::span<const Value> args, EvalContext&) { return IndexList(args[0], args[1]); });
  AddOverload(registry, "_[_]", "index_map", {Type::Map(k, v), k}, v,
              [](std::span<const Value> args, EvalContext&) { return IndexMap(args[0], args[1]); });
}

}  // namespace stagegate::cel::stdlib_internal
