#pragma once
// Cryptographic digests through OpenSSL 3, for input digests, finding
// fingerprints and (later) the evidence log.

#include <memory>
#include <string>
#include <string_view>

namespace stagegate::common {

// Returns the lowercase hex SHA-256 digest of `data`.
std::string Sha256Hex(std::string_view data);

// SHA-256 over data given in pieces (inputs read in chunks, standard input).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  // Returns the lowercase hex digest of everything given so far and starts over.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace stagegate::common
