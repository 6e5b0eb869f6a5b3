// Element-wise operators: arithmetic with numpy broadcasting, activations,
// comparisons, Where, Clip and Cast.

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "evaluators/inference/kernel_util.h"

namespace stagegate::inference {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;
using RowsMap = Eigen::Map<Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using ConstRowsMap = Eigen::Map<const Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using ConstRowMap = Eigen::Map<const Eigen::Array<float, 1, Eigen::Dynamic>>;

// ---- Binary and variadic arithmetic ---------------------------------------

enum class Arith { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kSum };

template <typename T>
inline T Apply(Arith op, T a, T b) {
  switch (op) {
    case Arith::kAdd:
    case Arith::kSum:
      return a + b;
    case Arith::kSub:
      return a - b;
    case Arith::kMul:
      return a * b;
    case Arith::kDiv:
      return a / b;
    case Arith::kPow:
      return static_cast<T>(std::pow(a, b));
    case Arith::kMax:
      return a > b || std::isnan(static_cast<double>(a)) ? a : b;
    case Arith::kMin:
      return a < b || std::isnan(static_cast<double>(a)) ? a : b;
  }
  return a;
}

// Add, Sub, Mul, Div, Pow (exactly two inputs) and Sum, Max, Min (one or
// more), all with numpy broadcasting.
template <Arith kOp>
class ArithmeticKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    const bool variadic = kOp == Arith::kSum || kOp == Arith::kMax || kOp == Arith::kMin;
    if (variadic ? node.inputs.empty() : node.inputs.size() != 2) {
      return Error("takes {} inputs, the node has {}", variadic ? "one or more" : "two", node.inputs.size());
    }
    return Status::Ok();
  }

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    Shape shape = inputs[0].shape;
    const ElementType type = inputs[0].type;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const PlannedValue& input = inputs[k];
      if (!input.present) return Error("input {} is missing", k);
      const bool exponent = kOp == Arith::kPow && k == 1;
      if (!Numeric(input.type) || (!exponent && input.type != type)) {
        return Error("input {} is {}; expected {} like input 0 (float32 or int64)", k, ElementTypeName(input.type),
                     ElementTypeName(type));
      }
      if (input.shape.size() > kMaxRank)
        return Error("input {} has rank {} (at most {})", k, input.shape.size(), kMaxRank);
      if (!BroadcastShapes(shape, input.shape, &shape)) {
        return Error("input shapes {} and {} do not broadcast", FormatShape(inputs[0].shape), FormatShape(input.shape));
      }
    }
    if (kOp == Arith::kPow && type != ElementType::kFloat32)
      return Error("base must be float32, got {}", ElementTypeName(type));
    outputs->assign(1, OutputSpec{type, shape});
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    Tensor& out = *outputs[0];
    if (out.type() == ElementType::kInt64) {
      if (kOp == Arith::kDiv) {
        const Tensor& divisor = *inputs[1];
        for (std::int64_t i = 0; i < divisor.size(); ++i) {
          if (divisor.data<std::int64_t>()[i] == 0) return Error("integer division by zero");
        }
      }
      Compute<std::int64_t, std::int64_t>(inputs, out);
    } else if (kOp == Arith::kPow && inputs[1]->type() == ElementType::kInt64) {
      Compute<float, std::int64_t>(inputs, out);
    } else if (inputs.size() != 2 || !FastFloat(*inputs[0], *inputs[1], out)) {
      Compute<float, float>(inputs, out);
    }
    return Status::Ok();
  }

 private:
  // Float Add, Sub, Mul, Div through Eigen's SIMD when the shapes are the
  // common ones: equal, a scalar on either side, or input 1 a row ([F])
  // broadcast over input 0 ([N, F]). False when none applies.
  static bool FastFloat(const Tensor& a_tensor, const Tensor& b_tensor, Tensor& out) {
    constexpr bool kSupported =
        kOp == Arith::kAdd || kOp == Arith::kSum || kOp == Arith::kSub || kOp == Arith::kMul || kOp == Arith::kDiv;
    if constexpr (!kSupported) {
      return false;
    } else {
      const std::int64_t total = out.size();
      const std::int64_t a_size = a_tensor.size();
      const std::int64_t b_size = b_tensor.size();
      ArrayMap y(out.data<float>(), total);
      const auto op = [](const auto& x, const auto& z) {
        if constexpr (kOp == Arith::kSub) return x - z;
        if constexpr (kOp == Arith::kMul) return x * z;
        if constexpr (kOp == Arith::kDiv) return x / z;
        if constexpr (kOp == Arith::kAdd || kOp == Arith::kSum) return x + z;
      };
      if (a_size == total && b_size == total) {
        y = op(ConstArrayMap(a_tensor.data<float>(), total), ConstArrayMap(b_tensor.data<float>(), total));
        return true;
      }
      if (a_size == total && b_size == 1) {
        y = op(ConstArrayMap(a_tensor.data<float>(), total), b_tensor.data<float>()[0]);
        return true;
      }
      if (a_size == 1 && b_size == total) {
        const float scalar = a_tensor.data<float>()[0];
        const ConstArrayMap b(b_tensor.data<float>(), total);
        if constexpr (kOp == Arith::kSub) {
          y = scalar - b;
        } else if constexpr (kOp == Arith::kDiv) {
          y = scalar / b;
        } else {
          y = op(b, scalar);
        }
        return true;
      }
      // Input 1 a row: its shape, without leading 1s, is the output's last dimension.
      const Shape& b_shape = b_tensor.shape();
      const bool b_is_row =
          a_size == total && !out.shape().empty() && b_size == out.shape().back() &&
          std::all_of(b_shape.begin(), b_shape.end(), [&](std::int64_t d) { return d == 1 || d == b_size; });
      if (b_is_row && b_size > 0) {
        const std::int64_t rows = total / b_size;
        RowsMap y_rows(out.data<float>(), rows, b_size);
        const ConstRowsMap a(a_tensor.data<float>(), rows, b_size);
        const ConstRowMap row(b_tensor.data<float>(), b_size);
        if constexpr (kOp == Arith::kSub) {
          y_rows = a.rowwise() - row;
        } else if constexpr (kOp == Arith::kMul) {
          y_rows = a.rowwise() * row;
        } else if constexpr (kOp == Arith::kDiv) {
          y_rows = a.rowwise() / row;
        } else {
          y_rows = a.rowwise() + row;
        }
        return true;
      }
      return false;
    }
  }

  // U is the type of input 1 (Pow's exponent may be int64); later inputs are T.
  template <typename T, typename U>
  static void Compute(std::span<const Tensor* const> inputs, Tensor& out) {
    T* y = out.data<T>();
    const T* a = inputs[0]->data<T>();
    const U* b = inputs.size() > 1 ? inputs[1]->data<U>() : nullptr;
    if (inputs.size() == 1) {
      ForEachBroadcast<1>(out.shape(), {&inputs[0]->shape()},
                          [&](std::int64_t i, const std::array<std::int64_t, 1>& o) { y[i] = a[o[0]]; });
      return;
    }
    ForEachBroadcast<2>(out.shape(), {&inputs[0]->shape(), &inputs[1]->shape()},
                        [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                          y[i] = Apply<T>(kOp, a[o[0]], static_cast<T>(b[o[1]]));
                        });
    for (std::size_t k = 2; k < inputs.size(); ++k) {
      const T* c = inputs[k]->data<T>();
      ForEachBroadcast<2>(
          out.shape(), {&out.shape(), &inputs[k]->shape()},
          [&](std::int64_t i, const std::array<std::int64_t, 2>& o) { y[i] = Apply<T>(kOp, y[i], c[o[1]]); });
    }
  }
};

