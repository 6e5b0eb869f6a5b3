#include "evaluators/inference/tensor.h"

#include <fmt/format.h>

#include <cstring>

namespace stagegate::inference {

std::string_view ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
      return "float32";
    case ElementType::kInt64:
      return "int64";
    case ElementType::kBool:
      return "bool";
    case ElementType::kString:
      return "string";
  }
  return "unknown";
}

std::size_t ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
      return sizeof(float);
    case ElementType::kInt64:
      return sizeof(std::int64_t);
    case ElementType::kBool:
      return 1;
    case ElementType::kString:
      return sizeof(std::string);
  }
  return 1;
}

std::int64_t ElementCount(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t dim : shape) count *= dim;
  return count;
}

std::string FormatShape(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Tensor Tensor::Owned(ElementType type, Shape shape) {
  Tensor tensor;
  tensor.type_ = type;
  tensor.shape_ = std::move(shape);
  const auto count = static_cast<std::size_t>(ElementCount(tensor.shape_));
  if (type == ElementType::kString) {
    tensor.strings_ = std::make_shared<std::vector<std::string>>(count);
    return tensor;
  }
  // At least one byte so that an empty tensor still has a non-null handle.
  const std::size_t bytes = std::max<std::size_t>(1, count * ElementSize(type));
  tensor.owned_ = std::shared_ptr<std::byte[]>(new std::byte[bytes]());
  tensor.data_ = tensor.owned_.get();
  return tensor;
}

Tensor Tensor::View(ElementType type, Shape shape, void* data) {
  Tensor tensor;
  tensor.type_ = type;
  tensor.shape_ = std::move(shape);
  tensor.data_ = data;
  return tensor;
}

}  // namespace stagegate::inference
