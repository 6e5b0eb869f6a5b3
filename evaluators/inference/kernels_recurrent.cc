// LSTM and GRU: one layer, forward direction, the default activations,
// layout 0 (X is [seq_length, batch, input_size]).
//
// The input projections of every step are computed in one matrix product
// before the recurrence (X · Wᵀ for the whole sequence, into scratch); each
// step then adds the recurrent projection H · Rᵀ. Gate order follows ONNX:
// LSTM i, o, f, c; GRU z, r, h.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Core>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

enum class Cell { kLstm, kGru };

// Input slots, as ONNX numbers them.
constexpr int kX = 0, kW = 1, kR = 2, kB = 3, kSequenceLens = 4, kInitialH = 5, kInitialC = 6, kPeepholes = 7;

float Sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

class RecurrentKernel final : public Kernel {
 public:
  RecurrentKernel(std::string label, Cell cell, std::int64_t hidden, bool linear_before_reset, std::size_t output_count)
      : label_(std::move(label)),
        cell_(cell),
        hidden_(hidden),
        linear_before_reset_(linear_before_reset),
        output_count_(output_count) {}

  int gates() const { return cell_ == Cell::kLstm ? 4 : 3; }

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    auto present = [&](int slot) { return static_cast<int>(inputs.size()) > slot && inputs[slot].present; };
    if (!present(kX) || !present(kW) || !present(kR)) return Fail("needs the inputs X, W and R");
    const PlannedValue& x = inputs[kX];
    if (x.type != ElementType::kFloat32 || x.shape.size() != 3) {
      return Fail(
          fmt::format("input X has shape {}; expected float32 [seq_length, batch, input_size]", FormatShape(x.shape)));
    }
    const std::int64_t seq = x.shape[0], batch = x.shape[1], features = x.shape[2];
    const std::int64_t h = hidden_, g = gates();
    auto expect = [&](int slot, const char* name, const Shape& shape) -> Status {
      if (!present(slot)) return Status::Ok();
      if (inputs[slot].type != ElementType::kFloat32 || inputs[slot].shape != shape) {
        return Fail(fmt::format("input {} has shape {}; expected {}", name, FormatShape(inputs[slot].shape),
                                FormatShape(shape)));
      }
      return Status::Ok();
    };
    for (const Status& status :
         {expect(kW, "W", {1, g * h, features}), expect(kR, "R", {1, g * h, h}), expect(kB, "B", {1, 2 * g * h}),
          expect(kInitialH, "initial_h", {1, batch, h}), expect(kInitialC, "initial_c", {1, batch, h})}) {
      if (!status.ok()) return status;
    }
    if (present(kSequenceLens)) {
      const PlannedValue& lens = inputs[kSequenceLens];
      if (lens.type != ElementType::kInt64 || lens.shape != Shape{batch}) {
        return Fail(
            fmt::format("input sequence_lens has shape {}; expected int64 [{}]", FormatShape(lens.shape), batch));
      }
      if (lens.constant != nullptr) {
        if (Status status = CheckSequenceLens(*lens.constant, seq); !status.ok()) return status;
      }
    }
    outputs->assign(3, OutputSpec{ElementType::kFloat32, {1, batch, h}});
    (*outputs)[0].shape = {seq, 1, batch, h};
    outputs->resize(output_count_);
    // Scratch: X · Wᵀ for all steps, the recurrent projection of one step,
    // then H and C (LSTM) or H and r ⊙ H (GRU).
    const std::int64_t floats = seq * batch * g * h + batch * g * h + 2 * batch * h;
    *scratch_bytes = static_cast<std::size_t>(floats) * sizeof(float);
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> scratch) const override {
    auto input = [&](int slot) -> const Tensor* {
      return static_cast<int>(inputs.size()) > slot ? inputs[slot] : nullptr;
    };
    const Tensor& x = *inputs[kX];
    const std::int64_t seq = x.shape()[0], batch = x.shape()[1], features = x.shape()[2];
    const std::int64_t h = hidden_, g = gates();
    if (const Tensor* lens = input(kSequenceLens); lens != nullptr) {
      if (Status status = CheckSequenceLens(*lens, seq); !status.ok()) return status;
    }
    float* projections = reinterpret_cast<float*>(scratch.data());
    float* recurrent = projections + seq * batch * g * h;
    float* state_h = recurrent + batch * g * h;
    float* state_other = state_h + batch * h;  // LSTM: C; GRU: r ⊙ H

    // X · Wᵀ + Wb (+ Rb for the gates where it simply adds) for every step.
    ConstMatrixMap weights(input(kW)->data<float>(), g * h, features);
    MatrixMap projected(projections, seq * batch, g * h);
    projected.noalias() = ConstMatrixMap(x.data<float>(), seq * batch, features) * weights.transpose();
    if (const Tensor* b = input(kB); b != nullptr) {
      Eigen::Map<const Eigen::RowVectorXf> wb(b->data<float>(), g * h);
      Eigen::Map<const Eigen::RowVectorXf> rb(b->data<float>() + g * h, g * h);
      projected.rowwise() += wb;
      if (cell_ == Cell::kLstm || !linear_before_reset_) {
        // GRU with linear_before_reset = 0 adds Rbh outside the reset gate too.
        projected.rowwise() += rb;
      } else {
        // linear_before_reset = 1: Rbh belongs inside r ⊙ (H · Rhᵀ + Rbh), added per step.
        projected.leftCols(2 * h).rowwise() += rb.head(2 * h);
      }
    }
    if (const Tensor* initial = input(kInitialH); initial != nullptr) {
      std::memcpy(state_h, initial->data<float>(), static_cast<std::size_t>(batch * h) * sizeof(float));
    } else {
      std::fill(state_h, state_h + batch * h, 0.0f);
    }
    if (cell_ == Cell::kLstm) {
      if (const Tensor* initial = input(kInitialC); initial != nullptr) {
        std::memcpy(state_other, initial->data<float>(), static_cast<std::size_t>(batch * h) * sizeof(float));
      } else {
        std::fill(state_other, state_other + batch * h, 0.0f);
      }
    }

    ConstMatrixMap r(input(kR)->data<float>(), g * h, h);
    MatrixMap hidden(state_h, batch, h);
    MatrixMap step_recurrent(recurrent, batch, g * h);
    const float* rbh = input(kB) != nullptr ? input(kB)->data<float>() + g * h + 2 * h : nullptr;
    Tensor* y = outputs.size() > 0 ? outputs[0] : nullptr;
    for (std::int64_t t = 0; t < seq; ++t) {
      const float* step = projections + t * batch * g * h;
      if (cell_ == Cell::kLstm) {
        step_recurrent.noalias() = hidden * r.transpose();
        for (std::int64_t n = 0; n < batch; ++n) {
          const float* p = step + n * g * h;
          const float* q = recurrent + n * g * h;
          float* hn = state_h + n * h;
          float* cn = state_other + n * h;
          for (std::int64_t k = 0; k < h; ++k) {
            const float i_gate = Sigmoid(p[k] + q[k]);
            const float o_gate = Sigmoid(p[h + k] + q[h + k]);
            const float f_gate = Sigmoid(p[2 * h + k] + q[2 * h + k]);
            const float candidate = std::tanh(p[3 * h + k] + q[3 * h + k]);
            cn[k] = f_gate * cn[k] + i_gate * candidate;
            hn[k] = o_gate * std::tanh(cn[k]);
          }
        }
      } else {
        // z and r from H · Rᵀ; the candidate's recurrent part depends on linear_before_reset.
        step_recurrent.leftCols(2 * h).noalias() = hidden * r.topRows(2 * h).transpose();
        if (linear_before_reset_) {
          step_recurrent.rightCols(h).noalias() = hidden * r.bottomRows(h).transpose();
        }
        for (std::int64_t n = 0; n < batch; ++n) {
          const float* p = step + n * g * h;
          float* q = recurrent + n * g * h;
          float* reset_h = state_other + n * h;
          for (std::int64_t k = 0; k < h; ++k) {
            const float r_gate = Sigmoid(p[h + k] + q[h + k]);
            if (linear_before_reset_) {
              q[2 * h + k] = r_gate * (q[2 * h + k] + (rbh != nullptr ? rbh[k] : 0.0f));
            } else {
              reset_h[k] = r_gate * state_h[n * h + k];
            }
          }
        }
        if (!linear_before_reset_) {
          step_recurrent.rightCols(h).noalias() = MatrixMap(state_other, batch, h) * r.bottomRows(h).transpose();
        }
        for (std::int64_t n = 0; n < batch; ++n) {
          const float* p = step + n * g * h;
          const float* q = recurrent + n * g * h;
          float* hn = state_h + n * h;
          for (std::int64_t k = 0; k < h; ++k) {
            const float z_gate = Sigmoid(p[k] + q[k]);
            const float candidate = std::tanh(p[2 * h + k] + q[2 * h + k]);
            hn[k] = (1.0f - z_gate) * candidate + z_gate * hn[k];
          }
        }
      }
      if (y != nullptr) {
        std::memcpy(y->data<float>() + t * batch * h, state_h, static_cast<std::size_t>(batch * h) * sizeof(float));
      }
    }
    if (outputs.size() > 1 && outputs[1] != nullptr) {
      std::memcpy(outputs[1]->data<float>(), state_h, static_cast<std::size_t>(batch * h) * sizeof(float));
    }
    if (cell_ == Cell::kLstm && outputs.size() > 2 && outputs[2] != nullptr) {
      std::memcpy(outputs[2]->data<float>(), state_other, static_cast<std::size_t>(batch * h) * sizeof(float));
    }
    return Status::Ok();
  }

 private:
  Status Fail(const std::string& message) const { return Status::Invalid(fmt::format("{}: {}", label_, message)); }

  // Variable-length sequences are not supported: every length must be the full one.
  Status CheckSequenceLens(const Tensor& lens, std::int64_t seq) const {
    for (std::int64_t i = 0; i < lens.size(); ++i) {
      if (lens.data<std::int64_t>()[i] != seq) {
        return Fail(fmt::format("sequence_lens[{}] is {}; only sequences of the full length {} are supported", i,
                                lens.data<std::int64_t>()[i], seq));
      }
    }
    return Status::Ok();
  }

  std::string label_;
  Cell cell_;
  std::int64_t hidden_;
  bool linear_before_reset_;
  std::size_t output_count_;  // the node's outputs, omitted ones included
};

