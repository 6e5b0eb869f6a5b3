#include "engine/cel/common/types.h"

namespace stagegate::cel {

namespace {

void AppendType(std::string* out, const Type& type);

void AppendParams(std::string* out, const std::vector<Type>& params) {
  out->push_back('(');
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out->append(", ");
    AppendType(out, params[i]);
  }
  out->push_back(')');
}

void AppendType(std::string* out, const Type& type) {
  switch (type.kind) {
    case TypeKind::kDyn:
      out->append("dyn");
      return;
    case TypeKind::kError:
      out->append("*error*");
      return;
    case TypeKind::kNull:
      out->append("null_type");
      return;
    case TypeKind::kBool:
      out->append("bool");
      return;
    case TypeKind::kInt:
      out->append("int");
      return;
    case TypeKind::kUint:
      out->append("uint");
      return;
    case TypeKind::kDouble:
      out->append("double");
      return;
    case TypeKind::kString:
      out->append("string");
      return;
    case TypeKind::kBytes:
      out->append("bytes");
      return;
    case TypeKind::kList:
      out->append("list");
      AppendParams(out, type.params.empty() ? std::vector<Type>{Type::Dyn()} : type.params);
      return;
    case TypeKind::kMap:
      out->append("map");
      AppendParams(out, type.params.size() < 2 ? std::vector<Type>{Type::Dyn(), Type::Dyn()} : type.params);
      return;
    case TypeKind::kTimestamp:
      out->append("google.protobuf.Timestamp");
      return;
    case TypeKind::kDuration:
      out->append("google.protobuf.Duration");
      return;
    case TypeKind::kType:
      out->append("type");
      if (!type.params.empty()) AppendParams(out, type.params);
      return;
    case TypeKind::kOptional:
      out->append("optional_type");
      AppendParams(out, type.params.empty() ? std::vector<Type>{Type::Dyn()} : type.params);
      return;
    case TypeKind::kTypeParam:
      out->append(type.name);
      return;
    case TypeKind::kOpaque:
      out->append(type.name);
      if (!type.params.empty()) AppendParams(out, type.params);
      return;
    case TypeKind::kObject:
      out->append(type.name);
      return;
  }
}

}  // namespace

std::string TypeToString(const Type& type) {
  std::string out;
  AppendType(&out, type);
  return out;
}

}  // namespace stagegate::cel
