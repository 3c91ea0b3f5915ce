# Uniform forward-Euler reference for the zero-temperature CK equations of the spherical
# p-spin (same scheme as the project's SphericalSpinGlassFlow), xi(q) = c2 * q^k.
import numpy as np
from numba import njit


@njit(cache=True)
def ck_euler(N, eta, c2, k):
    C = np.zeros((N + 1, N + 1))
    R = np.zeros((N + 1, N + 1))
    mu = np.zeros(N + 1)
    en = np.zeros(N + 1)
    C[0, 0] = 1.0
    for i in range(N + 1):
        # kernels on row i
        sig = np.zeros(i + 1)
        dk = np.zeros(i + 1)
        m = 0.0
        e = 0.0
        for s in range(i):
            c = C[i, s]
            x1 = c2 * k * c ** (k - 1)
            x2 = c2 * k * (k - 1) * c ** (k - 2)
            sig[s] = x2 * R[i, s]
            dk[s] = x1
            m += eta * (x2 * c + x1) * R[i, s]
            e -= eta * x1 * R[i, s]
        dk[i] = c2 * k
        mu[i] = m
        en[i] = e
        if i == N:
            break
        for l in range(i + 1):
            # dC(i,l)
            acc = -m * C[i, l]
            for s in range(i):
                cs = C[s, l] if s >= l else C[l, s]
                acc += eta * sig[s] * cs
            for s in range(l):
                acc += eta * dk[s] * R[l, s]
            C[i + 1, l] = C[i, l] + eta * acc
            accr = -m * R[i, l]
            for s in range(l, i):
                accr += eta * sig[s] * R[s, l]
            R[i + 1, l] = R[i, l] + eta * accr
        R[i + 1, i] += 1.0
        C[i + 1, i + 1] = 1.0
    return mu, en, C, R


if __name__ == "__main__":
    import sys, time
    T = float(sys.argv[1])
    for N in (int(sys.argv[2]), 2 * int(sys.argv[2])):
        t0 = time.time()
        mu, en, C, R = ck_euler(N, T / N, 0.5, 3)
        print(N, time.time() - t0, en[-1], mu[-1], C[N, 0])
