#include "evaluators/devices/device_trust.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "engine/common/digest.h"
#include "engine/common/encoding.h"
#include "evaluators/devices/mqtt_acl.h"
#include "evaluators/devices/x509_identity.h"

namespace stagegate::devices {

using facts::FactDef;
using facts::FactOrigin;
using facts::SubjectKind;
using subjects::ComputedFact;

namespace {

// Substrings (compared case-insensitively) that make a cipher suite weak:
// no encryption or no authentication, broken ciphers and MACs, export
// grades, and CBC suites with an HMAC-SHA1 (Lucky13 and BEAST on TLS 1.0).
constexpr std::string_view kWeakCipherMarkers[] = {
    "NULL", "RC4", "RC2", "DES", "IDEA", "EXPORT", "EXP-", "EXP1024", "MD5", "ANON", "ADH-", "AECDH-", "PSK-NULL",
};

// Where attestation reports and firmware images are read from: at most this
// many bytes each, so that a mistaken path (a disk image) cannot exhaust memory.
constexpr std::uintmax_t kMaxArtifactBytes = std::uintmax_t{1} << 30;

// The prefixes the device providers serve (docs/devices.md lists each fact).
constexpr std::string_view kProvidedGroups[] = {
    "identity.cert",           "identity.hardware_backed", "attestation",       "firmware.sha256",
    "firmware.signature_valid", "firmware.known_vulnerable", "firmware.vulnerabilities", "tls.ciphers_weak",
    "acl",
};

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

bool IsWeakCipher(std::string_view cipher) {
  const std::string name = Upper(cipher);
  for (std::string_view marker : kWeakCipherMarkers) {
    if (name.find(marker) != std::string::npos) return true;
  }
  // CBC with HMAC-SHA1: IANA "TLS_..._CBC_SHA", OpenSSL "AES128-SHA", "ECDHE-RSA-AES256-SHA".
  if (name.ends_with("_CBC_SHA")) return true;
  if (name.ends_with("-SHA") && name.find("GCM") == std::string::npos && name.find("CHACHA") == std::string::npos) {
    return true;
  }
  return false;
}

// Parses an RFC 3339 timestamp ("2026-12-01T08:00:00Z", "...+01:00",
// fractional seconds allowed) into seconds since the epoch.
std::optional<double> ParseRfc3339(std::string_view text) {
  auto number = [&](size_t at, size_t length, int* out) {
    if (at + length > text.size()) return false;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + length, *out);
    return ec == std::errc() && end == text.data() + at + length;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !number(0, 4, &year) || text[4] != '-' || !number(5, 2, &month) || text[7] != '-' ||
      !number(8, 2, &day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !number(11, 2, &hour) ||
      text[13] != ':' || !number(14, 2, &minute) || text[16] != ':' || !number(17, 2, &second)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t at = 19;
  double fraction = 0;
  if (at < text.size() && text[at] == '.') {
    double scale = 0.1;
    ++at;
    const size_t digits = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      fraction += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == digits) return std::nullopt;
  }
  int offset = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
    offset = 0;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    int offset_hours = 0, offset_minutes = 0;
    if (!number(at + 1, 2, &offset_hours) || !number(at + 4, 2, &offset_minutes)) return std::nullopt;
    offset = (text[at] == '-' ? -1 : 1) * (offset_hours * 3600 + offset_minutes * 60);
  } else {
    return std::nullopt;
  }
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return static_cast<double>(days) * 86400 + hour * 3600 + minute * 60 + second - offset + fraction;
}

std::string ResolveRelative(const std::string& document_file, const std::string& path) {
  const std::filesystem::path given(path);
  if (given.is_absolute() || document_file.empty()) return given.lexically_normal().string();
  return (std::filesystem::path(document_file).parent_path() / given).lexically_normal().string();
}

// One file a device record names, read once per run however many devices name it.
struct Artifact {
  std::string path;
  std::string bytes;
  std::string sha256;  // "" when unreadable
  std::string error;   // why it cannot be read
};

std::shared_ptr<const Artifact> ReadArtifact(const std::string& path) {
  auto artifact = std::make_shared<Artifact>();
  artifact->path = path;
  std::error_code code;
  const std::uintmax_t size = std::filesystem::file_size(path, code);
  if (code || !std::filesystem::is_regular_file(path, code)) {
    artifact->error = fmt::format("{}: cannot read the file (no such regular file)", path);
    return artifact;
  }
  if (size > kMaxArtifactBytes) {
    artifact->error = fmt::format("{}: {} bytes, more than the 1 GiB a device artifact may have", path, size);
    return artifact;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    artifact->error = fmt::format("{}: cannot open the file", path);
    return artifact;
  }
  // One read of the size found above (a character-by-character copy took
  // most of the load phase's device time at 100,000 devices); a file that
  // grew meanwhile is read to its end.
  artifact->bytes.resize(static_cast<size_t>(size));
  in.read(artifact->bytes.data(), static_cast<std::streamsize>(size));
  artifact->bytes.resize(static_cast<size_t>(in.gcount()));
  if (in.gcount() == static_cast<std::streamsize>(size)) {
    artifact->bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) {
    artifact->error = fmt::format("{}: cannot read the file", path);
    artifact->bytes.clear();
    return artifact;
  }
  artifact->sha256 = common::Sha256Hex(artifact->bytes);
  return artifact;
}

const nlohmann::json* Field(const nlohmann::json& object, std::string_view dotted) {
  const nlohmann::json* node = &object;
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    if (!node->is_object()) return nullptr;
    auto it = node->find(std::string(dotted.substr(0, dot)));
    if (it == node->end()) return nullptr;
    node = &*it;
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  return node;
}

std::optional<std::string> StringField(const nlohmann::json& object, std::string_view dotted) {
  const nlohmann::json* node = Field(object, dotted);
  if (node == nullptr || !node->is_string()) return std::nullopt;
  return node->get<std::string>();
}

// The facts of one group, computed on first use: a JSON object of facts, or
// an error every fact of the group reports.
struct Group {
  std::once_flag once;
  nlohmann::json facts;
  std::string error;
};

}  // namespace

