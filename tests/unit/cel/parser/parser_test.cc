#include "engine/cel/parser/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/cel/parser/ast_printer.h"

namespace stagegate::cel {
namespace {

using testing::Print;

// Parses `text` and returns the printed tree, or the formatted diagnostics.
std::string P(const std::string& text, const ParseLimits& limits = {}) {
  Source source(text);
  ParseResult r = Parse(source, limits);
  if (r.ok()) return Print(r.parsed.root.get());
  return FormatDiagnostics(source, r.diagnostics);
}

const Constant& ConstOf(const std::string& text, ParseResult& holder) {
  holder = Parse(Source(text));
  static const Constant kNone = NullConstant{};
  if (!holder.ok() || holder.parsed.root->kind != ExprKind::kConstant) {
    ADD_FAILURE() << "not a constant: " << text;
    return kNone;
  }
  return holder.parsed.root->constant;
}

int64_t IntOf(const std::string& text) {
  ParseResult r;
  const Constant& c = ConstOf(text, r);
  return std::holds_alternative<int64_t>(c) ? std::get<int64_t>(c) : -42;
}
uint64_t UintOf(const std::string& text) {
  ParseResult r;
  const Constant& c = ConstOf(text, r);
  return std::holds_alternative<uint64_t>(c) ? std::get<uint64_t>(c) : 42;
}
double DoubleOf(const std::string& text) {
  ParseResult r;
  const Constant& c = ConstOf(text, r);
  return std::holds_alternative<double>(c) ? std::get<double>(c) : -42.0;
}
std::string StringOf(const std::string& text) {
  ParseResult r;
  const Constant& c = ConstOf(text, r);
  return std::holds_alternative<std::string>(c) ? std::get<std::string>(c) : "<not a string>";
}
std::string BytesOf(const std::string& text) {
  ParseResult r;
  const Constant& c = ConstOf(text, r);
  return std::holds_alternative<BytesConstant>(c) ? std::get<BytesConstant>(c).bytes : "<not bytes>";
}

TEST(ParserLiterals, Ints) {
  EXPECT_EQ(IntOf("0"), 0);
  EXPECT_EQ(IntOf("42"), 42);
  EXPECT_EQ(IntOf("0x1F"), 31);
  EXPECT_EQ(IntOf("-0x10"), -16);
  EXPECT_EQ(IntOf("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(IntOf("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(IntOf("-7"), -7);
}

TEST(ParserLiterals, IntOutOfRangeIsAnError) {
  EXPECT_EQ(P("9223372036854775808"),
            "<input>:1:1: error CEL001: invalid int literal\n | 9223372036854775808\n | ^");
  EXPECT_EQ(P("1 + -9223372036854775809"),
            "<input>:1:5: error CEL001: invalid int literal\n | 1 + -9223372036854775809\n | ....^");
  EXPECT_EQ(P("99999999999999999999999"),
            "<input>:1:1: error CEL001: invalid int literal\n | 99999999999999999999999\n | ^");
}

TEST(ParserLiterals, Uints) {
  EXPECT_EQ(UintOf("0u"), 0u);
  EXPECT_EQ(UintOf("7U"), 7u);
  EXPECT_EQ(UintOf("0xFFu"), 255u);
  EXPECT_EQ(UintOf("18446744073709551615u"), UINT64_MAX);
  EXPECT_FALSE(Parse(Source("18446744073709551616u")).ok());
}

TEST(ParserLiterals, Doubles) {
  EXPECT_DOUBLE_EQ(DoubleOf("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(DoubleOf("1e3"), 1000.0);
  EXPECT_DOUBLE_EQ(DoubleOf("2.5E-2"), 0.025);
  EXPECT_DOUBLE_EQ(DoubleOf("1e+2"), 100.0);
  EXPECT_DOUBLE_EQ(DoubleOf(".5"), 0.5);
  EXPECT_DOUBLE_EQ(DoubleOf("-2.0"), -2.0);
  EXPECT_EQ(P("1.e3"), "1.e3");  // not a double: field e3 of the int 1
}

TEST(ParserLiterals, OtherConstants) {
  EXPECT_EQ(P("true"), "true");
  EXPECT_EQ(P("false"), "false");
  EXPECT_EQ(P("null"), "null");
}

TEST(ParserLiterals, StringQuotes) {
  EXPECT_EQ(StringOf("'a\"b'"), "a\"b");
  EXPECT_EQ(StringOf("\"a'b\""), "a'b");
  EXPECT_EQ(StringOf("'''a'b\"c\nd'''"), "a'b\"c\nd");
  EXPECT_EQ(StringOf("\"\"\"x\"\"y\"\"\""), "x\"\"y");
  EXPECT_EQ(StringOf("''"), "");
  EXPECT_EQ(StringOf("'héllo'"), "héllo");
}

TEST(ParserLiterals, StringEscapes) {
  EXPECT_EQ(StringOf(R"(' \\ \? \" \' \` ')"), " \\ ? \" ' ` ");
  EXPECT_EQ(StringOf(R"('\a\b\f\n\r\t\v')"), "\a\b\f\n\r\t\v");
  EXPECT_EQ(StringOf(R"('\x41\X42')"), "AB");
  EXPECT_EQ(StringOf(R"('\xff')"), "\xc3\xbf");  // \x in strings is a code point
  EXPECT_EQ(StringOf(R"('\101\377')"), "A\xc3\xbf");
  EXPECT_EQ(StringOf(R"('\u00e9\U0001F62C')"), "\xc3\xa9\xf0\x9f\x98\xac");
}

TEST(ParserLiterals, StringEscapeErrors) {
  EXPECT_FALSE(Parse(Source(R"('\ud800')")).ok());
  EXPECT_FALSE(Parse(Source(R"('\U00110000')")).ok());
  EXPECT_FALSE(Parse(Source(R"('\z')")).ok());
  EXPECT_FALSE(Parse(Source(R"('\x4')")).ok());
  EXPECT_FALSE(Parse(Source(R"('\400')")).ok());
  EXPECT_EQ(P("'abc\ndef'"), "<input>:1:1: error CEL001: Syntax error: token recognition error at: ''abc'\n | 'abc\n | ^");
}

TEST(ParserLiterals, RawStrings) {
  EXPECT_EQ(StringOf(R"(r'\n\x00')"), R"(\n\x00)");
  // A backslash cannot escape the quote of a raw literal.
  EXPECT_EQ(StringOf(R"(R"\")"), "\\");
  EXPECT_EQ(StringOf(R"(r'''a\''')"), "a\\");
  EXPECT_FALSE(Parse(Source(R"(r'\'')")).ok());
}

TEST(ParserLiterals, Bytes) {
  EXPECT_EQ(BytesOf("b'abc'"), "abc");
  EXPECT_EQ(BytesOf(R"(B"\xff\000\377")"), std::string("\xff\0\xff", 3));
  EXPECT_EQ(BytesOf("b'é'"), "\xc3\xa9");
  EXPECT_EQ(BytesOf(R"(b'\u00e9')"), "\xc3\xa9");
  EXPECT_EQ(BytesOf(R"(rb'\x00')"), R"(\x00)");
  EXPECT_EQ(BytesOf(R"(BR'\n')"), R"(\n)");
  EXPECT_EQ(BytesOf(R"(bR'''\t''')"), R"(\t)");
  EXPECT_EQ(BytesOf(R"(Rb"\\")"), R"(\\)");
}

TEST(ParserGrammar, Precedence) {
  EXPECT_EQ(P("1 + 2 * 3"), "_+_(1, _*_(2, 3))");
  EXPECT_EQ(P("1 - 2 - 3"), "_-_(_-_(1, 2), 3)");
  EXPECT_EQ(P("a / b % c * d"), "_*_(_%_(_/_(a, b), c), d)");
  EXPECT_EQ(P("a < b == c"), "_==_(_<_(a, b), c)");
  EXPECT_EQ(P("a in b != c <= d >= e > f"), "_>_(_>=_(_<=_(_!=_(@in(a, b), c), d), e), f)");
  EXPECT_EQ(P("a || b && c"), "_||_(a, _&&_(b, c))");
  EXPECT_EQ(P("a && b || c ? d : e"), "_?_:_(_||_(_&&_(a, b), c), d, e)");
  EXPECT_EQ(P("a ? b : c ? d : e"), "_?_:_(a, b, _?_:_(c, d, e))");
  EXPECT_EQ(P("(1 + 2) * 3"), "_*_(_+_(1, 2), 3)");
  EXPECT_EQ(P("-a.b"), "-_(a.b)");
  EXPECT_EQ(P("!a || b"), "_||_(!_(a), b)");
}

TEST(ParserGrammar, LogicalChainsAreBalanced) {
  EXPECT_EQ(P("a || b || c || d"), "_||_(_||_(a, b), _||_(c, d))");
  EXPECT_EQ(P("a && b && c"), "_&&_(a, _&&_(b, c))");
}

TEST(ParserGrammar, RepeatedUnary) {
  EXPECT_EQ(P("!!true"), "!_(!_(true))");
  EXPECT_EQ(P("--1"), "-_(-_(1))");
  EXPECT_EQ(P("-(1)"), "-_(1)");
  EXPECT_EQ(P("-1.5"), "-1.5");
  EXPECT_EQ(P("-1u"), "-_(1u)");
}

TEST(ParserGrammar, MembersAndCalls) {
  EXPECT_EQ(P("a.b.c"), "a.b.c");
  EXPECT_EQ(P("a.b(1, 2)"), "a.b(1, 2)");
  EXPECT_EQ(P("f()"), "f()");
  EXPECT_EQ(P("a[0][1]"), "_[_](_[_](a, 0), 1)");
  EXPECT_EQ(P(".x"), ".x");
  EXPECT_EQ(P(".a.b"), ".a.b");
  EXPECT_EQ(P(".f(1)"), ".f(1)");
  EXPECT_EQ(P("a.`b-c`"), "a.b-c");
  EXPECT_EQ(P("a.`b.c/d e`"), "a.b.c/d e");
  EXPECT_EQ(P("size(x).y"), "size(x).y");
}

TEST(ParserGrammar, Aggregates) {
  EXPECT_EQ(P("[]"), "[]");
  EXPECT_EQ(P("[1, 2,]"), "[1, 2]");
  EXPECT_EQ(P("{}"), "{}");
  EXPECT_EQ(P("{'a': 1, 2: [3],}"), "{\"a\": 1, 2: [3]}");
  EXPECT_EQ(P("Msg{}"), "Msg{}");
  EXPECT_EQ(P("a.b.Msg{f: 1, g: x,}"), "a.b.Msg{f: 1, g: x}");
  EXPECT_EQ(P(".a.Msg{`f-g`: 1}"), ".a.Msg{f-g: 1}");
  EXPECT_EQ(P("Msg{f: 1}.f"), "Msg{f: 1}.f");
  EXPECT_EQ(P("M{as: 1, while: 2}"), "M{as: 1, while: 2}");
}

TEST(ParserGrammar, OptionalSyntax) {
  EXPECT_EQ(P("a.?b"), "_?._(a, \"b\")");
  EXPECT_EQ(P("a[?0]"), "_[?_](a, 0)");
  EXPECT_EQ(P("a.?b.c[?'d']"), "_[?_](_?._(a, \"b\").c, \"d\")");
  EXPECT_EQ(P("[?a, b, ?c]"), "[?a, b, ?c]");
  EXPECT_EQ(P("{?'k': v, 'j': w}"), "{?\"k\": v, \"j\": w}");
  EXPECT_EQ(P("M{?f: v}"), "M{?f: v}");
}

TEST(ParserGrammar, ListOptionalIndices) {
  ParseResult r = Parse(Source("[a, ?b, c, ?d]"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.parsed.root->optional_indices, (std::vector<int32_t>{1, 3}));
}

TEST(ParserGrammar, Comments) {
  EXPECT_EQ(P("1 + // one\n 2 // two"), "_+_(1, 2)");
}

TEST(ParserGrammar, ReservedWords) {
  EXPECT_EQ(P("while"), "<input>:1:1: error CEL001: reserved identifier: while\n | while\n | ^");
  EXPECT_EQ(P("1 + if(2)"), "<input>:1:5: error CEL001: reserved identifier: if\n | 1 + if(2)\n | ....^");
  for (const char* word : {"as", "break", "const", "continue", "else", "for", "function", "if", "import", "let",
                           "loop", "package", "namespace", "return", "var", "void", "while"}) {
    EXPECT_FALSE(Parse(Source(word)).ok()) << word;
    EXPECT_TRUE(Parse(Source(std::string("a.") + word)).ok()) << word;
    EXPECT_TRUE(Parse(Source(std::string("a.") + word + "()")).ok()) << word;
  }
  EXPECT_FALSE(Parse(Source("a.in")).ok());
}

TEST(ParserMacros, Has) {
  EXPECT_EQ(P("has(a.b)"), "a.b~test-only");
  EXPECT_EQ(P("has(a.b.c)"), "a.b.c~test-only");
  EXPECT_EQ(P("has(a)"), "<input>:1:5: error CEL001: invalid argument to has() macro\n | has(a)\n | ....^");
  EXPECT_FALSE(Parse(Source("has(a[0])")).ok());
  EXPECT_EQ(P("has(a.b, c)"), "has(a.b, c)");
  EXPECT_EQ(P("x.has(a.b)"), "x.has(a.b)");
}

TEST(ParserMacros, Quantifiers) {
  EXPECT_EQ(P("l.all(x, x > 0)"),
            "fold(x, l, @result, true, @not_strictly_false(@result), _&&_(@result, _>_(x, 0)), @result)");
  EXPECT_EQ(P("l.exists(x, p)"),
            "fold(x, l, @result, false, @not_strictly_false(!_(@result)), _||_(@result, p), @result)");
  EXPECT_EQ(P("l.exists_one(x, p)"),
            "fold(x, l, @result, 0, true, _?_:_(p, _+_(@result, 1), @result), _==_(@result, 1))");
}

TEST(ParserMacros, MapAndFilter) {
  EXPECT_EQ(P("l.map(x, x * 2)"), "fold(x, l, @result, [], true, _+_(@result, [_*_(x, 2)]), @result)");
  EXPECT_EQ(P("l.map(x, x > 1, x)"),
            "fold(x, l, @result, [], true, _?_:_(_>_(x, 1), _+_(@result, [x]), @result), @result)");
  EXPECT_EQ(P("l.filter(x, x > 1)"),
            "fold(x, l, @result, [], true, _?_:_(_>_(x, 1), _+_(@result, [x]), @result), @result)");
}

TEST(ParserMacros, TwoVariable) {
  EXPECT_EQ(P("m.all(k, v, k < v)"),
            "fold(k,v, m, @result, true, @not_strictly_false(@result), _&&_(@result, _<_(k, v)), @result)");
  EXPECT_EQ(P("m.exists(k, v, p)"),
            "fold(k,v, m, @result, false, @not_strictly_false(!_(@result)), _||_(@result, p), @result)");
  EXPECT_EQ(P("m.existsOne(k, v, p)"),
            "fold(k,v, m, @result, 0, true, _?_:_(p, _+_(@result, 1), @result), _==_(@result, 1))");
  EXPECT_EQ(P("l.transformList(i, v, v * i)"),
            "fold(i,v, l, @result, [], true, _+_(@result, [_*_(v, i)]), @result)");
  EXPECT_EQ(P("l.transformList(i, v, i > 0, v)"),
            "fold(i,v, l, @result, [], true, _?_:_(_>_(i, 0), _+_(@result, [v]), @result), @result)");
  EXPECT_EQ(P("m.transformMap(k, v, v + 1)"),
            "fold(k,v, m, @result, {}, true, cel.@mapInsert(@result, k, _+_(v, 1)), @result)");
  EXPECT_EQ(P("m.transformMap(k, v, p, v)"),
            "fold(k,v, m, @result, {}, true, _?_:_(p, cel.@mapInsert(@result, k, v), @result), @result)");
  EXPECT_EQ(P("m.all(k, k, true)"),
            "<input>:1:10: error CEL001: duplicate variable name: k\n | m.all(k, k, true)\n | .........^");
}

TEST(ParserMacros, IterationVariableMustBeSimpleName) {
  EXPECT_EQ(P("l.all(x.y, true)"),
            "<input>:1:8: error CEL001: argument must be a simple name\n | l.all(x.y, true)\n | .......^");
  EXPECT_FALSE(Parse(Source("l.map(1, 2)")).ok());
  EXPECT_FALSE(Parse(Source("l.exists(i, 1, true)")).ok());
  EXPECT_FALSE(Parse(Source("l.transformMap(k, 'v', true)")).ok());
}

TEST(ParserMacros, OtherArityIsAPlainCall) {
  EXPECT_EQ(P("l.all(x)"), "l.all(x)");
  EXPECT_EQ(P("l.filter(x, y, z)"), "l.filter(x, y, z)");
  EXPECT_EQ(P("all(x, y)"), "all(x, y)");
  EXPECT_EQ(P("l.map()"), "l.map()");
}

TEST(ParserMacros, CelBind) {
  EXPECT_EQ(P("cel.bind(t, 1, t + t)"), "fold(#unused, [], t, 1, false, t, _+_(t, t))");
  EXPECT_FALSE(Parse(Source("cel.bind(a.b, 1, 2)")).ok());
  EXPECT_EQ(P("x.bind(t, 1, t)"), "x.bind(t, 1, t)");
}

TEST(ParserMacros, CelBlock) {
  EXPECT_EQ(P("cel.block([1, cel.index(0) + 1], cel.index(1))"), "cel.@block([1, _+_(@index0, 1)], @index1)");
  EXPECT_EQ(P("l.exists(cel.iterVar(0, 1), cel.accuVar(2, 3))"),
            "fold(@it:0:1, l, @result, false, @not_strictly_false(!_(@result)), _||_(@result, @ac:2:3), @result)");
  EXPECT_FALSE(Parse(Source("cel.block(1, 2)")).ok());
  EXPECT_FALSE(Parse(Source("cel.index(-1)")).ok());
  EXPECT_FALSE(Parse(Source("cel.index(x)")).ok());
}

TEST(ParserMacros, OptionalMapMacros) {
  EXPECT_EQ(P("o.optMap(x, x + 1)"),
            "_?_:_(o.hasValue(), optional.of(fold(#unused, [], x, o.value(), false, x, _+_(x, 1))), "
            "optional.none())");
  EXPECT_EQ(P("m.?k.optFlatMap(y, y.?z)"),
            "_?_:_(_?._(m, \"k\").hasValue(), fold(#unused, [], y, _?._(m, \"k\").value(), false, y, "
            "_?._(y, \"z\")), optional.none())");
  EXPECT_EQ(P("o.optMap(a.b, 1)"),
            "<input>:1:11: error CEL001: optMap() variable name must be a simple identifier\n | o.optMap(a.b, 1)\n"
            " | ..........^");
  EXPECT_EQ(P("o.optMap(x)"), "o.optMap(x)");
}

TEST(ParserMacros, NestedMacros) {
  EXPECT_EQ(P("l.all(x, x.exists(y, y))"),
            "fold(x, l, @result, true, @not_strictly_false(@result), _&&_(@result, fold(y, x, @result, false, "
            "@not_strictly_false(!_(@result)), _||_(@result, y), @result)), @result)");
}

// Collects every id of the tree.
void CollectIds(const Expr* e, std::vector<int64_t>& ids) {
  if (!e) return;
  ids.push_back(e->id);
  CollectIds(e->operand.get(), ids);
  for (const auto& a : e->args) CollectIds(a.get(), ids);
  for (const auto& entry : e->entries) {
    ids.push_back(entry.id);
    CollectIds(entry.key.get(), ids);
    CollectIds(entry.value.get(), ids);
  }
  if (e->comprehension) {
    const Comprehension& c = *e->comprehension;
    for (const Expr* p : {c.iter_range.get(), c.accu_init.get(), c.loop_condition.get(), c.loop_step.get(),
                          c.result.get()}) {
      CollectIds(p, ids);
    }
  }
}

TEST(ParserIds, UniqueAndBelowNextId) {
  ParseResult r = Parse(Source("{'a': [1, ?x]}.all(k, M{f: k}.f) && cel.bind(y, 2, y.map(z, z)) || a.?b || o.optMap(v, v.?w).hasValue()"));
  ASSERT_TRUE(r.ok());
  std::vector<int64_t> ids;
  CollectIds(r.parsed.root.get(), ids);
  std::sort(ids.begin(), ids.end());
  EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  EXPECT_GT(ids.front(), 0);
  EXPECT_LT(ids.back(), r.parsed.next_id);
}

TEST(ParserOffsets, NodesStartWhereCelGoReportsThem) {
  ParseResult r = Parse(Source("a + b.c[1] - f(x)"));
  ASSERT_TRUE(r.ok());
  const Expr& minus = *r.parsed.root;
  EXPECT_EQ(minus.name, "_-_");
  EXPECT_EQ(minus.offset, 11);
  const Expr& plus = *minus.args[0];
  EXPECT_EQ(plus.offset, 2);
  EXPECT_EQ(plus.args[0]->offset, 0);
  const Expr& index = *plus.args[1];
  EXPECT_EQ(index.name, "_[_]");
  EXPECT_EQ(index.offset, 7);
  EXPECT_EQ(index.args[0]->offset, 5);  // the dot of b.c
  EXPECT_EQ(index.args[1]->offset, 8);
  EXPECT_EQ(minus.args[1]->offset, 14);  // the '(' of f(x)
  ParseResult neg = Parse(Source("  -5"));
  EXPECT_EQ(neg.parsed.root->offset, 2);
}

TEST(ParserErrors, SyntaxErrorsPointAtTheToken) {
  EXPECT_EQ(P("1 + #"),
            "<input>:1:5: error CEL001: Syntax error: token recognition error at: '#'\n | 1 + #\n | ....^");
  EXPECT_EQ(P("f(1))"),
            "<input>:1:5: error CEL001: Syntax error: mismatched input ')' expecting <EOF>\n | f(1))\n | ....^");
  EXPECT_EQ(P("(1"), "<input>:1:3: error CEL001: Syntax error: mismatched input '<EOF>' expecting ')'\n | (1\n | ..^");
  EXPECT_EQ(P("a.1"),
            "<input>:1:2: error CEL001: Syntax error: mismatched input '.1' expecting <EOF>\n | a.1\n | .^");
  EXPECT_EQ(P("1 +\n  * 2"),
            "<input>:2:3: error CEL001: Syntax error: mismatched input '*' expecting {'[', '{', '(', '.', '-', '!', "
            "'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n |   * 2\n | ..^");
  EXPECT_EQ(P("é + ü"),
            "<input>:1:1: error CEL001: Syntax error: token recognition error at: 'é'\n | é + ü\n | ^");
  EXPECT_EQ(P(""), "<input>:1:1: error CEL001: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', "
                   "'.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, "
                   "IDENTIFIER}\n | \n | ^");
  EXPECT_FALSE(Parse(Source("a = b")).ok());
  EXPECT_FALSE(Parse(Source("a & b")).ok());
  EXPECT_FALSE(Parse(Source("[1, 2")).ok());
  EXPECT_FALSE(Parse(Source("{1: 2")).ok());
  EXPECT_FALSE(Parse(Source("{1 2}")).ok());
  EXPECT_FALSE(Parse(Source("a ? b")).ok());
  EXPECT_FALSE(Parse(Source("a.?b()")).ok());
  EXPECT_FALSE(Parse(Source("`a`")).ok());
  EXPECT_FALSE(Parse(Source("a.`b")).ok());
  EXPECT_FALSE(Parse(Source("@result")).ok());
}

TEST(ParserErrors, InvalidUtf8) {
  std::string text = "'a\xff'";
  Source source(text);
  ParseResult r = Parse(source);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL001");
  EXPECT_EQ(r.diagnostics[0].message, "Syntax error: invalid UTF-8 at byte 2");
  EXPECT_EQ(r.diagnostics[0].offset, 2);
  EXPECT_FALSE(Parse(Source("\xc0\x80")).ok());          // overlong
  EXPECT_FALSE(Parse(Source("'\xed\xa0\x80'")).ok());    // surrogate
  EXPECT_FALSE(Parse(Source("'\xe2\x82'")).ok());        // truncated
}

TEST(ParserLimits, ExpressionTooLong) {
  std::string text(100'001, ' ');
  text[0] = '1';
  Source source(text);
  ParseResult r = Parse(source);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL201");
  EXPECT_EQ(r.diagnostics[0].message, "expression is 100001 bytes, over the limit of 100000; split it or raise the limit");
  EXPECT_EQ(r.parsed.root, nullptr);
  EXPECT_TRUE(Parse(Source(text.substr(0, 100'000))).ok());
}

void ExpectTooDeep(const std::string& text, const ParseLimits& limits = {}) {
  ParseResult r = Parse(Source(text), limits);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "CEL202");
  EXPECT_EQ(r.diagnostics[0].message, "expression nests deeper than 250 levels; simplify it");
}

TEST(ParserLimits, Nesting) {
  ExpectTooDeep(std::string(300, '(') + "1" + std::string(300, ')'));
  ExpectTooDeep(std::string(300, '[') + std::string(300, ']'));
  ExpectTooDeep(std::string(10'000, '!') + "true");
  ExpectTooDeep(std::string(10'000, '-') + "1");
  std::string sum = "a";
  for (int i = 1; i < 25'000; ++i) sum += "+a";
  ExpectTooDeep(sum);
  std::string calls;
  for (int i = 0; i < 5000; ++i) calls += "f(";
  ExpectTooDeep(calls);
  std::string selects = "a";
  for (int i = 0; i < 5000; ++i) selects += ".b";
  ExpectTooDeep(selects);
  EXPECT_TRUE(Parse(Source(std::string(100, '(') + "1" + std::string(100, ')'))).ok());
  EXPECT_TRUE(Parse(Source(std::string(200, '!') + "true")).ok());
}

TEST(ParserLimits, LongLogicalChainsStayShallow) {
  std::string chain = "a";
  for (int i = 1; i < 20'000; ++i) chain += "||a";
  EXPECT_TRUE(Parse(Source(chain)).ok());
}

TEST(ParserLimits, HugeInputsNeverCrash) {
  ParseLimits big;
  big.max_expression_bytes = 1'000'000;
  std::string sum = "a";
  for (int i = 1; i < 100'000; ++i) sum += " + a";
  ExpectTooDeep(sum, big);
  ExpectTooDeep(std::string(200'000, '('), big);
  ExpectTooDeep(std::string(200'000, '['), big);
  std::string unary;
  for (int i = 0; i < 100'000; ++i) unary += "-!";
  // '-' and '!' cannot be mixed without parentheses (Unary = '-' {'-'} Member).
  ParseResult mixed = Parse(Source(unary + "1"), big);
  ASSERT_EQ(mixed.diagnostics.size(), 1u);
  EXPECT_EQ(mixed.diagnostics[0].code, "CEL001");
}

}  // namespace
}  // namespace stagegate::cel

namespace stagegate::cel {
namespace {

// Regression (found by the parser fuzz target): optMap copies its target, so
// a chain of them doubled the tree at each step and exhausted memory.
TEST(ParserLimits, MacroExpansionIsBounded) {
  std::string text = "o";
  for (int i = 0; i < 40; ++i) text += ".optMap(v, v + 1)";
  ParseResult r = Parse(Source(text));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "CEL201");
  EXPECT_NE(r.diagnostics[0].message.find("expands to more than 401000 nodes"), std::string::npos)
      << r.diagnostics[0].message;
  // A few levels are fine.
  EXPECT_TRUE(Parse(Source("o.optMap(v, v + 1).optMap(w, w * 2)")).ok());
}

}  // namespace
}  // namespace stagegate::cel
