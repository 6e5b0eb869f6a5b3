// The strings extension (cel-go ext.Strings): charAt, indexOf, lastIndexOf,
// lowerAscii, upperAscii, replace, split, substring, trim, join, format,
// strings.quote and reverse.
//
// Indices and lengths count Unicode code points. Substring searches run on
// the UTF-8 bytes: a valid UTF-8 needle can only match at code-point
// boundaries, so byte offsets convert back to code-point indices exactly.

#include <string>
#include <vector>

#include "engine/cel/extensions/extensions.h"
#include "engine/cel/extensions/format.h"
#include "engine/cel/extensions/internal.h"

namespace stagegate::cel {
namespace {

using extensions_internal::AddOverload;
using extensions_internal::AppendRune;
using extensions_internal::ByteOffsetOfRune;
using extensions_internal::DecodeRune;
using extensions_internal::NoSuchOverload;
using extensions_internal::RuneCount;
using extensions_internal::RuneIndexOfByte;
using extensions_internal::StringArgsCost;

// The largest string replace() builds: an empty pattern multiplies the
// replacement by the input length, which the per-call cost does not foresee.
constexpr size_t kMaxReplaceResultBytes = 64 << 20;

Value IndexOutOfRange(int64_t index) { return Value::Error("index out of range: " + std::to_string(index)); }

Value CharAt(std::string_view s, int64_t index) {
  if (index < 0) return IndexOutOfRange(index);
  size_t pos = 0;
  int64_t i = 0;
  for (; i < index && pos < s.size(); ++i) DecodeRune(s, pos);
  if (i < index) return IndexOutOfRange(index);
  if (pos == s.size()) return Value::String(std::string_view());
  size_t start = pos;
  DecodeRune(s, pos);
  return Value::String(s.substr(start, pos - start));
}

Value IndexOf(std::string_view s, std::string_view sub, int64_t offset) {
  if (offset < 0 || static_cast<uint64_t>(offset) > RuneCount(s)) return IndexOutOfRange(offset);
  size_t start = ByteOffsetOfRune(s, static_cast<size_t>(offset));
  if (sub.empty()) return Value::Int(offset);
  size_t found = s.find(sub, start);
  if (found == std::string_view::npos) return Value::Int(-1);
  return Value::Int(static_cast<int64_t>(RuneIndexOfByte(s, found)));
}

Value LastIndexOf(std::string_view s, std::string_view sub, int64_t offset) {
  if (offset < 0 || static_cast<uint64_t>(offset) > RuneCount(s)) return IndexOutOfRange(offset);
  if (sub.empty()) return Value::Int(offset);
  size_t start = ByteOffsetOfRune(s, static_cast<size_t>(offset));
  size_t found = s.rfind(sub, start);
  if (found == std::string_view::npos) return Value::Int(-1);
  return Value::Int(static_cast<int64_t>(RuneIndexOfByte(s, found)));
}

std::string MapAscii(std::string_view s, bool upper) {
  std::string out(s);
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

size_t CountOccurrences(std::string_view s, std::string_view sub) {
  if (sub.empty()) return RuneCount(s) + 1;
  size_t count = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++count;
  return count;
}

// Replaces the first `limit` occurrences (all when negative), as Go's strings.Replace.
Value Replace(std::string_view s, std::string_view old, std::string_view replacement, int64_t limit) {
  if (old == replacement || limit == 0) return Value::String(s);
  size_t matches = CountOccurrences(s, old);
  if (matches == 0) return Value::String(s);
  size_t n = (limit < 0 || matches < static_cast<uint64_t>(limit)) ? matches : static_cast<size_t>(limit);
  if (replacement.size() > old.size() &&
      s.size() + (replacement.size() - old.size()) * static_cast<double>(n) > kMaxReplaceResultBytes) {
    return Value::Error("replace() result exceeds " + std::to_string(kMaxReplaceResultBytes) + " bytes");
  }
  std::string out;
  out.reserve(s.size() + n * replacement.size());
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t j = start;
    if (old.empty()) {
      if (i > 0) DecodeRune(s, j);
    } else {
      j = s.find(old, start);
    }
    out.append(s.substr(start, j - start));
    out.append(replacement);
    start = j + old.size();
  }
  out.append(s.substr(start));
  return Value::String(std::move(out));
}

// Splits as Go's strings.SplitN: limit 0 gives no pieces, a negative limit all.
Value Split(std::string_view s, std::string_view sep, int64_t limit) {
  std::vector<Value> parts;
  if (limit == 0) return Value::ListOf({});
  if (sep.empty()) {
    size_t runes = RuneCount(s);
    size_t n = (limit < 0 || static_cast<uint64_t>(limit) > runes) ? runes : static_cast<size_t>(limit);
    size_t pos = 0;
    for (size_t i = 0; i + 1 < n; ++i) {
      size_t begin = pos;
      DecodeRune(s, pos);
      parts.push_back(Value::String(s.substr(begin, pos - begin)));
    }
    if (n > 0) parts.push_back(Value::String(s.substr(pos)));
    return Value::ListOf(std::move(parts));
  }
  size_t pos = 0;
  while (limit < 0 || parts.size() + 1 < static_cast<uint64_t>(limit)) {
    size_t found = s.find(sep, pos);
    if (found == std::string_view::npos) break;
    parts.push_back(Value::String(s.substr(pos, found - pos)));
    pos = found + sep.size();
  }
  parts.push_back(Value::String(s.substr(pos)));
  return Value::ListOf(std::move(parts));
}

Value Substring(std::string_view s, int64_t start, std::optional<int64_t> end) {
  int64_t runes = static_cast<int64_t>(RuneCount(s));
  if (start < 0 || start > runes) return IndexOutOfRange(start);
  int64_t stop = end.value_or(runes);
  if (stop < 0 || stop > runes) return IndexOutOfRange(stop);
  if (start > stop) {
    return Value::Error("invalid substring range. start: " + std::to_string(start) + ", end: " + std::to_string(stop));
  }
  size_t begin = ByteOffsetOfRune(s, static_cast<size_t>(start));
  size_t finish = begin + ByteOffsetOfRune(s.substr(begin), static_cast<size_t>(stop - start));
  return Value::String(s.substr(begin, finish - begin));
}

// True for the code points Go's unicode.IsSpace accepts.
bool IsUnicodeSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

std::string_view Trim(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsUnicodeSpace(DecodeRune(s, next))) break;
    begin = next;
  }
  // Scan forwards remembering where the last non-space rune ends.
  size_t end = begin;
  for (size_t pos = begin; pos < s.size();) {
    if (!IsUnicodeSpace(DecodeRune(s, pos))) end = pos;
  }
  return s.substr(begin, end - begin);
}