std::vector<std::string> WeakCiphers(const std::vector<std::string>& ciphers) {
  std::vector<std::string> weak;
  for (const std::string& cipher : ciphers) {
    if (IsWeakCipher(cipher)) weak.push_back(cipher);
  }
  return weak;
}

void RegisterDeviceFacts(facts::FactSchema& schema) {
  const SubjectKind dev = SubjectKind::kDevice;
  auto add = [&](std::string name, cel::Type type, std::string unit, std::string description, FactOrigin origin) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.unit = std::move(unit);
    def.description = std::move(description);
    def.origin = origin;
    schema.Add(dev, std::move(def));
  };
  auto computed = [&](std::string name, cel::Type type, std::string unit, std::string description) {
    add(std::move(name), std::move(type), std::move(unit), std::move(description), FactOrigin::kComputed);
  };
  auto declared = [&](std::string name, cel::Type type, std::string description) {
    add(std::move(name), std::move(type), "", std::move(description), FactOrigin::kInput);
  };
  const cel::Type s = cel::Type::String(), b = cel::Type::Bool(), i = cel::Type::Int(), d = cel::Type::Double();
  const cel::Type strings = cel::Type::List(cel::Type::String());

  computed("identity.cert.subject", s, "", "Subject of the device certificate (RFC 2253: 'CN=dev-001,O=Acme').");
  computed("identity.cert.issuer", s, "", "Issuer of the device certificate (RFC 2253).");
  computed("identity.cert.serial", s, "", "Serial number of the device certificate (lowercase hex).");
  computed("identity.cert.not_before", s, "", "Start of the certificate's validity (RFC 3339, UTC).");
  computed("identity.cert.not_after", s, "", "End of the certificate's validity (RFC 3339, UTC).");
  computed("identity.cert.days_to_expiry", i, "days",
           "Whole days from the evaluation time to not_after, rounded down (negative once expired).");
  computed("identity.cert.key_type", s, "", "Type of the certificate's key: rsa, ec or ed25519.");
  computed("identity.cert.key_bits", i, "bits", "Size of the certificate's key (2048 for RSA-2048, 256 for P-256).");
  computed("identity.cert.curve", s, "", "Curve of an EC key (prime256v1, secp384r1); \"\" for other keys.");
  computed("identity.cert.signature_algorithm", s, "",
           "Algorithm the issuer signed the certificate with (ecdsa-with-SHA256, sha1WithRSAEncryption, ...).");
  computed("identity.cert.chain_valid", b, "",
           "True when the certificate chains to a TrustAnchors root at the evaluation time, for TLS client use "
           "(key usage checked), and is not revoked when CRLs are given.");
  computed("identity.cert.chain_error", s, "", "OpenSSL's reason chain_valid is false (\"\" when it is true).");
  computed("identity.cert.revoked", b, "", "True when a TrustAnchors CRL lists the certificate (needs CRLs).");
  computed("identity.cert.self_signed", b, "", "True when the certificate is self-issued and self-signed.");
  computed("identity.cert.san", strings, "", "Subject alternative names: DNS names, URIs, e-mail and IP addresses.");
  computed("identity.cert.device_id_bound", b, "",
           "True when the subject CN or a SAN carries the device id (equal, or the last ':'/'/' segment of a URI).");
  computed("identity.hardware_backed", b, "",
           "True when the attestation report says the device key lives in a TPM or a secure element.");
  computed("attestation.last", s, "", "Time of the device's latest attestation report (RFC 3339).");
  computed("attestation.age_h", d, "h", "Hours from the report's time to the evaluation time.");
  computed("attestation.verified", b, "",
           "True when the report's signature verifies with the device certificate's key and names this device.");
  computed("attestation.pcr_match", b, "",
           "True when the report's PCRs equal the FirmwareMeasurements of its firmware version.");
  computed("firmware.sha256", s, "", "SHA-256 of the firmware image named by firmware.image (lowercase hex).");
  computed("firmware.signature_valid", b, "",
           "True when firmware.signature over the image's raw SHA-256 verifies with the KeySet key firmware.key.");
  computed("firmware.known_vulnerable", b, "",
           "True when a firmware component's version is listed in a VulnerabilityList.");
  computed("firmware.vulnerabilities", strings, "", "Ids of the vulnerabilities of the firmware's components, sorted.");
  computed("tls.ciphers_weak", strings, "", "The declared cipher suites that are weak (docs/devices.md lists why).");
  computed("acl.topics", strings, "", "MQTT topic filters the broker's ACL lets the device read or write, sorted.");
  computed("acl.overbroad", b, "",
           "True when a granted topic filter reaches beyond mqtt.topic_root's subtree, or is a wildcard wider than "
           "every topic in mqtt.topics.");
  computed("acl.overbroad_topics", strings, "",
           "The granted filters beyond mqtt.topic_root's subtree, and the wildcards wider than mqtt.topics (each "
           "with the reason).");

  declared("identity.certificate", s, "Path of the device certificate (PEM, leaf first), relative to the record.");
  declared("identity.chain", s, "Path of the intermediate certificates (PEM), relative to the record.");
  declared("attestation.report", s, "Path of the latest attestation report, relative to the record.");
  declared("firmware.version", s, "Version of the installed firmware (the measured version of attestation.pcr_match).");
  declared("firmware.image", s, "Path of the installed firmware image, relative to the record.");
  declared("firmware.signature", s, "Base64 signature over the image's raw SHA-256.");
  declared("firmware.key", s, "Id of the KeySet key that signed the image.");
  declared("firmware.components", cel::Type::List(cel::Type::Map(s, cel::Type::Dyn())),
           "Software components of the firmware: [{name, version}].");
  declared("secure_boot", b, "Whether the device boots only signed images.");
  declared("ota.signed", b, "Whether over-the-air updates are signed.");
  declared("ota.encrypted", b, "Whether over-the-air updates are encrypted.");
  declared("ota.channel_tls_min", s, "Lowest TLS version of the update channel (\"1.2\").");
  declared("tls.min_version", s, "Lowest TLS version the device accepts (\"1.2\").");
  declared("tls.ciphers", strings, "Cipher suites the device offers (IANA or OpenSSL names).");
  declared("mqtt.acl", s, "Path of the broker's acl_file, relative to the record.");
  declared("mqtt.username", s, "The device's MQTT username (the ACL's `user` and %u).");
  declared("mqtt.client_id", s, "The device's MQTT client id (%c in ACL patterns; the device id when absent).");
  declared("mqtt.topic_root", s, "The device's own topic subtree (\"fleet/plant-a/dev-001\").");
  declared("mqtt.topics", strings,
           "Topic filters the device publishes or subscribes to (optional; judges wildcards of its subtree).");
}

