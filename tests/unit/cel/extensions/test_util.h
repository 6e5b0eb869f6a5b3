#pragma once
// Calls registered extension overloads directly, by overload id.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/activation.h"
#include "engine/cel/common/eval_context.h"
#include "engine/cel/common/function.h"
#include "engine/cel/extensions/extensions.h"

namespace stagegate::cel::testing {

class ExtensionHarness {
 public:
  ExtensionHarness() {
    RegisterStringsExtension(registry_);
    RegisterMathExtension(registry_);
    RegisterEncodersExtension(registry_);
    RegisterOptionalsExtension(registry_);
  }

  // Returns the overload with `id`, or null.
  const Overload* Find(std::string_view id) const {
    for (const auto& [name, decl] : registry_.functions()) {
      for (const Overload& overload : decl.overloads) {
        if (overload.id == id) return &overload;
      }
    }
    return nullptr;
  }

  Value Call(std::string_view id, std::vector<Value> args) {
    const Overload* overload = Find(id);
    if (overload == nullptr) {
      ADD_FAILURE() << "no overload " << id;
      return Value::Error("test: missing overload");
    }
    EvalContext context(activation_, limits_);
    return overload->impl(args, context);
  }

  const FunctionRegistry& registry() const { return registry_; }

 private:
  FunctionRegistry registry_;
  MapActivation activation_;
  EvalLimits limits_;
};

inline Value Str(std::string_view s) { return Value::String(s); }
inline Value StrList(std::initializer_list<std::string_view> items) {
  std::vector<Value> values;
  for (std::string_view item : items) values.push_back(Value::String(item));
  return Value::ListOf(std::move(values));
}

// Expects a string value equal to `expected`.
inline ::testing::AssertionResult IsString(const Value& v, std::string_view expected) {
  if (!v.IsString()) return ::testing::AssertionFailure() << "not a string: " << v.DebugString();
  if (v.GetString() != expected) {
    return ::testing::AssertionFailure() << "got \"" << v.GetString() << "\", want \"" << expected << "\"";
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsError(const Value& v, std::string_view message) {
  if (!v.IsError()) return ::testing::AssertionFailure() << "not an error: " << v.DebugString();
  if (v.ErrorMessage() != message) {
    return ::testing::AssertionFailure() << "got error \"" << v.ErrorMessage() << "\", want \"" << message << "\"";
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsInt(const Value& v, int64_t expected) {
  if (!v.IsInt()) return ::testing::AssertionFailure() << "not an int: " << v.DebugString();
  if (v.GetInt() != expected) return ::testing::AssertionFailure() << "got " << v.GetInt() << ", want " << expected;
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsUint(const Value& v, uint64_t expected) {
  if (!v.IsUint()) return ::testing::AssertionFailure() << "not a uint: " << v.DebugString();
  if (v.GetUint() != expected) return ::testing::AssertionFailure() << "got " << v.GetUint() << ", want " << expected;
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsDouble(const Value& v, double expected) {
  if (!v.IsDouble()) return ::testing::AssertionFailure() << "not a double: " << v.DebugString();
  if (v.GetDouble() != expected) {
    return ::testing::AssertionFailure() << "got " << v.GetDouble() << ", want " << expected;
  }
  return ::testing::AssertionSuccess();
}

// Expects a list of strings equal to `expected`.
inline ::testing::AssertionResult IsStringList(const Value& v, std::vector<std::string> expected) {
  if (!v.IsList()) return ::testing::AssertionFailure() << "not a list: " << v.DebugString();
  std::vector<std::string> got;
  for (size_t i = 0; i < v.ListSize(); ++i) {
    Value e = v.ListGet(i);
    if (!e.IsString()) return ::testing::AssertionFailure() << "element not a string: " << e.DebugString();
    got.emplace_back(e.GetString());
  }
  if (got != expected) return ::testing::AssertionFailure() << "got " << v.DebugString();
  return ::testing::AssertionSuccess();
}

}  // namespace stagegate::cel::testing
