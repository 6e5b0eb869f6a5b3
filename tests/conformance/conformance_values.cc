#include "tests/conformance/conformance_values.h"

#include <cmath>
#include <limits>

namespace stagegate::conformance {
namespace {

bool DecodeBase64(const std::string& in, std::string* out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int value = 0;
  int bits = -8;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
    if (p == nullptr) return false;
    value = (value << 6) | static_cast<int>(p - kAlphabet);
    bits += 6;
    if (bits >= 0) {
      out->push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return true;
}

double DoubleFromJson(const nlohmann::json& json) {
  if (json.is_string()) {
    const std::string& s = json.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    return std::stod(s);
  }
  return json.get<double>();
}

}  // namespace

bool ValueFromProtoJson(const nlohmann::json& json, cel::Value* out, std::string* error) {
  if (json.contains("nullValue")) {
    *out = cel::Value::Null();
  } else if (json.contains("boolValue")) {
    *out = cel::Value::Bool(json["boolValue"].get<bool>());
  } else if (json.contains("int64Value")) {
    const auto& v = json["int64Value"];
    *out = cel::Value::Int(v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>());
  } else if (json.contains("uint64Value")) {
    const auto& v = json["uint64Value"];
    *out = cel::Value::Uint(v.is_string() ? std::stoull(v.get<std::string>()) : v.get<uint64_t>());
  } else if (json.contains("doubleValue")) {
    *out = cel::Value::Double(DoubleFromJson(json["doubleValue"]));
  } else if (json.contains("stringValue")) {
    *out = cel::Value::String(json["stringValue"].get<std::string>());
  } else if (json.contains("bytesValue")) {
    std::string bytes;
    if (!DecodeBase64(json["bytesValue"].get<std::string>(), &bytes)) {
      *error = "bad base64 in bytesValue";
      return false;
    }
    *out = cel::Value::Bytes(std::move(bytes));
  } else if (json.contains("typeValue")) {
    *out = cel::Value::Type(json["typeValue"].get<std::string>());
  } else if (json.contains("listValue")) {
    std::vector<cel::Value> elements;
    const auto& list = json["listValue"];
    if (list.contains("values")) {
      for (const auto& element : list["values"]) {
        cel::Value v;
        if (!ValueFromProtoJson(element, &v, error)) return false;
        elements.push_back(std::move(v));
      }
    }
    *out = cel::Value::ListOf(std::move(elements));
  } else if (json.contains("mapValue")) {
    std::vector<std::pair<cel::Value, cel::Value>> entries;
    const auto& map = json["mapValue"];
    if (map.contains("entries")) {
      for (const auto& entry : map["entries"]) {
        cel::Value key;
        cel::Value value;
        if (!ValueFromProtoJson(entry["key"], &key, error) || !ValueFromProtoJson(entry["value"], &value, error)) {
          return false;
        }
        entries.emplace_back(std::move(key), std::move(value));
      }
    }
    *out = cel::Value::MapOf(std::move(entries));
  } else if (json.contains("objectValue")) {
    *error = "protobuf message values are not modelled";
    return false;
  } else if (json.contains("enumValue")) {
    *error = "protobuf enum values are not modelled";
    return false;
  } else {
    *error = "unrecognised value form: " + json.dump();
    return false;
  }
  return true;
}

cel::Type TypeFromProtoJson(const nlohmann::json& json) {
  using cel::Type;
  if (json.contains("primitive")) {
    const std::string p = json["primitive"].get<std::string>();
    if (p == "BOOL") return Type::Bool();
    if (p == "INT64") return Type::Int();
    if (p == "UINT64") return Type::Uint();
    if (p == "DOUBLE") return Type::Double();
    if (p == "STRING") return Type::String();
    if (p == "BYTES") return Type::Bytes();
    return Type::Dyn();
  }
  if (json.contains("listType")) {
    const auto& list = json["listType"];
    return Type::List(list.contains("elemType") ? TypeFromProtoJson(list["elemType"]) : Type::Dyn());
  }
  if (json.contains("mapType")) {
    const auto& map = json["mapType"];
    return Type::Map(map.contains("keyType") ? TypeFromProtoJson(map["keyType"]) : Type::Dyn(),
                     map.contains("valueType") ? TypeFromProtoJson(map["valueType"]) : Type::Dyn());
  }
  if (json.contains("wellKnown")) {
    const std::string w = json["wellKnown"].get<std::string>();
    if (w == "DURATION") return Type::Duration();
    if (w == "TIMESTAMP") return Type::Timestamp();
    return Type::Dyn();
  }
  if (json.contains("messageType")) {
    const std::string m = json["messageType"].get<std::string>();
    if (m == "google.protobuf.Duration") return Type::Duration();
    if (m == "google.protobuf.Timestamp") return Type::Timestamp();
    if (m == "google.protobuf.Struct") return Type::Map(Type::String(), Type::Dyn());
    if (m == "google.protobuf.ListValue") return Type::List(Type::Dyn());
    if (m == "google.protobuf.Value" || m == "google.protobuf.Any") return Type::Dyn();
    return Type::Object(m);
  }
  if (json.contains("typeParam")) return Type::Param(json["typeParam"].get<std::string>());
  if (json.contains("type")) {
    return json["type"].is_object() && !json["type"].empty() ? Type::TypeOf(TypeFromProtoJson(json["type"]))
                                                            : Type::TypeType();
  }
  if (json.contains("null")) return Type::Null();
  return Type::Dyn();
}

bool SameValue(const cel::Value& expected, const cel::Value& actual) {
  using cel::ValueKind;
  if (expected.kind() != actual.kind()) return false;
  switch (expected.kind()) {
    case ValueKind::kDouble:
      if (std::isnan(expected.GetDouble())) return std::isnan(actual.GetDouble());
      return expected.GetDouble() == actual.GetDouble();
    case ValueKind::kList: {
      if (expected.ListSize() != actual.ListSize()) return false;
      for (size_t i = 0; i < expected.ListSize(); ++i) {
        if (!SameValue(expected.ListGet(i), actual.ListGet(i))) return false;
      }
      return true;
    }
    case ValueKind::kMap: {
      if (expected.MapSize() != actual.MapSize()) return false;
      cel::Value keys = expected.MapKeys();
      for (size_t i = 0; i < keys.ListSize(); ++i) {
        cel::Value key = keys.ListGet(i);
        std::optional<cel::Value> want = expected.MapFind(key);
        std::optional<cel::Value> got = actual.MapFind(key);
        if (!want || !got || !SameValue(*want, *got)) return false;
      }
      return true;
    }
    case ValueKind::kType:
      return expected.GetString() == actual.GetString();
    case ValueKind::kError:
    case ValueKind::kUnknown:
      return true;
    default:
      return cel::ValuesEqual(expected, actual);
  }
}

}  // namespace stagegate::conformance
