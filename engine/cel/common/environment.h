#pragma once
// What an expression may use: functions, declared variables, the container
// and the limits. Shared by the parser, checker and planner.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/cel/common/eval_context.h"
#include "engine/cel/common/function.h"
#include "engine/cel/common/types.h"

namespace stagegate::cel {

// Limits on expressions before they run. Defaults follow cel-go's parser and Kubernetes.
struct ParseLimits {
  int32_t max_expression_bytes = 100'000;  // longer expressions are refused (CEL201)
  int32_t max_nesting_depth = 250;         // parser recursion: nested calls, selects, lists, parentheses (CEL202)
};

struct CompileOptions {
  // Run the checker. Identifiers that are not declared are errors when checking;
  // undeclared variables are resolved at run time when not checking.
  bool type_check = true;
  bool fold_constants = true;  // evaluate constant sub-expressions at plan time
  // Hosts whose data is JSON (policy facts, rule parameters) declare fields as
  // timestamps, durations or doubles that the documents carry as RFC 3339
  // strings, "15m" strings or integers. When set, a checked identifier or
  // field selection whose declared type is one of those converts such a value
  // on read (an unparsable string becomes an error value naming it); values
  // that already have the declared kind pass unchanged. Off by default: plain
  // CEL never converts implicitly.
  bool coerce_to_declared_types = false;
  ParseLimits parse_limits;
  EvalLimits eval_limits;
  // Namespace for name resolution: with container "a.b", name "c" resolves to
  // "a.b.c", then "a.c", then "c" (cel-spec "Name Resolution").
  std::string container;
};

// Returns the static type of `object.field` for an object type (TypeKind::kObject),
// or nullopt when the object has no such field (the checker then reports
// CEL105 "undefined field"). Lets a host type facts read through host objects
// (`stream.quality.missing_ratio` as double); the runtime ignores it.
using FieldTypeResolver = std::function<std::optional<Type>(const Type& object, std::string_view field)>;

class Environment {
 public:
  // An environment with the standard library and every extension (strings,
  // math, encoders, optionals, bindings, block). Defined in engine/cel/cel.cc.
  static Environment Standard();
  // An environment with no functions at all.
  static Environment Empty() { return Environment(); }

  void DeclareVariable(std::string name, Type type) { variables_.insert_or_assign(std::move(name), std::move(type)); }
  const std::map<std::string, Type, std::less<>>& variables() const { return variables_; }
  FunctionRegistry& functions() { return functions_; }
  const FunctionRegistry& functions() const { return functions_; }
  CompileOptions& options() { return options_; }
  const CompileOptions& options() const { return options_; }
  // Optional: without a resolver, fields of object types are dyn.
  void SetFieldTypeResolver(FieldTypeResolver resolver) { field_type_ = std::move(resolver); }
  const FieldTypeResolver& field_type_resolver() const { return field_type_; }

 private:
  FunctionRegistry functions_;
  std::map<std::string, Type, std::less<>> variables_;
  CompileOptions options_;
  FieldTypeResolver field_type_;
};

}  // namespace stagegate::cel
