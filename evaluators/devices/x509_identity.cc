#include "evaluators/devices/x509_identity.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace stagegate::devices {

namespace {

// Reads every PEM certificate of `pem` into `out` (which takes ownership).
// Returns how many were read; stops at the first block that is not one.
int ReadCertificates(std::string_view pem, STACK_OF(X509)* out) {
  if (pem.empty() || pem.size() > static_cast<size_t>(INT32_MAX)) return 0;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return 0;
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    sk_X509_push(out, cert);
    ++count;
  }
  ERR_clear_error();  // the end of the text also leaves an error on the queue
  BIO_free(bio);
  return count;
}

std::string NameText(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(std::max(length, 0L)));
  BIO_free(bio);
  return text;
}

std::string CommonName(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return {};
  std::string text(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

// Returns the seconds since the epoch of `time`, and its RFC 3339 text.
bool TimeOf(const ASN1_TIME* time, std::int64_t* seconds, std::string* text) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return false;
  *seconds = static_cast<std::int64_t>(timegm(&tm));
  *text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                      tm.tm_min, tm.tm_sec);
  return true;
}

std::string AsciiOf(const ASN1_STRING* value) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> names;
  auto* general = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (general == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(general); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general, i);
    switch (name->type) {
      case GEN_DNS: names.push_back(AsciiOf(name->d.dNSName)); break;
      case GEN_URI: names.push_back(AsciiOf(name->d.uniformResourceIdentifier)); break;
      case GEN_EMAIL: names.push_back(AsciiOf(name->d.rfc822Name)); break;
      case GEN_IPADD: {
        const std::string bytes = AsciiOf(name->d.iPAddress);
        if (bytes.size() == 4) {
          names.push_back(fmt::format("{}.{}.{}.{}", static_cast<unsigned char>(bytes[0]),
                                      static_cast<unsigned char>(bytes[1]), static_cast<unsigned char>(bytes[2]),
                                      static_cast<unsigned char>(bytes[3])));
        } else {
          std::string text;
          for (size_t b = 0; b + 1 < bytes.size(); b += 2) {
            text += fmt::format("{}{:02x}{:02x}", b == 0 ? "" : ":", static_cast<unsigned char>(bytes[b]),
                                static_cast<unsigned char>(bytes[b + 1]));
          }
          names.push_back(text);
        }
        break;
      }
      default: break;  // directory names, other names: not identities a device id is compared with
    }
  }
  GENERAL_NAMES_free(general);
  return names;
}

// True when `name` carries `id`: equal, or a URI or name whose last ':'- or
// '/'-separated segment is the id ("urn:dev:dev-001", "spiffe://fleet/dev-001").
bool CarriesId(std::string_view name, std::string_view id) {
  if (id.empty()) return false;
  if (name == id) return true;
  if (name.size() <= id.size() || !name.ends_with(id)) return false;
  const char before = name[name.size() - id.size() - 1];
  return before == ':' || before == '/';
}

struct Stack {
  STACK_OF(X509)* certs = sk_X509_new_null();
  ~Stack() { sk_X509_pop_free(certs, X509_free); }
};

}  // namespace

struct CertificateChain::Impl {
  STACK_OF(X509)* certs = nullptr;
  ~Impl() { sk_X509_pop_free(certs, X509_free); }
};

CertificateChain::~CertificateChain() = default;

std::shared_ptr<const CertificateChain> CertificateChain::Parse(std::string_view pem, std::string* error) {
  Stack certs;
  if (certs.certs == nullptr || ReadCertificates(pem, certs.certs) == 0) {
    *error = "the chain holds no PEM certificate (expected '-----BEGIN CERTIFICATE-----' blocks)";
    return nullptr;
  }
  std::shared_ptr<CertificateChain> chain(new CertificateChain());
  chain->impl_ = std::make_unique<Impl>();
  chain->impl_->certs = certs.certs;
  certs.certs = nullptr;
  return chain;
}

struct DeviceCertificate::Impl {
  X509* leaf = nullptr;
  // The intermediates presented with the leaf: references to the shared
  // chain's certificates and to those after the leaf in its own file.
  STACK_OF(X509)* chain = nullptr;
  std::shared_ptr<const CertificateChain> shared;  // keeps the shared certificates alive
  ~Impl() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
  }
};

DeviceCertificate::~DeviceCertificate() = default;

