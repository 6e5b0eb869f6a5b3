#pragma once
// Metrics of a model's predictions on a labelled (golden) dataset, with the
// definitions scikit-learn uses, so that figures match what data scientists
// computed in their notebooks.

#include <map>
#include <span>
#include <string>

namespace stagegate::models {

// Binary classification from scores: positive when score >= threshold.
// Precision, recall and F1 are 0 when undefined (no predicted or no actual
// positives), as scikit-learn's zero_division=0. ROC AUC uses the scores
// (ties get half credit: the Mann-Whitney U form); NaN when only one class
// is present.
struct ClassificationMetrics {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0, roc_auc = 0;
};
ClassificationMetrics Classify(std::span<const double> scores, std::span<const double> labels, double threshold);

// Multi-class from a predicted class per row (labels compared exactly):
// accuracy, and macro-averaged precision, recall and F1 over the classes
// present in labels or predictions.
ClassificationMetrics ClassifyMulticlass(std::span<const double> predicted, std::span<const double> labels);

struct RegressionMetrics {
  double mae = 0, rmse = 0, r2 = 0;  // r2 = 1 - SSres/SStot (NaN when the labels are constant)
};
RegressionMetrics Regress(std::span<const double> predictions, std::span<const double> labels);

// Anomaly detection: a row is flagged when its score >= threshold; labels
// mark the true anomalies (non-zero).
struct AnomalyMetrics {
  double precision = 0, recall = 0;
};
AnomalyMetrics DetectAnomalies(std::span<const double> scores, std::span<const double> labels, double threshold);

// The p-th percentile (0..100) of `values` with linear interpolation
// (numpy's default); sorts a copy.
double Percentile(std::span<const double> values, double p);

}  // namespace stagegate::models
