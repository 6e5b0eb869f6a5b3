#include "engine/cel/parser/parser.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/cel/parser/lexer.h"

namespace stagegate::cel {
namespace {

using parser_internal::Token;
using parser_internal::TokenKind;

constexpr char kSyntaxCode[] = "CEL001";
constexpr char kTooLongCode[] = "CEL201";
constexpr char kTooDeepCode[] = "CEL202";

// Words cel-spec reserves: they cannot name variables or global functions, but
// they may still be field names and receiver function names.
bool IsReservedWord(const std::string& word) {
  static constexpr const char* kReserved[] = {"as",      "break",  "const",     "continue", "else", "for",
                                              "function", "if",    "import",    "let",      "loop", "package",
                                              "namespace", "return", "var",     "void",     "while"};
  for (const char* r : kReserved) {
    if (word == r) return true;
  }
  return false;
}

constexpr char kPrimaryExpected[] =
    "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, "
    "IDENTIFIER}";

class Parser {
 public:
  Parser(const Source& source, const ParseLimits& limits, std::vector<Token> tokens,
         std::vector<Diagnostic>& diagnostics)
      : source_(source), limits_(limits), tokens_(std::move(tokens)), diagnostics_(diagnostics) {}

  ExprPtr ParseAll() {
    ExprPtr root = ParseExpr();
    if (failed_) return nullptr;
    if (Cur().kind != TokenKind::kEof) {
      Mismatched("<EOF>");
      return nullptr;
    }
    return root;
  }

  int64_t next_id() const { return next_id_; }

 private:
  // ---- tokens ----------------------------------------------------------------
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& PeekAt(size_t ahead) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  bool Is(TokenKind kind) const { return Cur().kind == kind; }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool Accept(TokenKind kind) {
    if (!Is(kind)) return false;
    Advance();
    return true;
  }

  std::string TokenText(const Token& t) const {
    if (t.kind == TokenKind::kEof) return "<EOF>";
    return source_.text().substr(static_cast<size_t>(t.offset), static_cast<size_t>(t.end - t.offset));
  }

  // ---- diagnostics -------------------------------------------------------------
  void Error(int32_t offset, std::string message, const char* code = kSyntaxCode) {
    Diagnostic d;
    d.code = code;
    d.message = std::move(message);
    d.offset = offset;
    diagnostics_.push_back(std::move(d));
  }

  // Reports the current token as unexpected and stops the parse.
  void Mismatched(const std::string& expected) {
    if (failed_) return;
    failed_ = true;
    const Token& t = Cur();
    if (t.kind == TokenKind::kError) {
      Error(t.offset, t.text);
      return;
    }
    Error(t.offset, "Syntax error: mismatched input '" + TokenText(t) + "' expecting " + expected);
  }

  bool Expect(TokenKind kind, const char* expected) {
    if (Accept(kind)) return true;
    Mismatched(expected);
    return false;
  }

  void TooDeep(int32_t offset) {
    if (failed_) return;
    failed_ = true;
    Error(offset,
          "expression nests deeper than " + std::to_string(limits_.max_nesting_depth) + " levels; simplify it",
          kTooDeepCode);
  }

  // Nodes one expression may expand to. Macros add nodes, and optMap /
  // optFlatMap copy their target, so chains of them grow exponentially:
  // without this bound a 4 KB expression could exhaust memory.
  int64_t MaxNodes() const { return 4 * static_cast<int64_t>(limits_.max_expression_bytes) + 1000; }

  void TooManyNodes(int32_t offset) {
    if (failed_) return;
    failed_ = true;
    Error(offset,
          "expression expands to more than " + std::to_string(MaxNodes()) +
              " nodes (macros such as optMap copy their target); simplify it",
          kTooLongCode);
  }

  // ---- node construction -----------------------------------------------------
  // Returns a fresh id for a node or map entry, within the node budget.
  int64_t NewId(int32_t offset) {
    if (next_id_ > MaxNodes()) TooManyNodes(offset);
    heights_.push_back(1);
    return next_id_++;
  }

  ExprPtr NewExpr(ExprKind kind, int32_t offset) {
    auto e = std::make_unique<Expr>();
    e->id = NewId(offset);
    e->offset = offset;
    e->kind = kind;
    return e;
  }

  int32_t HeightOf(const ExprPtr& e) const {
    if (!e) return 0;
    size_t index = static_cast<size_t>(e->id - 1);
    return index < heights_.size() ? heights_[index] : 1;
  }

