#include "evaluators/devices/trust_simulator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "engine/common/digest.h"
#include "engine/common/encoding.h"

namespace stagegate::devices {
namespace {

constexpr int64_t kDay = 86400;
constexpr const char* kVendorKeyId = "vendor-2024";
constexpr const char* kOrganization = "Acme Fleet";

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

void Require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL could not ") + what);
}

Key MakeKey(const char* type) {
  EVP_PKEY* key = std::string_view(type) == "RSA-1024" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024})
                  : std::string_view(type) == "ED25519" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  Require(key != nullptr, "generate a key");
  return Key(key);
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  Require(extension != nullptr && X509_add_ext(cert, extension, -1) == 1, "add a certificate extension");
  X509_EXTENSION_free(extension);
}

struct CertificateRequest {
  std::string common_name;
  long serial = 1;
  int64_t not_before_s = 0, not_after_s = 0;  // Unix seconds
  bool ca = false;
  std::string subject_alt_names;  // "URI:urn:acme:device:dev-0001"; empty for none
};

// Issues a certificate for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
Cert Issue(const CertificateRequest& request, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  Require(cert != nullptr, "allocate a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), request.serial);
  Require(ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(request.not_before_s)) != nullptr &&
              ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(request.not_after_s)) != nullptr,
          "set a validity period");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(kOrganization), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (request.ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    AddExtension(cert.get(), signer, NID_ext_key_usage, "clientAuth");
  }
  if (!request.subject_alt_names.empty()) {
    AddExtension(cert.get(), signer, NID_subject_alt_name, request.subject_alt_names);
  }
  Require(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "sign a certificate");
  return cert;
}

template <typename Write>
std::string ToPem(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  Require(bio != nullptr && write(bio) == 1, "write PEM");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  return text;
}

std::string CertificatePem(X509* cert) {
  return ToPem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}
std::string PublicKeyPem(EVP_PKEY* key) {
  return ToPem([key](BIO* bio) { return PEM_write_bio_PUBKEY(bio, key); });
}

// A CRL of `issuer` listing `serials`, current from a day before `now_s` for a week after.
std::string CrlPem(X509* issuer, EVP_PKEY* issuer_key, const std::vector<long>& serials, int64_t now_s) {
  X509_CRL* crl = X509_CRL_new();
  Require(crl != nullptr, "allocate a CRL");
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<time_t>(now_s - kDay));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<time_t>(now_s + 7 * kDay));
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
  const bool signed_ok = X509_CRL_sign(crl, issuer_key, EVP_sha256()) > 0;
  std::string pem = signed_ok ? ToPem([crl](BIO* bio) { return PEM_write_bio_X509_CRL(bio, crl); }) : std::string();
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  Require(signed_ok, "sign the CRL");
  return pem;
}

// Pure Ed25519, or the key's scheme with SHA-256 (ECDSA P-256 in DER, RSA PKCS#1 v1.5).
std::string Sign(EVP_PKEY* key, std::string_view message) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const EVP_MD* digest = EVP_PKEY_is_a(key, "ED25519") ? nullptr : EVP_sha256();
  size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
  bool ok = context != nullptr && EVP_DigestSignInit(context, nullptr, digest, nullptr, key) == 1 &&
            EVP_DigestSign(context, nullptr, &length, bytes, message.size()) == 1;
  std::string signature(length, '\0');
  ok = ok && EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length, bytes,
                            message.size()) == 1;
  EVP_MD_CTX_free(context);
  Require(ok, "sign");
  signature.resize(length);
  return signature;
}

std::string RawSha256(std::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

void WriteFile(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out.flush()) throw std::runtime_error(path.string() + ": cannot write the file");
}

