#include <cmath>
#include <limits>

#include "tests/unit/cel/extensions/test_util.h"

namespace stagegate::cel::testing {
namespace {

class StringsTest : public ::testing::Test {
 protected:
  ExtensionHarness h_;
};

TEST_F(StringsTest, CharAt) {
  EXPECT_TRUE(IsString(h_.Call("string_char_at_int", {Str("tacocat"), Value::Int(3)}), "o"));
  EXPECT_TRUE(IsString(h_.Call("string_char_at_int", {Str("tacocat"), Value::Int(7)}), ""));
  EXPECT_TRUE(IsString(h_.Call("string_char_at_int", {Str("©αT"), Value::Int(1)}), "α"));
  EXPECT_TRUE(IsString(h_.Call("string_char_at_int", {Str("©αT"), Value::Int(2)}), "T"));
  EXPECT_TRUE(IsError(h_.Call("string_char_at_int", {Str("©αT"), Value::Int(4)}), "index out of range: 4"));
  EXPECT_TRUE(IsError(h_.Call("string_char_at_int", {Str("abc"), Value::Int(-1)}), "index out of range: -1"));
  EXPECT_TRUE(IsError(h_.Call("string_char_at_int", {Value::Int(42), Value::Int(1)}), "no such overload"));
}

TEST_F(StringsTest, IndexOf) {
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string", {Str("tacocat"), Str("")}), 0));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string", {Str("tacocat"), Str("ac")}), 1));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string", {Str("hello wello"), Str("elbo room!!")}), -1));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string", {Str("ta©o©αT"), Str("©")}), 2));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string_int", {Str("ta©o©αT"), Str("©"), Value::Int(3)}), 4));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string_int", {Str("tacocat"), Str(""), Value::Int(3)}), 3));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string_int", {Str("hello wello"), Str("ello"), Value::Int(6)}), 7));
  EXPECT_TRUE(IsInt(h_.Call("string_index_of_string_int", {Str("abc"), Str("c"), Value::Int(3)}), -1));
  EXPECT_TRUE(IsError(h_.Call("string_index_of_string_int", {Str("tacocat"), Str("a"), Value::Int(30)}),
                      "index out of range: 30"));
  EXPECT_TRUE(IsError(h_.Call("string_index_of_string_int", {Str("tacocat"), Str("a"), Value::Int(-1)}),
                      "index out of range: -1"));
}

TEST_F(StringsTest, LastIndexOf) {
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string", {Str(""), Str("@@")}), -1));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string", {Str("tacocat"), Str("")}), 7));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string", {Str("ta©o©αT"), Str("©")}), 4));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string", {Str("hello wello"), Str("hello wello")}), 0));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string_int", {Str("tacocat"), Str(""), Value::Int(3)}), 3));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string_int", {Str("tacocat"), Str("a"), Value::Int(3)}), 1));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string_int", {Str("ta©o©αT"), Str("©α"), Value::Int(4)}), 4));
  EXPECT_TRUE(IsInt(h_.Call("string_last_index_of_string_int", {Str("bananananana"), Str("nana"), Value::Int(7)}), 6));
  EXPECT_TRUE(IsError(h_.Call("string_last_index_of_string_int", {Str("tacocat"), Str("a"), Value::Int(-1)}),
                      "index out of range: -1"));
  EXPECT_TRUE(IsError(h_.Call("string_last_index_of_string_int", {Str("tacocat"), Str("a"), Value::Int(30)}),
                      "index out of range: 30"));
}

TEST_F(StringsTest, AsciiCasing) {
  EXPECT_TRUE(IsString(h_.Call("string_lower_ascii", {Str("TacoCÆt Xii")}), "tacocÆt xii"));
  EXPECT_TRUE(IsString(h_.Call("string_upper_ascii", {Str("tacoCαt")}), "TACOCαT"));
}