// ---------------------------------------------------------------------------

struct DeviceEntry {
  const subjects::Subject* subject = nullptr;
  std::string where;  // "inventory.yaml:12: device 'dev-001'"
  std::shared_ptr<const Artifact> certificate, chain, attestation, firmware, acl;
  std::string certificate_error;  // the record's identity is malformed

  Group cert;         // identity.cert.* without the chain
  Group chain_check;  // chain_valid, chain_error, revoked
  Group report;       // attestation.* and identity.hardware_backed
  Group image;        // firmware.*
  Group acl_facts;    // acl.*
  std::once_flag parse_once;
  std::unique_ptr<const DeviceCertificate> parsed;
  std::string parse_error;
  // The groups that may read the parsed certificate (cert, chain_check,
  // report) and have not been computed yet. The last one to finish frees it:
  // OpenSSL keeps about 4 KB per certificate, a fleet has 100,000 of them,
  // and each group's facts are kept once computed.
  std::atomic<int> certificate_readers_left{3};
};

namespace {

// Frees the entry's parsed certificate when the last group that reads it has
// been computed. Made at the start of such a group's once-only computation.
class CertificateReader {
 public:
  explicit CertificateReader(DeviceEntry& entry) : entry_(entry), exceptions_(std::uncaught_exceptions()) {}
  ~CertificateReader() {
    // A group that threw is computed again on the next read: it still counts.
    if (std::uncaught_exceptions() > exceptions_) return;
    if (entry_.certificate_readers_left.fetch_sub(1, std::memory_order_acq_rel) == 1) entry_.parsed.reset();
  }
  CertificateReader(const CertificateReader&) = delete;
  CertificateReader& operator=(const CertificateReader&) = delete;

