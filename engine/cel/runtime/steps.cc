#include "engine/cel/runtime/steps.h"

#include <algorithm>
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

void Step::LocateError(Value& error) const { error = error.WithErrorOffset(offset_); }

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

SelectStep::SelectStep(int32_t offset, StepPtr operand, std::string field, bool test_only)
    : Step(offset), operand_(std::move(operand)), test_only_(test_only) {
  path_.push_back(Field{std::move(field), offset});
}

StepPtr SelectStep::Chain(int32_t offset, StepPtr operand, std::string field, bool test_only) {
  auto* inner = dynamic_cast<SelectStep*>(operand.get());
  if (inner == nullptr || inner->test_only_) {
    return std::make_unique<SelectStep>(offset, std::move(operand), std::move(field), test_only);
  }
  auto step = std::make_unique<SelectStep>(offset, std::move(inner->operand_), std::move(field), test_only);
  std::vector<Field> path = std::move(inner->path_);
  path.push_back(std::move(step->path_.back()));
  step->path_ = std::move(path);
  return step;
}

Value SelectStep::DoEval(Frame& frame) const {
  // The units of the folded selections, outermost first (the order in which
  // nested steps would charge them); this step's own was charged by Eval.
  const size_t n = path_.size();
  for (size_t i = n - 1; i-- > 0;) {
    if (!frame.Charge(1, path_[i].offset)) [[unlikely]] return frame.abort_error();
  }
  Value scratch;
  const Value& operand = operand_->EvalRef(frame, scratch);
  if (operand.IsErrorOrUnknown()) return operand;
  if (n == 1) return SelectField(operand, path_[0].name, test_only_);
  Value current = SelectField(operand, path_[0].name, false);
  for (size_t i = 1; i < n; ++i) {
    if (current.IsErrorOrUnknown()) [[unlikely]] {
      // Located where the folded step would have located it.
      if (current.IsError() && !frame.aborted()) return current.WithErrorOffset(path_[i - 1].offset);
      return current;
    }
    current = SelectField(current, path_[i].name, i + 1 == n && test_only_);
  }
  return current;
}

Value CoerceStep::DoEval(Frame& frame) const {
  Value v = operand_->Eval(frame);
  switch (target_) {
    case Target::kDouble:
      if (v.IsInt()) return Value::Double(static_cast<double>(v.GetInt()));
      if (v.IsUint()) return Value::Double(static_cast<double>(v.GetUint()));
      return v;
    case Target::kTimestamp:
    case Target::kDuration:
      if (!v.IsString() || !parse_) return v;
      {
        Value args[1] = {std::move(v)};
        return parse_(std::span<const Value>(args, 1), frame.context());
      }
  }
  return v;
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
  // `&&`: false wins over everything; `||`: true wins. The common case, all
  // operands bool, is decided here; the first operand that is not a bool
  // hands over to Finish.
  const bool absorbing = !is_and_;
  Value scratch;
  for (size_t i = 0; i < args_.size(); ++i) {
    const Value& v = args_[i]->EvalRef(frame, scratch);
    if (frame.aborted()) return frame.abort_error();
    if (!v.IsBool()) [[unlikely]] return Finish(frame, i, v);
    if (v.GetBool() == absorbing) return v;
  }
  return Value::Bool(!absorbing);
}

