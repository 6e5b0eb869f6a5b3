// MatMul and Gemm against hand-computed values.

#include <gtest/gtest.h>

#include "tests/unit/inference/executor_test_util.h"

namespace stagegate::inference {
namespace {

using namespace executor_testing;  // NOLINT: test helpers

TEST(LinalgKernelsTest, MatMulOfMatrices) {
  std::vector<Tensor> out;
  ASSERT_TRUE(RunKernel(MakeNode("MatMul", 13, {"a", "b"}),
                        {FloatTensor({2, 3}, {1, 2, 3, 4, 5, 6}), FloatTensor({3, 2}, {1, 0, 0, 1, 1, 1})}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {4, 5, 10, 11});
}

TEST(LinalgKernelsTest, MatMulPromotesVectors) {
  std::vector<Tensor> out;
  ASSERT_TRUE(
      RunKernel(MakeNode("MatMul", 13, {"a", "b"}), {FloatTensor({2}, {1, 2}), FloatTensor({2, 2}, {1, 2, 3, 4})}, &out)
          .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {7, 10});
  ASSERT_TRUE(
      RunKernel(MakeNode("MatMul", 13, {"a", "b"}), {FloatTensor({2, 2}, {1, 2, 3, 4}), FloatTensor({2}, {1, 1})}, &out)
          .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {3, 7});
}

TEST(LinalgKernelsTest, MatMulBroadcastsBatches) {
  std::vector<Tensor> out;
  // [2,1,2] x [1,2,2] → [2,1,2]... with a broadcast batch on b: [2, 1, 2] x [2, 1] → [2, 1, 1].
  ASSERT_TRUE(RunKernel(MakeNode("MatMul", 13, {"a", "b"}),
                        {FloatTensor({2, 1, 2}, {1, 2, 3, 4}), FloatTensor({2, 1}, {1, 1})}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 1, 1}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {3, 7});
  // Batches on both sides with broadcasting: a [2,1,1,2], b [3,2,1] → [2,3,1,1].
  ASSERT_TRUE(RunKernel(MakeNode("MatMul", 13, {"a", "b"}),
                        {FloatTensor({2, 1, 1, 2}, {1, 0, 0, 1}), FloatTensor({3, 2, 1}, {1, 2, 3, 4, 5, 6})}, &out)
                  .ok());
  EXPECT_EQ(out[0].shape(), (Shape{2, 3, 1, 1}));
  EXPECT_FLOATS_NEAR(Floats(out[0]), {1, 3, 5, 2, 4, 6});
  EXPECT_EQ(RunKernel(MakeNode("MatMul", 13, {"a", "b"}),
                      {FloatTensor({2, 3}, {1, 2, 3, 4, 5, 6}), FloatTensor({2}, {1, 1})}, &out)
                .message(),
            "node 'n' (MatMul): cannot multiply [2, 3] by [2]");
}

TEST(LinalgKernelsTest, GemmWithTransposesAlphaBetaAndBroadcastC) {
  std::vector<Tensor> out;
  NodeDef node = MakeNode("Gemm", 13, {"a", "b", "c"});
  SetInt(node, "transA", 1);
  SetInt(node, "transB", 1);
  SetFloat(node, "alpha", 2.0f);
  SetFloat(node, "beta", 0.5f);
  // A^T = [[1, 2], [3, 4]] (A = [[1, 3], [2, 4]]), B^T = identity, C = [10, 20] per column.
  ASSERT_TRUE(
      RunKernel(node,
                {FloatTensor({2, 2}, {1, 3, 2, 4}), FloatTensor({2, 2}, {1, 0, 0, 1}), FloatTensor({2}, {10, 20})},
                &out)
          .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {2 + 5, 4 + 10, 6 + 5, 8 + 10});
  // C optional from 11; C of shape [2, 1] broadcasts along columns.
  ASSERT_TRUE(
      RunKernel(MakeNode("Gemm", 13, {"a", "b"}), {FloatTensor({1, 2}, {1, 2}), FloatTensor({2, 1}, {3, 4})}, &out)
          .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {11});
  ASSERT_TRUE(RunKernel(MakeNode("Gemm", 13, {"a", "b", "c"}),
                        {FloatTensor({2, 1}, {1, 2}), FloatTensor({1, 2}, {1, 1}), FloatTensor({2, 1}, {100, 200})},
                        &out)
                  .ok());
  EXPECT_FLOATS_NEAR(Floats(out[0]), {101, 101, 202, 202});
  EXPECT_EQ(
      RunKernel(MakeNode("Gemm", 13, {"a", "b"}), {FloatTensor({1, 2}, {1, 2}), FloatTensor({3, 1}, {3, 4, 5})}, &out)
          .message(),
      "node 'n' (Gemm): cannot multiply A [1, 2] by B [3, 1]");
}

}  // namespace
}  // namespace stagegate::inference
