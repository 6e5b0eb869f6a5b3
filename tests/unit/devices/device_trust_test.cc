#include "evaluators/devices/device_trust.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/digest.h"
#include "engine/common/encoding.h"
#include "tests/unit/devices/test_pki.h"

namespace stagegate::devices {
namespace {

using testing::CertSpec;
using testing::kDay;
using testing::kNow;

std::string Indent(const std::string& pem, int spaces) {
  std::string out;
  const std::string pad(static_cast<size_t>(spaces), ' ');
  size_t start = 0;
  while (start < pem.size()) {
    const size_t end = pem.find('\n', start);
    out += pad + pem.substr(start, end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string Envelope(const std::string& payload, const std::string& signature) {
  return nlohmann::json{{"payload", common::Base64Encode(payload)}, {"signature", common::Base64Encode(signature)}}
      .dump();
}

std::string Report(const std::string& device, const std::string& time, const std::string& storage,
                   const std::string& pcr0) {
  return nlohmann::json{{"device", device},
                        {"time", time},
                        {"firmware_version", "4.2.0"},
                        {"key_storage", storage},
                        {"pcrs", {{"pcr0", pcr0}, {"pcr7", "bb"}}},
                        {"nonce", "n-1"}}
      .dump();
}

std::string RawSha256(const std::string& bytes) { return *common::HexDecode(common::Sha256Hex(bytes)); }

// A base64 signature that still decodes but is no longer the one given.
std::string AnotherSignature(std::string base64) {
  base64[8] = base64[8] == 'A' ? 'B' : 'A';
  return base64;
}

// One fleet on disk: the PKI, devices broken in every judged way, firmware,
// attestation reports, an ACL file, and the policy repository's documents.
class DeviceTrustTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::FleetPki();
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("stagegate-devices-" + std::to_string(::getpid())));
    std::filesystem::remove_all(*dir_);
    const std::filesystem::path& d = *dir_;
    testing::Key device_key = testing::MakeEd25519();
    testing::Key p256_key = testing::MakeP256();
    testing::Key forger_key = testing::MakeEd25519();
    testing::Key rsa1024 = testing::MakeRsa(1024);
    auto write_cert = [&](const std::string& name, const CertSpec& spec, EVP_PKEY* key) {
      testing::WriteFile(d / "pki" / (name + ".pem"), testing::Pem(pki_->Device(spec, key).get()));
    };
    write_cert("dev-001", {.common_name = "dev-001", .serial = 0x1001, .not_after = 90 * kDay,
                           .san = {"DNS:dev-001.fleet.acme", "URI:urn:acme:device:dev-001"}},
               device_key.get());
    write_cert("dev-p256", {.common_name = "dev-p256", .serial = 0x1002, .san = {"DNS:dev-p256"}}, p256_key.get());
    write_cert("expired", {.common_name = "expired", .serial = 0x1003, .not_before = -400 * kDay,
                           .not_after = -10 * kDay, .san = {"DNS:expired"}},
               device_key.get());
    write_cert("future", {.common_name = "future", .serial = 0x1004, .not_before = 5 * kDay, .san = {"DNS:future"}},
               device_key.get());
    write_cert("revoked", {.common_name = "revoked", .serial = 0x1005, .san = {"DNS:revoked"}}, device_key.get());
    write_cert("rsa1024", {.common_name = "rsa1024", .serial = 0x1006, .san = {"DNS:rsa1024"}}, rsa1024.get());
    write_cert("sha1", {.common_name = "sha1", .serial = 0x1007, .san = {"DNS:sha1"}, .digest = EVP_sha1()},
               device_key.get());
    write_cert("nosan", {.common_name = "sensor", .serial = 0x1008}, device_key.get());
    write_cert("server", {.common_name = "server", .serial = 0x1009, .san = {"DNS:server"},
                          .extended_key_usage = "serverAuth"},
               device_key.get());
    CertSpec stranger{.common_name = "stranger", .serial = 0x100a, .san = {"DNS:stranger"}};
    testing::WriteFile(d / "pki" / "stranger.pem",
                       testing::Pem(testing::Issue(stranger, device_key.get(), pki_->other_root.get(),
                                                   pki_->other_root_key.get())
                                        .get()));
    testing::WriteFile(d / "pki" / "intermediate.pem", testing::Pem(pki_->intermediate.get()));
    testing::WriteFile(d / "pki" / "garbage.pem", std::string("\x30\x82\x01\x00\xff\xfe binary", 14));

    // Firmware: an image signed by the vendor, and a tampered copy.
    testing::Key vendor = testing::MakeEd25519();
    const std::string image = "firmware 4.2.0 image bytes";
    testing::WriteFile(d / "fw" / "4.2.0.bin", image);
    testing::WriteFile(d / "fw" / "tampered.bin", image + "!");
    firmware_signature_ = new std::string(common::Base64Encode(testing::Sign(vendor.get(), RawSha256(image))));
    firmware_sha256_ = new std::string(common::Sha256Hex(image));

    // Attestation reports: signed by the device, forged, tampered, software-backed.
    const std::string good = Report("dev-001", "2026-11-30T00:00:00Z", "tpm", "AA");
    testing::WriteFile(d / "attest" / "good.json", Envelope(good, testing::Sign(device_key.get(), good)));
    testing::WriteFile(d / "attest" / "forged.json", Envelope(good, testing::Sign(forger_key.get(), good)));
    const std::string changed = Report("dev-001", "2026-11-30T00:00:00Z", "tpm", "ab");
    testing::WriteFile(d / "attest" / "tampered.json", Envelope(changed, testing::Sign(device_key.get(), good)));
    const std::string software = Report("dev-p256", "2026-11-30T12:00:00Z", "software", "aa");
    testing::WriteFile(d / "attest" / "p256.json", Envelope(software, testing::Sign(p256_key.get(), software)));
    testing::WriteFile(d / "attest" / "broken.json", "{\"payload\": 3}");

    testing::WriteFile(d / "broker" / "mosquitto.acl",
                       "# the plant-a broker\n"
                       "topic read $SYS/broker/uptime\n"
                       "\n"
                       "user dev-001\n"
                       "topic readwrite fleet/plant-a/dev-001/#\n"
                       "topic read fleet/plant-a/config\n"
                       "topic deny fleet/plant-a/dev-001/secrets\n"
                       "\n"
                       "user dev-p256\n"
                       "topic write fleet/plant-a/dev-p256/telemetry\n"
                       "\n"
                       "user legacy\n"
                       "topic #\n"
                       "\n"
                       "pattern write fleet/plant-a/%u/status\n"
                       "pattern read cmd/%c/+\n");
    testing::WriteFile(d / "broker" / "broken.acl", "user dev-001\ntopic read a/b\nallow all\n");

    const std::string inventory = R"(# the plant-a inventory
---
kind: device
id: dev-001
identity: {certificate: pki/dev-001.pem, chain: pki/intermediate.pem}
attestation: {report: attest/good.json}
firmware: {version: 4.2.0, image: fw/4.2.0.bin, key: vendor-2026, signature: ")" +
                                  *firmware_signature_ + R"(",
           components: [{name: openssl, version: 1.1.1k}, {name: busybox, version: 1.36.1}]}
secure_boot: true
tls: {min_version: "1.2", ciphers: [TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_3DES_EDE_CBC_SHA, ECDHE-RSA-AES128-SHA, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, RC4-MD5]}
mqtt: {acl: broker/mosquitto.acl, username: dev-001, topic_root: fleet/plant-a/dev-001}
---
kind: device
id: dev-p256
identity: {certificate: pki/dev-p256.pem, chain: pki/intermediate.pem}
attestation: {report: attest/p256.json}
firmware: {version: 4.2.0, image: fw/tampered.bin, key: vendor-2026, signature: ")" +
                                  *firmware_signature_ + R"(", components: [{name: openssl, version: 3.0.13}]}
tls: {ciphers: [TLS_AES_256_GCM_SHA384]}
mqtt: {acl: broker/mosquitto.acl, username: dev-p256, topic_root: fleet/plant-a/dev-p256}
---
{kind: device, id: expired, identity: {certificate: pki/expired.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: future, identity: {certificate: pki/future.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: revoked, identity: {certificate: pki/revoked.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: rsa1024, identity: {certificate: pki/rsa1024.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: sha1, identity: {certificate: pki/sha1.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: nosan, identity: {certificate: pki/nosan.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: server, identity: {certificate: pki/server.pem, chain: pki/intermediate.pem}}
---
{kind: device, id: stranger, identity: {certificate: pki/stranger.pem}}
---
kind: device
id: forged
identity: {certificate: pki/dev-001.pem, chain: pki/intermediate.pem}
attestation: {report: attest/forged.json}
firmware: {image: fw/4.2.0.bin, key: unknown-key, signature: "AAAA"}
---
kind: device
id: replayed
identity: {certificate: pki/dev-001.pem, chain: pki/intermediate.pem}
attestation: {report: attest/good.json}
---
kind: device
id: tampered
identity: {certificate: pki/dev-001.pem, chain: pki/intermediate.pem}
attestation: {report: attest/tampered.json}
firmware: {image: fw/4.2.0.bin}
---
kind: device
id: broken
identity: {certificate: pki/garbage.pem}
attestation: {report: attest/broken.json}
firmware: {image: fw/missing.bin}
mqtt: {acl: broker/broken.acl, username: dev-001, topic_root: "fleet/+/x"}
---
kind: device
id: uses-telemetry
mqtt: {acl: broker/mosquitto.acl, username: dev-001, client_id: dev-001, topic_root: fleet/plant-a/dev-001,
       topics: [fleet/plant-a/dev-001/telemetry/#, fleet/plant-a/dev-001/status]}
---
kind: device
id: uses-subtree
mqtt: {acl: broker/mosquitto.acl, username: dev-001, client_id: dev-001, topic_root: fleet/plant-a/dev-001,
       topics: [fleet/plant-a/dev-001/#]}
---
kind: device
id: uses-malformed
mqtt: {acl: broker/mosquitto.acl, username: dev-001, topic_root: fleet/plant-a/dev-001, topics: fleet/plant-a/dev-001/t}
---
kind: device
id: legacy
mqtt: {acl: broker/mosquitto.acl, username: legacy, topic_root: fleet/plant-a/legacy}
---
{kind: device, id: same-image, firmware: {image: fw/4.2.0.bin, key: vendor-2026, signature: ")" +
                                  *firmware_signature_ + R"("}}
---
{kind: device, id: other-signature, firmware: {image: fw/4.2.0.bin, key: vendor-2026, signature: ")" +
                                  AnotherSignature(*firmware_signature_) + R"("}}
)";
    testing::WriteFile(d / "inventory.yaml", inventory);
    inventory_path_ = new std::string((d / "inventory.yaml").string());
    inventory_ = new std::string(inventory);

    const std::string crl =
        testing::Crl(pki_->intermediate.get(), pki_->intermediate_key.get(), {0x1005});
    anchors_ = new std::string("apiVersion: stagegate/v1\nkind: TrustAnchors\nmetadata: {name: fleet-pki}\nspec:\n"
                               "  certificates:\n    - |\n" +
                               Indent(testing::Pem(pki_->root.get()), 6) + "  crls:\n    - |\n" + Indent(crl, 6));
    repository_ = new std::string(
        *anchors_ + "---\napiVersion: stagegate/v1\nkind: KeySet\nmetadata: {name: vendors}\nspec:\n  keys:\n"
                    "    - id: vendor-2026\n      publicKey: |\n" +
        Indent(testing::PublicKeyPem(vendor.get()), 8) +
        "---\napiVersion: stagegate/v1\nkind: FirmwareMeasurements\nmetadata: {name: fw}\nspec:\n"
        "  versions:\n    \"4.2.0\": {pcr0: aa, pcr7: BB}\n"
        "---\napiVersion: stagegate/v1\nkind: VulnerabilityList\nmetadata: {name: cves}\nspec:\n  entries:\n"
        "    - {component: openssl, versions: [1.1.1j, 1.1.1k], id: CVE-2021-3711, severity: critical}\n"
        "    - {component: openssl, versions: [1.1.1k], id: CVE-2021-3449, severity: medium}\n"
        "    - {component: busybox, versions: [1.35.0], id: CVE-2022-48174, severity: critical}\n");
  }

  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete pki_;
    delete dir_;
  }

  void SetUp() override { Build(*repository_, kNow); }

  void Build(const std::string& repository, std::chrono::sys_seconds now) {
    subjects_ = subjects::SubjectSet();
    subjects_.AddFile(*inventory_path_, *inventory_);
    subjects_.Finish();
    ASSERT_TRUE(subjects_.ok()) << subjects::FormatInputError(subjects_.errors().front());
    bundle::Bundle bundle;
    bundle.files.push_back({"fleet/trust.yaml", repository});
    TrustDocuments documents = LoadTrustDocuments(bundle);
    ASSERT_TRUE(documents.ok()) << FormatTrustDocumentError(documents.errors.front());
    std::vector<std::string> errors;
    trust_ = DeviceTrust::Create(std::move(documents), &subjects_, {now}, &errors);
    ASSERT_NE(trust_, nullptr);
  }

  nlohmann::json Fact(const std::string& device, const std::string& fact) {
    const subjects::Subject* subject = subjects_.Find(facts::SubjectKind::kDevice, device);
    EXPECT_NE(subject, nullptr) << device;
    if (subject == nullptr) return nullptr;
    const subjects::ComputedFact computed = trust_->Compute(*subject, fact);
    EXPECT_TRUE(computed.error.empty()) << device << " " << fact << ": " << computed.error;
    EXPECT_TRUE(computed.value.has_value()) << device << " " << fact << " is missing";
    return computed.value.value_or(nullptr);
  }

  std::string FactError(const std::string& device, const std::string& fact) {
    const subjects::Subject* subject = subjects_.Find(facts::SubjectKind::kDevice, device);
    if (subject == nullptr) return "no subject";
    return trust_->Compute(*subject, fact).error;
  }

  static testing::FleetPki* pki_;
  static std::filesystem::path* dir_;
  // "inventory.yaml:12: device 'dev-001'": how messages name a record.
  std::string Where(const std::string& device) {
    const subjects::Subject* subject = subjects_.Find(facts::SubjectKind::kDevice, device);
    return *inventory_path_ + ":" + std::to_string(subject->location.line) + ": device '" + device + "'";
  }

  static std::string *inventory_path_, *inventory_, *anchors_, *repository_, *firmware_signature_, *firmware_sha256_;
  subjects::SubjectSet subjects_;
  std::shared_ptr<const DeviceTrust> trust_;
};

testing::FleetPki* DeviceTrustTest::pki_ = nullptr;
std::filesystem::path* DeviceTrustTest::dir_ = nullptr;
std::string* DeviceTrustTest::inventory_path_ = nullptr;
std::string* DeviceTrustTest::inventory_ = nullptr;
std::string* DeviceTrustTest::anchors_ = nullptr;
std::string* DeviceTrustTest::repository_ = nullptr;
std::string* DeviceTrustTest::firmware_signature_ = nullptr;
std::string* DeviceTrustTest::firmware_sha256_ = nullptr;

TEST_F(DeviceTrustTest, DescribesAValidDeviceCertificate) {
  EXPECT_EQ(Fact("dev-001", "identity.cert.subject"), "CN=dev-001,O=Acme Fleet");
  EXPECT_EQ(Fact("dev-001", "identity.cert.issuer"), "CN=Acme Device CA,O=Acme Fleet");
  EXPECT_EQ(Fact("dev-001", "identity.cert.serial"), "1001");
  EXPECT_EQ(Fact("dev-001", "identity.cert.not_before"), "2026-11-01T00:00:00Z");
  EXPECT_EQ(Fact("dev-001", "identity.cert.not_after"), "2027-03-01T00:00:00Z");
  EXPECT_EQ(Fact("dev-001", "identity.cert.days_to_expiry"), 90);
  EXPECT_EQ(Fact("dev-001", "identity.cert.key_type"), "ed25519");
  EXPECT_EQ(Fact("dev-001", "identity.cert.key_bits"), 256);
  EXPECT_EQ(Fact("dev-001", "identity.cert.curve"), "");
  EXPECT_EQ(Fact("dev-001", "identity.cert.signature_algorithm"), "ecdsa-with-SHA256");
  EXPECT_EQ(Fact("dev-001", "identity.cert.chain_valid"), true);
  EXPECT_EQ(Fact("dev-001", "identity.cert.chain_error"), "");
  EXPECT_EQ(Fact("dev-001", "identity.cert.revoked"), false);
  EXPECT_EQ(Fact("dev-001", "identity.cert.self_signed"), false);
  EXPECT_EQ(Fact("dev-001", "identity.cert.san"),
            (nlohmann::json{"dev-001.fleet.acme", "urn:acme:device:dev-001"}));
  EXPECT_EQ(Fact("dev-001", "identity.cert.device_id_bound"), true);
  EXPECT_EQ(Fact("dev-p256", "identity.cert.key_type"), "ec");
  EXPECT_EQ(Fact("dev-p256", "identity.cert.key_bits"), 256);
  EXPECT_EQ(Fact("dev-p256", "identity.cert.curve"), "prime256v1");
}

TEST_F(DeviceTrustTest, ExpiredAndNotYetValidCertificatesFailTheChain) {
  EXPECT_EQ(Fact("expired", "identity.cert.chain_valid"), false);
  EXPECT_EQ(Fact("expired", "identity.cert.chain_error"), "certificate has expired");
  EXPECT_EQ(Fact("expired", "identity.cert.days_to_expiry"), -10);
  EXPECT_EQ(Fact("future", "identity.cert.chain_valid"), false);
  EXPECT_EQ(Fact("future", "identity.cert.chain_error"), "certificate is not yet valid");
}

TEST_F(DeviceTrustTest, TheRunsClockDecidesValidity) {
  const std::string without_crls = anchors_->substr(0, anchors_->find("  crls:"));
  Build(without_crls, kNow + std::chrono::seconds(100 * kDay));
  EXPECT_EQ(Fact("dev-001", "identity.cert.chain_valid"), false);
  EXPECT_EQ(Fact("dev-001", "identity.cert.chain_error"), "certificate has expired");
  EXPECT_EQ(Fact("dev-001", "identity.cert.days_to_expiry"), -10);
  Build(without_crls, kNow + std::chrono::seconds(10 * kDay));
  EXPECT_EQ(Fact("future", "identity.cert.chain_valid"), true);
  // A CRL past its nextUpdate makes every chain of its issuer fail.
  Build(*repository_, kNow + std::chrono::seconds(10 * kDay));
  EXPECT_EQ(Fact("future", "identity.cert.chain_error"), "CRL has expired");
}

TEST_F(DeviceTrustTest, ACertificateOfAnotherRootDoesNotChain) {
  EXPECT_EQ(Fact("stranger", "identity.cert.chain_valid"), false);
  EXPECT_EQ(Fact("stranger", "identity.cert.chain_error"), "unable to get local issuer certificate");
  EXPECT_EQ(Fact("stranger", "identity.cert.issuer"), "CN=Other Root CA,O=Acme Fleet");
}

TEST_F(DeviceTrustTest, ARevokedCertificateIsRevokedAndInvalid) {
  EXPECT_EQ(Fact("revoked", "identity.cert.revoked"), true);
  EXPECT_EQ(Fact("revoked", "identity.cert.chain_valid"), false);
  EXPECT_EQ(Fact("revoked", "identity.cert.chain_error"), "certificate revoked");
}

TEST_F(DeviceTrustTest, WithoutCrlsRevocationIsUnknownAndChainsStillVerify) {
  Build(anchors_->substr(0, anchors_->find("  crls:")), kNow);
  EXPECT_EQ(FactError("revoked", "identity.cert.revoked"),
            "no CRL in the TrustAnchors documents: add spec.crls to check revocation");
  EXPECT_EQ(Fact("revoked", "identity.cert.chain_valid"), true);
}

TEST_F(DeviceTrustTest, WeakKeysAndSha1SignaturesAreReported) {
  EXPECT_EQ(Fact("rsa1024", "identity.cert.key_type"), "rsa");
  EXPECT_EQ(Fact("rsa1024", "identity.cert.key_bits"), 1024);
  EXPECT_EQ(Fact("sha1", "identity.cert.signature_algorithm"), "ecdsa-with-SHA1");
}

TEST_F(DeviceTrustTest, ACertificateWithoutSanOrIdIsNotBound) {
  EXPECT_EQ(Fact("nosan", "identity.cert.san"), nlohmann::json::array());
  EXPECT_EQ(Fact("nosan", "identity.cert.device_id_bound"), false);
  EXPECT_EQ(Fact("nosan", "identity.cert.chain_valid"), true);
}

TEST_F(DeviceTrustTest, AServerOnlyCertificateFailsTheClientPurpose) {
  EXPECT_EQ(Fact("server", "identity.cert.chain_valid"), false);
  EXPECT_EQ(Fact("server", "identity.cert.chain_error"), "unsuitable certificate purpose");
}

TEST_F(DeviceTrustTest, ARootIsSelfSigned) {
  testing::WriteFile(*dir_ / "pki" / "self.pem", testing::Pem(pki_->root.get()));
  // The root as a device's own certificate: self-signed, and not a TLS client leaf of the fleet.
  subjects::SubjectSet set;
  set.AddDocument({{"kind", "device"}, {"id", "self"}, {"identity", {{"certificate", "pki/self.pem"}}}},
                  {*inventory_path_, 1});
  set.Finish();
  bundle::Bundle bundle;
  bundle.files.push_back({"trust.yaml", *anchors_});
  std::vector<std::string> errors;
  auto trust = DeviceTrust::Create(LoadTrustDocuments(bundle), &set, {kNow}, &errors);
  const subjects::Subject& self = *set.Find(facts::SubjectKind::kDevice, "self");
  EXPECT_EQ(trust->Compute(self, "identity.cert.self_signed").value, true);
  EXPECT_EQ(Fact("dev-001", "identity.cert.self_signed"), false);
}

TEST_F(DeviceTrustTest, ACertificateThatIsNotPemIsAnErrorNamingTheFile) {
  EXPECT_EQ(FactError("broken", "identity.cert.subject"),
            Where("broken") + ": " + (*dir_ / "pki" / "garbage.pem").string() +
                ": not a PEM certificate (expected '-----BEGIN CERTIFICATE-----' and a DER X.509 certificate in "
                "base64)");
  EXPECT_EQ(FactError("broken", "identity.cert.chain_valid"), FactError("broken", "identity.cert.subject"));
}

TEST_F(DeviceTrustTest, WithoutTrustAnchorsTheChainCannotBeJudged) {
  Build("apiVersion: stagegate/v1\nkind: Policy\n", kNow);
  EXPECT_EQ(FactError("dev-001", "identity.cert.chain_valid"),
            "no TrustAnchors document in the policy repository: add one with the fleet's root certificates");
  EXPECT_EQ(Fact("dev-001", "identity.cert.subject"), "CN=dev-001,O=Acme Fleet");
}

TEST_F(DeviceTrustTest, ADeviceSignedAttestationVerifiesAndMatchesItsMeasurements) {
  EXPECT_EQ(Fact("dev-001", "attestation.verified"), true);
  EXPECT_EQ(Fact("dev-001", "attestation.last"), "2026-11-30T00:00:00Z");
  EXPECT_DOUBLE_EQ(Fact("dev-001", "attestation.age_h").get<double>(), 24.0);
  EXPECT_EQ(Fact("dev-001", "attestation.pcr_match"), true);
  EXPECT_EQ(Fact("dev-001", "identity.hardware_backed"), true);
  // ECDSA P-256 device keys too; a software key is not hardware backed.
  EXPECT_EQ(Fact("dev-p256", "attestation.verified"), true);
  EXPECT_DOUBLE_EQ(Fact("dev-p256", "attestation.age_h").get<double>(), 12.0);
  EXPECT_EQ(Fact("dev-p256", "identity.hardware_backed"), false);
}

TEST_F(DeviceTrustTest, EveryGroupThatReadsTheCertificateGetsItWhicheverIsComputedLast) {
  // The parsed certificate is freed once the certificate, chain and
  // attestation groups are all computed: the last of them must still see it.
  const std::vector<std::vector<std::string>> orders = {
      {"identity.cert.subject", "identity.cert.chain_valid", "attestation.verified"},
      {"attestation.verified", "identity.cert.chain_valid", "identity.cert.subject"},
      {"identity.cert.subject", "attestation.verified", "identity.cert.chain_valid"}};
  const std::map<std::string, nlohmann::json> expected = {{"identity.cert.subject", "CN=dev-001,O=Acme Fleet"},
                                                          {"identity.cert.chain_valid", true},
                                                          {"attestation.verified", true}};
  for (const std::vector<std::string>& order : orders) {
    Build(*anchors_, kNow);
    for (const std::string& fact : order) EXPECT_EQ(Fact("dev-001", fact), expected.at(fact)) << fact;
    // Read again once freed: the groups keep their facts.
    for (const std::string& fact : order) EXPECT_EQ(Fact("dev-001", fact), expected.at(fact)) << fact;
  }
}

TEST_F(DeviceTrustTest, ForgedOrTamperedReportsDoNotVerify) {
  EXPECT_EQ(Fact("forged", "attestation.verified"), false);
  EXPECT_EQ(Fact("tampered", "attestation.verified"), false);
  EXPECT_EQ(Fact("tampered", "attestation.pcr_match"), false);  // pcr0 ab ≠ aa
}

TEST_F(DeviceTrustTest, AReportOfAnotherDeviceDoesNotVerify) {
  // "replayed" presents dev-001's certificate and dev-001's genuine report: the
  // signature verifies, but the report names another device.
  EXPECT_EQ(Fact("replayed", "attestation.verified"), false);
  EXPECT_EQ(Fact("dev-001", "attestation.verified"), true);
  // PCRs are compared whoever signed the report: rules pair pcr_match with verified.
  EXPECT_EQ(Fact("forged", "attestation.pcr_match"), true);
}

TEST_F(DeviceTrustTest, WithoutMeasurementsPcrMatchIsAnError) {
  Build(*anchors_, kNow);
  EXPECT_EQ(FactError("dev-001", "attestation.pcr_match"),
            "no FirmwareMeasurements document in the policy repository: add the expected PCRs per firmware version");
  EXPECT_EQ(Fact("dev-001", "attestation.verified"), true);
  EXPECT_EQ(FactError("dev-001", "firmware.known_vulnerable"),
            "no VulnerabilityList document in the policy repository: add one to check firmware components");
}

TEST_F(DeviceTrustTest, AMalformedReportIsAnErrorNamingTheFile) {
  EXPECT_EQ(FactError("broken", "attestation.last"),
            (*dir_ / "attest" / "broken.json").string() +
                ": not an attestation envelope: expected JSON {\"payload\": base64, \"signature\": base64}");
  EXPECT_FALSE(subjects_.Find(facts::SubjectKind::kDevice, "expired") == nullptr);
  EXPECT_FALSE(trust_->Compute(*subjects_.Find(facts::SubjectKind::kDevice, "expired"), "attestation.last").value);
}

TEST_F(DeviceTrustTest, FirmwareSignatureAndDigest) {
  EXPECT_EQ(Fact("dev-001", "firmware.sha256"), *firmware_sha256_);
  EXPECT_EQ(Fact("dev-001", "firmware.signature_valid"), true);
  EXPECT_EQ(Fact("dev-p256", "firmware.signature_valid"), false);  // the tampered image
  EXPECT_EQ(Fact("tampered", "firmware.signature_valid"), false);  // no signature at all
  EXPECT_EQ(FactError("forged", "firmware.signature_valid"),
            Where("forged") + ": firmware.key 'unknown-key' is not in any KeySet of the policy "
                               "repository");
  EXPECT_EQ(FactError("broken", "firmware.sha256"),
            Where("broken") + ": firmware.image: " + (*dir_ / "fw" / "missing.bin").string() +
                ": cannot read the file (no such regular file)");
}

TEST_F(DeviceTrustTest, DevicesOfOneImageShareItsCheckedSignatureButNotAnotherSignature) {
  EXPECT_EQ(Fact("dev-001", "firmware.signature_valid"), true);
  EXPECT_EQ(Fact("same-image", "firmware.signature_valid"), true);
  EXPECT_EQ(Fact("other-signature", "firmware.signature_valid"), false);
  EXPECT_EQ(Fact("dev-p256", "firmware.signature_valid"), false);  // dev-001's signature, another image
}

TEST_F(DeviceTrustTest, FirmwareComponentsAgainstTheVulnerabilityList) {
  EXPECT_EQ(Fact("dev-001", "firmware.known_vulnerable"), true);
  EXPECT_EQ(Fact("dev-001", "firmware.vulnerabilities"), (nlohmann::json{"CVE-2021-3449", "CVE-2021-3711"}));
  EXPECT_EQ(Fact("dev-p256", "firmware.known_vulnerable"), false);
  EXPECT_EQ(Fact("dev-p256", "firmware.vulnerabilities"), nlohmann::json::array());
}

TEST_F(DeviceTrustTest, WeakCiphersAreListedInTheirOrder) {
  EXPECT_EQ(Fact("dev-001", "tls.ciphers_weak"),
            (nlohmann::json{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-AES128-SHA", "RC4-MD5"}));
  EXPECT_EQ(Fact("dev-p256", "tls.ciphers_weak"), nlohmann::json::array());
}

TEST_F(DeviceTrustTest, AclTopicsAndScope) {
  EXPECT_EQ(Fact("dev-001", "acl.topics"),
            (nlohmann::json{"cmd/dev-001/+", "fleet/plant-a/config", "fleet/plant-a/dev-001/#",
                            "fleet/plant-a/dev-001/status"}));
  EXPECT_EQ(Fact("dev-001", "acl.overbroad"), true);
  EXPECT_EQ(Fact("dev-001", "acl.overbroad_topics"), (nlohmann::json{"cmd/dev-001/+", "fleet/plant-a/config"}));
  EXPECT_EQ(Fact("dev-p256", "acl.overbroad_topics"), (nlohmann::json{"cmd/dev-p256/+"}));
  EXPECT_EQ(Fact("legacy", "acl.overbroad_topics"), (nlohmann::json{"#", "cmd/legacy/+"}));
}

TEST_F(DeviceTrustTest, AWildcardWiderThanTheTopicsTheDeviceUsesIsOverbroad) {
  EXPECT_EQ(Fact("uses-telemetry", "acl.overbroad"), true);
  EXPECT_EQ(Fact("uses-telemetry", "acl.overbroad_topics"),
            (nlohmann::json{"cmd/dev-001/+", "fleet/plant-a/config",
                            "fleet/plant-a/dev-001/# (wider than the topics it uses: "
                            "fleet/plant-a/dev-001/telemetry/#, fleet/plant-a/dev-001/status)"}));
  // The device needs its whole subtree: the grant is judged as without mqtt.topics.
  EXPECT_EQ(Fact("uses-subtree", "acl.overbroad_topics"), Fact("dev-001", "acl.overbroad_topics"));
  EXPECT_EQ(FactError("uses-malformed", "acl.overbroad"),
            Where("uses-malformed") + ": mqtt.topics must be a list of topic filters (the topics the device uses)");
  EXPECT_EQ(Fact("uses-malformed", "acl.topics").size(), 4u);  // the grants are still listed
}

TEST_F(DeviceTrustTest, AMalformedAclIsAnErrorNamingItsLine) {
  EXPECT_EQ(FactError("broken", "acl.topics"),
            (*dir_ / "broker" / "broken.acl").string() +
                ":3: unknown directive 'allow'; an acl_file has 'user', 'topic' and 'pattern' lines");
}

TEST_F(DeviceTrustTest, RecordsEveryFileAsAnInputWithItsDigest) {
  bool firmware = false;
  for (const eval::InputInfo& input : subjects_.inputs()) {
    if (input.path == (*dir_ / "fw" / "4.2.0.bin").string()) firmware = input.sha256 == *firmware_sha256_;
  }
  EXPECT_TRUE(firmware);
}

TEST(TrustDocumentsTest, AMalformedAnchorIsAnErrorWithItsPosition) {
  bundle::Bundle bundle;
  bundle.files.push_back({"trust/anchors.yaml",
                          "apiVersion: stagegate/v1\nkind: TrustAnchors\nmetadata: {name: fleet}\nspec:\n"
                          "  certificates:\n    - not a certificate\n"});
  const TrustDocuments documents = LoadTrustDocuments(bundle);
  ASSERT_EQ(documents.errors.size(), 1u);
  EXPECT_EQ(FormatTrustDocumentError(documents.errors[0]),
            "trust/anchors.yaml:6:7: error: trust anchor: not a PEM certificate (expected '-----BEGIN "
            "CERTIFICATE-----' and a DER X.509 certificate in base64)");
}

TEST(TrustDocumentsTest, AVulnerabilityListNeedsEntries) {
  bundle::Bundle bundle;
  bundle.files.push_back({"cves.yaml", "apiVersion: stagegate/v1\nkind: VulnerabilityList\nmetadata: {name: c}\n"
                                       "spec: {entries: [{component: openssl}]}\n"});
  const TrustDocuments documents = LoadTrustDocuments(bundle);
  ASSERT_EQ(documents.errors.size(), 1u);
  EXPECT_EQ(FormatTrustDocumentError(documents.errors[0]),
            "cves.yaml:4:18: error: each entry needs 'component', 'versions' (a list) and 'id'");
}

}  // namespace
}  // namespace stagegate::devices
