#include "evaluators/devices/x509_identity.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <mutex>

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

constexpr size_t kDigestBytes = 32;  // SHA-256

// Returns the SHA-256 of `cert`'s DER, or "" when it cannot be made.
std::string DerDigest(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1 || length != kDigestBytes) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

struct CertificateChain::Impl {
  STACK_OF(X509)* certs = nullptr;
  // The DER digests of `certs`, in their order, made once for every device
  // presenting the chain; "" when a digest could not be made.
  std::string digests;
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
  for (int i = 0; i < sk_X509_num(chain->impl_->certs); ++i) {
    const std::string digest = DerDigest(sk_X509_value(chain->impl_->certs, i));
    if (digest.empty()) {
      chain->impl_->digests.clear();
      break;
    }
    chain->impl_->digests += digest;
  }
  return chain;
}

struct DeviceCertificate::Impl {
  X509* leaf = nullptr;
  // The intermediates presented with the leaf: references to the shared
  // chain's certificates and to those after the leaf in its own file.
  STACK_OF(X509)* chain = nullptr;
  std::shared_ptr<const CertificateChain> shared;  // keeps the shared certificates alive
  // The DER digests of `chain`'s certificates in order (those of the leaf's
  // file, then the shared chain's): what a verified issuer is cached by.
  // "" when there is no chain or a digest could not be made.
  std::string chain_digests;
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
  // The digests of the certificates after the leaf in its own file; the
  // shared chain's were made once when it was parsed.
  std::string digests;
  const int own = sk_X509_num(certs.certs) - (chain ? sk_X509_num(chain->impl().certs) : 0);
  for (int i = 0; i < own; ++i) digests += DerDigest(sk_X509_value(certs.certs, i));
  const bool complete = digests.size() == static_cast<size_t>(own) * kDigestBytes && (!chain || !chain->impl().digests.empty());
  if (complete && sk_X509_num(certs.certs) > 0) {
    certificate->impl_->chain_digests = std::move(digests) + (chain ? chain->impl().digests : std::string());
  }
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

namespace {

// An intermediate that issued device certificates, verified once per run:
// its own chain up to a trust anchor, at the evaluation time, as a CA for the
// TLS client purpose, against the CRLs. Thread-safe once built.
struct VerifiedIssuer {
  std::once_flag once;
  // The issuer alone, as the trust anchor its leaves are verified against;
  // null when they must be verified with the whole chain (the issuer's chain
  // has an error, or a CA above it constrains names, which bind the leaf).
  STACK_OF(X509)* anchor = nullptr;
  ~VerifiedIssuer() { sk_X509_pop_free(anchor, X509_free); }
};

}  // namespace

struct TrustStore::Impl {
  X509_STORE* store = nullptr;
  // The roots' subject names: a leaf a root issued is verified with the
  // whole chain, as chain building would pick the root over an intermediate.
  std::vector<X509_NAME*> root_names;
  // The verified issuers by the digests of the presented chain, the issuer's
  // position in it and the evaluation time. Entries are never removed: one
  // per distinct intermediate of the run.
  mutable std::mutex issuers_mutex;
  mutable std::map<std::string, std::shared_ptr<VerifiedIssuer>, std::less<>> issuers;
  ~Impl() {
    X509_STORE_free(store);
    for (X509_NAME* name : root_names) X509_NAME_free(name);
  }

