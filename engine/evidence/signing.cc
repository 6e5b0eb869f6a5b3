#include "engine/evidence/signing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>
#include <system_error>
#include <vector>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "engine/common/digest.h"

namespace stagegate::evidence {
namespace {

constexpr size_t kRawKeySize = 32;
constexpr size_t kSignatureSize = 64;
// A PEM Ed25519 key is about 120 bytes; anything much larger is not a key
// file, and reading it whole would only waste memory.
constexpr off_t kMaxKeyFileSize = 64 * 1024;
constexpr char kKeysInitHint[] = "create one with 'stagegate keys init --out DIR'";
constexpr char kPseudonymLabel[] = "stagegate personal-data pseudonym v1";

EVP_PKEY* Get(const std::shared_ptr<void>& key) { return static_cast<EVP_PKEY*>(key.get()); }

std::shared_ptr<void> Own(EVP_PKEY* key) {
  return std::shared_ptr<void>(key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

const unsigned char* Bytes(std::string_view s) {
  // OpenSSL may reject a null pointer even with a zero length.
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

void SetError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

// Returns the reason of the oldest queued OpenSSL error and clears the queue
// (errors left behind would be reported by an unrelated later call).
std::string TakeOpenSslError() {
  unsigned long code = ERR_get_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : "error " + std::to_string(code);
  } else {
    reason = "unknown error";
  }
  ERR_clear_error();
  return reason;
}

std::string ErrnoMessage(int error_number) { return std::generic_category().message(error_number); }

bool IsEd25519(EVP_PKEY* key) { return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519; }

// Refuses to prompt for a passphrase on the terminal: keys are unencrypted.
int NoPassphrase(char*, int, int, void*) { return -1; }

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr ReadBio(std::string_view text) {
  if (text.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The contents of a memory BIO; the BIO is freed by the caller.
std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(size));
}

bool HasPemHeader(std::string_view text, std::string_view label) {
  std::string header = "-----BEGIN ";
  header += label;
  header += "-----";
  return text.find(header) != std::string_view::npos;
}

// `source` names where the text came from (a path, or "signing key").
std::shared_ptr<void> ParsePrivatePem(std::string_view pem, const std::string& source, std::string* error) {
  if (pem.find("-----BEGIN ") == std::string_view::npos) {
    SetError(error, source + ": not a PEM file (no '-----BEGIN PRIVATE KEY-----' line); " + kKeysInitHint);
    return nullptr;
  }
  if (HasPemHeader(pem, "ENCRYPTED PRIVATE KEY")) {
    SetError(error, source + ": the private key is encrypted with a passphrase; stagegate needs an unencrypted " +
                        "PKCS#8 key; " + kKeysInitHint);
    return nullptr;
  }
  if (HasPemHeader(pem, "PUBLIC KEY") && pem.find("PRIVATE KEY-----") == std::string_view::npos) {
    SetError(error, source + ": holds a public key, but signing needs the private key (signing.key); " + kKeysInitHint);
    return nullptr;
  }
  BioPtr bio = ReadBio(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr;
  if (key == nullptr) {
    SetError(error, source + ": cannot read the PEM private key (" + TakeOpenSslError() + "); " + kKeysInitHint);
    return nullptr;
  }
  std::shared_ptr<void> owned = Own(key);
  if (!IsEd25519(key)) {
    SetError(error, source + ": not an Ed25519 key; " + kKeysInitHint);
    return nullptr;
  }
  return owned;
}

std::shared_ptr<void> ParsePublicPem(std::string_view pem, const std::string& source, std::string* error) {
  if (pem.find("-----BEGIN ") == std::string_view::npos) {
    SetError(error, source + ": not a PEM file (no '-----BEGIN PUBLIC KEY-----' line); expected the public key " +
                        "(signing.pub) that 'stagegate keys init --out DIR' writes");
    return nullptr;
  }
  if (!HasPemHeader(pem, "PUBLIC KEY") && pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    SetError(error, source + ": holds a private key; give the public key (signing.pub) instead");
    return nullptr;
  }
  BioPtr bio = ReadBio(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr;
  if (key == nullptr) {
    SetError(error, source + ": cannot read the PEM public key (" + TakeOpenSslError() +
                        "); expected the public key (signing.pub) that 'stagegate keys init --out DIR' writes");
    return nullptr;
  }
  std::shared_ptr<void> owned = Own(key);
  if (!IsEd25519(key)) {
    SetError(error, source + ": not an Ed25519 key; " + kKeysInitHint);
    return nullptr;
  }
  return owned;
}

// Reads a key file whole. Errors name the path and what to do.
bool ReadKeyFile(const std::string& path, std::string* text, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    if (saved == ENOENT) {
      SetError(error, path + ": no such file; " + kKeysInitHint + ", or give the path of an existing key");
    } else if (saved == EACCES) {
      SetError(error, path + ": cannot read the key file (" + ErrnoMessage(saved) +
                          "); check its permissions or run as its owner");
    } else {
      SetError(error, path + ": cannot open the key file (" + ErrnoMessage(saved) + ")");
    }
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    SetError(error, path + ": cannot read the key file (" + ErrnoMessage(saved) + ")");
    return false;
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    SetError(error, path + ": is a directory; give the key file itself (for example DIR/signing.key)");
    return false;
  }
  if (info.st_size > kMaxKeyFileSize) {
    ::close(fd);
    SetError(error, path + ": too large to be a PEM key file (" + std::to_string(info.st_size) + " bytes)");
    return false;
  }
  text->clear();
  char buffer[4096];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int saved = errno;
      ::close(fd);
      OPENSSL_cleanse(buffer, sizeof buffer);
      SetError(error, path + ": cannot read the key file (" + ErrnoMessage(saved) + ")");
      return false;
    }
    if (got == 0) break;
    text->append(buffer, static_cast<size_t>(got));
    if (text->size() > static_cast<size_t>(kMaxKeyFileSize)) {
      ::close(fd);
      OPENSSL_cleanse(buffer, sizeof buffer);
      SetError(error, path + ": too large to be a PEM key file");
      return false;
    }
  }
  ::close(fd);
  OPENSSL_cleanse(buffer, sizeof buffer);
  return true;
}

void Cleanse(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

// Creates `path` exclusively with `mode` (whatever the umask), writes
// `content` whole and flushes it to disk. `*created` says whether the file
// now exists because of this call (so that the caller can remove it).
bool WriteNewFile(const std::string& path, std::string_view content, mode_t mode, bool* created, std::string* error) {
  *created = false;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    int saved = errno;
    if (saved == EEXIST) {
      SetError(error, path + ": already exists; refusing to overwrite it (move it away or choose another --out DIR)");
    } else {
      SetError(error, path + ": cannot create the file (" + ErrnoMessage(saved) + ")");
    }
    return false;
  }
  *created = true;
  auto fail = [&](const char* what) {
    int saved = errno;
    ::close(fd);
    SetError(error, path + ": cannot " + what + " (" + ErrnoMessage(saved) + ")");
    return false;
  };
  if (::fchmod(fd, mode) != 0) return fail("set the file mode");
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write the file");
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("flush the file to disk");
  if (::close(fd) != 0) {
    int saved = errno;
    SetError(error, path + ": cannot close the file (" + ErrnoMessage(saved) + ")");
    return false;
  }
  return true;
}

bool SyncDirectory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// ---------------------------------------------------------------- PublicKey

std::optional<PublicKey> PublicKey::FromPem(std::string_view pem, std::string* error) {
  std::shared_ptr<void> key = ParsePublicPem(pem, "public key", error);
  if (!key) return std::nullopt;
  PublicKey result;
  result.key_ = std::move(key);
  return result;
}

std::optional<PublicKey> PublicKey::LoadFile(const std::string& path, std::string* error) {
  std::string text;
  if (!ReadKeyFile(path, &text, error)) return std::nullopt;
  std::shared_ptr<void> key = ParsePublicPem(text, path, error);
  if (!key) return std::nullopt;
  PublicKey result;
  result.key_ = std::move(key);
  return result;
}

std::optional<PublicKey> PublicKey::FromRaw(std::string_view raw32, std::string* error) {
  if (raw32.size() != kRawKeySize) {
    SetError(error, "public key: expected 32 raw Ed25519 bytes, got " + std::to_string(raw32.size()));
    return std::nullopt;
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(raw32), raw32.size());
  if (key == nullptr) {
    SetError(error, "public key: not a valid Ed25519 key (" + TakeOpenSslError() + ")");
    return std::nullopt;
  }
  PublicKey result;
  result.key_ = Own(key);
  return result;
}

bool PublicKey::Verify(std::string_view message, std::string_view signature) const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr || signature.size() != kSignatureSize) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, Bytes(signature), signature.size(), Bytes(message), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) ERR_clear_error();
  return ok;
}