std::unique_ptr<const DeviceCertificate> DeviceCertificate::Parse(std::string_view pem,
                                                                  std::shared_ptr<const CertificateChain> chain,
                                                                  std::string* error) {
  Stack certs;
  if (certs.certs == nullptr || ReadCertificates(pem, certs.certs) == 0) {
    *error = "not a PEM certificate (expected '-----BEGIN CERTIFICATE-----' and a DER X.509 certificate in base64)";
    return nullptr;
  }
  if (chain) {
    for (int i = 0; i < sk_X509_num(chain->impl().certs); ++i) {
      X509* cert = sk_X509_value(chain->impl().certs, i);
      X509_up_ref(cert);
      sk_X509_push(certs.certs, cert);
    }
  }
  std::unique_ptr<DeviceCertificate> certificate(new DeviceCertificate());
  certificate->impl_ = std::make_unique<Impl>();
  certificate->impl_->leaf = sk_X509_shift(certs.certs);
  certificate->impl_->chain = certs.certs;
  certificate->impl_->shared = std::move(chain);
  certs.certs = nullptr;
  return certificate;
}

nlohmann::json DeviceCertificate::Describe(std::chrono::sys_seconds now, std::string_view device_id) const {
  X509* leaf = impl_->leaf;
  nlohmann::json facts = nlohmann::json::object();
  facts["subject"] = NameText(X509_get_subject_name(leaf));
  facts["issuer"] = NameText(X509_get_issuer_name(leaf));
  std::string serial;
  if (BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr)) {
    if (char* hex = BN_bn2hex(number)) {
      serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(number);
  }
  std::transform(serial.begin(), serial.end(), serial.begin(), [](unsigned char c) { return std::tolower(c); });
  facts["serial"] = serial;
  std::int64_t not_before = 0, not_after = 0;
  std::string text;
  if (TimeOf(X509_get0_notBefore(leaf), &not_before, &text)) facts["not_before"] = text;
  if (TimeOf(X509_get0_notAfter(leaf), &not_after, &text)) {
    facts["not_after"] = text;
    const std::int64_t left = not_after - now.time_since_epoch().count();
    // Whole days, rounded down: an hour before expiry is day 0, an hour after is -1.
    facts["days_to_expiry"] = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
  }
  if (const EVP_PKEY* key = X509_get0_pubkey(leaf)) {
    const int id = EVP_PKEY_get_base_id(key);
    facts["key_type"] = id == EVP_PKEY_RSA     ? "rsa"
                        : id == EVP_PKEY_EC    ? "ec"
                        : id == EVP_PKEY_ED25519 ? "ed25519"
                        : id == EVP_PKEY_ED448 ? "ed448"
                                               : "other";
    facts["key_bits"] = EVP_PKEY_get_bits(key);
    char group[64] = {0};
    size_t length = 0;
    if (id != EVP_PKEY_EC ||
        EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &length) != 1) {
      group[0] = '\0';
    }
    facts["curve"] = std::string(group);
  }
  const int signature_nid = X509_get_signature_nid(leaf);
  facts["signature_algorithm"] = signature_nid == NID_undef ? "unknown" : OBJ_nid2ln(signature_nid);
  facts["self_signed"] = X509_self_signed(leaf, 0) == 1;
  ERR_clear_error();
  const std::vector<std::string> names = SubjectAltNames(leaf);
  facts["san"] = names;
  bool bound = CommonName(X509_get_subject_name(leaf)) == device_id && !device_id.empty();
  for (const std::string& name : names) bound = bound || CarriesId(name, device_id);
  facts["device_id_bound"] = bound;
  return facts;
}

bool DeviceCertificate::VerifyWithLeafKey(std::string_view message, std::string_view signature,
                                          std::string* error) const {
  EVP_PKEY* key = X509_get0_pubkey(impl_->leaf);
  if (key == nullptr) {
    *error = "the device certificate's public key cannot be read";
    return false;
  }
  const EVP_MD* digest = nullptr;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &length) != 1 ||
        std::string_view(group) != "prime256v1") {
      *error = "the device key is an EC key on another curve than P-256: attestation reports are signed with Ed25519 "
               "or ECDSA P-256";
      return false;
    }
    digest = EVP_sha256();
  } else if (!EVP_PKEY_is_a(key, "ED25519")) {
    *error = "the device key is neither Ed25519 nor ECDSA P-256: attestation reports are signed with one of those";
    return false;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool valid =
      context != nullptr && EVP_DigestVerifyInit(context, nullptr, digest, nullptr, key) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(context);
  ERR_clear_error();
  if (!valid) *error = "the signature does not verify with the device certificate's public key";
  return valid;
}

