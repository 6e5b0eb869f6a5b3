#include "engine/cel/checker/checker.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "engine/cel/checker/type_relations.h"

namespace stagegate::cel {

namespace {

using checker_internal::IsAssignable;
using checker_internal::JoinTypes;
using checker_internal::Substitute;
using checker_internal::TypeSubstitution;

constexpr char kUndeclaredReference[] = "CEL101";
constexpr char kNoMatchingOverload[] = "CEL102";
constexpr char kNoFieldSelection[] = "CEL103";
constexpr char kTypeError[] = "CEL104";
constexpr char kUndefinedField[] = "CEL105";

// Deeper trees than this are refused rather than risking the stack; the
// parser's own nesting limit keeps real expressions far below it.
constexpr int kMaxCheckDepth = 1000;  // the parser already caps trees at 250 levels

// Returns the type denoted by a type identifier such as `int` or
// `google.protobuf.Timestamp`, or nullopt for other names.
std::optional<Type> TypeDenotation(std::string_view name) {
  if (name == "int") return Type::Int();
  if (name == "uint") return Type::Uint();
  if (name == "double") return Type::Double();
  if (name == "bool") return Type::Bool();
  if (name == "string") return Type::String();
  if (name == "bytes") return Type::Bytes();
  if (name == "list") return Type::List(Type::Dyn());
  if (name == "map") return Type::Map(Type::Dyn(), Type::Dyn());
  if (name == "null_type") return Type::Null();
  if (name == "type") return Type::TypeType();
  if (name == "dyn") return Type::Dyn();
  if (name == "google.protobuf.Timestamp") return Type::Timestamp();
  if (name == "google.protobuf.Duration") return Type::Duration();
  if (name == "optional_type") return Type::Optional(Type::Dyn());
  return std::nullopt;
}

// Returns "a.b.c" for an identifier/select chain (no has()), or nullopt.
std::optional<std::string> QualifiedName(const Expr& expr) {
  if (expr.kind == ExprKind::kIdent) return expr.name;
  if (expr.kind == ExprKind::kSelect && !expr.test_only && expr.operand != nullptr) {
    std::optional<std::string> prefix = QualifiedName(*expr.operand);
    if (!prefix) return std::nullopt;
    return *prefix + "." + expr.name;
  }
  return std::nullopt;
}

const Expr* RootOf(const Expr& expr) {
  const Expr* node = &expr;
  while (node->kind == ExprKind::kSelect && node->operand != nullptr) node = node->operand.get();
  return node;
}

// Dyn, error, or a type not yet known (the element of an empty literal):
// accepted wherever a specific type is required.
bool IsDynOrError(const Type& type) {
  return checker_internal::IsDynOrError(type) || type.kind == TypeKind::kTypeParam;
}

bool IsInternalName(std::string_view name) { return name.find('@') != std::string_view::npos; }

std::string FormatArgs(const std::vector<Type>& types, bool receiver_style) {
  std::string out;
  size_t first = 0;
  if (receiver_style && !types.empty()) {
    out = TypeToString(types[0]) + ".";
    first = 1;
  }
  out += "(";
  for (size_t i = first; i < types.size(); ++i) {
    if (i > first) out += ", ";
    out += TypeToString(types[i]);
  }
  out += ")";
  return out;
}

// The element type an optional-wrapped value contributes (`?x` in literals).
Type UnwrapOptional(const Type& type) {
  if (type.kind == TypeKind::kOptional) return type.params.empty() ? Type::Dyn() : type.params[0];
  return type;
}

class Checker {
 public:
  Checker(const Environment& env, CheckResult& result) : env_(env), result_(result) {}

  Type Visit(const Expr& expr) {
    if (++depth_ > kMaxCheckDepth) {
      --depth_;
      if (!depth_reported_) {
        depth_reported_ = true;
        Report(kTypeError, "expression nests too deeply to check (over " + std::to_string(kMaxCheckDepth) + " levels)",
               expr.offset);
      }
      return Record(expr, Type::Error());
    }
    Type type = Dispatch(expr);
    --depth_;
    return Record(expr, std::move(type));
  }

