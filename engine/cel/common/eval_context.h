#pragma once
// Per-evaluation state: the cost meter and the limits. One EvalContext per
// evaluation (per thread); a Program itself is immutable and shared.

#include <cstdint>
#include <string>

namespace stagegate::cel {

class Activation;

// Limits on one evaluation. Defaults follow Kubernetes' CEL budget.
struct EvalLimits {
  // Cost units one evaluation may spend; exceeding it yields an error value
  // that names the expression and where the cost came from.
  int64_t cost_budget = 1'000'000;
  // Iterations one comprehension (macro) may run, across its whole loop.
  int64_t max_comprehension_iterations = 1'000'000;
};

class EvalContext {
 public:
  EvalContext(const Activation& activation, const EvalLimits& limits)
      : activation_(activation), limits_(limits) {}

  const Activation& activation() const { return activation_; }
  const EvalLimits& limits() const { return limits_; }

  // Adds `units` to the cost meter; returns false when the budget is exceeded.
  bool AddCost(int64_t units) {
    cost_ += units;
    return cost_ <= limits_.cost_budget;
  }
  int64_t cost() const { return cost_; }
  bool budget_exceeded() const { return cost_ > limits_.cost_budget; }

 private:
  const Activation& activation_;
  const EvalLimits& limits_;
  int64_t cost_ = 0;
};

}  // namespace stagegate::cel
