#include "engine/cel/bindings/json_value.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/cel/common/value_internal.h"

namespace stagegate::cel {

namespace {

using Json = nlohmann::json;

// Compares lengths and first bytes inline before calling memcmp.
bool SameKey(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
}

// One adapter object per container kind serves every node of every document:
// the value's data pointer is the nlohmann node itself, so binding and
// traversing allocate nothing.
class JsonListAccess final : public ListAccess {
 public:
  size_t Size(const void* data) const override { return static_cast<const Json*>(data)->size(); }
  Value Get(const void* data, size_t index) const override {
    // The caller checked the index; skip operator[]'s type check.
    return JsonValue(static_cast<const Json*>(data)->get_ref<const Json::array_t&>()[index]);
  }
};

class JsonMapAccess final : public MapAccess {
 public:
  // Objects up to this size are scanned rather than searched.
  static constexpr size_t kLinearScanLimit = 8;

  size_t Size(const void* data) const override { return static_cast<const Json*>(data)->size(); }
  std::optional<Value> Find(const void* data, const Value& key) const override {
    if (!key.IsString()) return std::nullopt;  // JSON objects have string keys only
    return FindField(data, key.GetString());
  }
  std::optional<Value> FindField(const void* data, std::string_view field) const override {
    const Json& object = *static_cast<const Json*>(data);
    const auto& map = object.get_ref<const Json::object_t&>();
    if (map.size() <= kLinearScanLimit) {
      // Policy documents nest small objects. Scanning them comparing sizes
      // and first bytes first reaches memcmp about once; the tree walk of
      // find() calls it at every level.
      for (const auto& [key, value] : map) {
        if (SameKey(key, field)) return JsonValue(value);
      }
      return std::nullopt;
    }
    auto it = map.find(field);
    if (it == map.end()) return std::nullopt;
    return JsonValue(it->second);
  }
  Value Keys(const void* data) const override {
    const Json& object = *static_cast<const Json*>(data);
    std::vector<Value> keys;
    keys.reserve(object.size());
    for (const auto& [key, value] : object.get_ref<const Json::object_t&>()) keys.push_back(Value::BorrowedString(key));
    return Value::ListOf(std::move(keys));
  }
};

const JsonListAccess kJsonList;
const JsonMapAccess kJsonMap;

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

Value JsonValue(const nlohmann::json& document) {
  switch (document.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return Value::Null();
    case Json::value_t::boolean:
      return Value::Bool(document.get_ref<const Json::boolean_t&>());
    case Json::value_t::number_integer:
      return Value::Int(document.get_ref<const Json::number_integer_t&>());
    case Json::value_t::number_unsigned: {
      uint64_t u = document.get_ref<const Json::number_unsigned_t&>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Value::Int(static_cast<int64_t>(u));
      return Value::Uint(u);
    }
    case Json::value_t::number_float:
      return Value::Double(document.get_ref<const Json::number_float_t&>());
    case Json::value_t::string:
      return Value::BorrowedString(document.get_ref<const Json::string_t&>());
    case Json::value_t::binary: {
      const auto& bin = document.get_ref<const Json::binary_t&>();
      return Value::Bytes(std::string(bin.begin(), bin.end()));
    }
    case Json::value_t::array:
      return Value::List(&kJsonList, &document, nullptr);
    case Json::value_t::object:
      return Value::Map(&kJsonMap, &document, nullptr);
  }
  return Value::Null();
}

nlohmann::json ValueToJson(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kNull:
      return nullptr;
    case ValueKind::kBool:
      return value.GetBool();
    case ValueKind::kInt:
      return value.GetInt();
    case ValueKind::kUint:
      return value.GetUint();
    case ValueKind::kDouble: {
      double d = value.GetDouble();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return d;
    }
    case ValueKind::kString:
      return std::string(value.GetString());
    case ValueKind::kBytes:
      return Base64(value.GetString());
    case ValueKind::kList: {
      Json out = Json::array();
      for (size_t i = 0; i < value.ListSize(); ++i) out.push_back(ValueToJson(value.ListGet(i)));
      return out;
    }
    case ValueKind::kMap: {
      Json out = Json::object();
      Value keys = value.MapKeys();
      for (size_t i = 0; i < keys.ListSize(); ++i) {
        Value key = keys.ListGet(i);
        std::optional<Value> v = value.MapFind(key);
        std::string name = key.IsString() ? std::string(key.GetString()) : key.DebugString();
        if (key.IsUint()) name = std::to_string(key.GetUint());
        out[name] = v ? ValueToJson(*v) : Json(nullptr);
      }
      return out;
    }
    case ValueKind::kTimestamp:
      return FormatTimestamp(value.GetTimestamp());
    case ValueKind::kDuration:
      return FormatDuration(value.GetDuration());
    case ValueKind::kType:
      return std::string(value.GetString());
    case ValueKind::kOptional:
      if (value.OptionalHasValue()) return ValueToJson(value.OptionalValue());
      return nullptr;
    case ValueKind::kError:
      return Json{{"error", value.ErrorMessage()}};
    case ValueKind::kUnknown:
      return Json{{"unknown", value.UnknownAttribute()}};
  }
  return nullptr;
}

bool JsonWithinDepth(const nlohmann::json& document, size_t max_depth) {
  std::vector<std::pair<const nlohmann::json*, size_t>> pending{{&document, 0}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (depth + 1 > max_depth) return false;
    for (const auto& child : *node) pending.emplace_back(&child, depth + 1);
  }
  return true;
}

}  // namespace stagegate::cel