 private:
  DeviceEntry& entry_;
  const int exceptions_;
};

}  // namespace

struct DeviceTrust::State {
  TrustDocuments documents;
  DeviceTrustOptions options;
  std::shared_ptr<const TrustStore> store;
  std::map<std::string, std::unique_ptr<DeviceEntry>, std::less<>> devices;
  // Chain files parsed so far, by path: devices of one intermediate share it.
  mutable std::mutex chains_mutex;
  mutable std::map<std::string, std::shared_ptr<const CertificateChain>, std::less<>> chains;
  mutable std::map<std::string, std::string, std::less<>> chain_errors;
  // ACL files parsed so far, by path: a broker's file serves all its devices.
  struct ParsedAcl {
    AclFile acl;
    std::string error;  // "file:N: message"
  };
  mutable std::mutex acls_mutex;
  mutable std::map<std::string, std::shared_ptr<const ParsedAcl>, std::less<>> acls;
  // Firmware signature checks so far, by key id, image digest and signature:
  // the devices of one firmware version carry the same signed image.
  mutable std::mutex image_signatures_mutex;
  mutable std::map<std::string, bool, std::less<>> image_signatures;

  bool ImageSignatureValid(const keys::TrustedKey& key, const std::string& sha256, const std::string& signature) const {
    std::string memo_key = key.id();
    memo_key.append(1, '\0').append(sha256).append(1, '\0').append(signature);
    {
      std::lock_guard<std::mutex> lock(image_signatures_mutex);
      if (auto it = image_signatures.find(memo_key); it != image_signatures.end()) return it->second;
    }
    const std::optional<std::string> decoded = common::Base64Decode(signature);
    const std::optional<std::string> digest = common::HexDecode(sha256);
    const bool valid = decoded && digest && key.Verify(*digest, *decoded);
    std::lock_guard<std::mutex> lock(image_signatures_mutex);
    image_signatures.emplace(std::move(memo_key), valid);
    return valid;
  }

  std::shared_ptr<const ParsedAcl> Acl(const Artifact& file) const {
    std::lock_guard<std::mutex> lock(acls_mutex);
    if (auto it = acls.find(file.path); it != acls.end()) return it->second;
    auto parsed = std::make_shared<ParsedAcl>();
    std::string why;
    if (!ParseAcl(file.bytes, &parsed->acl, &why)) {
      parsed->acl = AclFile();
      parsed->error = fmt::format("{}:{}", file.path, why.substr(5));  // "line N: ..." → "file:N: ..."
    }
    acls.emplace(file.path, parsed);
    return parsed;
  }

  std::shared_ptr<const CertificateChain> Chain(const Artifact& file, std::string* error) const {
    std::lock_guard<std::mutex> lock(chains_mutex);
    if (auto it = chains.find(file.path); it != chains.end()) return it->second;
    if (auto it = chain_errors.find(file.path); it != chain_errors.end()) {
      *error = it->second;
      return nullptr;
    }
    std::shared_ptr<const CertificateChain> chain = CertificateChain::Parse(file.bytes, error);
    if (chain) {
      chains.emplace(file.path, chain);
    } else {
      chain_errors.emplace(file.path, *error);
    }
    return chain;
  }

