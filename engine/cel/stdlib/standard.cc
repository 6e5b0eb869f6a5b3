#include "engine/cel/stdlib/standard.h"

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel {

namespace stdlib_internal {

void AddOverload(FunctionRegistry& registry, std::string_view function, std::string id,
                 std::vector<Type> params, Type result, FunctionImpl impl, bool receiver_style) {
  Overload overload;
  overload.id = std::move(id);
  overload.receiver_style = receiver_style;
  overload.params = std::move(params);
  overload.result = std::move(result);
  overload.impl = std::move(impl);
  registry.Add(function, std::move(overload));
}

}  // namespace stdlib_internal

void RegisterStandardFunctions(FunctionRegistry& registry) {
  using namespace stdlib_internal;
  RegisterLogicFunctions(registry);
  RegisterComparisonFunctions(registry);
  RegisterArithmeticFunctions(registry);
  RegisterContainerFunctions(registry);
  RegisterConversionFunctions(registry);
  RegisterStringFunctions(registry);
  RegisterTimeFunctions(registry);
}

}  // namespace stagegate::cel