  // Returns the verified issuer of `certificate`'s leaf at `at`, or null
  // when the leaf is verified with its whole chain.
  const VerifiedIssuer* IssuerOf(const DeviceCertificate& certificate, std::chrono::sys_seconds at, int crls) const;
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
      X509* root = sk_X509_value(certs.certs, i);
      if (X509_STORE_add_cert(trust->impl_->store, root) == 1) ++trust->roots_;
      if (X509_NAME* name = X509_NAME_dup(X509_get_subject_name(root))) trust->impl_->root_names.push_back(name);
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

// What one verification saw: the first error and the depth and subject of
// the certificate it was about, and whether the leaf was revoked
// (verification goes on past errors so that a revoked and expired
// certificate is reported revoked too).
struct VerifyState {
  int first_error = X509_V_OK;
  int first_error_depth = 0;
  std::string first_error_subject;
  bool revoked = false;
  // Whether a certificate above the target may lack a CRL of its issuer:
  // the leaf's issuer must have a current CRL, an intermediate's issuer is
  // judged by its CRL only when the trust documents give one.
  bool optional_issuer_crls = true;
  bool optional_target_crl = false;
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
  const int depth = X509_STORE_CTX_get_error_depth(context);
  if (state != nullptr) {
    const bool optional = error == X509_V_ERR_UNABLE_TO_GET_CRL &&
                          (depth == 0 ? state->optional_target_crl : state->optional_issuer_crls);
    if (state->first_error == X509_V_OK && !optional) {
      state->first_error = error;
      state->first_error_depth = depth;
      if (depth > 0) {
        if (X509* cert = X509_STORE_CTX_get_current_cert(context)) {
          state->first_error_subject = NameText(X509_get_subject_name(cert));
        }
      }
    }
    if (error == X509_V_ERR_CERT_REVOKED && depth == 0) state->revoked = true;
  }
  // Going on after a missing issuer would report the same gap again; every
  // other error is recorded and verification continues.
  return error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ? 0 : 1;
}

// How one X509_verify_cert call is set up.
struct VerifyRun {
  X509_STORE* store = nullptr;        // trust anchors (unless `anchor` is set) and CRLs
  X509* target = nullptr;
  STACK_OF(X509)* untrusted = nullptr;
  STACK_OF(X509)* anchor = nullptr;   // when set, the only trust anchor (a verified issuer)
  time_t at = 0;
  bool tls_client = true;             // the TLS client purpose for the target (else its trust only)
  bool crls = false;                  // check the target's revocation
  bool crls_above = false;            // and every certificate's above it
};

// Runs one verification into `state`, then calls `inspect` with the context
// (and whether X509_verify_cert succeeded) before the context is freed.
template <typename Inspect>
void RunVerification(const VerifyRun& run, VerifyState* state, Inspect inspect) {
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  if (context == nullptr || X509_STORE_CTX_init(context, run.store, run.target, run.untrusted) != 1) {
    X509_STORE_CTX_free(context);
    state->first_error = X509_V_ERR_OUT_OF_MEM;
    return;
  }
  X509_STORE_CTX_set_ex_data(context, StateIndex(), state);
  X509_STORE_CTX_set_verify_cb(context, RecordError);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context);
  X509_VERIFY_PARAM_set_time(param, run.at);
  if (run.tls_client) {
    X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_CLIENT);
  } else {
    X509_STORE_CTX_set_trust(context, X509_TRUST_SSL_CLIENT);
  }
  unsigned long flags = 0;
  if (run.crls) flags |= X509_V_FLAG_CRL_CHECK;
  if (run.crls && run.crls_above) flags |= X509_V_FLAG_CRL_CHECK_ALL;
  if (run.anchor != nullptr) {
    // The issuer was verified up to a root for this run: it is the anchor,
    // and only the leaf's signature, validity, purpose and revocation remain.
    X509_STORE_CTX_set0_trusted_stack(context, run.anchor);
    flags |= X509_V_FLAG_PARTIAL_CHAIN;
  }
  if (flags != 0) X509_VERIFY_PARAM_set_flags(param, flags);
  const int ok = X509_verify_cert(context);
  if (state->first_error == X509_V_OK && ok != 1) state->first_error = X509_STORE_CTX_get_error(context);
  if (state->first_error == X509_V_OK && ok != 1) state->first_error = X509_V_ERR_UNSPECIFIED;
  inspect(context, ok == 1);
  X509_STORE_CTX_free(context);
  ERR_clear_error();
}

// True when the certificates of `path` (a verified intermediate first, up
// to its trust anchor) pass the checks verifying a leaf through them would
// make of them as CAs, beyond those verifying the intermediate itself made:
// the intermediate is a CA, each is a CA for TLS clients, path lengths count
// the intermediate, and no CA above the intermediate constrains names (its
// constraints would bind the leaf's names).
bool FitForLeaves(STACK_OF(X509)* path, int num_untrusted) {
  const int length = sk_X509_num(path);
  if (length < 2 || X509_check_ca(sk_X509_value(path, 0)) != 1) return false;
  int below = 0;  // CAs below the current one that are not self-issued
  for (int k = 0; k < length; ++k) {
    X509* cert = sk_X509_value(path, k);
    const bool trusted = k >= num_untrusted &&
                         X509_check_trust(cert, X509_TRUST_SSL_CLIENT, X509_TRUST_NO_SS_COMPAT) == X509_TRUST_TRUSTED;
    if (!trusted && X509_check_purpose(cert, X509_PURPOSE_SSL_CLIENT, 1) == 0) return false;
    if (k > 0) {
      const long path_length = X509_get_pathlen(cert);
      if (path_length >= 0 && below > path_length) return false;
      if (X509_get_ext_by_NID(cert, NID_name_constraints, -1) >= 0) return false;
    }
    if ((X509_get_extension_flags(cert) & EXFLAG_SI) == 0) ++below;
  }
  ERR_clear_error();
  return true;
}

}  // namespace

