"""t₀(m; c): the first time the second layer reaches a = c·√m, for several c.

  onset.py OUT.csv RUN.csv [RUN.csv ...]
      Each RUN.csv is a DMFT trajectory (columns t, a, …) with a sidecar giving
      problem.width. Writes OUT.csv with columns m,c,t0,t0_over_m (t0 by linear
      interpolation between grid rows; empty when a never reaches c·√m) and prints it.
"""
import csv
import json
import math
import sys

LEVELS = [0.3, 0.4, 0.5, 0.6, 0.8, 1.0]


def onset(times, values, level):
    for i in range(1, len(times)):
        if values[i - 1] < level <= values[i]:
            w = (level - values[i - 1]) / (values[i] - values[i - 1])
            return times[i - 1] + w * (times[i] - times[i - 1])
    return None


def main(out, runs):
    rows = []
    for path in runs:
        with open(path[: -len(".csv")] + ".json") as f:
            m = json.load(f)["problem"]["width"]
        with open(path) as f:
            data = list(csv.DictReader(f))
        t = [float(r["t"]) for r in data]
        a = [float(r["a"]) for r in data]
        for c in LEVELS:
            t0 = onset(t, a, c * math.sqrt(m))
            rows.append((m, c, t0, None if t0 is None else t0 / m))
    with open(out, "w") as f:
        f.write("m,c,t0,t0_over_m\n")
        for m, c, t0, r in rows:
            f.write(f"{m},{c},{'' if t0 is None else f'{t0:.6g}'},{'' if r is None else f'{r:.6g}'}\n")
    print(open(out).read(), end="")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
