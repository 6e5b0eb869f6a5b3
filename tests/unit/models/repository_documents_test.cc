#include "evaluators/models/repository_documents.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tests/unit/models/signing_support.h"

namespace stagegate::models {
namespace {

bundle::Bundle BundleOf(std::string path, std::string content) {
  bundle::Bundle bundle;
  bundle.files.push_back({std::move(path), std::move(content)});
  return bundle;
}

TEST(ParseByteSizeTest, ReadsBinaryAndDecimalUnits) {
  EXPECT_EQ(ParseByteSize("1048576"), 1048576);
  EXPECT_EQ(ParseByteSize("64MiB"), 64 * 1048576);
  EXPECT_EQ(ParseByteSize("512 KiB"), 512 * 1024);
  EXPECT_EQ(ParseByteSize("2GB"), 2000000000);
  EXPECT_EQ(ParseByteSize("1.5KiB"), 1536);
  EXPECT_EQ(ParseByteSize("64 parsecs"), std::nullopt);
  EXPECT_EQ(ParseByteSize("-5"), std::nullopt);
  EXPECT_EQ(ParseByteSize(""), std::nullopt);
}

TEST(TrustedKeyTest, VerifiesEd25519AndP256SignaturesOverADigest) {
  for (const char* algorithm : {"ED25519", "P-256"}) {
    SCOPED_TRACE(algorithm);
    testing_support::TestKey key = testing_support::TestKey::Generate(algorithm);
    std::string error;
    auto trusted = keys::TrustedKey::FromPem("k1", key.public_pem, &error);
    ASSERT_TRUE(trusted) << error;
    const std::string message(32, '\x5a');
    const std::string signature = key.Sign(message);
    EXPECT_TRUE(trusted->Verify(message, signature));
    std::string tampered = message;
    tampered[3] ^= 1;
    EXPECT_FALSE(trusted->Verify(tampered, signature));
    EXPECT_FALSE(trusted->Verify(message, signature.substr(0, signature.size() - 1)));
    EXPECT_FALSE(trusted->Verify(message, ""));
  }
}

TEST(TrustedKeyTest, RefusesOtherKeyTypesAndGarbage) {
  std::string error;
  testing_support::TestKey rsa = testing_support::TestKey::Generate("RSA");
  EXPECT_FALSE(keys::TrustedKey::FromPem("r", rsa.public_pem, &error));
  EXPECT_NE(error.find("Ed25519 or ECDSA P-256"), std::string::npos) << error;
  EXPECT_FALSE(keys::TrustedKey::FromPem("g", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", &error));
  EXPECT_NE(error.find("not a PEM public key"), std::string::npos) << error;
}

TEST(LoadRepositoryDocumentsTest, ReadsKeySetsAndDeviceProfiles) {
  testing_support::TestKey key = testing_support::TestKey::Generate("ED25519");
  std::string pem;
  for (char c : key.public_pem) pem += c == '\n' ? std::string("\n        ") : std::string(1, c);
  const std::string text = "apiVersion: stagegate/v1\nkind: KeySet\nmetadata: {name: release}\nspec:\n  keys:\n"
                           "    - id: release-2026\n      publicKey: |\n        " + pem + "\n---\n"
                           "apiVersion: stagegate/v1\nkind: DeviceProfile\nmetadata: {name: edge-a53}\nspec:\n"
                           "  cpuClass: cortex-a53\n  memoryBudget: 2MiB\n  opsets: {ai.onnx: 13, ai.onnx.ml: 3}\n"
                           "  operators: [Gemm, Relu]\n  latencyBudgetMs: 5\n  latencyScale: 12\n";
  RepositoryDocuments documents = LoadRepositoryDocuments(BundleOf("profiles.yaml", text));
  ASSERT_TRUE(documents.ok()) << FormatDocumentError(documents.errors[0]);
  ASSERT_TRUE(documents.keys.contains("release-2026"));
  EXPECT_EQ(documents.keys.at("release-2026")->algorithm(), keys::SignatureAlgorithm::kEd25519);
  const DeviceProfile& profile = documents.profiles.at("edge-a53");
  EXPECT_EQ(profile.cpu_class, "cortex-a53");
  EXPECT_EQ(profile.memory_budget_bytes, 2 * 1048576);
  EXPECT_EQ(profile.max_opsets.at("ai.onnx"), 13);
  EXPECT_EQ(profile.operators->size(), 2u);
  EXPECT_EQ(profile.latency_budget_ms, 5.0);
  EXPECT_EQ(profile.latency_scale, 12.0);
}

TEST(LoadRepositoryDocumentsTest, NamesFileAndLineOfMistakes) {
  const std::string text = "apiVersion: stagegate/v1\nkind: DeviceProfile\nmetadata: {name: bad}\nspec:\n"
                           "  memoryBudget: lots\n";
  RepositoryDocuments documents = LoadRepositoryDocuments(BundleOf("p.yaml", text));
  ASSERT_EQ(documents.errors.size(), 1u);
  EXPECT_EQ(FormatDocumentError(documents.errors[0]),
            "p.yaml:5:17: error: memoryBudget must be a byte size such as 67108864, '64MiB' or '512KiB'");

  const std::string keys = "apiVersion: stagegate/v1\nkind: KeySet\nmetadata: {name: k}\nspec:\n  keys:\n"
                           "    - id: a\n      publicKey: nonsense\n";
  documents = LoadRepositoryDocuments(BundleOf("k.yaml", keys));
  ASSERT_EQ(documents.errors.size(), 1u);
  EXPECT_NE(FormatDocumentError(documents.errors[0]).find("k.yaml:7:18: error: key 'a': not a PEM public key"),
            std::string::npos)
      << FormatDocumentError(documents.errors[0]);
}

}  // namespace
}  // namespace stagegate::models