  // Records the height of `e` from its children and enforces the nesting
  // limit on the tree, which later stages walk recursively.
  void Seal(const ExprPtr& e) {
    int32_t h = std::max(HeightOf(e->operand), 0);
    for (const ExprPtr& a : e->args) h = std::max(h, HeightOf(a));
    for (const MapEntry& entry : e->entries) {
      h = std::max(h, HeightOf(entry.key));
      h = std::max(h, HeightOf(entry.value));
    }
    if (e->comprehension) {
      const Comprehension& c = *e->comprehension;
      for (const ExprPtr* p : {&c.iter_range, &c.accu_init, &c.loop_condition, &c.loop_step, &c.result}) {
        h = std::max(h, HeightOf(*p));
      }
    }
    heights_[static_cast<size_t>(e->id - 1)] = h + 1;
    if (h + 1 > limits_.max_nesting_depth) TooDeep(e->offset);
  }

  ExprPtr NewConst(Constant value, int32_t offset) {
    ExprPtr e = NewExpr(ExprKind::kConstant, offset);
    e->constant = std::move(value);
    return e;
  }

  ExprPtr NewIdent(std::string name, int32_t offset) {
    ExprPtr e = NewExpr(ExprKind::kIdent, offset);
    e->name = std::move(name);
    return e;
  }

  ExprPtr NewCall(std::string function, std::vector<ExprPtr> args, int32_t offset, ExprPtr target = nullptr) {
    ExprPtr e = NewExpr(ExprKind::kCall, offset);
    e->name = std::move(function);
    e->operand = std::move(target);
    e->args = std::move(args);
    Seal(e);
    return e;
  }

  ExprPtr NewCall2(const char* function, ExprPtr a, ExprPtr b, int32_t offset) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return NewCall(function, std::move(args), offset);
  }

  ExprPtr NewList(std::vector<ExprPtr> elements, int32_t offset) {
    ExprPtr e = NewExpr(ExprKind::kList, offset);
    e->args = std::move(elements);
    Seal(e);
    return e;
  }

  // ---- grammar ---------------------------------------------------------------
  // Expr = ConditionalOr ['?' ConditionalOr ':' Expr]
  ExprPtr ParseExpr() {
    if (failed_) return nullptr;
    if (++depth_ > limits_.max_nesting_depth) {
      TooDeep(Cur().offset);
      --depth_;
      return nullptr;
    }
    ExprPtr result = ParseConditional();
    --depth_;
    return result;
  }

  ExprPtr ParseConditional() {
    ExprPtr cond = ParseLogical(TokenKind::kOr);
    if (failed_ || !Is(TokenKind::kQuestion)) return cond;
    int32_t offset = Cur().offset;
    Advance();
    ExprPtr then_expr = ParseLogical(TokenKind::kOr);
    if (failed_ || !Expect(TokenKind::kColon, "':'")) return nullptr;
    ExprPtr else_expr = ParseExpr();
    if (failed_) return nullptr;
    std::vector<ExprPtr> args;
    args.push_back(std::move(cond));
    args.push_back(std::move(then_expr));
    args.push_back(std::move(else_expr));
    return NewCall("_?_:_", std::move(args), offset);
  }

  // ConditionalOr / ConditionalAnd; a chain is built as a balanced tree (as
  // cel-go does) so that long chains stay shallow.
  ExprPtr ParseLogical(TokenKind op) {
    std::vector<ExprPtr> terms;
    std::vector<int32_t> offsets;
    terms.push_back(op == TokenKind::kOr ? ParseLogical(TokenKind::kAnd) : ParseRelation());
    if (failed_) return nullptr;
    while (Is(op)) {
      offsets.push_back(Cur().offset);
      Advance();
      terms.push_back(op == TokenKind::kOr ? ParseLogical(TokenKind::kAnd) : ParseRelation());
      if (failed_) return nullptr;
    }
    if (terms.size() == 1) return std::move(terms[0]);
    return Balance(op == TokenKind::kOr ? "_||_" : "_&&_", terms, offsets, 0, terms.size() - 1);
  }

  ExprPtr Balance(const char* function, std::vector<ExprPtr>& terms, const std::vector<int32_t>& offsets, size_t lo,
                  size_t hi) {
    if (lo == hi) return std::move(terms[lo]);
    size_t mid = (lo + hi + 1) / 2;
    ExprPtr left = Balance(function, terms, offsets, lo, mid - 1);
    ExprPtr right = Balance(function, terms, offsets, mid, hi);
    return NewCall2(function, std::move(left), std::move(right), offsets[mid - 1]);
  }