  const DeviceCertificate* Certificate(DeviceEntry& entry, std::string* error) const {
    std::call_once(entry.parse_once, [&] {
      if (!entry.certificate) {
        entry.parse_error = entry.certificate_error.empty()
                                ? fmt::format("{}: has no identity.certificate", entry.where)
                                : entry.certificate_error;
        return;
      }
      if (!entry.certificate->error.empty()) {
        entry.parse_error = fmt::format("{}: identity.certificate: {}", entry.where, entry.certificate->error);
        return;
      }
      if (entry.chain && !entry.chain->error.empty()) {
        entry.parse_error = fmt::format("{}: identity.chain: {}", entry.where, entry.chain->error);
        return;
      }
      std::string why;
      std::shared_ptr<const CertificateChain> chain;
      if (entry.chain) {
        chain = Chain(*entry.chain, &why);
        if (!chain) {
          entry.parse_error = fmt::format("{}: {}: {}", entry.where, entry.chain->path, why);
          return;
        }
      }
      entry.parsed = DeviceCertificate::Parse(entry.certificate->bytes, std::move(chain), &why);
      if (!entry.parsed) entry.parse_error = fmt::format("{}: {}: {}", entry.where, entry.certificate->path, why);
    });
    *error = entry.parse_error;
    return entry.parsed.get();
  }

  void ComputeCert(DeviceEntry& entry) const {
    std::call_once(entry.cert.once, [&] {
      const CertificateReader reader(entry);
      const DeviceCertificate* certificate = Certificate(entry, &entry.cert.error);
      if (certificate != nullptr) entry.cert.facts = certificate->Describe(options.now, entry.subject->id);
    });
  }

  void ComputeChain(DeviceEntry& entry) const {
    std::call_once(entry.chain_check.once, [&] {
      const CertificateReader reader(entry);
      const DeviceCertificate* certificate = Certificate(entry, &entry.chain_check.error);
      if (certificate == nullptr) return;
      if (!store || !store->has_roots()) {
        entry.chain_check.error =
            "no TrustAnchors document in the policy repository: add one with the fleet's root certificates";
        return;
      }
      const ChainVerification verification = store->Verify(*certificate, options.now);
      entry.chain_check.facts["chain_valid"] = verification.valid;
      entry.chain_check.facts["chain_error"] = verification.error;
      if (store->has_crls()) entry.chain_check.facts["revoked"] = verification.revoked;
    });
  }

  void ComputeReport(DeviceEntry& entry) const {
    std::call_once(entry.report.once, [&] {
      const CertificateReader reader(entry);
      Group& group = entry.report;
      if (!entry.attestation) return;  // no report: the facts are missing
      if (!entry.attestation->error.empty()) {
        group.error = fmt::format("{}: attestation.report: {}", entry.where, entry.attestation->error);
        return;
      }
      const std::string& path = entry.attestation->path;
      const nlohmann::json envelope = nlohmann::json::parse(entry.attestation->bytes, nullptr, false);
      if (envelope.is_discarded() || !envelope.is_object() || !envelope.contains("payload") ||
          !envelope["payload"].is_string() || !envelope.contains("signature") || !envelope["signature"].is_string()) {
        group.error = fmt::format("{}: not an attestation envelope: expected JSON {{\"payload\": base64, "
                                  "\"signature\": base64}}",
                                  path);
        return;
      }
      const std::optional<std::string> payload = common::Base64Decode(envelope["payload"].get<std::string>());
      if (!payload) {
        group.error = fmt::format("{}: 'payload' is not valid base64", path);
        return;
      }
      const nlohmann::json report = nlohmann::json::parse(*payload, nullptr, false);
      if (report.is_discarded() || !report.is_object()) {
        group.error = fmt::format("{}: the payload is not a JSON object (the attestation report)", path);
        return;
      }
      const std::optional<std::string> time = StringField(report, "time");
      const std::optional<double> seconds = time ? ParseRfc3339(*time) : std::nullopt;
      if (!seconds) {
        group.error = fmt::format("{}: the report's 'time' must be an RFC 3339 timestamp (2026-12-01T08:00:00Z)", path);
        return;
      }
      group.facts["last"] = *time;
      group.facts["age_h"] = (static_cast<double>(options.now.time_since_epoch().count()) - *seconds) / 3600.0;
      if (const std::optional<std::string> storage = StringField(report, "key_storage")) {
        if (*storage != "tpm" && *storage != "secure-element" && *storage != "software") {
          group.error = fmt::format("{}: key_storage '{}' is none of tpm, secure-element, software", path,
                                    storage->substr(0, 40));
          return;
        }
        group.facts["hardware_backed"] = *storage != "software";
      }
      // verified: the signature over the payload bytes, with the device's key.
      std::string why;
      const std::optional<std::string> signature = common::Base64Decode(envelope["signature"].get<std::string>());
      const DeviceCertificate* certificate = Certificate(entry, &why);
      if (!signature) {
        group.facts["verified"] = false;
      } else if (certificate != nullptr) {
        const bool signed_by_device = certificate->VerifyWithLeafKey(*payload, *signature, &why);
        group.facts["verified"] = signed_by_device && StringField(report, "device") == entry.subject->id;
      } else {
        group.facts["verified_error"] = why;
      }
      // pcr_match: the measured PCRs of the reported firmware version.
      const std::optional<std::string> version = StringField(report, "firmware_version");
      const nlohmann::json* pcrs = Field(report, "pcrs");
      if (!documents.has_measurements) {
        group.facts["pcr_match_error"] =
            "no FirmwareMeasurements document in the policy repository: add the expected PCRs per firmware version";
      } else if (!version || pcrs == nullptr || !pcrs->is_object()) {
        group.facts["pcr_match"] = false;
      } else {
        auto expected = documents.measurements.find(*version);
        bool match = expected != documents.measurements.end();
        if (match) {
          for (const auto& [name, hex] : expected->second) {
            const std::optional<std::string> got = StringField(*pcrs, name);
            std::string lower = got.value_or("");
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            if (lower != hex) match = false;
          }
        }
        group.facts["pcr_match"] = match;
      }
    });
  }

