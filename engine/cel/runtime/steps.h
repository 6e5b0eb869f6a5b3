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
  ConstantStep(int32_t offset, Value value) : Step(offset), value_(std::move(value)) {}
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
  SlotStep(int32_t offset, int32_t slot) : Step(offset), slot_(slot) {}

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
class SelectStep final : public Step {
 public:
  SelectStep(int32_t offset, StepPtr operand, std::string field, bool test_only)
      : Step(offset), operand_(std::move(operand)), field_(std::move(field)), test_only_(test_only) {}

 protected:
  Value DoEval(Frame& frame) const override;

 private:
  StepPtr operand_;
  std::string field_;
  bool test_only_;
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

class NotStrictlyFalseStep final : public Step {
 public:
  NotStrictlyFalseStep(int32_t offset, StepPtr arg) : Step(offset), arg_(std::move(arg)) {}

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