 private:
  Type Dispatch(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kConstant:
        return ConstantType(expr.constant);
      case ExprKind::kIdent:
        return VisitIdent(expr);
      case ExprKind::kSelect:
        return VisitSelect(expr);
      case ExprKind::kCall:
        return VisitCall(expr);
      case ExprKind::kList:
        return VisitList(expr);
      case ExprKind::kMap:
        return VisitMap(expr);
      case ExprKind::kStruct:
        return VisitStruct(expr);
      case ExprKind::kComprehension:
        return VisitComprehension(expr);
    }
    return Type::Dyn();
  }

  Type Record(const Expr& expr, Type type) {
    result_.checked.types[expr.id] = type;
    return type;
  }

  void Report(const char* code, std::string message, int32_t offset) {
    result_.diagnostics.push_back(Diagnostic{code, std::move(message), offset, Severity::kError});
  }

  void ReportUndeclared(const std::string& name, int32_t offset) {
    Report(kUndeclaredReference,
           "undeclared reference to '" + name + "' (in container '" + env_.options().container + "')", offset);
  }

  static Type ConstantType(const Constant& constant) {
    switch (constant.index()) {
      case 0:
        return Type::Null();
      case 1:
        return Type::Bool();
      case 2:
        return Type::Int();
      case 3:
        return Type::Uint();
      case 4:
        return Type::Double();
      case 5:
        return Type::String();
      default:
        return Type::Bytes();
    }
  }

  // Candidate fully qualified names of `name` in the container, most specific first.
  std::vector<std::string> Candidates(std::string_view name) const {
    if (!name.empty() && name[0] == '.') return {std::string(name.substr(1))};
    std::vector<std::string> out;
    std::string container = env_.options().container;
    while (!container.empty()) {
      out.push_back(container + "." + std::string(name));
      size_t dot = container.rfind('.');
      container = dot == std::string::npos ? std::string() : container.substr(0, dot);
    }
    out.emplace_back(name);
    return out;
  }

  const Type* LookupLocal(std::string_view name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto found = it->find(std::string(name));
      if (found != it->end()) return &found->second;
    }
    return nullptr;
  }

  bool IsLocalRoot(const Expr& expr) const {
    const Expr* root = RootOf(expr);
    return root->kind == ExprKind::kIdent && LookupLocal(root->name) != nullptr;
  }

  // Resolves a (possibly qualified) name to a declared variable or a type
  // denotation; records the reference for variables.
  std::optional<Type> ResolveName(const Expr& expr, const std::string& name) {
    for (const std::string& candidate : Candidates(name)) {
      auto it = env_.variables().find(candidate);
      if (it != env_.variables().end()) {
        result_.checked.references[expr.id] = Reference{candidate, {}};
        return it->second;
      }
    }
    for (const std::string& candidate : Candidates(name)) {
      if (std::optional<Type> denoted = TypeDenotation(candidate)) return Type::TypeOf(*denoted);
    }
    return std::nullopt;
  }

  Type VisitIdent(const Expr& expr) {
    if (expr.name.empty() || expr.name[0] != '.') {
      if (const Type* local = LookupLocal(expr.name)) return *local;
    }
    if (std::optional<Type> type = ResolveName(expr, expr.name)) return *type;
    ReportUndeclared(expr.name, expr.offset);
    return Type::Error();
  }

  Type VisitSelect(const Expr& expr) {
    if (expr.operand == nullptr) return Type::Dyn();
    if (!expr.test_only && !IsLocalRoot(expr)) {
      if (std::optional<std::string> name = QualifiedName(expr)) {
        if (std::optional<Type> type = ResolveName(expr, *name)) return *type;
      }
    }
    Type operand = Visit(*expr.operand);
    Type field = SelectField(operand, expr.name, expr.offset);
    if (expr.test_only) return Type::Bool();
    return field;
  }

