// Conv, MaxPool, AveragePool and GlobalAveragePool against hand-computed values.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "tests/unit/inference/direct_kernel_runner.h"

namespace stagegate::inference {
namespace {

using direct_test::Floats;
using direct_test::Int;
using direct_test::IntList;
using direct_test::Node;
using direct_test::RunNode;
using direct_test::String;
using direct_test::Values;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::vector<float> Iota(int count, float start = 1.0f) {
  std::vector<float> values(count);
  std::iota(values.begin(), values.end(), start);
  return values;
}

TEST(ConvKernelTest, TwoDimensionalValidWindow) {
  // x = 1..9 as 3x3, a 2x2 kernel of ones: each output sums a 2x2 patch.
  auto run = RunNode(Node("", "Conv", 13, 1, {}), {Floats({1, 1, 3, 3}, Iota(9)), Floats({1, 1, 2, 2}, {1, 1, 1, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(12, 16, 24, 28));
}

TEST(ConvKernelTest, PaddingAndStride) {
  // 3x3 kernel of ones, pads 1, stride 2 over 1..9: the four corner windows.
  auto run = RunNode(Node("", "Conv", 13, 1, {{"pads", IntList({1, 1, 1, 1})}, {"strides", IntList({2, 2})}}),
                     {Floats({1, 1, 3, 3}, Iota(9)), Floats({1, 1, 3, 3}, std::vector<float>(9, 1.0f))});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(12, 16, 24, 28));
}

TEST(ConvKernelTest, DepthwiseGroupsWithBias) {
  // Two channels, group 2, 1x1 filters 2 and 3, bias 1 and -1.
  auto run = RunNode(Node("", "Conv", 13, 1, {{"group", Int(2)}, {"kernel_shape", IntList({1, 1})}}),
                     {Floats({1, 2, 1, 2}, {1, 2, 3, 4}), Floats({2, 1, 1, 1}, {2, 3}), Floats({2}, {1, -1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(3, 5, 8, 11));
}

TEST(ConvKernelTest, GroupsMixChannelsWithinTheirGroupOnly) {
  // Four input channels in two groups of two; each filter sums its group's channels.
  auto run = RunNode(Node("", "Conv", 13, 1, {{"group", Int(2)}}),
                     {Floats({1, 4, 1, 1}, {1, 2, 3, 4}), Floats({2, 2, 1, 1}, {1, 1, 1, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(3, 7));
}

TEST(ConvKernelTest, OneDimensionalDilationSameUpper) {
  // Kernel [1, 1, 1] with dilation 2 spans 5; SAME_UPPER pads 2 and 2.
  auto run = RunNode(Node("", "Conv", 13, 1, {{"dilations", IntList({2})}, {"auto_pad", String("SAME_UPPER")}}),
                     {Floats({1, 1, 5}, Iota(5)), Floats({1, 1, 3}, {1, 1, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{1, 1, 5}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(4, 6, 9, 6, 8));
}

TEST(ConvKernelTest, SameLowerPutsTheOddPadFirst) {
  const std::vector<Tensor> inputs = {Floats({1, 1, 4}, Iota(4)), Floats({1, 1, 2}, {1, 1})};
  auto upper = RunNode(Node("", "Conv", 13, 1, {{"auto_pad", String("SAME_UPPER")}}), inputs);
  auto lower = RunNode(Node("", "Conv", 13, 1, {{"auto_pad", String("SAME_LOWER")}}), inputs);
  ASSERT_TRUE(upper.status.ok() && lower.status.ok());
  EXPECT_THAT(Values(upper.outputs[0]), ElementsAre(3, 5, 7, 4));
  EXPECT_THAT(Values(lower.outputs[0]), ElementsAre(1, 3, 5, 7));
}

TEST(ConvKernelTest, ValidIgnoresPadding) {
  auto run = RunNode(Node("", "Conv", 13, 1, {{"auto_pad", String("VALID")}, {"strides", IntList({2})}}),
                     {Floats({1, 1, 5}, Iota(5)), Floats({1, 1, 2}, {1, -1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(-1, -1));
}

TEST(ConvKernelTest, BatchOfTwoImages) {
  auto run =
      RunNode(Node("", "Conv", 13, 1, {}), {Floats({2, 1, 1, 3}, {1, 2, 3, 10, 20, 30}), Floats({1, 1, 1, 2}, {1, 2})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{2, 1, 1, 2}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(5, 8, 50, 80));
}

TEST(ConvKernelTest, RefusesWhatItCannotRun) {
  auto three_d = RunNode(Node("", "Conv", 13, 1, {{"kernel_shape", IntList({1, 1, 1})}}),
                         {Floats({1, 1, 2, 2, 2}, {}), Floats({1, 1, 1, 1, 1}, {1})});
  EXPECT_THAT(three_d.status.message(), HasSubstr("only 1-D and 2-D convolutions"));
  auto bad_pad =
      RunNode(Node("", "Conv", 13, 1, {{"auto_pad", String("SAME")}}), {Floats({1, 1, 3}, {}), Floats({1, 1, 1}, {1})});
  EXPECT_EQ(bad_pad.status.message(),
            "node 'n' (Conv): auto_pad 'SAME' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  auto channels = RunNode(Node("", "Conv", 13, 1, {}), {Floats({1, 3, 4}, {}), Floats({2, 2, 1}, {})});
  EXPECT_THAT(channels.status.message(), HasSubstr("input X has 3 channels and W has shape [2, 2, 1]"));
  auto too_wide = RunNode(Node("", "Conv", 13, 1, {}), {Floats({1, 1, 2}, {}), Floats({1, 1, 3}, {})});
  EXPECT_THAT(too_wide.status.message(), HasSubstr("larger than the padded input"));
}

TEST(PoolKernelTest, MaxPoolTwoByTwo) {
  auto run = RunNode(Node("", "MaxPool", 12, 1, {{"kernel_shape", IntList({2, 2})}, {"strides", IntList({2, 2})}}),
                     {Floats({1, 1, 4, 4}, Iota(16))});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(6, 8, 14, 16));
}

TEST(PoolKernelTest, MaxPoolCeilModeKeepsThePartialWindow) {
  auto run = RunNode(Node("", "MaxPool", 12, 1,
                          {{"kernel_shape", IntList({2, 2})}, {"strides", IntList({2, 2})}, {"ceil_mode", Int(1)}}),
                     {Floats({1, 1, 5, 5}, Iota(25))});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{1, 1, 3, 3}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(7, 9, 10, 17, 19, 20, 22, 24, 25));
}

TEST(PoolKernelTest, CeilModeDropsAWindowStartingInThePadding) {
  // Input 3, kernel 2, stride 3, pads 0/1: ceil_mode gives a second window,
  // but it would start at 3, in the trailing padding only: dropped.
  auto run = RunNode(Node("", "MaxPool", 12, 1,
                          {{"kernel_shape", IntList({2})},
                           {"strides", IntList({3})},
                           {"pads", IntList({0, 1})},
                           {"ceil_mode", Int(1)}}),
                     {Floats({1, 1, 3}, {1, 5, 2})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(5));
}

TEST(PoolKernelTest, AveragePoolCountIncludePad) {
  const std::vector<Tensor> input = {Floats({1, 1, 3}, {1, 2, 3})};
  auto excluded =
      RunNode(Node("", "AveragePool", 11, 1, {{"kernel_shape", IntList({3})}, {"pads", IntList({1, 1})}}), input);
  auto included =
      RunNode(Node("", "AveragePool", 11, 1,
                   {{"kernel_shape", IntList({3})}, {"pads", IntList({1, 1})}, {"count_include_pad", Int(1)}}),
              input);
  ASSERT_TRUE(excluded.status.ok() && included.status.ok());
  EXPECT_THAT(Values(excluded.outputs[0]), ElementsAre(1.5f, 2.0f, 2.5f));
  EXPECT_THAT(Values(included.outputs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{1.0f, 2.0f, 5.0f / 3.0f}));
}

TEST(PoolKernelTest, AveragePoolTwoDimensionalSameUpper) {
  // 2x2 windows, stride 1, SAME_UPPER pads the bottom and the right by one.
  auto run =
      RunNode(Node("", "AveragePool", 11, 1, {{"kernel_shape", IntList({2, 2})}, {"auto_pad", String("SAME_UPPER")}}),
              {Floats({1, 1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(2.5f, 3.0f, 3.5f, 4.0f));
}

TEST(PoolKernelTest, RefusesIndicesAndMissingKernelShape) {
  auto indices = RunNode(Node("", "MaxPool", 12, 2, {{"kernel_shape", IntList({2})}}), {Floats({1, 1, 4}, {})});
  EXPECT_EQ(indices.status.message(), "node 'n' (MaxPool): the Indices output of MaxPool is not supported");
  auto no_kernel = RunNode(Node("", "AveragePool", 11, 1, {}), {Floats({1, 1, 4}, {})});
  EXPECT_THAT(no_kernel.status.message(), HasSubstr("only 1-D and 2-D pooling"));
}

TEST(GlobalAveragePoolKernelTest, AveragesEachChannel) {
  auto run = RunNode(Node("", "GlobalAveragePool", 13, 1, {}), {Floats({2, 2, 1, 3}, Iota(12))});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{2, 2, 1, 1}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(2, 5, 8, 11));
  auto one_d = RunNode(Node("", "GlobalAveragePool", 13, 1, {}), {Floats({1, 1, 4}, {1, 2, 3, 6})});
  ASSERT_TRUE(one_d.status.ok());
  EXPECT_EQ(one_d.outputs[0].shape(), (Shape{1, 1, 1}));
  EXPECT_THAT(Values(one_d.outputs[0]), ElementsAre(3));
}

}  // namespace
}  // namespace stagegate::inference
