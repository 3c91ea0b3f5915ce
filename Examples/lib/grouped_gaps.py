"""DMFT against GD on the Gaussian-process model for a grouped-start figure directory.

  grouped_gaps.py DIR     (DIR holds dmft-dt0.1.csv and gaussian-d<d>[-lr<s>].csv)

Prints CSV: per simulation file and observable, the largest |DMFT − GD| over the recorded times
(DMFT at η = 0.1 on the same grid), the time where it occurs, the largest standard error of the GD
mean over the times, and their ratio. Observables: e_train, e_test, a_g1…a_g4, Cd_t0 and the
equal-time correlations Co_tt_g*_g*.
"""
import csv
import glob
import os
import sys


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main():
    directory = sys.argv[1]
    theory = {round(float(r["t"]), 9): r for r in load(os.path.join(directory, "dmft-dt0.1.csv"))}
    print("file,observable,max_gap,t_at_max,max_se,gap_over_se")
    for path in sorted(glob.glob(os.path.join(directory, "gaussian-d*.csv"))):
        rows = load(path)
        columns = [c for c in rows[0] if c in ("e_train", "e_test", "Cd_t0") or c.startswith(("a_g", "Co_tt_g"))]
        columns = [c for c in columns if not c.endswith("_se")]
        for column in columns:
            gap, at, se = 0.0, 0.0, 0.0
            for row in rows:
                t = round(float(row["t"]), 9)
                if t not in theory:
                    continue
                g = abs(float(theory[t][column]) - float(row[column]))
                if g > gap:
                    gap, at = g, t
                se = max(se, float(row[column + "_se"]))
            ratio = gap / se if se > 0 else float("inf")
            print(f"{os.path.basename(path)},{column},{gap:.5f},{at:g},{se:.5f},{ratio:.1f}")


if __name__ == "__main__":
    main()
