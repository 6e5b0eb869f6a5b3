#include "engine/common/encoding.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace stagegate::common {
namespace {

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> kBase64Vectors = {
    {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};
const std::vector<std::pair<std::string, std::string>> kHexVectors = {
    {"", ""},          {"f", "66"},           {"fo", "666f"},         {"foo", "666f6f"},
    {"foob", "666f6f62"}, {"fooba", "666f6f6261"}, {"foobar", "666f6f626172"},
};

TEST(EvidenceEncodingTest, Base64Rfc4648Vectors) {
  for (const auto& [bytes, text] : kBase64Vectors) {
    EXPECT_EQ(Base64Encode(bytes), text);
    EXPECT_EQ(Base64Decode(text), bytes) << text;
  }
}

TEST(EvidenceEncodingTest, Base64RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t length = 0; length <= all.size(); ++length) {
    std::string bytes = all.substr(all.size() - length);
    std::string text = Base64Encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(Base64Decode(text), bytes) << length;
  }
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(EvidenceEncodingTest, Base64DecodeIsStrict) {
  for (const char* bad : {
           "Zg",          // padding missing
           "Zg=",         // padding short
           "Zg===",       // too much padding
           "Z===",        // three pad characters
           "====",        // only padding
           "=Zm8",        // padding first
           "Zm=8",        // padding inside
           "Zg==Zg==",    // padding in the middle
           "Zm9v====",    // a whole group of padding
           "Zm9v\n",      // whitespace
           " Zm9v",       //
           "Zm9v YmFy",   //
           "Zm9v\r\nYmFy",  //
           "Zm9-",        // URL-safe alphabet
           "Zm9_",        //
           "Zm9v*",       // not in any alphabet
           "Zh==",        // non-zero bits after the last byte
           "Zm9=",        //
           "Zm8",         // unpadded
       }) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_FALSE(Base64Decode(std::string("Zm9v\0", 5)).has_value());
  EXPECT_FALSE(Base64Decode(std::string("Zg=\0", 4)).has_value());
}

TEST(EvidenceEncodingTest, Base64UrlDecodeAcceptsPaddedAndUnpadded) {
  EXPECT_EQ(Base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(Base64UrlDecode("-_8="), std::string("\xfb\xff", 2));
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
  EXPECT_EQ(Base64UrlDecode("Zg=="), "f");
  EXPECT_EQ(Base64UrlDecode(""), "");
  for (const auto& [bytes, text] : kBase64Vectors) EXPECT_EQ(Base64UrlDecode(text), bytes) << text;
  for (const char* bad : {"+/8=", "Zg=", "Zg===", "Z", "Zh", "Zm9v\n", "Zg==Zg", "-_8 "}) {
    EXPECT_FALSE(Base64UrlDecode(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(EvidenceEncodingTest, HexVectorsAndRejections) {
  for (const auto& [bytes, text] : kHexVectors) {
    EXPECT_EQ(HexEncode(bytes), text);
    EXPECT_EQ(HexDecode(text), bytes) << text;
  }
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xf0\xff", 4)), "000ff0ff");
  EXPECT_EQ(HexDecode("DEADbeef"), std::string("\xde\xad\xbe\xef", 4));
  for (const char* bad : {"6", "666", "6g", "g6", " 66", "66 ", "0x66", "6-"}) {
    EXPECT_FALSE(HexDecode(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace stagegate::common
