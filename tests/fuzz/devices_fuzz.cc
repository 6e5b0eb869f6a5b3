// Fuzzes what the device checks read from devices and the policy repository:
// certificates (malformed PEM, binary where a certificate is expected, DER
// with unknown extensions and truncated fields), attestation envelopes and
// their signatures, firmware signatures, mosquitto ACL files, and the trust
// documents (TrustAnchors, KeySet, FirmwareMeasurements, VulnerabilityList).
// The first byte picks the input. Every fact must come out as a value, a
// missing value or an error with a reason: nothing may crash, leak or hang.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/common/encoding.h"
#include "evaluators/devices/device_trust.h"
#include "evaluators/devices/mqtt_acl.h"
#include "evaluators/devices/trust_documents.h"
#include "evaluators/devices/x509_identity.h"

namespace {

using namespace stagegate;
using namespace stagegate::devices;

constexpr std::chrono::sys_seconds kNow{std::chrono::sys_days{std::chrono::year{2026} / 12 / 1}};

// A scratch directory the device record's files are written to.
const std::string& Directory() {
  static const std::string path = [] {
    char name[] = "/tmp/stagegate-devices-fuzz-XXXXXX";
    const char* made = mkdtemp(name);
    return std::string(made == nullptr ? "/tmp" : made);
  }();
  return path;
}

void Write(const std::string& name, std::string_view bytes) {
  if (FILE* file = std::fopen((Directory() + "/" + name).c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
  }
}

// A certificate from the input: as given (PEM or binary), and as the body
// of a PEM block (so that DER mutations reach the X.509 parser).
void FuzzCertificate(std::string_view data) {
  const std::string armored =
      "-----BEGIN CERTIFICATE-----\n" + common::Base64Encode(data) + "\n-----END CERTIFICATE-----\n";
  static const std::shared_ptr<const TrustStore> store = TrustStore::Create({}, {});
  for (const std::string& pem : {std::string(data), armored}) {
    std::string error;
    std::shared_ptr<const CertificateChain> chain = CertificateChain::Parse(pem, &error);
    std::unique_ptr<const DeviceCertificate> certificate = DeviceCertificate::Parse(pem, chain, &error);
    if (!certificate) {
      if (error.empty()) __builtin_trap();  // a refusal must say why
      continue;
    }
    const nlohmann::json facts = certificate->Describe(kNow, "dev-001");
    if (!facts.is_object()) __builtin_trap();
    store->Verify(*certificate, kNow);
    certificate->VerifyWithLeafKey("message", data.substr(0, 72), &error);
  }
  TrustStore::CheckCertificatePem(data);
  TrustStore::CheckCrlPem(data);
}

void FuzzAcl(std::string_view data) {
  AclFile acl;
  std::string error;
  if (!ParseAcl(data, &acl, &error)) {
    if (error.empty()) __builtin_trap();
    return;
  }
  const std::vector<std::string> topics = GrantedTopics(acl, "dev-001", "dev-001");
  std::vector<std::string> overbroad;
  OverbroadTopics(topics, "fleet/plant-a/dev-001", nullptr, &overbroad, &error);
  overbroad.clear();
  // The granted filters as the topics the device uses: exercises the
  // needed-topics check, and its rejection of malformed filters.
  OverbroadTopics(topics, "fleet/plant-a/dev-001", &topics, &overbroad, &error);
  for (const std::string& topic : topics) TopicMatches(topic, "fleet/plant-a/dev-001/x");
}

void FuzzDocuments(std::string_view data) {
  TrustDocuments documents;
  ReadTrustDocuments({"fuzz.yaml", std::string(data)}, &documents);
  for (const TrustDocumentError& error : documents.errors) {
    if (error.message.empty()) __builtin_trap();
  }
  TrustStore::Create(documents.root_pems, documents.crl_pems);
}

// A device whose attestation report, firmware signature, chain and ACL come
// from the input, with every device fact computed.
void FuzzDevice(std::string_view data, int which) {
  static const char* kFiles[] = {"report.json", "acl", "chain.pem", "cert.pem"};
  Write(kFiles[which], data);
  subjects::SubjectSet set;
  nlohmann::json record = {{"kind", "device"},
                           {"id", "dev-001"},
                           {"identity", {{"certificate", "cert.pem"}, {"chain", "chain.pem"}}},
                           {"attestation", {{"report", "report.json"}}},
                           {"firmware",
                            {{"image", "cert.pem"},
                             {"key", "k"},
                             {"signature", common::Base64Encode(data.substr(0, 80))},
                             {"components", {{{"name", std::string(data.substr(0, 8))}, {"version", "1"}}}}}},
                           {"tls", {{"ciphers", {std::string(data.substr(0, 30))}}}},
                           {"mqtt", {{"acl", "acl"}, {"username", "dev-001"}, {"topic_root", std::string(data.substr(0, 20))}}}};
  set.AddDocument(std::move(record), {Directory() + "/inventory.yaml", 1});
  set.Finish();
  std::vector<std::string> errors;
  auto trust = DeviceTrust::Create(TrustDocuments(), &set, {kNow}, &errors);
  if (!trust) return;
  facts::FactSchema schema;
  RegisterDeviceFacts(schema);
  const subjects::Subject& device = *set.Find(facts::SubjectKind::kDevice, "dev-001");
  for (const facts::FactDef* fact : schema.FactsOf(facts::SubjectKind::kDevice)) {
    if (fact->origin != facts::FactOrigin::kComputed) continue;
    const subjects::ComputedFact value = trust->Compute(device, fact->name);
    if (value.value && !value.error.empty()) __builtin_trap();  // a value or an error, never both
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  const std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  switch (bytes[0] % 7) {
    case 0: FuzzCertificate(data); break;
    case 1: FuzzAcl(data); break;
    case 2: FuzzDocuments(data); break;
    default: FuzzDevice(data, bytes[0] % 7 - 3); break;
  }
  return 0;
}
