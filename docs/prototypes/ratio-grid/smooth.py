# Usage: python3 smooth.py TMAX L [WIDTH] [TOL]; then python3 analyse.py hist_*.npz [FRAC]
# Runs BS3 at tight tolerance and stores the row history, to measure how smooth the rows
# are in t at fixed ratio (what step size accuracy alone would allow).
import sys, time, numpy as np
from dmft_ratio import *
T = float(sys.argv[1]); L = int(sys.argv[2]); m = float(sys.argv[3]) if len(sys.argv) > 3 else 100
tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-6
pr = Problem(m, 0.3, 0.6, [0.9, 0, 1/6], [0.9, 0, 1/6], a0=1.0)
t0 = time.time()
s = Solver(pr, L, 4.0, kmax=60000)
nacc, nrej = s.run_bs3(T, tol, log=2000)
K = s.K
print("steps", nacc, "rej", nrej, "wall", round(time.time() - t0, 1), flush=True)
np.savez(f"hist_m{int(m)}_L{L}_T{int(T)}.npz", H=s.H[:4, :K], O=s.O[:, :K], T=s.T[:K], th=s.th)