TEST_F(StringsTest, Replace) {
  EXPECT_TRUE(IsString(h_.Call("string_replace_string_string", {Str("{0} days {0} hours"), Str("{0}"), Str("2")}),
                       "2 days 2 hours"));
  EXPECT_TRUE(
      IsString(h_.Call("string_replace_string_string", {Str("1 ©αT taco"), Str("αT"), Str("o©α")}), "1 ©o©α taco"));
  EXPECT_TRUE(IsString(
      h_.Call("string_replace_string_string_int", {Str("{0} days {0} hours"), Str("{0}"), Str("2"), Value::Int(1)}),
      "2 days {0} hours"));
  EXPECT_TRUE(IsString(
      h_.Call("string_replace_string_string_int", {Str("{0} days {0} hours"), Str("{0}"), Str("2"), Value::Int(0)}),
      "{0} days {0} hours"));
  EXPECT_TRUE(IsString(
      h_.Call("string_replace_string_string_int", {Str("{0} {0}"), Str("{0}"), Str("x"), Value::Int(-1)}), "x x"));
  // An empty pattern matches before every code point and at the end, as in Go.
  EXPECT_TRUE(IsString(h_.Call("string_replace_string_string", {Str("©b"), Str(""), Str("-")}), "-©-b-"));
  EXPECT_TRUE(
      IsString(h_.Call("string_replace_string_string_int", {Str("©b"), Str(""), Str("-"), Value::Int(2)}), "-©-b"));
  // A result that would explode memory is an error, not an allocation failure.
  std::string big(100'000, 'a');
  EXPECT_TRUE(IsError(h_.Call("string_replace_string_string", {Str(big), Str(""), Str(big)}),
                      "replace() result exceeds 67108864 bytes"));
  EXPECT_TRUE(
      IsError(h_.Call("string_replace_string_string", {Str("42"), Value::Int(2), Str("1")}), "no such overload"));
}

TEST_F(StringsTest, Split) {
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string", {Str("hello world"), Str(" ")}), {"hello", "world"}));
  EXPECT_TRUE(
      IsStringList(h_.Call("string_split_string_int", {Str("hello world events!"), Str(" "), Value::Int(0)}), {}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string_int", {Str("hello world events!"), Str(" "), Value::Int(1)}),
                           {"hello world events!"}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string_int", {Str("hello world events!"), Str(" "), Value::Int(2)}),
                           {"hello", "world events!"}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string_int", {Str("o©o©o©o"), Str("©"), Value::Int(-1)}),
                           {"o", "o", "o", "o"}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string", {Str("a©b"), Str("")}), {"a", "©", "b"}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string_int", {Str("a©b"), Str(""), Value::Int(2)}), {"a", "©b"}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string", {Str(""), Str(",")}), {""}));
  EXPECT_TRUE(IsStringList(h_.Call("string_split_string", {Str(""), Str("")}), {}));
}

TEST_F(StringsTest, Substring) {
  EXPECT_TRUE(IsString(h_.Call("string_substring_int", {Str("tacocat"), Value::Int(4)}), "cat"));
  EXPECT_TRUE(IsString(h_.Call("string_substring_int_int", {Str("tacocat"), Value::Int(0), Value::Int(4)}), "taco"));
  EXPECT_TRUE(IsString(h_.Call("string_substring_int_int", {Str("ta©o©αT"), Value::Int(2), Value::Int(6)}), "©o©α"));
  EXPECT_TRUE(IsString(h_.Call("string_substring_int_int", {Str("ta©o©αT"), Value::Int(7), Value::Int(7)}), ""));
  EXPECT_TRUE(IsError(h_.Call("string_substring_int", {Str("tacocat"), Value::Int(40)}), "index out of range: 40"));
  EXPECT_TRUE(IsError(h_.Call("string_substring_int", {Str("tacocat"), Value::Int(-1)}), "index out of range: -1"));
  EXPECT_TRUE(IsError(h_.Call("string_substring_int_int", {Str("tacocat"), Value::Int(1), Value::Int(50)}),
                      "index out of range: 50"));
  EXPECT_TRUE(IsError(h_.Call("string_substring_int_int", {Str("tacocat"), Value::Int(4), Value::Int(3)}),
                      "invalid substring range. start: 4, end: 3"));
}

TEST_F(StringsTest, TrimUsesUnicodeWhitespace) {
  EXPECT_TRUE(IsString(h_.Call("string_trim", {Str(" \t\n text \r\v\f")}), "text"));
  EXPECT_TRUE(
      IsString(h_.Call("string_trim", {Str("text\u2000\u2001\u2002\u2003\u2004\u2006\u2007\u2008\u2009")}), "text"));
  EXPECT_TRUE(IsString(h_.Call("string_trim", {Str("\u200atext\u2028\u2029\u202F\u205F\u3000\u00a0\u0085")}), "text"));
  // Format characters are not whitespace.
  EXPECT_TRUE(IsString(h_.Call("string_trim", {Str("\u180etext\u200b\u200c\u200d\u2060\ufeff")}),
                       "\u180etext\u200b\u200c\u200d\u2060\ufeff"));
  EXPECT_TRUE(IsString(h_.Call("string_trim", {Str("   ")}), ""));
  EXPECT_TRUE(IsString(h_.Call("string_trim", {Str("a b")}), "a b"));
}

TEST_F(StringsTest, Join) {
  EXPECT_TRUE(IsString(h_.Call("list_join", {StrList({"x", "y"})}), "xy"));
  EXPECT_TRUE(IsString(h_.Call("list_join_string", {StrList({"x", "y"}), Str("-")}), "x-y"));
  EXPECT_TRUE(IsString(h_.Call("list_join_string", {StrList({}), Str("-")}), ""));
  EXPECT_TRUE(IsError(h_.Call("list_join", {Value::ListOf({Str("a"), Value::Int(1)})}), "no such overload"));
}

TEST_F(StringsTest, Quote) {
  EXPECT_TRUE(IsString(h_.Call("strings_quote", {Str("first\nsecond")}), "\"first\\nsecond\""));
  EXPECT_TRUE(IsString(h_.Call("strings_quote", {Str("bell\a\b\f\r\t\v")}), "\"bell\\a\\b\\f\\r\\t\\v\""));
  EXPECT_TRUE(IsString(h_.Call("strings_quote", {Str("\\ \" q")}), "\"\\\\ \\\" q\""));
  EXPECT_TRUE(IsString(h_.Call("strings_quote", {Str("завтра")}), "\"завтра\""));
  EXPECT_TRUE(IsString(h_.Call("strings_quote", {Str("")}), "\"\""));
  // Invalid UTF-8 becomes U+FFFD.
  EXPECT_TRUE(IsString(h_.Call("strings_quote", {Str("a\xffz")}), "\"a\uFFFDz\""));
}

TEST_F(StringsTest, Reverse) {
  EXPECT_TRUE(IsString(h_.Call("string_reverse", {Str("gums")}), "smug"));
  EXPECT_TRUE(IsString(h_.Call("string_reverse", {Str("ta©o©αT")}), "Tα©o©at"));
  EXPECT_TRUE(IsString(h_.Call("string_reverse", {Str("")}), ""));
}

TEST_F(StringsTest, CostGrowsWithLength) {
  const Overload* trim = h_.Find("string_trim");
  ASSERT_NE(trim, nullptr);
  ASSERT_TRUE(trim->cost);
  std::vector<Value> short_args{Str("abc")};
  std::vector<Value> long_args{Str(std::string(1000, 'a'))};
  EXPECT_EQ(trim->cost(short_args), 1);
  EXPECT_EQ(trim->cost(long_args), 101);
  const Overload* join = h_.Find("list_join_string");
  ASSERT_NE(join, nullptr);
  std::vector<Value> join_args{StrList({std::string(50, 'x'), std::string(45, 'y')}), Str(",,,,,")};
  EXPECT_EQ(join->cost(join_args), 11);
}

Value Format(ExtensionHarness& h, std::string_view format, std::vector<Value> args) {
  return h.Call("string_format", {Str(format), Value::ListOf(std::move(args))});
}

TEST_F(StringsTest, FormatBasics) {
  EXPECT_TRUE(IsString(Format(h_, "no substitution", {}), "no substitution"));
  EXPECT_TRUE(IsString(Format(h_, "%%%s%%", {Str("text")}), "%text%"));
  EXPECT_TRUE(IsString(Format(h_, "%d %s", {Value::Int(-3), Str("A")}), "-3 A"));
  EXPECT_TRUE(IsString(Format(h_, "%d", {Value::Uint(64)}), "64"));
  EXPECT_TRUE(IsString(Format(h_, "%s, %s", {Value::Bool(true), Value::Bool(false)}), "true, false"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::Null()}), "null"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::Type("string")}), "string"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::Bytes(std::string_view("xyz"))}), "xyz"));
}

