#include "engine/cel/runtime/planner.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/cel/runtime/interpreter.h"
#include "engine/cel/runtime/steps.h"

namespace stagegate::cel {

namespace {

using runtime::Frame;
using runtime::ProgramInfo;
using runtime::Step;
using runtime::StepPtr;

// Names that denote type values when no variable of that name is bound.
constexpr std::string_view kTypeIdentifiers[] = {
    "int",  "uint",      "double", "bool", "string",
    "bytes", "list",     "map",    "null_type", "type",
    "google.protobuf.Timestamp", "google.protobuf.Duration", "optional_type",
};

std::optional<Value> TypeIdentifier(std::string_view name) {
  if (!name.empty() && name[0] == '.') name.remove_prefix(1);
  for (std::string_view t : kTypeIdentifiers) {
    if (t == name) return Value::Type(t);
  }
  return std::nullopt;
}

// Per-evaluation storage for slots: inline for small programs so that
// evaluation does not allocate.
constexpr int32_t kInlineSlots = 16;

Value Run(const Step& root, const ProgramInfo& info, EvalContext& context) {
  if (info.num_slots == 0) {
    Frame frame(context, info, nullptr, nullptr);
    Value v = root.Eval(frame);
    return frame.aborted() ? frame.abort_error() : v;
  }
  if (info.num_slots <= kInlineSlots) {
    Value slots[kInlineSlots];
    uint8_t states[kInlineSlots] = {};
    Frame frame(context, info, slots, states);
    Value v = root.Eval(frame);
    return frame.aborted() ? frame.abort_error() : v;
  }
  std::vector<Value> slots(static_cast<size_t>(info.num_slots));
  std::vector<uint8_t> states(static_cast<size_t>(info.num_slots), 0);
  Frame frame(context, info, slots.data(), states.data());
  Value v = root.Eval(frame);
  return frame.aborted() ? frame.abort_error() : v;
}

class EmptyActivation final : public Activation {
 public:
  std::optional<Value> FindVariable(std::string_view) const override { return std::nullopt; }
};

class ProgramImpl final : public Program {
 public:
  ProgramImpl(ParsedExpr parsed, const Source& source, EvalLimits limits, Type result_type)
      : parsed_(std::move(parsed)), limits_(limits), result_type_(std::move(result_type)) {
    info_.source = source;
  }

  Value Evaluate(const Activation& activation) const override {
    EvalContext context(activation, limits_);
    return Evaluate(context);
  }
  Value Evaluate(EvalContext& context) const override { return Run(*root_, info_, context); }
  const Type& result_type() const override { return result_type_; }

  const ParsedExpr& parsed() const { return parsed_; }
  ProgramInfo& info() { return info_; }
  void set_root(StepPtr root) { root_ = std::move(root); }

 private:
  // The tree stays alive because constant steps borrow its strings.
  ParsedExpr parsed_;
  ProgramInfo info_;
  EvalLimits limits_;
  Type result_type_;
  StepPtr root_;
};

class Planner {
 public:
  Planner(const Environment& env, const CheckedExpr* checked, ProgramInfo& info,
          std::vector<Diagnostic>* diagnostics)
      : env_(env), checked_(checked), info_(info), diagnostics_(diagnostics) {
    const std::string& container = env.options().container;
    std::string_view rest = container;
    while (!rest.empty()) {
      container_prefixes_.push_back(std::string(rest) + ".");
      size_t dot = rest.rfind('.');
      if (dot == std::string_view::npos) break;
      rest = rest.substr(0, dot);
    }
    container_prefixes_.push_back("");
  }

  StepPtr Plan(const Expr& e) {
    StepPtr step = PlanNode(e);
    return step;
  }

 private:
  struct BlockScope {
    std::vector<std::pair<int32_t, const Step*>> slots;  // by @index number
  };

  // Candidate full names for `name` under the container (cel-spec name resolution).
  std::vector<std::string> Qualify(std::string_view name) const {
    if (!name.empty() && name[0] == '.') return {std::string(name.substr(1))};
    std::vector<std::string> out;
    for (const std::string& prefix : container_prefixes_) out.push_back(prefix + std::string(name));
    return out;
  }

