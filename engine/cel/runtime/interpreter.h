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
      : context_(context),
        info_(info),
        slots_(slots),
        slot_states_(slot_states),
        cost_(context.cost()),
        budget_(context.limits().cost_budget) {}
  // Hands the units charged to the context's meter.
  ~Frame() { context_.AddCost(cost_ - context_.cost()); }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  EvalContext& context() { return context_; }
  const Activation& activation() const { return context_.activation(); }
  Value& slot(int32_t index) { return slots_[index]; }
  uint8_t& slot_state(int32_t index) { return slot_states_[index]; }

  bool aborted() const { return aborted_; }
  const Value& abort_error() const { return abort_error_; }

  // Charges `units`; on exceeding the budget aborts and returns false. The
  // meter is kept here, not in the context (one add and compare per step);
  // the context's meter catches up when the frame ends.
  bool Charge(int64_t units, int32_t offset) {
    cost_ += units;
    if (cost_ <= budget_) [[likely]] return true;
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
  int64_t cost_;          // the context's meter plus the units charged since
  const int64_t budget_;  // the context's cost budget
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
  //
  // Written so that the result is built in the caller's slot: one returned
  // object (no copy out of a temporary), errors located in place.
  [[gnu::always_inline]] Value Eval(Frame& frame) const {
    Value result = frame.Charge(1, offset_) ? DoEval(frame) : Value(frame.abort_error());
    // Locate an error at the innermost step that produced it, so that users
    // see where it arose (the parent steps find it already located).
    if (result.IsError() && !frame.aborted()) [[unlikely]] LocateError(result);
    return result;
  }
  // Evaluates the step as Eval does, but returns constants and comprehension
  // variables in place: no virtual call, no copy (so no reference count
  // traffic). Other results are stored in `scratch`. The reference is valid
  // until the caller evaluates the same slot's comprehension again; operators
  // use it for their operands.
  [[gnu::always_inline]] const Value& EvalRef(Frame& frame, Value& scratch) const {
    switch (shape_) {
      case Shape::kConstant:
        if (!frame.Charge(1, offset_)) [[unlikely]] return frame.abort_error();
        return *inline_value_;
      case Shape::kSlot: {
        if (!frame.Charge(1, offset_)) [[unlikely]] return frame.abort_error();
        const Value& v = frame.slot(slot_);
        if (v.IsError() && !frame.aborted()) [[unlikely]] {
          scratch = v;
          LocateError(scratch);
          return scratch;
        }
        return v;
      }
      case Shape::kOther:
        break;
    }
    scratch = Eval(frame);
    return scratch;
  }

  // The value when the step is a constant (for folding and specialisation), else null.
  virtual const Value* constant() const { return nullptr; }
  int32_t offset() const { return offset_; }

 protected:
  virtual Value DoEval(Frame& frame) const = 0;

  // For EvalRef: the step always yields `*value` (which is not an error).
  void SetInlineConstant(const Value* value) {
    shape_ = Shape::kConstant;
    inline_value_ = value;
  }
  // For EvalRef: the step yields comprehension slot `slot`.
  void SetInlineSlot(int32_t slot) {
    shape_ = Shape::kSlot;
    slot_ = slot;
  }

 private:
  enum class Shape : uint8_t { kOther, kConstant, kSlot };

  void LocateError(Value& error) const;

  int32_t offset_;
  Shape shape_ = Shape::kOther;
  int32_t slot_ = -1;
  const Value* inline_value_ = nullptr;
};

using StepPtr = std::unique_ptr<Step>;

// Merges the unknowns among `values` (attributes joined with ", ", without duplicates).
Value MergeUnknowns(const Value* values, size_t count);

}  // namespace stagegate::cel::runtime