// ---- Unary -----------------------------------------------------------------

enum class Unary { kSqrt, kExp, kLog, kAbs, kNeg, kRelu, kLeakyRelu, kSigmoid, kTanh };

template <Unary kOp>
class UnaryKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    Status kind = CheckKind(node, "alpha", Attribute::Kind::kFloat);
    if (!kind.ok()) return Error("{}", kind.message());
    alpha_ = node.Float("alpha", 0.01f);
    if (node.inputs.size() != 1) return Error("takes one input, the node has {}", node.inputs.size());
    return Status::Ok();
  }

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    const bool int_ok = kOp == Unary::kAbs || kOp == Unary::kNeg || kOp == Unary::kRelu;
    if (!inputs[0].present) return Error("input 0 is missing");
    if (inputs[0].type != ElementType::kFloat32 && !(int_ok && inputs[0].type == ElementType::kInt64)) {
      return Error("input is {}; expected float32{}", ElementTypeName(inputs[0].type), int_ok ? " or int64" : "");
    }
    outputs->assign(1, OutputSpec{inputs[0].type, inputs[0].shape});
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const std::int64_t n = inputs[0]->size();
    if (inputs[0]->type() == ElementType::kInt64) {
      const std::int64_t* x = inputs[0]->data<std::int64_t>();
      std::int64_t* y = outputs[0]->data<std::int64_t>();
      for (std::int64_t i = 0; i < n; ++i) {
        y[i] = kOp == Unary::kAbs   ? (x[i] < 0 ? -x[i] : x[i])
               : kOp == Unary::kNeg ? -x[i]
                                    : std::max<std::int64_t>(x[i], 0);
      }
      return Status::Ok();
    }
    // Eigen's array functions are vectorized (SIMD exp, log, tanh, logistic).
    const ConstArrayMap x(inputs[0]->data<float>(), n);
    ArrayMap y(outputs[0]->data<float>(), n);
    switch (kOp) {
      case Unary::kSqrt:
        y = x.sqrt();
        break;
      case Unary::kExp:
        y = x.exp();
        break;
      case Unary::kLog:
        y = x.log();
        break;
      case Unary::kAbs:
        y = x.abs();
        break;
      case Unary::kNeg:
        y = -x;
        break;
      case Unary::kRelu:
        y = x.max(0.0f);
        break;  // std::max(x, 0): NaN stays NaN, as in PyTorch
      case Unary::kLeakyRelu:
        y = (x >= 0.0f).select(x, x * alpha_);
        break;
      case Unary::kSigmoid:
      case Unary::kTanh:
        for (std::int64_t i = 0; i < n; ++i) y[i] = Compute(x[i]);
        break;
    }
    return Status::Ok();
  }

 private:
  float Compute(float x) const {
    switch (kOp) {
      case Unary::kSqrt:
        return std::sqrt(x);
      case Unary::kExp:
        return std::exp(x);
      case Unary::kLog:
        return std::log(x);
      case Unary::kAbs:
        return std::fabs(x);
      case Unary::kNeg:
        return -x;
      case Unary::kRelu:
        return x > 0.0f ? x : 0.0f;
      case Unary::kLeakyRelu:
        return x >= 0.0f ? x : alpha_ * x;
      case Unary::kSigmoid: {
        // Split by sign so that exp never overflows.
        if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
        const float e = std::exp(x);
        return e / (1.0f + e);
      }
      case Unary::kTanh:
        return std::tanh(x);
    }
    return x;
  }
  float alpha_ = 0.01f;
};

