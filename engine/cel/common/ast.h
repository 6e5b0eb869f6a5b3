#pragma once
// The abstract syntax tree of a CEL expression, shaped like cel-spec's
// `cel.expr.Expr`. Macros are expanded by the parser: after parsing, the tree
// holds only the node kinds below. Every node has a unique id and the byte
// offset in the source where it starts (for a call or select: the operator
// or the dot, as cel-go reports them).

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace stagegate::cel {

struct NullConstant {
  bool operator==(const NullConstant&) const = default;
};
struct BytesConstant {
  std::string bytes;
  bool operator==(const BytesConstant&) const = default;
};

// A literal. Strings hold UTF-8; bytes hold raw octets.
using Constant = std::variant<NullConstant, bool, int64_t, uint64_t, double, std::string, BytesConstant>;

enum class ExprKind : uint8_t {
  kConstant,
  kIdent,          // name
  kSelect,         // operand.name; test_only for has(operand.name)
  kCall,           // [target.]name(args...), operators use their cel names ("_+_", "_[_]", "!_", "_?_:_", ...)
  kList,           // [args...], optional_indices mark `?elem` entries
  kMap,            // {entries...}
  kStruct,         // name{field: value, ...} (message construction; kept for completeness)
  kComprehension,  // macros: all, exists, exists_one, map, filter, cel.bind, ...
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct MapEntry {
  int64_t id = 0;
  int32_t offset = 0;
  ExprPtr key;             // kMap: the key expression; kStruct: null (field_name is used)
  std::string field_name;  // kStruct only
  ExprPtr value;
  bool optional = false;   // `?key: value`
};

// A fold as in cel-spec: iterate `iter_range` binding `iter_var` (and, with two
// variables, `iter_var` to the index or key and `iter_var2` to the value),
// starting from accu_var = accu_init, while loop_condition holds, setting
// accu_var = loop_step each step; the value is `result`.
struct Comprehension {
  std::string iter_var;
  std::string iter_var2;  // empty unless a two-variable macro
  ExprPtr iter_range;
  std::string accu_var;
  ExprPtr accu_init;
  ExprPtr loop_condition;
  ExprPtr loop_step;
  ExprPtr result;
};

struct Expr {
  Expr() = default;
  Expr(Expr&&) = default;
  Expr& operator=(Expr&&) = default;
  // Destroys the subtree iteratively, so that no tree, however deep, can
  // overflow the stack when it is freed.
  ~Expr();

  int64_t id = 0;
  int32_t offset = 0;
  ExprKind kind = ExprKind::kConstant;

  Constant constant;              // kConstant
  std::string name;               // kIdent name, kSelect field, kCall function, kStruct message name
  ExprPtr operand;                // kSelect operand; kCall receiver target (null for a global call)
  bool test_only = false;         // kSelect inside has()
  std::vector<ExprPtr> args;      // kCall arguments; kList elements
  std::vector<int32_t> optional_indices;  // kList: indices of `?elem` elements
  std::vector<MapEntry> entries;  // kMap, kStruct
  std::unique_ptr<Comprehension> comprehension;  // kComprehension
};

// Name of the accumulator variable that macros introduce; user expressions cannot name it.
inline constexpr char kAccumulatorName[] = "@result";

// A parsed expression: the tree and, for each macro call that was expanded, the
// original call (by id) so that tools can print the expression as written.
struct ParsedExpr {
  ExprPtr root;
  int64_t next_id = 1;  // ids of the tree are all below this
};

}  // namespace stagegate::cel
