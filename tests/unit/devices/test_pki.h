#pragma once
// A fleet PKI made at test time with the OpenSSL 3 API: roots, an
// intermediate, device certificates valid and broken in every way the device
// facts judge, a CRL, and signatures with the devices' and vendors' keys.
// Every certificate's times are absolute (around kNow), so tests control the
// clock through DeviceTrustOptions::now.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace stagegate::devices::testing {

// The evaluation time of the tests: 2026-12-01T00:00:00Z.
inline constexpr std::chrono::sys_seconds kNow{std::chrono::sys_days{std::chrono::year{2026} / 12 / 1}};
inline constexpr std::int64_t kDay = 86400;

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

inline void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

inline Key MakeEd25519() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }
inline Key MakeP256() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
inline Key MakeRsa(size_t bits) { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)); }

struct CertSpec {
  std::string common_name;
  std::string organization = "Acme Fleet";
  long serial = 1;
  std::int64_t not_before = -30 * kDay;  // seconds relative to kNow
  std::int64_t not_after = 365 * kDay;
  bool ca = false;
  std::vector<std::string> san = {};      // "DNS:dev-001", "URI:urn:acme:device:dev-001"
  std::string extended_key_usage = "clientAuth";  // "" for none
  const EVP_MD* digest = nullptr;         // null: SHA-256 (none for Ed25519 issuers)
  std::string name_constraints = "";      // a CA's, "critical,permitted;DNS:.fleet.acme"; "" for none
};

inline void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  Check(extension != nullptr && X509_add_ext(cert, extension, -1) == 1, "extension");
  X509_EXTENSION_free(extension);
}

// Issues a certificate for `key` signed by `issuer_key` (self-signed when
// `issuer` is null).
inline Cert Issue(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial);
  const time_t now = static_cast<time_t>(kNow.time_since_epoch().count());
  Check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), now + spec.not_before) != nullptr, "notBefore");
  Check(ASN1_TIME_set(X509_getm_notAfter(cert.get()), now + spec.not_after) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.organization.c_str()),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (spec.ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (!spec.name_constraints.empty()) {
      AddExtension(cert.get(), signer, NID_name_constraints, spec.name_constraints);
    }
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    if (!spec.extended_key_usage.empty()) AddExtension(cert.get(), signer, NID_ext_key_usage, spec.extended_key_usage);
  }
  if (!spec.san.empty()) {
    std::string list;
    for (const std::string& entry : spec.san) list += (list.empty() ? "" : ",") + entry;
    AddExtension(cert.get(), signer, NID_subject_alt_name, list);
  }
  EVP_PKEY* signing_key = issuer_key != nullptr ? issuer_key : key;
  const EVP_MD* digest = EVP_PKEY_is_a(signing_key, "ED25519") ? nullptr : spec.digest ? spec.digest : EVP_sha256();
  Check(X509_sign(cert.get(), signing_key, digest) > 0, "sign");
  return cert;
}

inline std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  return text;
}

inline std::string PublicKeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  return text;
}

// A CRL of `issuer` listing `serials`, current at kNow.
inline std::string Crl(X509* issuer, EVP_PKEY* issuer_key, const std::vector<long>& serials) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
  const time_t now = static_cast<time_t>(kNow.time_since_epoch().count());
  ASN1_TIME* last = ASN1_TIME_set(nullptr, now - kDay);
  ASN1_TIME* next = ASN1_TIME_set(nullptr, now + 7 * kDay);
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  for (long serial : serials) {
    X509_REVOKED* revoked = X509_REVOKED_new();
    ASN1_INTEGER* number = ASN1_INTEGER_new();
    ASN1_INTEGER_set(number, serial);
    X509_REVOKED_set_serialNumber(revoked, number);
    X509_REVOKED_set_revocationDate(revoked, last);
    X509_CRL_add0_revoked(crl, revoked);
    ASN1_INTEGER_free(number);
  }
  X509_CRL_sort(crl);
  Check(X509_CRL_sign(crl, issuer_key, EVP_sha256()) > 0, "sign CRL");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_CRL(bio, crl);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  return text;
}

// Signs `message` with `key`: pure Ed25519, or ECDSA P-256 with SHA-256 (DER).
inline std::string Sign(EVP_PKEY* key, std::string_view message) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const EVP_MD* digest = EVP_PKEY_is_a(key, "ED25519") ? nullptr : EVP_sha256();
  size_t length = 0;
  Check(EVP_DigestSignInit(context, nullptr, digest, nullptr, key) == 1 &&
            EVP_DigestSign(context, nullptr, &length, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) == 1,
        "sign size");
  std::string signature(length, '\0');
  Check(EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1,
        "sign");
  signature.resize(length);
  EVP_MD_CTX_free(context);
  return signature;
}

inline void WriteFile(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// The fleet PKI: a root, an intermediate under it, and another root that
// trusts nothing of ours (for the wrong-issuer device).
struct FleetPki {
  Key root_key = MakeP256(), intermediate_key = MakeP256(), other_root_key = MakeP256();
  Cert root, intermediate, other_root;

  FleetPki() {
    CertSpec root_spec{.common_name = "Acme Root CA", .serial = 1, .not_before = -365 * kDay,
                       .not_after = 3650 * kDay, .ca = true};
    root = Issue(root_spec, root_key.get(), nullptr, nullptr);
    CertSpec intermediate_spec{.common_name = "Acme Device CA", .serial = 2, .not_before = -365 * kDay,
                               .not_after = 1825 * kDay, .ca = true};
    intermediate = Issue(intermediate_spec, intermediate_key.get(), root.get(), root_key.get());
    CertSpec other_spec{.common_name = "Other Root CA", .serial = 3, .not_before = -365 * kDay,
                        .not_after = 3650 * kDay, .ca = true};
    other_root = Issue(other_spec, other_root_key.get(), nullptr, nullptr);
  }

  // A device certificate issued by the intermediate.
  Cert Device(CertSpec spec, EVP_PKEY* key) const { return Issue(spec, key, intermediate.get(), intermediate_key.get()); }
};

}  // namespace stagegate::devices::testing
