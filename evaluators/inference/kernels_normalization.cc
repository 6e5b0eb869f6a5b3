// BatchNormalization in inference mode: y = (x - mean) / sqrt(var + epsilon)
// * scale + bias per channel (dimension 1), from the running statistics the
// model carries. Training mode (opset 14's training_mode = 1, or the running
// statistics requested as outputs) is refused: it changes the statistics.

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference {
namespace {

class BatchNormalizationKernel final : public Kernel {
 public:
  BatchNormalizationKernel(std::string label, float epsilon) : label_(std::move(label)), epsilon_(epsilon) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    if (inputs.size() != 5) {
      return Status::Invalid(fmt::format("{}: needs the inputs X, scale, B, input_mean and input_var", label_));
    }
    const PlannedValue& x = inputs[0];
    if (!x.present || x.type != ElementType::kFloat32 || x.shape.size() < 2) {
      return Status::Invalid(
          fmt::format("{}: input X has shape {}; expected a float32 [N, C, ...] tensor", label_, FormatShape(x.shape)));
    }
    const char* names[] = {"X", "scale", "B", "input_mean", "input_var"};
    for (int i = 1; i < 5; ++i) {
      if (!inputs[i].present || inputs[i].type != ElementType::kFloat32 || inputs[i].shape != Shape{x.shape[1]}) {
        return Status::Invalid(fmt::format("{}: input {} has shape {}; expected [{}], one value per channel", label_,
                                           names[i], FormatShape(inputs[i].shape), x.shape[1]));
      }
    }
    outputs->assign(1, OutputSpec{ElementType::kFloat32, x.shape});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    const Tensor& x = *inputs[0];
    const float* scale = inputs[1]->data<float>();
    const float* bias = inputs[2]->data<float>();
    const float* mean = inputs[3]->data<float>();
    const float* var = inputs[4]->data<float>();
    const std::int64_t batch = x.shape()[0];
    const std::int64_t channels = x.shape()[1];
    const std::int64_t plane = batch * channels == 0 ? 0 : x.size() / (batch * channels);
    const float* in = x.data<float>();
    float* out = outputs[0]->data<float>();
    for (std::int64_t n = 0; n < batch; ++n) {
      for (std::int64_t c = 0; c < channels; ++c) {
        // Folded as PyTorch does, so results match it to the last bits.
        const float alpha = scale[c] / std::sqrt(var[c] + epsilon_);
        const float beta = bias[c] - mean[c] * alpha;
        const std::int64_t offset = (n * channels + c) * plane;
        for (std::int64_t i = 0; i < plane; ++i) out[offset + i] = in[offset + i] * alpha + beta;
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  float epsilon_;
};

Status MakeBatchNormalization(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  if (node.Int("training_mode", 0) != 0) {
    return Status::Invalid(fmt::format("{}: training_mode = 1 is not supported (inference only)", node.Label()));
  }
  for (std::size_t i = 1; i < node.outputs.size(); ++i) {
    if (!node.outputs[i].empty()) {
      return Status::Invalid(
          fmt::format("{}: output {} ('{}') is produced in training mode only; inference supports the output Y alone",
                      node.Label(), i, node.outputs[i]));
    }
  }
  const float epsilon = node.Float("epsilon", 1e-5f);
  if (!(epsilon >= 0.0f)) {
    return Status::Invalid(fmt::format("{}: epsilon {} must not be negative", node.Label(), epsilon));
  }
  *kernel = std::make_unique<BatchNormalizationKernel>(node.Label(), epsilon);
  return Status::Ok();
}

}  // namespace

void RegisterNormalizationKernels(KernelRegistry& registry) {
  registry.Register({"", "BatchNormalization", 9, 15, &MakeBatchNormalization});
}

}  // namespace stagegate::inference
