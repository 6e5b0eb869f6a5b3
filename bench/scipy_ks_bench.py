#!/usr/bin/python3
"""Times scipy.stats.ks_2samp on the samples bench/drift_bench.cc uses.

Run with Debian's python3-scipy: /usr/bin/python3 bench/scipy_ks_bench.py
Prints the median of several runs in milliseconds; exits 0 without timing
when SciPy is absent, so the benchmark run does not depend on it.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "drift"))

try:
    from scipy import stats
    from generate_scipy_reference import generate, recipe
except ImportError:
    print("scipy_ks_bench: python3-scipy not installed; skipped")
    sys.exit(0)

RUNS = 7
N = 1000000


def main():
    a = generate(recipe("normal", 42, N, a=0.0, b=1.0))
    b = generate(recipe("normal", 43, N, a=0.01, b=1.0))
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = stats.ks_2samp(a, b)
        times.append((time.perf_counter() - start) * 1000.0)
    print(f"scipy.stats.ks_2samp 1,000,000 x 1,000,000: median {statistics.median(times):.1f} ms over {RUNS} runs "
          f"(min {min(times):.1f}); statistic {result.statistic:.6f} p {result.pvalue:.6g}")


if __name__ == "__main__":
    main()
