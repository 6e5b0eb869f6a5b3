#pragma once
// Conversions between the conformance suite's protobuf-JSON forms
// (cel.expr.Value, cel.expr.Type) and the engine's values and types.

#include <string>

#include <nlohmann/json.hpp>

#include "engine/cel/common/types.h"
#include "engine/cel/common/value.h"

namespace stagegate::conformance {

// Converts a `cel.expr.Value` in JSON form. Returns false with `error` set for
// forms the engine has no value for (protobuf messages, enums).
bool ValueFromProtoJson(const nlohmann::json& json, cel::Value* out, std::string* error);

// Converts a `cel.expr.Type` in JSON form ({"primitive": "INT64"}, listType,
// mapType, messageType, wellKnown, ...). Message types the engine does not
// model become dyn or an object type.
cel::Type TypeFromProtoJson(const nlohmann::json& json);

// True when `actual` equals `expected` and has the same kind at every level
// (the suite distinguishes 1 from 1u and 1.0); NaN equals NaN here.
bool SameValue(const cel::Value& expected, const cel::Value& actual);

}  // namespace stagegate::conformance