TEST_F(StringsTest, FormatNumbers) {
  EXPECT_TRUE(IsString(Format(h_, "%.3f", {Value::Double(1.2345)}), "1.234"));
  EXPECT_TRUE(IsString(Format(h_, "%f", {Value::Double(2.71828)}), "2.718280"));
  EXPECT_TRUE(IsString(Format(h_, "%.0f", {Value::Double(1.5)}), "2"));
  EXPECT_TRUE(IsString(Format(h_, "%.0f", {Value::Double(3.4999)}), "3"));
  EXPECT_TRUE(IsString(Format(h_, "%.3f", {Value::Double(-123.4999)}), "-123.500"));
  EXPECT_TRUE(IsString(Format(h_, "%e", {Value::Double(2.71828)}), "2.718280e+00"));
  EXPECT_TRUE(IsString(Format(h_, "%.6e", {Value::Double(1052.032911275)}), "1.052033e+03"));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(IsString(Format(h_, "%e %f %d", {Value::Double(nan), Value::Double(inf), Value::Double(-inf)}),
                       "NaN Infinity -Infinity"));
  EXPECT_TRUE(IsString(Format(h_, "%b %b %b", {Value::Int(5), Value::Uint(64), Value::Bool(true)}), "101 1000000 1"));
  EXPECT_TRUE(IsString(Format(h_, "%o %o", {Value::Int(11), Value::Uint(65535)}), "13 177777"));
  EXPECT_TRUE(IsString(Format(h_, "%X %x %x", {Value::Int(30), Value::Uint(500), Value::Int(-30)}), "1E 1f4 -1e"));
  EXPECT_TRUE(IsString(Format(h_, "%x", {Str("Hello world!")}), "48656c6c6f20776f726c6421"));
  EXPECT_TRUE(IsString(Format(h_, "%X", {Value::Bytes(std::string_view("byte string"))}), "6279746520737472696E67"));
}

