// Element-wise kernels against hand-computed values.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/unit/inference/executor_test_util.h"

namespace stagegate::inference {
namespace {

using namespace executor_testing;  // NOLINT: test helpers

TEST(ElementwiseKernelsTest, AddBroadcastsLikeNumpy) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Add", 14, {"a", "b"}),
                        {FloatTensor({2, 3}, {1, 2, 3, 4, 5, 6}), FloatTensor({3}, {10, 20, 30})}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {11, 22, 33, 14, 25, 36});
  // [2,1] with [1,3] broadcasts both ways.
  ASSERT_TRUE(
      RunKernel(MakeNode("Sub", 14, {"a", "b"}), {FloatTensor({2, 1}, {1, 2}), FloatTensor({1, 3}, {1, 2, 3})}, &out)
          .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, -1, -2, 1, 0, -1});
}

TEST(ElementwiseKernelsTest, RefusesShapesThatDoNotBroadcast) {
  std::vector<Tensor> out;
  const Status status =
      RunKernel(MakeNode("Mul", 14, {"a", "b"}), {FloatTensor({2}, {1, 2}), FloatTensor({3}, {1, 2, 3})}, &out);
  EXPECT_EQ(status.message(), "node 'n' (Mul): input shapes [2] and [3] do not broadcast");
}

TEST(ElementwiseKernelsTest, IntegerDivisionTruncatesAndRefusesZero) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Div", 14, {"a", "b"}), {IntTensor({3}, {7, -7, 9}), IntTensor({1}, {2})}, &out).ok());
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{3, -3, 4}));
  const Status status = RunKernel(MakeNode("Div", 14, {"a", "b"}), {IntTensor({1}, {7}), IntTensor({1}, {0})}, &out);
  EXPECT_EQ(status.message(), "node 'n' (Div): integer division by zero");
}