  // The type of `operand.field`; an optional operand gives an optional result.
  Type SelectField(const Type& operand, std::string_view name, int32_t offset) {
    bool optional = operand.kind == TypeKind::kOptional;
    Type target = UnwrapOptional(operand);
    Type field;
    switch (target.kind) {
      case TypeKind::kMap:
        field = target.params.size() == 2 ? target.params[1] : Type::Dyn();
        break;
      case TypeKind::kObject:
        // A host may type the fields of its objects (facts); otherwise they are dyn.
        if (env_.field_type_resolver()) {
          std::optional<Type> resolved = env_.field_type_resolver()(target, name);
          if (!resolved) {
            Report(kUndefinedField, "undefined field '" + std::string(name) + "' of type '" + TypeToString(target) + "'",
                   offset);
            return Type::Error();
          }
          field = *resolved;
        } else {
          field = Type::Dyn();
        }
        break;
      case TypeKind::kDyn:
      case TypeKind::kTypeParam:
        field = Type::Dyn();
        break;
      case TypeKind::kError:
        return Type::Error();
      default:
        Report(kNoFieldSelection, "type '" + TypeToString(target) + "' does not support field selection", offset);
        return Type::Error();
    }
    return optional ? Type::Optional(field) : field;
  }

  Type VisitCall(const Expr& expr) {
    // A receiver that names a namespace (`math.greatest(...)`) makes a global
    // call of the qualified function.
    if (expr.operand != nullptr && !IsLocalRoot(*expr.operand)) {
      if (std::optional<std::string> prefix = QualifiedName(*expr.operand)) {
        std::string qualified = *prefix + "." + expr.name;
        if (const FunctionDecl* decl = LookupFunction(qualified)) {
          return CheckGlobalOrMember(expr, decl, decl->name, /*target=*/nullptr);
        }
        std::string_view bare = qualified[0] == '.' ? std::string_view(qualified).substr(1) : qualified;
        if (bare == "cel.@block") return VisitBlock(expr, std::string(bare));
        if (IsInternalName(bare)) return CheckUnregisteredInternal(expr, std::string(bare), nullptr);
      }
    }
    if (expr.operand == nullptr && expr.name == "_?_:_" && expr.args.size() == 3) return VisitConditional(expr);
    if (expr.operand == nullptr && (expr.name == "cel.@block" || expr.name == ".cel.@block")) {
      return VisitBlock(expr, "cel.@block");
    }
    const FunctionDecl* decl = LookupFunction(expr.name);
    if (decl == nullptr) {
      std::string bare = expr.name[0] == '.' ? expr.name.substr(1) : expr.name;
      if (IsInternalName(bare) || bare == "_&&_" || bare == "_||_" || bare == "_?._" || bare == "_[?_]") {
        return CheckUnregisteredInternal(expr, bare, expr.operand.get());
      }
      if (expr.operand != nullptr) Visit(*expr.operand);
      for (const ExprPtr& arg : expr.args) Visit(*arg);
      ReportUndeclared(bare, expr.offset);
      return Type::Error();
    }
    return CheckGlobalOrMember(expr, decl, decl->name, expr.operand.get());
  }

  const FunctionDecl* LookupFunction(const std::string& name) const {
    if (name.empty()) return nullptr;
    for (const std::string& candidate : Candidates(name)) {
      if (const FunctionDecl* decl = env_.functions().Find(candidate)) return decl;
    }
    return nullptr;
  }

  std::vector<Type> VisitArgs(const Expr& expr, const Expr* target) {
    std::vector<Type> types;
    if (target != nullptr) types.push_back(Visit(*target));
    for (const ExprPtr& arg : expr.args) types.push_back(arg ? Visit(*arg) : Type::Error());
    return types;
  }

