#include "reports/json_reader.h"

#include <cstdint>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace stagegate::reports::internal {

void JsonReader::Fail(const std::string& path, std::string_view problem) {
  if (!ok_) return;
  ok_ = false;
  if (error_ != nullptr) *error_ = fmt::format("{}: {}: {}", what_, path.empty() ? "(document)" : path, problem);
}

std::string JsonReader::Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string JsonReader::Index(const std::string& path, size_t index) { return fmt::format("{}[{}]", path, index); }

const nlohmann::json* JsonReader::Member(const nlohmann::json& object, std::string_view key, const std::string& path,
                                         bool required) {
  if (!ok_) return nullptr;
  if (!object.is_object()) {
    Fail(path, "expected an object");
    return nullptr;
  }
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) Fail(Join(path, key), "missing");
    return nullptr;
  }
  return &*it;
}

std::string JsonReader::String(const nlohmann::json& object, std::string_view key, const std::string& path,
                               bool required) {
  const nlohmann::json* value = Member(object, key, path, required);
  if (value == nullptr) return "";
  if (!value->is_string()) {
    Fail(Join(path, key), "expected a string");
    return "";
  }
  return value->get<std::string>();
}

bool JsonReader::Bool(const nlohmann::json& object, std::string_view key, const std::string& path) {
  const nlohmann::json* value = Member(object, key, path);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    Fail(Join(path, key), "expected true or false");
    return false;
  }
  return value->get<bool>();
}

int64_t JsonReader::Integer(const nlohmann::json& object, std::string_view key, const std::string& path) {
  const nlohmann::json* value = Member(object, key, path);
  if (value == nullptr) return 0;
  // An unsigned value above INT64_MAX is not a count any report writes.
  if (!value->is_number_integer() || (value->is_number_unsigned() && value->get<uint64_t>() > INT64_MAX)) {
    Fail(Join(path, key), "expected an integer");
    return 0;
  }
  return value->get<int64_t>();
}

const nlohmann::json* JsonReader::Object(const nlohmann::json& object, std::string_view key, const std::string& path,
                                         bool required) {
  const nlohmann::json* value = Member(object, key, path, required);
  if (value != nullptr && !value->is_object()) {
    Fail(Join(path, key), "expected an object");
    return nullptr;
  }
  return value;
}

const nlohmann::json* JsonReader::Objects(const nlohmann::json& object, std::string_view key,
                                          const std::string& path) {
  const nlohmann::json* value = Member(object, key, path);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    Fail(Join(path, key), "expected an array");
    return nullptr;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    if (!(*value)[i].is_object()) {
      Fail(Index(Join(path, key), i), "expected an object");
      return nullptr;
    }
  }
  return value;
}

std::vector<std::string> JsonReader::Strings(const nlohmann::json& object, std::string_view key,
                                             const std::string& path) {
  std::vector<std::string> out;
  const nlohmann::json* value = Member(object, key, path);
  if (value == nullptr) return out;
  if (!value->is_array()) {
    Fail(Join(path, key), "expected an array of strings");
    return out;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    if (!(*value)[i].is_string()) {
      Fail(Index(Join(path, key), i), "expected a string");
      return {};
    }
    out.push_back((*value)[i].get<std::string>());
  }
  return out;
}

size_t JsonReader::OneOf(const nlohmann::json& object, std::string_view key, const std::string& path,
                         const std::vector<std::string_view>& names) {
  const std::string text = String(object, key, path);
  if (!ok_) return 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return i;
  }
  Fail(Join(path, key), fmt::format("\"{}\" is not one of {}", text, fmt::join(names, ", ")));
  return 0;
}

int JsonReader::Int32(const nlohmann::json& object, std::string_view key, const std::string& path) {
  const int64_t value = Integer(object, key, path);
  if (ok_ && (value < 0 || value > INT32_MAX)) Fail(Join(path, key), "out of range");
  return static_cast<int>(value);
}

eval::Counts ReadCounts(JsonReader& r, const nlohmann::json& object, const std::string& path) {
  eval::Counts counts;
  const nlohmann::json* json = r.Object(object, "counts", path);
  if (json == nullptr) return counts;
  const std::string at = JsonReader::Join(path, "counts");
  counts.pass = r.Integer(*json, "pass", at);
  counts.fail = r.Integer(*json, "fail", at);
  counts.not_evaluable = r.Integer(*json, "not_evaluable", at);
  counts.error = r.Integer(*json, "error", at);
  counts.waived = r.Integer(*json, "waived", at);
  counts.not_applicable = r.Integer(*json, "not_applicable", at);
  return counts;
}

}  // namespace stagegate::reports::internal
