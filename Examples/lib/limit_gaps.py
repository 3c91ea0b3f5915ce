"""Distances between finite-m curves and an m → ∞ limit on the same time axis.

  limit_gaps.py OUT.csv LIMIT.csv COLUMNS T0 T1 RUN.csv [RUN.csv ...]

COLUMNS is comma-separated (e.g. a,v). The limit's time axis is the one its sidecar records
(solver.time_axis: t, t*m, t/sqrt(m) or t/m; t if absent), and each RUN's times (width m from
its JSON sidecar) are rescaled to it. For each RUN and column: the largest |run − limit| over
the run's rows with T0 ≤ (rescaled t) ≤ T1 (the limit interpolated linearly between its rows),
and both values at the run's last row in the window. Writes OUT.csv (m, column, max_gap,
t_max_gap, run_end, limit_end; times on the limit's axis) and prints it.
"""
import bisect
import csv
import json
import sys


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [{k: float(v) for k, v in r.items()} for r in rows]


def interpolate(rows, column, t):
    times = [r["t"] for r in rows]
    k = bisect.bisect_left(times, t)
    if k < len(times) and times[k] == t:
        return rows[k][column]
    if k == 0 or k == len(times):
        raise SystemExit(f"t = {t} is outside the limit's rows [{times[0]}, {times[-1]}]")
    (t0, y0), (t1, y1) = (times[k - 1], rows[k - 1][column]), (times[k], rows[k][column])
    return y0 + (y1 - y0) * (t - t0) / (t1 - t0)


def main():
    out, limit_path, columns, t0, t1 = sys.argv[1], sys.argv[2], sys.argv[3].split(","), float(sys.argv[4]), float(sys.argv[5])
    limit = load(limit_path)
    with open(limit_path[: -len(".csv")] + ".json") as f:
        axis = json.load(f).get("solver", {}).get("time_axis", "t")
    scale = {"t": lambda m: 1.0, "t*m": lambda m: m, "t/sqrt(m)": lambda m: m ** -0.5, "t/m": lambda m: 1.0 / m}[axis]
    table = []
    for run in sys.argv[6:]:
        with open(run[: -len(".csv")] + ".json") as f:
            m = json.load(f)["problem"]["width"]
        rows = [dict(r, t=r["t"] * scale(m)) for r in load(run)]
        rows = [r for r in rows if t0 <= r["t"] <= t1]
        for column in columns:
            gaps = [(abs(r[column] - interpolate(limit, column, r["t"])), r["t"]) for r in rows]
            worst, at = max(gaps)
            last = rows[-1]
            table.append([m, column, f"{worst:.6g}", f"{at:.6g}", f"{last[column]:.6g}",
                          f"{interpolate(limit, column, last['t']):.6g}"])
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["m", "column", "max_gap", "t_max_gap", "run_end", "limit_end"])
        w.writerows(table)
    with open(out) as f:
        print(f.read(), end="")


if __name__ == "__main__":
    main()