  static const char* RelationName(TokenKind kind) {
    switch (kind) {
      case TokenKind::kLess: return "_<_";
      case TokenKind::kLessEqual: return "_<=_";
      case TokenKind::kGreater: return "_>_";
      case TokenKind::kGreaterEqual: return "_>=_";
      case TokenKind::kEqual: return "_==_";
      case TokenKind::kNotEqual: return "_!=_";
      case TokenKind::kIn: return "@in";
      default: return nullptr;
    }
  }

  ExprPtr ParseRelation() {
    ExprPtr left = ParseAddition();
    while (!failed_) {
      const char* name = RelationName(Cur().kind);
      if (name == nullptr) break;
      int32_t offset = Cur().offset;
      Advance();
      ExprPtr right = ParseAddition();
      if (failed_) return nullptr;
      left = NewCall2(name, std::move(left), std::move(right), offset);
    }
    return failed_ ? nullptr : std::move(left);
  }

  ExprPtr ParseAddition() {
    ExprPtr left = ParseMultiplication();
    while (!failed_ && (Is(TokenKind::kPlus) || Is(TokenKind::kMinus))) {
      const char* name = Is(TokenKind::kPlus) ? "_+_" : "_-_";
      int32_t offset = Cur().offset;
      Advance();
      ExprPtr right = ParseMultiplication();
      if (failed_) return nullptr;
      left = NewCall2(name, std::move(left), std::move(right), offset);
    }
    return failed_ ? nullptr : std::move(left);
  }

  ExprPtr ParseMultiplication() {
    ExprPtr left = ParseUnary();
    while (!failed_ && (Is(TokenKind::kStar) || Is(TokenKind::kSlash) || Is(TokenKind::kPercent))) {
      const char* name = Is(TokenKind::kStar) ? "_*_" : (Is(TokenKind::kSlash) ? "_/_" : "_%_");
      int32_t offset = Cur().offset;
      Advance();
      ExprPtr right = ParseUnary();
      if (failed_) return nullptr;
      left = NewCall2(name, std::move(left), std::move(right), offset);
    }
    return failed_ ? nullptr : std::move(left);
  }

  // Unary = Member | '!' {'!'} Member | '-' {'-'} Member. A single '-' before
  // a number literal is part of the literal, so -9223372036854775808 is valid.
  ExprPtr ParseUnary() {
    if (!Is(TokenKind::kNot) && !Is(TokenKind::kMinus)) return ParseMember(-1);
    TokenKind op = Cur().kind;
    std::vector<int32_t> offsets;
    while (Is(op)) {
      offsets.push_back(Cur().offset);
      Advance();
    }
    if (op == TokenKind::kMinus && offsets.size() == 1 &&
        (Is(TokenKind::kInt) || Is(TokenKind::kDouble))) {
      return ParseMember(offsets[0]);
    }
    ExprPtr e = ParseMember(-1);
    const char* name = op == TokenKind::kNot ? "!_" : "-_";
    for (size_t i = offsets.size(); i > 0 && !failed_; --i) {
      std::vector<ExprPtr> args;
      args.push_back(std::move(e));
      e = NewCall(name, std::move(args), offsets[i - 1]);
    }
    return failed_ ? nullptr : std::move(e);
  }

  // Returns the dotted name that `e` spells (a.b.c), or an empty string.
  static std::string QualifiedName(const Expr& e) {
    if (e.kind == ExprKind::kIdent) return e.name;
    if (e.kind == ExprKind::kSelect && !e.test_only && e.operand) {
      std::string prefix = QualifiedName(*e.operand);
      if (!prefix.empty()) return prefix + "." + e.name;
    }
    return "";
  }

  // Member = Primary { '.' ['?'] IDENT ['(' args ')'] | '[' ['?'] Expr ']' | '{' fields '}' }
  ExprPtr ParseMember(int32_t negate_offset) {
    ExprPtr e = ParsePrimary(negate_offset);
    while (!failed_) {
      if (Is(TokenKind::kDot)) {
        int32_t offset = Cur().offset;
        Advance();
        bool optional = Accept(TokenKind::kQuestion);
        if (!Is(TokenKind::kIdent) && !Is(TokenKind::kEscIdent)) {
          Mismatched("IDENTIFIER");
          return nullptr;
        }
        bool escaped = Is(TokenKind::kEscIdent);
        std::string field = Cur().text;
        int32_t field_offset = Cur().offset;
        Advance();
        if (!optional && !escaped && Is(TokenKind::kLParen)) {
          int32_t call_offset = Cur().offset;
          std::vector<ExprPtr> args;
          if (!ParseArgs(args)) return nullptr;
          e = MakeCallOrMacro(std::move(e), std::move(field), std::move(args), call_offset);
          continue;
        }
        if (optional) {
          e = NewCall2("_?._", std::move(e), NewConst(std::move(field), field_offset), offset);
          continue;
        }
        ExprPtr select = NewExpr(ExprKind::kSelect, offset);
        select->operand = std::move(e);
        select->name = std::move(field);
        Seal(select);
        e = std::move(select);
        continue;
      }
      if (Is(TokenKind::kLBracket)) {
        int32_t offset = Cur().offset;
        Advance();
        bool optional = Accept(TokenKind::kQuestion);
        ExprPtr index = ParseExpr();
        if (failed_ || !Expect(TokenKind::kRBracket, "']'")) return nullptr;
        e = NewCall2(optional ? "_[?_]" : "_[_]", std::move(e), std::move(index), offset);
        continue;
      }
      if (Is(TokenKind::kLBrace)) {
        std::string name = QualifiedName(*e);
        if (name.empty()) break;
        e = ParseStruct(std::move(name));
        continue;
      }
      break;
    }
    return failed_ ? nullptr : std::move(e);
  }

