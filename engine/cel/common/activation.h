#pragma once
// Variable bindings for one evaluation.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// An activation over an in-memory name → value map. The bindings are a vector
// sorted by name: a program looks a variable up on every reference, and a
// short scan that compares lengths before bytes beats a tree walk whose every
// step calls memcmp.
class MapActivation : public Activation {
 public:
  void Bind(std::string name, Value value);
  std::optional<Value> FindVariable(std::string_view name) const override;

 private:
  struct Binding {
    std::string name;
    Value value;
  };
  // Up to this many bindings are scanned; more are binary-searched.
  static constexpr size_t kLinearScanLimit = 16;

  std::vector<Binding> bindings_;  // sorted by name, names unique
};

}  // namespace stagegate::cel
