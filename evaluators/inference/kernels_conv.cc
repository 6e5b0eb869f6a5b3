// Convolution and pooling over 1-D and 2-D inputs: Conv, MaxPool,
// AveragePool, GlobalAveragePool.
//
// A 1-D input [N, C, W] is handled as a 2-D one of height 1, so one code path
// serves both. Conv lowers each image and group to a matrix product: the
// input patches are copied column by column into the scratch buffer (im2col)
// and multiplied by the group's filters through Eigen.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The spatial attributes shared by Conv and the pools, always two entries
// (height, width); a 1-D operator has height 1 with no padding.
struct Window {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::array<std::int64_t, 2> kernel{1, 1};
  std::array<std::int64_t, 2> strides{1, 1};
  std::array<std::int64_t, 2> dilations{1, 1};
  std::array<std::int64_t, 2> pad_begin{0, 0};
  std::array<std::int64_t, 2> pad_end{0, 0};
  bool ceil_mode = false;
};

// The window applied to one input size: explicit pads resolved and output sizes.
struct Geometry {
  std::array<std::int64_t, 2> in{1, 1};
  std::array<std::int64_t, 2> out{1, 1};
  std::array<std::int64_t, 2> pad_begin{0, 0};
  std::array<std::int64_t, 2> pad_end{0, 0};
};

Status NodeError(const std::string& label, const std::string& message) {
  return Status::Invalid(fmt::format("{}: {}", label, message));
}

// Reads the spatial attributes for `spatial` (1 or 2) dimensions. `kernel`
// comes from the weights for Conv when kernel_shape is absent.
Status ReadWindow(const NodeDef& node, int spatial, bool kernel_required, Window* window) {
  const std::string auto_pad = node.String("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    window->auto_pad = AutoPad::kNotSet;
  } else if (auto_pad == "SAME_UPPER") {
    window->auto_pad = AutoPad::kSameUpper;
  } else if (auto_pad == "SAME_LOWER") {
    window->auto_pad = AutoPad::kSameLower;
  } else if (auto_pad == "VALID") {
    window->auto_pad = AutoPad::kValid;
  } else {
    return NodeError(node.Label(),
                     fmt::format("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", auto_pad));
  }
  const int offset = 2 - spatial;  // a 1-D window fills the width slot only
  auto read = [&](const char* name, std::array<std::int64_t, 2>* target, std::int64_t minimum) -> Status {
    const std::vector<std::int64_t> values = node.Ints(name);
    if (values.empty()) return Status::Ok();
    if (values.size() != static_cast<std::size_t>(spatial)) {
      return NodeError(node.Label(),
                       fmt::format("{} has {} values for {} spatial dimensions", name, values.size(), spatial));
    }
    for (int i = 0; i < spatial; ++i) {
      if (values[i] < minimum) {
        return NodeError(node.Label(),
                         fmt::format("{} [{}] must be at least {}", name, fmt::join(values, ", "), minimum));
      }
      (*target)[offset + i] = values[i];
    }
    return Status::Ok();
  };
  if (kernel_required && node.Ints("kernel_shape").empty()) {
    return NodeError(node.Label(), "kernel_shape is required");
  }
  for (auto [name, target, minimum] : {std::tuple{"kernel_shape", &window->kernel, std::int64_t{1}},
                                       {"strides", &window->strides, 1},
                                       {"dilations", &window->dilations, 1}}) {
    if (Status status = read(name, target, minimum); !status.ok()) return status;
  }
  const std::vector<std::int64_t> pads = node.Ints("pads");
  if (!pads.empty()) {
    if (pads.size() != static_cast<std::size_t>(2 * spatial)) {
      return NodeError(node.Label(), fmt::format("pads has {} values for {} spatial dimensions", pads.size(), spatial));
    }
    for (int i = 0; i < spatial; ++i) {
      if (pads[i] < 0 || pads[spatial + i] < 0) {
        return NodeError(node.Label(), fmt::format("pads [{}] must not be negative", fmt::join(pads, ", ")));
      }
      window->pad_begin[offset + i] = pads[i];
      window->pad_end[offset + i] = pads[spatial + i];
    }
    if (window->auto_pad != AutoPad::kNotSet) {
      return NodeError(node.Label(), "pads and auto_pad are both set");
    }
  }
  window->ceil_mode = node.Int("ceil_mode", 0) != 0;
  return Status::Ok();
}

