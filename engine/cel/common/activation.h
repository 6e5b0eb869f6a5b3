#pragma once
// Variable bindings for one evaluation.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/cel/common/value.h"

namespace stagegate::cel {

class Activation {
 public:
  virtual ~Activation() = default;
  // Returns the value bound to `name` (a top-level identifier, or a qualified
  // name such as "a.b.c" when the program resolved it that way), or nullopt.
  // Host activations may return Unknown or Error values for variables whose
  // value cannot be produced.
  virtual std::optional<Value> FindVariable(std::string_view name) const = 0;
};

// An activation over an in-memory name → value map.
class MapActivation : public Activation {
 public:
  void Bind(std::string name, Value value) { values_.insert_or_assign(std::move(name), std::move(value)); }
  std::optional<Value> FindVariable(std::string_view name) const override;

 private:
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace stagegate::cel