// ---- Clip ------------------------------------------------------------------

// Opset < 11: min/max attributes. From 11: optional scalar inputs 1 and 2
// (int64 tensors from 12).
class ClipKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (node.opset < 11) {
      min_ = node.Float("min", std::numeric_limits<float>::lowest());
      max_ = node.Float("max", std::numeric_limits<float>::max());
    }
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    if (inputs.empty() || !inputs[0].present || !Numeric(inputs[0].type))
      return Error("input must be float32 or int64");
    for (std::size_t k = 1; k < inputs.size() && k < 3; ++k) {
      if (inputs[k].present && (inputs[k].type != inputs[0].type || ElementCount(inputs[k].shape) != 1)) {
        return Error("input {} must be a scalar of the input's type", k == 1 ? "min" : "max");
      }
    }
    outputs->assign(1, OutputSpec{inputs[0].type, inputs[0].shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    if (inputs[0]->type() == ElementType::kInt64) {
      Compute<std::int64_t>(inputs, *outputs[0], std::numeric_limits<std::int64_t>::lowest(),
                            std::numeric_limits<std::int64_t>::max());
    } else {
      Compute<float>(inputs, *outputs[0], min_, max_);
    }
    return Status::Ok();
  }

 private:
  template <typename T>
  static void Compute(std::span<const Tensor* const> inputs, Tensor& out, T low, T high) {
    if (inputs.size() > 1 && inputs[1] != nullptr) low = inputs[1]->data<T>()[0];
    if (inputs.size() > 2 && inputs[2] != nullptr) high = inputs[2]->data<T>()[0];
    const T* x = inputs[0]->data<T>();
    T* y = out.data<T>();
    for (std::int64_t i = 0; i < out.size(); ++i) y[i] = std::min(std::max(x[i], low), high);
  }
  float min_ = std::numeric_limits<float>::lowest();
  float max_ = std::numeric_limits<float>::max();
};

// ---- Comparisons and Where ---------------------------------------------------

enum class Compare { kEqual, kLess, kGreater };

