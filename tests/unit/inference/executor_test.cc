// Model loading, planning and running end to end, on models built in C++.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

#include "evaluators/inference/model.h"
#include "tests/unit/inference/executor_test_util.h"

// Counts heap allocations while g_count_allocations is set: the proof that
// Session::Run allocates nothing after its first call. operator new is
// replaced here; malloc too (glibc, no sanitizer), which catches what Eigen
// allocates with std::malloc.
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<long> g_allocations{0};
void CountAllocation() {
  if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
void* CountedAllocate(std::size_t size) {
  CountAllocation();
  void* pointer = std::malloc(size == 0 ? 1 : size);
  if (pointer == nullptr) throw std::bad_alloc();
  return pointer;
}
}  // namespace

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define STAGEGATE_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STAGEGATE_TEST_SANITIZED 1
#endif
#if defined(__GLIBC__) && !defined(STAGEGATE_TEST_SANITIZED)
extern "C" void* __libc_malloc(std::size_t size);
extern "C" void* malloc(std::size_t size) {
  CountAllocation();
  return __libc_malloc(size);
}
#endif

void* operator new(std::size_t size) { return CountedAllocate(size); }
void* operator new[](std::size_t size) { return CountedAllocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  CountAllocation();
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  CountAllocation();
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete[](void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, std::size_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, std::size_t) noexcept { std::free(pointer); }

namespace stagegate::inference {
namespace {

using executor_testing::Floats;
using executor_testing::FloatTensor;
using executor_testing::Ints;
using executor_testing::OnnxBuilder;

// x[N,2] → Gemm(W1 [2,3], b1) → Relu → MatMul(W2 [3,1]) → Add(b2) → Sigmoid.
std::string MlpBytes() {
  OnnxBuilder b(13);
  b.Input("x", {-1, 2}).Output("y", {-1, 1});
  b.Initializer("W1", {2, 3}, {1, -1, 0.5f, 2, 1, -0.5f});
  b.Initializer("b1", {3}, {0, 0.5f, 1});
  b.Initializer("W2", {3, 1}, {1, -1, 2});
  b.Initializer("b2", {1}, {-1});
  b.Node("Gemm", {"x", "W1", "b1"}, {"h"}, "fc1");
  b.Node("Relu", {"h"}, {"r"});
  b.Node("MatMul", {"r", "W2"}, {"m"});
  b.Node("Add", {"m", "b2"}, {"z"});
  b.Node("Sigmoid", {"z"}, {"y"});
  return b.Bytes();
}

float Sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }

TEST(ExecutorTest, RunsAnMlpWithHandComputedValues) {
  std::string error;
  auto model = Model::LoadBytes(MlpBytes(), "mlp.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  auto session = model->Plan({{2, 2}}, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> inputs = {FloatTensor({2, 2}, {1, 1, -1, 2})};
  std::vector<Tensor> outputs;
  ASSERT_TRUE(session->Run(inputs, &outputs).ok());
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].shape(), (Shape{2, 1}));
  // Row 1: h = [1+2, -1+1+0.5, 0.5-0.5+1] = [3, 0.5, 1]; z = 3 - 0.5 + 2 - 1 = 3.5.
  // Row 2: h = [-1+4, 1+2+0.5, -0.5-1+1] = [3, 3.5, -0.5] → relu [3, 3.5, 0]; z = 3 - 3.5 - 1 = -1.5.
  EXPECT_FLOATS_NEAR(Floats(outputs[0]), {Sigmoid(3.5f), Sigmoid(-1.5f)});
}

// The layers PyTorch exports: Gemm with transB = 1 (here alpha 0.5 too),
// then MatMul, Add, Relu, Sigmoid; 16 features, 32 hidden units.
std::string ExportedMlpBytes() {
  OnnxBuilder b(13);
  b.Input("x", {-1, 16}).Output("y", {-1, 1});
  std::vector<float> w1(32 * 16), w2(32);
  for (std::size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<float>(i % 5) * 0.1f - 0.2f;
  for (std::size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<float>(i % 3) * 0.1f - 0.1f;
  b.Initializer("W1", {32, 16}, w1);
  b.Initializer("b1", {32}, std::vector<float>(32, 0.1f));
  b.Initializer("W2", {32, 1}, w2);
  b.Initializer("b2", {1}, {0.2f});
  auto& fc1 = b.Node("Gemm", {"x", "W1", "b1"}, {"h"});
  OnnxBuilder::Attr(fc1, "transB", std::int64_t{1});
  OnnxBuilder::Attr(fc1, "alpha", 0.5f);
  b.Node("Relu", {"h"}, {"r"});
  b.Node("MatMul", {"r", "W2"}, {"m"});
  b.Node("Add", {"m", "b2"}, {"z"});
  b.Node("Sigmoid", {"z"}, {"y"});
  return b.Bytes();
}

TEST(ExecutorTest, SecondRunAllocatesNothing) {
  std::string error;
  for (const std::string& bytes : {MlpBytes(), ExportedMlpBytes()}) {
    auto model = Model::LoadBytes(bytes, "mlp.onnx", &error);
    ASSERT_NE(model, nullptr) << error;
    const std::int64_t features = model->summary().inputs[0].dims[1];
    // One row takes Eigen's matrix-vector path, more rows its matrix-matrix one.
    for (std::int64_t rows : {1, 64, 1024}) {
      auto session = model->Plan({{rows, features}}, &error);
      ASSERT_NE(session, nullptr) << error;
      std::vector<Tensor> inputs = {Tensor::Owned(ElementType::kFloat32, {rows, features})};
      for (std::int64_t i = 0; i < rows * features; ++i) inputs[0].data<float>()[i] = static_cast<float>(i % 7) - 3.0f;
      std::vector<Tensor> outputs;
      ASSERT_TRUE(session->Run(inputs, &outputs).ok());  // warm-up
      g_allocations = 0;
      g_count_allocations = true;
      const bool ok = session->Run(inputs, &outputs).ok();
      g_count_allocations = false;
      EXPECT_TRUE(ok);
      EXPECT_EQ(g_allocations.load(), 0) << rows << " rows, " << features << " features";
      EXPECT_GT(session->planned_peak_bytes(), 0u);
    }
  }
}

TEST(ExecutorTest, ReusesArenaBytesAlongAChain) {
  // x → Relu → Relu → Relu → Relu → y: at most three [1024] buffers live at once.
  OnnxBuilder b(13);
  b.Input("x", {1024}).Output("y", {1024});
  b.Node("Relu", {"x"}, {"a"});
  b.Node("Relu", {"a"}, {"b"});
  b.Node("Relu", {"b"}, {"c"});
  b.Node("Relu", {"c"}, {"y"});
  std::string error;
  auto model = Model::LoadBytes(b.Bytes(), "chain.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  auto session = model->Plan({{1024}}, &error);
  ASSERT_NE(session, nullptr) << error;
  // x lives to its reader (node 0); a, b, c each across two nodes; y to the end.
  EXPECT_LE(session->planned_peak_bytes(), 3u * 4096u);
  EXPECT_GE(session->planned_peak_bytes(), 2u * 4096u);
}

TEST(ExecutorTest, FoldsShapeArithmeticIntoReshape) {
  // Flatten the way exporters do: Shape → Gather(0) → Unsqueeze → Concat(-1) → Reshape.
  OnnxBuilder b(13);
  b.Input("x", {-1, 2, 3}).Output("y", {-1, 6});
  b.IntInitializer("zero", {}, {0});
  b.IntInitializer("axes", {1}, {0});
  b.IntInitializer("minus_one", {1}, {-1});
  b.Node("Shape", {"x"}, {"s"});
  b.Node("Gather", {"s", "zero"}, {"n"});
  b.Node("Unsqueeze", {"n", "axes"}, {"n1"});
  auto& concat = b.Node("Concat", {"n1", "minus_one"}, {"shape"});
  OnnxBuilder::Attr(concat, "axis", std::int64_t{0});
  b.Node("Reshape", {"x", "shape"}, {"y"});
  std::string error;
  auto model = Model::LoadBytes(b.Bytes(), "flatten.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  auto session = model->Plan({{4, 2, 3}}, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> inputs = {Tensor::Owned(ElementType::kFloat32, {4, 2, 3})};
  for (int i = 0; i < 24; ++i) inputs[0].data<float>()[i] = static_cast<float>(i);
  std::vector<Tensor> outputs;
  ASSERT_TRUE(session->Run(inputs, &outputs).ok());
  EXPECT_EQ(outputs[0].shape(), (Shape{4, 6}));
  EXPECT_EQ(outputs[0].data<float>()[23], 23.0f);
}

TEST(ExecutorTest, SummaryDescribesTheModel) {
  std::string error;
  auto model = Model::LoadBytes(MlpBytes(), "mlp.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  const ModelSummary& summary = model->summary();
  EXPECT_EQ(summary.ir_version, 8);
  EXPECT_EQ(summary.producer_name, "executor_test");
  EXPECT_EQ(summary.opsets.at("ai.onnx"), 13);
  EXPECT_EQ(summary.op_counts.at("Gemm"), 1);
  EXPECT_EQ(summary.op_counts.at("Sigmoid"), 1);
  EXPECT_EQ(summary.params, 6 + 3 + 3 + 1);
  EXPECT_EQ(summary.initializer_bytes, 13 * 4);
  EXPECT_EQ(summary.node_count, 5);
  ASSERT_EQ(summary.inputs.size(), 1u);
  EXPECT_EQ(summary.inputs[0].dims, (std::vector<std::int64_t>{-1, 2}));
  EXPECT_EQ(summary.inputs[0].dim_names[0], "N");
  ASSERT_EQ(summary.outputs.size(), 1u);
  EXPECT_EQ(summary.outputs[0].name, "y");
}

TEST(ExecutorTest, RefusesTruncatedBytes) {
  const std::string bytes = MlpBytes();
  std::string error;
  EXPECT_EQ(Model::LoadBytes(bytes.substr(0, bytes.size() / 2), "cut.onnx", &error), nullptr);
  EXPECT_NE(error.find("cut.onnx: not an ONNX model"), std::string::npos) << error;
  EXPECT_EQ(Model::LoadBytes("", "empty.onnx", &error), nullptr);
  EXPECT_NE(error.find("empty.onnx"), std::string::npos) << error;
}

TEST(ExecutorTest, ListsEveryUnsupportedOperatorWithItsNodes) {
  OnnxBuilder b(13);
  b.Input("x", {2}).Output("y", {2});
  b.Node("Erf", {"x"}, {"a"}, "erf1");
  b.Node("Erf", {"a"}, {"b"});
  b.Node("Sin", {"b"}, {"y"}, "sine");
  std::string error;
  EXPECT_EQ(Model::LoadBytes(b.Bytes(), "odd.onnx", &error), nullptr);
  EXPECT_EQ(error,
            "odd.onnx: uses operators Stagegate does not run:\n"
            "  ai.onnx:Erf (opset 13) in nodes erf1, Erf_1\n"
            "  ai.onnx:Sin (opset 13) in node sine");
}

TEST(ExecutorTest, SubgraphOperatorsAreListedAsUnsupported) {
  OnnxBuilder b(13);
  b.Input("c", {}, onnx::TensorProto::BOOL).Output("y", {1});
  auto& node = b.Node("If", {"c"}, {"y"}, "branch");
  for (const char* name : {"then_branch", "else_branch"}) {
    auto* attribute = node.add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* graph = attribute->mutable_g();
    graph->set_name(name);
    auto* constant = graph->add_node();
    constant->set_op_type("Constant");
    constant->add_output(std::string(name) + "_out");
    auto* value = constant->add_attribute();
    value->set_name("value_floats");
    value->set_type(onnx::AttributeProto::FLOATS);
    value->add_floats(1.0f);
    auto* output = graph->add_output();
    output->set_name(std::string(name) + "_out");
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(1);
  }
  std::string error;
  EXPECT_EQ(Model::LoadBytes(b.Bytes(), "if.onnx", &error), nullptr);
  EXPECT_EQ(error, "if.onnx: uses operators Stagegate does not run:\n  ai.onnx:If (opset 13) in node branch");
}

TEST(ExecutorTest, RefusesAnOpsetOutsideTheSupportedRange) {
  OnnxBuilder b(6);
  b.Input("x", {2}).Output("y", {2});
  b.Node("Relu", {"x"}, {"y"});
  std::string error;
  EXPECT_EQ(Model::LoadBytes(b.Bytes(), "old.onnx", &error), nullptr);
  EXPECT_NE(error.find("old.onnx: imports opset 6 of ai.onnx; Stagegate runs opsets 7 to 17"), std::string::npos)
      << error;
}

TEST(ExecutorTest, CheckerErrorsNameTheFile) {
  OnnxBuilder b(13);
  b.Input("x", {2}).Output("y", {2});
  b.Node("Relu", {"missing"}, {"y"});
  std::string error;
  EXPECT_EQ(Model::LoadBytes(b.Bytes(), "bad.onnx", &error), nullptr);
  EXPECT_NE(error.find("bad.onnx: the ONNX checker refuses the model: "), std::string::npos) << error;
}

TEST(ExecutorTest, RefusesExternalData) {
  OnnxBuilder b(13);
  b.Input("x", {2}).Output("y", {2});
  b.Initializer("w", {2}, {});
  auto* w = b.model().mutable_graph()->mutable_initializer(0);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  b.Node("Add", {"x", "w"}, {"y"});
  std::string error;
  EXPECT_EQ(Model::LoadBytes(b.Bytes(), "ext.onnx", &error), nullptr);
  EXPECT_NE(error.find("ext.onnx"), std::string::npos) << error;
}

TEST(ExecutorTest, RefusesInputShapesThatDoNotFit) {
  std::string error;
  auto model = Model::LoadBytes(MlpBytes(), "mlp.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  EXPECT_EQ(model->Plan({{4, 3}}, &error), nullptr);
  EXPECT_EQ(error, "mlp.onnx: input 'x' expects shape [N, 2], given [4, 3]");
  EXPECT_EQ(model->Plan({{4}}, &error), nullptr);
  EXPECT_EQ(error, "mlp.onnx: input 'x' expects shape [N, 2], given [4]");
  EXPECT_EQ(model->Plan({}, &error), nullptr);
  EXPECT_EQ(error, "mlp.onnx: the model has 1 inputs, 0 shapes given");
}

TEST(ExecutorTest, RunRefusesTensorsOfAnotherShape) {
  std::string error;
  auto model = Model::LoadBytes(MlpBytes(), "mlp.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  auto session = model->Plan({{2, 2}}, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> inputs = {FloatTensor({1, 2}, {1, 1})};
  std::vector<Tensor> outputs;
  const Status status = session->Run(inputs, &outputs);
  EXPECT_EQ(status.message(), "input 0 is float32 [1, 2], the session was planned for float32 [2, 2]");
}

TEST(ExecutorTest, PlanErrorsNameTheNode) {
  // Reshape whose shape arrives with the data cannot be planned.
  OnnxBuilder b(13);
  b.Input("x", {4}).Input("shape", {2}, onnx::TensorProto::INT64).Output("y", {-1, -1});
  b.Node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  std::string error;
  auto model = Model::LoadBytes(b.Bytes(), "dyn.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  EXPECT_EQ(model->Plan({{4}, {2}}, &error), nullptr);
  EXPECT_NE(error.find("dyn.onnx: node 'reshape' (Reshape): the shape input must be"), std::string::npos) << error;
}

TEST(ExecutorTest, RunErrorsNameTheNode) {
  // Gather with indices that arrive with the data: checked per run.
  OnnxBuilder b(13);
  b.Input("x", {3}).Input("i", {1}, onnx::TensorProto::INT64).Output("y", {1});
  b.Node("Gather", {"x", "i"}, {"y"}, "pick");
  std::string error;
  auto model = Model::LoadBytes(b.Bytes(), "gather.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  auto session = model->Plan({{3}, {1}}, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> inputs = {FloatTensor({3}, {1, 2, 3}), executor_testing::IntTensor({1}, {-1})};
  std::vector<Tensor> outputs;
  ASSERT_TRUE(session->Run(inputs, &outputs).ok());
  EXPECT_FLOATS_NEAR(Floats(outputs[0]), {3});
  inputs[1] = executor_testing::IntTensor({1}, {5});
  EXPECT_EQ(session->Run(inputs, &outputs).message(), "node 'pick' (Gather): index 5 is out of range for dimension 3");
}

TEST(ExecutorTest, ConstantNodesCountAsParametersAndFold) {
  OnnxBuilder b(13);
  b.Input("x", {3}).Output("y", {3});
  auto& constant = b.Node("Constant", {}, {"c"});
  auto* value = constant.add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value->mutable_t()->add_dims(3);
  for (float v : {1.0f, 2.0f, 3.0f}) value->mutable_t()->add_float_data(v);
  b.Node("Mul", {"x", "c"}, {"y"});
  std::string error;
  auto model = Model::LoadBytes(b.Bytes(), "const.onnx", &error);
  ASSERT_NE(model, nullptr) << error;
  EXPECT_EQ(model->summary().params, 3);
  auto session = model->Plan({{3}}, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> inputs = {FloatTensor({3}, {2, 2, 2})};
  std::vector<Tensor> outputs;
  ASSERT_TRUE(session->Run(inputs, &outputs).ok());
  EXPECT_FLOATS_NEAR(Floats(outputs[0]), {2, 4, 6});
}

}  // namespace
}  // namespace stagegate::inference