Value AndOrStep::Finish(Frame& frame, size_t index, const Value& value) const {
  // Unless an operand decides the result, unknowns (merged) beat errors, and
  // errors beat the identity value.
  const bool absorbing = !is_and_;
  std::optional<Value> error;
  std::vector<Value> unknowns;
  for (size_t i = index; i < args_.size(); ++i) {
    Value v = i == index ? value : args_[i]->Eval(frame);
    if (frame.aborted()) return frame.abort_error();
    if (v.IsBool()) {
      if (v.GetBool() == absorbing) return v;
      continue;
    }
    if (v.IsUnknown()) {
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
  if (!unknowns.empty()) return MergeUnknowns(unknowns.data(), unknowns.size());
  if (error) return *error;
  return Value::Bool(!absorbing);
}

Value ConditionalStep::DoEval(Frame& frame) const {
  Value scratch;
  const Value& condition = condition_->EvalRef(frame, scratch);
  if (condition.IsBool()) return condition.GetBool() ? if_true_->Eval(frame) : if_false_->Eval(frame);
  if (condition.IsErrorOrUnknown()) return condition;
  Value args[1] = {condition};
  return Value::Error(NoMatchingOverload("_?_:_", args));
}

Value NotStrictlyFalseStep::DoEval(Frame& frame) const {
  if (negated_offset_ >= 0) {
    // The fused `!_` step's unit. Should it exhaust the budget the frame is
    // aborted and the value returned here no longer matters.
    if (!frame.Charge(1, negated_offset_)) return Value::Bool(true);
    Value scratch;
    const Value& v = arg_->EvalRef(frame, scratch);
    return Value::Bool(!v.IsBool() || !v.GetBool());
  }
  Value scratch;
  const Value& v = arg_->EvalRef(frame, scratch);
  return Value::Bool(!v.IsBool() || v.GetBool());
}

Value NotStep::DoEval(Frame& frame) const {
  Value scratch;
  const Value& v = arg_->EvalRef(frame, scratch);
  if (frame.aborted()) return frame.abort_error();
  if (v.IsBool()) [[likely]] return Value::Bool(!v.GetBool());
  if (v.IsErrorOrUnknown()) return v;
  Value args[1] = {v};
  return Value::Error(NoMatchingOverload("!_", args));
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

// ---------------------------------------------------------------------------
// Inline operators.

namespace {

// The standard library's EqualityCost: a tenth of the smaller string, bytes,
// list or map when both operands are of the same kind. The orderings charge
// it for strings and bytes only (the kinds of their costed overloads).
int64_t RelationCost(const Value& a, const Value& b, bool equality) {
  if (a.kind() != b.kind()) return 0;
  switch (a.kind()) {
    case ValueKind::kString:
    case ValueKind::kBytes:
      return static_cast<int64_t>(std::min(a.GetString().size(), b.GetString().size()) / 10);
    case ValueKind::kList:
      return equality ? static_cast<int64_t>(std::min(a.ListSize(), b.ListSize()) / 10) : 0;
    case ValueKind::kMap:
      return equality ? static_cast<int64_t>(std::min(a.MapSize(), b.MapSize()) / 10) : 0;
    default:
      return 0;
  }
}

// Compares two values of kinds some ordering overload accepts. The common
// same-kind numeric cases are inline; CompareValues has the same semantics
// as the standard library's overloads for every accepted pair (a NaN is
// unordered, mixed int / uint / double compare exactly as cel-go does).
std::optional<int> Order(const Value& a, const Value& b) {
  if (a.kind() == b.kind()) {
    if (a.IsDouble()) {
      double x = a.GetDouble(), y = b.GetDouble();
      if (x < y) return -1;
      if (x > y) return 1;
      if (x == y) return 0;
      return std::nullopt;  // NaN
    }
    if (a.IsInt()) return a.GetInt() < b.GetInt() ? -1 : (a.GetInt() > b.GetInt() ? 1 : 0);
  }
  return CompareValues(a, b);
}

}  // namespace

RelationStep::RelationStep(int32_t offset, std::string function, BuiltinOperator op, StepPtr lhs, StepPtr rhs,
                           const std::vector<const Overload*>& candidates)
    : Step(offset), function_(std::move(function)), op_(op), lhs_(std::move(lhs)), rhs_(std::move(rhs)) {
  const uint32_t propagated = KindBit(ValueKind::kError) | KindBit(ValueKind::kUnknown);
  for (const Overload* o : candidates) {
    uint32_t left = AcceptedKinds(o->params[0]) & ~propagated;
    uint32_t right = AcceptedKinds(o->params[1]) & ~propagated;
    for (size_t k = 0; k < kKindCount; ++k) {
      if ((left >> k) & 1u) allowed_[k] |= right;
    }
  }
}

Value RelationStep::Mismatch(const Value& lhs, const Value& rhs) const {
  Value args[2] = {lhs, rhs};
  if (std::optional<Value> bad = Propagate(args, 2)) return *bad;
  return Value::Error(NoMatchingOverload(function_, args));
}

Value RelationStep::DoEval(Frame& frame) const {
  Value scratch_a, scratch_b;
  const Value& a = lhs_->EvalRef(frame, scratch_a);
  if (frame.aborted()) return frame.abort_error();
  const Value& b = rhs_->EvalRef(frame, scratch_b);
  if (frame.aborted()) return frame.abort_error();
  if (((allowed_[static_cast<size_t>(a.kind())] >> static_cast<uint32_t>(b.kind())) & 1u) == 0) [[unlikely]] {
    return Mismatch(a, b);
  }
  const bool equality = op_ == BuiltinOperator::kEquals || op_ == BuiltinOperator::kNotEquals;
  if (int64_t units = RelationCost(a, b, equality); units > 0) {
    if (!frame.Charge(units, offset())) return frame.abort_error();
  }
  if (equality) {
    bool equal = a.IsString() && b.IsString() ? a.GetString() == b.GetString() : ValuesEqual(a, b);
    return Value::Bool(equal == (op_ == BuiltinOperator::kEquals));
  }
  std::optional<int> c = Order(a, b);
  if (!c) return Value::Bool(false);
  switch (op_) {
    case BuiltinOperator::kLess:
      return Value::Bool(*c < 0);
    case BuiltinOperator::kLessEquals:
      return Value::Bool(*c <= 0);
    case BuiltinOperator::kGreater:
      return Value::Bool(*c > 0);
    default:
      return Value::Bool(*c >= 0);
  }
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
    if (parts_.iter_slot2 < 0) [[likely]] {
      frame.slot(parts_.iter_slot) = iterated.ListGet(i);
    } else {
      Value element = iterated.ListGet(i);
      if (is_map) {
        std::optional<Value> v = range.MapFind(element);
        frame.slot(parts_.iter_slot2) = v ? std::move(*v) : Value();
        frame.slot(parts_.iter_slot) = std::move(element);
      } else {
        frame.slot(parts_.iter_slot) = Value::Int(static_cast<int64_t>(i));
        frame.slot(parts_.iter_slot2) = std::move(element);
      }
    }
    Value scratch;
    const Value& condition = parts_.condition->EvalRef(frame, scratch);
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
