// The ai.onnx.ml kernels against hand-computed values, including
// onnxruntime's conventions for binary classifiers and NaN features.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/unit/inference/direct_kernel_runner.h"

namespace stagegate::inference {
namespace {

using direct_test::FloatList;
using direct_test::Floats;
using direct_test::Int;
using direct_test::Int64s;
using direct_test::IntList;
using direct_test::IntValues;
using direct_test::Node;
using direct_test::RunNode;
using direct_test::String;
using direct_test::StringList;
using direct_test::Strings;
using direct_test::StringValues;
using direct_test::Values;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

constexpr const char* kMl = "ai.onnx.ml";
const float kNaN = std::numeric_limits<float>::quiet_NaN();

float Logistic(float v) { return 1.0f / (1.0f + std::exp(-v)); }

TEST(ScalerKernelTest, SubtractsOffsetThenScales) {
  auto run = RunNode(Node(kMl, "Scaler", 1, 1, {{"offset", FloatList({1, 2})}, {"scale", FloatList({2, 0.5f})}}),
                     {Floats({2, 2}, {1, 2, 3, 6})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(0, 0, 4, 2));
  auto ints = RunNode(Node(kMl, "Scaler", 1, 1, {{"offset", FloatList({1})}, {"scale", FloatList({3})}}),
                      {Int64s({3}, {1, 2, 3})});
  ASSERT_TRUE(ints.status.ok()) << ints.status.message();
  EXPECT_EQ(ints.outputs[0].type(), ElementType::kFloat32);
  EXPECT_THAT(Values(ints.outputs[0]), ElementsAre(0, 3, 6));
  auto mismatch = RunNode(Node(kMl, "Scaler", 1, 1, {{"scale", FloatList({1, 2, 3})}}), {Floats({1, 2}, {})});
  EXPECT_EQ(mismatch.status.message(), "node 'n' (ai.onnx.ml:Scaler): scale has 3 values for 2 features");
}

TEST(NormalizerKernelTest, MaxL1AndL2) {
  const std::vector<Tensor> input = {Floats({2, 2}, {3, -4, 0, 0})};
  auto max = RunNode(Node(kMl, "Normalizer", 1, 1, {{"norm", String("MAX")}}), input);
  auto l1 = RunNode(Node(kMl, "Normalizer", 1, 1, {{"norm", String("L1")}}), input);
  auto l2 = RunNode(Node(kMl, "Normalizer", 1, 1, {{"norm", String("L2")}}), input);
  ASSERT_TRUE(max.status.ok() && l1.status.ok() && l2.status.ok());
  // The all-zero row stays as it is.
  EXPECT_THAT(Values(max.outputs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{1, -4.0f / 3, 0, 0}));
  EXPECT_THAT(Values(l1.outputs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{3.0f / 7, -4.0f / 7, 0, 0}));
  EXPECT_THAT(Values(l2.outputs[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{0.6f, -0.8f, 0, 0}));
  auto bad = RunNode(Node(kMl, "Normalizer", 1, 1, {{"norm", String("L3")}}), input);
  EXPECT_EQ(bad.status.message(), "node 'n' (ai.onnx.ml:Normalizer): norm 'L3' is not one of MAX, L1, L2");
}

TEST(LinearRegressorKernelTest, TwoTargets) {
  auto run = RunNode(
      Node(kMl, "LinearRegressor", 1, 1,
           {{"coefficients", FloatList({1, 2, -1, 0.5f})}, {"intercepts", FloatList({0.5f, -1})}, {"targets", Int(2)}}),
      {Floats({2, 2}, {1, 1, 2, 0})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_EQ(run.outputs[0].shape(), (Shape{2, 2}));
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(3.5f, -1.5f, 2.5f, -3.0f));
  auto softmax = RunNode(Node(kMl, "LinearRegressor", 1, 1, {{"post_transform", String("SOFTMAX")}}), {});
  EXPECT_EQ(softmax.status.message(),
            "node 'n' (ai.onnx.ml:LinearRegressor): post_transform 'SOFTMAX' is not supported; supported: NONE");
}

TEST(LinearClassifierKernelTest, SoftmaxWithStringLabels) {
  auto run = RunNode(Node(kMl, "LinearClassifier", 1, 2,
                          {{"coefficients", FloatList({1, 0, 0, 1, -1, -1})},
                           {"intercepts", FloatList({0, 0, 1})},
                           {"classlabels_strings", StringList({"a", "b", "c"})},
                           {"post_transform", String("SOFTMAX")}}),
                     {Floats({2, 2}, {2, 0, -1, -1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(StringValues(run.outputs[0]), ElementsAre("a", "c"));
  // Row 0 scores [2, 0, -1]; row 1 [-1, -1, 3].
  const float z0 = std::exp(2.0f) + 1.0f + std::exp(-1.0f);
  const float z1 = 2 * std::exp(-1.0f) + std::exp(3.0f);
  EXPECT_THAT(
      Values(run.outputs[1]),
      Pointwise(FloatNear(1e-6f), std::vector<float>{std::exp(2.0f) / z0, 1 / z0, std::exp(-1.0f) / z0,
                                                     std::exp(-1.0f) / z1, std::exp(-1.0f) / z1, std::exp(3.0f) / z1}));
}

TEST(LinearClassifierKernelTest, BinaryWithOneCoefficientRow) {
  auto run = RunNode(Node(kMl, "LinearClassifier", 1, 2,
                          {{"coefficients", FloatList({1, -1})},
                           {"intercepts", FloatList({0.5f})},
                           {"classlabels_ints", IntList({0, 1})},
                           {"post_transform", String("LOGISTIC")}}),
                     {Floats({2, 2}, {1, 0, 0, 2})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(IntValues(run.outputs[0]), ElementsAre(1, 0));
  EXPECT_EQ(run.outputs[1].shape(), (Shape{2, 2}));
  EXPECT_THAT(Values(run.outputs[1]), Pointwise(FloatNear(1e-6f), std::vector<float>{Logistic(-1.5f), Logistic(1.5f),
                                                                                     Logistic(1.5f), Logistic(-1.5f)}));
  auto none = RunNode(Node(kMl, "LinearClassifier", 1, 2,
                           {{"coefficients", FloatList({1, -1})},
                            {"intercepts", FloatList({0.5f})},
                            {"classlabels_ints", IntList({0, 1})}}),
                      {Floats({1, 2}, {1, 0})});
  ASSERT_TRUE(none.status.ok());
  // onnxruntime 1.31 gives [1 − s, s] unless the transform is LOGISTIC, even for SOFTMAX.
  EXPECT_THAT(Values(none.outputs[1]), ElementsAre(-0.5f, 1.5f));
  auto softmax = RunNode(Node(kMl, "LinearClassifier", 1, 2,
                              {{"coefficients", FloatList({1, -1})},
                               {"intercepts", FloatList({0.5f})},
                               {"classlabels_ints", IntList({0, 1})},
                               {"post_transform", String("SOFTMAX")}}),
                         {Floats({1, 2}, {0, 1})});
  ASSERT_TRUE(softmax.status.ok());
  EXPECT_THAT(IntValues(softmax.outputs[0]), ElementsAre(0));
  EXPECT_THAT(Values(softmax.outputs[1]), ElementsAre(1.5f, -0.5f));
}

TEST(LinearClassifierKernelTest, RefusesMismatchedCoefficients) {
  auto labels = RunNode(Node(kMl, "LinearClassifier", 1, 2,
                             {{"coefficients", FloatList({1, 2, 3})},
                              {"intercepts", FloatList({0, 0, 0})},
                              {"classlabels_ints", IntList({0, 1})}}),
                        {});
  EXPECT_THAT(labels.status.message(), HasSubstr("3 intercepts for 2 class labels"));
  auto coefficients = RunNode(Node(kMl, "LinearClassifier", 1, 2,
                                   {{"coefficients", FloatList({1, 2, 3})},
                                    {"intercepts", FloatList({0, 0})},
                                    {"classlabels_ints", IntList({0, 1})}}),
                              {Floats({1, 2}, {})});
  EXPECT_THAT(coefficients.status.message(), HasSubstr("coefficients has 3 values; 2 classes × 2 features need 4"));
}

// One tree: node 0 tests feature 1 <= 0.5 (NaN goes true), leaves 1 and 2.
std::map<std::string, Attribute, std::less<>> StumpAttributes(const std::string& mode) {
  return {{"nodes_treeids", IntList({0, 0, 0})},
          {"nodes_nodeids", IntList({0, 1, 2})},
          {"nodes_featureids", IntList({1, 0, 0})},
          {"nodes_values", FloatList({0.5f, 0, 0})},
          {"nodes_modes", StringList({mode, "LEAF", "LEAF"})},
          {"nodes_truenodeids", IntList({1, 0, 0})},
          {"nodes_falsenodeids", IntList({2, 0, 0})},
          {"nodes_missing_value_tracks_true", IntList({1, 0, 0})}};
}

TEST(TreeEnsembleRegressorKernelTest, BranchModesAndMissingValues) {
  auto attributes = StumpAttributes("BRANCH_LEQ");
  attributes["target_treeids"] = IntList({0, 0});
  attributes["target_nodeids"] = IntList({1, 2});
  attributes["target_ids"] = IntList({0, 0});
  attributes["target_weights"] = FloatList({10, 20});
  attributes["base_values"] = FloatList({1});
  const std::vector<Tensor> input = {Floats({4, 2}, {0, 0.5f, 0, 0.7f, 0, kNaN, 0, -3})};
  auto leq = RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, attributes), input);
  ASSERT_TRUE(leq.status.ok()) << leq.status.message();
  EXPECT_THAT(Values(leq.outputs[0]), ElementsAre(11, 21, 11, 11));
  const std::vector<std::pair<std::string, std::vector<float>>> expected = {{"BRANCH_LT", {21, 21, 11, 11}},
                                                                            {"BRANCH_GTE", {11, 11, 11, 21}},
                                                                            {"BRANCH_GT", {21, 11, 11, 21}},
                                                                            {"BRANCH_EQ", {11, 21, 11, 21}},
                                                                            {"BRANCH_NEQ", {21, 11, 11, 11}}};
  for (const auto& [mode, values] : expected) {
    attributes["nodes_modes"] = StringList({mode, "LEAF", "LEAF"});
    auto run = RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, attributes), input);
    ASSERT_TRUE(run.status.ok()) << run.status.message();
    EXPECT_THAT(Values(run.outputs[0]), ElementsAreArray(values)) << mode;
  }
}

TEST(TreeEnsembleRegressorKernelTest, Aggregates) {
  // Two stumps voting for targets 0 and 1; row x1 = 0 goes true in both.
  std::map<std::string, Attribute, std::less<>> attributes = {
      {"nodes_treeids", IntList({0, 0, 0, 1, 1, 1})},
      {"nodes_nodeids", IntList({0, 1, 2, 0, 1, 2})},
      {"nodes_featureids", IntList({0, 0, 0, 0, 0, 0})},
      {"nodes_values", FloatList({0.5f, 0, 0, 0.5f, 0, 0})},
      {"nodes_modes", StringList({"BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"})},
      {"nodes_truenodeids", IntList({1, 0, 0, 1, 0, 0})},
      {"nodes_falsenodeids", IntList({2, 0, 0, 2, 0, 0})},
      {"target_treeids", IntList({0, 0, 1, 1})},
      {"target_nodeids", IntList({1, 1, 1, 2})},
      {"target_ids", IntList({0, 1, 0, 1})},
      {"target_weights", FloatList({2, 3, 6, 9})},
      {"n_targets", Int(2)}};
  const std::vector<std::pair<std::string, std::vector<float>>> expected = {
      {"SUM", {8, 3}}, {"AVERAGE", {4, 1.5f}}, {"MIN", {2, 3}}, {"MAX", {6, 3}}};
  for (const auto& [aggregate, values] : expected) {
    attributes["aggregate_function"] = String(aggregate);
    auto run = RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, attributes), {Floats({1, 1}, {0})});
    ASSERT_TRUE(run.status.ok()) << run.status.message();
    EXPECT_THAT(Values(run.outputs[0]), ElementsAreArray(values)) << aggregate;
  }
  attributes["aggregate_function"] = String("MEDIAN");
  auto median = RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, attributes), {Floats({1, 1}, {0})});
  EXPECT_THAT(median.status.message(), HasSubstr("aggregate_function 'MEDIAN' is not one of SUM, AVERAGE, MIN, MAX"));
}

TEST(TreeEnsembleRegressorKernelTest, RefusesBrokenTrees) {
  auto attributes = StumpAttributes("BRANCH_LEQ");
  attributes["target_treeids"] = IntList({0});
  attributes["target_nodeids"] = IntList({1});
  attributes["target_ids"] = IntList({0});
  attributes["target_weights"] = FloatList({1});
  auto cycle = attributes;
  cycle["nodes_modes"] = StringList({"BRANCH_LEQ", "BRANCH_LEQ", "LEAF"});
  cycle["nodes_truenodeids"] = IntList({1, 0, 0});
  EXPECT_THAT(RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, cycle), {}).status.message(),
              HasSubstr("tree 0 has a cycle"));
  auto dangling = attributes;
  dangling["nodes_falsenodeids"] = IntList({7, 0, 0});
  EXPECT_THAT(RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, dangling), {}).status.message(),
              HasSubstr("tree 0 node 0 branches to node 7, which does not exist"));
  auto mode = attributes;
  mode["nodes_modes"] = StringList({"BRANCH_MEMBER", "LEAF", "LEAF"});
  EXPECT_THAT(RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, mode), {}).status.message(),
              HasSubstr("unknown node mode 'BRANCH_MEMBER'"));
  auto narrow = RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, attributes), {Floats({1, 1}, {0})});
  EXPECT_THAT(narrow.status.message(), HasSubstr("the trees read feature 1 but the input has 1 features"));
  auto probit = attributes;
  probit["post_transform"] = String("PROBIT");
  EXPECT_THAT(RunNode(Node(kMl, "TreeEnsembleRegressor", 1, 1, probit), {}).status.message(),
              HasSubstr("post_transform 'PROBIT' is not supported"));
}

