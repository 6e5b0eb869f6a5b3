#pragma once
// Helpers shared by the extension libraries. Private to engine/cel/extensions.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/function.h"
#include "engine/cel/common/types.h"
#include "engine/cel/common/value.h"

namespace stagegate::cel::extensions_internal {

// The error every implementation returns for arguments of kinds it does not
// accept (the runtime normally filters them out first; dyn arguments reach us).
Value NoSuchOverload();

// Adds one overload; `cost` may be empty.
void AddOverload(FunctionRegistry& registry, std::string_view function, std::string id, bool receiver_style,
                 std::vector<Type> params, Type result, FunctionImpl impl,
                 std::function<int64_t(std::span<const Value>)> cost = nullptr);

// Returns 1 + (total bytes of the string and bytes arguments, and of the
// strings directly inside list arguments) / 10.
int64_t StringArgsCost(std::span<const Value> args);

// Decodes one code point at `pos` of `s`, advancing `pos`. Invalid or
// truncated sequences decode as U+FFFD and consume one byte, so every input
// makes progress.
char32_t DecodeRune(std::string_view s, size_t& pos);
// Appends `rune` in UTF-8 (invalid code points become U+FFFD).
void AppendRune(std::string& out, char32_t rune);
// Returns the number of code points in `s`.
size_t RuneCount(std::string_view s);
// Returns the byte offset of code point `rune_index` (the size of `s` when
// `rune_index` is the rune count or more).
size_t ByteOffsetOfRune(std::string_view s, size_t rune_index);
// Returns the code-point index of byte offset `byte_offset` (which must lie on a rune boundary).
size_t RuneIndexOfByte(std::string_view s, size_t byte_offset);

}  // namespace stagegate::cel::extensions_internal
