#pragma once
// Builds ASTs by hand for checker tests, so they do not depend on the parser.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/cel/common/ast.h"

namespace stagegate::cel::testing {

class AstBuilder {
 public:
  ExprPtr Const(Constant value, int32_t offset = 0) {
    ExprPtr e = Node(ExprKind::kConstant, offset);
    e->constant = std::move(value);
    return e;
  }
  ExprPtr Int(int64_t v, int32_t offset = 0) { return Const(Constant(v), offset); }
  ExprPtr Uint(uint64_t v, int32_t offset = 0) { return Const(Constant(v), offset); }
  ExprPtr Double(double v, int32_t offset = 0) { return Const(Constant(v), offset); }
  ExprPtr Bool(bool v, int32_t offset = 0) { return Const(Constant(v), offset); }
  ExprPtr Str(std::string v, int32_t offset = 0) { return Const(Constant(std::move(v)), offset); }
  ExprPtr Null(int32_t offset = 0) { return Const(Constant(NullConstant{}), offset); }

  ExprPtr Ident(std::string name, int32_t offset = 0) {
    ExprPtr e = Node(ExprKind::kIdent, offset);
    e->name = std::move(name);
    return e;
  }
  ExprPtr Select(ExprPtr operand, std::string field, int32_t offset = 0, bool test_only = false) {
    ExprPtr e = Node(ExprKind::kSelect, offset);
    e->operand = std::move(operand);
    e->name = std::move(field);
    e->test_only = test_only;
    return e;
  }
  template <typename... Args>
  ExprPtr Call(std::string function, Args... args) {
    return CallAt(0, std::move(function), nullptr, Vec(std::move(args)...));
  }
  template <typename... Args>
  ExprPtr Member(ExprPtr target, std::string function, Args... args) {
    return CallAt(0, std::move(function), std::move(target), Vec(std::move(args)...));
  }
  ExprPtr CallAt(int32_t offset, std::string function, ExprPtr target, std::vector<ExprPtr> args) {
    ExprPtr e = Node(ExprKind::kCall, offset);
    e->name = std::move(function);
    e->operand = std::move(target);
    e->args = std::move(args);
    return e;
  }
  template <typename... Args>
  ExprPtr List(Args... elements) {
    ExprPtr e = Node(ExprKind::kList, 0);
    e->args = Vec(std::move(elements)...);
    return e;
  }
  ExprPtr MapOf(std::vector<std::pair<ExprPtr, ExprPtr>> entries) {
    ExprPtr e = Node(ExprKind::kMap, 0);
    for (auto& [k, v] : entries) {
      MapEntry entry;
      entry.id = next_id_++;
      entry.key = std::move(k);
      entry.value = std::move(v);
      e->entries.push_back(std::move(entry));
    }
    return e;
  }
  ExprPtr Fold(std::string iter_var, std::string iter_var2, ExprPtr range, std::string accu_var, ExprPtr init,
               ExprPtr condition, ExprPtr step, ExprPtr result) {
    ExprPtr e = Node(ExprKind::kComprehension, 0);
    e->comprehension = std::make_unique<Comprehension>();
    Comprehension& c = *e->comprehension;
    c.iter_var = std::move(iter_var);
    c.iter_var2 = std::move(iter_var2);
    c.iter_range = std::move(range);
    c.accu_var = std::move(accu_var);
    c.accu_init = std::move(init);
    c.loop_condition = std::move(condition);
    c.loop_step = std::move(step);
    c.result = std::move(result);
    return e;
  }

  ParsedExpr Done(ExprPtr root) {
    ParsedExpr parsed;
    parsed.root = std::move(root);
    parsed.next_id = next_id_;
    return parsed;
  }

 private:
  ExprPtr Node(ExprKind kind, int32_t offset) {
    auto e = std::make_unique<Expr>();
    e->id = next_id_++;
    e->offset = offset;
    e->kind = kind;
    return e;
  }
  template <typename... Args>
  static std::vector<ExprPtr> Vec(Args... args) {
    std::vector<ExprPtr> out;
    (out.push_back(std::move(args)), ...);
    return out;
  }

  int64_t next_id_ = 1;
};

}  // namespace stagegate::cel::testing
