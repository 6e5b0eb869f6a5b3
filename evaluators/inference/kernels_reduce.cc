// Reductions (ReduceMean, ReduceSum, ReduceMax) and Softmax, LogSoftmax.

#include <cmath>
#include <limits>

#include "evaluators/inference/kernel_util.h"

namespace stagegate::inference {
namespace {

enum class Reduce { kMean, kSum, kMax };

// Axes come from the attribute, except ReduceSum from opset 13 (an optional
// input). An empty list reduces every axis, unless noop_with_empty_axes (13+
// ReduceSum) makes the node an identity.
template <Reduce kOp>
class ReduceKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    axes_from_input_ = kOp == Reduce::kSum && node.opset >= 13;
    axes_ = node.Ints("axes");
    keep_dims_ = node.Int("keepdims", 1) != 0;
    noop_with_empty_axes_ = axes_from_input_ && node.Int("noop_with_empty_axes", 0) != 0;
    return Status::Ok();
  }

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    if (inputs.empty() || !inputs[0].present) return Error("input 0 is missing");
    if (!Numeric(inputs[0].type))
      return Error("input is {}; expected float32 or int64", ElementTypeName(inputs[0].type));
    if (kOp == Reduce::kMean && inputs[0].type != ElementType::kFloat32) return Error("input must be float32");
    if (inputs[0].shape.size() > kMaxRank) return Error("rank above {}", kMaxRank);
    std::vector<std::int64_t> axes = axes_;
    if (axes_from_input_ && inputs.size() > 1 && inputs[1].present && !ConstantInts(inputs[1], &axes)) {
      return Error("the axes input must be an int64 tensor known before the data");
    }
    std::uint32_t reduced = 0;
    Status status = ReducedMask(inputs[0].shape, axes, &reduced);
    if (!status.ok()) return status;
    Shape shape;
    for (std::size_t d = 0; d < inputs[0].shape.size(); ++d) {
      if ((reduced & (1u << d)) == 0) {
        shape.push_back(inputs[0].shape[d]);
      } else if (keep_dims_) {
        shape.push_back(1);
      }
    }
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    std::span<const std::int64_t> axes(axes_);
    if (axes_from_input_ && inputs.size() > 1 && inputs[1] != nullptr) {
      axes = std::span<const std::int64_t>(inputs[1]->data<std::int64_t>(), inputs[1]->size());
    }
    std::uint32_t reduced = 0;
    Status status = ReducedMask(inputs[0]->shape(), axes, &reduced);
    if (!status.ok()) return status;
    if (inputs[0]->type() == ElementType::kInt64) {
      Compute<std::int64_t>(*inputs[0], reduced, *outputs[0]);
    } else {
      Compute<float>(*inputs[0], reduced, *outputs[0]);
    }
    return Status::Ok();
  }

 private:
  Status ReducedMask(const Shape& shape, std::span<const std::int64_t> axes, std::uint32_t* mask) const {
    const auto rank = static_cast<std::int64_t>(shape.size());
    *mask = 0;
    if (axes.empty()) {
      if (!noop_with_empty_axes_) *mask = rank == 0 ? 0 : (1u << rank) - 1;
      return Status::Ok();
    }
    for (std::int64_t axis : axes) {
      std::int64_t normalized;
      if (!NormalizeAxis(axis, rank, &normalized)) return Error("axis {} is out of range for rank {}", axis, rank);
      *mask |= 1u << normalized;
    }
    return Status::Ok();
  }

  template <typename T>
  static void Compute(const Tensor& x, std::uint32_t reduced, Tensor& y) {
    const Shape& shape = x.shape();
    const int rank = static_cast<int>(shape.size());
    T* out = y.data<T>();
    const T init = kOp == Reduce::kMax ? std::numeric_limits<T>::lowest() : T{0};
    for (std::int64_t i = 0; i < y.size(); ++i) out[i] = init;
    const T* in = x.data<T>();
    const std::int64_t total = x.size();
    // Output strides over the input's dimensions; 0 on reduced ones.
    std::int64_t out_strides[kMaxRank];
    std::int64_t stride = 1;
    std::int64_t group = 1;
    for (int d = rank - 1; d >= 0; --d) {
      if ((reduced & (1u << d)) != 0) {
        out_strides[d] = 0;
        group *= shape[d];
      } else {
        out_strides[d] = stride;
        stride *= shape[d];
      }
    }
    std::int64_t counter[kMaxRank] = {};
    std::int64_t offset = 0;
    for (std::int64_t i = 0; i < total; ++i) {
      if (kOp == Reduce::kMax) {
        if (in[i] > out[offset] || std::isnan(static_cast<double>(in[i]))) out[offset] = in[i];
      } else {
        out[offset] += in[i];
      }
      for (int d = rank - 1; d >= 0; --d) {
        ++counter[d];
        offset += out_strides[d];
        if (counter[d] < shape[d]) break;
        offset -= out_strides[d] * shape[d];
        counter[d] = 0;
      }
    }
    if (kOp == Reduce::kMean && group > 0) {
      for (std::int64_t i = 0; i < y.size(); ++i) out[i] = static_cast<T>(out[i] / static_cast<T>(group));
    }
  }

  bool axes_from_input_ = false;
  std::vector<std::int64_t> axes_;
  bool keep_dims_ = true;
  bool noop_with_empty_axes_ = false;
};