  const Reference* ReferenceOf(int64_t id) const {
    if (checked_ == nullptr) return nullptr;
    auto it = checked_->references.find(id);
    if (it == checked_->references.end() || it->second.name.empty()) return nullptr;
    return &it->second;
  }

  std::optional<int32_t> LookupLocal(std::string_view name) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return std::nullopt;
  }

  // Returns the dotted name of an ident/select chain whose root is not a local, or nullopt.
  std::optional<std::string> QualifiedName(const Expr& e) const {
    if (e.kind == ExprKind::kIdent) {
      if (LookupLocal(e.name) || e.name.rfind("@", 0) == 0) return std::nullopt;
      return e.name;
    }
    if (e.kind == ExprKind::kSelect && !e.test_only && e.operand) {
      std::optional<std::string> base = QualifiedName(*e.operand);
      if (!base) return std::nullopt;
      return *base + "." + e.name;
    }
    return std::nullopt;
  }

  StepPtr Fold(StepPtr step, std::initializer_list<const Step*> children) {
    for (const Step* c : children) {
      if (c == nullptr || c->constant() == nullptr) return step;
    }
    return FoldNow(std::move(step));
  }
  StepPtr FoldAll(StepPtr step, const std::vector<StepPtr>& children) {
    for (const StepPtr& c : children) {
      if (c->constant() == nullptr) return step;
    }
    return FoldNow(std::move(step));
  }
  StepPtr FoldNow(StepPtr step) {
    if (!env_.options().fold_constants) return step;
    static const EmptyActivation kEmpty;
    EvalLimits limits;
    EvalContext context(kEmpty, limits);
    ProgramInfo info;
    Frame frame(context, info, nullptr, nullptr);
    Value v = step->Eval(frame);
    if (frame.aborted()) return step;
    return std::make_unique<runtime::ConstantStep>(step->offset(), std::move(v));
  }

