// LSTM and GRU against PyTorch (nn.LSTM, nn.GRU with linear_before_reset = 1)
// and a numpy reference for GRU with linear_before_reset = 0; the constants
// come from a short torch script: weights rounded to two decimals, gates
// reordered to ONNX's order (LSTM i, o, f, c; GRU z, r, h).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/inference/direct_kernel_runner.h"

namespace stagegate::inference {
namespace {

using direct_test::Floats;
using direct_test::Int;
using direct_test::Int64s;
using direct_test::Node;
using direct_test::Omitted;
using direct_test::RunNode;
using direct_test::String;
using direct_test::StringList;
using direct_test::Values;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

// seq_length 3, batch 2, input_size 2, hidden_size 3.
// LSTM
const std::vector<float> kX = {0.80000001f, 0.17f, 0.090000004f, -0.61000001f, 0.050000001f, -1.37f,
                               0.34f,       1.01f, -1.4400001f,  0.98000002f,  0.51999998f,  1.24f};
const std::vector<float> kW = {-0.37f,       -0.36000001f, -0.23999999f, 0.12f,         -0.44f,       -0.44f,
                               -0.07f,       -0.38f,       0.30000001f,  -0.14f,        -0.38999999f, -0.14f,
                               -0.28f,       0.34999999f,  -0.41999999f, -0.51999998f,  -0.5f,        -0.28f,
                               -0.15000001f, -0.56999999f, -0.27000001f, 0.0099999998f, 0.1f,         -0.079999998f};
const std::vector<float> kR = {-0.079999998f, 0.52999997f,  0.30000001f,  -0.23f,        -0.079999998f, 0.50999999f,
                               0.37f,         0.14f,        -0.20999999f, 0.2f,          0.07f,         0.47999999f,
                               0.13f,         0.38999999f,  -0.5f,        -0.5f,         -0.51999998f,  0.029999999f,
                               0.47999999f,   0.25f,        -0.25999999f, 0.41f,         0.039999999f,  -0.43000001f,
                               -0.25999999f,  -0.43000001f, -0.47999999f, 0.0099999998f, -0.41f,        0.31f,
                               0.25999999f,   0.12f,        0.47999999f,  -0.25999999f,  0.0099999998f, 0.34999999f};
const std::vector<float> kB = {0.49000001f,  -0.5f,       0.23f,       0.56999999f,  0.079999998f, 0.2f,
                               -0.50999999f, -0.38f,      -0.2f,       -0.23f,       0.17f,        -0.47999999f,
                               -0.38999999f, 0.31999999f, -0.13f,      -0.22f,       -0.2f,        -0.20999999f,
                               -0.28999999f, 0.1f,        0.23999999f, 0.059999999f, -0.2f,        0.11f};
const std::vector<float> kH0 = {-1.21f, 1.09f, -0.5f, 0.75999999f, -0.68000001f, 0.83999997f};
const std::vector<float> kC0 = {0.61000001f, 0.68000001f, 0.41f, 0.029999999f, -0.029999999f, 1.46f};
const std::vector<float> kY = {-0.12618458f,  -0.026805509f, 0.048323188f, 0.23878822f,   0.071471877f,  0.25522447f,
                               0.20498559f,   -0.027389754f, -0.03485392f, -0.075110897f, 0.04229901f,   0.018540367f,
                               -0.057195175f, 0.062816203f,  -0.21118706f, -0.14808731f,  -0.024711769f, -0.043314975f};
const std::vector<float> kYh = {-0.057195175f, 0.062816203f, -0.21118706f, -0.14808731f, -0.024711769f, -0.043314975f};
const std::vector<float> kYc = {-0.1093424f, 0.18595825f, -0.38121203f, -0.33387893f, -0.053191103f, -0.10644153f};
// GRU (linear_before_reset = 1, as torch)
const std::vector<float> kGw = {-0.54000002f, -0.079999998f, -0.56f,       0.0099999998f, 0.029999999f, 0.19f,
                                0.28999999f,  -0.14f,        -0.43000001f, 0.11f,         0.27000001f,  0.34f,
                                -0.2f,        -0.079999998f, 0.14f,        -0.56f,        0.28f,        0.56f};
const std::vector<float> kGr = {-0.20999999f,   -0.46000001f, 0.059999999f, 0.16f,       0.28999999f,  -0.47999999f,
                                -0.56f,         0.27000001f,  -0.12f,       -0.41f,      0.56f,        0.090000004f,
                                0.56999999f,    0.50999999f,  -0.49000001f, 0.43000001f, 0.02f,        0.15000001f,
                                -0.0099999998f, -0.15000001f, 0.0f,         0.1f,        -0.52999997f, 0.20999999f,
                                0.059999999f,   0.27000001f,  -0.30000001f};
const std::vector<float> kGb = {0.50999999f, 0.07f,        0.50999999f,  0.41999999f,  0.38999999f,  -0.28999999f,
                                0.51999998f, 0.090000004f, 0.090000004f, 0.0f,         0.55000001f,  -0.41f,
                                0.18000001f, 0.37f,        -0.52999997f, -0.33000001f, 0.059999999f, 0.20999999f};
const std::vector<float> kGy = {-0.57987171f,  0.55897212f, -0.26588869f, 0.64268804f, -0.02715838f, 0.083415657f,
                                -0.240049f,    0.55920577f, -0.37574404f, 0.42589086f, -0.13161203f, 0.39965108f,
                                -0.052526683f, 0.36514342f, -0.11685237f, 0.28738326f, -0.23009442f, 0.57156634f};
const std::vector<float> kGyh = {-0.052526683f, 0.36514342f, -0.11685237f, 0.28738326f, -0.23009442f, 0.57156634f};
const std::vector<float> kGy0 = {-0.58314198f, 0.57026571f, -0.23080945f, 0.5986855f,  -0.031781901f, 0.14756893f,
                                 -0.26302972f, 0.57499778f, -0.2807723f,  0.33988333f, -0.1348327f,   0.45347428f,
                                 -0.10529011f, 0.37537634f, 0.010580345f, 0.18142058f, -0.23231593f,  0.61421245f};

TEST(LstmKernelTest, MatchesTorchWithInitialStates) {
  auto run = RunNode(Node("", "LSTM", 14, 3, {{"hidden_size", Int(3)}}),
                     {Floats({3, 2, 2}, kX), Floats({1, 12, 2}, kW), Floats({1, 12, 3}, kR), Floats({1, 24}, kB),
                      Omitted(), Floats({1, 2, 3}, kH0), Floats({1, 2, 3}, kC0)});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{3, 1, 2, 3}));
  EXPECT_EQ(run.outputs[1].shape(), (Shape{1, 2, 3}));
  EXPECT_THAT(Values(run.outputs[0]), Pointwise(FloatNear(1e-6f), kY));
  EXPECT_THAT(Values(run.outputs[1]), Pointwise(FloatNear(1e-6f), kYh));
  EXPECT_THAT(Values(run.outputs[2]), Pointwise(FloatNear(1e-6f), kYc));
}

