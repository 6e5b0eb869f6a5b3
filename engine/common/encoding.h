#pragma once
// Byte encodings shared by the evidence log and its exports.

#include <optional>
#include <string>
#include <string_view>

namespace stagegate::common {

std::string Base64Encode(std::string_view bytes);                  // standard alphabet, padded
std::optional<std::string> Base64Decode(std::string_view text);    // nullopt on any invalid input
// Decodes the URL-safe alphabet ('-', '_'), padded or not; as strict as
// Base64Decode otherwise. DSSE verifiers must accept either alphabet.
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string HexEncode(std::string_view bytes);                      // lowercase
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace stagegate::common
