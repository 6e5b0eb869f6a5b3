#pragma once
// The executor's internal graph: what the loader makes of an ONNX file, with
// no protobuf types. Private to evaluators/inference.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "evaluators/inference/kernel.h"
#include "evaluators/inference/model.h"
#include "evaluators/inference/tensor.h"

namespace stagegate::inference {

struct Graph {
  // Topologically sorted: every node's inputs are produced by earlier nodes,
  // graph inputs or initializers.
  std::vector<NodeDef> nodes;
  // Weights, owned; std::map keeps lookups stable for the session's pointers.
  std::map<std::string, Tensor, std::less<>> initializers;
  // The model's non-initializer inputs and its outputs (also in summary).
  std::vector<ValueSpec> inputs;
  std::vector<ValueSpec> outputs;
  // Per input: false when the file declares no shape (any shape is accepted).
  std::vector<bool> input_has_shape;
  ModelSummary summary;
};

}  // namespace stagegate::inference
