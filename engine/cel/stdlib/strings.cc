// String functions: contains, startsWith, endsWith, matches (RE2), and UTF-8 helpers.

#include <re2/re2.h>

#include <memory>

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

// Cost of a string operation, as Kubernetes estimates it: one unit per ten bytes of the receiver.
int64_t StringOpCost(std::span<const Value> args) {
  return 1 + static_cast<int64_t>(args[0].GetString().size() / 10);
}

// Compiles `pattern`; nullptr with `error` set when RE2 refuses it.
std::shared_ptr<const RE2> CompileRegex(std::string_view pattern, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    *error = "invalid regular expression '" + std::string(pattern) + "': " + re->error();
    return nullptr;
  }
  return re;
}

Value Matches(std::string_view text, const RE2& re) {
  return Value::Bool(RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re));
}

void AddMatches(FunctionRegistry& registry, std::string id, bool receiver_style) {
  Overload o;
  o.id = std::move(id);
  o.receiver_style = receiver_style;
  o.params = {Type::String(), Type::String()};
  o.result = Type::Bool();
  // A pattern known only at run time is compiled on every call; nothing is cached
  // so that programs stay immutable and shareable across threads.
  o.impl = [](std::span<const Value> args, EvalContext&) {
    std::string error;
    std::shared_ptr<const RE2> re = CompileRegex(args[1].GetString(), &error);
    if (re == nullptr) return Value::Error(std::move(error));
    return Matches(args[0].GetString(), *re);
  };
  o.specialize = [](std::span<const std::optional<Value>> constants,
                    std::string* error) -> std::optional<FunctionImpl> {
    if (constants.size() != 2 || !constants[1] || !constants[1]->IsString()) return std::nullopt;
    std::shared_ptr<const RE2> re = CompileRegex(constants[1]->GetString(), error);
    if (re == nullptr) return std::nullopt;
    // RE2 matching is thread-safe on a const object.
    return FunctionImpl([re](std::span<const Value> args, EvalContext&) { return Matches(args[0].GetString(), *re); });
  };
  o.cost = StringOpCost;
  registry.Add("matches", std::move(o));
}

void AddStringPredicate(FunctionRegistry& registry, const char* function, const char* id,
                        bool (*predicate)(std::string_view, std::string_view)) {
  Overload o;
  o.id = id;
  o.receiver_style = true;
  o.params = {Type::String(), Type::String()};
  o.result = Type::Bool();
  o.impl = [predicate](std::span<const Value> args, EvalContext&) {
    return Value::Bool(predicate(args[0].GetString(), args[1].GetString()));
  };
  o.cost = StringOpCost;
  registry.Add(function, std::move(o));
}

}  // namespace

int64_t CodePointCount(std::string_view s) {
  int64_t count = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t length;
    uint32_t code_point;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2;
      code_point = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code_point = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinForLength[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

void RegisterStringFunctions(FunctionRegistry& registry) {
  AddStringPredicate(registry, "contains", "contains_string",
                     [](std::string_view s, std::string_view sub) { return s.find(sub) != std::string_view::npos; });
  AddStringPredicate(registry, "startsWith", "starts_with_string",
                     [](std::string_view s, std::string_view prefix) { return s.starts_with(prefix); });
  AddStringPredicate(registry, "endsWith", "ends_with_string",
                     [](std::string_view s, std::string_view suffix) { return s.ends_with(suffix); });
  AddMatches(registry, "matches_string", /*receiver_style=*/true);
  AddMatches(registry, "matches", /*receiver_style=*/false);
}

}  // namespace stagegate::cel::stdlib_internal