TEST(LstmKernelTest, OmittedOutputsAndFullSequenceLengths) {
  // Only Y_h requested; sequence_lens all equal to the sequence length.
  auto run = RunNode(Node("", "LSTM", 14, 2, {{"hidden_size", Int(3)}}, {0}),
                     {Floats({3, 2, 2}, kX), Floats({1, 12, 2}, kW), Floats({1, 12, 3}, kR), Floats({1, 24}, kB),
                      Int64s({2}, {3, 3}), Floats({1, 2, 3}, kH0), Floats({1, 2, 3}, kC0)});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_TRUE(run.outputs[0].empty_handle());
  EXPECT_THAT(Values(run.outputs[1]), Pointwise(FloatNear(1e-6f), kYh));
}

TEST(LstmKernelTest, ZeroInitialStateWithoutBias) {
  // Without B, initial_h and initial_c, one step of one unit: c = i * g, h = o * tanh(c).
  // W = [i 1, o 2, f 3, c 4] on x = 0.5.
  auto run = RunNode(Node("", "LSTM", 7, 3, {{"hidden_size", Int(1)}}),
                     {Floats({1, 1, 1}, {0.5f}), Floats({1, 4, 1}, {1, 2, 3, 4}), Floats({1, 4, 1}, {9, 9, 9, 9})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  const float c = 1.0f / (1.0f + std::exp(-0.5f)) * std::tanh(2.0f);
  const float h = 1.0f / (1.0f + std::exp(-1.0f)) * std::tanh(c);
  EXPECT_NEAR(Values(run.outputs[2])[0], c, 1e-6f);
  EXPECT_NEAR(Values(run.outputs[1])[0], h, 1e-6f);
}

TEST(LstmKernelTest, RefusesUnsupportedAttributesAndInputs) {
  auto reverse = RunNode(Node("", "LSTM", 14, 1, {{"hidden_size", Int(3)}, {"direction", String("bidirectional")}}),
                         {Floats({3, 2, 2}, kX), Floats({2, 12, 2}, {}), Floats({2, 12, 3}, {})});
  EXPECT_EQ(reverse.status.message(),
            "node 'n' (LSTM): direction 'bidirectional' is not supported; only 'forward' (one direction) is");
  auto activations =
      RunNode(Node("", "LSTM", 14, 1, {{"hidden_size", Int(3)}, {"activations", StringList({"Relu", "Tanh", "Tanh"})}}),
              {Floats({3, 2, 2}, kX), Floats({1, 12, 2}, kW), Floats({1, 12, 3}, kR)});
  EXPECT_THAT(activations.status.message(), HasSubstr("activations [Relu, Tanh, Tanh] are not supported"));
  auto lengths =
      RunNode(Node("", "LSTM", 14, 1, {{"hidden_size", Int(3)}}),
              {Floats({3, 2, 2}, kX), Floats({1, 12, 2}, kW), Floats({1, 12, 3}, kR), Omitted(), Int64s({2}, {3, 2})},
              {false, false, false, false, true});
  EXPECT_EQ(lengths.status.message(),
            "node 'n' (LSTM): sequence_lens[1] is 2; only sequences of the full length 3 are supported");
  auto lengths_at_run =
      RunNode(Node("", "LSTM", 14, 1, {{"hidden_size", Int(3)}}),
              {Floats({3, 2, 2}, kX), Floats({1, 12, 2}, kW), Floats({1, 12, 3}, kR), Omitted(), Int64s({2}, {1, 3})});
  EXPECT_THAT(lengths_at_run.status.message(), HasSubstr("sequence_lens[0] is 1"));
  auto layout = RunNode(Node("", "LSTM", 14, 1, {{"hidden_size", Int(3)}, {"layout", Int(1)}}), {});
  EXPECT_THAT(layout.status.message(), HasSubstr("layout 1 (batch first) is not supported"));
  auto weights = RunNode(Node("", "LSTM", 14, 1, {{"hidden_size", Int(3)}}),
                         {Floats({3, 2, 2}, kX), Floats({1, 12, 3}, {}), Floats({1, 12, 3}, kR)});
  EXPECT_EQ(weights.status.message(), "node 'n' (LSTM): input W has shape [1, 12, 3]; expected [1, 12, 2]");
}

TEST(GruKernelTest, LinearBeforeResetMatchesTorch) {
  auto run = RunNode(Node("", "GRU", 14, 2, {{"hidden_size", Int(3)}, {"linear_before_reset", Int(1)}}),
                     {Floats({3, 2, 2}, kX), Floats({1, 9, 2}, kGw), Floats({1, 9, 3}, kGr), Floats({1, 18}, kGb),
                      Omitted(), Floats({1, 2, 3}, kH0)});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), Pointwise(FloatNear(1e-6f), kGy));
  EXPECT_THAT(Values(run.outputs[1]), Pointwise(FloatNear(1e-6f), kGyh));
}

TEST(GruKernelTest, ResetBeforeLinearMatchesNumpy) {
  auto run = RunNode(Node("", "GRU", 14, 1, {{"hidden_size", Int(3)}}),
                     {Floats({3, 2, 2}, kX), Floats({1, 9, 2}, kGw), Floats({1, 9, 3}, kGr), Floats({1, 18}, kGb),
                      Omitted(), Floats({1, 2, 3}, kH0)});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), Pointwise(FloatNear(1e-6f), kGy0));
}

TEST(GruKernelTest, RefusesReverseDirection) {
  auto run = RunNode(Node("", "GRU", 14, 1, {{"hidden_size", Int(3)}, {"direction", String("reverse")}}), {});
  EXPECT_EQ(run.status.message(),
            "node 'n' (GRU): direction 'reverse' is not supported; only 'forward' (one direction) is");
}

}  // namespace
}  // namespace stagegate::inference
