# Usage: python3 run_grid.py L EPS DELTA WIDTH TMAX [TOL]  (the implicit prototype on the grids.py node map)
import sys, time, json, numpy as np
import dmft_ratio, grids
L = int(sys.argv[1]); eps = float(sys.argv[2]); delta = float(sys.argv[3]); m = float(sys.argv[4]); T = float(sys.argv[5])
tol = float(sys.argv[6]) if len(sys.argv) > 6 else 1e-5
dmft_ratio.make_grid = lambda L, A: grids.make_grid_bounded(L, eps, delta)
import implicit
pr = dmft_ratio.Problem(m, 0.3, 0.6, [0.9, 0, 1/6], [0.9, 0, 1/6], a0=1.0)
t0 = time.time()
s = dmft_ratio.Solver(pr, L, 0.0, kmax=5000)
out = [s.observables(0)]
st = implicit.run_trbdf2(s, T, tol, log=0, out=out)
print(f"L={L} eps={eps} delta={delta} m={m} steps={st.acc} jac={st.jac} wall={time.time()-t0:.1f}", {k: round(float(v), 5) for k, v in out[-1].items()}, flush=True)
json.dump([{k: float(v) for k, v in o.items()} for o in out], open(f"grid_L{L}_e{eps}_d{delta}_m{int(m)}.json", "w"))
