#pragma once
// Device identities: a device's X.509 certificate (with the intermediates it
// presents) and the fleet's trust anchors it is verified against.
//
// OpenSSL types stay behind these classes. Both are immutable once built and
// safe to use from many threads at once: one TrustStore (one X509_STORE)
// serves every device of a run, each Verify call making its own context.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace stagegate::devices {

// Intermediate certificates, parsed once and shared by every device that
// presents them (100,000 devices of one intermediate hold one copy).
class CertificateChain {
 public:
  // Parses every PEM certificate of `pem`. Null with `error` set when it holds none.
  static std::shared_ptr<const CertificateChain> Parse(std::string_view pem, std::string* error);
  ~CertificateChain();

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  CertificateChain() = default;
  std::unique_ptr<Impl> impl_;
};

// A parsed device certificate: the leaf, and the chain certificates that
// follow it in its file or come from the record's `chain` file.
class DeviceCertificate {
 public:
  // Parses `pem` (the leaf first, maybe followed by chain certificates); the
  // intermediates are those and `chain`'s (null when none). Null with `error`
  // set ("not a PEM certificate ...") when the leaf cannot be parsed.
  static std::unique_ptr<const DeviceCertificate> Parse(std::string_view pem,
                                                        std::shared_ptr<const CertificateChain> chain,
                                                        std::string* error);
  ~DeviceCertificate();

  // Returns the identity.cert facts that need no trust anchor (subject,
  // issuer, serial, validity, days_to_expiry at `now`, key, signature
  // algorithm, self_signed, san, device_id_bound for `device_id`), keyed by
  // the name below "identity.cert.".
  nlohmann::json Describe(std::chrono::sys_seconds now, std::string_view device_id) const;

  // Verifies `signature` over `message` with the leaf's public key: pure
  // Ed25519 (64 raw bytes) or ECDSA P-256 with SHA-256 (DER). False for any
  // other key type; `error` then says why.
  bool VerifyWithLeafKey(std::string_view message, std::string_view signature, std::string* error) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  DeviceCertificate() = default;
  std::unique_ptr<Impl> impl_;
};

// The outcome of verifying a certificate chain.
struct ChainVerification {
  bool valid = false;
  // OpenSSL's verify error string ("certificate has expired"), followed by
  // the depth and subject of the certificate at fault when it is not the
  // leaf ("certificate revoked (depth 1: CN=Acme Device CA,O=Acme)"); ""
  // when valid.
  std::string error;
  bool revoked = false;  // the leaf is on a CRL of the store (meaningful only when has_crls())
};

// The fleet's root certificates and CRLs.
class TrustStore {
 public:
  // Returns "" when `pem` holds at least one PEM certificate, else why not.
  static std::string CheckCertificatePem(std::string_view pem);
  // Returns "" when `pem` holds a PEM CRL, else why not.
  static std::string CheckCrlPem(std::string_view pem);
  // Builds the store from checked PEM texts (see the Check functions).
  static std::shared_ptr<const TrustStore> Create(const std::vector<std::string>& root_pems,
                                                  const std::vector<std::string>& crl_pems);
  ~TrustStore();

  bool has_roots() const { return roots_ > 0; }
  bool has_crls() const { return crls_ > 0; }
  // Verifies `certificate`'s leaf with its chain at time `at`, for the TLS
  // client purpose (key usage and extended key usage checked), and against
  // the CRLs when the store has any: a CRL of the leaf's issuer is then
  // required, and every certificate above the leaf is checked against its
  // issuer's CRL when one is given. Thread-safe.
  //
  // The leaf's issuer (an intermediate of its chain) is verified once per
  // distinct chain and time, up to a trust anchor, and kept for the store's
  // lifetime; the leaves it issued are then verified against it alone, with
  // the same checks of the leaf. A chain whose intermediate fails, or whose
  // CAs above the intermediate constrain names, is verified whole each time.
  ChainVerification Verify(const DeviceCertificate& certificate, std::chrono::sys_seconds at) const;

  // Returns how many issuers were verified once and kept (for tests; not
  // while another thread verifies).
  int verified_issuers() const;

 private:
  struct Impl;
  TrustStore() = default;
  std::unique_ptr<Impl> impl_;
  int roots_ = 0;
  int crls_ = 0;
};

}  // namespace stagegate::devices