  // Parses '(' [Expr {',' Expr}] ')'.
  bool ParseArgs(std::vector<ExprPtr>& args) {
    if (!Expect(TokenKind::kLParen, "'('")) return false;
    if (Accept(TokenKind::kRParen)) return true;
    while (true) {
      ExprPtr arg = ParseExpr();
      if (failed_) return false;
      args.push_back(std::move(arg));
      if (Accept(TokenKind::kComma)) continue;
      return Expect(TokenKind::kRParen, "{')', ','}");
    }
  }

  ExprPtr ParseStruct(std::string name) {
    int32_t offset = Cur().offset;
    Advance();  // '{'
    ExprPtr e = NewExpr(ExprKind::kStruct, offset);
    e->name = std::move(name);
    while (!Is(TokenKind::kRBrace)) {
      MapEntry entry;
      entry.optional = Accept(TokenKind::kQuestion);
      if (!Is(TokenKind::kIdent) && !Is(TokenKind::kEscIdent)) {
        Mismatched(entry.optional ? "IDENTIFIER" : "{'}', '?', IDENTIFIER}");
        return nullptr;
      }
      entry.field_name = Cur().text;
      Advance();
      entry.offset = Cur().offset;
      if (!Expect(TokenKind::kColon, "':'")) return nullptr;
      entry.id = NewId(entry.offset);
      entry.value = ParseExpr();
      if (failed_) return nullptr;
      e->entries.push_back(std::move(entry));
      if (!Accept(TokenKind::kComma)) break;
    }
    if (!Expect(TokenKind::kRBrace, "{'}', ','}")) return nullptr;
    Seal(e);
    return e;
  }

  ExprPtr ParseList() {
    int32_t offset = Cur().offset;
    Advance();  // '['
    ExprPtr e = NewExpr(ExprKind::kList, offset);
    while (!Is(TokenKind::kRBracket)) {
      if (Accept(TokenKind::kQuestion)) e->optional_indices.push_back(static_cast<int32_t>(e->args.size()));
      ExprPtr element = ParseExpr();
      if (failed_) return nullptr;
      e->args.push_back(std::move(element));
      if (!Accept(TokenKind::kComma)) break;
    }
    if (!Expect(TokenKind::kRBracket, "{']', ','}")) return nullptr;
    Seal(e);
    return e;
  }

  ExprPtr ParseMap() {
    int32_t offset = Cur().offset;
    Advance();  // '{'
    ExprPtr e = NewExpr(ExprKind::kMap, offset);
    while (!Is(TokenKind::kRBrace)) {
      MapEntry entry;
      entry.optional = Accept(TokenKind::kQuestion);
      entry.key = ParseExpr();
      if (failed_) return nullptr;
      entry.offset = Cur().offset;
      if (!Expect(TokenKind::kColon, "':'")) return nullptr;
      entry.id = NewId(entry.offset);
      entry.value = ParseExpr();
      if (failed_) return nullptr;
      e->entries.push_back(std::move(entry));
      if (!Accept(TokenKind::kComma)) break;
    }
    if (!Expect(TokenKind::kRBrace, "{'}', ','}")) return nullptr;
    Seal(e);
    return e;
  }

