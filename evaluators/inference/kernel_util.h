#pragma once
// Helpers shared by the built-in kernels: numpy broadcasting, axis
// normalization, reading shape-like constant inputs, element copies of any
// type. Private to evaluators/inference. Nothing here allocates on the Run
// path (fixed-size arrays of kMaxRank).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference {

// Highest tensor rank the built-in kernels handle (ONNX models of the kind
// Stagegate gates stay far below it).
inline constexpr int kMaxRank = 8;

// A kernel that knows its node's label for messages.
class NodeKernel : public Kernel {
 public:
  explicit NodeKernel(const NodeDef& node) : label_(node.Label()), opset_(node.opset) {}

 protected:
  template <typename... Args>
  Status Error(fmt::format_string<Args...> format, Args&&... args) const {
    return Status::Invalid(label_ + ": " + fmt::format(format, std::forward<Args>(args)...));
  }
  const std::string& label() const { return label_; }
  std::int64_t opset() const { return opset_; }

 private:
  std::string label_;
  std::int64_t opset_;
};

// Builds kernel K from the node with K(node) then K::Init() (which validates
// attributes). Usable as a KernelFactory.
template <typename K>
Status MakeKernel(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  auto built = std::make_unique<K>(node);
  Status status = built->Init(node);
  if (!status.ok()) return status;
  *kernel = std::move(built);
  return Status::Ok();
}

// Checks that every attribute present on `node` among `names` has `kind`.
inline Status CheckKind(const NodeDef& node, std::string_view name, Attribute::Kind kind) {
  const Attribute* found = node.Find(name);
  if (found != nullptr && found->kind != kind) {
    return Status::Invalid(fmt::format("attribute '{}' has the wrong kind", name));
  }
  return Status::Ok();
}

// Numpy broadcasting of two shapes; false when they do not broadcast.
inline bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    result[i] = da == 1 ? db : da;
  }
  *out = std::move(result);
  return true;
}

// Calls f(out_index, offsets) for every element of `out` in row-major order,
// with offsets[k] the element of input k (of shape *ins[k], broadcast to
// `out`). The shapes must broadcast and have rank <= kMaxRank.
template <std::size_t N, typename F>
void ForEachBroadcast(const Shape& out, const std::array<const Shape*, N>& ins, F&& f) {
  const std::int64_t total = ElementCount(out);
  if (total == 0) return;
  std::array<std::int64_t, N> offsets{};
  bool same = true;
  for (const Shape* in : ins) same = same && *in == out;
  if (same || out.empty()) {
    for (std::int64_t i = 0; i < total; ++i) {
      if (same) offsets.fill(i);
      f(i, offsets);
    }
    return;
  }
  // Fast path, numpy's commonest case: every input is the output's trailing
  // dimensions ([N, F] with [F]) or a scalar. Input k then repeats with
  // period sizes[k]; the inner loop is affine in j and vectorizes.
  std::int64_t sizes[N];
  std::int64_t steps[N];
  std::int64_t inner_block = total;
  bool all_suffixes = true;
  for (std::size_t k = 0; k < N && all_suffixes; ++k) {
    const Shape& in = *ins[k];
    std::size_t first = 0;
    while (first < in.size() && in[first] == 1) ++first;
    const std::size_t length = in.size() - first;
    all_suffixes = length <= out.size();
    for (std::size_t d = 0; all_suffixes && d < length; ++d) {
      all_suffixes = in[first + d] == out[out.size() - length + d];
    }
    sizes[k] = ElementCount(in);
    steps[k] = sizes[k] == 1 ? 0 : 1;
    if (sizes[k] > 1) inner_block = std::min(inner_block, sizes[k]);
  }
  if (all_suffixes) {
    for (std::int64_t start = 0; start < total; start += inner_block) {
      std::array<std::int64_t, N> base{};
      for (std::size_t k = 0; k < N; ++k) base[k] = steps[k] == 0 ? 0 : start % sizes[k];
      for (std::int64_t j = 0; j < inner_block; ++j) {
        for (std::size_t k = 0; k < N; ++k) offsets[k] = base[k] + j * steps[k];
        f(start + j, offsets);
      }
    }
    return;
  }
  const int rank = static_cast<int>(out.size());
  std::int64_t strides[N][kMaxRank];
  for (std::size_t k = 0; k < N; ++k) {
    const Shape& in = *ins[k];
    std::int64_t stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const int in_d = d - (rank - static_cast<int>(in.size()));
      if (in_d >= 0) {
        strides[k][d] = in[in_d] == 1 ? 0 : stride;
        stride *= in[in_d];
      } else {
        strides[k][d] = 0;
      }
    }
  }
  std::int64_t counter[kMaxRank] = {};
  const std::int64_t inner = out[rank - 1];
  std::array<std::int64_t, N> element{};
  for (std::int64_t i = 0; i < total; i += inner) {
    for (std::int64_t j = 0; j < inner; ++j) {
      for (std::size_t k = 0; k < N; ++k) element[k] = offsets[k] + j * strides[k][rank - 1];
      f(i + j, element);
    }
    for (int d = rank - 2; d >= 0; --d) {
      ++counter[d];
      for (std::size_t k = 0; k < N; ++k) offsets[k] += strides[k][d];
      if (counter[d] < out[d]) break;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= strides[k][d] * out[d];
      counter[d] = 0;
    }
  }
}

// Maps a possibly negative axis into [0, rank); false when out of range.
inline bool NormalizeAxis(std::int64_t axis, std::int64_t rank, std::int64_t* out) {
  if (axis < -rank || axis >= rank) return false;
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

// Reads a constant int64 tensor (shape, axes, starts...) into `values`.
inline bool ConstantInts(const PlannedValue& value, std::vector<std::int64_t>* values) {
  if (!value.present || value.constant == nullptr || value.type != ElementType::kInt64) return false;
  const Tensor& tensor = *value.constant;
  values->assign(tensor.data<std::int64_t>(), tensor.data<std::int64_t>() + tensor.size());
  return true;
}

// Copies `count` elements of any type from src[src_offset] to dst[dst_offset].
inline void CopyElements(const Tensor& src, std::int64_t src_offset, Tensor& dst, std::int64_t dst_offset,
                         std::int64_t count) {
  if (count <= 0) return;
  if (src.type() == ElementType::kString) {
    std::copy_n(src.strings().begin() + src_offset, count, dst.strings().begin() + dst_offset);
    return;
  }
  const std::size_t size = ElementSize(src.type());
  std::memcpy(static_cast<std::byte*>(dst.raw()) + dst_offset * size,
              static_cast<const std::byte*>(src.raw()) + src_offset * size, static_cast<std::size_t>(count) * size);
}

inline bool Numeric(ElementType type) { return type == ElementType::kFloat32 || type == ElementType::kInt64; }

}  // namespace stagegate::inference
