#include "tests/unit/cel/extensions/test_util.h"

namespace stagegate::cel::testing {
namespace {

class EncodersTest : public ::testing::Test {
 protected:
  Value Decode(std::string_view s) { return h_.Call("base64_decode_string", {Str(s)}); }
  Value Encode(std::string_view b) { return h_.Call("base64_encode_bytes", {Value::Bytes(b)}); }
  ExtensionHarness h_;
};

::testing::AssertionResult IsBytes(const Value& v, std::string_view expected) {
  if (!v.IsBytes()) return ::testing::AssertionFailure() << "not bytes: " << v.DebugString();
  if (v.GetString() != expected) return ::testing::AssertionFailure() << "got " << v.DebugString();
  return ::testing::AssertionSuccess();
}

TEST_F(EncodersTest, Encode) {
  EXPECT_TRUE(IsString(Encode("hello"), "aGVsbG8="));
  EXPECT_TRUE(IsString(Encode(""), ""));
  EXPECT_TRUE(IsString(Encode("ab"), "YWI="));
  EXPECT_TRUE(IsString(Encode("abc"), "YWJj"));
  EXPECT_TRUE(IsString(Encode(std::string_view("\xff\xfe\x00", 3)), "//4A"));
}

TEST_F(EncodersTest, DecodeAcceptsPaddedAndUnpadded) {
  EXPECT_TRUE(IsBytes(Decode("aGVsbG8="), "hello"));
  EXPECT_TRUE(IsBytes(Decode("aGVsbG8"), "hello"));
  EXPECT_TRUE(IsBytes(Decode("YWI="), "ab"));
  EXPECT_TRUE(IsBytes(Decode("YWI"), "ab"));
  EXPECT_TRUE(IsBytes(Decode("YQ=="), "a"));
  EXPECT_TRUE(IsBytes(Decode("YQ"), "a"));
  EXPECT_TRUE(IsBytes(Decode(""), ""));
  EXPECT_TRUE(IsBytes(Decode("//4A"), std::string_view("\xff\xfe\x00", 3)));
}

TEST_F(EncodersTest, DecodeRejectsInvalidInput) {
  EXPECT_TRUE(IsError(Decode("a*b="), "illegal base64 data at input byte 1"));
  EXPECT_TRUE(IsError(Decode("a"), "illegal base64 data at input byte 0"));
  EXPECT_TRUE(IsError(Decode("YQ="), "illegal base64 data at input byte 2"));
  EXPECT_TRUE(IsError(Decode("YWJj="), "illegal base64 data at input byte 4"));
  EXPECT_TRUE(IsError(Decode("Y==="), "illegal base64 data at input byte 1"));
  EXPECT_TRUE(IsError(h_.Call("base64_decode_string", {Value::Int(1)}), "no such overload"));
}

}  // namespace
}  // namespace stagegate::cel::testing