template <Compare kOp>
class CompareKernel final : public NodeKernel {
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
    const bool type_ok = Numeric(inputs[0].type) || (kOp == Compare::kEqual && inputs[0].type == ElementType::kBool);
    if (!type_ok || inputs[1].type != inputs[0].type) {
      return Error("inputs are {} and {}; expected two float32 or int64{}", ElementTypeName(inputs[0].type),
                   ElementTypeName(inputs[1].type), kOp == Compare::kEqual ? " (or bool)" : "");
    }
    Shape shape;
    if (inputs[0].shape.size() > kMaxRank || inputs[1].shape.size() > kMaxRank ||
        !BroadcastShapes(inputs[0].shape, inputs[1].shape, &shape)) {
      return Error("input shapes {} and {} do not broadcast", FormatShape(inputs[0].shape),
                   FormatShape(inputs[1].shape));
    }
    outputs->assign(1, OutputSpec{ElementType::kBool, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    switch (inputs[0]->type()) {
      case ElementType::kFloat32:
        Compute<float>(inputs, *outputs[0]);
        break;
      case ElementType::kInt64:
        Compute<std::int64_t>(inputs, *outputs[0]);
        break;
      default:
        Compute<std::uint8_t>(inputs, *outputs[0]);
        break;
    }
    return Status::Ok();
  }

 private:
  template <typename T>
  static void Compute(std::span<const Tensor* const> inputs, Tensor& out) {
    const T* a = inputs[0]->data<T>();
    const T* b = inputs[1]->data<T>();
    std::uint8_t* y = out.data<std::uint8_t>();
    ForEachBroadcast<2>(out.shape(), {&inputs[0]->shape(), &inputs[1]->shape()},
                        [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                          const T x = a[o[0]];
                          const T z = b[o[1]];
                          y[i] = kOp == Compare::kEqual ? x == z : kOp == Compare::kLess ? x < z : x > z;
                        });
  }
};

class WhereKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    if (node.inputs.size() != 3) return Error("takes three inputs, the node has {}", node.inputs.size());
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    for (const auto& input : inputs) {
      if (!input.present) return Error("all three inputs are required");
      if (input.shape.size() > kMaxRank) return Error("rank above {}", kMaxRank);
    }
    if (inputs[0].type != ElementType::kBool)
      return Error("condition is {}; expected bool", ElementTypeName(inputs[0].type));
    if (inputs[1].type != inputs[2].type || inputs[1].type == ElementType::kString) {
      return Error("X and Y are {} and {}; expected the same numeric or bool type", ElementTypeName(inputs[1].type),
                   ElementTypeName(inputs[2].type));
    }
    Shape shape;
    if (!BroadcastShapes(inputs[0].shape, inputs[1].shape, &shape) ||
        !BroadcastShapes(shape, inputs[2].shape, &shape)) {
      return Error("shapes {}, {} and {} do not broadcast", FormatShape(inputs[0].shape), FormatShape(inputs[1].shape),
                   FormatShape(inputs[2].shape));
    }
    outputs->assign(1, OutputSpec{inputs[1].type, shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    switch (inputs[1]->type()) {
      case ElementType::kFloat32:
        Compute<float>(inputs, *outputs[0]);
        break;
      case ElementType::kInt64:
        Compute<std::int64_t>(inputs, *outputs[0]);
        break;
      default:
        Compute<std::uint8_t>(inputs, *outputs[0]);
        break;
    }
    return Status::Ok();
  }

 private:
  template <typename T>
  static void Compute(std::span<const Tensor* const> inputs, Tensor& out) {
    const std::uint8_t* c = inputs[0]->data<std::uint8_t>();
    const T* x = inputs[1]->data<T>();
    const T* z = inputs[2]->data<T>();
    T* y = out.data<T>();
    ForEachBroadcast<3>(
        out.shape(), {&inputs[0]->shape(), &inputs[1]->shape(), &inputs[2]->shape()},
        [&](std::int64_t i, const std::array<std::int64_t, 3>& o) { y[i] = c[o[0]] ? x[o[1]] : z[o[2]]; });
  }
};

// ---- Cast ------------------------------------------------------------------

// float32 → int64 truncates toward zero; NaN and values beyond int64 become
// INT64_MIN (what x86's conversion gives, made defined here).
std::int64_t FloatToInt64(float x) {
  if (!(x > -9.2233715e18f && x < 9.2233715e18f)) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(x);
}

class CastKernel final : public NodeKernel {
 public:
  using NodeKernel::NodeKernel;
  Status Init(const NodeDef& node) {
    const std::int64_t to = node.Int("to", -1);
    switch (to) {
      case 1:
        to_ = ElementType::kFloat32;
        break;
      case 7:
        to_ = ElementType::kInt64;
        break;
      case 9:
        to_ = ElementType::kBool;
        break;
      default:
        return Error("casts to ONNX type {}; Stagegate casts to float (1), int64 (7) and bool (9)", to);
    }
    return Status::Ok();
  }
  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    *scratch_bytes = 0;
    if (inputs.empty() || !inputs[0].present || inputs[0].type == ElementType::kString) {
      return Error("input must be float32, int64 or bool");
    }
    outputs->assign(1, OutputSpec{to_, inputs[0].shape});
    return Status::Ok();
  }
  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte>) const override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    const std::int64_t n = x.size();
    for (std::int64_t i = 0; i < n; ++i) {
      double value = 0;  // exact for float32 and bool; int64 beyond 2^53 goes through the float path below
      switch (x.type()) {
        case ElementType::kFloat32:
          value = x.data<float>()[i];
          break;
        case ElementType::kInt64:
          value = static_cast<double>(x.data<std::int64_t>()[i]);
          break;
        default:
          value = x.data<std::uint8_t>()[i];
          break;
      }
      switch (to_) {
        case ElementType::kFloat32:
          y.data<float>()[i] = static_cast<float>(value);
          break;
        case ElementType::kInt64:
          y.data<std::int64_t>()[i] =
              x.type() == ElementType::kInt64 ? x.data<std::int64_t>()[i] : FloatToInt64(static_cast<float>(value));
          break;
        default:
          y.data<std::uint8_t>()[i] = value != 0.0 ? 1 : 0;
          break;
      }
    }
    return Status::Ok();
  }

 private:
  ElementType to_ = ElementType::kFloat32;
};

}  // namespace

