#include "evaluators/models/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

namespace stagegate::models {
namespace {

double Ratio(double numerator, double denominator) { return denominator == 0 ? 0.0 : numerator / denominator; }

// Area under the ROC curve as the probability that a random positive
// scores above a random negative (ties count one half): rank-sum form.
double RocAuc(std::span<const double> scores, std::span<const double> labels) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0;
  double positives = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) ++j;
    const double average_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) {
      if (labels[order[k]] != 0) {
        positive_rank_sum += average_rank;
        positives += 1;
      }
    }
    i = j + 1;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  return (positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

}  // namespace

ClassificationMetrics Classify(std::span<const double> scores, std::span<const double> labels, double threshold) {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool predicted = scores[i] >= threshold;
    const bool actual = labels[i] != 0;
    if (predicted && actual) tp += 1;
    else if (predicted) fp += 1;
    else if (actual) fn += 1;
    else tn += 1;
  }
  ClassificationMetrics metrics;
  metrics.accuracy = Ratio(tp + tn, tp + tn + fp + fn);
  metrics.precision = Ratio(tp, tp + fp);
  metrics.recall = Ratio(tp, tp + fn);
  metrics.f1 = Ratio(2 * tp, 2 * tp + fp + fn);
  metrics.roc_auc = RocAuc(scores, labels);
  return metrics;
}

ClassificationMetrics ClassifyMulticlass(std::span<const double> predicted, std::span<const double> labels) {
  std::set<double> classes(labels.begin(), labels.end());
  classes.insert(predicted.begin(), predicted.end());
  double correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i] ? 1 : 0;
  ClassificationMetrics metrics;
  metrics.accuracy = Ratio(correct, static_cast<double>(labels.size()));
  for (double c : classes) {
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      const bool p = predicted[i] == c, a = labels[i] == c;
      tp += p && a ? 1 : 0;
      fp += p && !a ? 1 : 0;
      fn += !p && a ? 1 : 0;
    }
    metrics.precision += Ratio(tp, tp + fp);
    metrics.recall += Ratio(tp, tp + fn);
    metrics.f1 += Ratio(2 * tp, 2 * tp + fp + fn);
  }
  const double count = classes.empty() ? 1.0 : static_cast<double>(classes.size());
  metrics.precision /= count;
  metrics.recall /= count;
  metrics.f1 /= count;
  metrics.roc_auc = std::numeric_limits<double>::quiet_NaN();  // needs per-class scores
  return metrics;
}

RegressionMetrics Regress(std::span<const double> predictions, std::span<const double> labels) {
  RegressionMetrics metrics;
  const double n = static_cast<double>(labels.size());
  if (n == 0) return metrics;
  const double mean = std::accumulate(labels.begin(), labels.end(), 0.0) / n;
  double absolute = 0, squared = 0, total = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double error = predictions[i] - labels[i];
    absolute += std::fabs(error);
    squared += error * error;
    total += (labels[i] - mean) * (labels[i] - mean);
  }
  metrics.mae = absolute / n;
  metrics.rmse = std::sqrt(squared / n);
  metrics.r2 = total == 0 ? std::numeric_limits<double>::quiet_NaN() : 1.0 - squared / total;
  return metrics;
}

AnomalyMetrics DetectAnomalies(std::span<const double> scores, std::span<const double> labels, double threshold) {
  const ClassificationMetrics c = Classify(scores, labels, threshold);
  return AnomalyMetrics{c.precision, c.recall};
}

double Percentile(std::span<const double> values, double p) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double position = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(position));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

}  // namespace stagegate::models
