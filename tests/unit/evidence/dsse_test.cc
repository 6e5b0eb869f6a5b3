#include "engine/evidence/dsse.h"

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/common/encoding.h"

namespace stagegate::evidence {
namespace {

using nlohmann::json;
using testing::StartsWith;

SigningKey MustGenerate() {
  std::string error;
  std::optional<SigningKey> key = SigningKey::Generate(&error);
  EXPECT_TRUE(key.has_value()) << error;
  return *key;
}

std::string Reencode(const std::string& base64, void (*change)(std::string&)) {
  std::string bytes = *common::Base64Decode(base64);
  change(bytes);
  return common::Base64Encode(bytes);
}

TEST(EvidenceDsseTest, PreAuthEncodingMatchesTheSpecification) {
  // The test vector of the DSSE protocol (secure-systems-lab/dsse, protocol.md).
  EXPECT_EQ(PreAuthEncoding("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(PreAuthEncoding("", ""), "DSSEv1 0  0 ");
  // Lengths count bytes, in decimal without leading zeros; bodies are binary.
  EXPECT_EQ(PreAuthEncoding("t", "\xc3\xa9"), "DSSEv1 1 t 2 \xc3\xa9");
  std::string body(1234, '\0');
  EXPECT_EQ(PreAuthEncoding("application/vnd.in-toto+json", body),
            "DSSEv1 28 application/vnd.in-toto+json 1234 " + body);
}

TEST(EvidenceDsseTest, SignedEnvelopeVerifies) {
  SigningKey key = MustGenerate();
  json envelope = SignEnvelope("http://example.com/HelloWorld", "hello world", key);
  EXPECT_EQ(envelope["payload"], "aGVsbG8gd29ybGQ=");
  EXPECT_EQ(envelope["payloadType"], "http://example.com/HelloWorld");
  ASSERT_EQ(envelope["signatures"].size(), 1u);
  EXPECT_EQ(envelope["signatures"][0]["keyid"], key.Public().KeyId());
  std::string sig = *common::Base64Decode(envelope["signatures"][0]["sig"].get<std::string>());
  EXPECT_TRUE(key.Public().Verify(PreAuthEncoding("http://example.com/HelloWorld", "hello world"), sig));

  std::string error;
  std::optional<std::string> payload = VerifyEnvelope(envelope, key.Public(), &error);
  ASSERT_TRUE(payload.has_value()) << error;
  EXPECT_EQ(*payload, "hello world");

  // Binary payloads survive, through a JSON text round trip too.
  std::string binary("\0\xff\x01 binary", 10);
  json reparsed = json::parse(SignEnvelope("application/octet-stream", binary, key).dump());
  EXPECT_EQ(VerifyEnvelope(reparsed, key.Public(), &error), binary) << error;
}

TEST(EvidenceDsseTest, TamperedEnvelopesAreRejected) {
  SigningKey key = MustGenerate();
  const json envelope = SignEnvelope("application/vnd.stagegate.checkpoint", "size 42 root abc", key);
  std::string error;

  json payload = envelope;
  payload["payload"] = common::Base64Encode("size 43 root abc");
  EXPECT_FALSE(VerifyEnvelope(payload, key.Public(), &error).has_value());
  EXPECT_EQ(error, "DSSE envelope: no signature verifies under key " + key.Public().KeyId());

  json type = envelope;
  type["payloadType"] = "application/vnd.stagegate.other";
  EXPECT_FALSE(VerifyEnvelope(type, key.Public(), &error).has_value());

  for (void (*change)(std::string&) :
       {+[](std::string& s) { s[0] = static_cast<char>(s[0] ^ 1); },
        +[](std::string& s) { s[63] = static_cast<char>(s[63] ^ 0x80); }, +[](std::string& s) { s.pop_back(); },
        +[](std::string& s) { s.push_back('\0'); }, +[](std::string& s) { s.clear(); }}) {
    json sig = envelope;
    sig["signatures"][0]["sig"] = Reencode(envelope["signatures"][0]["sig"], change);
    EXPECT_FALSE(VerifyEnvelope(sig, key.Public(), &error).has_value());
  }

  EXPECT_FALSE(VerifyEnvelope(envelope, MustGenerate().Public(), &error).has_value());
  EXPECT_THAT(error, StartsWith("DSSE envelope: no signature verifies under key "));
}

TEST(EvidenceDsseTest, AnyVerifyingSignatureIsEnoughAndTheKeyIdIsOnlyAHint) {
  SigningKey key = MustGenerate();
  SigningKey other = MustGenerate();
  json envelope = SignEnvelope("t", "body", key);
  json foreign = SignEnvelope("t", "body", other)["signatures"][0];
  envelope["signatures"].insert(envelope["signatures"].begin(), foreign);
  std::string error;
  EXPECT_EQ(VerifyEnvelope(envelope, key.Public(), &error), "body") << error;
  EXPECT_EQ(VerifyEnvelope(envelope, other.Public(), &error), "body") << error;
  // A wrong or absent key id does not matter; only the signature does.
  envelope["signatures"][1]["keyid"] = "somebody else";
  EXPECT_EQ(VerifyEnvelope(envelope, key.Public(), &error), "body") << error;
  envelope["signatures"][1].erase("keyid");
  EXPECT_EQ(VerifyEnvelope(envelope, key.Public(), &error), "body") << error;
}

TEST(EvidenceDsseTest, UrlSafeBase64IsAccepted) {
  SigningKey key = MustGenerate();
  std::string payload("\xfb\xff", 2);  // "+/8=" in the standard alphabet
  json envelope = SignEnvelope("t", payload, key);
  ASSERT_EQ(envelope["payload"], "+/8=");
  std::string error;
  envelope["payload"] = "-_8=";
  EXPECT_EQ(VerifyEnvelope(envelope, key.Public(), &error), payload) << error;
  envelope["payload"] = "-_8";
  EXPECT_EQ(VerifyEnvelope(envelope, key.Public(), &error), payload) << error;
  std::string sig = envelope["signatures"][0]["sig"];
  for (char& c : sig) c = c == '+' ? '-' : c == '/' ? '_' : c;
  envelope["signatures"][0]["sig"] = sig;
  EXPECT_EQ(VerifyEnvelope(envelope, key.Public(), &error), payload) << error;
  // Mixing the alphabets in one value is not base64 of either kind.
  envelope["payload"] = "-/8=";
  EXPECT_FALSE(VerifyEnvelope(envelope, key.Public(), &error).has_value());
  EXPECT_EQ(error, "DSSE envelope: \"payload\" is not valid base64");
}

TEST(EvidenceDsseTest, MalformedEnvelopesAreRejectedWithTheReason) {
  SigningKey key = MustGenerate();
  const json good = SignEnvelope("t", "body", key);
  struct Case {
    std::function<void(json&)> change;
    std::string error;
  };
  const std::vector<Case> cases = {
      {[](json& e) { e = json::array(); }, "DSSE envelope: not a JSON object"},
      {[](json& e) { e.erase("payload"); }, "DSSE envelope: missing \"payload\""},
      {[](json& e) { e["payload"] = 5; }, "DSSE envelope: \"payload\" is not a string"},
      {[](json& e) { e["payload"] = "Ym9keQ="; }, "DSSE envelope: \"payload\" is not valid base64"},
      {[](json& e) { e["payload"] = "Ym9k eQ=="; }, "DSSE envelope: \"payload\" is not valid base64"},
      {[](json& e) { e["payload"] = "Ym9keQ==\n"; }, "DSSE envelope: \"payload\" is not valid base64"},
      {[](json& e) { e.erase("payloadType"); }, "DSSE envelope: missing \"payloadType\""},
      {[](json& e) { e["payloadType"] = nullptr; }, "DSSE envelope: \"payloadType\" is not a string"},
      {[](json& e) { e.erase("signatures"); }, "DSSE envelope: missing \"signatures\""},
      {[](json& e) { e["signatures"] = json::array(); }, "DSSE envelope: \"signatures\" is not a non-empty array"},
      {[](json& e) { e["signatures"] = e["signatures"][0]; }, "DSSE envelope: \"signatures\" is not a non-empty array"},
      {[](json& e) { e["signatures"][0] = "sig"; }, "DSSE envelope: signatures[0] is not an object"},
      {[](json& e) { e["signatures"][0].erase("sig"); }, "DSSE envelope: signatures[0]: missing \"sig\""},
      {[](json& e) { e["signatures"][0]["sig"] = json::array(); },
       "DSSE envelope: signatures[0]: \"sig\" is not a string"},
      {[](json& e) { e["signatures"][0]["sig"] = "%%%%"; },
       "DSSE envelope: signatures[0]: \"sig\" is not valid base64"},
      {[](json& e) { e["signatures"][0]["keyid"] = 7; }, "DSSE envelope: signatures[0]: \"keyid\" is not a string"},
      {[](json& e) {
         e["signatures"].push_back({{"sig", "!"}});
       },
       "DSSE envelope: signatures[1]: \"sig\" is not valid base64"},
  };
  for (const Case& c : cases) {
    json envelope = good;
    c.change(envelope);
    std::string error;
    EXPECT_FALSE(VerifyEnvelope(envelope, key.Public(), &error).has_value()) << c.error;
    EXPECT_EQ(error, c.error);
  }
  EXPECT_FALSE(VerifyEnvelope(json(), key.Public(), nullptr).has_value());
}

}  // namespace
}  // namespace stagegate::evidence
