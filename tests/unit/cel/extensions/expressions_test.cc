// Whole expressions through Compile, with the type checker on and off.

#include <gtest/gtest.h>

#include <string>

#include "engine/cel/cel.h"

namespace stagegate::cel {
namespace {

struct Outcome {
  bool compiled = false;
  std::string diagnostics;
  Value value;
};

Outcome RunExpr(std::string_view expr, bool type_check = true) {
  Environment env = Environment::Standard();
  env.options().type_check = type_check;
  env.DeclareVariable("s", Type::String());
  Source source{std::string(expr)};
  CompileResult compiled = Compile(env, source);
  Outcome outcome;
  for (const Diagnostic& d : compiled.diagnostics) outcome.diagnostics += d.message + "\n";
  if (!compiled.ok()) return outcome;
  outcome.compiled = true;
  MapActivation vars;
  vars.Bind("s", Value::String(std::string_view("ta©o©αT")));
  outcome.value = compiled.program->Evaluate(vars);
  return outcome;
}

// Expects `expr` to compile and evaluate to the string `expected`.
void ExpectString(std::string_view expr, std::string_view expected, bool type_check = true) {
  Outcome o = RunExpr(expr, type_check);
  ASSERT_TRUE(o.compiled) << expr << ": " << o.diagnostics;
  ASSERT_TRUE(o.value.IsString()) << expr << " = " << o.value.DebugString();
  EXPECT_EQ(o.value.GetString(), expected) << expr;
}

void ExpectTrue(std::string_view expr) {
  Outcome o = RunExpr(expr);
  ASSERT_TRUE(o.compiled) << expr << ": " << o.diagnostics;
  ASSERT_TRUE(o.value.IsBool()) << expr << " = " << o.value.DebugString();
  EXPECT_TRUE(o.value.GetBool()) << expr;
}

void ExpectError(std::string_view expr, std::string_view message, bool type_check = true) {
  Outcome o = RunExpr(expr, type_check);
  ASSERT_TRUE(o.compiled) << expr << ": " << o.diagnostics;
  ASSERT_TRUE(o.value.IsError()) << expr << " = " << o.value.DebugString();
  EXPECT_EQ(o.value.ErrorMessage(), message) << expr;
}

TEST(ExtensionExpressionsTest, Strings) {
  ExpectString("s.charAt(4)", "©");
  ExpectString("s.substring(2, 6)", "©o©α");
  ExpectString("s.reverse()", "Tα©o©at");
  ExpectString("'  x '.trim() + ['a', 'b'].join('-')", "xa-b");
  ExpectString("strings.quote('a\"b')", "\"a\\\"b\"");
  ExpectString("'%s=%d (%.2f)'.format(['x', 3, 2.5])", "x=3 (2.50)");
  ExpectTrue("s.indexOf('©', 3) == 4 && s.lastIndexOf('©') == 4");
  ExpectTrue("'a,b,c'.split(',', 2) == ['a', 'b,c']");
  ExpectTrue("'TacoCat'.lowerAscii() == 'tacocat' && 'x'.upperAscii() == 'X'");
  ExpectTrue("'aaa'.replace('a', 'b', 2) == 'bba'");
  ExpectError("s.substring(4, 3)", "invalid substring range. start: 4, end: 3");
  ExpectError("'%d'.format(['x'])",
              "error during formatting: decimal clause can only be used on integers, was given string");
}

TEST(ExtensionExpressionsTest, StringTypeErrorsAtCheckTime) {
  Outcome o = RunExpr("s.charAt('x')");
  EXPECT_FALSE(o.compiled);
  EXPECT_NE(o.diagnostics.find("charAt"), std::string::npos) << o.diagnostics;
}

TEST(ExtensionExpressionsTest, Math) {
  ExpectTrue("math.greatest(1, 2u, 3.5) == 3.5 && type(math.greatest(1, 2u, -3.5)) == uint");
  ExpectTrue("math.least([3, -2, 1u]) == -2");
  ExpectTrue("math.round(-2.5) == -3.0 && math.trunc(2.7) == 2.0 && math.abs(-3) == 3");
  ExpectTrue("math.bitShiftRight(-1024, 3) == 2305843009213693824");
  ExpectTrue("math.isNaN(0.0/0.0) && !math.isFinite(1.0/0.0)");
  ExpectError("math.abs(-9223372036854775807 - 1)", "integer overflow");
  ExpectError("math.greatest([])", "math.greatest(list) argument must not be empty");
  ExpectError("math.greatest(1, 'a')", "no such overload: math.greatest applied to string");
}

TEST(ExtensionExpressionsTest, Encoders) {
  ExpectTrue("base64.decode('aGVsbG8') == b'hello'");
  ExpectString("base64.encode(b'hello')", "aGVsbG8=");
  ExpectError("base64.decode('a')", "illegal base64 data at input byte 0");
}

TEST(ExtensionExpressionsTest, Optionals) {
  ExpectTrue("optional.of(1).hasValue() && !optional.none().hasValue()");
  ExpectTrue("optional.ofNonZeroValue('').orValue('d') == 'd'");
  ExpectTrue("{'a': 1}.?a.value() == 1 && !{'a': 1}.?b.hasValue()");
  ExpectTrue("[1, 2][?5].or(optional.of(7)).value() == 7");
  ExpectError("optional.none().value()", "optional.none() dereference");
}

TEST(ExtensionExpressionsTest, UncheckedCallsWithWrongTypesAreErrors) {
  Outcome o = RunExpr("42.charAt(2)", /*type_check=*/false);
  ASSERT_TRUE(o.compiled) << o.diagnostics;
  EXPECT_TRUE(o.value.IsError());
  o = RunExpr("math.ceil(dyn(1))", /*type_check=*/false);
  ASSERT_TRUE(o.compiled) << o.diagnostics;
  EXPECT_TRUE(o.value.IsError());
}

}  // namespace
}  // namespace stagegate::cel
