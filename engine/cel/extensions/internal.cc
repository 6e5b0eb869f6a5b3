#include "engine/cel/extensions/internal.h"

#include <utility>

namespace stagegate::cel::extensions_internal {

Value NoSuchOverload() { return Value::Error("no such overload"); }

void AddOverload(FunctionRegistry& registry, std::string_view function, std::string id, bool receiver_style,
                 std::vector<Type> params, Type result, FunctionImpl impl,
                 std::function<int64_t(std::span<const Value>)> cost) {
  Overload overload;
  overload.id = std::move(id);
  overload.receiver_style = receiver_style;
  overload.params = std::move(params);
  overload.result = std::move(result);
  overload.impl = std::move(impl);
  overload.cost = std::move(cost);
  registry.Add(function, std::move(overload));
}

int64_t StringArgsCost(std::span<const Value> args) {
  size_t total = 0;
  for (const Value& arg : args) {
    if (arg.IsString() || arg.IsBytes()) {
      total += arg.GetString().size();
    } else if (arg.IsList()) {
      // join() and format(): count the strings the list holds (one level deep).
      size_t n = arg.ListSize();
      for (size_t i = 0; i < n; ++i) {
        Value element = arg.ListGet(i);
        if (element.IsString() || element.IsBytes()) total += element.GetString().size();
      }
    }
  }
  return 1 + static_cast<int64_t>(total / 10);
}

char32_t DecodeRune(std::string_view s, size_t& pos) {
  constexpr char32_t kReplacement = 0xFFFD;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  size_t len = 0;
  char32_t rune = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    rune = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    rune = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    rune = b0 & 0x07;
    min = 0x10000;
  } else {
    ++pos;
    return kReplacement;
  }
  if (pos + len > s.size()) {
    ++pos;
    return kReplacement;
  }
  for (size_t i = 1; i < len; ++i) {
    unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return kReplacement;
    }
    rune = (rune << 6) | (b & 0x3F);
  }
  if (rune < min || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    ++pos;
    return kReplacement;
  }
  pos += len;
  return rune;
}

void AppendRune(std::string& out, char32_t rune) {
  if (rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) rune = 0xFFFD;
  if (rune < 0x80) {
    out.push_back(static_cast<char>(rune));
  } else if (rune < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (rune >> 6)));
    out.push_back(static_cast<char>(0x80 | (rune & 0x3F)));
  } else if (rune < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (rune >> 12)));
    out.push_back(static_cast<char>(0x80 | ((rune >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (rune & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (rune >> 18)));
    out.push_back(static_cast<char>(0x80 | ((rune >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((rune >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (rune & 0x3F)));
  }
}

size_t RuneCount(std::string_view s) {
  size_t count = 0;
  for (size_t pos = 0; pos < s.size(); ++count) DecodeRune(s, pos);
  return count;
}

size_t ByteOffsetOfRune(std::string_view s, size_t rune_index) {
  size_t pos = 0;
  for (size_t i = 0; i < rune_index && pos < s.size(); ++i) DecodeRune(s, pos);
  return pos;
}

size_t RuneIndexOfByte(std::string_view s, size_t byte_offset) {
  size_t count = 0;
  for (size_t pos = 0; pos < byte_offset && pos < s.size(); ++count) DecodeRune(s, pos);
  return count;
}

}  // namespace stagegate::cel::extensions_internal
