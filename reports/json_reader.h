#pragma once
// Typed reads of members of a parsed JSON document, for the readers that turn
// rendered reports and records back into results (decision_reader.h,
// audit_reader.h); private to reports/.
//
// The first problem is kept with the path of the member ("outcomes[2].rule:
// expected a string"); after it every read returns an empty value, so a
// caller reads everything and checks ok() once. Nothing here throws.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"

namespace stagegate::reports::internal {

class JsonReader {
 public:
  // `error`, when not null, receives "<what>: <path>: <problem>" on the
  // first failure; `what` names the document ("decision", "audit record").
  JsonReader(std::string what, std::string* error) : what_(std::move(what)), error_(error) {}

  bool ok() const { return ok_; }
  void Fail(const std::string& path, std::string_view problem);

  static std::string Join(const std::string& path, std::string_view key);
  static std::string Index(const std::string& path, size_t index);

  // Returns the member `key` of `object`, or nullptr when it is absent or
  // null (a failure when `required`).
  const nlohmann::json* Member(const nlohmann::json& object, std::string_view key, const std::string& path,
                               bool required = true);
  std::string String(const nlohmann::json& object, std::string_view key, const std::string& path,
                     bool required = true);
  bool Bool(const nlohmann::json& object, std::string_view key, const std::string& path);
  int64_t Integer(const nlohmann::json& object, std::string_view key, const std::string& path);
  // An Integer from 0 to INT32_MAX (a line, a level, a count of controls).
  int Int32(const nlohmann::json& object, std::string_view key, const std::string& path);
  const nlohmann::json* Object(const nlohmann::json& object, std::string_view key, const std::string& path,
                               bool required = true);
  // Returns the array member `key` of `object` whose elements are all objects.
  const nlohmann::json* Objects(const nlohmann::json& object, std::string_view key, const std::string& path);
  std::vector<std::string> Strings(const nlohmann::json& object, std::string_view key, const std::string& path);

  // Returns the index of `text` in `names` (member `key` at `path`), failing
  // with the list of accepted names when it is none of them.
  size_t OneOf(const nlohmann::json& object, std::string_view key, const std::string& path,
               const std::vector<std::string_view>& names);

 private:
  std::string what_;
  std::string* error_;
  bool ok_ = true;
};

// The outcome counts in member `counts` of `object` (a run's, a rule's or a
// control's), zero when absent after a failure.
eval::Counts ReadCounts(JsonReader& r, const nlohmann::json& object, const std::string& path);

}  // namespace stagegate::reports::internal
