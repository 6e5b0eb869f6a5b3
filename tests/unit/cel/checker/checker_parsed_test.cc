// Checker behaviour on parsed expressions against the standard library and
// the extensions, as users write them.

#include <gtest/gtest.h>

#include "engine/cel/checker/checker.h"
#include "engine/cel/extensions/extensions.h"
#include "engine/cel/parser/parser.h"
#include "engine/cel/stdlib/standard.h"

namespace stagegate::cel {
namespace {

Environment StandardEnv() {
  Environment env = Environment::Empty();
  RegisterStandardFunctions(env.functions());
  RegisterStringsExtension(env.functions());
  RegisterMathExtension(env.functions());
  RegisterEncodersExtension(env.functions());
  RegisterOptionalsExtension(env.functions());
  env.DeclareVariable("doc", Type::Map(Type::String(), Type::Dyn()));
  env.DeclareVariable("d", Type::Dyn());
  env.DeclareVariable("i", Type::Int());
  env.DeclareVariable("s", Type::String());
  env.DeclareVariable("names", Type::List(Type::String()));
  env.DeclareVariable("scores", Type::Map(Type::String(), Type::Double()));
  return env;
}

struct Checked {
  CheckResult result;
  std::string type;
  std::string errors;  // "CODE@offset: message" lines
};

Checked CheckText(const std::string& text, const Environment& env) {
  Source source(text);
  ParseResult parsed = Parse(source);
  Checked out;
  if (!parsed.ok()) {
    out.errors = "parse error";
    return out;
  }
  out.result = Check(parsed.parsed, source, env);
  out.type = TypeToString(out.result.checked.result_type);
  for (const Diagnostic& d : out.result.diagnostics) {
    out.errors += d.code + "@" + std::to_string(d.offset) + ": " + d.message + "\n";
  }
  return out;
}

std::string TypeOf(const std::string& text) {
  static const Environment* env = new Environment(StandardEnv());
  Checked c = CheckText(text, *env);
  return c.errors.empty() ? c.type : "ERROR " + c.errors;
}

std::string ErrorsOf(const std::string& text) {
  static const Environment* env = new Environment(StandardEnv());
  return CheckText(text, *env).errors;
}

TEST(CheckerParsedTest, DeducesTypesOfCommonExpressions) {
  EXPECT_EQ(TypeOf("42"), "int");
  EXPECT_EQ(TypeOf("42u"), "uint");
  EXPECT_EQ(TypeOf("null"), "null_type");
  EXPECT_EQ(TypeOf("{'abc': 123}"), "map(string, int)");
  EXPECT_EQ(TypeOf("{'abc': 123}['abc']"), "int");
  EXPECT_EQ(TypeOf("('foo' + 'bar').startsWith('foo')"), "bool");
  EXPECT_EQ(TypeOf("[1, 2, 3].map(x, x * 2)"), "list(int)");
  EXPECT_EQ(TypeOf("[1, 2, 3].filter(x, x > 1)"), "list(int)");
  EXPECT_EQ(TypeOf("[1, 2, 3].all(x, x > 0)"), "bool");
  EXPECT_EQ(TypeOf("[1, 2, 3].exists_one(x, x > 2)"), "bool");
  EXPECT_EQ(TypeOf("names.exists(n, n.startsWith('a'))"), "bool");
  EXPECT_EQ(TypeOf("scores.all(k, scores[k] > 0.5)"), "bool");
  EXPECT_EQ(TypeOf("size(s) + i"), "int");
  EXPECT_EQ(TypeOf("[1, 'a']"), "list(dyn)");
  EXPECT_EQ(TypeOf("[]"), "list(dyn)");
  EXPECT_EQ(TypeOf("i > 2 ? 'big' : 'small'"), "string");
  EXPECT_EQ(TypeOf("int"), "type(int)");
  EXPECT_EQ(TypeOf("type(1) == int"), "bool");
  EXPECT_EQ(TypeOf("google.protobuf.Duration"), "type(google.protobuf.Duration)");
  EXPECT_EQ(TypeOf("timestamp('2024-01-01T00:00:00Z')"), "google.protobuf.Timestamp");
  EXPECT_EQ(TypeOf("duration('1s')"), "google.protobuf.Duration");
  EXPECT_EQ(TypeOf("cel.bind(x, 'a', x + x)"), "string");
  EXPECT_EQ(TypeOf("base64.encode(b'abc')"), "string");
  EXPECT_EQ(TypeOf("has(doc.a)"), "bool");
}

TEST(CheckerParsedTest, UnboundResultParametersStayOpen) {
  EXPECT_EQ(TypeOf("[optional.none(), optional.of(1)]"), "list(optional_type(int))");
  EXPECT_EQ(TypeOf("[optional.of(1), optional.none()]"), "list(optional_type(int))");
  EXPECT_EQ(TypeOf("[optional.of(1), optional.of(dyn(1))]"), "list(optional_type(dyn))");
  EXPECT_EQ(TypeOf("optional.none()"), "optional_type(dyn)");
  EXPECT_EQ(TypeOf("[[], [[]], [[[]]]]"), "list(list(list(list(dyn))))");
  EXPECT_EQ(TypeOf("([].map(x, x))[0].foo"), "dyn");
  EXPECT_EQ(TypeOf("{}"), "map(dyn, dyn)");
  EXPECT_EQ(TypeOf("[{}, {'a': 1}]"), "list(map(string, int))");
}

TEST(CheckerParsedTest, NullStandsForTimestampsAndDurations) {
  EXPECT_EQ(TypeOf("[duration('1s'), null][0]"), "google.protobuf.Duration");
  EXPECT_EQ(TypeOf("[timestamp(0), null][0]"), "google.protobuf.Timestamp");
  EXPECT_EQ(TypeOf("[1, null]"), "list(dyn)");
}

TEST(CheckerParsedTest, OptionalSyntax) {
  EXPECT_EQ(TypeOf("scores.?math"), "optional_type(double)");
  EXPECT_EQ(TypeOf("scores.?math.orValue(0.0)"), "double");
  EXPECT_EQ(TypeOf("names[?0]"), "optional_type(string)");
  EXPECT_EQ(TypeOf("[?names[?0], 'b']"), "list(string)");
  EXPECT_EQ(ErrorsOf("has(names.x)"), "CEL103@9: type 'list(string)' does not support field selection\n");
}

TEST(CheckerParsedTest, ObjectVariablesSelectAsDyn) {
  Environment env = StandardEnv();
  env.DeclareVariable("msg", Type::Object("acme.Record"));
  EXPECT_EQ(CheckText("msg.field.sub", env).type, "dyn");
  EXPECT_EQ(CheckText("msg == null", env).errors, "");
  EXPECT_EQ(CheckText("has(msg.field)", env).type, "bool");
}

TEST(CheckerParsedTest, TwoVariableMacros) {
  EXPECT_EQ(TypeOf("{'a': 1}.all(k, v, k != '' && v > 0)"), "bool");
  EXPECT_EQ(TypeOf("[1, 2].exists(i, v, i == 0 && v == 1)"), "bool");
  EXPECT_EQ(TypeOf("['a', 'b'].transformList(i, v, v + string(i))"), "list(string)");
  EXPECT_EQ(TypeOf("{'a': 1}.transformMap(k, v, v * 2)"), "map(string, int)");
}

TEST(CheckerParsedTest, JsonDocumentsFlowThroughFunctions) {
  EXPECT_EQ(TypeOf("doc.quality.missing_ratio <= 0.02"), "bool");
  EXPECT_EQ(TypeOf("doc.owner.startsWith('team-')"), "bool");
  EXPECT_EQ(TypeOf("doc.tags.exists(t, t == 'pii')"), "bool");
  EXPECT_EQ(TypeOf("size(doc.columns) > 3 && doc.rows * 2 < 10"), "bool");
  EXPECT_EQ(TypeOf("d.a.b.c + 1"), "int");
  EXPECT_EQ(TypeOf("d + d"), "dyn");
  EXPECT_EQ(TypeOf("doc.a in ['x', 'y']"), "bool");
  EXPECT_EQ(TypeOf("timestamp(doc.at) < timestamp('2024-01-01T00:00:00Z')"), "bool");
  EXPECT_EQ(ErrorsOf("math.greatest(doc.a, 2) > 1"), "");
  EXPECT_EQ(ErrorsOf("doc.items.map(x, x.price * 2).all(p, p < 100)"), "");
  EXPECT_EQ(ErrorsOf("doc.?a.orValue(1)"), "");
  EXPECT_EQ(ErrorsOf("optional.of(d).hasValue()"), "");
}

TEST(CheckerParsedTest, ReportsUndeclaredReferences) {
  EXPECT_EQ(ErrorsOf("x + 1"), "CEL101@0: undeclared reference to 'x' (in container '')\n");
  EXPECT_EQ(ErrorsOf("1 + foo(2)"), "CEL101@7: undeclared reference to 'foo' (in container '')\n");
  EXPECT_EQ(ErrorsOf("y.z == 1"), "CEL101@0: undeclared reference to 'y' (in container '')\n");
}

TEST(CheckerParsedTest, ReportsNoMatchingOverload) {
  EXPECT_EQ(ErrorsOf("1 + 'a'"), "CEL102@2: found no matching overload for '_+_' applied to '(int, string)'\n");
  EXPECT_EQ(ErrorsOf("1 + 1.0"), "CEL102@2: found no matching overload for '_+_' applied to '(int, double)'\n");
  EXPECT_EQ(ErrorsOf("s.startsWith(1)"),
            "CEL102@12: found no matching overload for 'startsWith' applied to 'string.(int)'\n");
  EXPECT_EQ(ErrorsOf("!i"), "CEL102@0: found no matching overload for '!_' applied to '(int)'\n");
}

TEST(CheckerParsedTest, ReportsFieldSelectionOnScalars) {
  EXPECT_EQ(ErrorsOf("i.name"), "CEL103@1: type 'int' does not support field selection\n");
  EXPECT_EQ(ErrorsOf("names.first"), "CEL103@5: type 'list(string)' does not support field selection\n");
}

TEST(CheckerParsedTest, ReportsEveryErrorInOneRun) {
  Checked c = CheckText("x + 1 == 'a' || i.f || s + 1 == 2", StandardEnv());
  ASSERT_EQ(c.result.diagnostics.size(), 3u) << c.errors;
  EXPECT_EQ(c.result.diagnostics[0].code, "CEL101");
  EXPECT_EQ(c.result.diagnostics[1].code, "CEL103");
  EXPECT_EQ(c.result.diagnostics[2].code, "CEL102");
  EXPECT_EQ(c.result.diagnostics[2].offset, 25);
}

TEST(CheckerParsedTest, ContainerAndQualifiedNames) {
  Environment env = StandardEnv();
  env.options().container = "x";
  env.DeclareVariable("x.y", Type::Bool());
  env.DeclareVariable("y", Type::String());
  EXPECT_EQ(CheckText("y", env).type, "bool");
  EXPECT_EQ(CheckText(".y", env).type, "string");
  EXPECT_EQ(CheckText("x.y", env).type, "bool");
  Checked c = CheckText("z", env);
  EXPECT_EQ(c.errors, "CEL101@0: undeclared reference to 'z' (in container 'x')\n");
}

TEST(CheckerParsedTest, ReferencesNameVariablesAndOverloads) {
  Environment env = StandardEnv();
  env.DeclareVariable("a.b.c", Type::String());
  Source source("a.b.c + s");
  ParseResult parsed = Parse(source);
  ASSERT_TRUE(parsed.ok());
  CheckResult r = Check(parsed.parsed, source, env);
  ASSERT_TRUE(r.ok());
  const Expr& root = *parsed.parsed.root;
  EXPECT_EQ(r.checked.references.at(root.id).name, "_+_");
  EXPECT_EQ(r.checked.references.at(root.id).overload_ids.size(), 1u);
  EXPECT_EQ(r.checked.references.at(root.args[0]->id).name, "a.b.c");
  EXPECT_EQ(r.checked.references.at(root.args[1]->id).name, "s");
  EXPECT_EQ(r.checked.types.at(root.args[0]->id), Type::String());
}

TEST(CheckerParsedTest, NeverFailsOnOddInput) {
  for (const char* text : {"[].map(x, x)", "{}.all(k, k)", "cel.bind(x, [], x + [1])", "dyn(1).a.b.c",
                           "[[], [1]]", "{'a': []}['a'] + ['b']", "optional.none().orValue(1)",
                           "type(type(1))", "[?optional.of(1), 2]", "{?'a': optional.none()}"}) {
    Checked c = CheckText(text, StandardEnv());
    EXPECT_EQ(c.errors, "") << text;
  }
}

}  // namespace
}  // namespace stagegate::cel