// Indents every line of `text` by `spaces` (PEM blocks inside YAML block scalars).
std::string Indent(std::string_view text, int spaces) {
  std::string out;
  const std::string pad(static_cast<size_t>(spaces), ' ');
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    out += pad;
    out.append(text.substr(start, end - start));
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string Rfc3339(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

// The components each firmware version ships; 2.3.1 still carries an OpenSSL
// with a known critical CVE, as old firmware in the field does.
std::string ComponentsYaml(const std::string& version, bool extra_vulnerable) {
  std::string components = version == "2.3.1" ? "{name: openssl, version: 1.1.1k}" : "{name: openssl, version: 3.0.13}";
  components += ", {name: mosquitto-client, version: 2.0.18}";
  if (extra_vulnerable) components += ", {name: busybox, version: 1.33.0}";
  return "[" + components + "]";
}

}  // namespace

struct TrustSimulator::State {
  TrustSimulatorOptions options;
  std::filesystem::path out;
  std::mt19937_64 random;
  Key root_key, ca_key, vendor_key;
  Cert root, ca;
  std::map<std::string, std::string> firmware_signatures;  // version → base64 signature
  std::map<std::string, std::string> firmware_pcr0;        // version → hex measurement
  std::vector<long> revoked_serials;
  std::map<std::string, std::string> acl_by_site;           // site → ACL file text
  std::map<std::string, std::set<std::string>> zones_by_site;
  nlohmann::json fault_log = nlohmann::json::array();
  long next_serial = 100;
};

TrustSimulator::TrustSimulator(std::unique_ptr<State> state) : state_(std::move(state)) {}
TrustSimulator::~TrustSimulator() = default;

int TrustSimulator::faults() const { return static_cast<int>(state_->fault_log.size()); }

std::unique_ptr<TrustSimulator> TrustSimulator::Create(const TrustSimulatorOptions& options,
                                                       const std::string& out_dir, std::string* error) {
  try {
    auto state = std::make_unique<State>();
    state->options = options;
    state->out = out_dir;
    state->random.seed(options.seed ^ 0x7a5f'c0de'0000'0001ULL);
    const int64_t now = options.now_s;
    state->root_key = MakeKey("P-256");
    state->root = Issue({.common_name = "Acme Root CA", .serial = 1, .not_before_s = now - 730 * kDay,
                         .not_after_s = now + 3650 * kDay, .ca = true, .subject_alt_names = {}},
                        state->root_key.get(), nullptr, nullptr);
    state->ca_key = MakeKey("P-256");
    state->ca = Issue({.common_name = "Acme Device CA", .serial = 2, .not_before_s = now - 700 * kDay,
                       .not_after_s = now + 1825 * kDay, .ca = true, .subject_alt_names = {}},
                      state->ca_key.get(), state->root.get(), state->root_key.get());
    state->vendor_key = MakeKey("ED25519");
    WriteFile(state->out / "pki" / "device-ca.pem", CertificatePem(state->ca.get()));
    // One image per firmware version the fleet simulator assigns: bytes from
    // the seed, signed over their SHA-256 like a vendor's release.
    for (const char* version : {"2.3.1", "2.4.0", "2.4.1", "3.0.0-rc1"}) {
      std::mt19937_64 bytes_random(options.seed + std::hash<std::string>{}(version));
      std::string image(64 * 1024, '\0');
      for (char& byte : image) byte = static_cast<char>(bytes_random() & 0xff);
      WriteFile(state->out / "fw" / (std::string(version) + ".bin"), image);
      const std::string digest = RawSha256(image);
      state->firmware_signatures[version] = common::Base64Encode(Sign(state->vendor_key.get(), digest));
      state->firmware_pcr0[version] = common::HexEncode(digest);
    }
    return std::unique_ptr<TrustSimulator>(new TrustSimulator(std::move(state)));
  } catch (const std::exception& e) {
    *error = fmt::format("{}: the simulated PKI could not be made: {}", out_dir, e.what());
    return nullptr;
  }
}

std::string TrustSimulator::RecordFields(const SimulatedDeviceIdentity& device) {
  State& s = *state_;
  const int64_t now = s.options.now_s;
  std::string fault;
  if (std::uniform_real_distribution<double>(0, 1)(s.random) < s.options.faulty_share) {
    constexpr size_t kinds = std::size(kTrustFaultKinds);
    fault = kTrustFaultKinds[std::uniform_int_distribution<size_t>(0, kinds - 1)(s.random)];
    s.fault_log.push_back({{"device", device.id}, {"fault", fault}});
  }
  // Certificates are renewed on a rolling schedule: expiries spread over the coming year.
  const int64_t lifetime_left = std::uniform_int_distribution<int64_t>(45, 400)(s.random) * kDay;
  CertificateRequest request{.common_name = device.id,
                             .serial = s.next_serial++,
                             .not_before_s = now - 365 * kDay + lifetime_left - 30 * kDay,
                             .not_after_s = now + lifetime_left,
                             .ca = false,
                             .subject_alt_names = "URI:urn:acme:device:" + device.id};
  if (fault == "cert_expired") request.not_after_s = now - 3 * kDay;
  if (fault == "cert_expiring") request.not_after_s = now + 9 * kDay + 3600;
  if (fault == "cert_not_bound") {
    request.common_name = "sensor-node";
    request.subject_alt_names.clear();
  }
  if (fault == "cert_revoked") s.revoked_serials.push_back(request.serial);
  Key key = MakeKey(fault == "cert_weak_key" ? "RSA-1024" : "P-256");
  Cert cert = Issue(request, key.get(), s.ca.get(), s.ca_key.get());
  WriteFile(s.out / "pki" / (device.id + ".pem"), CertificatePem(cert.get()));

  // The latest attestation report, signed with the device's key.
  const std::string& pcr0 = s.firmware_pcr0.count(device.firmware_version) != 0
                                ? s.firmware_pcr0[device.firmware_version]
                                : s.firmware_pcr0["2.4.1"];
  nlohmann::ordered_json report = {
      {"device", device.id},
      {"time", Rfc3339(now - (fault == "attestation_stale" ? 10 * kDay : 2 * 3600))},
      {"firmware_version", device.firmware_version},
      {"key_storage", fault == "software_key" ? "software" : "tpm"},
      {"pcrs", {{"pcr0", fault == "attestation_pcr_mismatch" ? std::string(64, 'e') : pcr0},
                {"pcr7", common::HexEncode(RawSha256("secure-boot-policy:acme-2024"))}}},
      {"nonce", fmt::format("n-{}-{}", device.id, now)}};
  const std::string payload = report.dump();
  nlohmann::ordered_json envelope = {{"payload", common::Base64Encode(payload)},
                                     {"signature", common::Base64Encode(Sign(key.get(), payload))}};
  WriteFile(s.out / "attest" / (device.id + ".json"), envelope.dump() + "\n");

  const std::string topic_root = fmt::format("fleet/{}/{}", device.site, device.id);
  std::string& acl = s.acl_by_site[device.site];
  acl += fmt::format("user {}\ntopic readwrite {}/#\n", device.id, topic_root);
  if (fault == "acl_overbroad") acl += "topic read fleet/#\n";
  acl += "\n";
  s.zones_by_site[device.site].insert(device.zone);

  const bool firmware_signed = fault != "firmware_unsigned";
  std::string firmware = fmt::format("firmware: {{version: \"{}\", image: fw/{}.bin", device.firmware_version,
                                     device.firmware_version);
  if (firmware_signed) {
    firmware += fmt::format(", key: {}, signature: \"{}\"", kVendorKeyId, s.firmware_signatures[device.firmware_version]);
  }
  firmware += fmt::format(", components: {}}}\n", ComponentsYaml(device.firmware_version, fault == "firmware_vulnerable"));
  const bool weak_tls = fault == "tls_weak";
  return firmware +
         fmt::format("identity: {{certificate: pki/{}.pem, chain: pki/device-ca.pem}}\n"
                     "attestation: {{report: attest/{}.json}}\n"
                     "secure_boot: {}\n"
                     "ota: {{signed: {}, encrypted: true, channel_tls_min: \"1.2\"}}\n"
                     "tls: {{min_version: \"{}\", ciphers: [TLS_AES_128_GCM_SHA256{}]}}\n"
                     "mqtt: {{acl: broker/{}.acl, username: {}, topic_root: {}}}\n",
                     device.id, device.id, fault == "no_secure_boot" ? "false" : "true",
                     fault == "ota_unsigned" ? "false" : "true", weak_tls ? "1.0" : "1.2",
                     weak_tls ? ", TLS_RSA_WITH_3DES_EDE_CBC_SHA" : "", device.site, device.id, topic_root);
}

bool TrustSimulator::Finish(std::string* error) {
  State& s = *state_;
  try {
    for (const auto& [site, acl] : s.acl_by_site) {
      WriteFile(s.out / "broker" / (site + ".acl"),
                fmt::format("# Broker of {}: each device reads and writes below its own subtree.\n\n{}", site, acl));
    }
    // The policy repository's view of the fleet's trust: roots and the device
    // CA's CRL, the vendor's key, the measured boot values, known CVEs.
    std::string trust = fmt::format(
        "# The fleet's trust documents for the policy repository (docs/devices.md).\n"
        "apiVersion: stagegate/v1\nkind: TrustAnchors\nmetadata: {{name: acme-fleet-pki}}\nspec:\n"
        "  certificates:\n    - |\n{}  crls:\n    - |\n{}",
        Indent(CertificatePem(s.root.get()), 6),
        Indent(CrlPem(s.ca.get(), s.ca_key.get(), s.revoked_serials, s.options.now_s), 6));
    trust += fmt::format("---\napiVersion: stagegate/v1\nkind: KeySet\nmetadata: {{name: firmware-vendors}}\nspec:\n"
                         "  keys:\n    - id: {}\n      publicKey: |\n{}",
                         kVendorKeyId, Indent(PublicKeyPem(s.vendor_key.get()), 8));
    trust += "---\napiVersion: stagegate/v1\nkind: FirmwareMeasurements\nmetadata: {name: acme-firmware}\nspec:\n"
             "  versions:\n";
    const std::string pcr7 = common::HexEncode(RawSha256("secure-boot-policy:acme-2024"));
    for (const auto& [version, pcr0] : s.firmware_pcr0) {
      trust += fmt::format("    \"{}\": {{pcr0: {}, pcr7: {}}}\n", version, pcr0, pcr7);
    }
    trust += "---\napiVersion: stagegate/v1\nkind: VulnerabilityList\nmetadata: {name: known-cves}\nspec:\n"
             "  entries:\n"
             "    - {component: openssl, versions: [1.1.1j, 1.1.1k], id: CVE-2021-3711, severity: critical}\n"
             "    - {component: busybox, versions: [1.33.0, 1.33.1], id: CVE-2021-42378, severity: high}\n";
    WriteFile(s.out / "trust.yaml", trust);

    // One zone per (site, zone): level 2 for the first cell of a site, 1 for
    // the others, each with a conduit to its site's first zone. The last site's
    // last zone reaches it over plain Modbus/TCP: the conduit finding to find.
    std::string zones = "# IEC 62443 zones of the fleet (docs/devices.md, Zones); members by the devices' zone field.\n";
    const std::string last_site = s.zones_by_site.empty() ? "" : s.zones_by_site.rbegin()->first;
    bool first_document = true;
    for (const auto& [site, site_zones] : s.zones_by_site) {
      const std::string& hub = *site_zones.begin();
      for (const std::string& zone : site_zones) {
        zones += fmt::format("{}kind: zone\nid: {}\ntitle: {} {}\nsecurity_level_target: {}\n",
                             first_document ? "" : "---\n", zone, site, zone.substr(site.size() + 1),
                             zone == hub ? 2 : 1);
        first_document = false;
        if (zone != hub) {
          const bool weak = site == last_site && zone == *site_zones.rbegin();
          zones += fmt::format("conduits:\n  - {{to: {}, protocols: [{}]}}\n", hub,
                               weak ? "modbus-tcp" : "opcua-signandencrypt, mqtts");
          if (weak) s.fault_log.push_back({{"zone", zone}, {"fault", "conduit_unprotected"}});
        }
      }
    }
    WriteFile(s.out / "zones.yaml", zones);
    WriteFile(s.out / "trust-faults.json", s.fault_log.dump(2) + "\n");
    return true;
  } catch (const std::exception& e) {
    *error = fmt::format("{}: {}", s.out.string(), e.what());
    return false;
  }
}

}  // namespace stagegate::devices
