#pragma once

#include "engine/cel/common/activation.h"
#include "engine/cel/common/eval_context.h"
#include "engine/cel/common/types.h"
#include "engine/cel/common/value.h"

namespace stagegate::cel {

// A planned expression. Immutable; Evaluate may be called from many threads at once.
//
// Lifetime: a result may borrow from the program's constants and from the
// documents bound in the activation (that is what makes evaluation free of
// allocations). Use it while both are alive, or copy what must outlive them
// (for example by rendering it, or with ValueToJson).
class Program {
 public:
  virtual ~Program() = default;
  // Evaluates with the environment's limits. Never throws; failures are error values.
  virtual Value Evaluate(const Activation& activation) const = 0;
  // Evaluates with an explicit context (cost meter, limits); the context's cost is updated.
  virtual Value Evaluate(EvalContext& context) const = 0;
  // The type the checker deduced (dyn when unchecked).
  virtual const Type& result_type() const = 0;
};

}  // namespace stagegate::cel
