// Reductions and softmax against hand-computed values.

#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/inference/executor_test_util.h"

namespace stagegate::inference {
namespace {

using namespace executor_testing;  // NOLINT: test helpers

const Tensor kMatrix = FloatTensor({2, 3}, {1, 2, 3, 4, 5, 6});

TEST(ReduceKernelsTest, ReduceMeanOverAttributeAxes) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("ReduceMean", 13, {"x"});
  SetInts(node, "axes", {1});
  ASSERT_TRUE(RunKernel(node, {kMatrix}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 1}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {2, 5});
  SetInt(node, "keepdims", 0);
  SetInts(node, "axes", {0});
  ASSERT_TRUE(RunKernel(node, {kMatrix}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{3}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {2.5f, 3.5f, 4.5f});
}

TEST(ReduceKernelsTest, ReduceSumAxesBecameAnInputAt13) {
  std::vector<Tensor> out;
  NodeDef old_sum = MakeNode("ReduceSum", 11, {"x"});
  SetInts(old_sum, "axes", {-1});
  ASSERT_TRUE(RunKernel(old_sum, {kMatrix}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {6, 15});
  ASSERT_TRUE(RunKernel(MakeNode("ReduceSum", 13, {"x", "axes"}), {kMatrix, IntTensor({1}, {0})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{1, 3}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {5, 7, 9});
  // No axes: everything, unless noop_with_empty_axes.
  ASSERT_TRUE(RunKernel(MakeNode("ReduceSum", 13, {"x"}), {kMatrix}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{1, 1}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {21});
  NodeDef noop = MakeNode("ReduceSum", 13, {"x"});
  SetInt(noop, "noop_with_empty_axes", 1);
  ASSERT_TRUE(RunKernel(noop, {kMatrix}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 2, 3, 4, 5, 6});
  ASSERT_TRUE(RunKernel(MakeNode("ReduceSum", 13, {"x"}), {IntTensor({3}, {1, 2, 3})}, &out).ok());
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{6}));
}

TEST(ReduceKernelsTest, ReduceMax) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("ReduceMax", 13, {"x"});
  SetInts(node, "axes", {1});
  SetInt(node, "keepdims", 0);
  ASSERT_TRUE(RunKernel(node, {FloatTensor({2, 2}, {-1, -3, 7, 2})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {-1, 7});
}

TEST(ReduceKernelsTest, SoftmaxSingleAxisFrom13) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("Softmax", 13, {"x"});
  SetInt(node, "axis", 0);
  ASSERT_TRUE(RunKernel(node, {FloatTensor({2, 2}, {0, 1, 0, 3})}, &out).ok());
  // Column 0: equal → 0.5 each; column 1: e^1 / (e^1 + e^3).
  const float a = 1.0f / (1.0f + std::exp(2.0f));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0.5f, a, 0.5f, 1 - a});
  ASSERT_TRUE(RunKernel(MakeNode("Softmax", 13, {"x"}), {FloatTensor({1, 2}, {1000, 1000})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0.5f, 0.5f});
}

TEST(ReduceKernelsTest, SoftmaxBefore13CoercesTo2D) {
  std::vector<Tensor> out;
  // Axis 1 of [1, 2, 2]: one softmax over all four values.
  ASSERT_TRUE(RunKernel(MakeNode("Softmax", 11, {"x"}), {FloatTensor({1, 2, 2}, {0, 0, 0, 0})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0.25f, 0.25f, 0.25f, 0.25f});
  ASSERT_TRUE(RunKernel(MakeNode("Softmax", 13, {"x"}), {FloatTensor({1, 2, 2}, {0, 0, 0, 0})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0.5f, 0.5f, 0.5f, 0.5f});
}

TEST(ReduceKernelsTest, LogSoftmax) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("LogSoftmax", 13, {"x"}), {FloatTensor({2}, {0, 0})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {std::log(0.5f), std::log(0.5f)});
}

}  // namespace
}  // namespace stagegate::inference
