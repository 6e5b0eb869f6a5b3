// BatchNormalization (inference mode) against hand-computed values.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/inference/direct_kernel_runner.h"

namespace stagegate::inference {
namespace {

using direct_test::Float;
using direct_test::Floats;
using direct_test::Int;
using direct_test::Node;
using direct_test::RunNode;
using direct_test::Values;
using ::testing::FloatNear;
using ::testing::Pointwise;

TEST(BatchNormalizationKernelTest, NormalizesEachChannel) {
  // Channel 0: (x - 1) / sqrt(4) * 2 + 0.5; channel 1: (x + 1) / sqrt(0.25) * 1 - 1.
  auto run = RunNode(Node("", "BatchNormalization", 15, 1, {{"epsilon", Float(0.0f)}}),
                     {Floats({2, 2, 2}, {1, 3, 0, 1, 5, -1, -1, 2}), Floats({2}, {2, 1}), Floats({2}, {0.5f, -1}),
                      Floats({2}, {1, -1}), Floats({2}, {4, 0.25f})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{2, 2, 2}));
  EXPECT_THAT(Values(run.outputs[0]),
              Pointwise(FloatNear(1e-6f), std::vector<float>{0.5f, 2.5f, 1.0f, 3.0f, 4.5f, -1.5f, -1.0f, 5.0f}));
}

TEST(BatchNormalizationKernelTest, EpsilonDefaultsToOneInOneHundredThousand) {
  auto run = RunNode(Node("", "BatchNormalization", 9, 1, {}),
                     {Floats({1, 1}, {1}), Floats({1}, {1}), Floats({1}, {0}), Floats({1}, {0}), Floats({1}, {0})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_NEAR(Values(run.outputs[0])[0], 1.0f / std::sqrt(1e-5f), 1e-2f);
}

TEST(BatchNormalizationKernelTest, RefusesTrainingMode) {
  const std::vector<Tensor> inputs = {Floats({1, 1}, {1}), Floats({1}, {1}), Floats({1}, {0}), Floats({1}, {0}),
                                      Floats({1}, {1})};
  auto training = RunNode(Node("", "BatchNormalization", 15, 1, {{"training_mode", Int(1)}}), inputs);
  EXPECT_EQ(training.status.message(),
            "node 'n' (BatchNormalization): training_mode = 1 is not supported (inference only)");
  auto statistics = RunNode(Node("", "BatchNormalization", 9, 3, {}), inputs);
  EXPECT_EQ(statistics.status.message(),
            "node 'n' (BatchNormalization): output 1 ('y1') is produced in training mode only; inference supports "
            "the output Y alone");
  auto wrong_shape =
      RunNode(Node("", "BatchNormalization", 15, 1, {}),
              {Floats({1, 2}, {1, 2}), Floats({1}, {1}), Floats({2}, {}), Floats({2}, {}), Floats({2}, {})});
  EXPECT_EQ(wrong_shape.status.message(),
            "node 'n' (BatchNormalization): input scale has shape [1]; expected [2], one value per channel");
}

TEST(BatchNormalizationKernelTest, RegisteredForOpsetsNineToFifteen) {
  EXPECT_NE(BuiltinKernels().Find("", "BatchNormalization", 9), nullptr);
  EXPECT_NE(BuiltinKernels().Find("", "BatchNormalization", 15), nullptr);
  EXPECT_EQ(BuiltinKernels().Find("", "BatchNormalization", 7), nullptr);
}

}  // namespace
}  // namespace stagegate::inference
