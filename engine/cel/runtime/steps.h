#pragma once
// The step kinds the planner builds (see interpreter.h for the model).

#include <optional>
#include <string>
#include <vector>

#include "engine/cel/common/function.h"
#include "engine/cel/runtime/interpreter.h"

namespace stagegate::cel::runtime {

class ConstantStep final : public Step {
 public:
  ConstantStep(int32_t offset, Value value) : Step(offset), value_(std::move(value)) {
    // Errors take Eval's path, which locates them.
    if (!value_.IsError()) SetInlineConstant(&value_);
  }
  const Value* constant() const override { return &value_; }

 protected:
  Value DoEval(Frame&) const override { return value_; }

 private:
  Value value_;
};

// A variable looked up in the activation. `candidates` are tried in order;
// each names a variable and the fields to select from it afterwards (for
// qualified names such as `a.b.c` resolved as variable "a.b" and field "c").
// When none is bound the result is `fallback` (a type value for `int`, ...)
// or the error "no such attribute: <name>".
class VariableStep final : public Step {
 public:
  struct Candidate {
    std::string name;
    std::vector<std::string> fields;
  };
  VariableStep(int32_t offset, std::string display_name, std::vector<Candidate> candidates,
               std::optional<Value> fallback)
      : Step(offset),
        display_name_(std::move(display_name)),
        candidates_(std::move(candidates)),
        fallback_(std::move(fallback)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  std::string display_name_;
  std::vector<Candidate> candidates_;
  std::optional<Value> fallback_;
};

// A comprehension variable.
class SlotStep final : public Step {
 public:
  SlotStep(int32_t offset, int32_t slot) : Step(offset), slot_(slot) { SetInlineSlot(slot); }

 protected:
  Value DoEval(Frame& frame) const override { return frame.slot(slot_); }

 private:
  int32_t slot_;
};

// A cel.@block slot, evaluated on first use and remembered for the evaluation.
class BlockSlotStep final : public Step {
 public:
  BlockSlotStep(int32_t offset, int32_t slot, const Step* definition)
      : Step(offset), slot_(slot), definition_(definition) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  int32_t slot_;
  const Step* definition_;  // owned by the BlockStep
};

class BlockStep final : public Step {
 public:
  BlockStep(int32_t offset, std::vector<StepPtr> definitions, std::vector<int32_t> slots, StepPtr result)
      : Step(offset), definitions_(std::move(definitions)), slots_(std::move(slots)), result_(std::move(result)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  std::vector<StepPtr> definitions_;
  std::vector<int32_t> slots_;
  StepPtr result_;
};

// operand.field; has(operand.field) when test_only.
//
// A chain of selections (`stream.device.site`) is one step: when the operand
// is itself a field selection, the planner folds it in (see Chain), and the
// step selects the fields in turn. It charges the folded steps' units and
// locates errors at the selection that raised them, exactly as the separate
// steps would.
class SelectStep final : public Step {
 public:
  SelectStep(int32_t offset, StepPtr operand, std::string field, bool test_only);

  // Returns operand.field, with `operand` folded in when it is a SelectStep
  // for a field (not a has() test).
  static StepPtr Chain(int32_t offset, StepPtr operand, std::string field, bool test_only);

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  struct Field {
    std::string name;
    int32_t offset;  // of the selection step this field stood for
  };

