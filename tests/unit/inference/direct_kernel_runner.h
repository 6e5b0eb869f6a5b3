#pragma once
// Runs one built-in kernel outside any model, the way the session would:
// factory from the registry, Plan on the inputs' types and shapes, outputs
// and scratch allocated as planned, Run. For the kernel unit tests.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference::direct_test {

inline Tensor Floats(Shape shape, const std::vector<float>& values) {
  Tensor tensor = Tensor::Owned(ElementType::kFloat32, std::move(shape));
  for (std::size_t i = 0; i < values.size() && static_cast<std::int64_t>(i) < tensor.size(); ++i) {
    tensor.data<float>()[i] = values[i];
  }
  return tensor;
}

inline Tensor Int64s(Shape shape, const std::vector<std::int64_t>& values) {
  Tensor tensor = Tensor::Owned(ElementType::kInt64, std::move(shape));
  for (std::size_t i = 0; i < values.size() && static_cast<std::int64_t>(i) < tensor.size(); ++i) {
    tensor.data<std::int64_t>()[i] = values[i];
  }
  return tensor;
}

inline Tensor Strings(Shape shape, const std::vector<std::string>& values) {
  Tensor tensor = Tensor::Owned(ElementType::kString, std::move(shape));
  for (std::size_t i = 0; i < values.size() && static_cast<std::int64_t>(i) < tensor.size(); ++i) {
    tensor.strings()[i] = values[i];
  }
  return tensor;
}

// An omitted optional input.
inline Tensor Omitted() { return Tensor(); }

inline std::vector<float> Values(const Tensor& tensor) {
  return {tensor.data<float>(), tensor.data<float>() + tensor.size()};
}
inline std::vector<std::int64_t> IntValues(const Tensor& tensor) {
  return {tensor.data<std::int64_t>(), tensor.data<std::int64_t>() + tensor.size()};
}
inline std::vector<std::string> StringValues(const Tensor& tensor) {
  return {tensor.strings().begin(), tensor.strings().end()};
}

inline Attribute Int(std::int64_t value) {
  Attribute attribute;
  attribute.kind = Attribute::Kind::kInt;
  attribute.i = value;
  return attribute;
}
inline Attribute Float(float value) {
  Attribute attribute;
  attribute.kind = Attribute::Kind::kFloat;
  attribute.f = value;
  return attribute;
}
inline Attribute String(std::string value) {
  Attribute attribute;
  attribute.kind = Attribute::Kind::kString;
  attribute.s = std::move(value);
  return attribute;
}
inline Attribute IntList(std::vector<std::int64_t> values) {
  Attribute attribute;
  attribute.kind = Attribute::Kind::kInts;
  attribute.ints = std::move(values);
  return attribute;
}
inline Attribute FloatList(std::vector<float> values) {
  Attribute attribute;
  attribute.kind = Attribute::Kind::kFloats;
  attribute.floats = std::move(values);
  return attribute;
}
inline Attribute StringList(std::vector<std::string> values) {
  Attribute attribute;
  attribute.kind = Attribute::Kind::kStrings;
  attribute.strings = std::move(values);
  return attribute;
}

// A node named "n" with `inputs` input names ("" where `omitted`) and
// `outputs` outputs named "y0", "y1", ... (or "" for those in `omitted_outputs`).
inline NodeDef Node(std::string domain, std::string op_type, std::int64_t opset, std::size_t outputs,
                    std::map<std::string, Attribute, std::less<>> attributes,
                    std::vector<std::size_t> omitted_outputs = {}) {
  NodeDef node;
  node.name = "n";
  node.domain = std::move(domain);
  node.op_type = std::move(op_type);
  node.opset = opset;
  node.attributes = std::move(attributes);
  for (std::size_t i = 0; i < outputs; ++i) node.outputs.push_back("y" + std::to_string(i));
  for (std::size_t i : omitted_outputs) node.outputs[i].clear();
  return node;
}

struct KernelRun {
  Status status = Status::Ok();  // the first failure: factory, Plan or Run
  std::vector<Tensor> outputs;   // empty handles for omitted outputs
};

// Builds the kernel of `node` (its input names are filled from `inputs`:
// "" for omitted ones) and runs it. `constant_inputs` marks inputs whose
// value Plan may see.
inline KernelRun RunNode(NodeDef node, const std::vector<Tensor>& inputs, std::vector<bool> constant_inputs = {}) {
  KernelRun result;
  node.inputs.clear();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    node.inputs.push_back(inputs[i].empty_handle() ? "" : "x" + std::to_string(i));
  }
  const KernelEntry* entry = BuiltinKernels().Find(node.domain, node.op_type, node.opset);
  if (entry == nullptr) {
    result.status = Status::Invalid("no kernel for " + node.op_type);
    return result;
  }
  std::unique_ptr<Kernel> kernel;
  result.status = entry->factory(node, &kernel);
  if (!result.status.ok()) return result;
  std::vector<PlannedValue> planned(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    planned[i].present = !inputs[i].empty_handle();
    if (!planned[i].present) continue;
    planned[i].type = inputs[i].type();
    planned[i].shape = inputs[i].shape();
    if (i < constant_inputs.size() && constant_inputs[i]) planned[i].constant = &inputs[i];
  }
  std::vector<OutputSpec> specs;
  std::size_t scratch_bytes = 0;
  result.status = kernel->Plan(planned, &specs, &scratch_bytes);
  if (!result.status.ok()) return result;
  if (specs.size() != node.outputs.size()) {
    result.status = Status::Invalid("Plan stated " + std::to_string(specs.size()) + " outputs for " +
                                    std::to_string(node.outputs.size()));
    return result;
  }
  std::vector<Tensor> outputs(specs.size());
  std::vector<Tensor*> output_pointers(specs.size(), nullptr);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (node.outputs[i].empty()) continue;
    outputs[i] = Tensor::Owned(specs[i].type, specs[i].shape);
    output_pointers[i] = &outputs[i];
  }
  std::vector<const Tensor*> input_pointers(inputs.size(), nullptr);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].empty_handle()) input_pointers[i] = &inputs[i];
  }
  std::vector<std::byte> scratch(scratch_bytes);
  result.status = kernel->Run(input_pointers, output_pointers, scratch);
  result.outputs = std::move(outputs);
  return result;
}

}  // namespace stagegate::inference::direct_test