// Before opset 13 the input is coerced to 2-D at `axis` (default 1) and the
// softmax spans everything after it; from 13 it runs along one axis
// (default -1).
template <bool kLog>
class SoftmaxKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    axis_ = node.Int("axis", node.opset >= 13 ? -1 : 1);
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    if (inputs.empty() || !inputs[0].present || inputs[0].type != ElementType::kFloat32) {
      return Error("input must be float32");
    }
    std::int64_t outer = 0, extent = 0, inner = 0;
    if (!Layout(inputs[0].shape, &outer, &extent, &inner)) {
      return Error("axis {} is out of range for rank {}", axis_, inputs[0].shape.size());
    }
    outputs->assign(1, OutputSpec{ElementType::kFloat32, inputs[0].shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    std::int64_t outer = 0, extent = 0, inner = 0;
    Layout(inputs[0]->shape(), &outer, &extent, &inner);
    const float* x = inputs[0]->data<float>();
    float* y = outputs[0]->data<float>();
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t i = 0; i < inner; ++i) {
        const float* in = x + o * extent * inner + i;
        float* out = y + o * extent * inner + i;
        float max = -std::numeric_limits<float>::infinity();
        for (std::int64_t k = 0; k < extent; ++k) max = std::max(max, in[k * inner]);
        float sum = 0.0f;
        for (std::int64_t k = 0; k < extent; ++k) {
          out[k * inner] = std::exp(in[k * inner] - max);
          sum += out[k * inner];
        }
        if (kLog) {
          const float log_sum = std::log(sum);
          for (std::int64_t k = 0; k < extent; ++k) out[k * inner] = in[k * inner] - max - log_sum;
        } else {
          for (std::int64_t k = 0; k < extent; ++k) out[k * inner] /= sum;
        }
      }
    }
    return Status::Ok();
  }

 private:
  bool Layout(const Shape& shape, std::int64_t* outer, std::int64_t* extent, std::int64_t* inner) const {
    const auto rank = static_cast<std::int64_t>(shape.size());
    std::int64_t axis;
    if (rank == 0) {
      *outer = *extent = *inner = 1;
      return axis_ == 0 || axis_ == -1 || axis_ == 1;
    }
    if (opset() < 13) {
      axis = axis_ < 0 ? axis_ + rank : axis_;
      if (axis < 0 || axis > rank) return false;
    } else if (!NormalizeAxis(axis_, rank, &axis)) {
      return false;
    }
    *outer = 1;
    for (std::int64_t d = 0; d < axis; ++d) *outer *= shape[d];
    if (opset() < 13) {
      *extent = 1;
      for (std::int64_t d = axis; d < rank; ++d) *extent *= shape[d];
      *inner = 1;
    } else {
      *extent = shape[axis];
      *inner = 1;
      for (std::int64_t d = axis + 1; d < rank; ++d) *inner *= shape[d];
    }
    return true;
  }
  std::int64_t axis_ = -1;
};

}  // namespace

void RegisterReduceKernels(KernelRegistry& registry) {
  const std::string ai = "";
  registry.Register({ai, "ReduceMean", 1, 17, MakeKernel<ReduceKernel<Reduce::kMean>>});
  registry.Register({ai, "ReduceSum", 1, 17, MakeKernel<ReduceKernel<Reduce::kSum>>});
  registry.Register({ai, "ReduceMax", 1, 17, MakeKernel<ReduceKernel<Reduce::kMax>>});
  registry.Register({ai, "Softmax", 1, 17, MakeKernel<SoftmaxKernel<false>>});
  registry.Register({ai, "LogSoftmax", 1, 17, MakeKernel<SoftmaxKernel<true>>});
}

}  // namespace stagegate::inference
