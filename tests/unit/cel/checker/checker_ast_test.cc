// Checker rules on hand-built trees against a small declared function set,
// independent of the parser and the standard library.

#include <gtest/gtest.h>

#include "engine/cel/checker/checker.h"
#include "tests/unit/cel/checker/ast_builder.h"

namespace stagegate::cel {

void PrintTo(const Type& type, std::ostream* os) { *os << TypeToString(type); }

namespace {

using testing::AstBuilder;

Overload Fn(std::string id, std::vector<Type> params, Type result, bool receiver = false) {
  Overload o;
  o.id = std::move(id);
  o.params = std::move(params);
  o.result = std::move(result);
  o.receiver_style = receiver;
  return o;
}

Environment TestEnv() {
  Environment env = Environment::Empty();
  FunctionRegistry& f = env.functions();
  f.Add("_+_", Fn("add_int64", {Type::Int(), Type::Int()}, Type::Int()));
  f.Add("_+_", Fn("add_double", {Type::Double(), Type::Double()}, Type::Double()));
  f.Add("_+_", Fn("add_string", {Type::String(), Type::String()}, Type::String()));
  f.Add("_+_", Fn("add_list", {Type::List(Type::Param("A")), Type::List(Type::Param("A"))},
                  Type::List(Type::Param("A"))));
  f.Add("_==_", Fn("equals", {Type::Param("A"), Type::Param("A")}, Type::Bool()));
  f.Add("_<_", Fn("less_int64", {Type::Int(), Type::Int()}, Type::Bool()));
  f.Add("_<_", Fn("less_int64_double", {Type::Int(), Type::Double()}, Type::Bool()));
  f.Add("_&&_", Fn("logical_and", {Type::Bool(), Type::Bool()}, Type::Bool()));
  f.Add("@not_strictly_false", Fn("not_strictly_false", {Type::Bool()}, Type::Bool()));
  f.Add("size", Fn("size_string", {Type::String()}, Type::Int()));
  f.Add("size", Fn("string_size", {Type::String()}, Type::Int(), true));
  f.Add("size", Fn("list_size", {Type::List(Type::Param("A"))}, Type::Int(), true));
  f.Add("_[_]", Fn("index_list", {Type::List(Type::Param("A")), Type::Int()}, Type::Param("A")));
  f.Add("_[_]", Fn("index_map", {Type::Map(Type::Param("K"), Type::Param("V")), Type::Param("K")},
                   Type::Param("V")));
  f.Add("startsWith", Fn("starts_with_string", {Type::String(), Type::String()}, Type::Bool(), true));
  f.Add("math.greatest", Fn("math_greatest_int", {Type::Int(), Type::Int()}, Type::Int()));
  f.Add("type", Fn("type", {Type::Param("A")}, Type::TypeOf(Type::Param("A"))));
  f.Add("dyn", Fn("to_dyn", {Type::Param("A")}, Type::Dyn()));
  f.Add("optional.none", Fn("optional_none", {}, Type::Optional(Type::Param("T"))));
  f.Add("optional.of", Fn("optional_of", {Type::Param("V")}, Type::Optional(Type::Param("V"))));
  f.Add("int", Fn("double_to_int", {Type::Double()}, Type::Int()));
  f.Add("int", Fn("string_to_int", {Type::String()}, Type::Int()));
  return env;
}

CheckResult CheckTree(ParsedExpr parsed, const Environment& env) {
  return Check(parsed, Source("<hand-built>"), env);
}

TEST(CheckerAstTest, ConstantsHaveTheirTypes) {
  Environment env = TestEnv();
  struct Case {
    Constant constant;
    Type type;
  } cases[] = {{Constant(int64_t{1}), Type::Int()},        {Constant(uint64_t{1}), Type::Uint()},
               {Constant(1.5), Type::Double()},            {Constant(true), Type::Bool()},
               {Constant(std::string("s")), Type::String()}, {Constant(BytesConstant{"b"}), Type::Bytes()},
               {Constant(NullConstant{}), Type::Null()}};
  for (const Case& c : cases) {
    AstBuilder b;
    CheckResult r = CheckTree(b.Done(b.Const(c.constant)), env);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.checked.result_type, c.type) << TypeToString(r.checked.result_type);
  }
}

TEST(CheckerAstTest, UndeclaredIdentifierIsReportedWithContainer) {
  Environment env = TestEnv();
  env.options().container = "a.b";
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Ident("x", 7)), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL101");
  EXPECT_EQ(r.diagnostics[0].message, "undeclared reference to 'x' (in container 'a.b')");
  EXPECT_EQ(r.diagnostics[0].offset, 7);
  EXPECT_EQ(r.checked.result_type.kind, TypeKind::kError);
}

