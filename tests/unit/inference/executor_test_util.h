#pragma once
// Test helpers of the executor's own tests: build ONNX models in C++ (no
// files, no Python), make tensors, run one kernel straight from
// BuiltinKernels().

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evaluators/inference/kernel.h"
#include "evaluators/inference/model.h"

namespace stagegate::inference::executor_testing {

inline Tensor FloatTensor(Shape shape, std::vector<float> values) {
  Tensor tensor = Tensor::Owned(ElementType::kFloat32, std::move(shape));
  EXPECT_EQ(static_cast<std::int64_t>(values.size()), tensor.size());
  std::copy(values.begin(), values.end(), tensor.data<float>());
  return tensor;
}
inline Tensor IntTensor(Shape shape, std::vector<std::int64_t> values) {
  Tensor tensor = Tensor::Owned(ElementType::kInt64, std::move(shape));
  EXPECT_EQ(static_cast<std::int64_t>(values.size()), tensor.size());
  std::copy(values.begin(), values.end(), tensor.data<std::int64_t>());
  return tensor;
}
inline Tensor BoolTensor(Shape shape, std::vector<std::uint8_t> values) {
  Tensor tensor = Tensor::Owned(ElementType::kBool, std::move(shape));
  EXPECT_EQ(static_cast<std::int64_t>(values.size()), tensor.size());
  std::copy(values.begin(), values.end(), tensor.data<std::uint8_t>());
  return tensor;
}
inline std::vector<float> Floats(const Tensor& tensor) {
  return {tensor.data<float>(), tensor.data<float>() + tensor.size()};
}
inline std::vector<std::int64_t> Ints(const Tensor& tensor) {
  return {tensor.data<std::int64_t>(), tensor.data<std::int64_t>() + tensor.size()};
}
inline std::vector<std::uint8_t> Bools(const Tensor& tensor) {
  return {tensor.data<std::uint8_t>(), tensor.data<std::uint8_t>() + tensor.size()};
}

#define EXPECT_FLOATS_NEAR(actual, ...)                                               \
  do {                                                                                \
    const std::vector<float> expected_values = __VA_ARGS__;                           \
    const std::vector<float> actual_values = (actual);                                \
    ASSERT_EQ(actual_values.size(), expected_values.size());                          \
    for (std::size_t i_ = 0; i_ < actual_values.size(); ++i_) {                       \
      EXPECT_NEAR(actual_values[i_], expected_values[i_], 1e-5f) << "element " << i_; \
    }                                                                                 \
  } while (0)

// A node for RunKernel.
inline NodeDef MakeNode(std::string op_type, std::int64_t opset, std::vector<std::string> inputs,
                        std::vector<std::string> outputs = {"y"}) {
  NodeDef node;
  node.name = "n";
  node.op_type = std::move(op_type);
  node.opset = opset;
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  return node;
}
inline void SetInt(NodeDef& node, const std::string& name, std::int64_t value) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = value;
  node.attributes[name] = a;
}
inline void SetFloat(NodeDef& node, const std::string& name, float value) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = value;
  node.attributes[name] = a;
}
inline void SetInts(NodeDef& node, const std::string& name, std::vector<std::int64_t> values) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(values);
  node.attributes[name] = a;
}

// Builds the node's kernel, plans it with every input known (as constant
// folding would) and runs it on owned outputs. `inputs[i]` with an empty
// handle marks an omitted input. Returns the first error.
inline Status RunKernel(const NodeDef& node, const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs) {
  const KernelEntry* entry = BuiltinKernels().Find(node.domain, node.op_type, node.opset);
  if (entry == nullptr) return Status::Invalid("no kernel");
  std::unique_ptr<Kernel> kernel;
  Status status = entry->factory(node, &kernel);
  if (!status.ok()) return status;
  std::vector<PlannedValue> planned(inputs.size());
  std::vector<const Tensor*> input_pointers;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    planned[i].present = !inputs[i].empty_handle();
    planned[i].type = inputs[i].type();
    planned[i].shape = inputs[i].shape();
    planned[i].constant = planned[i].present ? &inputs[i] : nullptr;
    input_pointers.push_back(planned[i].present ? &inputs[i] : nullptr);
  }
  std::vector<OutputSpec> specs;
  std::size_t scratch_bytes = 0;
  status = kernel->Plan(planned, &specs, &scratch_bytes);
  if (!status.ok()) return status;
  outputs->clear();
  for (const OutputSpec& spec : specs) outputs->push_back(Tensor::Owned(spec.type, spec.shape));
  std::vector<Tensor*> output_pointers;
  for (Tensor& output : *outputs) output_pointers.push_back(&output);
  std::vector<std::byte> scratch(scratch_bytes);
  return kernel->Run(input_pointers, output_pointers, scratch);
}

// Builds a ModelProto graph by hand.
class OnnxBuilder {
 public:
  explicit OnnxBuilder(std::int64_t opset = 13) {
    model_.set_ir_version(8);
    model_.set_producer_name("executor_test");
    model_.mutable_graph()->set_name("test");
    auto* import = model_.add_opset_import();
    import->set_domain("");
    import->set_version(opset);
  }
  // dims: -1 is a symbolic dimension named "N".
  OnnxBuilder& Input(const std::string& name, std::vector<std::int64_t> dims, int type = onnx::TensorProto::FLOAT) {
    SetValueInfo(model_.mutable_graph()->add_input(), name, dims, type);
    return *this;
  }
  OnnxBuilder& Output(const std::string& name, std::vector<std::int64_t> dims, int type = onnx::TensorProto::FLOAT) {
    SetValueInfo(model_.mutable_graph()->add_output(), name, dims, type);
    return *this;
  }
  OnnxBuilder& Initializer(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> values) {
    onnx::TensorProto* tensor = model_.mutable_graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) tensor->add_dims(d);
    for (float v : values) tensor->add_float_data(v);
    return *this;
  }
  OnnxBuilder& IntInitializer(const std::string& name, std::vector<std::int64_t> dims,
                              std::vector<std::int64_t> values) {
    onnx::TensorProto* tensor = model_.mutable_graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::INT64);
    for (auto d : dims) tensor->add_dims(d);
    for (auto v : values) tensor->add_int64_data(v);
    return *this;
  }
  onnx::NodeProto& Node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                        const std::string& name = "") {
    onnx::NodeProto* node = model_.mutable_graph()->add_node();
    node->set_op_type(op);
    if (!name.empty()) node->set_name(name);
    for (auto& i : inputs) node->add_input(i);
    for (auto& o : outputs) node->add_output(o);
    return *node;
  }
  static void Attr(onnx::NodeProto& node, const std::string& name, std::int64_t value) {
    auto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  static void Attr(onnx::NodeProto& node, const std::string& name, float value) {
    auto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }
  onnx::ModelProto& model() { return model_; }
  std::string Bytes() const { return model_.SerializeAsString(); }

 private:
  static void SetValueInfo(onnx::ValueInfoProto* info, const std::string& name, const std::vector<std::int64_t>& dims,
                           int type) {
    info->set_name(name);
    auto* tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(type);
    auto* shape = tensor->mutable_shape();
    for (auto d : dims) {
      if (d < 0) {
        shape->add_dim()->set_dim_param("N");
      } else {
        shape->add_dim()->set_dim_value(d);
      }
    }
  }
  onnx::ModelProto model_;
};

}  // namespace stagegate::inference::executor_testing