  Type CheckGlobalOrMember(const Expr& expr, const FunctionDecl* decl, const std::string& name, const Expr* target) {
    std::vector<Type> arg_types = VisitArgs(expr, target);
    bool receiver_style = target != nullptr;
    bool any_error = std::any_of(arg_types.begin(), arg_types.end(),
                                 [](const Type& t) { return t.kind == TypeKind::kError; });
    Reference reference{name, {}};
    // Results of the matching overloads; catch-all ones (a dyn parameter
    // taking a specific argument) count only when nothing more specific matches.
    std::optional<Type> result;
    std::optional<Type> catch_all_result;
    for (const Overload& overload : decl->overloads) {
      if (overload.receiver_style != receiver_style || overload.params.size() != arg_types.size()) continue;
      TypeSubstitution substitution;
      bool matches = true;
      bool catch_all = false;
      for (size_t i = 0; i < arg_types.size() && matches; ++i) {
        matches = IsAssignable(overload.params[i], arg_types[i], substitution);
        catch_all = catch_all || (overload.params[i].kind == TypeKind::kDyn && !IsDynOrError(arg_types[i]));
      }
      if (!matches) continue;
      reference.overload_ids.push_back(overload.id);
      Type overload_result = Substitute(overload.result, substitution, Type::Param(checker_internal::kFreeParam));
      std::optional<Type>& slot = catch_all ? catch_all_result : result;
      if (!slot) {
        slot = std::move(overload_result);
      } else if (*slot != overload_result) {
        slot = Type::Dyn();
      }
    }
    if (!result) result = std::move(catch_all_result);
    if (any_error) {
      result_.checked.references[expr.id] = std::move(reference);
      return Type::Error();
    }
    if (!result) {
      if (std::optional<Type> fallback = InternalFallback(expr, name, arg_types, receiver_style)) {
        for (const Overload& overload : decl->overloads) reference.overload_ids.push_back(overload.id);
        result_.checked.references[expr.id] = std::move(reference);
        return *fallback;
      }
      Report(kNoMatchingOverload,
             "found no matching overload for '" + name + "' applied to '" + FormatArgs(arg_types, receiver_style) + "'",
             expr.offset);
      return Type::Error();
    }
    result_.checked.references[expr.id] = std::move(reference);
    return *result;
  }

  // Typing of internal helpers and optional operators when the registry does
  // not declare them or declares narrower signatures than the macro needs.
  std::optional<Type> InternalFallback(const Expr& expr, const std::string& name, const std::vector<Type>& args,
                                       bool receiver_style) {
    if (receiver_style) return std::nullopt;
    if (name == "@not_strictly_false" || name == "__not_strictly_false__") {
      if (args.size() == 1 && (IsDynOrError(args[0]) || args[0].kind == TypeKind::kBool)) return Type::Bool();
      return std::nullopt;
    }
    if (name == "_&&_" || name == "_||_") {
      for (const Type& arg : args) {
        if (!IsDynOrError(arg) && arg.kind != TypeKind::kBool) return std::nullopt;
      }
      return Type::Bool();
    }
    if (name == "_?._" && args.size() == 2) {
      if (expr.args[1]->kind != ExprKind::kConstant) return Type::Optional(Type::Dyn());
      const std::string* field_name = std::get_if<std::string>(&expr.args[1]->constant);
      Type field = SelectField(UnwrapOptional(args[0]), field_name ? *field_name : std::string(), expr.offset);
      if (field.kind == TypeKind::kError) return Type::Error();
      return Type::Optional(field);
    }
    if ((name == "_[?_]" || name == "_[_]") && args.size() == 2) {
      bool optional = name == "_[?_]" || args[0].kind == TypeKind::kOptional;
      if (name == "_[_]" && args[0].kind != TypeKind::kOptional) return std::nullopt;
      Type target = UnwrapOptional(args[0]);
      Type element;
      if (target.kind == TypeKind::kList && (IsDynOrError(args[1]) || args[1].kind == TypeKind::kInt)) {
        element = target.params.empty() ? Type::Dyn() : target.params[0];
      } else if (target.kind == TypeKind::kMap) {
        element = target.params.size() == 2 ? target.params[1] : Type::Dyn();
      } else if (IsDynOrError(target)) {
        element = Type::Dyn();
      } else {
        return std::nullopt;
      }
      return optional ? Type::Optional(element) : element;
    }
    if (name == "cel.@mapInsert") {
      if (args.empty()) return std::nullopt;
      Type map = args[0];
      if (IsDynOrError(map)) return Type::Map(Type::Dyn(), Type::Dyn());
      if (map.kind != TypeKind::kMap || map.params.size() != 2) return std::nullopt;
      if (args.size() == 3) return Type::Map(JoinTypes(map.params[0], args[1]), JoinTypes(map.params[1], args[2]));
      if (args.size() == 2 && args[1].kind == TypeKind::kMap && args[1].params.size() == 2) {
        return Type::Map(JoinTypes(map.params[0], args[1].params[0]), JoinTypes(map.params[1], args[1].params[1]));
      }
      return map;
    }
    if (IsInternalName(name)) return Type::Dyn();
    return std::nullopt;
  }