Value Join(const Value& list, std::string_view separator) {
  std::string out;
  size_t n = list.ListSize();
  for (size_t i = 0; i < n; ++i) {
    Value element = list.ListGet(i);
    if (element.IsErrorOrUnknown()) return element;
    if (!element.IsString()) return NoSuchOverload();
    if (i > 0) out.append(separator);
    out.append(element.GetString());
  }
  return Value::String(std::move(out));
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t pos = 0; pos < s.size();) {
    char32_t r = DecodeRune(s, pos);
    switch (r) {
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\v':
        out.append("\\v");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      default:
        AppendRune(out, r);
    }
  }
  out.push_back('"');
  return out;
}

std::string Reverse(std::string_view s) {
  std::vector<char32_t> runes;
  for (size_t pos = 0; pos < s.size();) runes.push_back(DecodeRune(s, pos));
  std::string out;
  out.reserve(s.size());
  for (auto it = runes.rbegin(); it != runes.rend(); ++it) AppendRune(out, *it);
  return out;
}

// Adds a string-extension overload whose cost grows with the string arguments.
void Add(FunctionRegistry& registry, std::string_view function, std::string id, bool receiver_style,
         std::vector<Type> params, Type result, FunctionImpl impl) {
  AddOverload(registry, function, std::move(id), receiver_style, std::move(params), std::move(result), std::move(impl),
              StringArgsCost);
}

bool AllOfKinds(std::span<const Value> args, std::initializer_list<ValueKind> kinds) {
  if (args.size() != kinds.size()) return false;
  size_t i = 0;
  for (ValueKind kind : kinds) {
    if (args[i++].kind() != kind) return false;
  }
  return true;
}

}  // namespace

