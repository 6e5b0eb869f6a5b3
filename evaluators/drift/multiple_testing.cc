#include "evaluators/drift/multiple_testing.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>

namespace stagegate::drift {

std::string_view CorrectionName(Correction correction) {
  return correction == Correction::kBonferroni ? "bonferroni" : "benjamini-hochberg";
}

std::optional<Correction> ParseCorrection(std::string_view name) {
  if (name == "benjamini-hochberg") return Correction::kBenjaminiHochberg;
  if (name == "bonferroni") return Correction::kBonferroni;
  return std::nullopt;
}

std::vector<double> AdjustPValues(std::span<const double> p_values, Correction correction) {
  std::vector<double> adjusted(p_values.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<size_t> tests;  // indices of real p-values
  for (size_t i = 0; i < p_values.size(); ++i) {
    if (!std::isnan(p_values[i])) tests.push_back(i);
  }
  const double m = static_cast<double>(tests.size());
  if (correction == Correction::kBonferroni) {
    for (size_t i : tests) adjusted[i] = std::min(1.0, m * p_values[i]);
    return adjusted;
  }
  // Largest p first, carrying the running minimum of m p_(j) / j downwards.
  std::stable_sort(tests.begin(), tests.end(), [&](size_t a, size_t b) { return p_values[a] > p_values[b]; });
  double running = 1.0;
  for (size_t k = 0; k < tests.size(); ++k) {
    const double rank = m - static_cast<double>(k);  // rank of this p among all, ascending, 1-based
    running = std::min(running, m * p_values[tests[k]] / rank);
    adjusted[tests[k]] = running;
  }
  return adjusted;
}

}  // namespace stagegate::drift