TEST(CheckerAstTest, ContainerResolutionPrefersMostQualifiedName) {
  Environment env = TestEnv();
  env.options().container = "a.b";
  env.DeclareVariable("a.c", Type::Int());
  env.DeclareVariable("c", Type::String());
  AstBuilder b;
  ExprPtr ident = b.Ident("c");
  int64_t id = ident->id;
  CheckResult r = CheckTree(b.Done(std::move(ident)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Int());
  EXPECT_EQ(r.checked.references.at(id).name, "a.c");

  env.DeclareVariable("a.b.c", Type::Bool());
  AstBuilder b2;
  EXPECT_EQ(CheckTree(b2.Done(b2.Ident("c")), env).checked.result_type, Type::Bool());
  AstBuilder b3;
  // A leading dot resolves only at the root.
  EXPECT_EQ(CheckTree(b3.Done(b3.Ident(".c")), env).checked.result_type, Type::String());
}

TEST(CheckerAstTest, DottedVariableResolvesSelectChain) {
  Environment env = TestEnv();
  env.DeclareVariable("x.y", Type::Bool());
  AstBuilder b;
  ExprPtr sel = b.Select(b.Ident("x"), "y");
  int64_t id = sel->id;
  CheckResult r = CheckTree(b.Done(std::move(sel)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Bool());
  EXPECT_EQ(r.checked.references.at(id).name, "x.y");
}

TEST(CheckerAstTest, LongestPrefixThenMapSelection) {
  Environment env = TestEnv();
  env.DeclareVariable("a.b", Type::Map(Type::String(), Type::Int()));
  AstBuilder b;
  ExprPtr inner = b.Select(b.Ident("a"), "b");
  int64_t inner_id = inner->id;
  CheckResult r = CheckTree(b.Done(b.Select(std::move(inner), "c")), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Int());
  EXPECT_EQ(r.checked.references.at(inner_id).name, "a.b");
}

TEST(CheckerAstTest, TypeIdentifiersDenoteTypes) {
  Environment env = TestEnv();
  for (const auto& [name, type] : std::vector<std::pair<std::string, Type>>{
           {"int", Type::TypeOf(Type::Int())},
           {"null_type", Type::TypeOf(Type::Null())},
           {"list", Type::TypeOf(Type::List(Type::Dyn()))},
           {"type", Type::TypeOf(Type::TypeType())}}) {
    AstBuilder b;
    CheckResult r = CheckTree(b.Done(b.Ident(name)), env);
    EXPECT_TRUE(r.ok()) << name;
    EXPECT_EQ(r.checked.result_type, type) << name;
  }
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Select(b.Select(b.Ident("google"), "protobuf"), "Timestamp")), env);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::TypeOf(Type::Timestamp()));
}

TEST(CheckerAstTest, SelectOnIntIsReported) {
  Environment env = TestEnv();
  env.DeclareVariable("i", Type::Int());
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Select(b.Ident("i"), "f", 1)), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL103");
  EXPECT_EQ(r.diagnostics[0].message, "type 'int' does not support field selection");
  EXPECT_EQ(r.diagnostics[0].offset, 1);
}

TEST(CheckerAstTest, SelectOnDynAndHasAreLenient) {
  Environment env = TestEnv();
  env.DeclareVariable("d", Type::Dyn());
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Select(b.Select(b.Ident("d"), "a"), "b")), env);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Dyn());
  AstBuilder b2;
  r = CheckTree(b2.Done(b2.Select(b2.Ident("d"), "a", 0, /*test_only=*/true)), env);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Bool());
}