void RegisterStringsExtension(FunctionRegistry& registry) {
  using K = ValueKind;
  const Type str = Type::String();
  const Type int_t = Type::Int();

  Add(registry, "charAt", "string_char_at_int", true, {str, int_t}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kString, K::kInt})) return NoSuchOverload();
    return CharAt(args[0].GetString(), args[1].GetInt());
  });
  Add(registry, "indexOf", "string_index_of_string", true, {str, str}, int_t,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString})) return NoSuchOverload();
        return IndexOf(args[0].GetString(), args[1].GetString(), 0);
      });
  Add(registry, "indexOf", "string_index_of_string_int", true, {str, str, int_t}, int_t,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString, K::kInt})) return NoSuchOverload();
        return IndexOf(args[0].GetString(), args[1].GetString(), args[2].GetInt());
      });
  Add(registry, "lastIndexOf", "string_last_index_of_string", true, {str, str}, int_t,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString})) return NoSuchOverload();
        std::string_view s = args[0].GetString();
        return LastIndexOf(s, args[1].GetString(), static_cast<int64_t>(RuneCount(s)));
      });
  Add(registry, "lastIndexOf", "string_last_index_of_string_int", true, {str, str, int_t}, int_t,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString, K::kInt})) return NoSuchOverload();
        return LastIndexOf(args[0].GetString(), args[1].GetString(), args[2].GetInt());
      });
  Add(registry, "lowerAscii", "string_lower_ascii", true, {str}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kString})) return NoSuchOverload();
    return Value::String(MapAscii(args[0].GetString(), false));
  });
  Add(registry, "upperAscii", "string_upper_ascii", true, {str}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kString})) return NoSuchOverload();
    return Value::String(MapAscii(args[0].GetString(), true));
  });
  Add(registry, "replace", "string_replace_string_string", true, {str, str, str}, str,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString, K::kString})) return NoSuchOverload();
        return Replace(args[0].GetString(), args[1].GetString(), args[2].GetString(), -1);
      });
  Add(registry, "replace", "string_replace_string_string_int", true, {str, str, str, int_t}, str,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString, K::kString, K::kInt})) return NoSuchOverload();
        return Replace(args[0].GetString(), args[1].GetString(), args[2].GetString(), args[3].GetInt());
      });
  Add(registry, "split", "string_split_string", true, {str, str}, Type::List(str),
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString})) return NoSuchOverload();
        return Split(args[0].GetString(), args[1].GetString(), -1);
      });
  Add(registry, "split", "string_split_string_int", true, {str, str, int_t}, Type::List(str),
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kString, K::kInt})) return NoSuchOverload();
        return Split(args[0].GetString(), args[1].GetString(), args[2].GetInt());
      });
  Add(registry, "substring", "string_substring_int", true, {str, int_t}, str,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kInt})) return NoSuchOverload();
        return Substring(args[0].GetString(), args[1].GetInt(), std::nullopt);
      });
  Add(registry, "substring", "string_substring_int_int", true, {str, int_t, int_t}, str,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kInt, K::kInt})) return NoSuchOverload();
        return Substring(args[0].GetString(), args[1].GetInt(), args[2].GetInt());
      });
  Add(registry, "trim", "string_trim", true, {str}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kString})) return NoSuchOverload();
    return Value::String(Trim(args[0].GetString()));
  });
  Add(registry, "join", "list_join", true, {Type::List(str)}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kList})) return NoSuchOverload();
    return Join(args[0], "");
  });
  Add(registry, "join", "list_join_string", true, {Type::List(str), str}, str,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kList, K::kString})) return NoSuchOverload();
        return Join(args[0], args[1].GetString());
      });
  Add(registry, "format", "string_format", true, {str, Type::List(Type::Dyn())}, str,
      [](std::span<const Value> args, EvalContext&) {
        if (!AllOfKinds(args, {K::kString, K::kList})) return NoSuchOverload();
        return extensions_internal::Format(args[0].GetString(), args[1]);
      });
  Add(registry, "strings.quote", "strings_quote", false, {str}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kString})) return NoSuchOverload();
    return Value::String(Quote(args[0].GetString()));
  });
  Add(registry, "reverse", "string_reverse", true, {str}, str, [](std::span<const Value> args, EvalContext&) {
    if (!AllOfKinds(args, {K::kString})) return NoSuchOverload();
    return Value::String(Reverse(args[0].GetString()));
  });
}

}  // namespace stagegate::cel
