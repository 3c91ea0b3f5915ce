"""Adds provenance to a run's JSON sidecar (the file next to the CSV with extension .json).

  provenance.py checksum RUN.csv
      sets "csv_sha256" to the SHA-256 of RUN.csv.
  provenance.py discretisation RUN.csv DOUBLE.csv
      RUN.csv is a first-order DMFT solution at step η, DOUBLE.csv the same problem at 2η.
      Their difference at common times estimates the O(η) error of RUN.csv: y(η) − y* ≈ Cη and
      y(2η) − y* ≈ 2Cη, so |y(η) − y*| ≈ |y(2η) − y(η)|. Stores, per observable, the maximum
      of that estimate over time as "discretisation_error".
  provenance.py resolution RUN.csv COARSER.csv
      COARSER.csv is the same problem on a coarser grid of another kind (e.g. the ratio
      solver with fewer nodes), on its own times. Stores, per observable, the maximum over
      RUN.csv's times t > 0 within both runs of |RUN − COARSER| (COARSER interpolated linearly
      between its rows) as "resolution_difference": an upper estimate of RUN's error when the
      coarser run's error dominates, plus the interpolation error between COARSER's rows.
"""
import csv
import hashlib
import json
import sys


def sidecar(path):
    return path[: -len(".csv")] + ".json"


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def update(path, key, value):
    with open(sidecar(path)) as f:
        meta = json.load(f)
    meta[key] = value
    with open(sidecar(path), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    mode, run = sys.argv[1], sys.argv[2]
    if mode == "checksum":
        with open(run, "rb") as f:
            update(run, "csv_sha256", hashlib.sha256(f.read()).hexdigest())
    elif mode == "discretisation":
        fine, coarse = load(run), load(sys.argv[3])
        # Nested grids from t = 0: row 2k at η is the time of row k at 2η.
        assert len(fine) == 2 * len(coarse) - 1, "DOUBLE.csv must be the same run at twice the step"
        errors = {}
        for k, row in enumerate(coarse):
            match = fine[2 * k]
            assert abs(float(match["t"]) - float(row["t"])) < 1e-9
            for name, value in row.items():
                if name != "t":
                    errors[name] = max(errors.get(name, 0.0), abs(float(value) - float(match[name])))
        update(run, "discretisation_error", errors)
    elif mode == "resolution":
        fine, coarse = load(run), load(sys.argv[3])
        times = [float(r["t"]) for r in coarse]
        differences = {}
        for row in fine:
            t = float(row["t"])
            if t <= 0 or t > times[-1]:
                continue
            k = next(i for i, s in enumerate(times) if s >= t)
            w = (t - times[k - 1]) / (times[k] - times[k - 1])
            for name, value in row.items():
                if name != "t" and name in coarse[k]:
                    other = (1 - w) * float(coarse[k - 1][name]) + w * float(coarse[k][name])
                    differences[name] = max(differences.get(name, 0.0), abs(float(value) - other))
        update(run, "resolution_difference", differences)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