std::map<std::string, Attribute, std::less<>> ClassifierStump(std::vector<std::int64_t> class_ids,
                                                              std::vector<float> weights) {
  auto attributes = StumpAttributes("BRANCH_LEQ");
  const std::size_t n = class_ids.size();
  attributes["class_treeids"] = IntList(std::vector<std::int64_t>(n, 0));
  std::vector<std::int64_t> nodes;
  for (std::size_t i = 0; i < n; ++i) nodes.push_back(i < n / 2 ? 1 : 2);
  attributes["class_nodeids"] = IntList(nodes);
  attributes["class_ids"] = IntList(std::move(class_ids));
  attributes["class_weights"] = FloatList(std::move(weights));
  return attributes;
}

TEST(TreeEnsembleClassifierKernelTest, MulticlassSoftmaxAndBaseValues) {
  // Leaf 1 votes class 0: 1, class 2: 3; leaf 2 votes class 1: 2, class 2: 0.5.
  auto attributes = ClassifierStump({0, 2, 1, 2}, {1, 3, 2, 0.5f});
  attributes["classlabels_int64s"] = IntList({7, 8, 9});
  attributes["base_values"] = FloatList({0, 0, -1});
  attributes["post_transform"] = String("SOFTMAX");
  auto run = RunNode(Node(kMl, "TreeEnsembleClassifier", 1, 2, attributes), {Floats({2, 2}, {0, 0, 0, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(IntValues(run.outputs[0]), ElementsAre(9, 8));  // scores [1, 0, 2] and [0, 2, -0.5]
  const float a = std::exp(1.0f) + 1 + std::exp(2.0f);
  const float b = 1 + std::exp(2.0f) + std::exp(-0.5f);
  EXPECT_THAT(Values(run.outputs[1]),
              Pointwise(FloatNear(1e-6f), std::vector<float>{std::exp(1.0f) / a, 1 / a, std::exp(2.0f) / a, 1 / b,
                                                             std::exp(2.0f) / b, std::exp(-0.5f) / b}));
}

TEST(TreeEnsembleClassifierKernelTest, BinaryWithMixedWeightsAndLogistic) {
  // Votes for class 0 only: onnxruntime labels by the sign of the score and
  // writes [logistic(-s), logistic(s)].
  auto attributes = ClassifierStump({0, 0}, {-2, 1.5f});
  attributes["classlabels_strings"] = StringList({"ok", "fail"});
  attributes["base_values"] = FloatList({0.25f});
  attributes["post_transform"] = String("LOGISTIC");
  auto run = RunNode(Node(kMl, "TreeEnsembleClassifier", 1, 2, attributes), {Floats({2, 2}, {0, 0, 0, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(StringValues(run.outputs[0]), ElementsAre("ok", "fail"));
  EXPECT_THAT(Values(run.outputs[1]),
              Pointwise(FloatNear(1e-6f),
                        std::vector<float>{Logistic(1.75f), Logistic(-1.75f), Logistic(-1.75f), Logistic(1.75f)}));
}

TEST(TreeEnsembleClassifierKernelTest, BinaryWithPositiveWeightsIsAProbability) {
  // All weights positive: the score is a probability, threshold 0.5, no transform.
  auto attributes = ClassifierStump({0, 0}, {0.2f, 0.9f});
  attributes["classlabels_int64s"] = IntList({0, 1});
  attributes["post_transform"] = String("LOGISTIC");
  auto run = RunNode(Node(kMl, "TreeEnsembleClassifier", 1, 2, attributes), {Floats({2, 2}, {0, 0, 0, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(IntValues(run.outputs[0]), ElementsAre(0, 1));
  EXPECT_THAT(Values(run.outputs[1]), Pointwise(FloatNear(1e-6f), std::vector<float>{0.8f, 0.2f, 0.1f, 0.9f}));
}

TEST(TreeEnsembleClassifierKernelTest, OpsetThreeTensorAttributes) {
  auto attributes = ClassifierStump({0, 1}, {});
  attributes.erase("class_weights");
  attributes.erase("nodes_values");
  Attribute values;
  values.kind = Attribute::Kind::kTensor;
  values.t = Floats({3}, {0.5f, 0, 0});
  attributes["nodes_values_as_tensor"] = values;
  values.t = Floats({2}, {1, 1});
  attributes["class_weights_as_tensor"] = values;
  attributes["classlabels_int64s"] = IntList({4, 5});
  auto run = RunNode(Node(kMl, "TreeEnsembleClassifier", 3, 2, attributes), {Floats({2, 2}, {0, 0, 0, 1})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(IntValues(run.outputs[0]), ElementsAre(4, 5));
  EXPECT_THAT(Values(run.outputs[1]), ElementsAre(1, 0, 0, 1));
}

TEST(ZipMapKernelTest, AttachesTheClassLabelsAsKeys) {
  auto run = RunNode(Node(kMl, "ZipMap", 1, 1, {{"classlabels_strings", StringList({"a", "b"})}}),
                     {Floats({2, 2}, {0.25f, 0.75f, 1, 0})});
  ASSERT_TRUE(run.status.ok()) << run.status.message();
  EXPECT_THAT(Values(run.outputs[0]), ElementsAre(0.25f, 0.75f, 1, 0));
  ASSERT_NE(run.outputs[0].map_keys, nullptr);
  EXPECT_THAT(StringValues(*run.outputs[0].map_keys), ElementsAre("a", "b"));
  auto wrong = RunNode(Node(kMl, "ZipMap", 1, 1, {{"classlabels_int64s", IntList({1, 2, 3})}}), {Floats({2, 2}, {})});
  EXPECT_EQ(wrong.status.message(),
            "node 'n' (ai.onnx.ml:ZipMap): input X has shape [2, 2]; expected float32 [N, 3], one column per class "
            "label");
}

TEST(LabelEncoderKernelTest, OpsetOneStringsToIndicesAndBack) {
  const auto attributes = std::map<std::string, Attribute, std::less<>>{
      {"classes_strings", StringList({"low", "high"})}, {"default_int64", Int(-7)}, {"default_string", String("?")}};
  auto encode = RunNode(Node(kMl, "LabelEncoder", 1, 1, attributes), {Strings({3}, {"high", "low", "mid"})});
  ASSERT_TRUE(encode.status.ok()) << encode.status.message();
  EXPECT_THAT(IntValues(encode.outputs[0]), ElementsAre(1, 0, -7));
  auto decode = RunNode(Node(kMl, "LabelEncoder", 1, 1, attributes), {Int64s({3}, {0, 5, 1})});
  ASSERT_TRUE(decode.status.ok()) << decode.status.message();
  EXPECT_THAT(StringValues(decode.outputs[0]), ElementsAre("low", "?", "high"));
}

TEST(LabelEncoderKernelTest, OpsetTwoKeysAndValues) {
  auto ints = RunNode(Node(kMl, "LabelEncoder", 2, 1,
                           {{"keys_int64s", IntList({3, 4})},
                            {"values_floats", FloatList({0.5f, 1.5f})},
                            {"default_float", direct_test::Float(9)}}),
                      {Int64s({2, 2}, {4, 3, 0, 4})});
  ASSERT_TRUE(ints.status.ok()) << ints.status.message();
  EXPECT_EQ(ints.outputs[0].shape(), (Shape{2, 2}));
  EXPECT_THAT(Values(ints.outputs[0]), ElementsAre(1.5f, 0.5f, 9, 1.5f));
  auto strings = RunNode(
      Node(kMl, "LabelEncoder", 2, 1, {{"keys_floats", FloatList({0.5f})}, {"values_strings", StringList({"half"})}}),
      {Floats({2}, {0.5f, 2})});
  ASSERT_TRUE(strings.status.ok()) << strings.status.message();
  EXPECT_THAT(StringValues(strings.outputs[0]), ElementsAre("half", "_Unused"));
  auto both = RunNode(
      Node(kMl, "LabelEncoder", 2, 1,
           {{"keys_int64s", IntList({1})}, {"keys_strings", StringList({"a"})}, {"values_int64s", IntList({1})}}),
      {});
  EXPECT_THAT(both.status.message(), HasSubstr("exactly one of keys_strings, keys_int64s, keys_floats must be set"));
  auto wrong_input =
      RunNode(Node(kMl, "LabelEncoder", 2, 1, {{"keys_strings", StringList({"a"})}, {"values_int64s", IntList({1})}}),
              {Int64s({1}, {1})});
  EXPECT_EQ(wrong_input.status.message(), "node 'n' (ai.onnx.ml:LabelEncoder): input X is int64; the keys are string");
}

}  // namespace
}  // namespace stagegate::inference
