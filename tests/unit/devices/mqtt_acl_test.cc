#include "evaluators/devices/mqtt_acl.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "evaluators/devices/device_trust.h"

namespace stagegate::devices {
namespace {

using Topics = std::vector<std::string>;

TEST(MqttAclTest, ReadsUsersTopicsAndPatterns) {
  AclFile acl;
  std::string error;
  ASSERT_TRUE(ParseAcl("# broker\ntopic read public/#\nuser dev-001\n  topic fleet/a/dev-001/#\r\n"
                       "topic deny fleet/a/dev-001/keys\nuser other\ntopic write x/y z\npattern read cmd/%c/%u\n",
                       &acl, &error))
      << error;
  ASSERT_EQ(acl.entries.size(), 5u);
  EXPECT_EQ(acl.entries[0].user, "");  // anonymous clients
  EXPECT_EQ(acl.entries[1].access, AclAccess::kReadWrite);
  EXPECT_EQ(acl.entries[1].line, 4);
  EXPECT_EQ(acl.entries[3].topic, "x/y z");
  EXPECT_EQ(GrantedTopics(acl, "dev-001", "client-9"), (Topics{"cmd/client-9/dev-001", "fleet/a/dev-001/#"}));
  EXPECT_EQ(GrantedTopics(acl, "nobody", "c"), (Topics{"cmd/c/nobody"}));
}

TEST(MqttAclTest, AUserWithSeveralSectionsGetsTheTopicsOfEach) {
  AclFile acl;
  std::string error;
  ASSERT_TRUE(ParseAcl("user dev-1\ntopic a/1\nuser dev-2\ntopic b/2\npattern p/%u\nuser dev-1\ntopic read a/2\n"
                       "topic deny a/3\n",
                       &acl, &error))
      << error;
  EXPECT_EQ(GrantedTopics(acl, "dev-1", "c"), (Topics{"a/1", "a/2", "p/dev-1"}));
  EXPECT_EQ(GrantedTopics(acl, "dev-2", "c"), (Topics{"b/2", "p/dev-2"}));
  EXPECT_EQ(GrantedTopics(acl, "", "c"), (Topics{"p/"}));
}

TEST(MqttAclTest, RejectsUnknownDirectivesAndEmptyTopicsByLine) {
  AclFile acl;
  std::string error;
  EXPECT_FALSE(ParseAcl("user a\nallow all\n", &acl, &error));
  EXPECT_EQ(error, "line 2: unknown directive 'allow'; an acl_file has 'user', 'topic' and 'pattern' lines");
  EXPECT_FALSE(ParseAcl("topic read\n", &acl, &error));
  EXPECT_EQ(error, "line 1: 'topic' needs a topic filter");
  EXPECT_FALSE(ParseAcl("user\n", &acl, &error));
  EXPECT_EQ(error, "line 1: 'user' needs a username");
}

TEST(MqttAclTest, FlagsFiltersBeyondTheDevicesSubtree) {
  std::vector<std::string> overbroad;
  std::string error;
  ASSERT_TRUE(OverbroadTopics({"fleet/a/dev-1", "fleet/a/dev-1/#", "fleet/a/dev-1/+/t", "fleet/a/#", "#",
                               "fleet/+/dev-1", "+/a/dev-1/x", "fleet/a/dev-10", "fleet/a/dev-1x/#"},
                              "fleet/a/dev-1", nullptr, &overbroad, &error));
  EXPECT_EQ(overbroad, (Topics{"fleet/a/#", "#", "fleet/+/dev-1", "+/a/dev-1/x", "fleet/a/dev-10", "fleet/a/dev-1x/#"}));
  overbroad.clear();
  ASSERT_TRUE(OverbroadTopics({"fleet/a/dev-1/#"}, "fleet/a/dev-1/", nullptr, &overbroad, &error));
  EXPECT_TRUE(overbroad.empty());
  EXPECT_FALSE(OverbroadTopics({}, "fleet/+/dev-1", nullptr, &overbroad, &error));
  EXPECT_EQ(error, "mqtt.topic_root 'fleet/+/dev-1' must be a topic without wildcards (the device's own subtree)");
}

TEST(MqttAclTest, FlagsWildcardsWiderThanTheTopicsTheDeviceUses) {
  const Topics needed = {"fleet/a/dev-1/telemetry/#", "fleet/a/dev-1/cmd", "fleet/a/dev-1/+/status"};
  std::vector<std::string> overbroad;
  std::string error;
  ASSERT_TRUE(OverbroadTopics({"fleet/a/#", "fleet/a/dev-1/#", "fleet/a/dev-1/+", "fleet/a/dev-1/cmd",
                               "fleet/a/dev-1/config", "fleet/a/dev-1/telemetry/#", "fleet/a/dev-1/telemetry/+/x",
                               "fleet/a/dev-1/x/status", "fleet/a/dev-1/+/status", "fleet/a/dev-1/+/+"},
                              "fleet/a/dev-1", &needed, &overbroad, &error))
      << error;
  // Beyond the subtree: as written. Inside it, a wildcard no needed filter
  // covers: with the needed filters it covers, else all of them. An exact
  // topic is never judged against the needed ones.
  EXPECT_EQ(overbroad,
            (Topics{"fleet/a/#",
                    "fleet/a/dev-1/# (wider than the topics it uses: fleet/a/dev-1/telemetry/#, fleet/a/dev-1/cmd, "
                    "fleet/a/dev-1/+/status)",
                    "fleet/a/dev-1/+ (wider than the topics it uses: fleet/a/dev-1/cmd)",
                    "fleet/a/dev-1/+/+ (wider than the topics it uses: fleet/a/dev-1/+/status)"}));
}

TEST(MqttAclTest, WildcardsTheDeviceNeedsAreNotFlagged) {
  const Topics needed = {"fleet/a/dev-1/#"};
  std::vector<std::string> overbroad;
  std::string error;
  ASSERT_TRUE(OverbroadTopics({"fleet/a/dev-1/#", "fleet/a/dev-1/+/t", "fleet/a/dev-1"}, "fleet/a/dev-1", &needed,
                              &overbroad, &error))
      << error;
  EXPECT_TRUE(overbroad.empty());
  // No topic used: every wildcard of the subtree is wider than needed.
  const Topics none;
  ASSERT_TRUE(OverbroadTopics({"fleet/a/dev-1/+", "fleet/a/dev-1/t"}, "fleet/a/dev-1", &none, &overbroad, &error));
  EXPECT_EQ(overbroad, (Topics{"fleet/a/dev-1/+ (the device uses no topics)"}));
}

TEST(MqttAclTest, RejectsNeededTopicsThatAreNotFilters) {
  const Topics needed = {"fleet/a/dev-1/t", "fleet/a/dev-1/#/x"};
  std::vector<std::string> overbroad;
  std::string error;
  EXPECT_FALSE(OverbroadTopics({"fleet/a/dev-1/#"}, "fleet/a/dev-1", &needed, &overbroad, &error));
  EXPECT_EQ(error,
            "mqtt.topics[1] 'fleet/a/dev-1/#/x' is not a topic filter ('+' only as a whole level, '#' only as the "
            "whole last level)");
}

TEST(MqttAclTest, CoversFiltersLevelByLevel) {
  EXPECT_TRUE(FilterCovers("a/#", "a/+/b"));
  EXPECT_TRUE(FilterCovers("a/#", "a"));
  EXPECT_TRUE(FilterCovers("a/+/#", "a/x/#"));
  EXPECT_FALSE(FilterCovers("a/+/#", "a/#"));  // a/# matches `a`, a/+/# does not
  EXPECT_FALSE(FilterCovers("a/+", "a/#"));    // a/# matches a/x/y
  EXPECT_FALSE(FilterCovers("a/+/+", "a/#"));
  EXPECT_FALSE(FilterCovers("a/x", "a/+"));
  EXPECT_TRUE(FilterCovers("a/+", "a/x"));
  EXPECT_TRUE(FilterCovers("#", "a/#"));
  EXPECT_TRUE(IsTopicFilter("a/+/#"));
  EXPECT_FALSE(IsTopicFilter("a/b+"));
  EXPECT_FALSE(IsTopicFilter("a/#/b"));
  EXPECT_FALSE(IsTopicFilter(""));
}

TEST(MqttAclTest, MatchesTopicsAsMqttDoes) {
  EXPECT_TRUE(TopicMatches("fleet/+/t", "fleet/a/t"));
  EXPECT_FALSE(TopicMatches("fleet/+/t", "fleet/a/b/t"));
  EXPECT_TRUE(TopicMatches("fleet/#", "fleet"));
  EXPECT_TRUE(TopicMatches("fleet/#", "fleet/a/b"));
  EXPECT_FALSE(TopicMatches("fleet/#", "fleetx"));
  EXPECT_TRUE(TopicMatches("#", "anything/at/all"));
  EXPECT_TRUE(TopicMatches("a.b/(c)", "a.b/(c)"));  // regex characters are literal
  EXPECT_FALSE(TopicMatches("a.b", "axb"));
}

TEST(WeakCiphersTest, FlagsTheDocumentedMarkers) {
  EXPECT_EQ(WeakCiphers({"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
                         "TLS_RSA_WITH_NULL_SHA256", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA256", "EXP-RC4-MD5",
                         "DES-CBC3-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", "AES256-SHA", "ADH-AES128-GCM-SHA256",
                         "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"}),
            (Topics{"TLS_RSA_WITH_NULL_SHA256", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA256", "EXP-RC4-MD5", "DES-CBC3-SHA",
                    "TLS_RSA_WITH_AES_128_CBC_SHA", "AES256-SHA", "ADH-AES128-GCM-SHA256"}));
}

}  // namespace
}  // namespace stagegate::devices