  StepPtr PlanNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kConstant:
        return std::make_unique<runtime::ConstantStep>(e.offset, ConstantValue(e.constant));
      case ExprKind::kIdent:
        return CoerceToDeclaredType(e, PlanIdent(e, e.name));
      case ExprKind::kSelect:
        return e.test_only ? PlanSelect(e) : CoerceToDeclaredType(e, PlanSelect(e));
      case ExprKind::kCall:
        return PlanCall(e);
      case ExprKind::kList:
        return PlanList(e);
      case ExprKind::kMap:
        return PlanMap(e);
      case ExprKind::kStruct: {
        std::vector<StepPtr> args;
        for (const MapEntry& entry : e.entries) {
          if (entry.value) args.push_back(Plan(*entry.value));
        }
        return std::make_unique<runtime::ErrorStep>(e.offset, std::move(args),
                                                    "unknown type: message construction of '" + e.name +
                                                        "' is not supported");
      }
      case ExprKind::kComprehension:
        return PlanComprehension(e);
    }
    return std::make_unique<runtime::ConstantStep>(e.offset, Value::Error("unsupported expression"));
  }

  // Wraps `step` in a conversion to the checker's type for `e` when the
  // environment asks for it (see CompileOptions::coerce_to_declared_types).
  StepPtr CoerceToDeclaredType(const Expr& e, StepPtr step) {
    if (!env_.options().coerce_to_declared_types || checked_ == nullptr || step->constant() != nullptr) return step;
    auto it = checked_->types.find(e.id);
    if (it == checked_->types.end()) return step;
    using Target = runtime::CoerceStep::Target;
    switch (it->second.kind) {
      case TypeKind::kDouble:
        return std::make_unique<runtime::CoerceStep>(e.offset, std::move(step), Target::kDouble, nullptr);
      case TypeKind::kTimestamp:
        return std::make_unique<runtime::CoerceStep>(e.offset, std::move(step), Target::kTimestamp,
                                                     ConversionFromString("timestamp"));
      case TypeKind::kDuration:
        return std::make_unique<runtime::CoerceStep>(e.offset, std::move(step), Target::kDuration,
                                                     ConversionFromString("duration"));
      default:
        return step;
    }
  }

  // Returns the registered `function(string)` conversion, or null.
  FunctionImpl ConversionFromString(std::string_view function) const {
    const FunctionDecl* decl = env_.functions().Find(function);
    if (decl == nullptr) return nullptr;
    for (const Overload& overload : decl->overloads) {
      if (!overload.receiver_style && overload.params.size() == 1 && overload.params[0].kind == TypeKind::kString) {
        return overload.impl;
      }
    }
    return nullptr;
  }

  static Value ConstantValue(const Constant& c) {
    switch (c.index()) {
      case 0:
        return Value::Null();
      case 1:
        return Value::Bool(std::get<bool>(c));
      case 2:
        return Value::Int(std::get<int64_t>(c));
      case 3:
        return Value::Uint(std::get<uint64_t>(c));
      case 4:
        return Value::Double(std::get<double>(c));
      case 5:
        return Value::BorrowedString(std::get<std::string>(c));
      default:
        return Value::BorrowedBytes(std::get<BytesConstant>(c).bytes);
    }
  }

  StepPtr PlanIdent(const Expr& e, const std::string& name) {
    if (name.rfind("@index", 0) == 0 && name.size() > 6) {
      int n = std::atoi(name.c_str() + 6);
      if (StepPtr s = BlockSlot(e.offset, n)) return s;
    }
    if (std::optional<int32_t> slot = LookupLocal(name)) {
      return std::make_unique<runtime::SlotStep>(e.offset, *slot);
    }
    if (const Reference* ref = ReferenceOf(e.id)) {
      if (std::optional<int32_t> slot = LookupLocal(ref->name)) {
        return std::make_unique<runtime::SlotStep>(e.offset, *slot);
      }
      return std::make_unique<runtime::VariableStep>(
          e.offset, ref->name, std::vector<runtime::VariableStep::Candidate>{{ref->name, {}}},
          TypeIdentifier(ref->name));
    }
    std::vector<runtime::VariableStep::Candidate> candidates;
    for (std::string& q : Qualify(name)) candidates.push_back({std::move(q), {}});
    std::string display = name;
    if (!display.empty() && display[0] == '.') display.erase(0, 1);
    return std::make_unique<runtime::VariableStep>(e.offset, display, std::move(candidates), TypeIdentifier(name));
  }

  StepPtr BlockSlot(int32_t offset, int n) {
    if (blocks_.empty() || n < 0) return nullptr;
    const BlockScope& block = blocks_.back();
    if (static_cast<size_t>(n) >= block.slots.size()) return nullptr;
    return std::make_unique<runtime::BlockSlotStep>(offset, block.slots[n].first, block.slots[n].second);
  }

  StepPtr PlanSelect(const Expr& e) {
    if (!e.operand) return std::make_unique<runtime::ConstantStep>(e.offset, Value::Error("malformed select"));
    if (!e.test_only) {
      if (const Reference* ref = ReferenceOf(e.id)) {
        return std::make_unique<runtime::VariableStep>(
            e.offset, ref->name, std::vector<runtime::VariableStep::Candidate>{{ref->name, {}}},
            TypeIdentifier(ref->name));
      }
      if (checked_ == nullptr) {
        if (std::optional<std::string> qualified = QualifiedName(e)) return PlanQualified(e, *qualified);
      }
    }
    StepPtr operand = Plan(*e.operand);
    const bool constant_operand = operand->constant() != nullptr;  // (Chain may consume the operand step)
    StepPtr select = runtime::SelectStep::Chain(e.offset, std::move(operand), e.name, e.test_only);
    return constant_operand ? FoldNow(std::move(select)) : std::move(select);
  }

  // `a.b.c` without checker: try variable "a.b.c", then "a.b" with field c, then "a" with fields b, c,
  // each under the container's prefixes.
  StepPtr PlanQualified(const Expr& e, const std::string& qualified) {
    std::string_view name = qualified;
    bool rooted = !name.empty() && name[0] == '.';
    if (rooted) name.remove_prefix(1);
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = name.find('.', start);
      parts.emplace_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    std::vector<runtime::VariableStep::Candidate> candidates;
    for (size_t len = parts.size(); len >= 1; --len) {
      std::string prefix = rooted ? "." : "";
      for (size_t i = 0; i < len; ++i) prefix += (i > 0 ? "." : "") + parts[i];
      std::vector<std::string> fields(parts.begin() + static_cast<std::ptrdiff_t>(len), parts.end());
      for (std::string& q : Qualify(prefix)) candidates.push_back({std::move(q), fields});
    }
    return std::make_unique<runtime::VariableStep>(e.offset, std::string(name), std::move(candidates),
                                                   TypeIdentifier(name));
  }

  StepPtr PlanList(const Expr& e) {
    std::vector<StepPtr> elements;
    std::vector<bool> optional(e.args.size(), false);
    for (int32_t i : e.optional_indices) {
      if (i >= 0 && static_cast<size_t>(i) < optional.size()) optional[static_cast<size_t>(i)] = true;
    }
    for (const ExprPtr& arg : e.args) elements.push_back(Plan(*arg));
    bool all_constant = true;
    for (const StepPtr& s : elements) all_constant = all_constant && s->constant() != nullptr;
    StepPtr step = std::make_unique<runtime::ListStep>(e.offset, std::move(elements), std::move(optional));
    return all_constant ? FoldNow(std::move(step)) : std::move(step);
  }

  StepPtr PlanMap(const Expr& e) {
    std::vector<runtime::MapStep::Entry> entries;
    bool all_constant = true;
    for (const MapEntry& entry : e.entries) {
      runtime::MapStep::Entry planned;
      planned.key = entry.key ? Plan(*entry.key) : std::make_unique<runtime::ConstantStep>(entry.offset, Value());
      planned.value =
          entry.value ? Plan(*entry.value) : std::make_unique<runtime::ConstantStep>(entry.offset, Value());
      planned.optional = entry.optional;
      all_constant = all_constant && planned.key->constant() && planned.value->constant();
      entries.push_back(std::move(planned));
    }
    StepPtr step = std::make_unique<runtime::MapStep>(e.offset, std::move(entries));
    return all_constant ? FoldNow(std::move(step)) : std::move(step);
  }

  StepPtr PlanComprehension(const Expr& e) {
    const Comprehension& c = *e.comprehension;
    runtime::ComprehensionStep::Parts parts;
    auto plan_or_null = [&](const ExprPtr& p) -> StepPtr {
      if (p) return Plan(*p);
      return std::make_unique<runtime::ConstantStep>(e.offset, Value());
    };
    parts.range = plan_or_null(c.iter_range);
    parts.init = plan_or_null(c.accu_init);
    parts.accu_slot = NewSlot();
    parts.iter_slot = NewSlot();
    if (!c.iter_var2.empty()) parts.iter_slot2 = NewSlot();
    size_t depth = scope_.size();
    scope_.emplace_back(c.accu_var, parts.accu_slot);
    scope_.emplace_back(c.iter_var, parts.iter_slot);
    if (!c.iter_var2.empty()) scope_.emplace_back(c.iter_var2, parts.iter_slot2);
    parts.condition = c.loop_condition ? Plan(*c.loop_condition)
                                       : std::make_unique<runtime::ConstantStep>(e.offset, Value::Bool(true));
    parts.step = plan_or_null(c.loop_step);
    scope_.resize(depth + 1);
    parts.result = plan_or_null(c.result);
    scope_.resize(depth);
    return std::make_unique<runtime::ComprehensionStep>(e.offset, std::move(parts));
  }

  int32_t NewSlot() { return info_.num_slots++; }

  // Returns the name of a global function the call denotes, when its target is
  // a namespace (e.g. `math.greatest(...)`), or nullopt for a receiver call.
  std::optional<std::string> NamespacedFunction(const Expr& e) {
    if (!e.operand) return std::nullopt;
    if (const Reference* ref = ReferenceOf(e.id)) {
      if (ref->name != e.name && env_.functions().Find(ref->name) != nullptr) return ref->name;
    }
    std::optional<std::string> qualified = QualifiedName(*e.operand);
    if (!qualified) return std::nullopt;
    std::string full = *qualified + "." + e.name;
    if (IsInternalFunction(full)) return full;
    for (const std::string& candidate : Qualify(full)) {
      const FunctionDecl* decl = env_.functions().Find(candidate);
      if (decl == nullptr) continue;
      for (const Overload& o : decl->overloads) {
        if (!o.receiver_style) return candidate;
      }
    }
    return std::nullopt;
  }

  static bool IsInternalFunction(std::string_view name) {
    return name == "cel.@block" || name == "cel.block" || name == "cel.index" || name == "cel.iterVar" ||
           name == "cel.accuVar" || name == "cel.@mapInsert";
  }

  static std::optional<int64_t> ConstantInt(const Expr& e) {
    if (e.kind == ExprKind::kConstant && std::holds_alternative<int64_t>(e.constant)) {
      return std::get<int64_t>(e.constant);
    }
    return std::nullopt;
  }

  std::vector<StepPtr> PlanArgs(const Expr& e, bool include_target) {
    std::vector<StepPtr> args;
    if (include_target && e.operand) args.push_back(Plan(*e.operand));
    for (const ExprPtr& a : e.args) args.push_back(Plan(*a));
    return args;
  }

  StepPtr PlanCall(const Expr& e) {
    std::string function = e.name;
    bool receiver = e.operand != nullptr;
    if (receiver) {
      if (std::optional<std::string> global = NamespacedFunction(e)) {
        function = *global;
        receiver = false;
      }
    } else if (!function.empty() && function[0] == '.') {
      function.erase(0, 1);
    }
    const size_t argc = e.args.size();

    if (!receiver) {
      if ((function == "_&&_" || function == "_||_") && argc >= 2) {
        std::vector<StepPtr> args = PlanArgs(e, false);
        bool is_and = function == "_&&_";
        bool all_constant = true;
        for (const StepPtr& a : args) {
          const Value* v = a->constant();
          all_constant = all_constant && v != nullptr;
          // A constant that decides the result (false for &&, true for ||) makes the rest irrelevant.
          if (v != nullptr && v->IsBool() && v->GetBool() != is_and && env_.options().fold_constants) {
            return std::make_unique<runtime::ConstantStep>(e.offset, *v);
          }
        }
        StepPtr step = std::make_unique<runtime::AndOrStep>(e.offset, is_and, std::move(args));
        return all_constant ? FoldNow(std::move(step)) : std::move(step);
      }
      if (function == "_?_:_" && argc == 3) {
        StepPtr c = Plan(*e.args[0]);
        if (const Value* v = c.get()->constant(); v != nullptr && v->IsBool() && env_.options().fold_constants) {
          return v->GetBool() ? Plan(*e.args[1]) : Plan(*e.args[2]);
        }
        StepPtr t = Plan(*e.args[1]);
        StepPtr f = Plan(*e.args[2]);
        return std::make_unique<runtime::ConditionalStep>(e.offset, std::move(c), std::move(t), std::move(f));
      }
      if ((function == "@not_strictly_false" || function == "__not_strictly_false__") && argc == 1) {
        StepPtr a = Plan(*e.args[0]);
        if (auto* negation = dynamic_cast<runtime::NotStep*>(a.get())) {
          // @not_strictly_false(!x), the loop condition of `all` and `exists`: one step.
          int32_t negated_offset = negation->offset();
          StepPtr operand = negation->ReleaseOperand();
          const Step* raw = operand.get();
          return Fold(std::make_unique<runtime::NotStrictlyFalseStep>(e.offset, std::move(operand), negated_offset),
                      {raw});
        }
        const Step* raw = a.get();
        return Fold(std::make_unique<runtime::NotStrictlyFalseStep>(e.offset, std::move(a)), {raw});
      }
      if ((function == "_[_]" || function == "_[?_]") && argc == 2) {
        StepPtr a = Plan(*e.args[0]);
        StepPtr b = Plan(*e.args[1]);
        const Step* ra = a.get();
        const Step* rb = b.get();
        return Fold(std::make_unique<runtime::IndexStep>(e.offset, std::move(a), std::move(b), function == "_[?_]"),
                    {ra, rb});
      }
      if (function == "_?._" && argc == 2 && e.args[1]->kind == ExprKind::kConstant &&
          std::holds_alternative<std::string>(e.args[1]->constant)) {
        StepPtr a = Plan(*e.args[0]);
        const Step* ra = a.get();
        return Fold(std::make_unique<runtime::OptionalSelectStep>(e.offset, std::move(a),
                                                                   std::get<std::string>(e.args[1]->constant)),
                    {ra});
      }
      if ((function == "cel.@block" || function == "cel.block") && argc == 2 &&
          e.args[0]->kind == ExprKind::kList) {
        return PlanBlock(e);
      }
      if (function == "cel.index" && argc == 1 && ConstantInt(*e.args[0])) {
        return PlanIdent(e, "@index" + std::to_string(*ConstantInt(*e.args[0])));
      }
      if ((function == "cel.iterVar" || function == "cel.accuVar") && argc == 2 && ConstantInt(*e.args[0]) &&
          ConstantInt(*e.args[1])) {
        std::string name = (function == "cel.iterVar" ? "@it:" : "@ac:") + std::to_string(*ConstantInt(*e.args[0])) +
                           ":" + std::to_string(*ConstantInt(*e.args[1]));
        return PlanIdent(e, name);
      }
      if (function == "cel.@mapInsert") {
        return std::make_unique<runtime::MapInsertStep>(e.offset, PlanArgs(e, false));
      }
    }

    // An ordinary function: resolve the declaration (under the container for global calls).
    const FunctionDecl* decl = nullptr;
    if (receiver) {
      decl = env_.functions().Find(function);
    } else {
      for (const std::string& candidate : Qualify(function)) {
        decl = env_.functions().Find(candidate);
        if (decl != nullptr) {
          function = candidate;
          break;
        }
      }
    }
    std::vector<StepPtr> args = PlanArgs(e, receiver);
    if (decl == nullptr) {
      return std::make_unique<runtime::ErrorStep>(e.offset, std::move(args), "unbound function: " + function);
    }

    std::vector<std::string> allowed;
    if (checked_ != nullptr) {
      auto it = checked_->references.find(e.id);
      if (it != checked_->references.end()) allowed = it->second.overload_ids;
    }
    std::vector<runtime::CallStep::Candidate> candidates;
    auto collect = [&](bool filter) {
      for (const Overload& o : decl->overloads) {
        if (o.receiver_style != receiver || o.params.size() != args.size()) continue;
        if (filter) {
          bool ok = false;
          for (const std::string& id : allowed) ok = ok || id == o.id;
          if (!ok) continue;
        }
        candidates.push_back({&o, {}, {}});
      }
    };
    collect(!allowed.empty());
    if (candidates.empty() && !allowed.empty()) collect(false);

    // Plan-time specialisation on constant arguments.
    std::vector<std::optional<Value>> constants;
    bool any_constant = false;
    bool all_constant = true;
    for (const StepPtr& a : args) {
      if (const Value* v = a->constant()) {
        constants.emplace_back(*v);
        any_constant = true;
      } else {
        constants.emplace_back(std::nullopt);
        all_constant = false;
      }
    }
    if (any_constant && !all_constant) {
      for (runtime::CallStep::Candidate& c : candidates) {
        if (!c.overload->specialize) continue;
        bool applies = true;
        for (size_t i = 0; i < constants.size() && applies; ++i) {
          if (constants[i]) applies = ValueMatchesType(*constants[i], c.overload->params[i]);
        }
        if (!applies) continue;
        std::string error;
        std::optional<FunctionImpl> impl = c.overload->specialize(constants, &error);
        if (!error.empty()) {
          diagnostics_->push_back(Diagnostic{"CEL301", error, e.offset, Severity::kError});
        } else if (impl) {
          c.specialized = std::move(*impl);
        }
      }
    }
    StepPtr step = InlineOperator(e.offset, function, args, candidates);
    if (step == nullptr) {
      step = std::make_unique<runtime::CallStep>(e.offset, function, std::move(args), std::move(candidates));
    }
    if (all_constant) return FoldNow(std::move(step));
    return step;
  }

  // Returns a step that evaluates a standard operator inline when every
  // candidate is tagged as one (taking over `args`), else null.
  static StepPtr InlineOperator(int32_t offset, const std::string& function, std::vector<StepPtr>& args,
                                const std::vector<runtime::CallStep::Candidate>& candidates) {
    if (candidates.empty()) return nullptr;
    const BuiltinOperator op = candidates.front().overload->builtin;
    std::vector<const Overload*> overloads;
    for (const runtime::CallStep::Candidate& c : candidates) {
      if (c.overload->builtin != op || c.specialized || c.overload->params.size() != args.size()) return nullptr;
      overloads.push_back(c.overload);
    }
    switch (op) {
      case BuiltinOperator::kNone:
        return nullptr;
      case BuiltinOperator::kLogicalNot:
        if (args.size() != 1) return nullptr;
        return std::make_unique<runtime::NotStep>(offset, std::move(args[0]));
      default:
        if (args.size() != 2) return nullptr;
        return std::make_unique<runtime::RelationStep>(offset, function, op, std::move(args[0]), std::move(args[1]),
                                                       overloads);
    }
  }

  StepPtr PlanBlock(const Expr& e) {
    const Expr& list = *e.args[0];
    blocks_.emplace_back();
    std::vector<StepPtr> definitions;
    std::vector<int32_t> slots;
    for (const ExprPtr& element : list.args) {
      StepPtr def = Plan(*element);
      int32_t slot = NewSlot();
      blocks_.back().slots.emplace_back(slot, def.get());
      slots.push_back(slot);
      definitions.push_back(std::move(def));
    }
    StepPtr result = Plan(*e.args[1]);
    blocks_.pop_back();
    return std::make_unique<runtime::BlockStep>(e.offset, std::move(definitions), std::move(slots),
                                                std::move(result));
  }

  const Environment& env_;
  const CheckedExpr* checked_;
  ProgramInfo& info_;
  std::vector<Diagnostic>* diagnostics_;
  std::vector<std::string> container_prefixes_;
  std::vector<std::pair<std::string, int32_t>> scope_;
  std::vector<BlockScope> blocks_;
};

}  // namespace

std::unique_ptr<Program> Plan(ParsedExpr parsed, const CheckedExpr* checked, const Source& source,
                              const Environment& env, std::vector<Diagnostic>* diagnostics) {
  std::vector<Diagnostic> local;
  if (diagnostics == nullptr) diagnostics = &local;
  if (parsed.root == nullptr) {
    diagnostics->push_back(Diagnostic{"CEL300", "nothing to plan: the expression did not parse", 0, Severity::kError});
    return nullptr;
  }
  Type result_type = checked != nullptr ? checked->result_type : Type::Dyn();
  auto program = std::make_unique<ProgramImpl>(std::move(parsed), source, env.options().eval_limits, result_type);
  size_t before = diagnostics->size();
  Planner planner(env, checked, program->info(), diagnostics);
  StepPtr root = planner.Plan(*program->parsed().root);
  for (size_t i = before; i < diagnostics->size(); ++i) {
    if ((*diagnostics)[i].severity == Severity::kError) return nullptr;
  }
  program->set_root(std::move(root));
  return program;
}

}  // namespace stagegate::cel
