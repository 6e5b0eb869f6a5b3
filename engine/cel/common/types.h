#pragma once
// CEL types as the checker and the function declarations see them.

#include <string>
#include <vector>

namespace stagegate::cel {

enum class TypeKind : uint8_t {
  kDyn,        // any value; checked at run time
  kError,      // the type of an expression that failed to check
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kList,       // params[0]: element type
  kMap,        // params[0]: key type, params[1]: value type
  kTimestamp,  // google.protobuf.Timestamp
  kDuration,   // google.protobuf.Duration
  kType,       // params[0] (optional): the type that this type value denotes
  kOptional,   // params[0]: the wrapped type
  kTypeParam,  // a type parameter of a generic overload: name
  kOpaque,     // a named opaque type: name, params
  kObject,     // a message/object type known by name: name (host objects declare their fields via the schema)
};

struct Type {
  TypeKind kind = TypeKind::kDyn;
  std::string name;          // kTypeParam, kOpaque, kObject
  std::vector<Type> params;  // kList, kMap, kType, kOptional, kOpaque

  static Type Dyn() { return {TypeKind::kDyn, {}, {}}; }
  static Type Error() { return {TypeKind::kError, {}, {}}; }
  static Type Null() { return {TypeKind::kNull, {}, {}}; }
  static Type Bool() { return {TypeKind::kBool, {}, {}}; }
  static Type Int() { return {TypeKind::kInt, {}, {}}; }
  static Type Uint() { return {TypeKind::kUint, {}, {}}; }
  static Type Double() { return {TypeKind::kDouble, {}, {}}; }
  static Type String() { return {TypeKind::kString, {}, {}}; }
  static Type Bytes() { return {TypeKind::kBytes, {}, {}}; }
  static Type Timestamp() { return {TypeKind::kTimestamp, {}, {}}; }
  static Type Duration() { return {TypeKind::kDuration, {}, {}}; }
  static Type List(Type element) { return {TypeKind::kList, {}, {std::move(element)}}; }
  static Type Map(Type key, Type value) { return {TypeKind::kMap, {}, {std::move(key), std::move(value)}}; }
  static Type TypeOf(Type denoted) { return {TypeKind::kType, {}, {std::move(denoted)}}; }
  static Type TypeType() { return {TypeKind::kType, {}, {}}; }
  static Type Optional(Type wrapped) { return {TypeKind::kOptional, {}, {std::move(wrapped)}}; }
  static Type Param(std::string name) { return {TypeKind::kTypeParam, std::move(name), {}}; }
  static Type Object(std::string name) { return {TypeKind::kObject, std::move(name), {}}; }

  bool operator==(const Type&) const = default;
};

// Returns the type as CEL prints it: "int", "list(string)", "map(string, dyn)",
// "optional_type(int)", "google.protobuf.Timestamp", "A" for a parameter.
std::string TypeToString(const Type& type);

}  // namespace stagegate::cel