  void ComputeImage(DeviceEntry& entry) const {
    std::call_once(entry.image.once, [&] {
      Group& group = entry.image;
      const nlohmann::json& record = entry.subject->document;
      // Vulnerabilities need the components only, not the image.
      if (const nlohmann::json* components = Field(record, "firmware.components")) {
        if (!components->is_array()) {
          group.facts["vulnerabilities_error"] =
              fmt::format("{}: firmware.components must be a list of {{name, version}}", entry.where);
        } else if (!documents.has_vulnerabilities) {
          group.facts["vulnerabilities_error"] =
              "no VulnerabilityList document in the policy repository: add one to check firmware components";
        } else {
          std::set<std::string> ids;
          for (const nlohmann::json& component : *components) {
            const std::optional<std::string> name = StringField(component, "name");
            const std::optional<std::string> version = StringField(component, "version");
            if (!name || !version) continue;
            for (const Vulnerability& known : documents.vulnerabilities) {
              if (known.component == *name &&
                  std::find(known.versions.begin(), known.versions.end(), *version) != known.versions.end()) {
                ids.insert(known.id);
              }
            }
          }
          group.facts["known_vulnerable"] = !ids.empty();
          group.facts["vulnerabilities"] = std::vector<std::string>(ids.begin(), ids.end());
        }
      }
      if (!entry.firmware) return;
      if (!entry.firmware->error.empty()) {
        group.error = fmt::format("{}: firmware.image: {}", entry.where, entry.firmware->error);
        return;
      }
      group.facts["sha256"] = entry.firmware->sha256;
      const std::optional<std::string> key_id = StringField(record, "firmware.key");
      const std::optional<std::string> value = StringField(record, "firmware.signature");
      if (!key_id || !value) {
        group.facts["signature_valid"] = false;  // an unsigned image is not a validly signed one
        return;
      }
      auto key = documents.keys.find(*key_id);
      if (key == documents.keys.end()) {
        group.facts["signature_valid_error"] =
            fmt::format("{}: firmware.key '{}' is not in any KeySet of the policy repository", entry.where, *key_id);
        return;
      }
      group.facts["signature_valid"] = ImageSignatureValid(*key->second, entry.firmware->sha256, *value);
    });
  }

