// Special functions behind the drift tests' p-values: the regularized upper
// incomplete gamma function (chi-squared survival), the two-sided Kolmogorov
// distribution of finite n (SciPy's kstwo) and the one-sided Smirnov
// distribution. Pure functions of doubles; thread-safe.
#pragma once

#include <cstdint>

namespace stagegate::drift {

// Returns Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma
// function, for a > 0 and x >= 0 (NaN otherwise). Relative accuracy about
// 1e-14 through the series (x < a + 1) or Lentz's continued fraction.
double RegularizedGammaQ(double a, double x);

// Returns the survival function of the chi-squared distribution with `dof`
// degrees of freedom at `x`: Q(dof / 2, x / 2).
double ChiSquaredSurvival(double dof, double x);

// Returns P(D+_n >= d), the exact one-sided Smirnov survival function
// (scipy.special.smirnov), by the Birnbaum-Tingey sum evaluated in log space.
double SmirnovSurvival(std::int64_t n, double d);

// Returns P(D_n >= d) for the two-sided one-sample Kolmogorov-Smirnov
// statistic with n observations, as scipy.stats.kstwo.sf(d, n): the method is
// chosen by region as Simard & L'Ecuyer (2011) recommend (Ruben-Gambino exact
// tails, twice the Smirnov sum, the Durbin matrix, the Pelz-Good expansion).
double KolmogorovSurvival(std::int64_t n, double d);

}  // namespace stagegate::drift
