#pragma once
// Calls standard-library overloads through the registry, choosing the
// overload by the arguments' run-time kinds as the runtime does.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/activation.h"
#include "engine/cel/common/function.h"
#include "engine/cel/stdlib/standard.h"

namespace stagegate::cel::testing_util {

class StdlibTest : public ::testing::Test {
 protected:
  StdlibTest() { RegisterStandardFunctions(registry_); }

  // Finds the overload of `function` whose parameters accept `args`, preferring
  // exact kinds over type parameters, and calls it.
  Value Call(std::string_view function, std::vector<Value> args, bool receiver_style = false) {
    const Overload* overload = Find(function, args, receiver_style);
    if (overload == nullptr) return Value::Error("test: no matching overload");
    MapActivation activation;
    EvalLimits limits;
    EvalContext context(activation, limits);
    return overload->impl(args, context);
  }
  Value Receiver(std::string_view function, std::vector<Value> args) { return Call(function, std::move(args), true); }

  const Overload* Find(std::string_view function, const std::vector<Value>& args, bool receiver_style) const {
    const FunctionDecl* decl = registry_.Find(function);
    if (decl == nullptr) return nullptr;
    for (const Overload& o : decl->overloads) {
      if (o.receiver_style != receiver_style || o.params.size() != args.size()) continue;
      bool ok = true;
      // Non-strict overloads see errors and unknowns, so any argument reaches them.
      for (size_t i = 0; i < args.size(); ++i) ok = ok && (!o.strict || ValueMatchesType(args[i], o.params[i]));
      if (ok) return &o;
    }
    return nullptr;
  }

  const Overload* FindById(std::string_view function, std::string_view id) const {
    const FunctionDecl* decl = registry_.Find(function);
    if (decl == nullptr) return nullptr;
    for (const Overload& o : decl->overloads) {
      if (o.id == id) return &o;
    }
    return nullptr;
  }

  FunctionRegistry registry_;
};

// Value::String / Value::Bytes are ambiguous for string literals (string_view vs string&&).
inline Value Str(std::string_view s) { return Value::String(s); }
inline Value Byt(std::string_view s) { return Value::Bytes(s); }

}  // namespace stagegate::cel::testing_util

// Expectation helpers with readable failures.
#define EXPECT_INT(value, expected)                                  \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsInt()) << v_.DebugString();                     \
    EXPECT_EQ(v_.GetInt(), (expected));                              \
  } while (0)
#define EXPECT_UINT(value, expected)                                 \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsUint()) << v_.DebugString();                    \
    EXPECT_EQ(v_.GetUint(), (expected));                             \
  } while (0)
#define EXPECT_DOUBLE(value, expected)                               \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsDouble()) << v_.DebugString();                  \
    EXPECT_EQ(v_.GetDouble(), (expected));                           \
  } while (0)
#define EXPECT_BOOL(value, expected)                                 \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsBool()) << v_.DebugString();                    \
    EXPECT_EQ(v_.GetBool(), (expected));                             \
  } while (0)
#define EXPECT_STRING(value, expected)                               \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsString()) << v_.DebugString();                  \
    EXPECT_EQ(v_.GetString(), (expected));                           \
  } while (0)
#define EXPECT_ERROR(value, message)                                 \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsError()) << v_.DebugString();                   \
    EXPECT_EQ(v_.ErrorMessage(), (message));                         \
  } while (0)
#define EXPECT_ERROR_CONTAINS(value, part)                           \
  do {                                                               \
    ::stagegate::cel::Value v_ = (value);                            \
    ASSERT_TRUE(v_.IsError()) << v_.DebugString();                   \
    EXPECT_NE(v_.ErrorMessage().find(part), std::string::npos) << v_.ErrorMessage(); \
  } while (0)
