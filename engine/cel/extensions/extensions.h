#pragma once
// CEL extension libraries, as cel-go defines them (ext package). Each
// registers its functions in one call.

#include "engine/cel/common/function.h"

namespace stagegate::cel {

// charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
// substring, trim, join, format, quote (strings.quote), reverse.
void RegisterStringsExtension(FunctionRegistry& registry);
// math.greatest, math.least, math.ceil, floor, round, trunc, abs, sign,
// isNaN, isInf, isFinite, bitAnd, bitOr, bitXor, bitNot, bitShiftLeft, bitShiftRight.
void RegisterMathExtension(FunctionRegistry& registry);
// base64.encode, base64.decode.
void RegisterEncodersExtension(FunctionRegistry& registry);
// optional.of, optional.none, optional.ofNonZeroValue, value, hasValue, orValue, or,
// and the optional indexing/selection operators' signatures.
void RegisterOptionalsExtension(FunctionRegistry& registry);

}  // namespace stagegate::cel
