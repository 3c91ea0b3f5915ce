"""Adds provenance to a run's JSON sidecar (the file next to the CSV with extension .json).

  provenance.py checksum RUN.csv
      sets "csv_sha256" to the SHA-256 of RUN.csv.
  provenance.py discretisation RUN.csv DOUBLE.csv
      RUN.csv is a first-order DMFT solution at step η, DOUBLE.csv the same problem at 2η.
      Their difference at common times estimates the O(η) error of RUN.csv: y(η) − y* ≈ Cη and
      y(2η) − y* ≈ 2Cη, so |y(η) − y*| ≈ |y(2η) − y(η)|. Stores, per observable, the maximum
      of that estimate over time as "discretisation_error".
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
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
