#pragma once
// Public keys the policy repository trusts to sign artifacts (models,
// firmware images), and the `kind: KeySet` document that declares them. The
// models and devices modules read the same KeySets through this one reader.
//
//   apiVersion: stagegate/v1
//   kind: KeySet
//   metadata: {name: release-keys}
//   spec:
//     keys:
//       - id: release-2026
//         publicKey: |
//           -----BEGIN PUBLIC KEY-----  (Ed25519 or ECDSA P-256, SubjectPublicKeyInfo PEM)

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace stagegate::keys {

enum class SignatureAlgorithm { kEd25519, kEcdsaP256 };
std::string_view SignatureAlgorithmName(SignatureAlgorithm algorithm);  // "ed25519", "ecdsa-p256"

// One trusted public key. Immutable; Verify is thread-safe.
class TrustedKey {
 public:
  // Parses a SubjectPublicKeyInfo PEM holding an Ed25519 or P-256 key.
  static std::shared_ptr<const TrustedKey> FromPem(std::string id, std::string_view pem, std::string* error);
  ~TrustedKey();
  const std::string& id() const { return id_; }
  SignatureAlgorithm algorithm() const { return algorithm_; }
  // Verifies `signature` over `message`: pure Ed25519 (64 raw bytes), or
  // ECDSA P-256 with SHA-256 (DER-encoded signature).
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  struct Key;
  TrustedKey() = default;
  std::string id_;
  SignatureAlgorithm algorithm_ = SignatureAlgorithm::kEd25519;
  std::unique_ptr<Key> key_;
};

// Trusted keys by id, unique across every KeySet of a repository.
using KeyRing = std::map<std::string, std::shared_ptr<const TrustedKey>, std::less<>>;

// Receives a mistake at the YAML node it concerns.
using KeySetError = std::function<void(const YAML::Node& at, const std::string& message)>;

// Adds the keys of one KeySet document (`root`) to `keys`, reporting each
// malformed entry, unreadable key and duplicate id through `error`.
void ReadKeySet(const YAML::Node& root, KeyRing* keys, const KeySetError& error);

}  // namespace stagegate::keys
