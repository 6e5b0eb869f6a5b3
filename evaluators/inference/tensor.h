#pragma once
// Tensors of the inference executor: row-major n-d arrays of float32, int64,
// bool or strings.
//
// Ownership: a tensor either owns its storage (weights, constants folded at
// plan time, tensors the caller builds) or views memory it does not own (the
// session's arena, where every intermediate value lives). Copying a tensor
// copies the handle, not the data: owned storage is shared, a view stays a view.
// String tensors always own their strings (they are small: labels of
// classifiers) and never live in the arena.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::inference {

enum class ElementType : std::uint8_t { kFloat32, kInt64, kBool, kString };

// Returns "float32", "int64", "bool", "string".
std::string_view ElementTypeName(ElementType type);
// Bytes per element in memory (bool is one byte; string is sizeof(std::string)).
std::size_t ElementSize(ElementType type);

using Shape = std::vector<std::int64_t>;
// Product of the dimensions (1 for a scalar, the empty shape).
std::int64_t ElementCount(const Shape& shape);
// "[1, 16]"
std::string FormatShape(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-filled storage (empty strings for kString).
  static Tensor Owned(ElementType type, Shape shape);
  // Views `data`, which must hold ElementCount(shape) elements of `type` and
  // outlive every use of the view. Not for kString.
  static Tensor View(ElementType type, Shape shape, void* data);

  ElementType type() const { return type_; }
  const Shape& shape() const { return shape_; }
  std::int64_t size() const { return ElementCount(shape_); }
  std::size_t bytes() const { return static_cast<std::size_t>(size()) * ElementSize(type_); }
  bool empty_handle() const { return data_ == nullptr && strings_ == nullptr; }

  // Typed access; T must match type(): float, std::int64_t, std::uint8_t (bool).
  template <typename T>
  T* data() { return static_cast<T*>(data_); }
  template <typename T>
  const T* data() const { return static_cast<const T*>(data_); }
  void* raw() { return data_; }
  const void* raw() const { return data_; }

  // kString tensors only.
  std::span<std::string> strings() { return {strings_->data(), strings_->size()}; }
  std::span<const std::string> strings() const { return {strings_->data(), strings_->size()}; }

  // Changes the shape, keeping the data; the element count must not change.
  void Reshape(Shape shape) { shape_ = std::move(shape); }

  // ZipMap's output, a sequence of maps, is held as the [N, C] float tensor of
  // values with the C keys (an int64 or string tensor) attached here.
  std::shared_ptr<const Tensor> map_keys;

 private:
  ElementType type_ = ElementType::kFloat32;
  Shape shape_;
  void* data_ = nullptr;
  std::shared_ptr<std::byte[]> owned_;
  std::shared_ptr<std::vector<std::string>> strings_;
};

}  // namespace stagegate::inference
