#pragma once
// Cryptographic digests through OpenSSL 3, for input digests, finding
// fingerprints and (later) the evidence log.

#include <string>
#include <string_view>

namespace stagegate::common {

// Returns the lowercase hex SHA-256 digest of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace stagegate::common