// ---------------------------------------------------------------------------

struct TrustStore::Impl {
  X509_STORE* store = nullptr;
  ~Impl() { X509_STORE_free(store); }
};

TrustStore::~TrustStore() = default;

std::string TrustStore::CheckCertificatePem(std::string_view pem) {
  Stack certs;
  if (certs.certs == nullptr || ReadCertificates(pem, certs.certs) == 0) {
    return "not a PEM certificate (expected '-----BEGIN CERTIFICATE-----' and a DER X.509 certificate in base64)";
  }
  return {};
}

std::string TrustStore::CheckCrlPem(std::string_view pem) {
  if (pem.empty() || pem.size() > static_cast<size_t>(INT32_MAX)) return "an empty CRL";
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_CRL* crl = bio == nullptr ? nullptr : PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  if (crl == nullptr) return "not a PEM CRL (expected '-----BEGIN X509 CRL-----')";
  X509_CRL_free(crl);
  return {};
}

std::shared_ptr<const TrustStore> TrustStore::Create(const std::vector<std::string>& root_pems,
                                                     const std::vector<std::string>& crl_pems) {
  std::shared_ptr<TrustStore> trust(new TrustStore());
  trust->impl_ = std::make_unique<Impl>();
  trust->impl_->store = X509_STORE_new();
  if (trust->impl_->store == nullptr) return nullptr;
  for (const std::string& pem : root_pems) {
    Stack certs;
    ReadCertificates(pem, certs.certs);
    for (int i = 0; i < sk_X509_num(certs.certs); ++i) {
      if (X509_STORE_add_cert(trust->impl_->store, sk_X509_value(certs.certs, i)) == 1) ++trust->roots_;
    }
  }
  for (const std::string& pem : crl_pems) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509_CRL* crl = bio == nullptr ? nullptr : PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
      if (X509_STORE_add_crl(trust->impl_->store, crl) == 1) ++trust->crls_;
      X509_CRL_free(crl);
    }
    BIO_free(bio);
  }
  ERR_clear_error();
  return trust;
}

namespace {

// What one verification saw: the first error, and whether any error was a
// revocation (verification goes on past errors so that a revoked and
// expired certificate is reported revoked too).
struct VerifyState {
  int first_error = X509_V_OK;
  bool revoked = false;
};

// The ex_data slot of a verification context holding its VerifyState.
int StateIndex() {
  static const int index = X509_STORE_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int RecordError(int ok, X509_STORE_CTX* context) {
  if (ok == 1) return 1;
  auto* state = static_cast<VerifyState*>(X509_STORE_CTX_get_ex_data(context, StateIndex()));
  const int error = X509_STORE_CTX_get_error(context);
  if (state != nullptr) {
    if (state->first_error == X509_V_OK) state->first_error = error;
    if (error == X509_V_ERR_CERT_REVOKED) state->revoked = true;
  }
  // Going on after a missing issuer would report the same gap again; every
  // other error is recorded and verification continues.
  return error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ? 0 : 1;
}

}  // namespace

ChainVerification TrustStore::Verify(const DeviceCertificate& certificate, std::chrono::sys_seconds at) const {
  ChainVerification result;
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  if (context == nullptr ||
      X509_STORE_CTX_init(context, impl_->store, certificate.impl().leaf, certificate.impl().chain) != 1) {
    X509_STORE_CTX_free(context);
    result.error = "out of memory verifying the certificate chain";
    return result;
  }
  VerifyState state;
  X509_STORE_CTX_set_ex_data(context, StateIndex(), &state);
  X509_STORE_CTX_set_verify_cb(context, RecordError);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at.time_since_epoch().count()));
  X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_CLIENT);
  if (crls_ > 0) X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK);
  const int ok = X509_verify_cert(context);
  if (state.first_error == X509_V_OK && ok != 1) state.first_error = X509_STORE_CTX_get_error(context);
  if (state.first_error == X509_V_OK && ok != 1) state.first_error = X509_V_ERR_UNSPECIFIED;
  X509_STORE_CTX_free(context);
  ERR_clear_error();
  result.valid = state.first_error == X509_V_OK;
  result.error = result.valid ? "" : X509_verify_cert_error_string(state.first_error);
  result.revoked = state.revoked;
  return result;
}

}  // namespace stagegate::devices
