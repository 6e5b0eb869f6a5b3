#include "evaluators/drift/categorical.h"

#include <cmath>
#include <limits>
#include <set>

#include "evaluators/drift/special_functions.h"

namespace stagegate::drift {

ChiSquaredResult ChiSquaredTest(const CategoryCounts& reference, const CategoryCounts& current) {
  ChiSquaredResult result;
  std::set<std::string> keys;
  double n_reference = 0.0, n_current = 0.0;
  for (const auto& [key, count] : reference) {
    keys.insert(key);
    n_reference += static_cast<double>(count);
  }
  for (const auto& [key, count] : current) {
    keys.insert(key);
    n_current += static_cast<double>(count);
  }
  if (keys.size() < 2 || n_reference == 0.0 || n_current == 0.0) return result;
  const double scale = n_current / n_reference;
  double statistic = 0.0;
  for (const std::string& key : keys) {
    const auto r = reference.find(key);
    const auto c = current.find(key);
    const double expected = r == reference.end() ? 0.0 : static_cast<double>(r->second) * scale;
    const double observed = c == current.end() ? 0.0 : static_cast<double>(c->second);
    if (expected == 0.0) {
      if (observed != 0.0) statistic = std::numeric_limits<double>::infinity();
      continue;
    }
    const double diff = observed - expected;
    statistic += diff * diff / expected;
  }
  result.degrees_of_freedom = static_cast<int>(keys.size()) - 1;
  result.statistic = statistic;
  result.p_value = std::isinf(statistic) ? 0.0 : ChiSquaredSurvival(result.degrees_of_freedom, statistic);
  result.cramers_v = std::sqrt(statistic / (n_current * result.degrees_of_freedom));
  return result;
}

ZTestResult TwoProportionZTest(std::int64_t reference_successes, std::int64_t reference_total,
                               std::int64_t current_successes, std::int64_t current_total) {
  ZTestResult result;
  if (reference_total <= 0 || current_total <= 0) return result;
  const double n1 = static_cast<double>(reference_total);
  const double n2 = static_cast<double>(current_total);
  const double p1 = static_cast<double>(reference_successes) / n1;
  const double p2 = static_cast<double>(current_successes) / n2;
  const double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  result.cohens_h = 2.0 * std::asin(std::sqrt(p2)) - 2.0 * std::asin(std::sqrt(p1));
  if (pooled <= 0.0 || pooled >= 1.0) return result;
  result.statistic = (p1 - p2) / std::sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2));
  result.p_value = std::erfc(std::fabs(result.statistic) / std::sqrt(2.0));
  return result;
}

}  // namespace stagegate::drift
