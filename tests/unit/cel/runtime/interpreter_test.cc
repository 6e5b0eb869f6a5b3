#include <atomic>
#include <memory>
#include <vector>
#include <thread>

#include <gtest/gtest.h>

#include "engine/cel/cel.h"
#include "engine/cel/common/host_object.h"

namespace stagegate::cel {
namespace {

struct Options {
  bool check = false;
  std::string container;
  EvalLimits limits;
};

// Results may borrow from their program's constants (the documented lifetime
// rule of Program::Evaluate), so the programs compiled here live as long as
// the test binary.
std::vector<std::unique_ptr<Program>>& KeptPrograms() {
  static auto* programs = new std::vector<std::unique_ptr<Program>>();
  return *programs;
}

Value Eval(const std::string& expr, const MapActivation& vars = {}, Options options = {}) {
  Environment env = Environment::Standard();
  env.options().type_check = options.check;
  env.options().container = options.container;
  env.options().eval_limits = options.limits;
  CompileResult compiled = Compile(env, Source(expr));
  if (!compiled.ok()) {
    std::string message = "compile failed:";
    for (const Diagnostic& d : compiled.diagnostics) message += " " + d.code + " " + d.message;
    return Value::Error(message);
  }
  Value result = compiled.program->Evaluate(vars);
  KeptPrograms().push_back(std::move(compiled.program));
  return result;
}

std::string Show(const std::string& expr, const MapActivation& vars = {}, Options options = {}) {
  return Eval(expr, vars, options).DebugString();
}

TEST(InterpreterTest, Literals) {
  EXPECT_EQ(Show("[1, 2u, 3.5, 'a', b'b', null, true]"), R"([1, 2u, 3.5, "a", b"b", null, true])");
  EXPECT_EQ(Show("{'a': 1, 2: [3]}"), R"({"a": 1, 2: [3]})");
  EXPECT_EQ(Show("{'a': 1, 'a': 2}"), "error: Failed with repeated key: a");
  EXPECT_EQ(Show("{0: 1, 0u: 2}"), "error: Failed with repeated key: 0u");
  EXPECT_EQ(Show("{1.5: 1}"), "error: unsupported key type: double");
}

TEST(InterpreterTest, AndOrAbsorption) {
  MapActivation vars;
  vars.Bind("u", Value::Unknown("u"));
  vars.Bind("v", Value::Unknown("v"));
  EXPECT_EQ(Show("false && 1/0 == 1", vars), "false");
  EXPECT_EQ(Show("1/0 == 1 && false", vars), "false");
  EXPECT_EQ(Show("true && 1/0 == 1", vars).rfind("error: ", 0), 0u);
  EXPECT_EQ(Show("true || 1/0 == 1", vars), "true");
  EXPECT_EQ(Show("1/0 == 1 || true", vars), "true");
  EXPECT_EQ(Show("false || 1/0 == 1", vars).rfind("error: ", 0), 0u);
  EXPECT_EQ(Show("u && false", vars), "false");
  EXPECT_EQ(Show("u || true", vars), "true");
  EXPECT_EQ(Show("u && true", vars), "unknown: u");
  EXPECT_EQ(Show("u && v", vars), "unknown: u, v");
  EXPECT_EQ(Show("u && 1/0 == 1", vars), "unknown: u");
  EXPECT_EQ(Show("'a' && true", vars), "error: no matching overload for '_&&_' applied to '(string, bool)'");
}

TEST(InterpreterTest, ConditionalIsLazy) {
  EXPECT_EQ(Show("true ? 1 : 1/0"), "1");
  EXPECT_EQ(Show("false ? 1/0 : 2"), "2");
  MapActivation vars;
  vars.Bind("c", Value::String("x"));
  EXPECT_EQ(Show("c ? 1 : 2", vars), "error: no matching overload for '_?_:_' applied to '(string)'");
}

TEST(InterpreterTest, Variables) {
  MapActivation vars;
  vars.Bind("x", Value::Int(3));
  vars.Bind("a.b", Value::MapOf({{Value::String("c"), Value::Int(7)}}));
  EXPECT_EQ(Show("x + 1", vars), "4");
  EXPECT_EQ(Show("a.b.c", vars), "7");
  EXPECT_EQ(Show("y", vars), "error: no such attribute: y");
  EXPECT_EQ(Show("a.b.d", vars), "error: no such key: d");
  Options in_container;
  in_container.container = "a";
  EXPECT_EQ(Show("b.c", vars, in_container), "7");
  MapActivation unknown;
  unknown.Bind("s", Value::Unknown("s"));
  EXPECT_EQ(Show("s.f + 1", unknown), "unknown: s");
}

TEST(InterpreterTest, TypeIdentifiers) {
  EXPECT_EQ(Show("int"), "int");
  EXPECT_EQ(Show("type(1) == int"), "true");
  EXPECT_EQ(Show("google.protobuf.Duration"), "google.protobuf.Duration");
  MapActivation vars;
  vars.Bind("int", Value::Int(5));
  EXPECT_EQ(Show("int", vars), "5");
}

TEST(InterpreterTest, SelectAndIndex) {
  EXPECT_EQ(Show("{'a': 1}.a"), "1");
  EXPECT_EQ(Show("{'a': 1}.b"), "error: no such key: b");
  EXPECT_EQ(Show("has({'a': 1}.a)"), "true");
  EXPECT_EQ(Show("has({'a': 1}.b)"), "false");
  EXPECT_EQ(Show("[1, 2][1]"), "2");
  EXPECT_EQ(Show("[1, 2][1u]"), "2");
  EXPECT_EQ(Show("[1, 2][dyn(1.0)]"), "2");
  EXPECT_EQ(Show("[1, 2][2]"), "error: index out of bounds: 2");
  EXPECT_EQ(Show("[1, 2][-1]"), "error: index out of bounds: -1");
  EXPECT_EQ(Show("{1: 'a'}[1u]"), "\"a\"");
  EXPECT_EQ(Show("{1: 'a'}[dyn(1.0)]"), "\"a\"");
  EXPECT_EQ(Show("{1: 'a'}[2]"), "error: no such key: 2");
  EXPECT_EQ(Show("1.a"), "error: type 'int' does not support field selection");
}

TEST(InterpreterTest, Calls) {
  EXPECT_EQ(Show("1 + 'a'"), "error: no matching overload for '_+_' applied to '(int, string)'");
  EXPECT_EQ(Show("f_unknown(1)"), "error: unbound function: f_unknown");
  EXPECT_EQ(Show("size('abc')"), "3");
  EXPECT_EQ(Show("'abc'.size()"), "3");
}

TEST(InterpreterTest, Comprehensions) {
  EXPECT_EQ(Show("[1, 2, 3].map(x, x * 2)"), "[2, 4, 6]");
  EXPECT_EQ(Show("[1, 2, 3].filter(x, x > 1)"), "[2, 3]");
  EXPECT_EQ(Show("[1, 2, 3].exists(x, x == 2)"), "true");
  EXPECT_EQ(Show("[1, 2, 3].all(x, x > 0)"), "true");
  EXPECT_EQ(Show("[1, 2, 3].exists_one(x, x > 2)"), "true");
  EXPECT_EQ(Show("{'a': 1, 'b': 2}.map(k, k)"), R"(["a", "b"])");
  EXPECT_EQ(Show("[10, 20].all(i, v, v == (i + 1) * 10)"), "true");
  EXPECT_EQ(Show("{'a': 1}.transformMap(k, v, v + 1)"), R"({"a": 2})");
  EXPECT_EQ(Show("cel.bind(x, 2, x * x)"), "4");
  EXPECT_EQ(Show("[1, 0].exists(x, 1 / x == 1)"), "true");  // error absorbed by ||
}

TEST(InterpreterTest, Block) {
  EXPECT_EQ(Show("cel.block([1, cel.index(0) + 1], cel.index(1) * 10)"), "20");
}

TEST(InterpreterTest, Optionals) {
  EXPECT_EQ(Show("{'a': 1}.?a"), "optional.of(1)");
  EXPECT_EQ(Show("{'a': 1}.?b"), "optional.none()");
  EXPECT_EQ(Show("[1][?3]"), "optional.none()");
  EXPECT_EQ(Show("[?optional.none(), ?optional.of(2)]"), "[2]");
  EXPECT_EQ(Show("{?'a': optional.none(), 'b': 1}"), R"({"b": 1})");
}

TEST(InterpreterTest, ComprehensionIterationLimit) {
  Options options;
  options.limits.max_comprehension_iterations = 5;
  EXPECT_EQ(Show("[1, 2, 3, 4, 5].all(x, x > 0)", {}, options), "true");
  MapActivation vars;
  vars.Bind("t", Value::Bool(true));
  // `|| t` cannot absorb the limit error: exceeding a limit aborts the evaluation.
  EXPECT_EQ(Show("[1, 2, 3, 4, 5, 6].all(x, x > 0) || t", vars, options),
            "error: comprehension at 1:23 exceeded the limit of 5 iterations");
}

TEST(InterpreterTest, CostBudget) {
  Options options;
  options.limits.cost_budget = 30;
  EXPECT_EQ(Show("1 + 2", {}, options), "3");
  MapActivation vars;
  vars.Bind("t", Value::Bool(true));
  EXPECT_EQ(Show("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(x, x + 1).size() > 0 || t", vars, options),
            "error: cost budget of 30 exceeded in expression at 1:1: the comprehension at 1:36 ran 4 iterations");
}

TEST(InterpreterTest, SpecializationErrorIsDiagnostic) {
  Environment env = Environment::Empty();
  env.options().type_check = false;
  Overload o;
  o.id = "check_string";
  o.params = {Type::String()};
  o.result = Type::Bool();
  o.impl = [](std::span<const Value>, EvalContext&) { return Value::Bool(true); };
  o.specialize = [](std::span<const std::optional<Value>> constants, std::string* error)
      -> std::optional<FunctionImpl> {
    if (constants[0] && constants[0]->GetString() == "bad") *error = "bad constant";
    return std::nullopt;
  };
  Overload two = o;
  two.id = "check_string_int";
  two.params = {Type::String(), Type::Int()};
  env.functions().Add("check", o);
  env.functions().Add("check", two);
  MapActivation vars;
  vars.Bind("n", Value::Int(1));
  CompileResult bad = Compile(env, Source("check('bad', n)"));
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].code, "CEL301");
  EXPECT_EQ(bad.diagnostics[0].message, "bad constant");
  CompileResult good = Compile(env, Source("check('good', n)"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.program->Evaluate(vars).DebugString(), "true");
}

TEST(InterpreterTest, ReceiverAndGlobalAreDistinct) {
  Environment env = Environment::Empty();
  env.options().type_check = false;
  Overload o;
  o.id = "string_shout";
  o.receiver_style = true;
  o.params = {Type::String()};
  o.result = Type::String();
  o.impl = [](std::span<const Value> args, EvalContext&) {
    return Value::String(std::string(args[0].GetString()) + "!");
  };
  env.functions().Add("shout", o);
  MapActivation vars;
  EXPECT_EQ(Compile(env, Source("'a'.shout()")).program->Evaluate(vars).DebugString(), "\"a!\"");
  EXPECT_EQ(Compile(env, Source("shout('a')")).program->Evaluate(vars).DebugString(),
            "error: no matching overload for 'shout' applied to '(string)'");
}

TEST(InterpreterTest, CheckedProgram) {
  Environment env = Environment::Standard();
  env.DeclareVariable("x", Type::Int());
  CompileResult compiled = Compile(env, Source("x * 2 + 1"));
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(compiled.program->result_type(), Type::Int());
  MapActivation vars;
  vars.Bind("x", Value::Int(20));
  EXPECT_EQ(compiled.program->Evaluate(vars).GetInt(), 41);
}

TEST(InterpreterTest, ThreadSafety) {
  Environment env = Environment::Standard();
  env.options().type_check = false;
  CompileResult compiled =
      Compile(env, Source("cel.block([x * 2], [1, 2, 3].map(i, i + cel.index(0)).filter(v, v > 0).size() + x)"));
  ASSERT_TRUE(compiled.ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      MapActivation vars;
      vars.Bind("x", Value::Int(t));
      for (int i = 0; i < 2000; ++i) {
        Value v = compiled.program->Evaluate(vars);
        if (!v.IsInt() || v.GetInt() != 3 + t) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace stagegate::cel
