#pragma once
// Host objects: values whose fields the host computes on demand (the policy
// engine's facts). A HostObject is exposed to CEL as a map with string keys;
// selecting `obj.field` calls GetField, so facts nobody asks for are never
// computed.
//
// Thread safety: a program may be evaluated from many threads; GetField and
// FieldNames may be called concurrently and must be safe to call so
// (synchronise any caching inside).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/value.h"

namespace stagegate::cel {

class HostObject : public RefCounted {
 public:
  // Returns the field's value, nullopt when the object has no such field, or an
  // error / unknown value when the fact cannot be computed.
  virtual std::optional<Value> GetField(std::string_view name) const = 0;
  // Returns the names of the fields, in a stable order (for iteration and printing).
  virtual std::vector<std::string> FieldNames() const = 0;
};

// Returns a map value over `object`, keeping it alive (reference counted).
// Typical use: `HostObjectValue(new MyFacts(...))`.
Value HostObjectValue(const HostObject* object);

}  // namespace stagegate::cel
