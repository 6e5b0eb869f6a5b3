#include "engine/common/encoding.h"

#include <array>
#include <cstdint>

namespace stagegate::common {
namespace {

constexpr char kStandardAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int8_t kInvalid = -1;

using DecodeTable = std::array<int8_t, 256>;

constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}

constexpr DecodeTable kStandardTable = MakeDecodeTable(kStandardAlphabet);
constexpr DecodeTable kUrlTable = MakeDecodeTable(kUrlAlphabet);

// Decodes `text` (no padding left in it) with `table`. Rejects any character
// outside the alphabet, a length that no encoding produces (4k + 1), and
// non-zero bits after the last whole byte, so that every byte string has
// exactly one accepted encoding.
std::optional<std::string> DecodeUnpadded(std::string_view text, const DecodeTable& table) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    int8_t value = table[static_cast<uint8_t>(c)];
    if (value == kInvalid) return std::nullopt;
    accumulator = (accumulator << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  if ((accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Number of trailing '=' (at most 2 accepted by the callers).
size_t PaddingLength(std::string_view text) {
  size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  return padding;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t at) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out.push_back(kStandardAlphabet[group >> 18]);
    out.push_back(kStandardAlphabet[(group >> 12) & 0x3F]);
    out.push_back(kStandardAlphabet[(group >> 6) & 0x3F]);
    out.push_back(kStandardAlphabet[group & 0x3F]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t group = byte(i) << 16;
    out.push_back(kStandardAlphabet[group >> 18]);
    out.push_back(kStandardAlphabet[(group >> 12) & 0x3F]);
    out += "==";
  } else if (rest == 2) {
    uint32_t group = byte(i) << 16 | byte(i + 1) << 8;
    out.push_back(kStandardAlphabet[group >> 18]);
    out.push_back(kStandardAlphabet[(group >> 12) & 0x3F]);
    out.push_back(kStandardAlphabet[(group >> 6) & 0x3F]);
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  // Padded: the length is a multiple of 4 and only the last one or two
  // characters may be '=' (as many as the final group needs).
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = PaddingLength(text);
  if (padding > 2) return std::nullopt;
  std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0 && body.size() % 4 != 4 - padding) return std::nullopt;
  return DecodeUnpadded(body, kStandardTable);
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  size_t padding = PaddingLength(text);
  if (padding > 2) return std::nullopt;
  if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
  std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0 && body.size() % 4 != 4 - padding) return std::nullopt;
  return DecodeUnpadded(body, kUrlTable);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = HexDigit(hex[i]);
    int low = HexDigit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high << 4 | low));
  }
  return out;
}

}  // namespace stagegate::common
