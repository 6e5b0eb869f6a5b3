#include "evaluators/keys/trusted_key.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace stagegate::keys {
namespace {

// A PEM public key is a few hundred bytes; anything this large is not one.
constexpr size_t kLargestPem = 1 << 20;

}  // namespace

std::string_view SignatureAlgorithmName(SignatureAlgorithm algorithm) {
  return algorithm == SignatureAlgorithm::kEd25519 ? "ed25519" : "ecdsa-p256";
}

struct TrustedKey::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

TrustedKey::~TrustedKey() = default;

std::shared_ptr<const TrustedKey> TrustedKey::FromPem(std::string id, std::string_view pem, std::string* error) {
  BIO* bio = pem.size() > kLargestPem ? nullptr : BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = bio == nullptr ? nullptr : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  if (pkey == nullptr) {
    *error = "not a PEM public key (expected '-----BEGIN PUBLIC KEY-----', SubjectPublicKeyInfo)";
    return nullptr;
  }
  std::shared_ptr<TrustedKey> key(new TrustedKey());
  key->id_ = std::move(id);
  key->key_ = std::make_unique<Key>();
  key->key_->pkey = pkey;
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    key->algorithm_ = SignatureAlgorithm::kEd25519;
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof(group), &length) != 1 ||
        std::string_view(group) != "prime256v1") {
      *error = fmt::format("an EC key on curve '{}': only P-256 (prime256v1) is accepted", group);
      return nullptr;
    }
    key->algorithm_ = SignatureAlgorithm::kEcdsaP256;
  } else {
    *error = "unsupported key type: use an Ed25519 or ECDSA P-256 key";
    return nullptr;
  }
  return key;
}

bool TrustedKey::Verify(std::string_view message, std::string_view signature) const {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const EVP_MD* digest = algorithm_ == SignatureAlgorithm::kEd25519 ? nullptr : EVP_sha256();
  const bool valid =
      context != nullptr && EVP_DigestVerifyInit(context, nullptr, digest, nullptr, key_->pkey) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(context);
  ERR_clear_error();
  return valid;
}

void ReadKeySet(const YAML::Node& root, KeyRing* keys, const KeySetError& error) {
  const YAML::Node spec = root["spec"];
  const YAML::Node list = spec && spec.IsMap() ? spec["keys"] : YAML::Node();
  if (!list || !list.IsSequence() || list.size() == 0) {
    error(root, "a KeySet needs 'spec.keys': a list of {id, publicKey}");
    return;
  }
  for (const YAML::Node& entry : list) {
    const YAML::Node id = entry.IsMap() ? entry["id"] : YAML::Node();
    const YAML::Node pem = entry.IsMap() ? entry["publicKey"] : YAML::Node();
    if (!id || !id.IsScalar() || !pem || !pem.IsScalar()) {
      error(entry, "each key needs 'id' and 'publicKey' (a PEM public key)");
      continue;
    }
    std::string problem;
    std::shared_ptr<const TrustedKey> key = TrustedKey::FromPem(id.Scalar(), pem.Scalar(), &problem);
    if (!key) {
      error(pem, fmt::format("key '{}': {}", id.Scalar(), problem));
      continue;
    }
    if (!keys->emplace(id.Scalar(), std::move(key)).second) {
      error(id, fmt::format("key id '{}' is declared twice; key ids must be unique across KeySets", id.Scalar()));
    }
  }
}

}  // namespace stagegate::keys
