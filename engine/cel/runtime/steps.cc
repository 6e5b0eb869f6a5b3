#include "engine/cel/runtime/steps.h"

#include <cmath>
#include <limits>

#include "engine/cel/common/value_internal.h"

namespace stagegate::cel::runtime {

namespace {

// Arguments up to this count are held on the stack.
constexpr size_t kInlineArgs = 4;

bool IsValidMapKey(const Value& key) {
  switch (key.kind()) {
    case ValueKind::kInt:
    case ValueKind::kUint:
    case ValueKind::kBool:
    case ValueKind::kString:
      return true;
    default:
      return false;
  }
}

std::string KeyText(const Value& key) {
  if (key.IsString()) return std::string(key.GetString());
  return key.DebugString();
}

// Returns the first unknown-merged or error value among `values`, or null when all are proper values.
std::optional<Value> Propagate(const Value* values, size_t count) {
  bool unknown = false;
  const Value* error = nullptr;
  for (size_t i = 0; i < count; ++i) {
    if (values[i].IsUnknown()) unknown = true;
    if (values[i].IsError() && error == nullptr) error = &values[i];
  }
  if (unknown) return MergeUnknowns(values, count);
  if (error != nullptr) return *error;
  return std::nullopt;
}

// Converts a list index value to a position; nullopt (with *error set) when it is not an index.
std::optional<int64_t> ListIndex(const Value& index, std::string* error) {
  switch (index.kind()) {
    case ValueKind::kInt:
      return index.GetInt();
    case ValueKind::kUint:
      if (index.GetUint() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *error = "index out of bounds: " + std::to_string(index.GetUint());
        return std::nullopt;
      }
      return static_cast<int64_t>(index.GetUint());
    case ValueKind::kDouble: {
      double d = index.GetDouble();
      if (std::isfinite(d) && std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) return static_cast<int64_t>(d);
      *error = "invalid_argument: unsupported index value " + index.DebugString();
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

// Indexes a non-optional container. `optional` returns none instead of "absent" errors.
Value IndexValue(const Value& operand, const Value& index, bool optional) {
  if (operand.IsList()) {
    std::string error;
    std::optional<int64_t> i = ListIndex(index, &error);
    if (!i) {
      if (!error.empty()) return Value::Error(std::move(error));
      Value args[2] = {operand, index};
      return Value::Error(NoMatchingOverload(optional ? "_[?_]" : "_[_]", args));
    }
    if (*i < 0 || static_cast<uint64_t>(*i) >= operand.ListSize()) {
      if (optional) return Value::OptionalNone();
      return Value::Error("index out of bounds: " + std::to_string(*i));
    }
    Value element = operand.ListGet(static_cast<size_t>(*i));
    return optional ? Value::OptionalOf(std::move(element)) : element;
  }
  if (operand.IsMap()) {
    std::optional<Value> found;
    switch (index.kind()) {
      case ValueKind::kInt:
      case ValueKind::kUint:
      case ValueKind::kDouble:
      case ValueKind::kBool:
        found = operand.MapFind(index);
        break;
      case ValueKind::kString:
        found = operand.MapFindField(index.GetString());
        break;
      default:
        break;
    }
    if (!found) {
      if (optional) return Value::OptionalNone();
      return Value::Error("no such key: " + KeyText(index));
    }
    return optional ? Value::OptionalOf(std::move(*found)) : std::move(*found);
  }
  Value args[2] = {operand, index};
  return Value::Error(NoMatchingOverload(optional ? "_[?_]" : "_[_]", args));
}

}  // namespace

// ---------------------------------------------------------------------------
// Frame and helpers.

std::string Frame::Position(int32_t offset) const {
  SourcePosition p = info_.source.PositionOf(offset);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

void Frame::Abort(std::string message) {
  if (aborted_) return;
  aborted_ = true;
  abort_error_ = Value::Error(std::move(message));
}

void Frame::AbortForCost(int32_t offset) {
  std::string message = "cost budget of " + std::to_string(context_.limits().cost_budget) +
                        " exceeded in expression at " + Position(0) + ": ";
  if (comprehension_offset >= 0) {
    message += "the comprehension at " + Position(comprehension_offset) + " ran " +
               std::to_string(comprehension_iterations) + " iterations";
  } else {
    message += "the budget ran out at " + Position(offset);
  }
  Abort(std::move(message));
}

Value MergeUnknowns(const Value* values, size_t count) {
  const Value* first = nullptr;
  std::vector<std::string_view> seen;
  for (size_t i = 0; i < count; ++i) {
    if (!values[i].IsUnknown()) continue;
    if (first == nullptr) first = &values[i];
    std::string_view attribute = values[i].UnknownAttribute();
    bool duplicate = false;
    for (std::string_view s : seen) duplicate = duplicate || s == attribute;
    if (!duplicate) seen.push_back(attribute);
  }
  if (first == nullptr) return Value::Unknown("");
  if (seen.size() == 1) return *first;
  std::string merged;
  for (std::string_view s : seen) {
    if (!merged.empty()) merged += ", ";
    merged += s;
  }
  return Value::Unknown(std::move(merged));
}

std::string NoMatchingOverload(std::string_view function, std::span<const Value> args) {
  std::string message = "no matching overload for '";
  message += function;
  message += "' applied to '(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) message += ", ";
    message += args[i].TypeName();
  }
  message += ")'";
  return message;
}

// ---------------------------------------------------------------------------
// Variables.

Value VariableStep::DoEval(Frame& frame) const {
  const Activation& activation = frame.activation();
  for (const Candidate& candidate : candidates_) {
    std::optional<Value> found = activation.FindVariable(candidate.name);
    if (!found) continue;
    Value value = std::move(*found);
    for (const std::string& field : candidate.fields) {
      if (value.IsErrorOrUnknown()) return value;
      if (!value.IsMap()) {
        return Value::Error("type '" + std::string(value.TypeName()) + "' does not support field selection");
      }
      std::optional<Value> next = value.MapFindField(field);
      if (!next) return Value::Error("no such key: " + field);
      value = std::move(*next);
    }
    return value;
  }
  if (fallback_) return *fallback_;
  return Value::Error("no such attribute: " + display_name_);
}

Value BlockSlotStep::DoEval(Frame& frame) const {
  uint8_t& state = frame.slot_state(slot_);
  if (state == 2) return frame.slot(slot_);
  if (state == 1) return Value::Error("cel.@block slot refers to itself");
  state = 1;
  Value v = definition_->Eval(frame);
  frame.slot(slot_) = v;
  state = 2;
  return v;
}

Value BlockStep::DoEval(Frame& frame) const {
  for (int32_t slot : slots_) frame.slot_state(slot) = 0;
  return result_->Eval(frame);
}

// ---------------------------------------------------------------------------
// Selection and indexing.

namespace {

Value SelectField(const Value& operand, const std::string& field, bool test_only) {
  if (operand.IsMap()) {
    std::optional<Value> found = operand.MapFindField(field);
    if (test_only) return Value::Bool(found.has_value());
    if (!found) return Value::Error("no such key: " + field);
    return std::move(*found);
  }
  if (operand.IsOptional()) {
    // Selecting through an optional yields an optional (cel-go's optional chaining).
    if (!operand.OptionalHasValue()) return test_only ? Value::Bool(false) : Value::OptionalNone();
    const Value& inner = operand.OptionalValue();
    if (test_only) return SelectField(inner, field, true);
    if (!inner.IsMap()) return Value::Error("no such key: " + field);
    std::optional<Value> found = inner.MapFindField(field);
    if (!found) return Value::OptionalNone();
    return Value::OptionalOf(std::move(*found));
  }
  return Value::Error("type '" + std::string(operand.TypeName()) + "' does not support field selection");
}

}  // namespace

Value SelectStep::DoEval(Frame& frame) const {
  Value operand = operand_->Eval(frame);
  if (operand.IsErrorOrUnknown()) return operand;
  return SelectField(operand, field_, test_only_);
}

Value OptionalSelectStep::DoEval(Frame& frame) const {
  Value operand = operand_->Eval(frame);
  if (operand.IsErrorOrUnknown()) return operand;
  if (operand.IsOptional()) {
    if (!operand.OptionalHasValue()) return operand;
    operand = operand.OptionalValue();
  }
  if (!operand.IsMap()) return Value::Error("no such key: " + field_);
  std::optional<Value> found = operand.MapFindField(field_);
  if (!found) return Value::OptionalNone();
  return Value::OptionalOf(std::move(*found));
}

Value IndexStep::DoEval(Frame& frame) const {
  Value args[2] = {operand_->Eval(frame), index_->Eval(frame)};
  if (std::optional<Value> bad = Propagate(args, 2)) return *bad;
  if (args[0].IsOptional()) {
    if (!args[0].OptionalHasValue()) return args[0];
    return IndexValue(args[0].OptionalValue(), args[1], true);
  }
  return IndexValue(args[0], args[1], optional_);
}

// ---------------------------------------------------------------------------
// Logic.

Value AndOrStep::DoEval(Frame& frame) const {
  // `&&`: false wins over everything; `||`: true wins. Otherwise unknowns
  // (merged) beat errors, and errors beat the identity value.
  const bool absorbing = !is_and_;
  bool have_unknown = false;
  std::optional<Value> error;
  std::vector<Value> unknowns;
  for (const StepPtr& arg : args_) {
    Value v = arg->Eval(frame);
    if (frame.aborted()) return frame.abort_error();
    if (v.IsBool()) {
      if (v.GetBool() == absorbing) return v;
      continue;
    }
    if (v.IsUnknown()) {
      have_unknown = true;
      unknowns.push_back(std::move(v));
      continue;
    }
    if (!error) {
      if (v.IsError()) {
        error = std::move(v);
      } else {
        Value bad[2] = {v, Value::Bool(!absorbing)};
        error = Value::Error(NoMatchingOverload(is_and_ ? "_&&_" : "_||_", bad));
      }
    }
  }
  if (have_unknown) return MergeUnknowns(unknowns.data(), unknowns.size());
  if (error) return *error;
  return Value::Bool(!absorbing);
}

Value ConditionalStep::DoEval(Frame& frame) const {
  Value condition = condition_->Eval(frame);
  if (condition.IsBool()) return condition.GetBool() ? if_true_->Eval(frame) : if_false_->Eval(frame);
  if (condition.IsErrorOrUnknown()) return condition;
  Value args[1] = {condition};
  return Value::Error(NoMatchingOverload("_?_:_", args));
}

Value NotStrictlyFalseStep::DoEval(Frame& frame) const {
  Value v = arg_->Eval(frame);
  if (v.IsBool()) return v;
  return Value::Bool(true);
}

// ---------------------------------------------------------------------------
// Calls.

namespace {

uint32_t KindBit(ValueKind kind) { return 1u << static_cast<uint32_t>(kind); }

// The kinds a parameter of `type` accepts; kinds whose match depends on more
// than the kind (opaque and object types) are resolved with ValueMatchesType.
uint32_t AcceptedKinds(const Type& type) {
  switch (type.kind) {
    case TypeKind::kDyn:
    case TypeKind::kTypeParam:
    case TypeKind::kError:
      return ~0u;
    case TypeKind::kNull:
      return KindBit(ValueKind::kNull);
    case TypeKind::kBool:
      return KindBit(ValueKind::kBool);
    case TypeKind::kInt:
      return KindBit(ValueKind::kInt);
    case TypeKind::kUint:
      return KindBit(ValueKind::kUint);
    case TypeKind::kDouble:
      return KindBit(ValueKind::kDouble);
    case TypeKind::kString:
      return KindBit(ValueKind::kString);
    case TypeKind::kBytes:
      return KindBit(ValueKind::kBytes);
    case TypeKind::kList:
      return KindBit(ValueKind::kList);
    case TypeKind::kMap:
      return KindBit(ValueKind::kMap);
    case TypeKind::kTimestamp:
      return KindBit(ValueKind::kTimestamp);
    case TypeKind::kDuration:
      return KindBit(ValueKind::kDuration);
    case TypeKind::kType:
      return KindBit(ValueKind::kType);
    case TypeKind::kOptional:
      return KindBit(ValueKind::kOptional);
    case TypeKind::kOpaque:
    case TypeKind::kObject:
      return 0;  // checked with ValueMatchesType
  }
  return 0;
}

}  // namespace

CallStep::CallStep(int32_t offset, std::string function, std::vector<StepPtr> args, std::vector<Candidate> candidates)
    : Step(offset), function_(std::move(function)), args_(std::move(args)), candidates_(std::move(candidates)) {
  for (Candidate& c : candidates_) {
    if (!c.overload->strict) has_non_strict_ = true;
    c.accepted_kinds.clear();
    for (const Type& param : c.overload->params) c.accepted_kinds.push_back(AcceptedKinds(param));
  }
}

Value CallStep::Dispatch(std::span<const Value> args, Frame& frame) const {
  for (const Candidate& candidate : candidates_) {
    const Overload& overload = *candidate.overload;
    if (overload.params.size() != args.size()) continue;
    bool matches = true;
    for (size_t i = 0; i < args.size() && matches; ++i) {
      if (!overload.strict && args[i].IsErrorOrUnknown()) continue;
      uint32_t accepted = candidate.accepted_kinds[i];
      matches = accepted != 0 ? (accepted & KindBit(args[i].kind())) != 0
                              : ValueMatchesType(args[i], overload.params[i]);
    }
    if (!matches) continue;
    if (has_non_strict_ && overload.strict) {
      if (std::optional<Value> bad = Propagate(args.data(), args.size())) return *bad;
    }
    if (overload.cost) {
      int64_t units = overload.cost(args);
      if (units > 0 && !frame.Charge(units, offset())) return frame.abort_error();
    }
    const FunctionImpl& impl = candidate.specialized ? candidate.specialized : overload.impl;
    if (!impl) return Value::Error("function '" + function_ + "' has no implementation");
    return impl(args, frame.context());
  }
  if (std::optional<Value> bad = Propagate(args.data(), args.size())) return *bad;
  return Value::Error(NoMatchingOverload(function_, args));
}

Value CallStep::DoEval(Frame& frame) const {
  size_t n = args_.size();
  Value inline_args[kInlineArgs];
  std::vector<Value> heap_args;
  Value* values = inline_args;
  if (n > kInlineArgs) {
    heap_args.resize(n);
    values = heap_args.data();
  }
  for (size_t i = 0; i < n; ++i) {
    values[i] = args_[i]->Eval(frame);
    if (frame.aborted()) return frame.abort_error();
  }
  if (!has_non_strict_) {
    if (std::optional<Value> bad = Propagate(values, n)) return *bad;
  }
  Value result = Dispatch(std::span<const Value>(values, n), frame);
  if (frame.aborted()) return frame.abort_error();
  return result;
}

Value ErrorStep::DoEval(Frame& frame) const {
  std::vector<Value> values;
  values.reserve(args_.size());
  for (const StepPtr& arg : args_) values.push_back(arg->Eval(frame));
  if (std::optional<Value> bad = Propagate(values.data(), values.size())) return *bad;
  return Value::Error(message_);
}

// ---------------------------------------------------------------------------
// Literals.

Value ListStep::DoEval(Frame& frame) const {
  std::vector<Value> elements;
  elements.reserve(elements_.size());
  for (size_t i = 0; i < elements_.size(); ++i) {
    Value v = elements_[i]->Eval(frame);
    if (v.IsErrorOrUnknown()) {
      elements.push_back(std::move(v));
      continue;
    }
    if (optional_[i]) {
      if (!v.IsOptional()) {
        return Value::Error("cannot initialize optional list element from non-optional value " + v.DebugString());
      }
      if (v.OptionalHasValue()) elements.push_back(v.OptionalValue());
      continue;
    }
    elements.push_back(std::move(v));
  }
  if (std::optional<Value> bad = Propagate(elements.data(), elements.size())) return *bad;
  return Value::ListOf(std::move(elements));
}

Value MapStep::DoEval(Frame& frame) const {
  MapBuilder builder;
  std::optional<Value> error;
  std::vector<Value> unknowns;
  for (const Entry& entry : entries_) {
    Value key = entry.key->Eval(frame);
    Value value = entry.value->Eval(frame);
    if (frame.aborted()) return frame.abort_error();
    bool bad = false;
    for (Value* v : {&key, &value}) {
      if (v->IsUnknown()) {
        unknowns.push_back(*v);
        bad = true;
      } else if (v->IsError()) {
        if (!error) error = *v;
        bad = true;
      }
    }
    if (bad) continue;
    if (!IsValidMapKey(key)) {
      if (!error) error = Value::Error("unsupported key type: " + std::string(key.TypeName()));
      continue;
    }
    if (entry.optional) {
      if (!value.IsOptional()) {
        if (!error) {
          error = Value::Error("cannot initialize optional entry '" + KeyText(key) +
                               "' from non-optional value " + value.DebugString());
        }
        continue;
      }
      if (!value.OptionalHasValue()) continue;
      value = value.OptionalValue();
    }
    if (!builder.Insert(key, std::move(value)) && !error) {
      error = Value::Error("Failed with repeated key: " + KeyText(key));
    }
  }
  if (!unknowns.empty()) return MergeUnknowns(unknowns.data(), unknowns.size());
  if (error) return *error;
  return std::move(builder).Build();
}

Value MapInsertStep::DoEval(Frame& frame) const {
  std::vector<Value> values;
  for (const StepPtr& arg : args_) values.push_back(arg->Eval(frame));
  if (std::optional<Value> bad = Propagate(values.data(), values.size())) return *bad;
  if (values.size() != 3 || !values[0].IsMap()) {
    return Value::Error(NoMatchingOverload("cel.@mapInsert", values));
  }
  const Value& map = values[0];
  if (!IsValidMapKey(values[1])) return Value::Error("unsupported key type: " + std::string(values[1].TypeName()));
  if (map.MapFind(values[1])) return Value::Error("Failed with repeated key: " + KeyText(values[1]));
  std::vector<std::pair<Value, Value>> entries;
  if (const MapRep* rep = ValueInternals::OwnedMap(map)) {
    entries.reserve(rep->entries.size() + 1);
    entries = rep->entries;
  } else {
    Value keys = map.MapKeys();
    for (size_t i = 0; i < keys.ListSize(); ++i) {
      Value key = keys.ListGet(i);
      std::optional<Value> v = map.MapFind(key);
      entries.emplace_back(key, v ? *v : Value());
    }
  }
  entries.emplace_back(values[1], values[2]);
  return Value::MapOf(std::move(entries));
}

// ---------------------------------------------------------------------------
// Comprehensions.

Value ComprehensionStep::DoEval(Frame& frame) const {
  Value range = parts_.range->Eval(frame);
  if (range.IsErrorOrUnknown()) return range;
  if (!range.IsList() && !range.IsMap()) {
    return Value::Error("expression of type '" + std::string(range.TypeName()) +
                        "' cannot be range of a comprehension (must be list, map, or dynamic)");
  }
  Value keys;
  bool is_map = range.IsMap();
  if (is_map) keys = range.MapKeys();
  const Value& iterated = is_map ? keys : range;
  size_t count = iterated.ListSize();

  Value& accu = frame.slot(parts_.accu_slot);
  Value saved_accu = accu;
  accu = parts_.init->Eval(frame);

  int32_t saved_offset = frame.comprehension_offset;
  int64_t saved_iterations = frame.comprehension_iterations;
  frame.comprehension_offset = offset();
  frame.comprehension_iterations = 0;
  const int64_t limit = frame.context().limits().max_comprehension_iterations;

  Value result;
  bool done = false;
  for (size_t i = 0; i < count && !frame.aborted(); ++i) {
    if (frame.comprehension_iterations >= limit) {
      frame.Abort("comprehension at " + frame.Position(offset()) + " exceeded the limit of " +
                  std::to_string(limit) + " iterations");
      break;
    }
    ++frame.comprehension_iterations;
    if (!frame.Charge(1, offset())) break;
    Value element = iterated.ListGet(i);
    if (parts_.iter_slot2 >= 0) {
      if (is_map) {
        std::optional<Value> v = range.MapFind(element);
        frame.slot(parts_.iter_slot2) = v ? std::move(*v) : Value();
        frame.slot(parts_.iter_slot) = std::move(element);
      } else {
        frame.slot(parts_.iter_slot) = Value::Int(static_cast<int64_t>(i));
        frame.slot(parts_.iter_slot2) = std::move(element);
      }
    } else {
      frame.slot(parts_.iter_slot) = std::move(element);
    }
    Value condition = parts_.condition->Eval(frame);
    if (condition.IsBool() && !condition.GetBool()) break;
    if (!condition.IsBool()) {
      result = condition.IsErrorOrUnknown() ? condition : Value::Error("comprehension condition is not a bool");
      done = true;
      break;
    }
    accu = parts_.step->Eval(frame);
  }
  if (!done && !frame.aborted()) result = parts_.result->Eval(frame);
  frame.comprehension_offset = saved_offset;
  frame.comprehension_iterations = saved_iterations;
  accu = std::move(saved_accu);
  if (frame.aborted()) return frame.abort_error();
  return result;
}

}  // namespace stagegate::cel::runtime
