// Operators that move data without arithmetic: Shape, Reshape, Flatten,
// Squeeze, Unsqueeze, Transpose, Concat, Gather, Slice, Identity, Constant.
// Shape-like inputs (Reshape's shape, Slice's starts, 13's axes) must be
// known at plan time: the planner folds Shape and what is computed from it.

#include <limits>

#include "evaluators/inference/kernel_util.h"

namespace stagegate::inference {
namespace {

Status RequirePresent(std::span<const PlannedValue> inputs, std::size_t count, const std::string& label) {
  for (std::size_t k = 0; k < count; ++k) {
    if (k >= inputs.size() || !inputs[k].present)
      return Status::Invalid(fmt::format("{}: input {} is missing", label, k));
  }
  return Status::Ok();
}

// Kernels whose output is the input's data under another shape.
class CopyKernel : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    CopyElements(*inputs[0], 0, *outputs[0], 0, inputs[0]->size());
    return Status::Ok();
  }
};

class IdentityKernel final : public CopyKernel {
 public:
  using CopyKernel::CopyKernel;
  Status Init(const NodeDef&) { return Status::Ok(); }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 1, label());
    if (!present.ok()) return present;
    outputs->assign(1, OutputSpec{inputs[0].type, inputs[0].shape});
    return Status::Ok();
  }
};

class ReshapeKernel final : public CopyKernel {
 public:
  using CopyKernel::CopyKernel;
  Status Init(const NodeDef& node) {
    allow_zero_ = node.opset >= 14 && node.Int("allowzero", 0) != 0;
    if (node.opset < 5) return Error("opset {} Reshape (shape attribute) is not supported", node.opset);
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 2, label());
    if (!present.ok()) return present;
    std::vector<std::int64_t> requested;
    if (!ConstantInts(inputs[1], &requested)) {
      return Error(
          "the shape input must be an int64 tensor known before the data (an initializer or computed "
          "from shapes)");
    }
    Shape shape;
    int inferred = -1;
    std::int64_t known = 1;
    for (std::size_t i = 0; i < requested.size(); ++i) {
      std::int64_t dim = requested[i];
      if (dim == 0 && !allow_zero_) {
        if (i >= inputs[0].shape.size())
          return Error("shape {} copies dimension {} the input does not have", FormatShape(requested), i);
        dim = inputs[0].shape[i];
      }
      if (dim == -1) {
        if (inferred >= 0) return Error("shape {} has more than one -1", FormatShape(requested));
        inferred = static_cast<int>(i);
        dim = 1;
      } else if (dim < 0) {
        return Error("shape {} has a negative dimension", FormatShape(requested));
      }
      shape.push_back(dim);
      if (inferred != static_cast<int>(i)) known *= dim;
    }
    const std::int64_t count = ElementCount(inputs[0].shape);
    if (inferred >= 0) {
      if (known == 0 || count % known != 0) {
        return Error("cannot reshape {} into {}", FormatShape(inputs[0].shape), FormatShape(requested));
      }
      shape[inferred] = count / known;
    }
    if (ElementCount(shape) != count) {
      return Error("cannot reshape {} ({} elements) into {}", FormatShape(inputs[0].shape), count, FormatShape(shape));
    }
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }

 private:
  bool allow_zero_ = false;
};

class FlattenKernel final : public CopyKernel {
 public:
  using CopyKernel::CopyKernel;
  Status Init(const NodeDef& node) {
    axis_ = node.Int("axis", 1);
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 1, label());
    if (!present.ok()) return present;
    const auto rank = static_cast<std::int64_t>(inputs[0].shape.size());
    std::int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
    if (axis < 0 || axis > rank) return Error("axis {} is out of range for rank {}", axis_, rank);
    std::int64_t outer = 1;
    for (std::int64_t d = 0; d < axis; ++d) outer *= inputs[0].shape[d];
    const std::int64_t count = ElementCount(inputs[0].shape);
    outputs->assign(1, OutputSpec{inputs[0].type, {outer, outer == 0 ? 0 : count / outer}});
    return Status::Ok();
  }

 private:
  std::int64_t axis_ = 1;
};

