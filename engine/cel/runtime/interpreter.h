#pragma once
// The interpreter: an expression is planned once into a tree of immutable
// Step objects (one per AST node that survives folding), each with a virtual
// Eval. Per-evaluation state (comprehension variables, cel.@block slots, the
// cost meter, the abort flag) lives in a Frame on the evaluating thread's
// stack, so one planned tree serves many threads at once.
//
// Cost model (after Kubernetes' CEL cost accounting, in abstract units):
//   * 1 unit for every step evaluated (constants, identifiers, selects,
//     calls, literals, comprehensions, ...);
//   * 1 unit for every comprehension iteration;
//   * Overload::cost(args) on top of the unit when the overload declares it.
// When the budget is exceeded, or a comprehension exceeds its iteration
// limit, evaluation aborts: every step returns the abort error from then on
// (so `||`/`&&` cannot absorb it) and the program's result is that error.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/activation.h"
#include "engine/cel/common/eval_context.h"
#include "engine/cel/common/source.h"
#include "engine/cel/common/value.h"

namespace stagegate::cel::runtime {

class Step;

// Facts about the planned program that steps need to report errors.
struct ProgramInfo {
  Source source{""};
  int32_t num_slots = 0;  // comprehension variables and block slots
};

// The state of one evaluation.
class Frame {
 public:
  Frame(EvalContext& context, const ProgramInfo& info, Value* slots, uint8_t* slot_states)
      : context_(context), info_(info), slots_(slots), slot_states_(slot_states) {}

  EvalContext& context() { return context_; }
  const Activation& activation() const { return context_.activation(); }
  Value& slot(int32_t index) { return slots_[index]; }
  uint8_t& slot_state(int32_t index) { return slot_states_[index]; }

  bool aborted() const { return aborted_; }
  const Value& abort_error() const { return abort_error_; }

  // Charges `units`; on exceeding the budget aborts and returns false.
  bool Charge(int64_t units, int32_t offset) {
    if (context_.AddCost(units)) return true;
    if (!aborted_) AbortForCost(offset);
    return false;
  }
  // Aborts with a message (iteration limit).
  void Abort(std::string message);

  // The innermost running comprehension, for cost messages.
  int32_t comprehension_offset = -1;
  int64_t comprehension_iterations = 0;

  std::string Position(int32_t offset) const;

 private:
  void AbortForCost(int32_t offset);

  EvalContext& context_;
  const ProgramInfo& info_;
  Value* slots_;
  uint8_t* slot_states_;
  bool aborted_ = false;
  Value abort_error_;
};

class Step {
 public:
  explicit Step(int32_t offset) : offset_(offset) {}
  virtual ~Step() = default;
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

  // Evaluates the step. Never throws.
  Value Eval(Frame& frame) const {
    if (!frame.Charge(1, offset_)) return frame.abort_error();
    Value result = DoEval(frame);
    // Locate an error at the innermost step that produced it, so that users
    // see where it arose (the parent steps find it already located).
    if (result.IsError() && !frame.aborted()) [[unlikely]] {
      return result.WithErrorOffset(offset_);
    }
    return result;
  }
  // The value when the step is a constant (for folding and specialisation), else null.
  virtual const Value* constant() const { return nullptr; }
  int32_t offset() const { return offset_; }

 protected:
  virtual Value DoEval(Frame& frame) const = 0;

 private:
  int32_t offset_;
};

using StepPtr = std::unique_ptr<Step>;

// Merges the unknowns among `values` (attributes joined with ", ", without duplicates).
Value MergeUnknowns(const Value* values, size_t count);

}  // namespace stagegate::cel::runtime