std::string PublicKey::Raw() const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return "";
  std::string raw(kRawKeySize, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length) != 1 ||
      length != kRawKeySize) {
    ERR_clear_error();
    return "";
  }
  return raw;
}

std::string PublicKey::Pem() const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

std::string PublicKey::KeyId() const {
  std::string raw = Raw();
  if (raw.empty()) return "";
  return common::Sha256Hex(raw);
}

// --------------------------------------------------------------- SigningKey

std::optional<SigningKey> SigningKey::Generate(std::string* error) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) {
    SetError(error, "cannot generate an Ed25519 key (" + TakeOpenSslError() + ")");
    return std::nullopt;
  }
  SigningKey result;
  result.key_ = Own(key);
  return result;
}

std::optional<SigningKey> SigningKey::FromPem(std::string_view pem, std::string* error) {
  std::shared_ptr<void> key = ParsePrivatePem(pem, "signing key", error);
  if (!key) return std::nullopt;
  SigningKey result;
  result.key_ = std::move(key);
  return result;
}

std::optional<SigningKey> SigningKey::LoadFile(const std::string& path, std::string* error) {
  std::string text;
  bool loaded = ReadKeyFile(path, &text, error);
  std::shared_ptr<void> key = loaded ? ParsePrivatePem(text, path, error) : nullptr;
  Cleanse(text);
  if (!key) return std::nullopt;
  SigningKey result;
  result.key_ = std::move(key);
  return result;
}

