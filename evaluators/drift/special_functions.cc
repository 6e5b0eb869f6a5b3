#include "evaluators/drift/special_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace stagegate::drift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEpsilon = 1e-16;
constexpr int kMaxIterations = 100000;
// Matrix powers and long products are rescaled by 2^128 to stay in range.
constexpr int kScaleExponent = 128;
const double kScaleUp = std::ldexp(1.0, kScaleExponent);
const double kScaleDown = std::ldexp(1.0, -kScaleExponent);

double Clip(double p) { return std::clamp(p, 0.0, 1.0); }

// log(a^x e^-x / Γ(a)), the common prefactor of both expansions.
double LogPrefactor(double a, double x) { return a * std::log(x) - x - std::lgamma(a); }

// Lower series: P(a, x) = prefactor / a * Σ x^k / ((a+1)...(a+k)).
double LowerSeries(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int k = 1; k < kMaxIterations; ++k) {
    term *= x / (a + k);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
  }
  return std::exp(LogPrefactor(a, x)) * sum;
}

// Upper continued fraction (modified Lentz): Q(a, x) = prefactor * CF.
double UpperContinuedFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return std::exp(LogPrefactor(a, x)) * h;
}

// Durbin's matrix method in the form of Marsaglia, Tsang & Wang (2003):
// P(D_n < d) = n!/n^n * (H^n)[k-1][k-1] with d = (k - h)/n.
double KolmogorovCdfDurbin(std::int64_t n, double d) {
  const double nd = static_cast<double>(n) * d;
  if (d >= 1.0) return 1.0;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  std::vector<double> v(m), w(m);
  double factorial_inverse = 1.0;
  for (int j = 1; j <= m; ++j) {
    w[j - 1] = factorial_inverse;
    factorial_inverse /= j;
    v[j - 1] = (1.0 - std::pow(h, j)) * factorial_inverse;
  }
  const double tail = std::pow(std::max(2.0 * h - 1.0, 0.0), m) - 2.0 * std::pow(h, m);
  v[m - 1] = (1.0 + tail) * factorial_inverse;
  // Row-major m x m matrices.
  std::vector<double> base(static_cast<std::size_t>(m) * m, 0.0);
  auto at = [m](std::vector<double>& a, int r, int c) -> double& { return a[static_cast<std::size_t>(r) * m + c]; };
  for (int c = 1; c < m; ++c) {
    for (int r = c - 1; r < m; ++r) at(base, r, c) = w[r - c + 1];
  }
  for (int r = 0; r < m; ++r) at(base, r, 0) = v[r];
  for (int c = 0; c < m; ++c) at(base, m - 1, c) = v[m - 1 - c];

  std::vector<double> result(static_cast<std::size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) at(result, i, i) = 1.0;
  std::vector<double> scratch(static_cast<std::size_t>(m) * m);
  auto multiply = [&](std::vector<double>& out, std::vector<double>& a, std::vector<double>& b) {
    std::fill(scratch.begin(), scratch.end(), 0.0);
    for (int r = 0; r < m; ++r) {
      for (int t = 0; t < m; ++t) {
        const double art = at(a, r, t);
        if (art == 0.0) continue;
        for (int c = 0; c < m; ++c) scratch[static_cast<std::size_t>(r) * m + c] += art * at(b, t, c);
      }
    }
    out.swap(scratch);
  };
  long exponent = 0;       // scaling of `result`
  long base_exponent = 0;  // scaling of `base`
  for (std::int64_t e = n; e > 0; e /= 2) {
    if (e % 2 != 0) {
      multiply(result, result, base);
      exponent += base_exponent;
    }
    multiply(base, base, base);
    base_exponent *= 2;
    if (std::fabs(at(base, k - 1, k - 1)) > kScaleUp) {
      for (double& x : base) x /= kScaleUp;
      base_exponent += kScaleExponent;
    }
  }
  double p = at(result, k - 1, k - 1);
  const double dn = static_cast<double>(n);
  for (std::int64_t i = 1; i <= n; ++i) {
    p = static_cast<double>(i) * p / dn;
    if (std::fabs(p) < kScaleDown) {
      p *= kScaleUp;
      exponent -= kScaleExponent;
    }
  }
  return std::ldexp(p, static_cast<int>(exponent));
}