  // Parses the decimal or hex magnitude of an int literal, negated when
  // `negate` (so that the minimum int64 is representable).
  ExprPtr IntLiteral(const Token& t, bool negate, int32_t offset) {
    uint64_t magnitude = 0;
    bool overflow = false;
    uint64_t base = t.int_is_hex ? 16 : 10;
    for (char c : t.text) {
      uint64_t d = (c >= '0' && c <= '9') ? static_cast<uint64_t>(c - '0')
                                          : static_cast<uint64_t>((c | 0x20) - 'a' + 10);
      if (magnitude > (UINT64_MAX - d) / base) {
        overflow = true;
        break;
      }
      magnitude = magnitude * base + d;
    }
    constexpr uint64_t kMaxMagnitude = static_cast<uint64_t>(INT64_MAX);
    if (overflow || magnitude > kMaxMagnitude + (negate ? 1 : 0)) {
      Error(offset, "invalid int literal");
      return NewConst(int64_t{0}, offset);
    }
    int64_t value = negate ? (magnitude == kMaxMagnitude + 1 ? INT64_MIN : -static_cast<int64_t>(magnitude))
                           : static_cast<int64_t>(magnitude);
    return NewConst(value, offset);
  }

  ExprPtr ParsePrimary(int32_t negate_offset) {
    const Token& t = Cur();
    bool negate = negate_offset >= 0;
    int32_t offset = negate ? negate_offset : t.offset;
    switch (t.kind) {
      case TokenKind::kInt: {
        ExprPtr e = IntLiteral(t, negate, offset);
        Advance();
        return e;
      }
      case TokenKind::kDouble: {
        ExprPtr e = NewConst(negate ? -t.double_value : t.double_value, offset);
        Advance();
        return e;
      }
      case TokenKind::kUint: {
        ExprPtr e = NewConst(t.uint_value, offset);
        Advance();
        return e;
      }
      case TokenKind::kString: {
        ExprPtr e = NewConst(t.text, offset);
        Advance();
        return e;
      }
      case TokenKind::kBytes: {
        ExprPtr e = NewConst(BytesConstant{t.text}, offset);
        Advance();
        return e;
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse: {
        ExprPtr e = NewConst(t.kind == TokenKind::kTrue, offset);
        Advance();
        return e;
      }
      case TokenKind::kNull: {
        ExprPtr e = NewConst(NullConstant{}, offset);
        Advance();
        return e;
      }
      case TokenKind::kLParen: {
        Advance();
        ExprPtr e = ParseExpr();
        if (failed_ || !Expect(TokenKind::kRParen, "')'")) return nullptr;
        return e;
      }
      case TokenKind::kLBracket:
        return ParseList();
      case TokenKind::kLBrace:
        return ParseMap();
      case TokenKind::kDot:
      case TokenKind::kIdent: {
        std::string name;
        if (t.kind == TokenKind::kDot) {
          Advance();
          if (!Is(TokenKind::kIdent)) {
            Mismatched("IDENTIFIER");
            return nullptr;
          }
          name = ".";
        }
        int32_t name_offset = Cur().offset;
        if (IsReservedWord(Cur().text)) Error(name_offset, "reserved identifier: " + Cur().text);
        name += Cur().text;
        Advance();
        if (Is(TokenKind::kLParen)) {
          int32_t call_offset = Cur().offset;
          std::vector<ExprPtr> args;
          if (!ParseArgs(args)) return nullptr;
          return MakeCallOrMacro(nullptr, std::move(name), std::move(args), call_offset);
        }
        return NewIdent(std::move(name), name_offset);
      }
      default:
        Mismatched(kPrimaryExpected);
        return nullptr;
    }
  }

  // ---- macros ----------------------------------------------------------------
  ExprPtr MakeCallOrMacro(ExprPtr target, std::string name, std::vector<ExprPtr> args, int32_t offset) {
    ExprPtr expanded = ExpandMacro(target, name, args, offset);
    if (failed_) return nullptr;
    if (expanded) return expanded;
    return NewCall(std::move(name), std::move(args), offset, std::move(target));
  }

  // Reports a macro misuse; the call stays unexpanded (the parse fails anyway).
  void MacroError(int32_t offset, std::string message) { Error(offset, std::move(message)); }

  bool IterVarOk(const ExprPtr& arg) {
    if (arg->kind == ExprKind::kIdent && !arg->name.empty() && arg->name[0] != '.') return true;
    MacroError(arg->offset, "argument must be a simple name");
    return false;
  }

  static bool NonNegativeInt(const ExprPtr& arg, int64_t& out) {
    if (arg->kind != ExprKind::kConstant || !std::holds_alternative<int64_t>(arg->constant)) return false;
    out = std::get<int64_t>(arg->constant);
    return out >= 0;
  }

  ExprPtr Accu(int32_t offset) { return NewIdent(kAccumulatorName, offset); }

  ExprPtr Fold(int32_t offset, std::string iter_var, std::string iter_var2, ExprPtr range, std::string accu_var,
               ExprPtr init, ExprPtr condition, ExprPtr step, ExprPtr result) {
    ExprPtr e = NewExpr(ExprKind::kComprehension, offset);
    auto c = std::make_unique<Comprehension>();
    c->iter_var = std::move(iter_var);
    c->iter_var2 = std::move(iter_var2);
    c->iter_range = std::move(range);
    c->accu_var = std::move(accu_var);
    c->accu_init = std::move(init);
    c->loop_condition = std::move(condition);
    c->loop_step = std::move(step);
    c->result = std::move(result);
    e->comprehension = std::move(c);
    Seal(e);
    return e;
  }

  ExprPtr NotStrictlyFalse(ExprPtr arg, int32_t offset) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(arg));
    return NewCall("@not_strictly_false", std::move(args), offset);
  }

