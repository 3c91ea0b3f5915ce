# Usage: python3 implicit.py TMAX L WIDTH TOL [A]   (env: KRYLOV=0 for simplified Newton,
#   JRATIO, NEWTON_TOL, DEBUG=1|2, PROBE=1 to analyse the first Newton failure with a fresh Jacobian)
# TR-BDF2 (ESDIRK, L-stable, Hosea & Shampine 1996) on the ratio-grid prototype: simplified
# Newton with a finite-difference Jacobian reused across steps, embedded 3rd-order estimate
# filtered through (I - d h J)^-1. Measures whether steps grow like t once stiffness no
# longer limits them.
import sys, time, numpy as np, scipy.linalg as sla
from dmft_ratio import *

GAM = 2 - np.sqrt(2); D = GAM / 2; W = np.sqrt(2) / 4
import os
JEVERY = int(os.environ.get("JEVERY", "0"))
NEWTON_TOL = float(os.environ.get("NEWTON_TOL", "0.2"))
KRYLOV = int(os.environ.get("KRYLOV", "1"))
JRATIO = float(os.environ.get("JRATIO", "2"))
E = np.array([(4 * W - 1) / 3, -1 / 3, 2 * D / 3])   # b - bhat


def fd_jacobian(s, slot, t, y, F=None):
    n = len(y); J = np.empty((n, n))
    if F is None:
        F = s.derivative(t, y, slot)
    for j in range(n):
        dy = 1e-7 * max(1.0, abs(y[j]))
        yp = y.copy(); yp[j] += dy
        J[:, j] = (s.derivative(t, yp, slot) - F) / dy
    s.derivative(t, y, slot)   # restore the row
    return J


class Stats:
    def __init__(self):
        self.acc = self.rej = self.jac = self.lu = self.fev = self.newton_fail = 0


def newton(s, slot, ts, rhs, z0, hd, lu, tol, st, maxit=10):
    """Solves z - hd F(ts, z) = rhs by Newton-Krylov: GMRES on (I - hd F'(z)) dz = res with
    F' applied by finite differences and the stale factorised I - hd J as (right)
    preconditioner. Returns (z, F(z)) or None."""
    from scipy.sparse.linalg import gmres, LinearOperator
    z = z0.copy(); prev = None; n = len(z)
    Fz = s.derivative(ts, z, slot); st.fev += 1
    for it in range(maxit):
        res = rhs + hd * Fz - z
        if not np.all(np.isfinite(res)):
            return None
        if KRYLOV:
            zn = np.max(np.abs(z))
            def mv(v, z=z, Fz=Fz):
                nv = np.max(np.abs(v))
                if nv == 0:
                    return v.copy()
                eps = 1e-7 * max(1.0, zn) / nv
                st.fev += 1
                return v - hd * (s.derivative(ts, z + eps * v, slot) - Fz) / eps
            A = LinearOperator((n, n), matvec=mv)
            Mp = LinearOperator((n, n), matvec=lambda v: sla.lu_solve(lu, v))
            dz, info = gmres(A, res, M=Mp, rtol=1e-3, atol=0.0, restart=30, maxiter=1)
        else:
            dz = sla.lu_solve(lu, res)
        z = z + dz
        nd = np.max(np.abs(dz))
        Fz = s.derivative(ts, z, slot); st.fev += 1
        if os.environ.get("DEBUG") == "2":
            print(f"    it={it} |dz|={nd:.3e} fev={st.fev}", flush=True)
        rho = nd / prev if prev is not None else 0.5
        if nd < NEWTON_TOL * tol or (prev is not None and rho < 1 and rho / (1 - rho) * nd < NEWTON_TOL * tol):
            return z, Fz
        if prev is not None and nd > 0.9 * prev:
            return None
        prev = nd
    return None


def probe(s, K, t, y, F, J, h):
    rng = np.random.default_rng(1)
    e = rng.standard_normal(len(y)); e[[s.L - 1, 3 * s.L - 1, 4 * s.L - 1]] = 0
    ts = t + GAM * h
    z = y + GAM * h * F
    Fz = s.derivative(ts, z, K)
    for eps in (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2):
        Fe = s.derivative(ts, z + eps * e, K)
        Fm = s.derivative(ts, z - eps * e, K)
        lin = (Fe - Fm) / (2 * eps)
        curv = (Fe + Fm - 2 * Fz) / eps ** 2
        i = int(np.argmax(np.abs(lin - J @ e)))
        print(f"eps={eps:.0e} |dF/de - Je|={np.max(np.abs(lin - J @ e)):.3e} at {i} |curv|={np.max(np.abs(curv)):.3e} |Je|={np.max(np.abs(J@e)):.3e}", flush=True)
    ev = np.linalg.eigvals(J)
    print("eigs of J: max Re", np.max(ev.real), " min Re", np.min(ev.real), " max |Im|", np.max(np.abs(ev.imag)))
    print("top 6 by Re:", np.sort_complex(ev)[-6:])