template <Cell kCell>
Status MakeRecurrent(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  auto fail = [&](const std::string& message) { return Status::Invalid(fmt::format("{}: {}", node.Label(), message)); };
  const std::string direction = node.String("direction", "forward");
  if (direction != "forward") {
    return fail(fmt::format("direction '{}' is not supported; only 'forward' (one direction) is", direction));
  }
  const std::int64_t hidden = node.Int("hidden_size", 0);
  if (hidden < 1) return fail("hidden_size must be set and positive");
  if (node.Int("layout", 0) != 0) return fail("layout 1 (batch first) is not supported; only layout 0 is");
  const std::vector<std::string> defaults = kCell == Cell::kLstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                                                 : std::vector<std::string>{"Sigmoid", "Tanh"};
  const std::vector<std::string> activations = node.Strings("activations");
  if (!activations.empty() && activations != defaults) {
    return fail(fmt::format("activations [{}] are not supported; only the defaults [{}] are",
                            fmt::join(activations, ", "), fmt::join(defaults, ", ")));
  }
  if (node.Find("clip") != nullptr) return fail("clip is not supported");
  if (node.outputs.size() > (kCell == Cell::kLstm ? 3u : 2u)) return fail("has more outputs than the operator defines");
  if (kCell == Cell::kLstm) {
    if (node.Int("input_forget", 0) != 0) return fail("input_forget = 1 is not supported");
    if (node.inputs.size() > kPeepholes && !node.inputs[kPeepholes].empty()) {
      return fail("the peephole input P is not supported");
    }
  }
  *kernel = std::make_unique<RecurrentKernel>(
      node.Label(), kCell, hidden, kCell == Cell::kGru && node.Int("linear_before_reset", 0) != 0, node.outputs.size());
  return Status::Ok();
}

}  // namespace

void RegisterRecurrentKernels(KernelRegistry& registry) {
  registry.Register({"", "LSTM", 7, 1000, &MakeRecurrent<Cell::kLstm>});
  registry.Register({"", "GRU", 7, 1000, &MakeRecurrent<Cell::kGru>});
}

}  // namespace stagegate::inference