  Type CheckUnregisteredInternal(const Expr& expr, const std::string& name, const Expr* target) {
    std::vector<Type> arg_types = VisitArgs(expr, target);
    result_.checked.references[expr.id] = Reference{name, {}};
    if (std::any_of(arg_types.begin(), arg_types.end(), [](const Type& t) { return t.kind == TypeKind::kError; })) {
      return Type::Error();
    }
    if (std::optional<Type> type = InternalFallback(expr, name, arg_types, target != nullptr)) return *type;
    if (IsInternalName(name)) return Type::Dyn();
    Report(kNoMatchingOverload,
           "found no matching overload for '" + name + "' applied to '" + FormatArgs(arg_types, target != nullptr) +
               "'",
           expr.offset);
    return Type::Error();
  }

  void ReferenceRegistered(const Expr& expr, const std::string& name) {
    Reference reference{name, {}};
    if (const FunctionDecl* decl = env_.functions().Find(name)) {
      for (const Overload& overload : decl->overloads) reference.overload_ids.push_back(overload.id);
    }
    result_.checked.references[expr.id] = std::move(reference);
  }

  Type VisitConditional(const Expr& expr) {
    Type condition = Visit(*expr.args[0]);
    Type when_true = Visit(*expr.args[1]);
    Type when_false = Visit(*expr.args[2]);
    ReferenceRegistered(expr, "_?_:_");
    if (condition.kind == TypeKind::kError || when_true.kind == TypeKind::kError ||
        when_false.kind == TypeKind::kError) {
      return Type::Error();
    }
    if (condition.kind != TypeKind::kBool && !IsDynOrError(condition)) {
      Report(kNoMatchingOverload,
             "found no matching overload for '_?_:_' applied to '" +
                 FormatArgs({condition, when_true, when_false}, false) + "'",
             expr.offset);
      return Type::Error();
    }
    return JoinTypes(when_true, when_false);
  }

  // cel.@block([e0, e1, ...], result): slot @index<i> holds e<i>, visible to
  // the later slots and to the result.
  Type VisitBlock(const Expr& expr, const std::string& name) {
    ReferenceRegistered(expr, name);
    if (expr.args.size() != 2 || expr.args[0] == nullptr || expr.args[0]->kind != ExprKind::kList) {
      Report(kTypeError, "cel.@block expects a list of bindings and a result expression", expr.offset);
      for (const ExprPtr& arg : expr.args) {
        if (arg) Visit(*arg);
      }
      return Type::Error();
    }
    const Expr& slots = *expr.args[0];
    scopes_.emplace_back();
    std::optional<Type> element;
    for (size_t i = 0; i < slots.args.size(); ++i) {
      Type slot = slots.args[i] ? Visit(*slots.args[i]) : Type::Error();
      element = element ? JoinTypes(*element, slot) : slot;
      scopes_.back()["@index" + std::to_string(i)] = slot;
    }
    Record(slots, Type::List(element ? *element : Type::Dyn()));
    Type result = Visit(*expr.args[1]);
    scopes_.pop_back();
    return result;
  }

  Type VisitList(const Expr& expr) {
    std::optional<Type> element;
    for (size_t i = 0; i < expr.args.size(); ++i) {
      if (expr.args[i] == nullptr) continue;
      Type type = Visit(*expr.args[i]);
      bool optional = std::find(expr.optional_indices.begin(), expr.optional_indices.end(),
                                static_cast<int32_t>(i)) != expr.optional_indices.end();
      if (optional) type = UnwrapOptional(type);
      element = element ? JoinTypes(*element, type) : type;
    }
    return Type::List(element ? *element : Type::Param(checker_internal::kFreeParam));
  }

