#include "evaluators/drift/binned.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "evaluators/drift/two_sample.h"

namespace stagegate::drift {
namespace {

// numpy.quantile(sorted, q) with the default 'linear' method.
double Quantile(std::span<const double> sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

std::vector<double> SturgesEdges(std::span<const double> reference, std::span<const double> current) {
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (auto values : {reference, current}) {
    for (double v : values) {
      low = std::min(low, v);
      high = std::max(high, v);
    }
  }
  // numpy takes the width from the data's range, before widening a zero range.
  const double n = static_cast<double>(reference.size() + current.size());
  const double width = (high - low) / (std::log2(n) + 1.0);
  if (low == high) {
    low -= 0.5;
    high += 0.5;
  }
  const int count = width > 0.0 ? static_cast<int>(std::ceil((high - low) / width)) : 1;
  std::vector<double> edges(static_cast<std::size_t>(count) + 1);
  // numpy.linspace: low + i * step, the last edge exactly `high`.
  const double step = (high - low) / count;
  for (int i = 0; i <= count; ++i) edges[static_cast<std::size_t>(i)] = low + i * step;
  edges.back() = high;
  return edges;
}

// Proportions for sorted values: bin i holds [e_i, e_{i+1}) with the outer
// bins unbounded below and above, which is where Proportions puts values in
// both modes (open ends, or numpy.histogram's clamped first and closed last
// bin when the edges span the values).
std::vector<double> SortedProportions(std::span<const double> sorted, const std::vector<double>& edges) {
  const std::size_t bins = edges.size() - 1;
  std::vector<double> counts(bins, 0.0);
  std::size_t previous = 0;
  for (std::size_t k = 1; k <= bins; ++k) {
    const std::size_t position =
        k == bins ? sorted.size()
                  : static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), edges[k]) - sorted.begin());
    counts[k - 1] = static_cast<double>(position - previous);
    previous = position;
  }
  const double n = static_cast<double>(sorted.size());
  for (double& c : counts) c /= n;
  FillEmptyBins(counts);
  return counts;
}

// Evidently's Sturges binning only applies to references with more than 20
// distinct values; below that every distinct value of either sample is a bin.
bool FewDistinctValues(std::span<const double> sorted) {
  long distinct = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i == 0 || sorted[i] != sorted[i - 1]) {
      if (++distinct > kSturgesMinDistinctValues) return false;
    }
  }
  return true;
}

std::vector<double> ValueProportions(std::span<const double> values, const std::vector<double>& keys) {
  std::vector<double> counts(keys.size(), 0.0);
  for (double v : values) {
    counts[static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), v) - keys.begin())] += 1.0;
  }
  const double n = static_cast<double>(values.size());
  for (double& c : counts) c /= n;
  FillEmptyBins(counts);
  return counts;
}

}  // namespace

void FillEmptyBins(std::vector<double>& proportions) {
  double smallest = std::numeric_limits<double>::infinity();
  for (double p : proportions) {
    if (p > 0.0) smallest = std::min(smallest, p);
  }
  const double fill = smallest <= kEmptyBinProportion ? smallest / kSmallEmptyBinDivisor : kEmptyBinProportion;
  for (double& p : proportions) {
    if (p == 0.0) p = fill;
  }
}

BinnedProportions BinProportions(std::span<const double> reference, std::span<const double> current, Binning binning,
                                 int bins) {
  if (reference.empty() || current.empty()) return {};
  return BinProportionsSorted(SortedValues(reference), SortedValues(current), binning, bins);
}

BinnedProportions BinProportionsSorted(std::span<const double> reference, std::span<const double> current,
                                       Binning binning, int bins) {
  BinnedProportions out;
  if (reference.empty() || current.empty()) return out;
  const bool open_ends = binning == Binning::kReferenceQuantiles;
  if (open_ends) {
    const std::span<const double> sorted = reference;
    bins = std::max(bins, 1);
    out.edges.push_back(-std::numeric_limits<double>::infinity());
    for (int k = 1; k < bins; ++k) {
      const double edge = Quantile(sorted, static_cast<double>(k) / bins);
      if (edge > out.edges.back()) out.edges.push_back(edge);
    }
    out.edges.push_back(std::numeric_limits<double>::infinity());
  } else if (FewDistinctValues(reference)) {
    std::vector<double> keys;
    std::set_union(reference.begin(), reference.end(), current.begin(), current.end(), std::back_inserter(keys));
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    out.values = keys;
    out.reference = ValueProportions(reference, keys);
    out.current = ValueProportions(current, keys);
    return out;
  } else {
    out.edges = SturgesEdges(reference, current);
  }
  out.reference = SortedProportions(reference, out.edges);
  out.current = SortedProportions(current, out.edges);
  return out;
}

double PopulationStabilityIndex(std::span<const double> reference_proportions,
                                std::span<const double> current_proportions) {
  double psi = 0.0;
  const std::size_t n = std::min(reference_proportions.size(), current_proportions.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double r = reference_proportions[i];
    const double c = current_proportions[i];
    psi += (c - r) * std::log(c / r);
  }
  return psi;
}

double PopulationStabilityIndex(std::span<const double> reference, std::span<const double> current, Binning binning,
                                int bins) {
  const BinnedProportions binned = BinProportions(reference, current, binning, bins);
  if (binned.reference.empty()) return std::numeric_limits<double>::quiet_NaN();
  return PopulationStabilityIndex(binned.reference, binned.current);
}

double JensenShannonDistance(std::span<const double> p, std::span<const double> q) {
  if (p.size() != q.size() || p.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum_p = 0.0, sum_q = 0.0;
  for (double v : p) sum_p += v;
  for (double v : q) sum_q += v;
  // scipy.special.rel_entr(x, y): x ln(x/y), 0 when x == 0.
  auto rel_entr = [](double x, double y) { return x == 0.0 ? 0.0 : x * std::log(x / y); };
  double left = 0.0, right = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double pi = p[i] / sum_p;
    const double qi = q[i] / sum_q;
    const double m = (pi + qi) / 2.0;
    left += rel_entr(pi, m);
    right += rel_entr(qi, m);
  }
  return std::sqrt(std::max((left + right) / 2.0, 0.0));
}

}  // namespace stagegate::drift
