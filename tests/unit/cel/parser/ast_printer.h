#pragma once
// Renders a parsed AST compactly so that tests can compare whole trees.

#include <cstdio>
#include <string>

#include "engine/cel/common/ast.h"

namespace stagegate::cel::testing {

inline std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

inline std::string Print(const Expr* e);

inline std::string PrintArgs(const std::vector<ExprPtr>& args, const std::vector<int32_t>& optional = {}) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    for (int32_t o : optional) {
      if (static_cast<size_t>(o) == i) out += "?";
    }
    out += Print(args[i].get());
  }
  return out;
}

inline std::string Print(const Expr* e) {
  if (e == nullptr) return "<null>";
  switch (e->kind) {
    case ExprKind::kConstant: {
      const Constant& c = e->constant;
      if (std::holds_alternative<NullConstant>(c)) return "null";
      if (auto* b = std::get_if<bool>(&c)) return *b ? "true" : "false";
      if (auto* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
      if (auto* u = std::get_if<uint64_t>(&c)) return std::to_string(*u) + "u";
      if (auto* d = std::get_if<double>(&c)) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.17g", *d);
        std::string s = buf;
        if (s.find_first_of(".eni") == std::string::npos) s += ".0";
        return s;
      }
      if (auto* s = std::get_if<std::string>(&c)) return Quote(*s);
      return "b" + Quote(std::get<BytesConstant>(c).bytes);
    }
    case ExprKind::kIdent:
      return e->name;
    case ExprKind::kSelect:
      return Print(e->operand.get()) + "." + e->name + (e->test_only ? "~test-only" : "");
    case ExprKind::kCall:
      return (e->operand ? Print(e->operand.get()) + "." : "") + e->name + "(" + PrintArgs(e->args) + ")";
    case ExprKind::kList:
      return "[" + PrintArgs(e->args, e->optional_indices) + "]";
    case ExprKind::kMap:
    case ExprKind::kStruct: {
      std::string out = e->kind == ExprKind::kStruct ? e->name + "{" : "{";
      for (size_t i = 0; i < e->entries.size(); ++i) {
        const MapEntry& entry = e->entries[i];
        if (i > 0) out += ", ";
        if (entry.optional) out += "?";
        out += e->kind == ExprKind::kStruct ? entry.field_name : Print(entry.key.get());
        out += ": " + Print(entry.value.get());
      }
      return out + "}";
    }
    case ExprKind::kComprehension: {
      const Comprehension& c = *e->comprehension;
      std::string vars = c.iter_var + (c.iter_var2.empty() ? "" : "," + c.iter_var2);
      return "fold(" + vars + ", " + Print(c.iter_range.get()) + ", " + c.accu_var + ", " +
             Print(c.accu_init.get()) + ", " + Print(c.loop_condition.get()) + ", " + Print(c.loop_step.get()) +
             ", " + Print(c.result.get()) + ")";
    }
  }
  return "?";
}

}  // namespace stagegate::cel::testing