std::optional<SigningKey> SigningKey::FromRawPrivate(std::string_view raw32, std::string* error) {
  if (raw32.size() != kRawKeySize) {
    SetError(error, "signing key: expected 32 raw Ed25519 bytes, got " + std::to_string(raw32.size()));
    return std::nullopt;
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(raw32), raw32.size());
  if (key == nullptr) {
    SetError(error, "signing key: not a valid Ed25519 key (" + TakeOpenSslError() + ")");
    return std::nullopt;
  }
  SigningKey result;
  result.key_ = Own(key);
  return result;
}

std::string SigningKey::Sign(std::string_view message) const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return "";
  std::string signature(kSignatureSize, '\0');
  size_t length = signature.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length, Bytes(message),
                           message.size()) == 1 &&
            length == kSignatureSize;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return "";
  }
  return signature;
}

PublicKey SigningKey::Public() const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return PublicKey();
  unsigned char raw[kRawKeySize];
  size_t length = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != kRawKeySize) {
    ERR_clear_error();
    return PublicKey();
  }
  std::optional<PublicKey> pub =
      PublicKey::FromRaw(std::string_view(reinterpret_cast<const char*>(raw), length), nullptr);
  return pub ? *pub : PublicKey();
}

std::string SigningKey::KeyId() const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return "";
  unsigned char raw[kRawKeySize];
  size_t length = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != kRawKeySize) {
    ERR_clear_error();
    return "";
  }
  return common::Sha256Hex(std::string_view(reinterpret_cast<const char*>(raw), length));
}

std::string SigningKey::PrivatePem() const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return "";
  // Secure memory: the BIO's buffer is wiped when it is freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

std::string SigningKey::PseudonymKey() const {
  EVP_PKEY* key = Get(key_);
  if (key == nullptr) return "";
  unsigned char raw[kRawKeySize];
  size_t raw_length = sizeof raw;
  if (EVP_PKEY_get_raw_private_key(key, raw, &raw_length) != 1 || raw_length != kRawKeySize) {
    ERR_clear_error();
    return "";
  }
  std::string out(32, '\0');
  size_t out_length = 0;
  const unsigned char* mac =
      EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, raw, raw_length,
                reinterpret_cast<const unsigned char*>(kPseudonymLabel), sizeof kPseudonymLabel - 1,
                reinterpret_cast<unsigned char*>(out.data()), out.size(), &out_length);
  OPENSSL_cleanse(raw, sizeof raw);
  if (mac == nullptr || out_length != out.size()) {
    ERR_clear_error();
    return "";
  }
  return out;
}

// ------------------------------------------------------------- WriteKeyPair

bool WriteKeyPair(const SigningKey& key, const std::string& directory, std::string* error) {
  namespace fs = std::filesystem;
  if (directory.empty()) {
    SetError(error, "keys directory: empty path; give --out DIR");
    return false;
  }
  std::string private_pem = key.PrivatePem();
  std::string public_pem = key.Public().Pem();
  if (private_pem.empty() || public_pem.empty()) {
    Cleanse(private_pem);
    SetError(error, "cannot encode the key pair as PEM (" + TakeOpenSslError() + ")");
    return false;
  }
  const fs::path dir(directory);
  const std::string key_path = (dir / "signing.key").string();
  const std::string pub_path = (dir / "signing.pub").string();

  // Refuse before touching anything when either file exists (even as a
  // dangling link); O_EXCL below closes the race with a concurrent writer.
  for (const std::string& path : {key_path, pub_path}) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
      Cleanse(private_pem);
      SetError(error, path + ": already exists; refusing to overwrite it (move it away or choose another --out DIR)");
      return false;
    }
  }

  // The directories this call creates, outermost first, to remove on failure.
  std::vector<fs::path> created_directories;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(fs::symlink_status(p, ec)); p = p.parent_path()) {
    created_directories.insert(created_directories.begin(), p);
    if (p == p.parent_path()) break;
  }
  ec.clear();
  fs::create_directories(dir, ec);
  if (ec) {
    Cleanse(private_pem);
    SetError(error, directory + ": cannot create the directory (" + ec.message() + ")");
    for (auto it = created_directories.rbegin(); it != created_directories.rend(); ++it) fs::remove(*it, ec);
    return false;
  }

  bool key_created = false;
  bool pub_created = false;
  bool ok = WriteNewFile(key_path, private_pem, 0600, &key_created, error) &&
            WriteNewFile(pub_path, public_pem, 0644, &pub_created, error);
  Cleanse(private_pem);
  if (ok && !SyncDirectory(directory)) {
    int saved = errno;
    SetError(error, directory + ": cannot flush the directory to disk (" + ErrnoMessage(saved) + ")");
    ok = false;
  }
  if (!ok) {
    // No half-written key pair stays behind.
    if (pub_created) ::unlink(pub_path.c_str());
    if (key_created) ::unlink(key_path.c_str());
    for (auto it = created_directories.rbegin(); it != created_directories.rend(); ++it) fs::remove(*it, ec);
    return false;
  }
  return true;
}

}  // namespace stagegate::evidence
