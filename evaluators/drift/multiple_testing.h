// Multiple-testing control across many drift tests at once (one per cohort):
// with 50 cohorts at p < 0.05, two or three "drift" by chance alone.
// Adjusted p-values as statsmodels.stats.multitest.multipletests computes
// them ('fdr_bh' and 'bonferroni'), so a cohort is flagged when its adjusted
// p-value is at most alpha. Pure and thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace stagegate::drift {

enum class Correction {
  // Benjamini-Hochberg: controls the false discovery rate (the expected share
  // of flagged cohorts that did not drift) at alpha. The default: it keeps
  // power when many cohorts are tested.
  kBenjaminiHochberg,
  // Bonferroni: controls the family-wise error (the chance of flagging any
  // cohort that did not drift) at alpha; stricter.
  kBonferroni,
};

std::string_view CorrectionName(Correction correction);  // "benjamini-hochberg", "bonferroni"
std::optional<Correction> ParseCorrection(std::string_view name);

// Returns the adjusted p-values, in the order of `p_values`.
// Bonferroni: min(1, m p_i). Benjamini-Hochberg: for the i-th smallest p,
// min over j >= i of m p_(j) / j, capped at 1 (the step-up procedure as
// adjusted values). NaN p-values are not tests: they stay NaN and do not
// count in m.
std::vector<double> AdjustPValues(std::span<const double> p_values, Correction correction);

}  // namespace stagegate::drift