TEST_F(StringsTest, FormatStringClauseOnAggregatesAndTime) {
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::TimestampOf(Timestamp{1675467080, 0})}), "2023-02-03T23:31:20Z"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::TimestampOf(Timestamp{0, 500000000})}), "1970-01-01T00:00:00.5Z"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::DurationOf(Duration{6347'000'000'000})}), "6347s"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::DurationOf(Duration{-1'500'000'000})}), "-1.5s"));
  EXPECT_TRUE(IsString(Format(h_, "%s",
                              {Value::ListOf({Str("abc"), Value::Double(3.14), Value::Null(),
                                              Value::ListOf({Value::Int(9), Value::Int(8)})})}),
                       "[abc, 3.14, null, [9, 8]]"));
  EXPECT_TRUE(IsString(Format(h_, "%s",
                              {Value::MapOf({{Str("strKey"), Str("x")},
                                             {Value::Int(6), Value::DurationOf(Duration{422'000'000'000})},
                                             {Value::Bool(true), Value::Int(42)}})}),
                       "{6: 422s, strKey: x, true: 42}"));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::ListOf({Value::Double(nan), Value::Double(inf), Value::Double(-inf)})}),
                       "[NaN, Infinity, -Infinity]"));
  EXPECT_TRUE(IsString(Format(h_, "%s %s %s", {Value::Double(56.8), Value::Double(1e6), Value::Double(0.00001)}),
                       "56.8 1e+06 1e-05"));
  EXPECT_TRUE(IsString(Format(h_, "%s", {Value::Double(123456)}), "123456"));
}

TEST_F(StringsTest, FormatErrors) {
  EXPECT_TRUE(IsError(Format(h_, "%a", {Value::Int(1)}),
                      "could not parse formatting clause: unrecognized formatting clause \"a\""));
  EXPECT_TRUE(IsError(Format(h_, "%d %d %d", {Value::Int(0), Value::Int(1)}), "index 2 out of range"));
  EXPECT_TRUE(IsError(Format(h_, "string is %b", {Str("abc")}),
                      "error during formatting: only integers and bools can be formatted as binary, was given string"));
  EXPECT_TRUE(IsError(Format(h_, "%o", {Str("a")}),
                      "error during formatting: octal clause can only be used on integers, was given string"));
  EXPECT_TRUE(IsError(Format(h_, "%x", {Value::Double(0.5)}),
                      "error during formatting: only integers, byte buffers, and strings can be formatted as hex, "
                      "was given double"));
  EXPECT_TRUE(IsError(Format(h_, "%d", {Value::Null()}),
                      "error during formatting: decimal clause can only be used on integers, was given null_type"));
  EXPECT_TRUE(IsError(Format(h_, "%d", {Value::Double(1.5)}),
                      "error during formatting: decimal clause can only be used on integers, was given double"));
  EXPECT_TRUE(IsError(Format(h_, "%e", {Value::Null()}),
                      "error during formatting: scientific clause can only be used on doubles, was given null_type"));
  EXPECT_TRUE(IsError(Format(h_, "%f", {Value::Null()}),
                      "error during formatting: fixed-point clause can only be used on doubles, was given null_type"));
  EXPECT_TRUE(IsError(Format(h_, "%s", {Value::OptionalNone()}),
                      "error during formatting: string clause can only be used on strings, bools, bytes, ints, "
                      "doubles, maps, lists, types, durations, and timestamps, was given optional_type"));
  EXPECT_TRUE(IsError(Format(h_, "50%", {}), "could not parse formatting clause: unexpected end of format string"));
  EXPECT_TRUE(IsError(Format(h_, "%.f", {Value::Double(1)}),
                      "could not parse formatting clause: unable to convert precision specifier to integer"));
  EXPECT_TRUE(IsError(Format(h_, "%.99999999999f", {Value::Double(1)}),
                      "could not parse formatting clause: precision specifier larger than 1000"));
  EXPECT_TRUE(IsError(Format(h_, "%©", {Value::Int(1)}),
                      "could not parse formatting clause: unrecognized formatting clause \"©\""));
}

}  // namespace
}  // namespace stagegate::cel::testing
