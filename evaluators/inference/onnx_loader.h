#pragma once
// Turns the bytes of an ONNX file into the executor's Graph: parse with
// libonnx's protobuf classes, onnx::checker, best-effort shape inference,
// conversion to NodeDefs and owned tensors, topological sort, summary.
// Kernel lookup happens in the caller (session.cc). No exception escapes.

#include <cstddef>
#include <string>
#include <string_view>

#include "evaluators/inference/graph.h"
#include "evaluators/inference/status.h"

namespace stagegate::inference {

// Largest model file accepted: protobuf parses at most INT_MAX bytes, and a
// file of 2 GB or more needs external data, which Stagegate refuses.
inline constexpr std::size_t kMaxModelBytes = (std::size_t{1} << 31) - 1;
// Opset versions of the two domains the built-in kernels cover.
inline constexpr std::int64_t kMinOnnxOpset = 7;
inline constexpr std::int64_t kMaxOnnxOpset = 17;
inline constexpr std::int64_t kMinMlOpset = 1;
inline constexpr std::int64_t kMaxMlOpset = 3;
// Largest tensor accepted in a file (elements), far above any model
// Stagegate targets; guards the element-count arithmetic.
inline constexpr std::int64_t kMaxTensorElements = std::int64_t{1} << 31;

// Fills `graph` from `bytes`; messages start with `label` (the file path).
Status LoadOnnxGraph(std::string_view bytes, const std::string& label, Graph* graph);

}  // namespace stagegate::inference
