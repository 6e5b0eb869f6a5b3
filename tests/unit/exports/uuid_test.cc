// RFC 9562 UUIDs of engine/common/uuid.cc. They live with the exports, their
// first users: OSCAL documents need version 4 (document) and version 5
// (observations, findings) UUIDs that NIST's schema accepts.

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/common/uuid.h"

namespace stagegate::common {
namespace {

constexpr const char* kDnsNamespace = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";  // RFC 9562, appendix C

bool HasVersionAndVariant(const std::string& uuid, char version) {
  return IsUuid(uuid) && uuid[14] == version && std::string("89ab").find(uuid[19]) != std::string::npos;
}

TEST(UuidTest, Version5KnownVector) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com").
  EXPECT_EQ(UuidV5(kDnsNamespace, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  EXPECT_EQ(UuidV5(kDnsNamespace, "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(UuidTest, Version5AcceptsAnUppercaseNamespace) {
  EXPECT_EQ(UuidV5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST(UuidTest, Version5IsStableAndNameSensitive) {
  const std::string a = UuidV5(kDnsNamespace, std::string("rule\0subject", 12));
  EXPECT_EQ(a, UuidV5(kDnsNamespace, std::string("rule\0subject", 12)));
  EXPECT_NE(a, UuidV5(kDnsNamespace, "rule"));  // the NUL and what follows count
  EXPECT_NE(a, UuidV5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", std::string("rule\0subject", 12)));
  EXPECT_TRUE(HasVersionAndVariant(a, '5'));
  EXPECT_TRUE(HasVersionAndVariant(UuidV5(kDnsNamespace, ""), '5'));
}

TEST(UuidTest, Version5RefusesABadNamespace) {
  EXPECT_EQ(UuidV5("", "x"), "");
  EXPECT_EQ(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x"), "");   // short
  EXPECT_EQ(UuidV5("6ba7b810x9dad-11d1-80b4-00c04fd430c8", "x"), "");  // dash missing
  EXPECT_EQ(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x"), "");  // not hex
}

TEST(UuidTest, Version4HasVersionAndVariantBitsAndIsRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string uuid = NewUuidV4();
    ASSERT_TRUE(HasVersionAndVariant(uuid, '4')) << uuid;
    for (char c : uuid) ASSERT_TRUE(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, IsUuid) {
  EXPECT_TRUE(IsUuid("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
  EXPECT_TRUE(IsUuid("2ED6657D-E927-568B-95E1-2665A8AEA6A2"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("2ed6657de927568b95e12665a8aea6a2"));
  EXPECT_FALSE(IsUuid("{2ed6657d-e927-568b-95e1-2665a8aea6a2}"));
  EXPECT_FALSE(IsUuid("2ed6657d-e927-568b-95e1-2665a8aea6a "));
}

}  // namespace
}  // namespace stagegate::common