  ExprPtr Ternary(ExprPtr cond, ExprPtr then_expr, ExprPtr else_expr, int32_t offset) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(cond));
    args.push_back(std::move(then_expr));
    args.push_back(std::move(else_expr));
    return NewCall("_?_:_", std::move(args), offset);
  }

  // Appends `element` to the accumulated list: accu + [element].
  ExprPtr AppendToAccu(ExprPtr element, int32_t offset) {
    std::vector<ExprPtr> elements;
    elements.push_back(std::move(element));
    return NewCall2("_+_", Accu(offset), NewList(std::move(elements), offset), offset);
  }

  enum class Quantifier { kAll, kExists, kExistsOne };

  ExprPtr ExpandQuantifier(Quantifier q, ExprPtr target, std::string v1, std::string v2, ExprPtr predicate,
                           int32_t offset) {
    ExprPtr init;
    ExprPtr condition;
    ExprPtr step;
    ExprPtr result;
    switch (q) {
      case Quantifier::kAll:
        init = NewConst(true, offset);
        condition = NotStrictlyFalse(Accu(offset), offset);
        step = NewCall2("_&&_", Accu(offset), std::move(predicate), offset);
        result = Accu(offset);
        break;
      case Quantifier::kExists: {
        init = NewConst(false, offset);
        std::vector<ExprPtr> not_args;
        not_args.push_back(Accu(offset));
        condition = NotStrictlyFalse(NewCall("!_", std::move(not_args), offset), offset);
        step = NewCall2("_||_", Accu(offset), std::move(predicate), offset);
        result = Accu(offset);
        break;
      }
      case Quantifier::kExistsOne:
        init = NewConst(int64_t{0}, offset);
        condition = NewConst(true, offset);
        step = Ternary(std::move(predicate), NewCall2("_+_", Accu(offset), NewConst(int64_t{1}, offset), offset),
                       Accu(offset), offset);
        result = NewCall2("_==_", Accu(offset), NewConst(int64_t{1}, offset), offset);
        break;
    }
    return Fold(offset, std::move(v1), std::move(v2), std::move(target), kAccumulatorName, std::move(init),
                std::move(condition), std::move(step), std::move(result));
  }

  // Returns the expansion of the macro call, or null when `name` with this
  // many arguments is not a macro (or the call misuses it: then an error is
  // recorded and the call is kept as written).
  ExprPtr ExpandMacro(ExprPtr& target, const std::string& name, std::vector<ExprPtr>& args, int32_t offset) {
    size_t n = args.size();
    if (!target) {
      if (name == "has" && n == 1) {
        if (args[0]->kind != ExprKind::kSelect || args[0]->test_only) {
          MacroError(args[0]->offset, "invalid argument to has() macro");
          return nullptr;
        }
        ExprPtr select = std::move(args[0]);
        select->test_only = true;
        return select;
      }
      return nullptr;
    }
    if (target->kind == ExprKind::kIdent && target->name == "cel") {
      if (ExprPtr e = ExpandCelNamespace(name, args, offset)) return e;
      if (failed_) return nullptr;
    }
    if ((name == "optMap" || name == "optFlatMap") && n == 2) return ExpandOptMap(name, target, args, offset);
    bool two = n == 3;
    if ((name == "all" || name == "exists") && (n == 2 || n == 3)) {
      return ExpandTwoOrOneVar(name == "all" ? Quantifier::kAll : Quantifier::kExists, target, args, offset);
    }
    if ((name == "exists_one" && (n == 2 || n == 3)) || (name == "existsOne" && n == 3)) {
      return ExpandTwoOrOneVar(Quantifier::kExistsOne, target, args, offset);
    }
    if ((name == "map" && (n == 2 || n == 3)) || (name == "filter" && n == 2)) {
      if (!IterVarOk(args[0])) return nullptr;
      std::string var = args[0]->name;
      ExprPtr step;
      if (name == "filter") {
        step = Ternary(std::move(args[1]), AppendToAccu(NewIdent(var, args[0]->offset), offset), Accu(offset), offset);
      } else if (two) {
        step = Ternary(std::move(args[1]), AppendToAccu(std::move(args[2]), offset), Accu(offset), offset);
      } else {
        step = AppendToAccu(std::move(args[1]), offset);
      }
      return Fold(offset, std::move(var), "", std::move(target), kAccumulatorName, NewList({}, offset),
                  NewConst(true, offset), std::move(step), Accu(offset));
    }
    if ((name == "transformList" || name == "transformMap") && (n == 3 || n == 4)) {
      if (!IterVarOk(args[0]) || !IterVarOk(args[1])) return nullptr;
      if (args[0]->name == args[1]->name) {
        MacroError(args[1]->offset, "duplicate variable name: " + args[1]->name);
        return nullptr;
      }
      std::string v1 = args[0]->name;
      std::string v2 = args[1]->name;
      ExprPtr transform = std::move(args[n - 1]);
      ExprPtr add;
      ExprPtr init;
      if (name == "transformList") {
        add = AppendToAccu(std::move(transform), offset);
        init = NewList({}, offset);
      } else {
        std::vector<ExprPtr> insert_args;
        insert_args.push_back(Accu(offset));
        insert_args.push_back(NewIdent(v1, args[0]->offset));
        insert_args.push_back(std::move(transform));
        add = NewCall("cel.@mapInsert", std::move(insert_args), offset);
        init = NewExpr(ExprKind::kMap, offset);
      }
      ExprPtr step = n == 4 ? Ternary(std::move(args[2]), std::move(add), Accu(offset), offset) : std::move(add);
      return Fold(offset, std::move(v1), std::move(v2), std::move(target), kAccumulatorName, std::move(init),
                  NewConst(true, offset), std::move(step), Accu(offset));
    }
    return nullptr;
  }

  ExprPtr ExpandTwoOrOneVar(Quantifier q, ExprPtr& target, std::vector<ExprPtr>& args, int32_t offset) {
    if (!IterVarOk(args[0])) return nullptr;
    std::string v1 = args[0]->name;
    std::string v2;
    if (args.size() == 3) {
      if (!IterVarOk(args[1])) return nullptr;
      v2 = args[1]->name;
      if (v1 == v2) {
        MacroError(args[1]->offset, "duplicate variable name: " + v2);
        return nullptr;
      }
    }
    return ExpandQuantifier(q, std::move(target), std::move(v1), std::move(v2), std::move(args.back()), offset);
  }

  // opt.optMap(x, f)     -> opt.hasValue() ? optional.of(bind x = opt.value() in f) : optional.none()
  // opt.optFlatMap(x, f) -> opt.hasValue() ? (bind x = opt.value() in f) : optional.none()
  ExprPtr ExpandOptMap(const std::string& name, ExprPtr& target, std::vector<ExprPtr>& args, int32_t offset) {
    if (args[0]->kind != ExprKind::kIdent || args[0]->name.empty() || args[0]->name[0] == '.') {
      MacroError(args[0]->offset, name + "() variable name must be a simple identifier");
      return nullptr;
    }
    std::string var = args[0]->name;
    ExprPtr has_value = NewCall("hasValue", {}, offset, Copy(*target));
    ExprPtr value = NewCall("value", {}, offset, std::move(target));
    ExprPtr bound = Fold(offset, "#unused", "", NewList({}, offset), var, std::move(value), NewConst(false, offset),
                         NewIdent(var, args[0]->offset), std::move(args[1]));
    if (name == "optMap") {
      std::vector<ExprPtr> of_args;
      of_args.push_back(std::move(bound));
      bound = NewCall("optional.of", std::move(of_args), offset);
    }
    return Ternary(std::move(has_value), std::move(bound), NewCall("optional.none", {}, offset), offset);
  }

  // Returns a deep copy of `e` with fresh ids (its depth is already bounded).
  // After a failure (the node budget) it stops copying: the tree is discarded.
  ExprPtr Copy(const Expr& e) {
    if (failed_) return NewExpr(ExprKind::kConstant, e.offset);
    ExprPtr c = NewExpr(e.kind, e.offset);
    c->constant = e.constant;
    c->name = e.name;
    c->test_only = e.test_only;
    c->optional_indices = e.optional_indices;
    if (e.operand) c->operand = Copy(*e.operand);
    for (const ExprPtr& a : e.args) c->args.push_back(Copy(*a));
    for (const MapEntry& entry : e.entries) {
      MapEntry copy;
      copy.id = NewId(entry.offset);
      copy.offset = entry.offset;
      copy.field_name = entry.field_name;
      copy.optional = entry.optional;
      if (entry.key) copy.key = Copy(*entry.key);
      if (entry.value) copy.value = Copy(*entry.value);
      c->entries.push_back(std::move(copy));
    }
    if (e.comprehension) {
      const Comprehension& from = *e.comprehension;
      auto to = std::make_unique<Comprehension>();
      to->iter_var = from.iter_var;
      to->iter_var2 = from.iter_var2;
      to->accu_var = from.accu_var;
      for (auto [src, dst] : {std::pair{&from.iter_range, &to->iter_range}, std::pair{&from.accu_init, &to->accu_init},
                              std::pair{&from.loop_condition, &to->loop_condition},
                              std::pair{&from.loop_step, &to->loop_step}, std::pair{&from.result, &to->result}}) {
        if (*src) *dst = Copy(**src);
      }
      c->comprehension = std::move(to);
    }
    Seal(c);
    return c;
  }

  // cel.bind, cel.block and the names cel.block's optimised form refers to.
  ExprPtr ExpandCelNamespace(const std::string& name, std::vector<ExprPtr>& args, int32_t offset) {
    size_t n = args.size();
    if (name == "bind" && n == 3) {
      if (args[0]->kind != ExprKind::kIdent || args[0]->name.empty() || args[0]->name[0] == '.') {
        MacroError(args[0]->offset, "cel.bind() variable names must be simple identifiers");
        return nullptr;
      }
      std::string var = args[0]->name;
      return Fold(offset, "#unused", "", NewList({}, offset), var, std::move(args[1]), NewConst(false, offset),
                  NewIdent(var, args[0]->offset), std::move(args[2]));
    }
    if (name == "block" && n == 2) {
      if (args[0]->kind != ExprKind::kList) {
        MacroError(args[0]->offset, "cel.block requires the first arg to be a list literal");
        return nullptr;
      }
      std::vector<ExprPtr> block_args;
      block_args.push_back(std::move(args[0]));
      block_args.push_back(std::move(args[1]));
      return NewCall("cel.@block", std::move(block_args), offset);
    }
    if (name == "index" && n == 1) {
      int64_t index = 0;
      if (!NonNegativeInt(args[0], index)) {
        MacroError(args[0]->offset, "cel.index requires a single non-negative int constant arg");
        return nullptr;
      }
      return NewIdent("@index" + std::to_string(index), offset);
    }
    if ((name == "iterVar" || name == "accuVar") && n == 2) {
      int64_t i = 0;
      int64_t j = 0;
      if (!NonNegativeInt(args[0], i) || !NonNegativeInt(args[1], j)) {
        MacroError(args[0]->offset, "cel." + name + " requires two non-negative int constant args");
        return nullptr;
      }
      return NewIdent((name == "iterVar" ? "@it:" : "@ac:") + std::to_string(i) + ":" + std::to_string(j), offset);
    }
    return nullptr;
  }

  const Source& source_;
  const ParseLimits& limits_;
  std::vector<Token> tokens_;
  std::vector<Diagnostic>& diagnostics_;
  size_t pos_ = 0;
  int32_t depth_ = 0;
  bool failed_ = false;
  int64_t next_id_ = 1;
  std::vector<int32_t> heights_;  // height of the subtree of node id i + 1
};

}  // namespace

ParseResult Parse(const Source& source, const ParseLimits& limits) {
  ParseResult result;
  const std::string& text = source.text();
  if (text.size() > static_cast<size_t>(std::max(limits.max_expression_bytes, 0))) {
    Diagnostic d;
    d.code = kTooLongCode;
    d.message = "expression is " + std::to_string(text.size()) + " bytes, over the limit of " +
                std::to_string(limits.max_expression_bytes) + "; split it or raise the limit";
    d.offset = 0;
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  int32_t bad = parser_internal::FindInvalidUtf8(text);
  if (bad >= 0) {
    Diagnostic d;
    d.code = kSyntaxCode;
    d.message = "Syntax error: invalid UTF-8 at byte " + std::to_string(bad);
    d.offset = bad;
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  Parser parser(source, limits, parser_internal::Tokenize(text), result.diagnostics);
  ExprPtr root = parser.ParseAll();
  result.parsed.next_id = parser.next_id();
  if (!HasErrors(result.diagnostics)) result.parsed.root = std::move(root);
  return result;
}

}  // namespace stagegate::cel
