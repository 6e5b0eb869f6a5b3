#include "evaluators/models/metrics.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace stagegate::models {
namespace {

TEST(ClassifyTest, CountsTheConfusionMatrixAtTheThreshold) {
  // scores ≥ 0.5 are positive: predictions 1,1,0,0,1,0 against labels 1,0,0,1,1,0
  // tp = 2, fp = 1, fn = 1, tn = 2.
  const std::vector<double> scores = {0.9, 0.6, 0.2, 0.4, 0.5, 0.1};
  const std::vector<double> labels = {1, 0, 0, 1, 1, 0};
  const ClassificationMetrics m = Classify(scores, labels, 0.5);
  EXPECT_DOUBLE_EQ(m.accuracy, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3.0);
  // Positives score 0.9, 0.4, 0.5; negatives 0.6, 0.2, 0.1: of the 9 pairs
  // the positive wins 0.9 (3) + 0.4 (2) + 0.5 (2) = 7 (scikit-learn: 0.777...).
  EXPECT_DOUBLE_EQ(m.roc_auc, 7.0 / 9.0);
}

TEST(ClassifyTest, TiesInScoresCountOneHalfInTheAuc) {
  const std::vector<double> scores = {0.5, 0.5, 0.5, 0.5};
  const std::vector<double> labels = {1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(Classify(scores, labels, 0.5).roc_auc, 0.5);
}

TEST(ClassifyTest, UndefinedRatiosAreZeroAndOneClassAucIsNan) {
  const std::vector<double> scores = {0.1, 0.2};
  const std::vector<double> labels = {0, 0};
  const ClassificationMetrics m = Classify(scores, labels, 0.5);
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(m.precision, 0.0);
  EXPECT_DOUBLE_EQ(m.recall, 0.0);
  EXPECT_DOUBLE_EQ(m.f1, 0.0);
  EXPECT_TRUE(std::isnan(m.roc_auc));
}

TEST(ClassifyMulticlassTest, MacroAveragesOverClasses) {
  const std::vector<double> predicted = {0, 1, 2, 2, 1, 0};
  const std::vector<double> labels = {0, 1, 1, 2, 1, 2};
  const ClassificationMetrics m = ClassifyMulticlass(predicted, labels);
  EXPECT_DOUBLE_EQ(m.accuracy, 4.0 / 6.0);
  // class 0: p 1/2 r 1; class 1: p 1 r 2/3; class 2: p 1/2 r 1/2.
  EXPECT_DOUBLE_EQ(m.precision, (0.5 + 1.0 + 0.5) / 3.0);
  EXPECT_DOUBLE_EQ(m.recall, (1.0 + 2.0 / 3.0 + 0.5) / 3.0);
  EXPECT_NEAR(m.f1, (2.0 / 3.0 + 0.8 + 0.5) / 3.0, 1e-12);
}

TEST(RegressTest, MaeRmseAndR2) {
  const std::vector<double> predictions = {2.5, 0.0, 2.0, 8.0};
  const std::vector<double> labels = {3.0, -0.5, 2.0, 7.0};
  const RegressionMetrics m = Regress(predictions, labels);
  EXPECT_DOUBLE_EQ(m.mae, 0.5);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(0.375));
  EXPECT_NEAR(m.r2, 0.9486081370449679, 1e-12);  // scikit-learn's r2_score example
}

TEST(RegressTest, ConstantLabelsHaveNoR2) {
  const std::vector<double> predictions = {1, 2};
  const std::vector<double> labels = {1, 1};
  EXPECT_TRUE(std::isnan(Regress(predictions, labels).r2));
}

TEST(DetectAnomaliesTest, FlagsScoresAtOrAboveTheThreshold) {
  const std::vector<double> scores = {0.1, 3.0, 2.0, 0.2, 5.0};
  const std::vector<double> labels = {0, 1, 0, 1, 1};
  const AnomalyMetrics m = DetectAnomalies(scores, labels, 2.0);
  EXPECT_DOUBLE_EQ(m.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
}

TEST(PercentileTest, InterpolatesLinearlyAsNumpy) {
  const std::vector<double> values = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Percentile(values, 50), 2.5);
  EXPECT_DOUBLE_EQ(Percentile(values, 99), 3.97);
  EXPECT_DOUBLE_EQ(Percentile(values, 0), 1);
  EXPECT_TRUE(std::isnan(Percentile(std::vector<double>{}, 50)));
}

}  // namespace
}  // namespace stagegate::models