// Resolves pads and output sizes for input sizes `in` (height, width).
Status Resolve(const std::string& label, const Window& window, std::array<std::int64_t, 2> in, Geometry* geometry) {
  geometry->in = in;
  for (int d = 0; d < 2; ++d) {
    const std::int64_t extent = (window.kernel[d] - 1) * window.dilations[d] + 1;
    const std::int64_t stride = window.strides[d];
    std::int64_t begin = window.pad_begin[d];
    std::int64_t end = window.pad_end[d];
    if (window.auto_pad == AutoPad::kValid) {
      begin = end = 0;
    } else if (window.auto_pad == AutoPad::kSameUpper || window.auto_pad == AutoPad::kSameLower) {
      const std::int64_t out = (in[d] + stride - 1) / stride;
      const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * stride + extent - in[d]);
      begin = window.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      end = total - begin;
    }
    const std::int64_t span = in[d] + begin + end - extent;
    if (span < 0) {
      return NodeError(label, fmt::format("the window ({} wide with dilation) is larger than the padded input ({})",
                                          extent, in[d] + begin + end));
    }
    std::int64_t out = (window.ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    // As PyTorch and onnxruntime: the last window must start inside the input
    // or its leading padding, never in the trailing padding only.
    if (window.ceil_mode && (out - 1) * stride >= in[d] + begin) --out;
    geometry->out[d] = out;
    geometry->pad_begin[d] = begin;
    geometry->pad_end[d] = end;
  }
  return Status::Ok();
}

// The spatial sizes of a [N, C, W] or [N, C, H, W] shape as (height, width).
std::array<std::int64_t, 2> SpatialOf(const Shape& shape) {
  return shape.size() == 3 ? std::array<std::int64_t, 2>{1, shape[2]} : std::array<std::int64_t, 2>{shape[2], shape[3]};
}

Shape WithSpatial(const Shape& shape, std::int64_t channels, const Geometry& geometry) {
  if (shape.size() == 3) return {shape[0], channels, geometry.out[1]};
  return {shape[0], channels, geometry.out[0], geometry.out[1]};
}

Status CheckImage(const std::string& label, const PlannedValue& x, int spatial) {
  if (!x.present || x.type != ElementType::kFloat32) return NodeError(label, "input X must be a float32 tensor");
  if (x.shape.size() != 3 && x.shape.size() != 4) {
    return NodeError(label, fmt::format("input X has shape {}; only 1-D [N, C, W] and 2-D [N, C, H, W] inputs are "
                                        "supported",
                                        FormatShape(x.shape)));
  }
  if (spatial != 0 && static_cast<int>(x.shape.size()) - 2 != spatial) {
    return NodeError(label, fmt::format("input X has shape {} but the attributes describe {} spatial dimensions",
                                        FormatShape(x.shape), spatial));
  }
  return Status::Ok();
}

// Spatial dimensions an operator's attributes describe; 0 when no attribute says.
int SpatialFromAttributes(const NodeDef& node) {
  for (const char* name : {"kernel_shape", "strides", "dilations"}) {
    const std::size_t n = node.Ints(name).size();
    if (n != 0) return static_cast<int>(n);
  }
  const std::size_t pads = node.Ints("pads").size();
  return static_cast<int>(pads / 2);
}

// ---------------------------------------------------------------------------
// Conv

