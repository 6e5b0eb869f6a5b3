// MatMul (numpy semantics: batched, broadcast leading dimensions, 1-D
// operands promoted) and Gemm, through Eigen maps over the tensors' memory:
// noalias() products write straight into the output, no temporaries.

#include <Eigen/Core>

#include "evaluators/inference/kernel_util.h"

namespace stagegate::inference {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;
using Map = Eigen::Map<RowMajor>;

// The matrix view of a MatMul operand: batch dims plus [rows, cols].
struct Operand {
  Shape batch;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

Operand AsMatrix(const Shape& shape, bool is_left) {
  Operand operand;
  if (shape.size() == 1) {
    operand.rows = is_left ? 1 : shape[0];
    operand.cols = is_left ? shape[0] : 1;
    return operand;
  }
  operand.batch.assign(shape.begin(), shape.end() - 2);
  operand.rows = shape[shape.size() - 2];
  operand.cols = shape[shape.size() - 1];
  return operand;
}

class MatMulKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (node.inputs.size() != 2) return Error("takes two inputs, the node has {}", node.inputs.size());
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    if (!inputs[0].present || !inputs[1].present) return Error("both inputs are required");
    if (inputs[0].type != ElementType::kFloat32 || inputs[1].type != ElementType::kFloat32) {
      return Error("inputs are {} and {}; expected float32", ElementTypeName(inputs[0].type),
                   ElementTypeName(inputs[1].type));
    }
    const Shape& a_shape = inputs[0].shape;
    const Shape& b_shape = inputs[1].shape;
    if (a_shape.empty() || b_shape.empty() || a_shape.size() > kMaxRank || b_shape.size() > kMaxRank) {
      return Error("cannot multiply {} by {}: operands need rank 1 to {}", FormatShape(a_shape), FormatShape(b_shape),
                   kMaxRank);
    }
    const Operand a = AsMatrix(a_shape, true);
    const Operand b = AsMatrix(b_shape, false);
    Shape batch;
    if (a.cols != b.rows || !BroadcastShapes(a.batch, b.batch, &batch)) {
      return Error("cannot multiply {} by {}", FormatShape(a_shape), FormatShape(b_shape));
    }
    Shape shape = batch;
    if (a_shape.size() > 1) shape.push_back(a.rows);
    if (b_shape.size() > 1) shape.push_back(b.cols);
    outputs->assign(1, OutputSpec{ElementType::kFloat32, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Tensor& a_tensor = *inputs[0];
    const Tensor& b_tensor = *inputs[1];
    Tensor& y = *outputs[0];
    const Shape& a_shape = a_tensor.shape();
    const Shape& b_shape = b_tensor.shape();
    const std::int64_t m = a_shape.size() == 1 ? 1 : a_shape[a_shape.size() - 2];
    const std::int64_t k = a_shape.back();
    const std::int64_t n = b_shape.size() == 1 ? 1 : b_shape.back();
    const std::int64_t a_matrices = a_tensor.size() / std::max<std::int64_t>(1, m * k);
    const std::int64_t b_matrices = b_tensor.size() / std::max<std::int64_t>(1, k * n);
    if (m * k == 0 || k * n == 0 || (a_matrices <= 1 && b_matrices <= 1)) {
      if (y.size() == 0) return Status::Ok();
      if (k == 0) {
        Map(y.data<float>(), m, n).setZero();
        return Status::Ok();
      }
      Map(y.data<float>(), m, n).noalias() =
          ConstMap(a_tensor.data<float>(), m, k) * ConstMap(b_tensor.data<float>(), k, n);
      return Status::Ok();
    }
    if (b_matrices == 1) {
      // Common case ([batch..., M, K] x [K, N]): one product over all rows.
      const std::int64_t rows = a_tensor.size() / k;
      Map(y.data<float>(), rows, n).noalias() =
          ConstMap(a_tensor.data<float>(), rows, k) * ConstMap(b_tensor.data<float>(), k, n);
      return Status::Ok();
    }
    // Batch dimensions as fixed arrays: no allocation on the run path.
    const std::size_t a_rank = a_shape.size() >= 2 ? a_shape.size() - 2 : 0;
    const std::size_t b_rank = b_shape.size() >= 2 ? b_shape.size() - 2 : 0;
    const std::size_t y_rank = std::max(a_rank, b_rank);
    std::int64_t y_batch[kMaxRank], a_strides[kMaxRank], b_strides[kMaxRank];
    std::int64_t a_stride = 1, b_stride = 1;
    for (int d = static_cast<int>(y_rank) - 1; d >= 0; --d) {
      const int ad = d - static_cast<int>(y_rank - a_rank);
      const int bd = d - static_cast<int>(y_rank - b_rank);
      const std::int64_t a_dim = ad >= 0 ? a_shape[ad] : 1;
      const std::int64_t b_dim = bd >= 0 ? b_shape[bd] : 1;
      y_batch[d] = std::max(a_dim, b_dim);
      a_strides[d] = a_dim == 1 ? 0 : a_stride;
      b_strides[d] = b_dim == 1 ? 0 : b_stride;
      a_stride *= a_dim;
      b_stride *= b_dim;
    }
    std::int64_t counter[kMaxRank] = {};
    std::int64_t a_index = 0, b_index = 0;
    const std::int64_t batches = y.size() / std::max<std::int64_t>(1, m * n);
    for (std::int64_t i = 0; i < batches; ++i) {
      Map(y.data<float>() + i * m * n, m, n).noalias() = ConstMap(a_tensor.data<float>() + a_index * m * k, m, k) *
                                                         ConstMap(b_tensor.data<float>() + b_index * k * n, k, n);
      for (int d = static_cast<int>(y_rank) - 1; d >= 0; --d) {
        ++counter[d];
        a_index += a_strides[d];
        b_index += b_strides[d];
        if (counter[d] < y_batch[d]) break;
        a_index -= a_strides[d] * y_batch[d];
        b_index -= b_strides[d] * y_batch[d];
        counter[d] = 0;
      }
    }
    return Status::Ok();
  }
};

// Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A; C (optional from
// opset 11) broadcasts to [M, N].
class GemmKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    alpha_ = node.Float("alpha", 1.0f);
    beta_ = node.Float("beta", 1.0f);
    trans_a_ = node.Int("transA", 0) != 0;
    trans_b_ = node.Int("transB", 0) != 0;
    if (node.inputs.size() < 2) return Error("takes two or three inputs");
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    if (!inputs[0].present || !inputs[1].present) return Error("A and B are required");
    for (const PlannedValue& input : inputs) {
      if (input.present && input.type != ElementType::kFloat32)
        return Error("inputs must be float32, got {}", ElementTypeName(input.type));
    }
    const Shape& a = inputs[0].shape;
    const Shape& b = inputs[1].shape;
    if (a.size() != 2 || b.size() != 2) return Error("A {} and B {} must be matrices", FormatShape(a), FormatShape(b));
    const std::int64_t m = trans_a_ ? a[1] : a[0];
    const std::int64_t k = trans_a_ ? a[0] : a[1];
    const std::int64_t k_b = trans_b_ ? b[1] : b[0];
    const std::int64_t n = trans_b_ ? b[0] : b[1];
    if (k != k_b) {
      return Error("cannot multiply A {}{} by B {}{}", FormatShape(a), trans_a_ ? " (transposed)" : "", FormatShape(b),
                   trans_b_ ? " (transposed)" : "");
    }
    if (inputs.size() > 2 && inputs[2].present) {
      Shape c = inputs[2].shape;
      Shape broadcast;
      if (c.size() > 2 || !BroadcastShapes(c, {m, n}, &broadcast) || broadcast != Shape{m, n}) {
        return Error("C {} does not broadcast to [{}, {}]", FormatShape(c), m, n);
      }
    }
    outputs->assign(1, OutputSpec{ElementType::kFloat32, {m, n}});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Tensor& a_tensor = *inputs[0];
    const Tensor& b_tensor = *inputs[1];
    Tensor& y_tensor = *outputs[0];
    const std::int64_t m = y_tensor.shape()[0];
    const std::int64_t n = y_tensor.shape()[1];
    const std::int64_t k = trans_a_ ? a_tensor.shape()[0] : a_tensor.shape()[1];
    Map y(y_tensor.data<float>(), m, n);
    // Eigen copies a scaled operand into a heap temporary on its one-row
    // (matrix-vector) path, so alpha stays out of the product expression:
    // Y = alpha * (A'B' + (beta / alpha) C).
    const float c_scale = alpha_ == 0.0f ? beta_ : beta_ / alpha_;
    const Tensor* c = inputs.size() > 2 ? inputs[2] : nullptr;
    if (c != nullptr && beta_ != 0.0f) {
      const float* c_data = c->data<float>();
      const Shape& c_shape = c->shape();
      const std::int64_t c_rows = c_shape.size() == 2 ? c_shape[0] : 1;
      const std::int64_t c_cols = c_shape.empty() ? 1 : c_shape.back();
      if (c_rows == 1 && c_cols == n && c_scale == 1.0f) {
        // A layer's bias: copy it into every row (an Eigen rowwise assignment would evaluate into a temporary).
        for (std::int64_t i = 0; i < m; ++i) {
          std::memcpy(y_tensor.data<float>() + i * n, c_data, static_cast<std::size_t>(n) * sizeof(float));
        }
      } else {
        FillFromC(c_data, c_rows, c_cols, c_scale, m, n, y_tensor.data<float>());
      }
    } else {
      y.setZero();
    }
    if (m == 0 || n == 0 || k == 0 || alpha_ == 0.0f) return Status::Ok();
    const ConstMap a(a_tensor.data<float>(), a_tensor.shape()[0], a_tensor.shape()[1]);
    const ConstMap b(b_tensor.data<float>(), b_tensor.shape()[0], b_tensor.shape()[1]);
    if (trans_a_ && trans_b_) {
      y.noalias() += a.transpose() * b.transpose();
    } else if (trans_a_) {
      y.noalias() += a.transpose() * b;
    } else if (trans_b_) {
      y.noalias() += a * b.transpose();
    } else {
      y.noalias() += a * b;
    }
    if (alpha_ != 1.0f) y *= alpha_;
    return Status::Ok();
  }

 private:
  // Y = scale * C broadcast to [m, n] (C is [m, n], [m, 1], [1, n] or a scalar).
  static void FillFromC(const float* c_data, std::int64_t c_rows, std::int64_t c_cols, float scale, std::int64_t m,
                        std::int64_t n, float* y) {
    for (std::int64_t i = 0; i < m; ++i) {
      const float* c_row = c_data + (c_rows == 1 ? 0 : i) * c_cols;
      float* y_row = y + i * n;
      if (c_cols == 1) {
        std::fill(y_row, y_row + n, scale * c_row[0]);
      } else {
        for (std::int64_t j = 0; j < n; ++j) y_row[j] = scale * c_row[j];
      }
    }
  }

  float alpha_ = 1.0f;
  float beta_ = 1.0f;
  bool trans_a_ = false;
  bool trans_b_ = false;
};

}  // namespace

void RegisterLinalgKernels(KernelRegistry& registry) {
  registry.Register({"", "MatMul", 1, 17, MakeKernel<MatMulKernel>});
  registry.Register({"", "Gemm", 7, 17, MakeKernel<GemmKernel>});
}

}  // namespace stagegate::inference
