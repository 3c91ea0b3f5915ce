"""The t → ∞ values of slowly relaxing columns, by an offset power law fitted to the tail.

  asymptote.py OUT.csv COLUMNS KEY RUN.csv [RUN.csv ...]

For each RUN (a trajectory CSV reaching a horizon T) and each column y in COLUMNS (comma-
separated, e.g. e_train,nu), fits y(t) = y∞ + c·t^(−x) by least squares on the rows with
t ≥ T/20: linear in (y∞, c) for each x on a grid 0.02…3 (step 0.002), x chosen by the smallest
residual. The fit is repeated on t ≥ T/100 and t ≥ T/5; the largest distance of those two
y∞ from the first is written as y_se (a systematic spread, not a statistical error: the data
are deterministic). KEY names the column of the run that labels it (e.g. gamma, constant in a
run with a frozen second layer). Writes OUT.csv, rows ordered by T then KEY, with the columns t (= T), KEY, and for each y:
y (= y∞), y_se, y_end (the value at T), y_exponent (x); the _se columns make `dmft plot` draw
the points as markers with error bars. Prints the table.
"""
import csv
import sys


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [{k: float(v) for k, v in r.items()} for r in rows]


def fit(times, values):
    """(y∞, x) minimising the squared residual of y∞ + c·t^(−x)."""
    best = None
    n = len(times)
    for k in range(10, 1501):
        x = 0.002 * k
        u = [t ** -x for t in times]
        su, sv, suu, suv = sum(u), sum(values), sum(p * p for p in u), sum(p * q for p, q in zip(u, values))
        det = n * suu - su * su
        if det <= 0:
            continue
        c = (n * suv - su * sv) / det
        y = (sv - c * su) / n
        r = sum((y + c * p - q) ** 2 for p, q in zip(u, values))
        if best is None or r < best[0]:
            best = (r, y, x)
    if best is None:
        raise SystemExit("the tail has too few distinct times to fit")
    return best[1], best[2]


def tail(rows, column, start):
    kept = [r for r in rows if r["t"] >= start]
    if len(kept) < 8:
        raise SystemExit(f"only {len(kept)} rows with t ≥ {start:g}: run further or record more rows")
    return [r["t"] for r in kept], [r[column] for r in kept]


def main():
    out, columns, key, paths = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4:]
    header = ["t", key]
    for y in columns:
        header += [y, y + "_se", y + "_end", y + "_exponent"]
    table = []
    for path in paths:
        rows = load(path)
        horizon = rows[-1]["t"]
        line = [horizon, rows[-1][key]]
        for y in columns:
            value, exponent = fit(*tail(rows, y, horizon / 20))
            spread = max(abs(fit(*tail(rows, y, horizon / d))[0] - value) for d in (100, 5))
            line += [value, spread, rows[-1][y], exponent]
        table.append(line)
    # `dmft plot` reads a table whose first column t does not decrease: by horizon, then KEY.
    table.sort(key=lambda line: (line[0], line[1]))
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows([[f"{v:.10g}" for v in line] for line in table])
    print(",".join(header))
    for line in table:
        print(",".join(f"{v:.6g}" for v in line))


if __name__ == "__main__":
    main()