// Squeeze and Unsqueeze: axes as an attribute before opset 13, an input from 13.
template <bool kUnsqueeze>
class SqueezeKernel final : public CopyKernel {
 public:
  using CopyKernel::CopyKernel;
  Status Init(const NodeDef& node) {
    axes_from_input_ = node.opset >= 13;
    axes_ = node.Ints("axes");
    if (kUnsqueeze && !axes_from_input_ && axes_.empty()) return Error("the axes attribute is required");
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 1, label());
    if (!present.ok()) return present;
    std::vector<std::int64_t> axes = axes_;
    if (axes_from_input_ && inputs.size() > 1 && inputs[1].present && !ConstantInts(inputs[1], &axes)) {
      return Error("the axes input must be an int64 tensor known before the data");
    }
    if (kUnsqueeze && axes.empty()) return Error("axes are required");
    const Shape& in = inputs[0].shape;
    Shape shape;
    if (kUnsqueeze) {
      const auto rank = static_cast<std::int64_t>(in.size() + axes.size());
      std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
      for (std::int64_t axis : axes) {
        std::int64_t normalized;
        if (!NormalizeAxis(axis, rank, &normalized) || inserted[normalized]) {
          return Error("axes {} are invalid for output rank {}", FormatShape(axes), rank);
        }
        inserted[normalized] = true;
      }
      std::size_t next = 0;
      for (std::int64_t d = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : in[next++]);
    } else {
      const auto rank = static_cast<std::int64_t>(in.size());
      std::vector<bool> removed(in.size(), axes.empty());
      if (axes.empty()) {
        for (std::size_t d = 0; d < in.size(); ++d) removed[d] = in[d] == 1;
      }
      for (std::int64_t axis : axes) {
        std::int64_t normalized;
        if (!NormalizeAxis(axis, rank, &normalized) || in[normalized] != 1) {
          return Error("cannot squeeze axis {} of shape {}", axis, FormatShape(in));
        }
        removed[normalized] = true;
      }
      for (std::size_t d = 0; d < in.size(); ++d) {
        if (!removed[d]) shape.push_back(in[d]);
      }
    }
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }

 private:
  bool axes_from_input_ = false;
  std::vector<std::int64_t> axes_;
};

class ShapeKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (node.opset >= 15) {
      start_ = node.Int("start", 0);
      end_ = node.Int("end", std::numeric_limits<std::int64_t>::max());
    }
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 1, label());
    if (!present.ok()) return present;
    std::int64_t start, end;
    Range(static_cast<std::int64_t>(inputs[0].shape.size()), &start, &end);
    outputs->assign(1, OutputSpec{ElementType::kInt64, {end - start}});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Shape& shape = inputs[0]->shape();
    std::int64_t start, end;
    Range(static_cast<std::int64_t>(shape.size()), &start, &end);
    for (std::int64_t d = start; d < end; ++d) outputs[0]->data<std::int64_t>()[d - start] = shape[d];
    return Status::Ok();
  }

 private:
  void Range(std::int64_t rank, std::int64_t* start, std::int64_t* end) const {
    auto clamp = [rank](std::int64_t v) { return std::clamp(v < 0 ? v + rank : v, std::int64_t{0}, rank); };
    *start = clamp(start_);
    *end = std::max(*start, clamp(end_));
  }
  std::int64_t start_ = 0;
  std::int64_t end_ = std::numeric_limits<std::int64_t>::max();
};

class TransposeKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    perm_ = node.Ints("perm");
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 1, label());
    if (!present.ok()) return present;
    const Shape& in = inputs[0].shape;
    if (in.size() > kMaxRank) return Error("rank {} is above {}", in.size(), kMaxRank);
    std::vector<std::int64_t> perm = Perm(in.size());
    std::vector<bool> seen(in.size(), false);
    if (perm.size() != in.size()) return Error("perm {} does not fit rank {}", FormatShape(perm), in.size());
    Shape shape;
    for (std::int64_t p : perm) {
      if (p < 0 || p >= static_cast<std::int64_t>(in.size()) || seen[p])
        return Error("perm {} is not a permutation", FormatShape(perm));
      seen[p] = true;
      shape.push_back(in[p]);
    }
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    const Shape& in = x.shape();
    const int rank = static_cast<int>(in.size());
    const std::int64_t total = x.size();
    if (total == 0) return Status::Ok();
    if (rank == 0) {
      CopyElements(x, 0, y, 0, 1);
      return Status::Ok();
    }
    std::int64_t in_strides[kMaxRank];
    std::int64_t stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      in_strides[d] = stride;
      stride *= in[d];
    }
    std::int64_t out_dims[kMaxRank], strides[kMaxRank], counter[kMaxRank] = {};
    for (int d = 0; d < rank; ++d) {
      const std::int64_t p = perm_.empty() ? rank - 1 - d : perm_[d];
      out_dims[d] = in[p];
      strides[d] = in_strides[p];
    }
    std::int64_t offset = 0;
    for (std::int64_t i = 0; i < total; ++i) {
      CopyOne(x, offset, y, i);
      for (int d = rank - 1; d >= 0; --d) {
        ++counter[d];
        offset += strides[d];
        if (counter[d] < out_dims[d]) break;
        offset -= strides[d] * out_dims[d];
        counter[d] = 0;
      }
    }
    return Status::Ok();
  }

 private:
  static void CopyOne(const Tensor& x, std::int64_t from, Tensor& y, std::int64_t to) {
    switch (x.type()) {
      case ElementType::kFloat32:
        y.data<float>()[to] = x.data<float>()[from];
        break;
      case ElementType::kInt64:
        y.data<std::int64_t>()[to] = x.data<std::int64_t>()[from];
        break;
      case ElementType::kBool:
        y.data<std::uint8_t>()[to] = x.data<std::uint8_t>()[from];
        break;
      case ElementType::kString:
        y.strings()[to] = x.strings()[from];
        break;
    }
  }
  std::vector<std::int64_t> Perm(std::size_t rank) const {
    if (!perm_.empty()) return perm_;
    std::vector<std::int64_t> reversed;
    for (std::size_t d = rank; d > 0; --d) reversed.push_back(static_cast<std::int64_t>(d - 1));
    return reversed;
  }
  std::vector<std::int64_t> perm_;
};

class ConcatKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (node.Find("axis") == nullptr) return Error("the axis attribute is required");
    axis_ = node.Int("axis", 0);
    if (node.inputs.empty()) return Error("needs at least one input");
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, inputs.size(), label());
    if (!present.ok()) return present;
    Shape shape = inputs[0].shape;
    std::int64_t axis;
    if (!NormalizeAxis(axis_, static_cast<std::int64_t>(shape.size()), &axis)) {
      return Error("axis {} is out of range for rank {}", axis_, shape.size());
    }
    shape[axis] = 0;
    for (const PlannedValue& input : inputs) {
      bool fits = input.type == inputs[0].type && input.shape.size() == shape.size();
      for (std::size_t d = 0; fits && d < shape.size(); ++d)
        fits = d == static_cast<std::size_t>(axis) || input.shape[d] == shape[d];
      if (!fits) {
        return Error("cannot concatenate {} {} with {} {} on axis {}", ElementTypeName(inputs[0].type),
                     FormatShape(inputs[0].shape), ElementTypeName(input.type), FormatShape(input.shape), axis_);
      }
      shape[axis] += input.shape[axis];
    }
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    Tensor& y = *outputs[0];
    const Shape& shape = y.shape();
    std::int64_t axis = axis_ < 0 ? axis_ + static_cast<std::int64_t>(shape.size()) : axis_;
    std::int64_t outer = 1, inner = 1;
    for (std::int64_t d = 0; d < axis; ++d) outer *= shape[d];
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    const std::int64_t out_row = shape[axis] * inner;
    std::int64_t column = 0;
    for (const Tensor* input : inputs) {
      const std::int64_t row = input->shape()[axis] * inner;
      for (std::int64_t o = 0; o < outer; ++o) CopyElements(*input, o * row, y, o * out_row + column, row);
      column += row;
    }
    return Status::Ok();
  }

 private:
  std::int64_t axis_ = 0;
};

class GatherKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    axis_ = node.Int("axis", 0);
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, 2, label());
    if (!present.ok()) return present;
    const Shape& data = inputs[0].shape;
    std::int64_t axis;
    if (!NormalizeAxis(axis_, static_cast<std::int64_t>(data.size()), &axis)) {
      return Error("axis {} is out of range for rank {}", axis_, data.size());
    }
    if (inputs[1].type != ElementType::kInt64)
      return Error("indices are {}; expected int64", ElementTypeName(inputs[1].type));
    Shape shape(data.begin(), data.begin() + axis);
    shape.insert(shape.end(), inputs[1].shape.begin(), inputs[1].shape.end());
    shape.insert(shape.end(), data.begin() + axis + 1, data.end());
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Tensor& data = *inputs[0];
    const Tensor& indices = *inputs[1];
    const Shape& shape = data.shape();
    const std::int64_t axis = axis_ < 0 ? axis_ + static_cast<std::int64_t>(shape.size()) : axis_;
    std::int64_t outer = 1, inner = 1;
    for (std::int64_t d = 0; d < axis; ++d) outer *= shape[d];
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    const std::int64_t extent = shape[axis];
    const std::int64_t count = indices.size();
    for (std::int64_t i = 0; i < count; ++i) {
      const std::int64_t index = indices.data<std::int64_t>()[i];
      if (index < -extent || index >= extent) return Error("index {} is out of range for dimension {}", index, extent);
    }
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t i = 0; i < count; ++i) {
        std::int64_t index = indices.data<std::int64_t>()[i];
        if (index < 0) index += extent;
        CopyElements(data, (o * extent + index) * inner, *outputs[0], (o * count + i) * inner, inner);
      }
    }
    return Status::Ok();
  }

 private:
  std::int64_t axis_ = 0;
};

