#!/usr/bin/env python3
"""Writes the small CSV fixtures of tests/cli/drift_compare_flow.sh (run once;
the committed files are the test data, Python is not needed at test time).

reference.csv (400 rows) and current.csv (300 rows): temperature (numeric,
shifted by 1 in current), pressure (stable), mode (3 categories, "fault"
more frequent in current), door (binary, more 1s in current), humidity
(numeric with -999 sentinels, more of them in current, and empty cells).
renamed.csv: a column temp_c like the reference's temperature and a quoted
categorical column whose name holds a comma. ragged.csv: a short row."""
import random

DIR = "tests/data/drift/compare/"


def rows(n, shift, seed):
    r = random.Random(seed)
    out = []
    for _ in range(n):
        t = round(r.gauss(20 + shift, 2), 3)
        p = round(r.gauss(1013, 5), 2)
        m = r.choices(["idle", "run", "fault"], [5, 4, 1 + shift * 3])[0]
        d = 1 if r.random() < 0.3 + shift * 0.2 else 0
        h = round(r.gauss(50, 10), 1)
        if r.random() < 0.02 + shift * 0.1:
            h = -999
        hs = "" if r.random() < 0.01 else str(h)
        out.append(f"{t},{p},{m},{d},{hs}")
    return out


random.seed(7)
for name, n, shift, seed in [("reference.csv", 400, 0, 1), ("current.csv", 300, 1, 2)]:
    with open(DIR + name, "w") as f:
        f.write("temperature,pressure,mode,door,humidity\n")
        f.write("\n".join(rows(n, shift, seed)) + "\n")
with open(DIR + "renamed.csv", "w") as f:
    r = random.Random(3)
    f.write('temp_c,"site, name"\n')
    for i in range(200):
        f.write(f'{round(r.gauss(20, 2), 3)},"north, {i % 2}"\n')
with open(DIR + "ragged.csv", "w") as f:
    f.write("temperature,pressure\n20.1,1013\n20.2\n")
