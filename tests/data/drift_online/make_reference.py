#!/usr/bin/env python3
"""Writes the reference series and detection points of the online detectors.

Standard library only (river cannot be installed here). The series come from
Python's `random` module with fixed seeds; two of them are the streams of
river's own docstring and regression test, whose detection points river
documents. The detection points of the other series come from the plain
transcriptions of river's PageHinkley and ADWIN below, written apart from the
C++ code and kept as close to river's update rules as Python allows. See
README.md. Run from anywhere: python3 make_reference.py
"""

import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


# --- Page-Hinkley, as river.drift.PageHinkley (river >= 0.15) -------------
class PageHinkley:
    def __init__(self, min_instances=30, delta=0.005, threshold=50.0, alpha=1 - 0.0001, mode="both"):
        self.min_instances, self.delta, self.threshold = min_instances, delta, threshold
        self.alpha, self.mode = alpha, mode
        self.drift_detected = False
        self.reset()

    def reset(self):
        self.drift_detected = False
        self.n = 0.0
        self.mean = 0.0
        self.sum_inc = 0.0
        self.sum_dec = 0.0
        self.min_inc = float("inf")
        self.max_dec = -1

    def update(self, x):
        if self.drift_detected:
            self.reset()
        self.n += 1.0
        self.mean += (1.0 / self.n) * (x - self.mean)
        dev = x - self.mean
        self.sum_inc = self.alpha * self.sum_inc + dev - self.delta
        self.sum_dec = self.alpha * self.sum_dec + dev + self.delta
        if self.sum_inc < self.min_inc:
            self.min_inc = self.sum_inc
        if self.sum_dec > self.max_dec:
            self.max_dec = self.sum_dec
        if self.n >= self.min_instances:
            up = self.sum_inc - self.min_inc > self.threshold
            down = self.max_dec - self.sum_dec > self.threshold
            self.drift_detected = {"up": up, "down": down, "both": up or down}[self.mode]
        return self.drift_detected


# --- ADWIN, as river.drift.ADWIN over adwin_c.AdaptiveWindowing ------------
class Adwin:
    def __init__(self, delta=0.002, clock=32, max_buckets=5, min_window_length=5, grace_period=10):
        self.delta, self.clock, self.max_buckets = delta, clock, max_buckets
        self.min_window_length, self.grace_period = min_window_length, grace_period
        self.drift_detected = False
        self.reset()

    def reset(self):
        self.drift_detected = False
        # rows[i]: list of [total, variance] buckets of 2**i elements, oldest first.
        self.rows = [[]]
        self.total = 0.0
        self.variance = 0.0
        self.width = 0.0
        self.tick = 0

    def update(self, x):
        if self.drift_detected:
            self.reset()
        self._insert(float(x))
        self.drift_detected = self._detect()
        return self.drift_detected

    def _insert(self, value):
        self.rows[0].append([value, 0.0])
        self.width += 1
        inc = 0.0
        if self.width > 1.0:
            inc = (self.width - 1.0) * (value - self.total / (self.width - 1.0)) * (
                value - self.total / (self.width - 1.0)) / self.width
        self.variance += inc
        self.total += value
        idx = 0
        while idx < len(self.rows) and len(self.rows[idx]) == self.max_buckets + 1:
            if idx + 1 == len(self.rows):
                self.rows.append([])
            row = self.rows[idx]
            n1 = n2 = 2.0 ** idx
            mu1, mu2 = row[0][0] / n1, row[1][0] / n2
            total12 = row[0][0] + row[1][0]
            temp = n1 * n2 * (mu1 - mu2) * (mu1 - mu2) / (n1 + n2)
            v12 = row[0][1] + row[1][1] + temp
            self.rows[idx + 1].append([total12, v12])
            del row[0:2]
            if len(self.rows[idx + 1]) <= self.max_buckets:
                break
            idx += 1

    def _delete_oldest(self):
        row = self.rows[-1]
        n = 2.0 ** (len(self.rows) - 1)
        u, v = row[0]
        mu = u / n
        self.width -= n
        self.total -= u
        mu_window = self.total / self.width
        self.variance -= v + n * self.width * (mu - mu_window) * (mu - mu_window) / (n + self.width)
        del row[0]
        if not row:
            self.rows.pop()
        return n

    def _cut(self, n0, n1, delta_mean):
        delta_prime = math.log(2 * math.log(self.width) / self.delta)
        m_recip = 1.0 / (n0 - self.min_window_length + 1) + 1.0 / (n1 - self.min_window_length + 1)
        epsilon = math.sqrt(2 * m_recip * (self.variance / self.width) * delta_prime) + 2 / 3 * delta_prime * m_recip
        return abs(delta_mean) > epsilon

    def _detect(self):
        change = False
        self.tick += 1
        if self.tick % self.clock == 0 and self.width > self.grace_period:
            reduce = True
            while reduce:
                reduce = False
                n0, n1, u0, u1 = 0.0, self.width, 0.0, self.total
                stop = False
                for idx in range(len(self.rows) - 1, -1, -1):
                    if stop:
                        break
                    row = self.rows[idx]
                    for k in range(len(row)):
                        size = 2.0 ** idx
                        n0 += size
                        n1 -= size
                        u0 += row[k][0]
                        u1 -= row[k][0]
                        if idx == 0 and k == len(row) - 1:
                            stop = True  # W1 would be empty
                            break
                        delta_mean = u0 / n0 - u1 / n1
                        if (n1 >= self.min_window_length and n0 >= self.min_window_length
                                and self._cut(n0, n1, delta_mean)):
                            reduce = True
                            change = True
                            if self.width > 0:
                                self._delete_oldest()
                                stop = True
                                break
        return change


