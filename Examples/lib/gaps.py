"""Gap tables: simulation minus DMFT at given times, per width m and input dimension d, with the
finite-d part separated by extrapolating in 1/d.

  gaps.py --axis t|t/m --times 10,30,100 --out PREFIX  m=DMFT.csv[,d=SIM.csv,...] ...

Each positional argument is one width: `25=data/x/dmft-m25.csv,200=data/x/network-m25-d200.csv`
(the DMFT CSV first, then `d=file` per simulation; a DMFT file may be `-` when there is no
theory at that width). Times are on the chosen axis (t, or t/m: the time is then `value·m`);
a time beyond a file's last row is left empty. Observables: e_train, e_test, a/√m (the mean
second-layer weight over √m, `gamma` in the CSVs) and √m·v.

The simulation's value is the mean over its realisations with the standard error of its `_se`
column; the DMFT is interpolated linearly between its rows (its own discretisation error is in
its sidecar and is not added here). The d → ∞ column assumes gap(d) = g∞ + c/d and fits it by
weighted least squares through every d (two d's: g∞ = 2g(2d) − g(d)); its standard error is
propagated from the simulations' only.

Writes PREFIX.csv (m, d, time, observable, dmft, sim, sim_se, gap, gap_se; d = inf for the
extrapolation) and PREFIX.md (one markdown table per observable: rows m and time, columns d).
"""
import argparse
import csv
import math

OBSERVABLES = {
    "e_train": lambda row, m: float(row["e_train"]),
    "e_test": lambda row, m: float(row["e_test"]),
    "a/√m": lambda row, m: float(row["a"]) / math.sqrt(m),
    "√m·v": lambda row, m: float(row["v"]) * math.sqrt(m),
}
STANDARD_ERRORS = {
    "e_train": lambda row, m: float(row["e_train_se"]),
    "e_test": lambda row, m: float(row["e_test_se"]),
    "a/√m": lambda row, m: float(row["a_se"]) / math.sqrt(m),
    "√m·v": lambda row, m: float(row["v_se"]) * math.sqrt(m),
}


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def at(rows, t, m, value):
    """`value(row)` linearly interpolated at time t; None beyond the rows. A simulation's last
    row is the step nearest its horizon, which can fall short of it by part of a step: times
    within 1e-3 (relative) of the last row take its value."""
    times = [float(r["t"]) for r in rows]
    if t > times[-1] * (1 + 1e-3) or t < times[0]:
        return None
    if t >= times[-1]:
        return value(rows[-1], m)
    for k in range(1, len(rows)):
        if times[k] >= t * (1 - 1e-12):
            t0, t1 = times[k - 1], times[k]
            w = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return (1 - w) * value(rows[k - 1], m) + w * value(rows[k], m)
    return value(rows[0], m)


def extrapolate(points):
    """Weighted least squares of g = g∞ + c/d through (d, g, se); returns (g∞, se) or None."""
    points = [p for p in points if p[2] > 0]
    if len(points) < 2:
        return None
    w = [1 / se**2 for _, _, se in points]
    x = [1 / d for d, _, _ in points]
    sw, sx, sxx = sum(w), sum(wi * xi for wi, xi in zip(w, x)), sum(wi * xi * xi for wi, xi in zip(w, x))
    det = sw * sxx - sx * sx
    # Intercept = Σ c_i g_i with c_i = w_i (sxx − sx x_i)/det; its variance Σ c_i² se_i².
    c = [wi * (sxx - sx * xi) / det for wi, xi in zip(w, x)]
    value = sum(ci * g for ci, (_, g, _) in zip(c, points))
    return value, math.sqrt(sum((ci * se) ** 2 for ci, (_, _, se) in zip(c, points)))


def short(v, sign=False):
    """Four decimals, or three significant digits for values below 1e-3 in magnitude."""
    text = f"{v:.4f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
    return ("+" if sign and v >= 0 else "") + text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--axis", choices=["t", "t/m"], required=True)
    parser.add_argument("--times", required=True, help="comma-separated times on the axis")
    parser.add_argument("--out", required=True, help="output prefix (PREFIX.csv, PREFIX.md)")
    parser.add_argument("widths", nargs="+", help="m=DMFT.csv[,d=SIM.csv,...]")
    args = parser.parse_args()
    times = [float(x) for x in args.times.split(",")]
    records, dims = [], set()
    for spec in args.widths:
        head, *sims = spec.split(",")
        m, theory_path = head.split("=", 1)
        m = int(m)
        theory = load(theory_path) if theory_path != "-" else None
        sims = [(int(d), load(path)) for d, path in (s.split("=", 1) for s in sims)]
        dims.update(d for d, _ in sims)
        for x in times:
            t = x * m if args.axis == "t/m" else x
            for name, value in OBSERVABLES.items():
                th = at(theory, t, m, value) if theory else None
                points = []
                for d, rows in sims:
                    s, se = at(rows, t, m, value), at(rows, t, m, STANDARD_ERRORS[name])
                    gap = None if s is None or th is None else s - th
                    records.append((m, d, x, name, th, s, se, gap, se if gap is not None else None))
                    if gap is not None:
                        points.append((d, gap, se))
                fit = extrapolate(points)
                if fit:
                    records.append((m, math.inf, x, name, th, None, None, fit[0], fit[1]))
    fmt = lambda v: "" if v is None else ("inf" if v == math.inf else f"{v:.6g}")
    with open(args.out + ".csv", "w") as f:
        f.write("m,d,time,observable,dmft,sim,sim_se,gap,gap_se\n")
        for r in records:
            f.write(",".join(fmt(v) if not isinstance(v, str) else v for v in r) + "\n")
    columns = sorted(dims) + ([math.inf] if len(dims) > 1 else [])
    by_key = {(r[0], r[1], r[2], r[3]): r for r in records}
    with open(args.out + ".md", "w") as f:
        f.write(f"Simulation − DMFT (± one standard error of the simulation mean) at {args.axis} = "
                f"{args.times}; d = ∞: fit g∞ + c/d.\n")
        for name in OBSERVABLES:
            f.write(f"\n**{name}**\n\n| m | {args.axis} | DMFT | "
                    + " | ".join("d = ∞" if d == math.inf else f"d = {d}" for d in columns) + " |\n")
            f.write("|---|---|---|" + "---|" * len(columns) + "\n")
            for m in sorted({r[0] for r in records}):
                for x in times:
                    cells = []
                    for d in columns:
                        r = by_key.get((m, d, x, name))
                        if r is None or r[7] is None:
                            cells.append("—" if r is None or r[5] is None else f"sim {short(r[5])} ± {short(r[6])}")
                        else:
                            cells.append(f"{short(r[7], sign=True)} ± {short(r[8])}")
                    th = next((r[4] for r in records if r[0] == m and r[2] == x and r[3] == name), None)
                    f.write(f"| {m} | {x:g} | {'—' if th is None else short(th)} | " + " | ".join(cells) + " |\n")


if __name__ == "__main__":
    main()