  void ComputeAcl(DeviceEntry& entry) const {
    std::call_once(entry.acl_facts.once, [&] {
      Group& group = entry.acl_facts;
      if (!entry.acl) return;
      if (!entry.acl->error.empty()) {
        group.error = fmt::format("{}: mqtt.acl: {}", entry.where, entry.acl->error);
        return;
      }
      const std::shared_ptr<const ParsedAcl> parsed = Acl(*entry.acl);
      if (!parsed->error.empty()) {
        group.error = parsed->error;
        return;
      }
      const AclFile& acl = parsed->acl;
      std::string why;
      const nlohmann::json& record = entry.subject->document;
      const std::optional<std::string> username = StringField(record, "mqtt.username");
      if (!username) {
        group.error = fmt::format("{}: mqtt.username is needed to read the ACL's `user` section", entry.where);
        return;
      }
      const std::string client_id = StringField(record, "mqtt.client_id").value_or(entry.subject->id);
      const std::vector<std::string> topics = GrantedTopics(acl, *username, client_id);
      group.facts["topics"] = topics;
      const std::optional<std::string> root = StringField(record, "mqtt.topic_root");
      if (!root) {
        group.facts["overbroad_error"] =
            fmt::format("{}: mqtt.topic_root is needed to judge the ACL (the device's own subtree)", entry.where);
        return;
      }
      // The filters the device uses, when the record lists them: a granted
      // wildcard wider than all of them is overbroad too.
      std::optional<std::vector<std::string>> needed;
      if (const nlohmann::json* uses = Field(record, "mqtt.topics")) {
        const bool strings = uses->is_array() && std::all_of(uses->begin(), uses->end(), [](const nlohmann::json& use) {
                               return use.is_string();
                             });
        if (!strings) {
          group.facts["overbroad_error"] =
              fmt::format("{}: mqtt.topics must be a list of topic filters (the topics the device uses)", entry.where);
          return;
        }
        needed = uses->get<std::vector<std::string>>();
      }
      std::vector<std::string> overbroad;
      if (!OverbroadTopics(topics, *root, needed ? &*needed : nullptr, &overbroad, &why)) {
        group.facts["overbroad_error"] = fmt::format("{}: {}", entry.where, why);
        return;
      }
      group.facts["overbroad"] = !overbroad.empty();
      group.facts["overbroad_topics"] = overbroad;
    });
  }
};

namespace {

// A fact of a computed group: its value, the group's error, or the error the
// group recorded for this fact (`<name>_error`), else missing.
ComputedFact FromGroup(const Group& group, std::string_view name, std::string_view error_name = {}) {
  if (!group.error.empty()) return ComputedFact::Error(group.error);
  if (auto it = group.facts.find(std::string(name)); it != group.facts.end()) return ComputedFact::Of(*it);
  const std::string error_key = error_name.empty() ? std::string(name) + "_error" : std::string(error_name);
  if (auto it = group.facts.find(error_key); it != group.facts.end()) {
    return ComputedFact::Error(it->get<std::string>());
  }
  return ComputedFact::Missing();
}

ComputedFact ComputeFact(const DeviceTrust::State& state, const subjects::Subject& device, std::string_view fact);

class DeviceProvider : public subjects::FactProvider {
 public:
  explicit DeviceProvider(std::shared_ptr<const DeviceTrust::State> state) : state_(std::move(state)) {}
  ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    return ComputeFact(*state_, subject, fact);
  }

 private:
  std::shared_ptr<const DeviceTrust::State> state_;
};

