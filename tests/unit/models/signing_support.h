#pragma once
// Test keys made with OpenSSL: Ed25519, ECDSA P-256 and RSA (to be refused),
// with PEM public keys and a signer using the scheme the model gates verify.

#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace stagegate::models::testing_support {

struct TestKey {
  std::shared_ptr<EVP_PKEY> key;
  std::string public_pem;

  // "ED25519", "P-256" or "RSA".
  static TestKey Generate(std::string_view algorithm) {
    EVP_PKEY* raw = nullptr;
    if (algorithm == "ED25519") raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (algorithm == "P-256") raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (algorithm == "RSA") raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    TestKey result;
    result.key.reset(raw, EVP_PKEY_free);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, raw);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    result.public_pem.assign(data, static_cast<size_t>(length));
    BIO_free(bio);
    return result;
  }

  // Pure Ed25519, or ECDSA with SHA-256 (DER), over `message`.
  std::string Sign(std::string_view message) const {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    const EVP_MD* digest = EVP_PKEY_is_a(key.get(), "ED25519") ? nullptr : EVP_sha256();
    EVP_DigestSignInit(context, nullptr, digest, nullptr, key.get());
    size_t length = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
    EVP_DigestSign(context, nullptr, &length, bytes, message.size());
    std::string signature(length, '\0');
    EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length, bytes, message.size());
    signature.resize(length);
    EVP_MD_CTX_free(context);
    return signature;
  }
};

}  // namespace stagegate::models::testing_support
