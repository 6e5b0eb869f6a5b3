#pragma once
// Ed25519 keys for the evidence log, through OpenSSL 3: generation, PEM files
// (PKCS#8 private key, SubjectPublicKeyInfo public key), signing and
// verification, the key id, and the key that pseudonymises personal data.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stagegate::evidence {

class PublicKey {
 public:
  // Parses a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) holding an Ed25519 key.
  static std::optional<PublicKey> FromPem(std::string_view pem, std::string* error);
  // Reads FILE; errors name the file and what to do.
  static std::optional<PublicKey> LoadFile(const std::string& path, std::string* error);
  static std::optional<PublicKey> FromRaw(std::string_view raw32, std::string* error);

  bool Verify(std::string_view message, std::string_view signature) const;  // raw 64-byte signature
  std::string Raw() const;    // the 32 raw key bytes
  std::string Pem() const;    // PEM SubjectPublicKeyInfo, ending in a newline
  // Lowercase hex SHA-256 of the 32 raw public key bytes.
  std::string KeyId() const;

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
};

class SigningKey {
 public:
  static std::optional<SigningKey> Generate(std::string* error);
  // Parses a PEM "PRIVATE KEY" (PKCS#8) holding an Ed25519 key.
  static std::optional<SigningKey> FromPem(std::string_view pem, std::string* error);
  static std::optional<SigningKey> LoadFile(const std::string& path, std::string* error);
  // Builds the key from its 32 raw private bytes (the RFC 8032 seed).
  static std::optional<SigningKey> FromRawPrivate(std::string_view raw32, std::string* error);

  std::string Sign(std::string_view message) const;  // raw 64-byte signature
  PublicKey Public() const;
  // PublicKey::KeyId() of Public(), without building the public key object.
  std::string KeyId() const;
  std::string PrivatePem() const;  // PEM PKCS#8
  // A 32-byte secret derived from the private key (HMAC-SHA256 of a fixed
  // label keyed by the private key), used to pseudonymise personal data in
  // the evidence log: only the key holder can link a value to its digest.
  std::string PseudonymKey() const;

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// `keys init`: writes DIR/signing.key (mode 0600, created exclusively) and
// DIR/signing.pub. Refuses to overwrite an existing key. Creates DIR.
bool WriteKeyPair(const SigningKey& key, const std::string& directory, std::string* error);

}  // namespace stagegate::evidence
