# Ratio-grid (theta = s/t) integrator for the zero-temperature CK equations, prototype.
# Rows stored at accepted times t_n on fixed ratio nodes th[0]=0 .. th[L-1]=1;
# d/dt A(t, th t) = d1 A + th * d2 A, with d2 from the transposed C equation and the
# adjoint Dyson equation for R. Memory integrals split at s = t' and mapped onto [0,1].
import numpy as np
from numba import njit
import math, sys, time

P = 6   # ratio interpolation points
PT = 4  # time interpolation points


def make_grid(L, A):
    x = np.linspace(0.0, 1.0, L)
    th = 0.5 * (1 + np.tanh(A * (2 * x - 1)) / math.tanh(A))
    dth = A * (1 - np.tanh(A * (2 * x - 1)) ** 2) / math.tanh(A)  # d th / dx
    th[0], th[-1] = 0.0, 1.0
    # composite Simpson-like high-order weights in x (Gregory, 4th order end corrections)
    h = 1.0 / (L - 1)
    g = np.ones(L)
    corr = np.array([3 / 8, 7 / 6, 23 / 24])
    g[:3] = corr
    g[-3:] = corr[::-1]
    w = h * g * dth
    return th, w


@njit(cache=True, inline='always')
def bracket(x, arr, n):
    lo, hi = 0, n - 1
    if x <= arr[0]:
        return 0
    if x >= arr[n - 1]:
        return n - 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if arr[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def row_interp(row, th, L, r):
    i = bracket(r, th, L)
    start = i - P // 2 + 1
    if start < 0:
        start = 0
    if start > L - P:
        start = L - P
    v = 0.0
    for a in range(P):
        xa = th[start + a]
        wa = 1.0
        for b in range(P):
            if b != a:
                wa *= (r - th[start + b]) / (xa - th[start + b])
        v += wa * row[start + a]
    return v


@njit(cache=True)
def hist_interp(F, T, K, th, L, s, r):
    # F: (Kmax, L) rows, T: times, K: rows in use (last = current stage)
    if K == 1:
        return row_interp(F[0], th, L, r)
    npts = PT if K >= PT else K
    i = bracket(s, T, K)
    start = i - npts // 2 + 1
    if start < 0:
        start = 0
    if start > K - npts:
        start = K - npts
    v = 0.0
    for a in range(npts):
        ta = T[start + a]
        wa = 1.0
        for b in range(npts):
            if b != a:
                wa *= (s - T[start + b]) / (ta - T[start + b])
        if wa != 0.0:
            v += wa * row_interp(F[start + a], th, L, r)
    return v


@njit(cache=True)
def rhs(K, T, HC, HR, HS, HD, MU, th, w, L, c2, k, dC, dR):
    # current row is index K-1 at time t = T[K-1]
    t = T[K - 1]
    cur = K - 1
    Cc = HC[cur]; Rc = HR[cur]
    mu_t = MU[cur]
    if t <= 0.0:
        for j in range(L):
            dC[j] = 0.0; dR[j] = 0.0
        return
    for j in range(L - 1):
        tp = th[j] * t
        lag = t - tp
        mu_tp = 0.0
        # mu at t' by time interpolation of MU
        if K > 1:
            npts = PT if K >= PT else K
            i = bracket(tp, T, K)
            start = i - npts // 2 + 1
            if start < 0:
                start = 0
            if start > K - npts:
                start = K - npts
            for a in range(npts):
                wa = 1.0
                for b in range(npts):
                    if b != a:
                        wa *= (tp - T[start + b]) / (T[start + a] - T[start + b])
                mu_tp += wa * MU[start + a]
        else:
            mu_tp = MU[0]
        ia1 = 0.0; ib = 0.0; ja = 0.0; jb1 = 0.0
        ia2 = 0.0; jb2 = 0.0; r1 = 0.0; r2 = 0.0
        for q in range(L):
            wq = w[q]
            if tp > 0.0:
                # s = t' phi in [0, t']
                rr = th[j] * th[q]             # ratio on the current row
                sig_ts = row_interp(HS[cur], th, L, rr)
                d_ts = row_interp(HD[cur], th, L, rr)
                c_ts = row_interp(Cc, th, L, rr)
                r_ts = row_interp(Rc, th, L, rr)
                # row t' at ratio phi
                c_tps = hist_interp(HC, T, K, th, L, tp, th[q])
                r_tps = hist_interp(HR, T, K, th, L, tp, th[q])
                sig_tps = hist_interp(HS, T, K, th, L, tp, th[q])
                d_tps = hist_interp(HD, T, K, th, L, tp, th[q])
                ia1 += wq * sig_ts * c_tps
                ib += wq * d_ts * r_tps
                ja += wq * sig_tps * c_ts
                jb1 += wq * d_tps * r_ts
            # s = t' + (t - t') phi in [t', t]
            s = tp + lag * th[q]
            rr2 = s / t
            sig_ts2 = row_interp(HS[cur], th, L, rr2)
            r_ts2 = row_interp(Rc, th, L, rr2)
            rat = tp / s if s > 0 else 1.0
            c_st = hist_interp(HC, T, K, th, L, s, rat)
            r_st = hist_interp(HR, T, K, th, L, s, rat)
            d_st = hist_interp(HD, T, K, th, L, s, rat)
            sig_st = hist_interp(HS, T, K, th, L, s, rat)
            ia2 += wq * sig_ts2 * c_st
            jb2 += wq * d_st * r_ts2
            r1 += wq * sig_ts2 * r_st
            r2 += wq * r_ts2 * sig_st
        dc1 = -mu_t * Cc[j] + tp * ia1 + lag * ia2 + tp * ib
        dc2 = -mu_tp * Cc[j] + tp * ja + tp * jb1 + lag * jb2
        dr1 = -mu_t * Rc[j] + lag * r1
        dr2 = mu_tp * Rc[j] - lag * r2
        dC[j] = dc1 + th[j] * dc2
        dR[j] = dr1 + th[j] * dr2
    dC[L - 1] = 0.0
    dR[L - 1] = 0.0


@njit(cache=True)
def kernels(Crow, Rrow, th, w, L, c2, k, S, D):
    mu = 0.0
    e = 0.0
    for j in range(L):
        c = Crow[j]
        x1 = c2 * k * c ** (k - 1)
        x2 = c2 * k * (k - 1) * c ** (k - 2)
        S[j] = x2 * Rrow[j]
        D[j] = x1
        mu += w[j] * (x2 * c + x1) * Rrow[j]
        e -= w[j] * x1 * Rrow[j]
    return mu, e


class Solver:
    def __init__(self, L, A, c2=0.5, k=3, kmax=20000):
        self.th, self.w = make_grid(L, A)
        self.L = L; self.c2 = c2; self.k = k
        self.T = np.zeros(kmax); self.MU = np.zeros(kmax); self.E = np.zeros(kmax)
        self.HC = np.zeros((kmax, L)); self.HR = np.zeros((kmax, L))
        self.HS = np.zeros((kmax, L)); self.HD = np.zeros((kmax, L))
        self.K = 0
        self.set_row(0, 0.0, np.ones(L), np.ones(L))
        self.K = 1

    def set_row(self, idx, t, C, R):
        self.T[idx] = t
        self.HC[idx] = C; self.HR[idx] = R
        mu, e = kernels(C, R, self.th, self.w, self.L, self.c2, self.k, self.HS[idx], self.HD[idx])
        self.MU[idx] = t * mu; self.E[idx] = t * e

    def f(self, t, C, R):
        # derivative with (t, C, R) as the provisional newest row
        idx = self.K
        self.set_row(idx, t, C, R)
        dC = np.zeros(self.L); dR = np.zeros(self.L)
        rhs(idx + 1, self.T, self.HC, self.HR, self.HS, self.HD, self.MU, self.th, self.w,
            self.L, self.c2, self.k, dC, dR)
        return dC, dR

    def run(self, tmax, tol, h0=1e-3, hmax=1e9, log=False):
        K = self.K
        t = self.T[K - 1]; C = self.HC[K - 1].copy(); R = self.HR[K - 1].copy()
        h = h0
        # Bogacki-Shampine 3(2)
        k1 = None
        nacc = 0; nrej = 0
        while t < tmax - 1e-12:
            h = min(h, tmax - t, hmax)
            if k1 is None:
                self.K = K - 1  # overwrite current row slot as provisional
                k1 = self.f(t, C, R)
                self.K = K
            # stage rows are appended at slot K
            C2 = C + 0.5 * h * k1[0]; R2 = R + 0.5 * h * k1[1]
            k2 = self.f(t + 0.5 * h, C2, R2)
            C3 = C + 0.75 * h * k2[0]; R3 = R + 0.75 * h * k2[1]
            k3 = self.f(t + 0.75 * h, C3, R3)
            Cn = C + h * (2 / 9 * k1[0] + 1 / 3 * k2[0] + 4 / 9 * k3[0])
            Rn = R + h * (2 / 9 * k1[1] + 1 / 3 * k2[1] + 4 / 9 * k3[1])
            k4 = self.f(t + h, Cn, Rn)
            errC = h * (-5 / 72 * k1[0] + 1 / 12 * k2[0] + 1 / 9 * k3[0] - 1 / 8 * k4[0])
            errR = h * (-5 / 72 * k1[1] + 1 / 12 * k2[1] + 1 / 9 * k3[1] - 1 / 8 * k4[1])
            err = max(np.max(np.abs(errC)), np.max(np.abs(errR)))
            if err <= tol:
                t = t + h; C = Cn; R = Rn
                self.set_row(K, t, C, R)
                K += 1; self.K = K
                k1 = k4
                nacc += 1
                if log and nacc % 50 == 0:
                    print(f"t={t:.4g} h={h:.3g} e={self.E[K-1]:.6f} mu={self.MU[K-1]:.5f}", flush=True)
            else:
                nrej += 1
            h = h * min(4.0, max(0.2, 0.9 * (tol / max(err, 1e-300)) ** (1 / 3)))
        return nacc, nrej


def mu_at(s, tq):
    K = s.K
    return np.interp(tq, s.T[:K], s.MU[:K])


def run_lawson(s, tmax, tol, h0=1e-3, log=False, hmax=1e9):
    """Lawson (integrating-factor) Bogacki-Shampine 3(2): the local rate
    kappa_j = mu(t) - th_j mu(th_j t), frozen per step, is integrated exactly."""
    K = s.K
    t = s.T[K - 1]; C = s.HC[K - 1].copy(); R = s.HR[K - 1].copy()
    h = h0
    nacc = nrej = 0
    A = [[0.5], [0, 0.75], [2 / 9, 1 / 3, 4 / 9]]
    c = [0, 0.5, 0.75, 1.0]
    b = [2 / 9, 1 / 3, 4 / 9, 0]
    bh = [7 / 24, 1 / 4, 1 / 3, 1 / 8]
    while t < tmax - 1e-12:
        h = min(h, tmax - t, hmax)
        mup = s.th * mu_at(s, s.th * t)
        kapC = s.MU[K - 1] + mup
        kapR = s.MU[K - 1] - mup
        kapC[-1] = 0.0; kapR[-1] = 0.0
        s.K = K - 1
        F = s.f(t, C, R)
        s.K = K
        N = [(F[0] + kapC * C, F[1] + kapR * R)]
        Ys = [(C, R)]
        for i in range(1, 4):
            ci = c[i]
            Yc = np.exp(-ci * h * kapC) * C; Yr = np.exp(-ci * h * kapR) * R
            coeffs = A[i - 1]
            for jj, aij in enumerate(coeffs):
                if aij == 0:
                    continue
                Yc = Yc + h * aij * np.exp(-(ci - c[jj]) * h * kapC) * N[jj][0]
                Yr = Yr + h * aij * np.exp(-(ci - c[jj]) * h * kapR) * N[jj][1]
            Fi = s.f(t + ci * h, Yc, Yr)
            N.append((Fi[0] + kapC * Yc, Fi[1] + kapR * Yr))
            Ys.append((Yc, Yr))
        Cn, Rn = Ys[3]
        # embedded
        Ch = np.exp(-h * kapC) * C; Rh = np.exp(-h * kapR) * R
        for jj in range(4):
            Ch = Ch + h * bh[jj] * np.exp(-(1 - c[jj]) * h * kapC) * N[jj][0]
            Rh = Rh + h * bh[jj] * np.exp(-(1 - c[jj]) * h * kapR) * N[jj][1]
        err = max(np.max(np.abs(Cn - Ch)), np.max(np.abs(Rn - Rh)))
        if err <= tol:
            t = t + h; C = Cn; R = Rn
            s.set_row(K, t, C, R)
            K += 1; s.K = K
            nacc += 1
            if log and nacc % 50 == 0:
                print(f"t={t:.4g} h={h:.3g} e={s.E[K-1]:.6f} mu={s.MU[K-1]:.5f}", flush=True)
        else:
            nrej += 1
        h = h * min(4.0, max(0.2, 0.9 * (tol / max(err, 1e-300)) ** (1 / 3)))
    return nacc, nrej


def phi1(z):
    out = np.empty_like(z)
    small = np.abs(z) < 1e-5
    out[small] = 1 + z[small] / 2 + z[small] ** 2 / 6
    zs = z[~small]
    out[~small] = np.expm1(zs) / zs
    return out


def phi2(z):
    out = np.empty_like(z)
    small = np.abs(z) < 1e-3
    out[small] = 0.5 + z[small] / 6 + z[small] ** 2 / 24
    zs = z[~small]
    out[~small] = (np.expm1(zs) - zs) / zs ** 2
    return out


def etd2_step(s, K, t, C, R, h, kapC, kapR, FC=None, FR=None):
    # one ETD2RK step from the row stored at slot K-1 (t, C, R); stage rows use slot K
    if FC is None:
        s.K = K - 1
        FC, FR = s.f(t, C, R)
    aC = C + h * phi1(-h * kapC) * FC; aR = R + h * phi1(-h * kapR) * FR
    s.K = K
    GC, GR = s.f(t + h, aC, aR)
    dNC = GC - FC + kapC * (aC - C); dNR = GR - FR + kapR * (aR - R)
    return aC + h * phi2(-h * kapC) * dNC, aR + h * phi2(-h * kapR) * dNR, FC, FR


def run_etd2_dbl(s, tmax, tol, h0=1e-3, log=False, growth=2.0):
    """ETD2RK with step doubling: two half steps vs one full step, error = |diff|/3,
    the two-half-step result (Richardson-corrected) is kept."""
    K = s.K
    t = s.T[K - 1]; C = s.HC[K - 1].copy(); R = s.HR[K - 1].copy()
    h = h0; nacc = nrej = 0
    while t < tmax - 1e-12:
        h = min(h, tmax - t)
        mup = s.th * mu_at(s, s.th * t)
        kapC = s.MU[K - 1] + mup; kapR = s.MU[K - 1] - mup
        kapC[-1] = 0.0; kapR[-1] = 0.0
        C1, R1, FC, FR = etd2_step(s, K, t, C, R, h, kapC, kapR)
        Ch, Rh, _, _ = etd2_step(s, K, t, C, R, h / 2, kapC, kapR, FC, FR)
        # store the half-step row provisionally at slot K, second half from it
        s.set_row(K, t + h / 2, Ch, Rh)
        C2, R2, _, _ = etd2_step(s, K + 1, t + h / 2, Ch, Rh, h / 2, kapC, kapR)
        err = max(np.max(np.abs(C2 - C1)), np.max(np.abs(R2 - R1))) / 3
        if err <= tol:
            # keep the half-step row too (it is a valid row of the history)
            t = t + h
            C = C2 + (C2 - C1) / 3; R = R2 + (R2 - R1) / 3
            s.set_row(K + 1, t, C, R)
            K += 2; s.K = K
            nacc += 1
            if log and nacc % 25 == 0:
                print(f"t={t:.4g} h={h:.3g} e={s.E[K-1]:.6f} mu={s.MU[K-1]:.5f}", flush=True)
        else:
            nrej += 1
        s.K = K
        h = h * min(growth, max(0.2, 0.9 * (tol / max(err, 1e-300)) ** (1 / 3)))
    return nacc, nrej
