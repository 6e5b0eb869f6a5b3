#include "engine/evidence/signing.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "engine/common/digest.h"
#include "engine/common/encoding.h"
#include "tests/support/scratch_dir.h"

namespace stagegate::evidence {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;
using testing::StartsWith;
using test_support::ScratchDir;

constexpr char kKeysInitHint[] = "create one with 'stagegate keys init --out DIR'";

std::string Unhex(std::string_view hex) { return *common::HexDecode(hex); }

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};
constexpr Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

SigningKey MustGenerate() {
  std::string error;
  std::optional<SigningKey> key = SigningKey::Generate(&error);
  EXPECT_TRUE(key.has_value()) << error;
  return *key;
}

// PEM texts of keys of other algorithms, made with OpenSSL directly.
enum class PemKind { kPkcs8, kTraditional, kPublic };
std::string OtherAlgorithmPem(const char* algorithm, PemKind kind) {
  EVP_PKEY* key = std::string_view(algorithm) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024})
                                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  EXPECT_NE(key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  int ok = 0;
  switch (kind) {
    case PemKind::kPkcs8:
      ok = PEM_write_bio_PKCS8PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemKind::kTraditional:
      ok = PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemKind::kPublic:
      ok = PEM_write_bio_PUBKEY(bio, key);
      break;
  }
  EXPECT_EQ(ok, 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

std::string EncryptedPem(const SigningKey& key) {
  std::string plain = key.PrivatePem();
  BIO* bio = BIO_new_mem_buf(plain.data(), static_cast<int>(plain.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  BIO* out = BIO_new(BIO_s_mem());
  char passphrase[] = "secret";
  EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(out, pkey, EVP_aes_256_cbc(), passphrase, 6, nullptr, nullptr), 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(out);
  EVP_PKEY_free(pkey);
  return pem;
}

void WriteFile(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t Mode(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// ------------------------------------------------------ Sign and verify

TEST(EvidenceSigningTest, GeneratedKeySignsAndVerifies) {
  SigningKey key = MustGenerate();
  std::string message = "checkpoint\n42\nabcdef\n";
  std::string signature = key.Sign(message);
  ASSERT_EQ(signature.size(), 64u);
  PublicKey pub = key.Public();
  EXPECT_EQ(pub.Raw().size(), 32u);
  EXPECT_TRUE(pub.Verify(message, signature));
  EXPECT_TRUE(pub.Verify("", key.Sign("")));
  // Ed25519 is deterministic.
  EXPECT_EQ(key.Sign(message), signature);
}

TEST(EvidenceSigningTest, VerificationRejectsWrongKeyMessageAndSignature) {
  SigningKey key = MustGenerate();
  SigningKey other = MustGenerate();
  std::string message = "stagegate checkpoint 100";
  std::string signature = key.Sign(message);
  PublicKey pub = key.Public();
  EXPECT_FALSE(other.Public().Verify(message, signature));
  EXPECT_FALSE(pub.Verify(message + " ", signature));
  EXPECT_FALSE(pub.Verify("", signature));
  for (size_t bit = 0; bit < 8 * signature.size(); ++bit) {
    std::string bad = signature;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(pub.Verify(message, bad)) << "signature bit " << bit;
  }
  for (size_t bit = 0; bit < 8 * message.size(); ++bit) {
    std::string bad = message;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(pub.Verify(bad, signature)) << "message bit " << bit;
  }
}

TEST(EvidenceSigningTest, SignaturesOfTheWrongLengthAreRejectedSafely) {
  SigningKey key = MustGenerate();
  std::string signature = key.Sign("m");
  PublicKey pub = key.Public();
  EXPECT_FALSE(pub.Verify("m", ""));
  EXPECT_FALSE(pub.Verify("m", signature.substr(0, 63)));
  EXPECT_FALSE(pub.Verify("m", signature.substr(0, 32)));
  EXPECT_FALSE(pub.Verify("m", signature + "x"));
  EXPECT_FALSE(pub.Verify("m", signature + signature));
  EXPECT_FALSE(pub.Verify("m", std::string(64, '\0')));
  EXPECT_FALSE(pub.Verify("m", std::string(64, '\xff')));
  EXPECT_FALSE(pub.Verify("m", std::string(100000, 'a')));
}

TEST(EvidenceSigningTest, EmptyKeysFailClosed) {
  PublicKey pub;
  EXPECT_FALSE(pub.Verify("m", std::string(64, '\0')));
  EXPECT_EQ(pub.Raw(), "");
  EXPECT_EQ(pub.KeyId(), "");
  SigningKey key;
  EXPECT_EQ(key.Sign("m"), "");
  EXPECT_EQ(key.PseudonymKey(), "");
  EXPECT_EQ(key.PrivatePem(), "");
}

TEST(EvidenceSigningTest, Rfc8032TestVectors) {
  for (const Rfc8032Vector& v : kRfc8032) {
    SCOPED_TRACE(v.public_key);
    std::string error;
    std::optional<SigningKey> key = SigningKey::FromRawPrivate(Unhex(v.secret), &error);
    ASSERT_TRUE(key.has_value()) << error;
    EXPECT_EQ(common::HexEncode(key->Public().Raw()), v.public_key);
    std::string message = Unhex(v.message);
    EXPECT_EQ(common::HexEncode(key->Sign(message)), v.signature);
    std::optional<PublicKey> pub = PublicKey::FromRaw(Unhex(v.public_key), &error);
    ASSERT_TRUE(pub.has_value()) << error;
    EXPECT_TRUE(pub->Verify(message, Unhex(v.signature)));
    EXPECT_FALSE(pub->Verify(message + "x", Unhex(v.signature)));
  }
}

TEST(EvidenceSigningTest, RawConstructorsCheckTheLength) {
  std::string error;
  EXPECT_FALSE(SigningKey::FromRawPrivate(std::string(31, 'a'), &error).has_value());
  EXPECT_EQ(error, "signing key: expected 32 raw Ed25519 bytes, got 31");
  EXPECT_FALSE(PublicKey::FromRaw(std::string(33, 'a'), &error).has_value());
  EXPECT_EQ(error, "public key: expected 32 raw Ed25519 bytes, got 33");
  EXPECT_FALSE(PublicKey::FromRaw("", nullptr).has_value());
}

// --------------------------------------------------------- Ids and PEM

TEST(EvidenceSigningTest, KeyIdIsTheSha256OfTheRawPublicKey) {
  SigningKey key = MustGenerate();
  PublicKey pub = key.Public();
  EXPECT_EQ(pub.KeyId(), common::Sha256Hex(pub.Raw()));
  EXPECT_EQ(pub.KeyId().size(), 64u);
  // Known answer for the RFC 8032 TEST 1 key (SHA-256 computed independently).
  std::optional<PublicKey> rfc = PublicKey::FromRaw(Unhex(kRfc8032[0].public_key), nullptr);
  ASSERT_TRUE(rfc.has_value());
  EXPECT_EQ(rfc->KeyId(), "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");
}

TEST(EvidenceSigningTest, PseudonymKeyIsHmacOfTheLabelKeyedByThePrivateKey) {
  std::optional<SigningKey> key = SigningKey::FromRawPrivate(Unhex(kRfc8032[0].secret), nullptr);
  ASSERT_TRUE(key.has_value());
  // HMAC-SHA256(key = the 32 raw private bytes, "stagegate personal-data
  // pseudonym v1"), computed independently.
  EXPECT_EQ(common::HexEncode(key->PseudonymKey()), "ef9f9a8dbc347ef3e6dd85956a777760f1d2e1b4a4e351bc48ae3baf188d5189");
  SigningKey other = MustGenerate();
  EXPECT_EQ(other.PseudonymKey().size(), 32u);
  EXPECT_NE(other.PseudonymKey(), key->PseudonymKey());
  // The same key read back from PEM gives the same pseudonyms.
  std::optional<SigningKey> reloaded = SigningKey::FromPem(other.PrivatePem(), nullptr);
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_EQ(reloaded->PseudonymKey(), other.PseudonymKey());
}

TEST(EvidenceSigningTest, PemRoundTrip) {
  SigningKey key = MustGenerate();
  std::string private_pem = key.PrivatePem();
  EXPECT_THAT(private_pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_EQ(private_pem.back(), '\n');
  std::string public_pem = key.Public().Pem();
  EXPECT_THAT(public_pem, StartsWith("-----BEGIN PUBLIC KEY-----\n"));
  EXPECT_EQ(public_pem.back(), '\n');

  std::string error;
  std::optional<SigningKey> reloaded = SigningKey::FromPem(private_pem, &error);
  ASSERT_TRUE(reloaded.has_value()) << error;
  EXPECT_EQ(reloaded->Public().Raw(), key.Public().Raw());
  EXPECT_EQ(reloaded->PrivatePem(), private_pem);
  std::optional<PublicKey> pub = PublicKey::FromPem(public_pem, &error);
  ASSERT_TRUE(pub.has_value()) << error;
  EXPECT_EQ(pub->Raw(), key.Public().Raw());
  EXPECT_EQ(pub->Pem(), public_pem);
  EXPECT_TRUE(pub->Verify("x", reloaded->Sign("x")));
}

TEST(EvidenceSigningTest, KeysOfOtherAlgorithmsAreRefused) {
  for (const char* algorithm : {"RSA", "EC"}) {
    SCOPED_TRACE(algorithm);
    std::string error;
    for (PemKind kind : {PemKind::kPkcs8, PemKind::kTraditional}) {
      EXPECT_FALSE(SigningKey::FromPem(OtherAlgorithmPem(algorithm, kind), &error).has_value());
      EXPECT_EQ(error, std::string("signing key: not an Ed25519 key; ") + kKeysInitHint);
    }
    EXPECT_FALSE(PublicKey::FromPem(OtherAlgorithmPem(algorithm, PemKind::kPublic), &error).has_value());
    EXPECT_EQ(error, std::string("public key: not an Ed25519 key; ") + kKeysInitHint);

    ScratchDir dir;
    fs::path path = dir.path() / "signing.key";
    WriteFile(path, OtherAlgorithmPem(algorithm, PemKind::kPkcs8));
    EXPECT_FALSE(SigningKey::LoadFile(path.string(), &error).has_value());
    EXPECT_EQ(error, path.string() + ": not an Ed25519 key; " + kKeysInitHint);
    fs::path pub_path = dir.path() / "signing.pub";
    WriteFile(pub_path, OtherAlgorithmPem(algorithm, PemKind::kPublic));
    EXPECT_FALSE(PublicKey::LoadFile(pub_path.string(), &error).has_value());
    EXPECT_EQ(error, pub_path.string() + ": not an Ed25519 key; " + kKeysInitHint);
  }
}

TEST(EvidenceSigningTest, LoadFileErrorsNameTheFileAndWhatToDo) {
  ScratchDir dir;
  std::string error;

  std::string missing = (dir.path() / "absent.key").string();
  EXPECT_FALSE(SigningKey::LoadFile(missing, &error).has_value());
  EXPECT_EQ(error, missing + ": no such file; " + kKeysInitHint + ", or give the path of an existing key");
  EXPECT_FALSE(PublicKey::LoadFile(missing, &error).has_value());
  EXPECT_THAT(error, StartsWith(missing + ": no such file;"));

  fs::path garbage = dir.path() / "garbage.key";
  WriteFile(garbage, "this is not a key\n");
  EXPECT_FALSE(SigningKey::LoadFile(garbage.string(), &error).has_value());
  EXPECT_EQ(error, garbage.string() + ": not a PEM file (no '-----BEGIN PRIVATE KEY-----' line); " + kKeysInitHint);
  EXPECT_FALSE(PublicKey::LoadFile(garbage.string(), &error).has_value());
  EXPECT_THAT(error, StartsWith(garbage.string() + ": not a PEM file"));

  fs::path broken = dir.path() / "broken.key";
  WriteFile(broken, "-----BEGIN PRIVATE KEY-----\nAAAA!!!!\n-----END PRIVATE KEY-----\n");
  EXPECT_FALSE(SigningKey::LoadFile(broken.string(), &error).has_value());
  EXPECT_THAT(error, StartsWith(broken.string() + ": cannot read the PEM private key ("));
  EXPECT_THAT(error, HasSubstr(kKeysInitHint));

  fs::path empty = dir.path() / "empty.key";
  WriteFile(empty, "");
  EXPECT_FALSE(SigningKey::LoadFile(empty.string(), &error).has_value());
  EXPECT_THAT(error, StartsWith(empty.string() + ": not a PEM file"));

  EXPECT_FALSE(SigningKey::LoadFile(dir.path().string(), &error).has_value());
  EXPECT_EQ(error, dir.path().string() + ": is a directory; give the key file itself (for example DIR/signing.key)");

  // The two halves of a pair swapped.
  SigningKey key = MustGenerate();
  fs::path pub = dir.path() / "signing.pub";
  WriteFile(pub, key.Public().Pem());
  EXPECT_FALSE(SigningKey::LoadFile(pub.string(), &error).has_value());
  EXPECT_THAT(error, StartsWith(pub.string() + ": holds a public key, but signing needs the private key"));
  fs::path priv = dir.path() / "signing.key";
  WriteFile(priv, key.PrivatePem());
  EXPECT_FALSE(PublicKey::LoadFile(priv.string(), &error).has_value());
  EXPECT_EQ(error, priv.string() + ": holds a private key; give the public key (signing.pub) instead");

  // An encrypted key is refused without prompting for a passphrase.
  fs::path encrypted = dir.path() / "encrypted.key";
  WriteFile(encrypted, EncryptedPem(key));
  EXPECT_FALSE(SigningKey::LoadFile(encrypted.string(), &error).has_value());
  EXPECT_THAT(error, StartsWith(encrypted.string() + ": the private key is encrypted with a passphrase;"));

  fs::path huge = dir.path() / "huge.key";
  WriteFile(huge, std::string(100000, 'A'));
  EXPECT_FALSE(SigningKey::LoadFile(huge.string(), &error).has_value());
  EXPECT_EQ(error, huge.string() + ": too large to be a PEM key file (100000 bytes)");

  EXPECT_FALSE(SigningKey::FromPem("garbage", &error).has_value());
  EXPECT_THAT(error, StartsWith("signing key: not a PEM file"));
  EXPECT_FALSE(SigningKey::FromPem("garbage", nullptr).has_value());
}

// ---------------------------------------------------------- WriteKeyPair

TEST(EvidenceSigningTest, WriteKeyPairCreatesAPrivateKeyOnlyItsOwnerCanRead) {
  for (mode_t umask_value : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    SCOPED_TRACE(testing::Message() << "umask " << std::oct << umask_value);
    ScratchDir dir;
    fs::path keys = dir.path() / "nested" / "keys";
    SigningKey key = MustGenerate();
    mode_t previous = ::umask(umask_value);
    std::string error;
    bool written = WriteKeyPair(key, keys.string(), &error);
    ::umask(previous);
    ASSERT_TRUE(written) << error;
    EXPECT_EQ(Mode(keys / "signing.key"), 0600);
    EXPECT_EQ(Mode(keys / "signing.pub"), 0644);

    std::optional<SigningKey> loaded = SigningKey::LoadFile((keys / "signing.key").string(), &error);
    ASSERT_TRUE(loaded.has_value()) << error;
    EXPECT_EQ(loaded->Public().Raw(), key.Public().Raw());
    std::optional<PublicKey> pub = PublicKey::LoadFile((keys / "signing.pub").string(), &error);
    ASSERT_TRUE(pub.has_value()) << error;
    EXPECT_EQ(pub->KeyId(), key.Public().KeyId());
    EXPECT_TRUE(pub->Verify("m", loaded->Sign("m")));
  }
}

TEST(EvidenceSigningTest, WriteKeyPairRefusesToOverwrite) {
  ScratchDir dir;
  std::string error;
  SigningKey first = MustGenerate();
  ASSERT_TRUE(WriteKeyPair(first, dir.path().string(), &error)) << error;
  std::string key_before = ReadFile(dir.path() / "signing.key");
  std::string pub_before = ReadFile(dir.path() / "signing.pub");

  SigningKey second = MustGenerate();
  EXPECT_FALSE(WriteKeyPair(second, dir.path().string(), &error));
  std::string key_path = (dir.path() / "signing.key").string();
  EXPECT_EQ(error, key_path + ": already exists; refusing to overwrite it (move it away or choose another --out DIR)");
  EXPECT_EQ(ReadFile(dir.path() / "signing.key"), key_before);
  EXPECT_EQ(ReadFile(dir.path() / "signing.pub"), pub_before);

  // Only the public half present: still refused, and no private key left.
  ScratchDir other;
  WriteFile(other.path() / "signing.pub", "existing");
  EXPECT_FALSE(WriteKeyPair(second, other.path().string(), &error));
  EXPECT_THAT(error, StartsWith((other.path() / "signing.pub").string() + ": already exists;"));
  EXPECT_FALSE(fs::exists(other.path() / "signing.key"));
  EXPECT_EQ(ReadFile(other.path() / "signing.pub"), "existing");

  // A dangling link where the key would go counts as existing.
  ScratchDir linked;
  fs::create_symlink(linked.path() / "elsewhere", linked.path() / "signing.key");
  EXPECT_FALSE(WriteKeyPair(second, linked.path().string(), &error));
  EXPECT_THAT(error, HasSubstr("already exists"));
  EXPECT_FALSE(fs::exists(linked.path() / "elsewhere"));
}

TEST(EvidenceSigningTest, WriteKeyPairReportsADirectoryItCannotCreate) {
  ScratchDir dir;
  fs::path file = dir.path() / "plain-file";
  WriteFile(file, "x");
  std::string error;
  EXPECT_FALSE(WriteKeyPair(MustGenerate(), (file / "keys").string(), &error));
  EXPECT_THAT(error, StartsWith((file / "keys").string() + ": cannot create the directory ("));
  EXPECT_FALSE(WriteKeyPair(MustGenerate(), "", &error));
  EXPECT_EQ(error, "keys directory: empty path; give --out DIR");
}

}  // namespace
}  // namespace stagegate::evidence
