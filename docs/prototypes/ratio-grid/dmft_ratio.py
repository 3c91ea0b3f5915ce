# Ratio-grid (theta = s/t) prototype for the symmetric DMFT of Montanari & Urbani
# (arXiv:2502.21269, section 3.2 as in docs/equations.md). Rows on fixed ratio nodes;
# d/dt A(t, th t) = d1 A + th d2 A, d2 from the exchanged (C) and adjoint (R) equations;
# R~_A by a row Volterra solve, C_A = -R_A (Sigma_C R_A^T) through E = Sigma_C R_A^T.
import numpy as np
from numba import njit
import math

P = 6    # ratio interpolation points
PT = 4   # time interpolation points
# two-time fields
CD, CO, RD, RO, SC, SR, RA, EL, EU, CA, MRD, MRO, MCD, MCO = range(14)
NF = 14
# one-time fields
OA, OV, ONU, OSRC, OLD, OLO, OET, OES = range(8)
NO = 8


def make_grid(L, A):
    x = np.linspace(0.0, 1.0, L)
    th = 0.5 * (1 + np.tanh(A * (2 * x - 1)) / math.tanh(A))
    dth = A * (1 - np.tanh(A * (2 * x - 1)) ** 2) / math.tanh(A)
    th[0], th[-1] = 0.0, 1.0
    h = 1.0 / (L - 1)
    g = np.ones(L)
    corr = np.array([3 / 8, 7 / 6, 23 / 24])
    g[:3] = corr
    g[-3:] = corr[::-1]
    return th, h * g * dth


