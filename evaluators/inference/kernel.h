#pragma once
// Operator kernels: the contract between the executor and each operator.
//
// A kernel is built once per graph node at model load, from the node's
// attributes (validated then: a bad attribute refuses the model). Execution
// has two phases:
//  - Plan: from the inputs' element types and shapes (and their values when
//    known before any data arrives: initializers, Constant nodes, Shape
//    outputs, anything computed from those alone), the kernel states its
//    outputs' types and shapes and the scratch bytes it needs. The session
//    plans its arena from these, so every output and scratch buffer exists
//    before Run; a kernel never allocates tensor memory while running.
//  - Run: computes the outputs into the buffers planned for them.
// A node whose inputs are all known at plan time is run once while planning
// (constant folding) and costs nothing per batch.
//
// Kernels are immutable after construction; Run may be called from several
// sessions (threads) at once.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/inference/status.h"
#include "evaluators/inference/tensor.h"

namespace stagegate::inference {

// One attribute of a node, as ONNX declares it.
struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor };
  Kind kind = Kind::kInt;
  std::int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<std::int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  Tensor t;  // kTensor: an owned tensor
};

// A graph node as kernels see it: no protobuf types.
struct NodeDef {
  std::string name;     // may be empty in the file; the loader then names it "<op_type>_<index>"
  std::string domain;   // "" for ai.onnx, "ai.onnx.ml"
  std::string op_type;  // "Gemm"
  std::int64_t opset = 0;  // the model's opset version for this node's domain
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::map<std::string, Attribute, std::less<>> attributes;

  const Attribute* Find(std::string_view attribute) const;
  // Typed lookups; `fallback` when the attribute is absent. A present
  // attribute of another kind is a model error reported by the kernel factory
  // through CheckKinds below.
  std::int64_t Int(std::string_view attribute, std::int64_t fallback) const;
  float Float(std::string_view attribute, float fallback) const;
  std::string String(std::string_view attribute, std::string fallback) const;
  std::vector<std::int64_t> Ints(std::string_view attribute) const;
  std::vector<float> Floats(std::string_view attribute) const;
  std::vector<std::string> Strings(std::string_view attribute) const;
  // "node 'fc1' (Gemm)": how messages name the node.
  std::string Label() const;
};

// An input as planning sees it.
struct PlannedValue {
  bool present = false;  // false for an omitted optional input
  ElementType type = ElementType::kFloat32;
  Shape shape;
  // The value, when known at plan time (initializer, constant, folded); null otherwise.
  const Tensor* constant = nullptr;
};

// An output as the kernel declares it.
struct OutputSpec {
  ElementType type = ElementType::kFloat32;
  Shape shape;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // States the outputs (one per node output, omitted ones included: their
  // spec is ignored) and the scratch bytes Run needs. Errors name the node
  // and what does not fit ("node 'fc1' (Gemm): input B has shape [8, 4], ...").
  virtual Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
                      std::size_t* scratch_bytes) const = 0;
  // Computes the outputs. `inputs[i]` is null for an omitted optional input;
  // `outputs[i]` is null for an omitted optional output and otherwise has the
  // planned type and shape. Fails only on values (an index out of range).
  virtual Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
                     std::span<std::byte> scratch) const = 0;
};

// Builds the kernel of `node`, or explains why the node cannot run (an
// attribute the kernel does not support, a value out of range).
using KernelFactory = Status (*)(const NodeDef& node, std::unique_ptr<Kernel>* kernel);

struct KernelEntry {
  std::string domain;
  std::string op_type;
  std::int64_t min_opset = 1;  // the opset versions this kernel implements
  std::int64_t max_opset = 1000;
  KernelFactory factory = nullptr;
};

class KernelRegistry {
 public:
  void Register(KernelEntry entry) { entries_.push_back(std::move(entry)); }
  // Returns the kernel for `domain`/`op_type` at `opset`, or null.
  const KernelEntry* Find(std::string_view domain, std::string_view op_type, std::int64_t opset) const;
  const std::vector<KernelEntry>& entries() const { return entries_; }

 private:
  std::vector<KernelEntry> entries_;
};

// Every built-in kernel (built once, then read-only).
const KernelRegistry& BuiltinKernels();

// One registration function per kernel family, called by BuiltinKernels().
void RegisterElementwiseKernels(KernelRegistry& registry);  // arithmetic, activations, comparisons, Where, Cast
void RegisterTensorKernels(KernelRegistry& registry);       // Shape, Reshape, Transpose, Concat, Gather, Slice, ...
void RegisterReduceKernels(KernelRegistry& registry);       // ReduceMean/Sum/Max, Softmax, LogSoftmax
void RegisterLinalgKernels(KernelRegistry& registry);       // MatMul, Gemm
void RegisterConvKernels(KernelRegistry& registry);         // Conv, MaxPool, AveragePool, GlobalAveragePool
void RegisterNormalizationKernels(KernelRegistry& registry);  // BatchNormalization
void RegisterRecurrentKernels(KernelRegistry& registry);    // LSTM, GRU
void RegisterMlKernels(KernelRegistry& registry);           // ai.onnx.ml operators

}  // namespace stagegate::inference
