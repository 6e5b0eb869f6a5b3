// Data-movement kernels against hand-computed values.

#include <gtest/gtest.h>

#include "tests/unit/inference/executor_test_util.h"

namespace stagegate::inference {
namespace {

using namespace executor_testing;  // NOLINT: test helpers

Tensor Iota(Shape shape) {
  Tensor tensor = Tensor::Owned(ElementType::kFloat32, std::move(shape));
  for (std::int64_t i = 0; i < tensor.size(); ++i) tensor.data<float>()[i] = static_cast<float>(i);
  return tensor;
}

TEST(TensorKernelsTest, ReshapeCopiesZeroAndInfersMinusOne) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Reshape", 13, {"x", "s"}), {Iota({2, 3, 4}), IntTensor({2}, {0, -1})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 12}));
  EXPECT_EQ(out[0].data<float>()[13], 13.0f);
  NodeDef allow_zero = MakeNode("Reshape", 14, {"x", "s"});
  SetInt(allow_zero, "allowzero", 1);
  EXPECT_FALSE(RunKernel(allow_zero, {Iota({2, 3}), IntTensor({2}, {0, -1})}, &out).ok());
  EXPECT_EQ(RunKernel(MakeNode("Reshape", 13, {"x", "s"}), {Iota({2, 3}), IntTensor({1}, {4})}, &out).message(),
            "node 'n' (Reshape): cannot reshape [2, 3] (6 elements) into [4]");
}

TEST(TensorKernelsTest, FlattenAtAxis) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("Flatten", 13, {"x"});
  SetInt(node, "axis", 2);
  ASSERT_TRUE(RunKernel(node, {Iota({2, 3, 4})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{6, 4}));
  ASSERT_TRUE(RunKernel(MakeNode("Flatten", 13, {"x"}), {Iota({2, 3, 4})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 12}));
}

TEST(TensorKernelsTest, SqueezeAndUnsqueezeAxesMovedToInputsAt13) {
  std::vector<Tensor> out;
  NodeDef old_unsqueeze = MakeNode("Unsqueeze", 11, {"x"});
  SetInts(old_unsqueeze, "axes", {0, -1});
  ASSERT_TRUE(RunKernel(old_unsqueeze, {Iota({3})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{1, 3, 1}));
  ASSERT_TRUE(RunKernel(MakeNode("Unsqueeze", 13, {"x", "axes"}), {Iota({3}), IntTensor({1}, {1})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{3, 1}));
  ASSERT_TRUE(RunKernel(MakeNode("Squeeze", 13, {"x"}), {Iota({1, 3, 1})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{3}));
  ASSERT_TRUE(RunKernel(MakeNode("Squeeze", 13, {"x", "axes"}), {Iota({1, 3, 1}), IntTensor({1}, {-1})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{1, 3}));
  NodeDef old_squeeze = MakeNode("Squeeze", 11, {"x"});
  SetInts(old_squeeze, "axes", {1});
  EXPECT_EQ(RunKernel(old_squeeze, {Iota({1, 3, 1})}, &out).message(),
            "node 'n' (Squeeze): cannot squeeze axis 1 of shape [1, 3, 1]");
}

TEST(TensorKernelsTest, TransposeWithAndWithoutPerm) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Transpose", 13, {"x"}), {Iota({2, 3})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{3, 2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 3, 1, 4, 2, 5});
  NodeDef node = MakeNode("Transpose", 13, {"x"});
  SetInts(node, "perm", {1, 0, 2});
  ASSERT_TRUE(RunKernel(node, {Iota({2, 2, 2})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 1, 4, 5, 2, 3, 6, 7});
}

TEST(TensorKernelsTest, ConcatOnInnerAndNegativeAxes) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("Concat", 13, {"a", "b"});
  SetInt(node, "axis", -1);
  ASSERT_TRUE(RunKernel(node, {FloatTensor({2, 1}, {1, 2}), FloatTensor({2, 2}, {3, 4, 5, 6})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 3, 4, 2, 5, 6});
  SetInt(node, "axis", 0);
  EXPECT_EQ(RunKernel(node, {FloatTensor({2, 1}, {1, 2}), FloatTensor({2, 2}, {3, 4, 5, 6})}, &out).message(),
            "node 'n' (Concat): cannot concatenate float32 [2, 1] with float32 [2, 2] on axis 0");
}

TEST(TensorKernelsTest, GatherAnyAxisAndNegativeIndices) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Gather", 13, {"x", "i"}), {Iota({3, 2}), IntTensor({2}, {-1, 0})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {4, 5, 0, 1});
  NodeDef node = MakeNode("Gather", 13, {"x", "i"});
  SetInt(node, "axis", 1);
  ASSERT_TRUE(RunKernel(node, {Iota({2, 3}), IntTensor({}, {2})}, &out).ok());
  EXPECT_EQ(out[0].shape(), (Shape{2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {2, 5});
  EXPECT_EQ(RunKernel(node, {Iota({2, 3}), IntTensor({}, {3})}, &out).message(),
            "node 'n' (Gather): index 3 is out of range for dimension 3");
}

TEST(TensorKernelsTest, SliceWithStepsNegativesAndAxes) {
  std::vector<Tensor> out;
  ASSERT_TRUE(
      RunKernel(MakeNode("Slice", 13, {"x", "s", "e", "a", "t"}),
                {Iota({10}), IntTensor({1}, {1}), IntTensor({1}, {-1}), IntTensor({1}, {0}), IntTensor({1}, {3})}, &out)
          .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 4, 7});
  // Reversed: starts -1, ends INT64_MIN, step -2.
  ASSERT_TRUE(RunKernel(MakeNode("Slice", 13, {"x", "s", "e", "a", "t"}),
                        {Iota({5}), IntTensor({1}, {-1}), IntTensor({1}, {std::numeric_limits<std::int64_t>::min()}),
                         IntTensor({1}, {0}), IntTensor({1}, {-2})},
                        &out)
                  .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {4, 2, 0});
  // Second axis of a matrix, ends beyond the dimension clamp.
  ASSERT_TRUE(RunKernel(MakeNode("Slice", 13, {"x", "s", "e", "a"}),
                        {Iota({2, 3}), IntTensor({1}, {1}), IntTensor({1}, {100}), IntTensor({1}, {-1})}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 2, 4, 5});
  NodeDef old_slice = MakeNode("Slice", 9, {"x"});
  SetInts(old_slice, "starts", {0});
  SetInts(old_slice, "ends", {2});
  ASSERT_TRUE(RunKernel(old_slice, {Iota({4})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 1});
}

TEST(TensorKernelsTest, ShapeWithStartAndEndFrom15) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Shape", 13, {"x"}), {Iota({2, 3, 4})}, &out).ok());
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{2, 3, 4}));
  NodeDef node = MakeNode("Shape", 15, {"x"});
  SetInt(node, "start", 1);
  SetInt(node, "end", -1);
  ASSERT_TRUE(RunKernel(node, {Iota({2, 3, 4})}, &out).ok());
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{3}));
}

TEST(TensorKernelsTest, ConstantFromValueIntsAndIdentity) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("Constant", 13, {});
  SetInts(node, "value_ints", {4, 5});
  ASSERT_TRUE(RunKernel(node, {}, &out).ok());
  EXPECT_EQ(out[0].type(), ElementType::kInt64);
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{4, 5}));
  NodeDef scalar = MakeNode("Constant", 13, {});
  SetFloat(scalar, "value_float", 2.5f);
  ASSERT_TRUE(RunKernel(scalar, {}, &out).ok());
  EXPECT_EQ(out[0].shape(), Shape{});
  EXPECT_FLOATS_NEAR(Floats(out[0]), {2.5f});
  ASSERT_TRUE(RunKernel(MakeNode("Identity", 13, {"x"}), {FloatTensor({2}, {1, 2})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 2});
}

}  // namespace
}  // namespace stagegate::inference