TEST(CheckerAstTest, NoMatchingOverloadMessage) {
  Environment env = TestEnv();
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.CallAt(2, "_+_", nullptr, [&] {
                              std::vector<ExprPtr> a;
                              a.push_back(b.Int(1));
                              a.push_back(b.Str("a"));
                              return a;
                            }())),
                            env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL102");
  EXPECT_EQ(r.diagnostics[0].message, "found no matching overload for '_+_' applied to '(int, string)'");
  EXPECT_EQ(r.diagnostics[0].offset, 2);
}

TEST(CheckerAstTest, NoMatchingReceiverOverloadMessage) {
  Environment env = TestEnv();
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Member(b.Str("a"), "startsWith", b.Int(1))), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].message, "found no matching overload for 'startsWith' applied to 'string.(int)'");
}

TEST(CheckerAstTest, IntIsNotAssignableToDouble) {
  Environment env = TestEnv();
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Call("_+_", b.Int(1), b.Double(1.0))), env);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].message, "found no matching overload for '_+_' applied to '(int, double)'");
}

TEST(CheckerAstTest, OverloadReferencesAndGenericResults) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr call = b.Call("_+_", b.List(b.Int(1)), b.List(b.Int(2)));
  int64_t id = call->id;
  CheckResult r = CheckTree(b.Done(std::move(call)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::List(Type::Int()));
  EXPECT_EQ(r.checked.references.at(id).name, "_+_");
  EXPECT_EQ(r.checked.references.at(id).overload_ids, std::vector<std::string>{"add_list"});
}

TEST(CheckerAstTest, DynArgumentMatchesSeveralOverloads) {
  Environment env = TestEnv();
  env.DeclareVariable("d", Type::Dyn());
  AstBuilder b;
  ExprPtr call = b.Call("_<_", b.Ident("d"), b.Ident("d"));
  int64_t id = call->id;
  CheckResult r = CheckTree(b.Done(std::move(call)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Bool());
  EXPECT_EQ(r.checked.references.at(id).overload_ids,
            (std::vector<std::string>{"less_int64", "less_int64_double"}));

  AstBuilder b2;
  ExprPtr add = b2.Call("_+_", b2.Ident("d"), b2.Ident("d"));
  r = CheckTree(b2.Done(std::move(add)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Dyn());  // int, double, string, list(dyn) differ
}

TEST(CheckerAstTest, JsonMapsFlowThroughFunctions) {
  Environment env = TestEnv();
  env.DeclareVariable("doc", Type::Map(Type::String(), Type::Dyn()));
  AstBuilder b;
  ExprPtr lhs = b.Call("size", b.Select(b.Select(b.Ident("doc"), "a"), "b"));
  CheckResult r = CheckTree(b.Done(b.Call("_<_", std::move(lhs), b.Double(2.5))), env);
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  EXPECT_EQ(r.checked.result_type, Type::Bool());
}

TEST(CheckerAstTest, EqualityUnifiesTypeParameters) {
  Environment env = TestEnv();
  AstBuilder b;
  EXPECT_TRUE(CheckTree(b.Done(b.Call("_==_", b.Call("dyn", b.Int(1)), b.Double(1.0))), env).ok());
  AstBuilder b2;
  CheckResult r = CheckTree(b2.Done(b2.Call("_==_", b2.Int(1), b2.Str("a"))), env);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].message, "found no matching overload for '_==_' applied to '(int, string)'");
  AstBuilder b3;
  EXPECT_TRUE(CheckTree(b3.Done(b3.Call("_==_", b3.Null(), b3.Null())), env).ok());
  AstBuilder b4;
  // list(double) and list(dyn) unify.
  EXPECT_TRUE(
      CheckTree(b4.Done(b4.Call("_==_", b4.List(b4.Double(1.0)), b4.List(b4.Uint(1), b4.Int(2)))), env).ok());
}

TEST(CheckerAstTest, TypeValuesCompare) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr t = b.Call("type", b.Int(1));
  int64_t id = t->id;
  CheckResult r = CheckTree(b.Done(b.Call("_==_", std::move(t), b.Ident("uint"))), env);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.checked.types.at(id), Type::TypeOf(Type::Int()));
}