const VerifiedIssuer* TrustStore::Impl::IssuerOf(const DeviceCertificate& certificate, std::chrono::sys_seconds at,
                                                 int crls) const {
  const DeviceCertificate::Impl& device = certificate.impl();
  if (device.chain_digests.empty()) return nullptr;
  // The leaf's issuer: the one certificate of its chain that issued it, when
  // no root has its issuer's name.
  int index = -1;
  for (int i = 0; i < sk_X509_num(device.chain); ++i) {
    if (X509_check_issued(sk_X509_value(device.chain, i), device.leaf) != X509_V_OK) continue;
    if (index >= 0) return nullptr;
    index = i;
  }
  ERR_clear_error();
  if (index < 0) return nullptr;
  const X509_NAME* issuer_name = X509_get_issuer_name(device.leaf);
  for (const X509_NAME* root : root_names) {
    if (X509_NAME_cmp(root, issuer_name) == 0) return nullptr;
  }
  std::string key = device.chain_digests;
  const std::int64_t seconds = at.time_since_epoch().count();
  key.append(reinterpret_cast<const char*>(&index), sizeof(index));
  key.append(reinterpret_cast<const char*>(&seconds), sizeof(seconds));
  std::shared_ptr<VerifiedIssuer> entry;
  {
    std::lock_guard<std::mutex> lock(issuers_mutex);
    std::shared_ptr<VerifiedIssuer>& slot = issuers[key];
    if (!slot) slot = std::make_shared<VerifiedIssuer>();
    entry = slot;
  }
  std::call_once(entry->once, [&] {
    X509* issuer = sk_X509_value(device.chain, index);
    VerifyRun run{.store = store,
                  .target = issuer,
                  .untrusted = device.chain,
                  .at = static_cast<time_t>(seconds),
                  .tls_client = false,
                  .crls = crls > 0,
                  .crls_above = true};
    VerifyState state;
    state.optional_target_crl = true;  // the issuer is a certificate above the leaf
    bool fit = false;
    RunVerification(run, &state, [&](X509_STORE_CTX* context, bool ok) {
      fit = ok && state.first_error == X509_V_OK &&
            FitForLeaves(X509_STORE_CTX_get0_chain(context), X509_STORE_CTX_get_num_untrusted(context));
    });
    if (!fit) return;
    entry->anchor = sk_X509_new_null();
    if (entry->anchor == nullptr || sk_X509_push(entry->anchor, issuer) <= 0) {
      sk_X509_free(entry->anchor);
      entry->anchor = nullptr;
      return;
    }
    X509_up_ref(issuer);
  });
  return entry.get();  // the map keeps the entry alive as long as the store
}

int TrustStore::verified_issuers() const {
  std::lock_guard<std::mutex> lock(impl_->issuers_mutex);
  return static_cast<int>(std::count_if(impl_->issuers.begin(), impl_->issuers.end(),
                                        [](const auto& entry) { return entry.second->anchor != nullptr; }));
}

ChainVerification TrustStore::Verify(const DeviceCertificate& certificate, std::chrono::sys_seconds at) const {
  VerifyRun run{.store = impl_->store,
                .target = certificate.impl().leaf,
                .untrusted = certificate.impl().chain,
                .at = static_cast<time_t>(at.time_since_epoch().count()),
                .crls = crls_ > 0,
                .crls_above = true};
  const VerifiedIssuer* issuer = impl_->IssuerOf(certificate, at, crls_);
  if (issuer != nullptr && issuer->anchor != nullptr) {
    // The issuer's chain and revocation were checked once; the leaf's
    // revocation is checked here.
    run.untrusted = nullptr;
    run.anchor = issuer->anchor;
    run.crls_above = false;
  }
  VerifyState state;
  RunVerification(run, &state, [](X509_STORE_CTX*, bool) {});
  ChainVerification result;
  result.valid = state.first_error == X509_V_OK;
  if (!result.valid) {
    result.error = state.first_error == X509_V_ERR_OUT_OF_MEM ? "out of memory verifying the certificate chain"
                                                              : X509_verify_cert_error_string(state.first_error);
    if (state.first_error_depth > 0) {
      result.error += fmt::format(" (depth {}: {})", state.first_error_depth, state.first_error_subject);
    }
  }
  result.revoked = state.revoked;
  return result;
}

}  // namespace stagegate::devices
