import numpy as np, sys
d = np.load(sys.argv[1]); H = d["H"]; O = d["O"]; T = d["T"]; th = d["th"]; L = len(th)
# subsample rows: spacing >= max(0.2, frac*t)
frac = float(sys.argv[2]) if len(sys.argv) > 2 else 0.01
idx = [0]
for k in range(1, len(T)):
    if T[k] - T[idx[-1]] >= max(0.02, frac * T[idx[-1]]):
        idx.append(k)
idx = np.array(idx); t = T[idx]
Y = np.concatenate([H[f][idx] for f in range(4)] + [O[0][idx, None], O[1][idx, None]], axis=1)  # (n, 4L+2)
names = [f"{n}[{j}]" for n in ("Cd", "Co", "Rd", "Ro") for j in range(L)] + ["a", "v"]
d1 = np.gradient(Y, t, axis=0); d2 = np.gradient(d1, t, axis=0); d3 = np.gradient(d2, t, axis=0)
tol = 1e-4
print(" t      max|y'''|   where        h_acc(tol=1e-4)  h_acc/t")
for q in np.geomspace(2, t[-3], 14):
    k = np.searchsorted(t, q)
    row = np.abs(d3[k]); i = int(np.argmax(row))
    h = (6 * tol / row[i]) ** (1 / 3)
    print(f"{t[k]:8.2f} {row[i]:10.3e}  {names[i]:10s} th={th[i % L] if i < 4*L else 0:.5f}  {h:8.3f}  {h / t[k]:.4f}")