TEST(CheckerAstTest, ErrorsDoNotCascade) {
  Environment env = TestEnv();
  AstBuilder b;
  CheckResult r = CheckTree(
      b.Done(b.Call("_+_", b.Call("size", b.Select(b.Ident("missing"), "f")), b.Str("x"))), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL101");
}

TEST(CheckerAstTest, ReportsAllErrorsInSourceOrder) {
  Environment env = TestEnv();
  AstBuilder b;
  std::vector<ExprPtr> args;
  args.push_back(b.Ident("x", 0));
  args.push_back(b.Ident("y", 4));
  CheckResult r = CheckTree(b.Done(b.CallAt(2, "_+_", nullptr, std::move(args))), env);
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].message, "undeclared reference to 'x' (in container '')");
  EXPECT_EQ(r.diagnostics[1].message, "undeclared reference to 'y' (in container '')");
  EXPECT_EQ(r.diagnostics[1].offset, 4);
}

TEST(CheckerAstTest, UndeclaredFunction) {
  Environment env = TestEnv();
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.CallAt(3, "nope", nullptr, {})), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL101");
  EXPECT_EQ(r.diagnostics[0].message, "undeclared reference to 'nope' (in container '')");
  EXPECT_EQ(r.diagnostics[0].offset, 3);
}

TEST(CheckerAstTest, NamespacedFunctionThroughTarget) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr call = b.Member(b.Ident("math"), "greatest", b.Int(1), b.Int(2));
  int64_t id = call->id;
  CheckResult r = CheckTree(b.Done(std::move(call)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Int());
  EXPECT_EQ(r.checked.references.at(id).name, "math.greatest");
  EXPECT_EQ(r.checked.references.at(id).overload_ids, std::vector<std::string>{"math_greatest_int"});
  AstBuilder b2;
  r = CheckTree(b2.Done(b2.Member(b2.Ident("optional"), "none")), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Optional(Type::Dyn()));
}

TEST(CheckerAstTest, AggregateLiterals) {
  Environment env = TestEnv();
  AstBuilder b;
  EXPECT_EQ(CheckTree(b.Done(b.List()), env).checked.result_type, Type::List(Type::Dyn()));
  AstBuilder b2;
  EXPECT_EQ(CheckTree(b2.Done(b2.List(b2.Int(1), b2.Int(2))), env).checked.result_type, Type::List(Type::Int()));
  AstBuilder b3;
  EXPECT_EQ(CheckTree(b3.Done(b3.List(b3.Int(1), b3.Str("a"))), env).checked.result_type,
            Type::List(Type::Dyn()));
  AstBuilder b4;
  EXPECT_EQ(CheckTree(b4.Done(b4.List(b4.Str("a"), b4.Null())), env).checked.result_type,
            Type::List(Type::Dyn()));
  AstBuilder b5;
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
  entries.emplace_back(b5.Str("a"), b5.Int(1));
  entries.emplace_back(b5.Str("b"), b5.Double(2));
  EXPECT_EQ(CheckTree(b5.Done(b5.MapOf(std::move(entries))), env).checked.result_type,
            Type::Map(Type::String(), Type::Dyn()));
  AstBuilder b6;
  ExprPtr list = b6.List(b6.Int(1), b6.Call("optional.of", b6.Int(2)));
  list->optional_indices = {1};
  EXPECT_EQ(CheckTree(b6.Done(std::move(list)), env).checked.result_type, Type::List(Type::Int()));
}

TEST(CheckerAstTest, EmptyLiteralsTakeTheTypeTheyMeet) {
  Environment env = TestEnv();
  AstBuilder b;
  EXPECT_EQ(CheckTree(b.Done(b.List(b.List(), b.List(b.Int(1)))), env).checked.result_type,
            Type::List(Type::List(Type::Int())));
  AstBuilder b2;
  EXPECT_EQ(CheckTree(b2.Done(b2.Call("_+_", b2.List(), b2.List(b2.Str("a")))), env).checked.result_type,
            Type::List(Type::String()));
  AstBuilder b3;
  std::vector<std::pair<ExprPtr, ExprPtr>> none;
  ExprPtr empty = b3.MapOf(std::move(none));
  int64_t id = empty->id;
  CheckResult r = CheckTree(b3.Done(std::move(empty)), env);
  EXPECT_EQ(r.checked.result_type, Type::Map(Type::Dyn(), Type::Dyn()));
  EXPECT_EQ(r.checked.types.at(id), Type::Map(Type::Dyn(), Type::Dyn()));
}

