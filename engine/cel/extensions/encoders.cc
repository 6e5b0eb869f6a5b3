// The encoders extension (cel-go ext.Encoders): base64.encode and base64.decode
// with the standard alphabet. Decoding accepts padded and unpadded input.

#include <array>
#include <string>

#include "engine/cel/extensions/extensions.h"
#include "engine/cel/extensions/internal.h"

namespace stagegate::cel {
namespace {

using extensions_internal::AddOverload;
using extensions_internal::NoSuchOverload;
using extensions_internal::StringArgsCost;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    uint32_t n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes padded or unpadded standard base64; on failure sets `error_at` to
// the offending byte's offset (Go's "illegal base64 data at input byte N").
bool Base64Decode(std::string_view in, std::string& out, size_t& error_at) {
  size_t data_len = in.size();
  // Strip padding: at most two '=' at the end, and only where a complete
  // group of four would be formed.
  size_t padding = 0;
  while (data_len > 0 && in[data_len - 1] == '=' && padding < 2) {
    --data_len;
    ++padding;
  }
  if (padding > 0 && in.size() % 4 != 0) {
    error_at = in.size() - padding;
    return false;
  }
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    int d = DecodeChar(in[i]);
    if (d < 0) {
      error_at = i;
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // A lone trailing character carries fewer than 8 bits: invalid.
  if (data_len % 4 == 1) {
    error_at = data_len - 1;
    return false;
  }
  if (padding > 0 && (data_len % 4) + padding != 4) {
    error_at = data_len;
    return false;
  }
  return true;
}

}  // namespace

void RegisterEncodersExtension(FunctionRegistry& registry) {
  AddOverload(
      registry, "base64.encode", "base64_encode_bytes", false, {Type::Bytes()}, Type::String(),
      [](std::span<const Value> args, EvalContext&) {
        if (!args[0].IsBytes()) return NoSuchOverload();
        return Value::String(Base64Encode(args[0].GetString()));
      },
      StringArgsCost);
  AddOverload(
      registry, "base64.decode", "base64_decode_string", false, {Type::String()}, Type::Bytes(),
      [](std::span<const Value> args, EvalContext&) {
        if (!args[0].IsString()) return NoSuchOverload();
        std::string out;
        size_t error_at = 0;
        if (!Base64Decode(args[0].GetString(), out, error_at)) {
          return Value::Error("illegal base64 data at input byte " + std::to_string(error_at));
        }
        return Value::Bytes(std::move(out));
      },
      StringArgsCost);
}

}  // namespace stagegate::cel
