#include "engine/common/uuid.h"

#include <array>
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace stagegate::common {
namespace {

using UuidBytes = std::array<uint8_t, 16>;

std::string Format(const UuidBytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kDigits[bytes[i] >> 4]);
    text.push_back(kDigits[bytes[i] & 0x0f]);
  }
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Parse(std::string_view text, UuidBytes* bytes) {
  if (!IsUuid(text)) return false;
  size_t out = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    (*bytes)[out / 2] = static_cast<uint8_t>(out % 2 == 0 ? HexValue(text[i]) << 4
                                                          : (*bytes)[out / 2] | HexValue(text[i]));
    ++out;
  }
  return true;
}

void SetVersionAndVariant(UuidBytes& bytes, uint8_t version) {
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
}

}  // namespace

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : HexValue(text[i]) < 0) return false;
  }
  return true;
}

std::string NewUuidV4() {
  UuidBytes bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // OpenSSL's generator only fails when the system has no entropy source;
    // a run id must never be predictable, so this is fatal.
    throw std::runtime_error("the system random generator failed; cannot create a UUID");
  }
  SetVersionAndVariant(bytes, 4);
  return Format(bytes);
}

std::string UuidV5(std::string_view namespace_uuid, std::string_view name) {
  UuidBytes space{};
  if (!Parse(namespace_uuid, &space)) return "";
  std::string input(reinterpret_cast<const char*>(space.data()), space.size());
  input.append(name);
  std::array<uint8_t, SHA_DIGEST_LENGTH> digest{};
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr);
  UuidBytes bytes{};
  std::copy_n(digest.begin(), bytes.size(), bytes.begin());
  SetVersionAndVariant(bytes, 5);
  return Format(bytes);
}

}  // namespace stagegate::common