// Pelz & Good (1976): P(D_n <= x) ≈ K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5
// with z = x√n, each term rewritten through Jacobi theta functions.
double KolmogorovCdfPelzGood(std::int64_t n, double x) {
  constexpr double kPi = std::numbers::pi;
  constexpr double kPi2 = kPi * kPi;
  constexpr double kPi4 = kPi2 * kPi2;
  constexpr double kPi6 = kPi4 * kPi2;
  const double sqrt_2pi = std::sqrt(2.0 * kPi);
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double z = std::sqrt(dn) * x;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const double q_log = -kPi2 / 8.0 / z2;
  if (q_log < -708.0) return 0.0;
  const double q = std::exp(q_log);
  const double k1a = -z2;
  const double k1b = kPi2 / 4.0;
  const double k2a = 6.0 * z6 + 2.0 * z4;
  const double k2b = (2.0 * z4 - 5.0 * z2) * kPi2 / 4.0;
  const double k2c = kPi4 * (1.0 - 2.0 * z2) / 16.0;
  const double k3d = kPi6 * (5.0 - 30.0 * z2) / 64.0;
  const double k3c = kPi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
  const double k3b = kPi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
  const double k3a = -30.0 * z6 - 90.0 * z4 * z4;
  double terms[4] = {0.0, 0.0, 0.0, 0.0};
  const int max_k = static_cast<int>(std::ceil(16.0 * z / kPi));
  // Horner scheme over odd m = 2k - 1 of Σ c(m) q^(m²).
  for (int k = max_k; k >= 1; --k) {
    const double m = 2.0 * k - 1.0;
    const double m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
    const double q_power = std::pow(q, 8.0 * k);
    const double coefficients[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                                    k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) terms[i] = terms[i] * q_power + coefficients[i];
  }
  const double divisors[4] = {z, 6.0 * z4, 72.0 * z4 * z3, 6480.0 * z4 * z6};
  for (int i = 0; i < 4; ++i) terms[i] = terms[i] * q * sqrt_2pi / divisors[i];
  // The sums over all integers k of the K2 and K3 corrections.
  const double q_all = std::exp(-kPi2 / 2.0 / z2);
  const double sqrt3z = std::sqrt(3.0) * z;
  double k2_extra = 0.0, k3_extra = 0.0;
  for (int k = max_k; k >= 1; --k) {
    const double kk = static_cast<double>(k) * k;
    const double q_power = std::pow(q_all, kk);
    const double k_pi = kPi * k;
    k2_extra += kk * q_power;
    k3_extra += (sqrt3z + k_pi) * (sqrt3z - k_pi) * kk * q_power;
  }
  terms[2] += k2_extra * kPi2 * sqrt_2pi / (-36.0 * z3);
  terms[3] += k3_extra * kPi2 * sqrt_2pi / (216.0 * z6);
  const double root_n = std::sqrt(dn);
  return terms[0] + terms[1] / root_n + terms[2] / dn + terms[3] / (dn * root_n);
}

// log(n! / n^n) by Stirling's series with n log n removed up front.
double LogFactorialOverPower(std::int64_t n) {
  const double dn = static_cast<double>(n);
  const double r = 1.0 / dn;
  const double r2 = r * r;
  // Σ B_2j / (2j (2j-1)) r^(2j-1), j = 1..8.
  constexpr double kCoefficients[] = {-2.955065359477124183e-2,  6.4102564102564102564e-3, -1.9175269175269175269e-3,
                                      8.4175084175084175084e-4,  -5.952380952380952381e-4, 7.9365079365079365079e-4,
                                      -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  double series = 0.0;
  for (double c : kCoefficients) series = series * r2 + c;
  return std::log(dn) / 2.0 - dn + std::log(2.0 * std::numbers::pi) / 2.0 + r * series;
}

}  // namespace