  StepPtr operand_;
  std::vector<Field> path_;  // in selection order; the last is this step's own field
  bool test_only_;
};

// Converts the operand's value to the type the checker declared for it, for
// JSON-backed data (see CompileOptions::coerce_to_declared_types): int and
// uint to double, and strings to timestamps or durations through the standard
// conversion overload. Any other value passes unchanged.
class CoerceStep final : public Step {
 public:
  enum class Target { kDouble, kTimestamp, kDuration };
  CoerceStep(int32_t offset, StepPtr operand, Target target, FunctionImpl parse)
      : Step(offset), operand_(std::move(operand)), target_(target), parse_(std::move(parse)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr operand_;
  Target target_;
  FunctionImpl parse_;  // string → timestamp / duration; empty for kDouble
};

// operand.?field (`_?._`).
class OptionalSelectStep final : public Step {
 public:
  OptionalSelectStep(int32_t offset, StepPtr operand, std::string field)
      : Step(offset), operand_(std::move(operand)), field_(std::move(field)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr operand_;
  std::string field_;
};

// operand[index] (`_[_]`), or operand[?index] (`_[?_]`) when optional.
class IndexStep final : public Step {
 public:
  IndexStep(int32_t offset, StepPtr operand, StepPtr index, bool optional)
      : Step(offset), operand_(std::move(operand)), index_(std::move(index)), optional_(optional) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr operand_;
  StepPtr index_;
  bool optional_;
};

class AndOrStep final : public Step {
 public:
  AndOrStep(int32_t offset, bool is_and, std::vector<StepPtr> args)
      : Step(offset), is_and_(is_and), args_(std::move(args)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  // Finishes after operand `index`, evaluated to the non-bool `value`.
  Value Finish(Frame& frame, size_t index, const Value& value) const;

  bool is_and_;
  std::vector<StepPtr> args_;
};

class ConditionalStep final : public Step {
 public:
  ConditionalStep(int32_t offset, StepPtr condition, StepPtr if_true, StepPtr if_false)
      : Step(offset), condition_(std::move(condition)), if_true_(std::move(if_true)), if_false_(std::move(if_false)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr condition_, if_true_, if_false_;
};

// @not_strictly_false(arg). When `negated_offset` >= 0 the step stands for
// @not_strictly_false(!arg) with the `!_` step (at that offset) fused in, as
// the `all`/`exists` macros produce for their loop condition: the result is
// `!arg` for a bool and true otherwise, and the fused step's unit is charged.
class NotStrictlyFalseStep final : public Step {
 public:
  NotStrictlyFalseStep(int32_t offset, StepPtr arg, int32_t negated_offset = -1)
      : Step(offset), arg_(std::move(arg)), negated_offset_(negated_offset) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr arg_;
  int32_t negated_offset_;
};

// A standard comparison or equality operator (`_==_`, `_!=_`, `_<_`, `_<=_`,
// `_>_`, `_>=_`) evaluated inline. The planner builds it when every candidate
// overload carries a BuiltinOperator tag; the results, errors and cost are
// those of CallStep dispatching to the standard library, without the
// std::function calls and the per-call overload matching.
class RelationStep final : public Step {
 public:
  // `candidates` must all carry `op` (or, for the orderings, any ordering
  // tag of the same function) and take two parameters.
  RelationStep(int32_t offset, std::string function, BuiltinOperator op, StepPtr lhs, StepPtr rhs,
               const std::vector<const Overload*>& candidates);

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  static constexpr size_t kKindCount = static_cast<size_t>(ValueKind::kUnknown) + 1;

  Value Mismatch(const Value& lhs, const Value& rhs) const;

  std::string function_;
  BuiltinOperator op_;
  StepPtr lhs_, rhs_;
  // allowed_[lhs kind] has bit (rhs kind) set when some candidate accepts the
  // pair. Error and unknown kinds are never set: they are propagated first.
  uint32_t allowed_[kKindCount] = {};
};

// `!_` on a bool, evaluated inline (the standard `logical_not` overload).
class NotStep final : public Step {
 public:
  NotStep(int32_t offset, StepPtr arg) : Step(offset), arg_(std::move(arg)) {}
  // Hands the operand over (when the planner fuses this step into its parent).
  StepPtr ReleaseOperand() { return std::move(arg_); }

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr arg_;
};

// A function call dispatched on the argument values.
class CallStep final : public Step {
 public:
  struct Candidate {
    const Overload* overload;
    FunctionImpl specialized;  // empty: use overload->impl
    // Per parameter: the value kinds it accepts (bit i = ValueKind i), so that
    // dispatch is a few bit tests.
    std::vector<uint32_t> accepted_kinds;
  };
  CallStep(int32_t offset, std::string function, std::vector<StepPtr> args, std::vector<Candidate> candidates);

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  Value Dispatch(std::span<const Value> args, Frame& frame) const;

  std::string function_;
  std::vector<StepPtr> args_;
  std::vector<Candidate> candidates_;
  bool has_non_strict_ = false;
};

class ListStep final : public Step {
 public:
  ListStep(int32_t offset, std::vector<StepPtr> elements, std::vector<bool> optional)
      : Step(offset), elements_(std::move(elements)), optional_(std::move(optional)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  std::vector<StepPtr> elements_;
  std::vector<bool> optional_;
};

class MapStep final : public Step {
 public:
  struct Entry {
    StepPtr key;
    StepPtr value;
    bool optional;
  };
  MapStep(int32_t offset, std::vector<Entry> entries) : Step(offset), entries_(std::move(entries)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  std::vector<Entry> entries_;
};

// cel.@mapInsert(map, key, value): a new map with the entry added.
class MapInsertStep final : public Step {
 public:
  MapInsertStep(int32_t offset, std::vector<StepPtr> args) : Step(offset), args_(std::move(args)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  std::vector<StepPtr> args_;
};

class ComprehensionStep final : public Step {
 public:
  struct Parts {
    int32_t iter_slot = -1;
    int32_t iter_slot2 = -1;  // -1 unless two variables
    int32_t accu_slot = -1;
    StepPtr range, init, condition, step, result;
  };
  ComprehensionStep(int32_t offset, Parts parts) : Step(offset), parts_(std::move(parts)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  Parts parts_;
};

// An error known at plan time but reported at run time (e.g. an unbound function).
class ErrorStep final : public Step {
 public:
  ErrorStep(int32_t offset, std::vector<StepPtr> args, std::string message)
      : Step(offset), args_(std::move(args)), message_(std::move(message)) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  std::vector<StepPtr> args_;
  std::string message_;
};

// Returns the message of a "no matching overload" error for `function` applied to `args`.
std::string NoMatchingOverload(std::string_view function, std::span<const Value> args);

}  // namespace stagegate::cel::runtime