void RegisterElementwiseKernels(KernelRegistry& registry) {
  const std::string ai = "";
  registry.Register({ai, "Add", 7, 17, MakeKernel<ArithmeticKernel<Arith::kAdd>>});
  registry.Register({ai, "Sub", 7, 17, MakeKernel<ArithmeticKernel<Arith::kSub>>});
  registry.Register({ai, "Mul", 7, 17, MakeKernel<ArithmeticKernel<Arith::kMul>>});
  registry.Register({ai, "Div", 7, 17, MakeKernel<ArithmeticKernel<Arith::kDiv>>});
  registry.Register({ai, "Pow", 7, 17, MakeKernel<ArithmeticKernel<Arith::kPow>>});
  registry.Register({ai, "Sum", 6, 17, MakeKernel<ArithmeticKernel<Arith::kSum>>});
  registry.Register({ai, "Max", 6, 17, MakeKernel<ArithmeticKernel<Arith::kMax>>});
  registry.Register({ai, "Min", 6, 17, MakeKernel<ArithmeticKernel<Arith::kMin>>});
  registry.Register({ai, "Sqrt", 6, 17, MakeKernel<UnaryKernel<Unary::kSqrt>>});
  registry.Register({ai, "Exp", 6, 17, MakeKernel<UnaryKernel<Unary::kExp>>});
  registry.Register({ai, "Log", 6, 17, MakeKernel<UnaryKernel<Unary::kLog>>});
  registry.Register({ai, "Abs", 6, 17, MakeKernel<UnaryKernel<Unary::kAbs>>});
  registry.Register({ai, "Neg", 6, 17, MakeKernel<UnaryKernel<Unary::kNeg>>});
  registry.Register({ai, "Relu", 6, 17, MakeKernel<UnaryKernel<Unary::kRelu>>});
  registry.Register({ai, "LeakyRelu", 6, 17, MakeKernel<UnaryKernel<Unary::kLeakyRelu>>});
  registry.Register({ai, "Sigmoid", 6, 17, MakeKernel<UnaryKernel<Unary::kSigmoid>>});
  registry.Register({ai, "Tanh", 6, 17, MakeKernel<UnaryKernel<Unary::kTanh>>});
  registry.Register({ai, "Clip", 6, 17, MakeKernel<ClipKernel>});
  registry.Register({ai, "Equal", 7, 17, MakeKernel<CompareKernel<Compare::kEqual>>});
  registry.Register({ai, "Less", 7, 17, MakeKernel<CompareKernel<Compare::kLess>>});
  registry.Register({ai, "Greater", 7, 17, MakeKernel<CompareKernel<Compare::kGreater>>});
  registry.Register({ai, "Where", 9, 17, MakeKernel<WhereKernel>});
  registry.Register({ai, "Cast", 6, 17, MakeKernel<CastKernel>});
}

}  // namespace stagegate::inference
