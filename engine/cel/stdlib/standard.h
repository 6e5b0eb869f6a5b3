#pragma once
// The CEL standard library (cel-spec langdef "Standard Definitions"):
// operators, size, type conversions, string and regex functions, timestamps
// and durations with time-zone arguments.

#include "engine/cel/common/function.h"

namespace stagegate::cel {

// Registers every standard function and operator (with signatures for the
// checker and implementations for the runtime). The planner evaluates `_&&_`,
// `_||_`, `_?_:_` and `@not_strictly_false` itself; they are registered here
// for their signatures.
void RegisterStandardFunctions(FunctionRegistry& registry);

}  // namespace stagegate::cel