def detections(detector, values):
    return [i for i, x in enumerate(values) if detector.update(x)]


def write_series(name, values):
    with open(os.path.join(HERE, f"{name}.txt"), "w") as f:
        for v in values:
            f.write(f"{v!r}\n")


def main():
    series = {}
    # river's docstring stream (PageHinkley and ADWIN): random.Random(12345).
    rng = random.Random(12345)
    series["river_docstring"] = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    # river's ADWIN regression test, test_multiple_drifts: random.Random(42).
    rng = random.Random(42)
    series["river_multiple_drifts"] = (rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
                                       + rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000))
    # Gaussian segments: a rise, a fall, a variance change.
    rng = random.Random(20261122)
    series["gauss_segments"] = ([rng.gauss(0.0, 1.0) for _ in range(3000)]
                                + [rng.gauss(1.5, 1.0) for _ in range(3000)]
                                + [rng.gauss(-1.0, 2.0) for _ in range(3000)]
                                + [rng.gauss(-1.0, 0.2) for _ in range(1000)])
    # A slow ramp with noise, on a large offset (sensor ageing).
    rng = random.Random(7)
    series["ramp"] = [1000.0 + 0.002 * i + rng.gauss(0.0, 0.5) for i in range(20000)]
    # Stationary noise: few or no detections.
    rng = random.Random(99)
    series["stationary"] = [rng.random() for _ in range(10000)]

    cases = [
        ("river_docstring", "page_hinkley", {}),
        ("river_docstring", "adwin", {}),
        ("river_multiple_drifts", "adwin", {}),
        ("river_multiple_drifts", "page_hinkley", {}),
    ]
    ph_variants = [{}, {"mode": "up"}, {"mode": "down"},
                   {"threshold": 10.0, "delta": 0.05, "min_instances": 50, "alpha": 0.999}]
    adwin_variants = [{}, {"clock": 1}, {"delta": 0.1}, {"max_buckets": 3},
                      {"min_window_length": 10, "grace_period": 100}, {"clock": 8, "delta": 0.0001}]
    for name in ("gauss_segments", "ramp", "stationary"):
        cases += [(name, "page_hinkley", o) for o in ph_variants]
        cases += [(name, "adwin", o) for o in adwin_variants]

    for name, values in series.items():
        write_series(name, values)
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("# series detector [option=value ...] : detection indices (0-based)\n")
        f.write("# Written by make_reference.py; see README.md.\n")
        for name, kind, options in cases:
            detector = PageHinkley(**options) if kind == "page_hinkley" else Adwin(**options)
            found = detections(detector, series[name])
            opts = "".join(f" {k}={v}" for k, v in options.items())
            points = "".join(f" {i}" for i in found)
            f.write(f"{name} {kind}{opts} :{points}\n")


if __name__ == "__main__":
    main()