ComputedFact ComputeFact(const DeviceTrust::State& state, const subjects::Subject& device, std::string_view fact) {
  auto found = state.devices.find(device.id);
  if (found == state.devices.end()) return ComputedFact::Missing();
  DeviceEntry& entry = *found->second;
  if (fact.starts_with("identity.cert.")) {
    const std::string_view name = fact.substr(14);
    if (name == "chain_valid" || name == "chain_error" || name == "revoked") {
      state.ComputeChain(entry);
      if (name == "revoked" && entry.chain_check.error.empty() && !entry.chain_check.facts.contains("revoked")) {
        return ComputedFact::Error("no CRL in the TrustAnchors documents: add spec.crls to check revocation");
      }
      return FromGroup(entry.chain_check, name);
    }
    state.ComputeCert(entry);
    return FromGroup(entry.cert, name);
  }
  if (fact == "identity.hardware_backed" || fact.starts_with("attestation.")) {
    state.ComputeReport(entry);
    const std::string_view name = fact == "identity.hardware_backed" ? "hardware_backed" : fact.substr(12);
    return FromGroup(entry.report, name);
  }
  if (fact.starts_with("firmware.")) {
    state.ComputeImage(entry);
    const std::string_view name = fact.substr(9);
    if (name == "known_vulnerable") return FromGroup(entry.image, name, "vulnerabilities_error");
    if (name == "vulnerabilities") {
      // Vulnerabilities come from the components, not the image: an unreadable image does not hide them.
      if (auto it = entry.image.facts.find("vulnerabilities"); it != entry.image.facts.end()) {
        return ComputedFact::Of(*it);
      }
      if (auto it = entry.image.facts.find("vulnerabilities_error"); it != entry.image.facts.end()) {
        return ComputedFact::Error(it->get<std::string>());
      }
      return ComputedFact::Missing();
    }
    return FromGroup(entry.image, name);
  }
  if (fact == "tls.ciphers_weak") {
    const nlohmann::json* ciphers = Field(device.document, "tls.ciphers");
    if (ciphers == nullptr) return ComputedFact::Missing();
    if (!ciphers->is_array()) return ComputedFact::Error(fmt::format("{}: tls.ciphers must be a list", entry.where));
    std::vector<std::string> names;
    for (const nlohmann::json& cipher : *ciphers) {
      if (!cipher.is_string()) return ComputedFact::Error(fmt::format("{}: tls.ciphers must be names", entry.where));
      names.push_back(cipher.get<std::string>());
    }
    return ComputedFact::Of(WeakCiphers(names));
  }
  if (fact.starts_with("acl.")) {
    state.ComputeAcl(entry);
    return FromGroup(entry.acl_facts, fact.substr(4), fact == "acl.topics" ? "" : "overbroad_error");
  }
  return ComputedFact::Missing();
}

}  // namespace

ComputedFact DeviceTrust::Compute(const subjects::Subject& device, std::string_view fact) const {
  return ComputeFact(*state_, device, fact);
}

DeviceTrust::~DeviceTrust() = default;

std::shared_ptr<const DeviceTrust> DeviceTrust::Create(TrustDocuments documents, subjects::SubjectSet* subjects,
                                                       DeviceTrustOptions options, std::vector<std::string>* errors) {
  auto state = std::make_shared<State>();
  state->store = TrustStore::Create(documents.root_pems, documents.crl_pems);
  if (!state->store) {
    errors->push_back("cannot build the trust store of the TrustAnchors documents (out of memory)");
    return nullptr;
  }
  state->documents = std::move(documents);
  state->options = options;
  std::map<std::string, std::shared_ptr<const Artifact>> loaded;  // one read per file
  auto load = [&](const subjects::Subject& subject, std::string_view field) -> std::shared_ptr<const Artifact> {
    const std::optional<std::string> declared = StringField(subject.document, field);
    if (!declared) return nullptr;
    const std::string path = ResolveRelative(subject.location.file, *declared);
    auto it = loaded.find(path);
    if (it != loaded.end()) return it->second;
    std::shared_ptr<const Artifact> artifact = ReadArtifact(path);
    if (!artifact->sha256.empty()) subjects->RecordInput({path, artifact->sha256, 0});
    loaded.emplace(path, artifact);
    return artifact;
  };
  for (const subjects::Subject* subject : subjects->OfKind(SubjectKind::kDevice)) {
    auto entry = std::make_unique<DeviceEntry>();
    entry->subject = subject;
    entry->where = fmt::format("{}:{}: device '{}'", subject->location.file, subject->location.line, subject->id);
    const nlohmann::json* identity = Field(subject->document, "identity");
    if (identity != nullptr && (!identity->is_object() || (identity->contains("certificate") &&
                                                           !(*identity)["certificate"].is_string()))) {
      entry->certificate_error =
          fmt::format("{}: identity must be {{certificate: <PEM file>, chain: <PEM file>}}", entry->where);
    } else {
      entry->certificate = load(*subject, "identity.certificate");
      entry->chain = load(*subject, "identity.chain");
    }
    entry->attestation = load(*subject, "attestation.report");
    entry->firmware = load(*subject, "firmware.image");
    entry->acl = load(*subject, "mqtt.acl");
    state->devices.emplace(subject->id, std::move(entry));
  }
  std::shared_ptr<DeviceTrust> trust(new DeviceTrust());
  trust->state_ = std::move(state);
  return trust;
}

void DeviceTrust::RegisterProviders(subjects::FactProviderRegistry* registry) const {
  auto provider = std::make_shared<DeviceProvider>(state_);
  for (std::string_view group : kProvidedGroups) registry->Register(SubjectKind::kDevice, std::string(group), provider);
}

}  // namespace stagegate::devices
