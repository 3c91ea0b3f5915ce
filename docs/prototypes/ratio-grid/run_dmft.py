# Runs the ratio-grid DMFT prototype on the Figure 5 physics (single index,
# h = phihat = 0.9q + q^3/6, tau = 0.6, alpha = 0.3, mean-field a0 = 1):
#   python3 run_dmft.py L A TMAX TOL [WIDTH] [bs3|etd2]
# prints progress, writes the observables at every step to dmft_<method>_L<L>_m<W>_T<T>.json.
import sys, time, numpy as np
from dmft_ratio import *
L = int(sys.argv[1]); A = float(sys.argv[2]); tmax = float(sys.argv[3]); tol = float(sys.argv[4])
m = float(sys.argv[5]) if len(sys.argv) > 5 else 10
pr = Problem(m, 0.3, 0.6, [0.9, 0, 1/6], [0.9, 0, 1/6], a0=1.0)
t0 = time.time()
s = Solver(pr, L, A)
out = [s.observables(0)]
meth = sys.argv[6] if len(sys.argv) > 6 else "bs3"
nacc, nrej = s.run_bs3(tmax, tol, log=20, out=out) if meth == "bs3" else run_etd2(s, tmax, tol, log=20, out=out)
print("steps", nacc, "rej", nrej, "wall", round(time.time()-t0, 1))
import json
json.dump(out, open(f"dmft_{meth}_L{L}_m{int(m)}_T{int(tmax)}.json", "w"))
print(out[-1])
