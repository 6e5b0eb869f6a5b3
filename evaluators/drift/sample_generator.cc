#include "evaluators/drift/sample_generator.h"

#include <cmath>
#include <numbers>

namespace stagegate::drift {

std::uint64_t SplitMix64(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double UniformOpen(std::uint64_t seed, std::uint64_t index) {
  return (static_cast<double>(SplitMix64(seed, index) >> 11) + 0.5) * 0x1.0p-53;
}

std::vector<double> GenerateSample(const SampleRecipe& r) {
  std::vector<double> out;
  if (r.size <= 0) return out;
  out.reserve(static_cast<std::size_t>(r.size));
  const auto n = static_cast<std::uint64_t>(r.size);
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  auto normal = [&](std::uint64_t i) {
    const double u1 = UniformOpen(r.seed, 2 * i);
    const double u2 = UniformOpen(r.seed, 2 * i + 1);
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = std::cos(kTwoPi * u2);
    const double z = radius * angle;
    return r.a + r.b * z;
  };
  for (std::uint64_t i = 0; i < n; ++i) {
    double v;
    if (r.distribution == "uniform") {
      const double u = UniformOpen(r.seed, i);
      v = r.a + (r.b - r.a) * u;
    } else if (r.distribution == "normal") {
      v = normal(i);
    } else if (r.distribution == "rounded_normal") {
      const double x = normal(i) * r.c;
      v = std::floor(x) / r.c;
    } else if (r.distribution == "exponential") {
      const double u = UniformOpen(r.seed, i);
      v = -std::log(u) / r.a;
    } else if (r.distribution == "cauchy") {
      const double u = UniformOpen(r.seed, i);
      const double t = std::tan(std::numbers::pi * (u - 0.5));
      v = r.a + r.b * t;
    } else if (r.distribution == "pareto") {
      const double u = UniformOpen(r.seed, i);
      const double p = std::pow(u, 1.0 / r.a);
      v = r.b / p;
    } else {
      return {};
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace stagegate::drift