  Type VisitMap(const Expr& expr) {
    std::optional<Type> key;
    std::optional<Type> value;
    for (const MapEntry& entry : expr.entries) {
      Type key_type = entry.key ? Visit(*entry.key) : Type::Dyn();
      Type value_type = entry.value ? Visit(*entry.value) : Type::Dyn();
      if (entry.optional) value_type = UnwrapOptional(value_type);
      key = key ? JoinTypes(*key, key_type) : key_type;
      value = value ? JoinTypes(*value, value_type) : value_type;
    }
    if (!key) return Type::Map(Type::Param(checker_internal::kFreeParam), Type::Param(checker_internal::kFreeParam));
    return Type::Map(*key, *value);
  }

  Type VisitStruct(const Expr& expr) {
    for (const MapEntry& entry : expr.entries) {
      if (entry.value) Visit(*entry.value);
    }
    std::string name = !expr.name.empty() && expr.name[0] == '.' ? expr.name.substr(1) : expr.name;
    if (std::optional<Type> denoted = TypeDenotation(name)) return *denoted;
    return Type::Object(name);
  }

  Type VisitComprehension(const Expr& expr) {
    const Comprehension* c = expr.comprehension.get();
    if (c == nullptr || !c->iter_range || !c->accu_init || !c->loop_condition || !c->loop_step || !c->result) {
      return Type::Dyn();
    }
    Type range = Visit(*c->iter_range);
    Type first = Type::Dyn();
    Type second = Type::Dyn();
    switch (range.kind) {
      case TypeKind::kList: {
        Type element = range.params.empty() ? Type::Dyn() : range.params[0];
        if (c->iter_var2.empty()) {
          first = element;
        } else {
          first = Type::Int();
          second = element;
        }
        break;
      }
      case TypeKind::kMap:
        if (range.params.size() == 2) {
          first = range.params[0];
          second = range.params[1];
        }
        break;
      case TypeKind::kDyn:
      case TypeKind::kError:
      case TypeKind::kTypeParam:
        break;
      default:
        Report(kTypeError,
               "expression of type '" + TypeToString(range) +
                   "' cannot be range of a comprehension (must be list, map, or dynamic)",
               c->iter_range->offset);
        break;
    }
    Type accu = Visit(*c->accu_init);
    scopes_.emplace_back();
    scopes_.back()[c->accu_var] = accu;
    scopes_.emplace_back();
    scopes_.back()[c->iter_var] = first;
    if (!c->iter_var2.empty()) scopes_.back()[c->iter_var2] = second;
    Type condition = Visit(*c->loop_condition);
    if (!IsDynOrError(condition) && condition.kind != TypeKind::kBool) {
      Report(kTypeError, "expected type 'bool' but found '" + TypeToString(condition) + "'",
             c->loop_condition->offset);
    }
    Type step = Visit(*c->loop_step);
    scopes_.pop_back();
    // The accumulator's type widens to cover what the step produces.
    if (step.kind != TypeKind::kError && accu.kind != TypeKind::kError) {
      scopes_.back()[c->accu_var] = JoinTypes(accu, step);
    }
    Type result = Visit(*c->result);
    scopes_.pop_back();
    return result;
  }

  const Environment& env_;
  CheckResult& result_;
  std::vector<std::map<std::string, Type>> scopes_;
  int depth_ = 0;
  bool depth_reported_ = false;
};

}  // namespace

CheckResult Check(const ParsedExpr& parsed, const Source& source, const Environment& env) {
  (void)source;
  CheckResult result;
  if (parsed.root == nullptr) {
    result.checked.result_type = Type::Error();
    return result;
  }
  Checker checker(env, result);
  result.checked.result_type = checker_internal::ResolveFreeParams(checker.Visit(*parsed.root));
  for (auto& [id, type] : result.checked.types) type = checker_internal::ResolveFreeParams(type);
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.offset < b.offset; });
  return result;
}

}  // namespace stagegate::cel