class ConvKernel final : public Kernel {
 public:
  ConvKernel(std::string label, Window window, int spatial, std::int64_t group, bool kernel_from_attribute)
      : label_(std::move(label)),
        window_(window),
        spatial_(spatial),
        group_(group),
        kernel_from_attribute_(kernel_from_attribute) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    if (inputs.size() < 2 || !inputs[1].present) return NodeError(label_, "needs inputs X and W");
    const PlannedValue& x = inputs[0];
    const PlannedValue& w = inputs[1];
    if (Status status = CheckImage(label_, x, spatial_); !status.ok()) return status;
    if (w.type != ElementType::kFloat32 || w.shape.size() != x.shape.size()) {
      return NodeError(label_, fmt::format("input W has shape {}; expected a float32 tensor of rank {}",
                                           FormatShape(w.shape), x.shape.size()));
    }
    const std::int64_t channels = x.shape[1];
    const std::int64_t filters = w.shape[0];
    if (channels % group_ != 0 || filters % group_ != 0 || w.shape[1] * group_ != channels) {
      return NodeError(label_, fmt::format("input X has {} channels and W has shape {}: with group {} W must be "
                                           "[M, {}, ...] with M divisible by the group",
                                           channels, FormatShape(w.shape), group_, channels / group_));
    }
    Window window = window_;
    const std::array<std::int64_t, 2> kernel = SpatialOf(w.shape);
    if (kernel_from_attribute_ && kernel != window.kernel) {
      return NodeError(label_, fmt::format("kernel_shape does not match the weights' shape {}", FormatShape(w.shape)));
    }
    window.kernel = kernel;
    if (inputs.size() > 2 && inputs[2].present) {
      const PlannedValue& b = inputs[2];
      if (b.type != ElementType::kFloat32 || b.shape != Shape{filters}) {
        return NodeError(label_, fmt::format("input B has shape {}; expected [{}]", FormatShape(b.shape), filters));
      }
    }
    Geometry geometry;
    if (Status status = Resolve(label_, window, SpatialOf(x.shape), &geometry); !status.ok()) return status;
    outputs->assign(1, OutputSpec{ElementType::kFloat32, WithSpatial(x.shape, filters, geometry)});
    const std::int64_t rows = (channels / group_) * kernel[0] * kernel[1];
    *scratch_bytes = static_cast<std::size_t>(rows * geometry.out[0] * geometry.out[1]) * sizeof(float);
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> scratch) const override {
    const Tensor& x = *inputs[0];
    const Tensor& w = *inputs[1];
    const Tensor* b = inputs.size() > 2 ? inputs[2] : nullptr;
    Tensor& y = *outputs[0];
    Window window = window_;
    window.kernel = SpatialOf(w.shape());
    Geometry g;
    if (Status status = Resolve(label_, window, SpatialOf(x.shape()), &g); !status.ok()) return status;

    const std::int64_t batch = x.shape()[0];
    const std::int64_t channels = x.shape()[1];
    const std::int64_t filters = w.shape()[0];
    const std::int64_t group_channels = channels / group_;
    const std::int64_t group_filters = filters / group_;
    const std::int64_t kh = window.kernel[0], kw = window.kernel[1];
    const std::int64_t rows = group_channels * kh * kw;
    const std::int64_t in_plane = g.in[0] * g.in[1];
    const std::int64_t out_plane = g.out[0] * g.out[1];
    float* columns = reinterpret_cast<float*>(scratch.data());

    for (std::int64_t n = 0; n < batch; ++n) {
      for (std::int64_t grp = 0; grp < group_; ++grp) {
        const float* image = x.data<float>() + (n * channels + grp * group_channels) * in_plane;
        // im2col: row (c, i, j) of `columns` holds input pixel (c, oh*s + i*d - pad, ...)
        // for every output position, zero where the window covers padding.
        for (std::int64_t c = 0; c < group_channels; ++c) {
          for (std::int64_t i = 0; i < kh; ++i) {
            for (std::int64_t j = 0; j < kw; ++j) {
              float* row = columns + ((c * kh + i) * kw + j) * out_plane;
              for (std::int64_t oh = 0; oh < g.out[0]; ++oh) {
                const std::int64_t ih = oh * window.strides[0] + i * window.dilations[0] - g.pad_begin[0];
                for (std::int64_t ow = 0; ow < g.out[1]; ++ow) {
                  const std::int64_t iw = ow * window.strides[1] + j * window.dilations[1] - g.pad_begin[1];
                  const bool inside = ih >= 0 && ih < g.in[0] && iw >= 0 && iw < g.in[1];
                  row[oh * g.out[1] + ow] = inside ? image[(c * g.in[0] + ih) * g.in[1] + iw] : 0.0f;
                }
              }
            }
          }
        }
        Eigen::Map<const RowMatrix> filter(w.data<float>() + grp * group_filters * rows, group_filters, rows);
        Eigen::Map<const RowMatrix> patches(columns, rows, out_plane);
        Eigen::Map<RowMatrix> result(y.data<float>() + (n * filters + grp * group_filters) * out_plane, group_filters,
                                     out_plane);
        result.noalias() = filter * patches;
        if (b != nullptr) {
          for (std::int64_t m = 0; m < group_filters; ++m) {
            result.row(m).array() += b->data<float>()[grp * group_filters + m];
          }
        }
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  Window window_;
  int spatial_;  // 0 when no attribute fixes it: taken from the input
  std::int64_t group_;
  bool kernel_from_attribute_;
};

Status MakeConv(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  const int spatial = SpatialFromAttributes(node);
  if (spatial > 2) {
    return NodeError(node.Label(), "only 1-D and 2-D convolutions are supported");
  }
  Window window;
  if (Status status = ReadWindow(node, spatial == 0 ? 2 : spatial, false, &window); !status.ok()) return status;
  if (window.ceil_mode) return NodeError(node.Label(), "Conv has no ceil_mode");
  const std::int64_t group = node.Int("group", 1);
  if (group < 1) return NodeError(node.Label(), fmt::format("group {} must be at least 1", group));
  *kernel = std::make_unique<ConvKernel>(node.Label(), window, spatial, group, !node.Ints("kernel_shape").empty());
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// MaxPool, AveragePool

class PoolKernel final : public Kernel {
 public:
  PoolKernel(std::string label, Window window, int spatial, bool is_max, bool count_include_pad)
      : label_(std::move(label)),
        window_(window),
        spatial_(spatial),
        is_max_(is_max),
        count_include_pad_(count_include_pad) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    if (Status status = CheckImage(label_, inputs[0], spatial_); !status.ok()) return status;
    Geometry geometry;
    if (Status status = Resolve(label_, window_, SpatialOf(inputs[0].shape), &geometry); !status.ok()) return status;
    outputs->assign(1, OutputSpec{ElementType::kFloat32, WithSpatial(inputs[0].shape, inputs[0].shape[1], geometry)});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    Geometry g;
    if (Status status = Resolve(label_, window_, SpatialOf(x.shape()), &g); !status.ok()) return status;
    const std::int64_t planes = x.shape()[0] * x.shape()[1];
    const std::int64_t in_plane = g.in[0] * g.in[1];
    const std::int64_t out_plane = g.out[0] * g.out[1];
    for (std::int64_t p = 0; p < planes; ++p) {
      const float* image = x.data<float>() + p * in_plane;
      float* result = y.data<float>() + p * out_plane;
      for (std::int64_t oh = 0; oh < g.out[0]; ++oh) {
        const std::int64_t h0 = oh * window_.strides[0] - g.pad_begin[0];
        for (std::int64_t ow = 0; ow < g.out[1]; ++ow) {
          const std::int64_t w0 = ow * window_.strides[1] - g.pad_begin[1];
          float max = -std::numeric_limits<float>::infinity();
          float sum = 0.0f;
          std::int64_t inside = 0;
          for (std::int64_t i = 0; i < window_.kernel[0]; ++i) {
            const std::int64_t ih = h0 + i * window_.dilations[0];
            if (ih < 0 || ih >= g.in[0]) continue;
            for (std::int64_t j = 0; j < window_.kernel[1]; ++j) {
              const std::int64_t iw = w0 + j * window_.dilations[1];
              if (iw < 0 || iw >= g.in[1]) continue;
              const float v = image[ih * g.in[1] + iw];
              max = std::max(max, v);
              sum += v;
              ++inside;
            }
          }
          if (is_max_) {
            result[oh * g.out[1] + ow] = max;
            continue;
          }
          std::int64_t divisor = inside;
          if (count_include_pad_) {
            // The window clipped to the padded input (as PyTorch): padding
            // counts, the part beyond it that ceil_mode adds does not.
            const std::int64_t h_end = std::min(h0 + window_.kernel[0], g.in[0] + g.pad_end[0]);
            const std::int64_t w_end = std::min(w0 + window_.kernel[1], g.in[1] + g.pad_end[1]);
            divisor = (h_end - h0) * (w_end - w0);
          }
          result[oh * g.out[1] + ow] = divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
        }
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  Window window_;
  int spatial_;
  bool is_max_;
  bool count_include_pad_;
};

template <bool kIsMax>
Status MakePool(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  const int spatial = static_cast<int>(node.Ints("kernel_shape").size());
  if (spatial != 1 && spatial != 2) {
    return NodeError(node.Label(), "kernel_shape must have 1 or 2 values: only 1-D and 2-D pooling is supported");
  }
  Window window;
  if (Status status = ReadWindow(node, spatial, true, &window); !status.ok()) return status;
  if (kIsMax) {
    if (node.outputs.size() > 1 && !node.outputs[1].empty()) {
      return NodeError(node.Label(), "the Indices output of MaxPool is not supported");
    }
  } else if (!node.Ints("dilations").empty() && (window.dilations[0] != 1 || window.dilations[1] != 1)) {
    return NodeError(node.Label(), "AveragePool with dilations is not supported");
  }
  if (window.auto_pad != AutoPad::kNotSet && window.ceil_mode) {
    return NodeError(node.Label(), "ceil_mode with auto_pad is not supported");
  }
  *kernel = std::make_unique<PoolKernel>(node.Label(), window, spatial, kIsMax, node.Int("count_include_pad", 0) != 0);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// GlobalAveragePool

class GlobalAveragePoolKernel final : public Kernel {
 public:
  explicit GlobalAveragePoolKernel(std::string label) : label_(std::move(label)) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    const PlannedValue& x = inputs[0];
    if (!x.present || x.type != ElementType::kFloat32 || x.shape.size() < 3) {
      return NodeError(label_, fmt::format("input X has shape {}; expected a float32 [N, C, spatial...] tensor",
                                           FormatShape(x.shape)));
    }
    Shape shape = x.shape;
    std::fill(shape.begin() + 2, shape.end(), 1);
    outputs->assign(1, OutputSpec{ElementType::kFloat32, shape});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    const Tensor& x = *inputs[0];
    const std::int64_t planes = x.shape()[0] * x.shape()[1];
    const std::int64_t plane = planes == 0 ? 0 : x.size() / planes;
    Eigen::Map<const RowMatrix> values(x.data<float>(), planes, plane);
    Eigen::Map<Eigen::VectorXf> result(outputs[0]->data<float>(), planes);
    result.noalias() = values.rowwise().mean();
    return Status::Ok();
  }

 private:
  std::string label_;
};

Status MakeGlobalAveragePool(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  *kernel = std::make_unique<GlobalAveragePoolKernel>(node.Label());
  return Status::Ok();
}

}  // namespace

void RegisterConvKernels(KernelRegistry& registry) {
  registry.Register({"", "Conv", 1, 1000, &MakeConv});
  registry.Register({"", "MaxPool", 1, 1000, &MakePool<true>});
  registry.Register({"", "AveragePool", 1, 1000, &MakePool<false>});
  registry.Register({"", "GlobalAveragePool", 1, 1000, &MakeGlobalAveragePool});
}

}  // namespace stagegate::inference
