// A deterministic sample generator shared by the drift tests, benchmarks and
// the SciPy reference script (tests/data/drift/generate_scipy_reference.py),
// which implements the same arithmetic so that large samples are described by
// a recipe instead of stored. Each value depends only on (seed, index).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace stagegate::drift {

// Returns the index-th output of SplitMix64 seeded with `seed`.
std::uint64_t SplitMix64(std::uint64_t seed, std::uint64_t index);

// Returns a uniform double in (0, 1): ((bits >> 11) + 0.5) * 2^-53.
double UniformOpen(std::uint64_t seed, std::uint64_t index);

// Parameters of a recipe; meaning per distribution (see GenerateSample).
struct SampleRecipe {
  std::string_view distribution;  // uniform, normal, exponential, cauchy,
                                  // pareto, rounded_normal
  std::uint64_t seed = 0;
  std::int64_t size = 0;
  double a = 0.0;  // uniform: low; normal/rounded_normal/cauchy: location;
                   // exponential: rate; pareto: shape α
  double b = 1.0;  // uniform: high; normal/rounded_normal/cauchy: scale; pareto:
                   // minimum x_m
  double c = 1.0;  // rounded_normal: values are floor(x * c) / c (creates ties)
};

// Returns the recipe's sample, or an empty vector for an unknown
// distribution. Normal values use Box-Muller with uniforms 2i and 2i+1.
std::vector<double> GenerateSample(const SampleRecipe& recipe);

}  // namespace stagegate::drift