// Slice: starts/ends/axes as attributes before opset 10, inputs (with steps) from 10.
class SliceKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (node.opset < 10) {
      starts_ = node.Ints("starts");
      ends_ = node.Ints("ends");
      axes_ = node.Ints("axes");
      if (starts_.size() != ends_.size()) return Error("starts and ends differ in length");
    }
    return Status::Ok();
  }
  struct Params {
    std::int64_t start[kMaxRank];
    std::int64_t step[kMaxRank];
    std::int64_t count[kMaxRank];
  };
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Status present = RequirePresent(inputs, opset() < 10 ? 1 : 3, label());
    if (!present.ok()) return present;
    std::vector<std::int64_t> starts = starts_, ends = ends_, axes = axes_, steps;
    if (opset() >= 10) {
      if (!ConstantInts(inputs[1], &starts) || !ConstantInts(inputs[2], &ends) ||
          (inputs.size() > 3 && inputs[3].present && !ConstantInts(inputs[3], &axes)) ||
          (inputs.size() > 4 && inputs[4].present && !ConstantInts(inputs[4], &steps))) {
        return Error("starts, ends, axes and steps must be int64 tensors known before the data");
      }
    }
    if (inputs[0].shape.size() > kMaxRank) return Error("rank above {}", kMaxRank);
    Params params;
    Status computed = Compute(inputs[0].shape, starts, ends, axes, steps, &params);
    if (!computed.ok()) return computed;
    Shape shape(params.count, params.count + inputs[0].shape.size());
    outputs->assign(1, OutputSpec{inputs[0].type, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    Params params;
    Status computed = Status::Ok();
    if (opset() >= 10) {
      auto span_of = [&](std::size_t k) {
        return k < inputs.size() && inputs[k] != nullptr
                   ? std::span<const std::int64_t>(inputs[k]->data<std::int64_t>(), inputs[k]->size())
                   : std::span<const std::int64_t>();
      };
      computed = Compute(x.shape(), span_of(1), span_of(2), span_of(3), span_of(4), &params);
    } else {
      computed = Compute(x.shape(), starts_, ends_, axes_, {}, &params);
    }
    if (!computed.ok()) return computed;
    const int rank = static_cast<int>(x.shape().size());
    const std::int64_t total = y.size();
    if (total == 0) return Status::Ok();
    std::int64_t strides[kMaxRank];
    std::int64_t stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      strides[d] = stride;
      stride *= x.shape()[d];
    }
    std::int64_t counter[kMaxRank] = {};
    std::int64_t offset = 0;
    for (int d = 0; d < rank; ++d) offset += params.start[d] * strides[d];
    for (std::int64_t i = 0; i < total; ++i) {
      CopyElements(x, offset, y, i, 1);
      for (int d = rank - 1; d >= 0; --d) {
        ++counter[d];
        offset += params.step[d] * strides[d];
        if (counter[d] < params.count[d]) break;
        offset -= params.step[d] * strides[d] * params.count[d];
        counter[d] = 0;
      }
    }
    return Status::Ok();
  }

 private:
  // The numpy rules: clamp starts/ends per direction; count = ceil((end - start) / step).
  Status Compute(const Shape& shape, std::span<const std::int64_t> starts, std::span<const std::int64_t> ends,
                 std::span<const std::int64_t> axes, std::span<const std::int64_t> steps, Params* params) const {
    const auto rank = static_cast<std::int64_t>(shape.size());
    for (std::int64_t d = 0; d < rank; ++d) {
      params->start[d] = 0;
      params->step[d] = 1;
      params->count[d] = shape[d];
    }
    if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size()) ||
        (!steps.empty() && steps.size() != starts.size())) {
      return Error("starts, ends, axes and steps differ in length");
    }
    std::uint32_t seen = 0;
    for (std::size_t i = 0; i < starts.size(); ++i) {
      std::int64_t axis = axes.empty() ? static_cast<std::int64_t>(i) : axes[i];
      if (!NormalizeAxis(axis, rank, &axis) || (seen & (1u << axis)) != 0) return Error("axis {} is invalid", axis);
      seen |= 1u << axis;
      const std::int64_t step = steps.empty() ? 1 : steps[i];
      if (step == 0) return Error("step 0 is invalid");
      const std::int64_t dim = shape[axis];
      auto adjust = [dim](std::int64_t v) { return v < 0 ? (v < -dim ? -dim : v) + dim : v; };
      std::int64_t start = adjust(starts[i]);
      std::int64_t end = adjust(ends[i]);
      std::int64_t count;
      if (step > 0) {
        start = std::clamp<std::int64_t>(start, 0, dim);
        end = std::clamp<std::int64_t>(end, 0, dim);
        count = end > start ? (end - start + step - 1) / step : 0;
      } else {
        start = std::clamp<std::int64_t>(start, 0, dim - 1);
        end = std::clamp<std::int64_t>(ends[i] < -dim ? -1 : end, -1, dim - 1);
        count = start > end ? (start - end - step - 1) / -step : 0;
      }
      params->start[axis] = count > 0 ? start : 0;
      params->step[axis] = step;
      params->count[axis] = count;
    }
    return Status::Ok();
  }
  std::vector<std::int64_t> starts_, ends_, axes_;
};

class ConstantKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (const Attribute* value = node.Find("value"); value != nullptr && value->kind == Attribute::Kind::kTensor) {
      value_ = value->t;
    } else if (const Attribute* f = node.Find("value_float"); f != nullptr && f->kind == Attribute::Kind::kFloat) {
      value_ = Tensor::Owned(ElementType::kFloat32, {});
      value_.data<float>()[0] = f->f;
    } else if (const Attribute* fs = node.Find("value_floats"); fs != nullptr && fs->kind == Attribute::Kind::kFloats) {
      value_ = Tensor::Owned(ElementType::kFloat32, {static_cast<std::int64_t>(fs->floats.size())});
      std::copy(fs->floats.begin(), fs->floats.end(), value_.data<float>());
    } else if (const Attribute* i = node.Find("value_int"); i != nullptr && i->kind == Attribute::Kind::kInt) {
      value_ = Tensor::Owned(ElementType::kInt64, {});
      value_.data<std::int64_t>()[0] = i->i;
    } else if (const Attribute* is = node.Find("value_ints"); is != nullptr && is->kind == Attribute::Kind::kInts) {
      value_ = Tensor::Owned(ElementType::kInt64, {static_cast<std::int64_t>(is->ints.size())});
      std::copy(is->ints.begin(), is->ints.end(), value_.data<std::int64_t>());
    } else {
      return Error(
          "needs a value, value_float(s) or value_int(s) attribute (sparse and string values are not "
          "supported)");
    }
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue>, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    outputs->assign(1, OutputSpec{value_.type(), value_.shape()});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const>, std::span<Tensor* const> outputs, std::span<std::byte>) const override {
    CopyElements(value_, 0, *outputs[0], 0, value_.size());
    return Status::Ok();
  }

 private:
  Tensor value_;
};

}  // namespace

void RegisterTensorKernels(KernelRegistry& registry) {
  const std::string ai = "";
  registry.Register({ai, "Identity", 1, 17, MakeKernel<IdentityKernel>});
  registry.Register({ai, "Reshape", 5, 17, MakeKernel<ReshapeKernel>});
  registry.Register({ai, "Flatten", 1, 17, MakeKernel<FlattenKernel>});
  registry.Register({ai, "Squeeze", 1, 17, MakeKernel<SqueezeKernel<false>>});
  registry.Register({ai, "Unsqueeze", 1, 17, MakeKernel<SqueezeKernel<true>>});
  registry.Register({ai, "Shape", 1, 17, MakeKernel<ShapeKernel>});
  registry.Register({ai, "Transpose", 1, 17, MakeKernel<TransposeKernel>});
  registry.Register({ai, "Concat", 4, 17, MakeKernel<ConcatKernel>});
  registry.Register({ai, "Gather", 1, 17, MakeKernel<GatherKernel>});
  registry.Register({ai, "Slice", 1, 17, MakeKernel<SliceKernel>});
  registry.Register({ai, "Constant", 1, 17, MakeKernel<ConstantKernel>});
}

}  // namespace stagegate::inference
