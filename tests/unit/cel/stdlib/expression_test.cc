// The standard library through whole expressions: parse, check, plan, evaluate.

#include "engine/cel/cel.h"
#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

class ExpressionTest : public ::testing::Test {
 protected:
  Value Eval(std::string_view expression, bool type_check = true) {
    Environment env = Environment::Standard();
    env.options().type_check = type_check;
    CompileResult compiled = Compile(env, Source(std::string(expression)));
    if (!compiled.ok()) {
      std::string messages;
      for (const Diagnostic& d : compiled.diagnostics) messages += d.message + "; ";
      return Value::Error("compile: " + messages);
    }
    MapActivation activation;
    return compiled.program->Evaluate(activation);
  }
};

TEST_F(ExpressionTest, Arithmetic) {
  EXPECT_INT(Eval("1 + 2 * 3 - 4 / 2 % 3"), 5);
  EXPECT_ERROR(Eval("9223372036854775807 + 1"), "return error for overflow");
  EXPECT_ERROR(Eval("1 / 0"), "division by zero");
  EXPECT_DOUBLE(Eval("-(4.5) + 0.5"), -4.0);
  EXPECT_STRING(Eval("'r' + '\\u00f4' + 'le'"), "r\xc3\xb4le");
}

TEST_F(ExpressionTest, ComparisonAndMembership) {
  EXPECT_BOOL(Eval("1 < 1.5 && 2u > 1 && -1 < 0u"), true);
  EXPECT_BOOL(Eval("dyn(3.0) in [5, 4, 3]"), true);
  EXPECT_BOOL(Eval("'b' in {'a': 1, 'b': 2}"), true);
  EXPECT_INT(Eval("[7, 8, 9][dyn(1u)]"), 8);
  EXPECT_INT(Eval("size('\\u00ff\\U0001F431') + size(b'ab') + size([1]) + {'a': 1}.size()"), 6);
}

TEST_F(ExpressionTest, ConversionsAndTime) {
  EXPECT_STRING(Eval("string(duration('1h30m') + duration('1.5s'))"), "5401.5s");
  EXPECT_STRING(Eval("string(timestamp('2009-02-13T23:31:30Z') - duration('24h'))"), "2009-02-12T23:31:30Z");
  EXPECT_INT(Eval("timestamp('2009-02-13T23:31:30Z').getHours('Asia/Kolkata')"), 5);
  EXPECT_INT(Eval("int(timestamp('2009-02-13T23:31:30Z'))"), 1234567890);
  EXPECT_ERROR(Eval("uint(-1)"), "range error converting to uint");
  EXPECT_ERROR(Eval("timestamp('9999-12-31T23:59:59Z') + duration('1s')"), "timestamp out of range");
  EXPECT_ERROR(Eval("timestamp('2009-02-13T23:31:30Z').getHours('Mars/Base')"), "unknown time zone 'Mars/Base'");
}

TEST_F(ExpressionTest, Strings) {
  EXPECT_BOOL(Eval("'banana'.matches('ba(na)*') && matches('abc', 'b')"), true);
  EXPECT_BOOL(Eval("'hello'.contains('ell') && 'hello'.startsWith('he') && 'hello'.endsWith('lo')"), true);
  // A constant pattern that cannot compile is refused when the expression is compiled.
  Value bad = Eval("'abc'.matches('(')");
  ASSERT_TRUE(bad.IsError());
  EXPECT_NE(bad.ErrorMessage().find("invalid regular expression"), std::string::npos) << bad.ErrorMessage();
  EXPECT_ERROR_CONTAINS(Eval("'abc'.matches(dyn('a') + '[')", false), "invalid regular expression 'a['");
}

}  // namespace
}  // namespace stagegate::cel