TEST(ElementwiseKernelsTest, PowTakesFloatOrIntegerExponents) {
  std::vector<Tensor> out;
  ASSERT_TRUE(
      RunKernel(MakeNode("Pow", 15, {"a", "b"}), {FloatTensor({3}, {2, 3, 4}), FloatTensor({}, {2})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {4, 9, 16});
  ASSERT_TRUE(RunKernel(MakeNode("Pow", 15, {"a", "b"}), {FloatTensor({2}, {2, 4}), IntTensor({}, {3})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {8, 64});
  ASSERT_TRUE(RunKernel(MakeNode("Sqrt", 13, {"x"}), {FloatTensor({2}, {4, 9})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {2, 3});
}

TEST(ElementwiseKernelsTest, VariadicSumMaxMin) {
  std::vector<Tensor> out;
  const std::vector<Tensor> inputs = {FloatTensor({2}, {1, 5}), FloatTensor({1}, {3}), FloatTensor({2}, {0, 10})};
  ASSERT_TRUE(RunKernel(MakeNode("Sum", 13, {"a", "b", "c"}), inputs, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {4, 18});
  ASSERT_TRUE(RunKernel(MakeNode("Max", 13, {"a", "b", "c"}), inputs, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {3, 10});
  ASSERT_TRUE(RunKernel(MakeNode("Min", 13, {"a", "b", "c"}), inputs, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 3});
  ASSERT_TRUE(RunKernel(MakeNode("Sum", 13, {"a"}), {FloatTensor({2}, {1, 2})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 2});
}

TEST(ElementwiseKernelsTest, Activations) {
  std::vector<Tensor> out;
  const Tensor x = FloatTensor({4}, {-2, -0.5f, 0, 3});
  ASSERT_TRUE(RunKernel(MakeNode("Relu", 14, {"x"}), {x}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 0, 0, 3});
  // A NaN stays NaN, also in the SIMD part of the loop.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE(
      RunKernel(MakeNode("Relu", 14, {"x"}), {FloatTensor({9}, {1, nan, -1, 2, 3, 4, nan, -5, nan})}, &out).ok());
  EXPECT_TRUE(std::isnan(out[0].data<float>()[1]));
  EXPECT_TRUE(std::isnan(out[0].data<float>()[6]));
  EXPECT_TRUE(std::isnan(out[0].data<float>()[8]));
  EXPECT_EQ(out[0].data<float>()[7], 0.0f);
  NodeDef leaky = MakeNode("LeakyRelu", 16, {"x"});
  SetFloat(leaky, "alpha", 0.1f);
  ASSERT_TRUE(RunKernel(leaky, {x}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {-0.2f, -0.05f, 0, 3});
  ASSERT_TRUE(RunKernel(MakeNode("LeakyRelu", 16, {"x"}), {x}, &out).ok());  // default alpha 0.01
  EXPECT_FLOATS_NEAR(Floats(out[0]), {-0.02f, -0.005f, 0, 3});
  ASSERT_TRUE(RunKernel(MakeNode("Sigmoid", 13, {"x"}), {FloatTensor({3}, {0, -100, 100})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0.5f, 0, 1});
  ASSERT_TRUE(RunKernel(MakeNode("Tanh", 13, {"x"}), {FloatTensor({2}, {0, 1})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 0.7615942f});
  ASSERT_TRUE(RunKernel(MakeNode("Exp", 13, {"x"}), {FloatTensor({2}, {0, 1})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 2.7182817f});
  ASSERT_TRUE(RunKernel(MakeNode("Log", 13, {"x"}), {FloatTensor({2}, {1, 2.7182817f})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 1});
  ASSERT_TRUE(RunKernel(MakeNode("Abs", 13, {"x"}), {IntTensor({2}, {-3, 4})}, &out).ok());
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{3, 4}));
  ASSERT_TRUE(RunKernel(MakeNode("Neg", 13, {"x"}), {FloatTensor({2}, {-3, 4})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {3, -4});
}

TEST(ElementwiseKernelsTest, ClipUsesAttributesBefore11AndInputsAfter) {
  std::vector<Tensor> out;
  NodeDef old_clip = MakeNode("Clip", 6, {"x"});
  SetFloat(old_clip, "min", -1);
  SetFloat(old_clip, "max", 1);
  ASSERT_TRUE(RunKernel(old_clip, {FloatTensor({3}, {-5, 0.5f, 5})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {-1, 0.5f, 1});
  ASSERT_TRUE(RunKernel(MakeNode("Clip", 13, {"x", "min", "max"}),
                        {FloatTensor({3}, {-5, 0.5f, 5}), FloatTensor({}, {0}), FloatTensor({}, {2})}, &out)
                  .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 0.5f, 2});
  // Max omitted: only the lower bound applies.
  ASSERT_TRUE(RunKernel(MakeNode("Clip", 13, {"x", "min", ""}),
                        {FloatTensor({2}, {-5, 5}), FloatTensor({}, {0}), Tensor()}, &out)
                  .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {0, 5});
}

TEST(ElementwiseKernelsTest, ComparisonsGiveBools) {
  std::vector<Tensor> out;
  const std::vector<Tensor> inputs = {FloatTensor({3}, {1, 2, 3}), FloatTensor({1}, {2})};
  ASSERT_TRUE(RunKernel(MakeNode("Equal", 13, {"a", "b"}), inputs, &out).ok());
  EXPECT_EQ(out[0].type(), ElementType::kBool);
  EXPECT_EQ(Bools(out[0]), (std::vector<std::uint8_t>{0, 1, 0}));
  ASSERT_TRUE(RunKernel(MakeNode("Less", 13, {"a", "b"}), inputs, &out).ok());
  EXPECT_EQ(Bools(out[0]), (std::vector<std::uint8_t>{1, 0, 0}));
  ASSERT_TRUE(RunKernel(MakeNode("Greater", 13, {"a", "b"}), inputs, &out).ok());
  EXPECT_EQ(Bools(out[0]), (std::vector<std::uint8_t>{0, 0, 1}));
  ASSERT_TRUE(
      RunKernel(MakeNode("Equal", 13, {"a", "b"}), {IntTensor({2}, {4, 5}), IntTensor({2}, {4, 4})}, &out).ok());
  EXPECT_EQ(Bools(out[0]), (std::vector<std::uint8_t>{1, 0}));
}

TEST(ElementwiseKernelsTest, WhereSelectsWithBroadcasting) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("Where", 16, {"c", "x", "y"}),
                        {BoolTensor({2, 1}, {1, 0}), FloatTensor({2}, {1, 2}), FloatTensor({}, {-1})}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 2, -1, -1});
}

TEST(ElementwiseKernelsTest, CastBetweenFloatIntAndBool) {
  std::vector<Tensor> out;
  NodeDef to_int = MakeNode("Cast", 13, {"x"});
  SetInt(to_int, "to", 7);
  ASSERT_TRUE(RunKernel(to_int, {FloatTensor({3}, {1.7f, -1.7f, 0})}, &out).ok());
  EXPECT_EQ(Ints(out[0]), (std::vector<std::int64_t>{1, -1, 0}));
  NodeDef to_bool = MakeNode("Cast", 13, {"x"});
  SetInt(to_bool, "to", 9);
  ASSERT_TRUE(RunKernel(to_bool, {IntTensor({3}, {0, 2, -1})}, &out).ok());
  EXPECT_EQ(Bools(out[0]), (std::vector<std::uint8_t>{0, 1, 1}));
  NodeDef to_float = MakeNode("Cast", 13, {"x"});
  SetInt(to_float, "to", 1);
  ASSERT_TRUE(RunKernel(to_float, {BoolTensor({2}, {1, 0})}, &out).ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 0});
  NodeDef to_double = MakeNode("Cast", 13, {"x"});
  SetInt(to_double, "to", 11);
  EXPECT_EQ(RunKernel(to_double, {BoolTensor({1}, {1})}, &out).message(),
            "node 'n' (Cast): casts to ONNX type 11; Stagegate casts to float (1), int64 (7) and bool (9)");
}

}  // namespace
}  // namespace stagegate::inference
