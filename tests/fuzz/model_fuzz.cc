// Fuzzes the ONNX loader and executor with what a model file may hold:
// arbitrary bytes go to Model::LoadBytes; a model that loads is planned with
// its declared shapes (symbolic dimensions 1 to 4, picked from the input's
// first byte) and run on zero inputs. Nothing may crash, leak or hang; a bad
// model is an error message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/inference/model.h"

using namespace stagegate::inference;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto model = Model::LoadBytes(bytes, "fuzz.onnx", &error);
  if (model == nullptr) return 0;
  const std::int64_t symbolic = size == 0 ? 1 : 1 + data[0] % 4;
  std::vector<Shape> shapes;
  for (const ValueSpec& input : model->summary().inputs) {
    Shape shape;
    for (std::int64_t dim : input.dims) shape.push_back(dim >= 0 ? dim : symbolic);
    shapes.push_back(shape);
  }
  // Far below libFuzzer's 2 GB: a file of 4 kB may declare huge shapes.
  PlanLimits limits;
  limits.max_arena_bytes = 64u << 20;
  limits.max_folded_bytes = 16u << 20;
  auto session = model->Plan(shapes, limits, &error);
  if (session == nullptr) return 0;
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(Tensor::Owned(model->summary().inputs[i].type, shapes[i]));
  }
  std::vector<Tensor> outputs;
  (void)session->Run(inputs, &outputs);
  (void)session->Run(inputs, &outputs);  // a second run reuses the arena
  return 0;
}