@njit(cache=True)
def bracket(x, arr, n):
    if x <= arr[0]:
        return 0
    if x >= arr[n - 1]:
        return n - 2
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if arr[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def ratio_stencil(th, L, r, w):
    i = bracket(r, th, L)
    start = min(max(i - P // 2 + 1, 0), L - P)
    for a in range(P):
        wa = 1.0
        for b in range(P):
            if b != a:
                wa *= (r - th[start + b]) / (th[start + a] - th[start + b])
        w[a] = wa
    return start


@njit(cache=True)
def build_stencils(th, L):
    S1s = np.zeros((L, L), np.int64); S1w = np.zeros((L, L, P))
    S2s = np.zeros((L, L), np.int64); S2w = np.zeros((L, L, P))
    S3s = np.zeros((L, L), np.int64); S3w = np.zeros((L, L, P))
    w = np.zeros(P)
    for j in range(L):
        for k in range(L):
            S1s[j, k] = ratio_stencil(th, L, th[j] * th[k], w); S1w[j, k] = w
            sig = th[j] + (1 - th[j]) * th[k]
            S2s[j, k] = ratio_stencil(th, L, sig, w); S2w[j, k] = w
            r3 = th[j] / sig if sig > 0 else 1.0
            S3s[j, k] = ratio_stencil(th, L, r3, w); S3w[j, k] = w
    return S1s, S1w, S2s, S2w, S3s, S3w


@njit(cache=True)
def time_stencil(T, K, tau, w):
    # The newest row (an implicit stage, possibly very close to the one before) enters
    # only the interpolation in the last interval.
    if K > PT and tau <= T[K - 2]:
        K -= 1
    n = PT if K >= PT else K
    if n == 1:
        w[0] = 1.0
        return 0, 1
    i = bracket(tau, T, K)
    start = min(max(i - n // 2 + 1, 0), K - n)
    for a in range(n):
        wa = 1.0
        for b in range(n):
            if b != a:
                wa *= (tau - T[start + b]) / (T[start + a] - T[start + b])
        w[a] = wa
    return start, n


@njit(cache=True)
def at_node(H, f, ts, tw, tn, k):
    v = 0.0
    for a in range(tn):
        v += tw[a] * H[f, ts + a, k]
    return v


@njit(cache=True)
def at_ratio(H, f, ts, tw, tn, rs, rw):
    v = 0.0
    for a in range(tn):
        row = ts + a
        acc = 0.0
        for b in range(P):
            acc += rw[b] * H[f, row, rs + b]
        v += tw[a] * acc
    return v


@njit(cache=True)
def cur(H, f, c, rs, rw):
    acc = 0.0
    for b in range(P):
        acc += rw[b] * H[f, c, rs + b]
    return acc


@njit(cache=True)
def poly(cf, x, d):
    # d-th derivative of sum cf[k] x^k
    v = 0.0
    for k in range(d, len(cf)):
        fac = 1.0
        for i in range(d):
            fac *= (k - i)
        v += cf[k] * fac * x ** (k - d)
    return v


@njit(cache=True)
def one_time_at(O, T, K, tau, out):
    tw = np.zeros(PT)
    ts, tn = time_stencil(T, K, tau, tw)
    for g in range(NO):
        v = 0.0
        for a in range(tn):
            v += tw[a] * O[g, ts + a]
        out[g] = v


@njit(cache=True)
def stage_a(H, O, T, K, th, L, m, alpha, NS, hc, bc, As, Vs):
    """Sigma_C, Sigma_R on the current row (slot K-1); a(s), v(s) at the nodes."""
    c = K - 1
    t = T[c]
    p = 1.0 / m; q = 1.0 - p
    a = O[OA, c]; v = O[OV, c]
    aphi = a * poly(bc, v, 0)
    tmp = np.zeros(NO)
    for j in range(L):
        one_time_at(O, T, K, th[j] * t, tmp)
        As[j] = tmp[OA]; Vs[j] = tmp[OV]
        cd = H[CD, c, j]; co = H[CO, c, j]
        H[SC, c, j] = NS - aphi - As[j] * poly(bc, Vs[j], 0) + a * As[j] * (p * poly(hc, cd, 0) + q * poly(hc, co, 0))
        H[SR, c, j] = a * As[j] * (p * poly(hc, cd, 1) * H[RD, c, j] + q * poly(hc, co, 1) * H[RO, c, j])


@njit(cache=True)
def ra_matrix(H, T, K, th, w, L, S2s, S2w, S3s, S3w, Amat):
    c = K - 1
    t = T[c]
    tw = np.zeros(PT)
    for j in range(L):
        for i in range(L):
            Amat[j, i] = 0.0
        Amat[j, j] = 1.0
        s = th[j] * t
        lag = t - s
        if lag <= 0.0:
            continue
        for k in range(L):
            u = s + lag * th[k]
            ts, tn = time_stencil(T, K, u, tw)
            sr = at_ratio(H, SR, ts, tw, tn, S3s[j, k], S3w[j, k])
            g = lag * w[k] * sr
            st = S2s[j, k]
            for b in range(P):
                Amat[j, st + b] += g * S2w[j, k, b]


@njit(cache=True)
def stage_c(H, T, K, th, w, L, S1s, S1w, S2s, S2w, S3s, S3w):
    """E = Sigma_C R_A^T on the current row, both orders: EL(j) = E(t, t'), EU(j) = E(t', t)."""
    c = K - 1
    t = T[c]
    tw = np.zeros(PT); tw2 = np.zeros(PT)
    for j in range(L):
        tp = th[j] * t
        lag = t - tp
        el = H[SC, c, j]
        eu = H[SC, c, j]
        ts, tn = time_stencil(T, K, tp, tw)
        for k in range(L):
            if tp > 0.0:
                # EL: int_0^t' SigC(t, t' phi) RA(t', t' phi)
                el += tp * w[k] * cur(H, SC, c, S1s[j, k], S1w[j, k]) * at_node(H, RA, ts, tw, tn, k)
                # EU, [0,t']: SigC(t', t' phi) RA(t, t' phi)
                eu += tp * w[k] * at_node(H, SC, ts, tw, tn, k) * cur(H, RA, c, S1s[j, k], S1w[j, k])
            if lag > 0.0:
                u = tp + lag * th[k]
                ts2, tn2 = time_stencil(T, K, u, tw2)
                eu += lag * w[k] * at_ratio(H, SC, ts2, tw2, tn2, S3s[j, k], S3w[j, k]) * cur(H, RA, c, S2s[j, k], S2w[j, k])
        H[EL, c, j] = el
        H[EU, c, j] = eu


@njit(cache=True)
def stage_d(H, O, T, K, th, w, L, m, alpha, hc, S1s, S1w, S2s, S2w, S3s, S3w, As):
    """C_A = -E - R~_A E on the current row; memory kernels (without the delta part)."""
    c = K - 1
    t = T[c]
    a = O[OA, c]
    tw = np.zeros(PT); tw2 = np.zeros(PT)
    for j in range(L):
        tp = th[j] * t
        lag = t - tp
        ca = -H[EL, c, j]
        ts, tn = time_stencil(T, K, tp, tw)
        for k in range(L):
            if tp > 0.0:
                ca -= tp * w[k] * cur(H, RA, c, S1s[j, k], S1w[j, k]) * at_node(H, EU, ts, tw, tn, k)
            if lag > 0.0:
                u = tp + lag * th[k]
                ts2, tn2 = time_stencil(T, K, u, tw2)
                ca -= lag * w[k] * cur(H, RA, c, S2s[j, k], S2w[j, k]) * at_ratio(H, EL, ts2, tw2, tn2, S3s[j, k], S3w[j, k])
        H[CA, c, j] = ca
    for j in range(L):
        aa = alpha * a * As[j]
        cd = H[CD, c, j]; co = H[CO, c, j]
        ra = H[RA, c, j]; ca = H[CA, c, j]
        H[MRD, c, j] = aa * (ra * poly(hc, cd, 1) + ca * poly(hc, cd, 2) * H[RD, c, j])
        H[MRO, c, j] = aa * (ra * poly(hc, co, 1) + ca * poly(hc, co, 2) * H[RO, c, j])
        H[MCD, c, j] = aa * ca * poly(hc, cd, 1)
        H[MCO, c, j] = aa * ca * poly(hc, co, 1)


@njit(cache=True)
def stage_f(H, O, T, K, th, w, L, m, alpha, NS, hc, bc, As, Vs, train_a):
    """One-time right-hand sides; stores nu, src, Lambda, errors in O[:, K-1]. Returns (da, dv)."""
    c = K - 1
    t = T[c]
    p = 1.0 / m; q = 1.0 - p
    a = O[OA, c]; v = O[OV, c]
    cott = H[CO, c, L - 1]
    lam_d = alpha * a * a * poly(hc, 1.0, 1)
    lam_o = alpha * a * a * poly(hc, cott, 1)
    int_ra = 1.0; drift_r = a * (p * poly(hc, 1.0, 0) + q * poly(hc, cott, 0)); drift_c = 0.0
    nu_mem = p * lam_d + q * lam_o * cott
    v_mem = (p * lam_d + q * lam_o) * v
    for k in range(L):
        wk = t * w[k]
        cd = H[CD, c, k]; co = H[CO, c, k]; rd = H[RD, c, k]; ro = H[RO, c, k]
        int_ra += wk * H[RA, c, k]
        drift_r += wk * H[RA, c, k] * As[k] * (p * poly(hc, cd, 0) + q * poly(hc, co, 0))
        drift_c += wk * H[CA, c, k] * As[k] * (p * poly(hc, cd, 1) * rd + q * poly(hc, co, 1) * ro)
        nu_mem += wk * (p * H[MRD, c, k] * cd + q * H[MRO, c, k] * co + p * H[MCD, c, k] * rd + q * H[MCO, c, k] * ro)
        v_mem += wk * (p * H[MRD, c, k] + q * H[MRO, c, k]) * Vs[k]
    src = alpha * a * poly(bc, v, 1) * int_ra
    nu = src * v - nu_mem
    da = alpha * poly(bc, v, 0) * int_ra - alpha * drift_r - alpha * drift_c
    if not train_a:
        da = 0.0
    dv = -nu * v + src - v_mem
    O[ONU, c] = nu; O[OSRC, c] = src; O[OLD, c] = lam_d; O[OLO, c] = lam_o
    O[OET, c] = -0.5 * H[CA, c, L - 1]
    O[OES, c] = 0.5 * (NS - 2 * a * poly(bc, v, 0) + a * a * (p * poly(hc, 1.0, 0) + q * poly(hc, cott, 0)))
    return da, dv


@njit(cache=True)
def prod(ad, ao, bd, bo, p, q, m):
    return p * ad * bd + q * ao * bo, p * (ad * bo + ao * bd + (m - 2) * ao * bo)


@njit(cache=True)
def stage_g(H, O, T, K, th, w, L, m, S1s, S1w, S2s, S2w, S3s, S3w, d1, d2, onep):
    """Two-time first- and second-time derivatives at the nodes: d1[f, j], d2[f, j] for
    f = 0..3 (Cd, Co, Rd, Ro); onep[j, :] = one-time values at t' = th_j t."""
    c = K - 1
    t = T[c]
    p = 1.0 / m; q = 1.0 - p
    nu = O[ONU, c]; src = O[OSRC, c]; ld = O[OLD, c]; lo = O[OLO, c]; v = O[OV, c]
    tw = np.zeros(PT); tw2 = np.zeros(PT); tmp = np.zeros(NO)
    for j in range(L):
        tp = th[j] * t
        lag = t - tp
        one_time_at(O, T, K, tp, tmp)
        for g in range(NO):
            onep[j, g] = tmp[g]
        nup = tmp[ONU]; srcp = tmp[OSRC]; ldp = tmp[OLD]; lop = tmp[OLO]; vp = tmp[OV]
        cd = H[CD, c, j]; co = H[CO, c, j]; rd = H[RD, c, j]; ro = H[RO, c, j]
        i1d = i1o = i2d = i2o = i3d = i3o = 0.0
        j1d = j1o = j2d = j2o = j3d = j3o = 0.0
        k1d = k1o = k2d = k2o = 0.0
        ts, tn = time_stencil(T, K, tp, tw)
        for k in range(L):
            if tp > 0.0:
                wk = tp * w[k]
                s1s = S1s[j, k]; s1w = S1w[j, k]
                mrd = cur(H, MRD, c, s1s, s1w); mro = cur(H, MRO, c, s1s, s1w)
                mcd = cur(H, MCD, c, s1s, s1w); mco = cur(H, MCO, c, s1s, s1w)
                ccd = cur(H, CD, c, s1s, s1w); cco = cur(H, CO, c, s1s, s1w)
                crd = cur(H, RD, c, s1s, s1w); cro = cur(H, RO, c, s1s, s1w)
                pcd = at_node(H, CD, ts, tw, tn, k); pco = at_node(H, CO, ts, tw, tn, k)
                prd = at_node(H, RD, ts, tw, tn, k); pro = at_node(H, RO, ts, tw, tn, k)
                pmrd = at_node(H, MRD, ts, tw, tn, k); pmro = at_node(H, MRO, ts, tw, tn, k)
                pmcd = at_node(H, MCD, ts, tw, tn, k); pmco = at_node(H, MCO, ts, tw, tn, k)
                x, y = prod(mrd, mro, pcd, pco, p, q, m); i1d += wk * x; i1o += wk * y
                x, y = prod(mcd, mco, prd, pro, p, q, m); i3d += wk * x; i3o += wk * y
                x, y = prod(pmrd, pmro, ccd, cco, p, q, m); j1d += wk * x; j1o += wk * y
                x, y = prod(pmcd, pmco, crd, cro, p, q, m); j2d += wk * x; j2o += wk * y
            if lag > 0.0:
                wk = lag * w[k]
                u = tp + lag * th[k]
                ts2, tn2 = time_stencil(T, K, u, tw2)
                s2s = S2s[j, k]; s2w = S2w[j, k]; s3s = S3s[j, k]; s3w = S3w[j, k]
                mrd = cur(H, MRD, c, s2s, s2w); mro = cur(H, MRO, c, s2s, s2w)
                crd = cur(H, RD, c, s2s, s2w); cro = cur(H, RO, c, s2s, s2w)
                ucd = at_ratio(H, CD, ts2, tw2, tn2, s3s, s3w); uco = at_ratio(H, CO, ts2, tw2, tn2, s3s, s3w)
                urd = at_ratio(H, RD, ts2, tw2, tn2, s3s, s3w); uro = at_ratio(H, RO, ts2, tw2, tn2, s3s, s3w)
                umrd = at_ratio(H, MRD, ts2, tw2, tn2, s3s, s3w); umro = at_ratio(H, MRO, ts2, tw2, tn2, s3s, s3w)
                umcd = at_ratio(H, MCD, ts2, tw2, tn2, s3s, s3w); umco = at_ratio(H, MCO, ts2, tw2, tn2, s3s, s3w)
                x, y = prod(mrd, mro, ucd, uco, p, q, m); i2d += wk * x; i2o += wk * y
                x, y = prod(umcd, umco, crd, cro, p, q, m); j3d += wk * x; j3o += wk * y
                x, y = prod(mrd, mro, urd, uro, p, q, m); k1d += wk * x; k1o += wk * y
                x, y = prod(crd, cro, umrd, umro, p, q, m); k2d += wk * x; k2o += wk * y
        lcd, lco = prod(ld, lo, cd, co, p, q, m)
        lrd, lro = prod(ld, lo, rd, ro, p, q, m)
        lcdp, lcop = prod(ldp, lop, cd, co, p, q, m)
        lrdp, lrop = prod(ldp, lop, rd, ro, p, q, m)
        d1[0, j] = -nu * cd + src * vp - (i1d + i2d + lcd) - i3d
        d1[1, j] = -nu * co + src * vp - (i1o + i2o + lco) - i3o
        d1[2, j] = -nu * rd - k1d - lrd
        d1[3, j] = -nu * ro - k1o - lro
        d2[0, j] = -nup * cd + srcp * v - (j1d + lcdp) - j2d - j3d
        d2[1, j] = -nup * co + srcp * v - (j1o + lcop) - j2o - j3o
        d2[2, j] = nup * rd + k2d + lrdp
        d2[3, j] = nup * ro + k2o + lrop


class Problem:
    def __init__(self, m, alpha, tau, hc, bc=None, phinorm2=None, a0=1.0, train_a=True):
        self.m = float(m); self.alpha = alpha
        self.hc = np.array([0.0] + list(hc))
        self.bc = np.array([0.0] + list(bc)) if bc is not None else np.zeros(2)
        if phinorm2 is None:
            phinorm2 = sum(b * b / h for b, h in zip(self.bc[1:], self.hc[1:]) if b != 0)
        self.NS = tau * tau + phinorm2
        self.a0 = a0; self.train_a = train_a


class Solver:
    def __init__(self, prob, L, A, kmax=4000):
        self.pr = prob
        self.th, self.w = make_grid(L, A)
        self.L = L
        self.st = build_stencils(self.th, L)
        self.H = np.zeros((NF, kmax, L)); self.O = np.zeros((NO, kmax)); self.T = np.zeros(kmax)
        self.As = np.zeros(L); self.Vs = np.zeros(L)
        self.d1 = np.zeros((4, L)); self.d2 = np.zeros((4, L)); self.onep = np.zeros((L, NO))
        self.Amat = np.zeros((L, L))
        y0 = np.zeros(4 * L + 2)
        y0[0:L] = 1.0; y0[2 * L:3 * L] = 1.0; y0[4 * L] = prob.a0
        self.K = 0
        self.derivative(0.0, y0, 0)
        self.K = 1

    def derivative(self, t, y, slot):
        """Writes (t, y) as row `slot` (the newest) with all derived fields; returns dy/dt in
        the ratio frame as (d1 + th d2) for the two-time parts, plus (da, dv)."""
        pr = self.pr; L = self.L; H = self.H; O = self.O; th = self.th; w = self.w
        S1s, S1w, S2s, S2w, S3s, S3w = self.st
        K = slot + 1
        self.T[slot] = t
        for f in range(4):
            H[f, slot] = y[f * L:(f + 1) * L]
        O[OA, slot] = y[4 * L]; O[OV, slot] = y[4 * L + 1]
        stage_a(H, O, self.T, K, th, L, pr.m, pr.alpha, pr.NS, pr.hc, pr.bc, self.As, self.Vs)
        ra_matrix(H, self.T, K, th, w, L, S2s, S2w, S3s, S3w, self.Amat)
        H[RA, slot] = np.linalg.solve(self.Amat, -H[SR, slot])
        stage_c(H, self.T, K, th, w, L, S1s, S1w, S2s, S2w, S3s, S3w)
        stage_d(H, O, self.T, K, th, w, L, pr.m, pr.alpha, pr.hc, S1s, S1w, S2s, S2w, S3s, S3w, self.As)
        da, dv = stage_f(H, O, self.T, K, th, w, L, pr.m, pr.alpha, pr.NS, pr.hc, pr.bc, self.As, self.Vs, pr.train_a)
        stage_g(H, O, self.T, K, th, w, L, pr.m, S1s, S1w, S2s, S2w, S3s, S3w, self.d1, self.d2, self.onep)
        dy = np.zeros_like(y)
        for f in range(4):
            dy[f * L:(f + 1) * L] = self.d1[f] + th * self.d2[f]
        # boundary node th = 1: C_d = 1, R_d = 1, R_o = 0 fixed; C_o(t,t) at twice d1
        dy[L - 1] = 0.0
        dy[2 * L - 1] = 2 * self.d1[1, L - 1]
        dy[3 * L - 1] = 0.0; dy[4 * L - 1] = 0.0
        dy[4 * L] = da; dy[4 * L + 1] = dv
        return dy

    def state(self, slot):
        L = self.L
        y = np.zeros(4 * L + 2)
        for f in range(4):
            y[f * L:(f + 1) * L] = self.H[f, slot]
        y[4 * L] = self.O[OA, slot]; y[4 * L + 1] = self.O[OV, slot]
        return y

    def observables(self, slot):
        O = self.O; H = self.H; L = self.L
        return dict(t=self.T[slot], e_train=O[OET, slot], e_test=O[OES, slot], a=O[OA, slot],
                    v=O[OV, slot], Cd0=H[CD, slot, 0], Cott=H[CO, slot, L - 1], nu=O[ONU, slot])

    def run_bs3(self, tmax, tol, h0=1e-3, log=0, out=None):
        K = self.K
        t = self.T[K - 1]; y = self.state(K - 1)
        h = h0; nacc = nrej = 0
        k1 = self.derivative(t, y, K - 1)
        while t < tmax - 1e-12:
            h = min(h, tmax - t)
            k2 = self.derivative(t + 0.5 * h, y + 0.5 * h * k1, K)
            k3 = self.derivative(t + 0.75 * h, y + 0.75 * h * k2, K)
            yn = y + h * (2 / 9 * k1 + 1 / 3 * k2 + 4 / 9 * k3)
            k4 = self.derivative(t + h, yn, K)
            err = h * np.max(np.abs(-5 / 72 * k1 + 1 / 12 * k2 + 1 / 9 * k3 - 1 / 8 * k4))
            if err <= tol:
                t += h; y = yn; k1 = k4
                K += 1; self.K = K
                nacc += 1
                if out is not None:
                    out.append(self.observables(K - 1))
                if log and nacc % log == 0:
                    o = self.observables(K - 1)
                    print(f"t={t:.4g} h={h:.3g} etr={o['e_train']:.6f} ets={o['e_test']:.6f} a={o['a']:.5f} v={o['v']:.5f}", flush=True)
            else:
                nrej += 1
            h *= min(4.0, max(0.2, 0.9 * (tol / max(err, 1e-300)) ** (1 / 3)))
        return nacc, nrej


def phi1(z):
    z = np.asarray(z, float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-5
    out[small] = 1 + z[small] / 2 + z[small] ** 2 / 6
    out[~small] = np.expm1(z[~small]) / z[~small]
    return out


def phi2(z):
    z = np.asarray(z, float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-3
    out[small] = 0.5 + z[small] / 6 + z[small] ** 2 / 24
    out[~small] = (np.expm1(z[~small]) - z[~small]) / z[~small] ** 2
    return out


class ModeRates:
    """The closed-form local rates of the ratio-frame equations at the start of a step, in
    the mean (+) and relative (-) modes; applies phi-functions to a state-shaped vector."""

    def __init__(self, s, slot):
        L = s.L; m = s.pr.m; th = s.th; O = s.O
        nu = O[ONU, slot]; ld = O[OLD, slot]; lo = O[OLO, slot]
        nup = s.onep[:, ONU]; ldp = s.onep[:, OLD]; lop = s.onep[:, OLO]
        lp, lm = ld + (m - 1) * lo, ld - lo
        lpp, lmp = ldp + (m - 1) * lop, ldp - lop
        self.kC = (nu + th * nup + (lp + th * lpp) / m, nu + th * nup + (lm + th * lmp) / m)
        self.kR = (nu - th * nup + (lp - th * lpp) / m, nu - th * nup + (lm - th * lmp) / m)
        p = 1 / m; q = 1 - p
        self.kCott = 2 * (nu + p * (ld + (m - 2) * lo))
        self.kv = nu + p * ld + q * lo
        self.L = L; self.m = m

    def apply(self, fn, h, y):
        """fn(-h kappa) * y componentwise in the mode basis."""
        L = self.L; m = self.m
        out = np.empty_like(y)
        for base, (kp, km) in ((0, self.kC), (2 * L, self.kR)):
            yd = y[base:base + L]; yo = y[base + L:base + 2 * L]
            yp = fn(-h * kp) * (yd + (m - 1) * yo)
            ym = fn(-h * km) * (yd - yo)
            out[base:base + L] = (yp + (m - 1) * ym) / m
            out[base + L:base + 2 * L] = (yp - ym) / m
        # boundary node th = 1: C_o(t,t) scalar rate; the fixed ones carry zero derivative
        out[2 * L - 1] = fn(np.array([-h * self.kCott]))[0] * y[2 * L - 1]
        f0 = fn(np.array([0.0]))[0]  # components without a local rate
        out[L - 1] = f0 * y[L - 1]; out[3 * L - 1] = f0 * y[3 * L - 1]; out[4 * L - 1] = f0 * y[4 * L - 1]
        out[4 * L] = f0 * y[4 * L]
        out[4 * L + 1] = fn(np.array([-h * self.kv]))[0] * y[4 * L + 1]
        return out

    def times(self, y):
        """kappa * y (the linear part removed from the forcing)."""
        ones = lambda z: -z  # fn(-h k) with h = 1 gives k
        return self.apply(ones, 1.0, y)


def etd2_step(s, slot, t, y, F, h, rates):
    """ETD2RK (Cox-Matthews): a = y + h phi1 F; y+ = a + h phi2 (F(a) - F + kappa (a - y))."""
    a = y + h * rates.apply(phi1, h, F)
    Fa = s.derivative(t + h, a, slot + 1)
    return a + h * rates.apply(phi2, h, Fa - F + rates.times(a - y))


def run_etd2(s, tmax, tol, h0=1e-3, log=0, out=None, growth=2.0):
    """ETD2RK with step doubling (error |two halves - one step|/3, Richardson-corrected
    result kept); the half-step row is kept in the history too."""
    K = s.K
    t = s.T[K - 1]; y = s.state(K - 1)
    h = h0; nacc = nrej = 0
    while t < tmax - 1e-12:
        h = min(h, tmax - t)
        F = s.derivative(t, y, K - 1)
        rates = ModeRates(s, K - 1)
        y1 = etd2_step(s, K - 1, t, y, F, h, rates)
        yh = etd2_step(s, K - 1, t, y, F, h / 2, rates)
        Fh = s.derivative(t + h / 2, yh, K)
        y2 = etd2_step(s, K, t + h / 2, yh, Fh, h / 2, rates)
        err = np.max(np.abs(y2 - y1)) / 3
        if err <= tol:
            t += h
            y = y2 + (y2 - y1) / 3
            s.derivative(t, y, K + 1)
            K += 2; s.K = K
            nacc += 1
            if out is not None:
                out.append(s.observables(K - 1))
            if log and nacc % log == 0:
                o = s.observables(K - 1)
                i = int(np.argmax(np.abs(y2 - y1))); L = s.L
                where = ("a/v", i - 4 * L) if i >= 4 * L else (["Cd", "Co", "Rd", "Ro"][i // L], round(float(s.th[i % L]), 6))
                print(f"t={t:.4g} h={h:.3g} etr={o['e_train']:.6f} ets={o['e_test']:.6f} a={o['a']:.5f} v={o['v']:.5f} worst={where}", flush=True)
        else:
            nrej += 1
        s.K = K
        h *= min(growth, max(0.2, 0.9 * (tol / max(err, 1e-300)) ** (1 / 3)))
    return nacc, nrej