double RegularizedGammaQ(double a, double x) {
  if (!(a > 0.0) || !(x >= 0.0) || std::isnan(x)) return kNaN;
  if (x == 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  if (x < a + 1.0) return Clip(1.0 - LowerSeries(a, x));
  return Clip(UpperContinuedFraction(a, x));
}

double ChiSquaredSurvival(double dof, double x) {
  if (!(dof > 0.0)) return kNaN;
  if (x <= 0.0) return 1.0;
  return RegularizedGammaQ(dof / 2.0, x / 2.0);
}

double SmirnovSurvival(std::int64_t n, double d) {
  if (n <= 0 || std::isnan(d)) return kNaN;
  if (d <= 0.0) return 1.0;
  if (d >= 1.0) return 0.0;
  const double dn = static_cast<double>(n);
  // P = d Σ_{j=0}^{⌊n(1-d)⌋} C(n, j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1).
  const auto last = static_cast<std::int64_t>(std::floor(dn * (1.0 - d)));
  const double log_n_factorial = std::lgamma(dn + 1.0);
  std::vector<double> logs;
  logs.reserve(static_cast<std::size_t>(last + 1));
  double peak = -std::numeric_limits<double>::infinity();
  for (std::int64_t j = 0; j <= last; ++j) {
    const double dj = static_cast<double>(j);
    const double left = 1.0 - d - dj / dn;
    if (left <= 0.0) break;
    const double log_term = log_n_factorial - std::lgamma(dj + 1.0) - std::lgamma(dn - dj + 1.0) +
                            (dn - dj) * std::log(left) + (dj - 1.0) * std::log(d + dj / dn);
    logs.push_back(log_term);
    peak = std::max(peak, log_term);
  }
  double sum = 0.0;
  for (double l : logs) sum += std::exp(l - peak);
  return Clip(d * std::exp(peak) * sum);
}

double KolmogorovSurvival(std::int64_t n, double x) {
  if (n <= 0 || std::isnan(x)) return kNaN;
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  if (t <= 1.0) {  // Ruben-Gambino: P(D_n < x) = n!/n^n (2t - 1)^n for 1/2n <= x
                   // <= 1/n
    if (t <= 0.5) return 1.0;
    double cdf;
    if (n <= 140) {
      cdf = 1.0;
      for (std::int64_t i = 1; i <= n; ++i) cdf *= static_cast<double>(i) * (1.0 / dn) * (2.0 * t - 1.0);
    } else {
      cdf = std::exp(LogFactorialOverPower(n) + dn * std::log(2.0 * t - 1.0));
    }
    return Clip(1.0 - cdf);
  }
  if (t >= dn - 1.0) return Clip(2.0 * std::pow(1.0 - x, dn));  // Ruben-Gambino upper tail
  if (x >= 0.5) return Clip(2.0 * SmirnovSurvival(n, x));       // the two tails cannot both occur
  const double n_x_squared = t * x;
  if (n <= 140) {
    if (n_x_squared <= 4.0) return Clip(1.0 - KolmogorovCdfDurbin(n, x));
    return Clip(2.0 * SmirnovSurvival(n, x));
  }
  if (n_x_squared >= 370.0) return 0.0;
  if (n_x_squared >= 2.2) return Clip(2.0 * SmirnovSurvival(n, x));
  double cdf;
  if (n <= 100000 && dn * std::pow(x, 1.5) <= 1.4) {
    cdf = KolmogorovCdfDurbin(n, x);
  } else {
    cdf = KolmogorovCdfPelzGood(n, x);
  }
  return Clip(1.0 - cdf);
}

}  // namespace stagegate::drift
