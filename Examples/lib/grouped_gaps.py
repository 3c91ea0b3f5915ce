"""DMFT against GD on the Gaussian-process model for a grouped-start figure directory.

  grouped_gaps.py DIR     (DIR holds dmft-dt0.1.csv and gaussian-d<d>[-lr<s>].csv)

Prints CSV: per simulation file and observable, the largest |DMFT − GD| over the recorded times
t ≥ 0.5 (DMFT at η = 0.1 on the same grid), the time where it occurs and the standard error of
the GD mean there, and the gap and standard error at t = 10. Observables: e_train, e_test,
Cd_t0, a_g1…a_g4 and the equal-time correlations Co_tt_g*_g*.
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
    print("file,observable,max_gap,t_at_max,se_at_max,gap_t10,se_t10")
    for path in sorted(glob.glob(os.path.join(directory, "gaussian-d*.csv"))):
        rows = load(path)
        columns = [c for c in rows[0] if c in ("e_train", "e_test", "Cd_t0") or c.startswith(("a_g", "Co_tt_g"))]
        columns = [c for c in columns if not c.endswith("_se")]
        for column in columns:
            gap, at, se, last = 0.0, 0.0, 0.0, None
            for row in rows:
                t = round(float(row["t"]), 9)
                if t not in theory or t < 0.5:
                    continue
                g = float(row[column]) - float(theory[t][column])
                if abs(g) > abs(gap):
                    gap, at, se = g, t, float(row[column + "_se"])
                last = (g, float(row[column + "_se"]))
            print(f"{os.path.basename(path)},{column},{gap:+.5f},{at:g},{se:.5f},{last[0]:+.5f},{last[1]:.5f}")


if __name__ == "__main__":
    main()
