#pragma once
// The public face of the inference executor: load an ONNX model, plan its
// execution for given input shapes, run it.
//
//   std::string error;
//   auto model = Model::Load("models/mlp.onnx", &error);     // null + error when refused
//   auto session = model->Plan({{1024, 16}}, &error);        // arena planned here
//   std::vector<Tensor> outputs;
//   Status status = session->Run(inputs, &outputs);
//
// Loading parses the protobuf with libonnx, runs onnx::checker and shape
// inference, and builds one kernel per node. A model using an operator (or
// an opset of one) that Stagegate does not implement is refused with the
// list of those operators and the nodes that use them; nothing runs partially.
//
// Memory: every intermediate tensor and kernel scratch buffer lives in one
// arena per session, laid out at Plan time from the tensors' lifetimes (a
// buffer is reused once its last reader has run). planned_peak_bytes() is
// the arena's size; Run never allocates tensor memory beyond it.
//
// Thread safety: a Model is immutable after Load and may be shared; a Session
// is used by one thread at a time (make one per thread). A Session reads its
// Model's kernels: the Model must outlive every Session planned from it.

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

// A graph input or output as the model declares it.
struct ValueSpec {
  std::string name;
  ElementType type = ElementType::kFloat32;
  // -1 where the dimension is symbolic or unknown ("batch").
  std::vector<std::int64_t> dims;
  // The symbolic names ("N", "batch"), "" where the dimension is fixed or unnamed.
  std::vector<std::string> dim_names;
  // Declared as a sequence of maps (ZipMap's output) rather than a tensor.
  bool is_map_sequence = false;
};

// What the model file says about itself.
struct ModelSummary {
  std::int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  // Opset version per domain: "ai.onnx" (the default domain), "ai.onnx.ml".
  std::map<std::string, std::int64_t> opsets;
  // Operator → node count; operators of other domains than ai.onnx are
  // named "domain:op" ("ai.onnx.ml:Scaler").
  std::map<std::string, std::int64_t> op_counts;
  std::vector<ValueSpec> inputs;   // graph inputs that are not initializers
  std::vector<ValueSpec> outputs;
  // Learned parameters: elements of the initializers and Constant tensors,
  // plus the numeric arrays of ai.onnx.ml operators' attributes (coefficients,
  // tree node thresholds and leaf weights).
  std::int64_t params = 0;
  std::int64_t node_count = 0;
  std::int64_t initializer_bytes = 0;  // bytes of the weights held in memory
};

class Session;

// Bounds of one Plan call. The defaults suit real models; a fuzzer or a
// small device passes smaller ones. A plan beyond them is refused with a
// message, never attempted.
struct PlanLimits {
  // Bytes of the session's arena (the planned peak), and so of any one
  // intermediate tensor.
  std::size_t max_arena_bytes = std::size_t{4} << 30;
  // Bytes of any one tensor computed while planning (constant folding).
  std::size_t max_folded_bytes = std::size_t{1} << 30;
};

class Model {
 public:
  ~Model();
  // Loads the ONNX file at `path`. Returns null and sets `error` ("models/x.onnx:
  // not an ONNX model: ...", "... uses operators Stagegate does not run: ...").
  static std::unique_ptr<Model> Load(const std::string& path, std::string* error);
  // Loads from bytes; `label` names the source in messages.
  static std::unique_ptr<Model> LoadBytes(std::string_view bytes, const std::string& label, std::string* error);

  const ModelSummary& summary() const;

  // Plans execution for inputs of these shapes (one per summary().inputs, in
  // order; symbolic dimensions fixed, declared ones matched). Returns null
  // and sets `error` when the shapes do not fit the model.
  std::unique_ptr<Session> Plan(const std::vector<Shape>& input_shapes, std::string* error) const;
  std::unique_ptr<Session> Plan(const std::vector<Shape>& input_shapes, const PlanLimits& limits,
                                std::string* error) const;

  struct Impl;

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Session {
 public:
  ~Session();
  // Bytes of the arena: every intermediate tensor and scratch buffer at the
  // planned shapes, laid out by lifetime.
  std::size_t planned_peak_bytes() const;
  const std::vector<Shape>& input_shapes() const;

  // Runs the model. `inputs` hold one tensor per model input with the planned
  // shapes and the declared element types. `outputs` receives one tensor per
  // model output; they view the arena and stay valid until the next Run.
  Status Run(std::span<const Tensor> inputs, std::vector<Tensor>* outputs);

  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stagegate::inference