TEST(CheckerAstTest, IndexingMapsAndLists) {
  Environment env = TestEnv();
  AstBuilder b;
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
  entries.emplace_back(b.Str("abc"), b.Int(123));
  CheckResult r = CheckTree(b.Done(b.Call("_[_]", b.MapOf(std::move(entries)), b.Str("abc"))), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Int());
}

// [1, 2].all(x, x < 3) as the parser expands it.
TEST(CheckerAstTest, ComprehensionTypesIterationVariables) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr x = b.Ident("x");
  int64_t x_id = x->id;
  ExprPtr step = b.Call("_&&_", b.Ident("@result"), b.Call("@not_strictly_false", b.Call("_<_", std::move(x), b.Int(3))));
  ExprPtr fold = b.Fold("x", "", b.List(b.Int(1), b.Int(2)), "@result", b.Bool(true),
                        b.Call("@not_strictly_false", b.Ident("@result")), std::move(step), b.Ident("@result"));
  CheckResult r = CheckTree(b.Done(std::move(fold)), env);
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.checked.result_type, Type::Bool());
  EXPECT_EQ(r.checked.types.at(x_id), Type::Int());
  EXPECT_EQ(r.checked.references.count(x_id), 0u);  // a local, not a declared variable
}

TEST(CheckerAstTest, TwoVariableComprehensionOverList) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr i = b.Ident("i");
  ExprPtr v = b.Ident("v");
  int64_t i_id = i->id, v_id = v->id;
  ExprPtr fold = b.Fold("i", "v", b.List(b.Str("a")), "@result", b.List(),
                        b.Bool(true), b.Call("_+_", b.Ident("@result"), b.List(b.Call("_==_", std::move(i), b.Int(0)), b.Call("_==_", std::move(v), b.Str("a")))),
                        b.Ident("@result"));
  CheckResult r = CheckTree(b.Done(std::move(fold)), env);
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.checked.types.at(i_id), Type::Int());
  EXPECT_EQ(r.checked.types.at(v_id), Type::String());
  // The empty accumulator takes the step's element type.
  EXPECT_EQ(r.checked.result_type, Type::List(Type::Bool()));
}

TEST(CheckerAstTest, ComprehensionOverIntIsReported) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr fold = b.Fold("x", "", b.Int(3, 5), "@result", b.Bool(true), b.Bool(true), b.Bool(true),
                        b.Ident("@result"));
  CheckResult r = CheckTree(b.Done(std::move(fold)), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL104");
  EXPECT_EQ(r.diagnostics[0].message,
            "expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)");
  EXPECT_EQ(r.diagnostics[0].offset, 5);
}

TEST(CheckerAstTest, ComprehensionOverMapAndDyn) {
  Environment env = TestEnv();
  env.DeclareVariable("m", Type::Map(Type::String(), Type::Int()));
  env.DeclareVariable("d", Type::Dyn());
  AstBuilder b;
  ExprPtr k = b.Ident("k");
  ExprPtr val = b.Ident("val");
  int64_t k_id = k->id, val_id = val->id;
  ExprPtr fold = b.Fold("k", "val", b.Ident("m"), "@result", b.Bool(true), b.Bool(true),
                        b.Call("_&&_", b.Call("_==_", std::move(k), b.Str("")), b.Call("_==_", std::move(val), b.Int(1))),
                        b.Ident("@result"));
  CheckResult r = CheckTree(b.Done(std::move(fold)), env);
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.checked.types.at(k_id), Type::String());
  EXPECT_EQ(r.checked.types.at(val_id), Type::Int());
  AstBuilder b2;
  ExprPtr x = b2.Ident("x");
  int64_t x_id = x->id;
  fold = b2.Fold("x", "", b2.Ident("d"), "@result", b2.Bool(true), b2.Bool(true),
                 b2.Call("_==_", std::move(x), b2.Int(1)), b2.Ident("@result"));
  r = CheckTree(b2.Done(std::move(fold)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.types.at(x_id), Type::Dyn());
}