def run_trbdf2(s, tmax, tol, h0=1e-2, log=0, out=None, growth=3.0, rtol=0.0):
    K = s.K; t = s.T[K - 1]; y = s.state(K - 1)
    F = s.derivative(t, y, K - 1)
    st = Stats(); h = h0
    hJ = h; J = fd_jacobian(s, K, t + h, y); st.jac += 1; jfresh = True
    hlu = None; lu = None
    while t < tmax - 1e-12:
        h = min(h, tmax - t)
        if abs(np.log(h / hJ)) > np.log(JRATIO) and not jfresh:
            hJ = h; J = fd_jacobian(s, K, t + h, y); st.jac += 1; jfresh = True; hlu = None
        if hlu != h:
            lu = sla.lu_factor(np.eye(len(y)) - D * h * J); st.lu += 1; hlu = h
        # stage 1: trapezoid to t + gamma h (history row at slot K)
        r1 = newton(s, K, t + GAM * h, y + D * h * F, y + GAM * h * F, D * h, lu, tol, st)
        ok = r1 is not None
        if ok:
            z1, F1 = r1
            z1_row = s.H[:4, K].copy()
            r2 = newton(s, K, t + h, y + W * h * (F + F1), y + h * F, D * h, lu, tol, st)
            ok = r2 is not None
        if not ok:
            st.newton_fail += 1
            if os.environ.get("DEBUG"):
                print(f"  newton fail t={t:.5g} h={h:.3g} stage={'1' if r1 is None else '2'} jfresh={jfresh}", flush=True)
            if jfresh and os.environ.get("PROBE"):
                ts, z, hd, slot = LAST
                Jt = fd_jacobian(s, slot, ts, z)
                n = len(y)
                G = np.eye(n) - sla.lu_solve(lu, np.eye(n) - hd * Jt)
                ev = np.linalg.eigvals(G); i = np.argsort(-np.abs(ev))[:5]
                print("rho(I - M^-1 M*) top:", ev[i], flush=True)
                w, V = np.linalg.eig(G); v = np.abs(V[:, np.argmax(np.abs(w))]); top = np.argsort(-v)[:12]
                print("mode concentrated on:", [(int(j) // s.L, int(j) % s.L, round(float(v[j]), 3)) for j in top])
                print("|Jt - J| max", np.max(np.abs(Jt - J)), "at", np.unravel_index(np.argmax(np.abs(Jt - J)), J.shape))
                raise SystemExit
            if not jfresh:
                hJ = h; J = fd_jacobian(s, K, t + h, y); st.jac += 1; jfresh = True; hlu = None
            else:
                h *= 0.5; hlu = None
            continue
        y2, F2 = r2
        est = h * (E[0] * F + E[1] * F1 + E[2] * F2)
        est = sla.lu_solve(lu, est)
        sc = tol * (1 + rtol / tol * np.maximum(np.abs(y), np.abs(y2))) if rtol else tol
        err = np.max(np.abs(est) / sc)
        if err <= 1.0:
            t += h; y = y2; F = F2
            K += 1; s.K = K; st.acc += 1; jfresh = False
            if out is not None:
                out.append(s.observables(K - 1))
            if log and st.acc % log == 0:
                o = s.observables(K - 1)
                print(f"t={t:.5g} h={h:.3g} h/t={h/t:.3f} etr={o['e_train']:.6f} ets={o['e_test']:.6f} a={o['a']:.5f} v={o['v']:.5f} jac={st.jac} fev={st.fev}", flush=True)
            # refresh the Jacobian every few steps (its cost is (4L+2) evaluations)
            if JEVERY and st.acc % JEVERY == 0:
                hJ = h; J = fd_jacobian(s, K, t + h, y); st.jac += 1; jfresh = True; hlu = None
        else:
            st.rej += 1
        fac = min(growth, max(0.2, 0.9 * err ** (-1 / 3)))
        h *= fac
    return st


if __name__ == "__main__":
    T = float(sys.argv[1]); L = int(sys.argv[2]); m = float(sys.argv[3]); tol = float(sys.argv[4])
    A = float(sys.argv[5]) if len(sys.argv) > 5 else 4.0
    pr = Problem(m, 0.3, 0.6, [0.9, 0, 1/6], [0.9, 0, 1/6], a0=1.0)
    t0 = time.time()
    s = Solver(pr, L, A, kmax=20000)
    out = [s.observables(0)]
    st = run_trbdf2(s, T, tol, log=10, out=out)
    print("steps", st.acc, "rej", st.rej, "jac", st.jac, "lu", st.lu, "fev", st.fev, "newton_fail", st.newton_fail,
          "wall", round(time.time() - t0, 1))
    import json
    json.dump(out, open(f"trbdf2_L{L}_m{int(m)}_T{int(T)}_tol{tol:g}.json", "w"))
    print(out[-1])
