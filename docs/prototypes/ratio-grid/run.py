# Runs the ratio-grid CK prototype: python3 run.py METHOD L A TMAX TOL
# METHOD: bs3 (explicit Bogacki-Shampine 3(2)), lawson (integrating-factor BS3),
#         etd2 (ETD2RK, step doubling). Prints the step size as it goes and the final
#         energy e, Lagrange multiplier mu and C(t, 0).
import sys, time
from ck_ratio import Solver, run_lawson, run_etd2_dbl

method = sys.argv[1]
L, A, tmax, tol = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
s = Solver(L, A)
t0 = time.time()
if method == "bs3":
    steps, rejected = s.run(tmax, tol, log=True)
elif method == "lawson":
    steps, rejected = run_lawson(s, tmax, tol, log=True)
elif method == "etd2":
    steps, rejected = run_etd2_dbl(s, tmax, tol, log=True)
else:
    sys.exit("method: bs3, lawson or etd2")
K = s.K
print(method, "L", L, "A", A, "steps", steps, "rejected", rejected, "wall", round(time.time() - t0, 2),
      "e", s.E[K - 1], "mu", s.MU[K - 1], "C(t,0)", s.HC[K - 1][0])