TEST(CheckerAstTest, ConditionalJoinsBranches) {
  Environment env = TestEnv();
  AstBuilder b;
  EXPECT_EQ(CheckTree(b.Done(b.Call("_?_:_", b.Bool(true), b.Int(1), b.Int(2))), env).checked.result_type,
            Type::Int());
  AstBuilder b2;
  EXPECT_EQ(CheckTree(b2.Done(b2.Call("_?_:_", b2.Bool(true), b2.Int(1), b2.Str("a"))), env).checked.result_type,
            Type::Dyn());
  AstBuilder b3;
  CheckResult r = CheckTree(b3.Done(b3.Call("_?_:_", b3.Int(1), b3.Int(1), b3.Int(2))), env);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].message, "found no matching overload for '_?_:_' applied to '(int, int, int)'");
}

TEST(CheckerAstTest, BlockSlotsAreTyped) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr slots = b.List(b.Int(1), b.Call("_+_", b.Ident("@index0"), b.Int(2)));
  ExprPtr block = b.Member(b.Ident("cel"), "@block", std::move(slots), b.Call("_+_", b.Ident("@index1"), b.Int(1)));
  CheckResult r = CheckTree(b.Done(std::move(block)), env);
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.checked.result_type, Type::Int());
  AstBuilder b2;
  ExprPtr global = b2.Call("cel.@block", b2.List(b2.Str("s")), b2.Ident("@index0"));
  r = CheckTree(b2.Done(std::move(global)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::String());
}

TEST(CheckerAstTest, UnknownInternalHelpersAreDyn) {
  Environment env = TestEnv();
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Call("@something", b.Int(1))), env);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Dyn());
  AstBuilder b2;
  std::vector<std::pair<ExprPtr, ExprPtr>> none;
  r = CheckTree(b2.Done(b2.Call("cel.@mapInsert", b2.MapOf(std::move(none)), b2.Str("k"), b2.Int(1))), env);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Map(Type::String(), Type::Int()));
}

TEST(CheckerAstTest, OptionalSelection) {
  Environment env = TestEnv();
  env.DeclareVariable("m", Type::Map(Type::String(), Type::Int()));
  AstBuilder b;
  CheckResult r = CheckTree(b.Done(b.Call("_?._", b.Ident("m"), b.Str("f"))), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Optional(Type::Int()));
  // Selecting through an optional stays optional.
  AstBuilder b2;
  env.DeclareVariable("o", Type::Optional(Type::Map(Type::String(), Type::Dyn())));
  r = CheckTree(b2.Done(b2.Select(b2.Ident("o"), "f")), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.result_type, Type::Optional(Type::Dyn()));
}

TEST(CheckerAstTest, LocalShadowsGlobalInComprehension) {
  Environment env = TestEnv();
  env.DeclareVariable("x", Type::String());
  env.DeclareVariable("x.y", Type::String());
  AstBuilder b;
  ExprPtr x = b.Ident("x");
  int64_t x_id = x->id;
  ExprPtr fold = b.Fold("x", "", b.List(b.Int(1)), "@result", b.Bool(true), b.Bool(true),
                        b.Call("_==_", std::move(x), b.Int(1)), b.Ident("@result"));
  CheckResult r = CheckTree(b.Done(std::move(fold)), env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.checked.types.at(x_id), Type::Int());
}

TEST(CheckerAstTest, DeepTreesDoNotCrash) {
  Environment env = TestEnv();
  AstBuilder b;
  ExprPtr e = b.Int(1);
  for (int i = 0; i < 20000; ++i) e = b.Call("_+_", std::move(e), b.Int(1));
  ParsedExpr parsed = b.Done(std::move(e));
  CheckResult r = CheckTree(std::move(parsed), env);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "CEL104");
}

}  // namespace
}  // namespace stagegate::cel
