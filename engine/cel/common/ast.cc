#include "engine/cel/common/ast.h"

#include <utility>
#include <vector>

namespace stagegate::cel {
namespace {

// Moves the children of `node` into `pending`, leaving `node` a leaf.
void DetachChildren(Expr& node, std::vector<ExprPtr>& pending) {
  if (node.operand) pending.push_back(std::move(node.operand));
  for (ExprPtr& arg : node.args) pending.push_back(std::move(arg));
  node.args.clear();
  for (MapEntry& entry : node.entries) {
    if (entry.key) pending.push_back(std::move(entry.key));
    if (entry.value) pending.push_back(std::move(entry.value));
  }
  node.entries.clear();
  if (node.comprehension) {
    Comprehension& c = *node.comprehension;
    for (ExprPtr* part : {&c.iter_range, &c.accu_init, &c.loop_condition, &c.loop_step, &c.result}) {
      if (*part) pending.push_back(std::move(*part));
    }
    node.comprehension.reset();
  }
}

}  // namespace

Expr::~Expr() {
  std::vector<ExprPtr> pending;
  DetachChildren(*this, pending);
  while (!pending.empty()) {
    ExprPtr node = std::move(pending.back());
    pending.pop_back();
    DetachChildren(*node, pending);
    // `node` is now a leaf: its destructor finds nothing to recurse into.
  }
}

}  // namespace stagegate::cel
