#include "engine/cel/common/host_object.h"

#include <utility>

namespace stagegate::cel {

namespace {

class HostObjectAccess final : public MapAccess {
 public:
  size_t Size(const void* data) const override { return Object(data)->FieldNames().size(); }
  std::optional<Value> Find(const void* data, const Value& key) const override {
    if (!key.IsString()) return std::nullopt;
    return Object(data)->GetField(key.GetString());
  }
  std::optional<Value> FindField(const void* data, std::string_view field) const override {
    return Object(data)->GetField(field);
  }
  Value Keys(const void* data) const override {
    std::vector<Value> keys;
    for (std::string& name : Object(data)->FieldNames()) keys.push_back(Value::String(std::move(name)));
    return Value::ListOf(std::move(keys));
  }

 private:
  static const HostObject* Object(const void* data) { return static_cast<const HostObject*>(data); }
};

const HostObjectAccess kHostObjectAccess;

}  // namespace

Value HostObjectValue(const HostObject* object) { return Value::Map(&kHostObjectAccess, object, object); }

}  // namespace stagegate::cel
