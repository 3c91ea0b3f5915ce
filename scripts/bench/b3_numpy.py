#!/usr/bin/env python3
"""B3 baseline: the network simulator's SGD step in plain numpy (float64, numpy's own BLAS).

Same problem as `dmft-bench b3` and `dmft simulate --model network` at the B3 sizes:
d = 200, m = 100, alpha = 0.3 (n = alpha m d = 6000), batch B = 100, eta = 0.1,
sigma = phi = sqrt(0.9) He1 + He3/6 (h = phi_hat = 0.9 q + q^3/6), tau = 0.6, a_i(0) = 1.
One step (as in Sources/DMFT/Simulation/NetworkSimulator.swift): take the next B samples of
a per-epoch random permutation (leftovers skipped), Z = X_B W^T, residual r = y_B - sigma(Z) a / m,
grad_a = -sigma(Z)^T r / (B m), grad_W = -(r a^T * sigma'(Z))^T X_B / (B m),
a -= eta grad_a, w_i <- normalise(w_i - eta (g_i - <g_i, w_i> w_i)).
Nothing is recorded: this is the bare loop. Prints realisation-steps/s, best of --repeat, for
the loop alone and for the whole realisation (data drawn + loop).

Usage: python3 scripts/bench/b3_numpy.py [--steps 6000] [--runs 1] [--repeat 3]
"""
import argparse
import time

import numpy as np

D, M, ALPHA, B, ETA, TAU = 200, 100, 0.3, 100, 0.1, 0.6
N = round(ALPHA * M * D)
C1, C3 = np.sqrt(0.9), 1.0 / 6.0  # sigma(z) = C1 z + C3 (z^3 - 3 z)


def sigma(z):
    # z * z * z, not z**3: numpy's float power takes a slow path for exponents other than 2
    # (measured: 270 µs against 8 µs on a 100 x 100 array).
    return C1 * z + C3 * (z * z * z - 3 * z)


def sigma_prime(z):
    return C1 + C3 * (3 * z * z - 3)


def realisation(seed, steps):
    """One realisation: data, then `steps` SGD steps. Returns (whole seconds, loop seconds)."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(D)
    u /= np.linalg.norm(u)
    W = rng.standard_normal((M, D))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    a = np.ones(M)
    X = rng.standard_normal((N, D))
    y = sigma(X @ u) + TAU * rng.standard_normal(N)
    perm, pos = rng.permutation(N), 0
    loop = time.perf_counter()
    for _ in range(steps):
        if pos + B > N:
            perm, pos = rng.permutation(N), 0
        idx = perm[pos:pos + B]
        pos += B
        xb, yb = X[idx], y[idx]
        z = xb @ W.T
        s = sigma(z)
        r = yb - s @ a / M
        grad_a = -(s.T @ r) / (B * M)
        g = (r[:, None] * a[None, :]) * sigma_prime(z)
        grad_w = -(g.T @ xb) / (B * M)
        a -= ETA * grad_a
        grow = 1 + ETA * np.sum(grad_w * W, axis=1)
        W = grow[:, None] * W - ETA * grad_w
        W /= np.linalg.norm(W, axis=1, keepdims=True)
    if not np.all(np.isfinite(W)):
        raise RuntimeError("diverged")
    end = time.perf_counter()
    return end - start, end - loop


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6000, help="SGD steps per realisation (default 6000: t = 20)")
    parser.add_argument("--runs", type=int, default=1, help="realisations, one after the other (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many (default 3)")
    args = parser.parse_args()
    best_whole = best_loop = float("inf")
    for _ in range(args.repeat):
        whole = loop = 0.0
        for r in range(args.runs):
            w, l = realisation(1000 + r, args.steps)
            whole, loop = whole + w, loop + l
        best_whole, best_loop = min(best_whole, whole), min(best_loop, loop)
    total = args.runs * args.steps
    print(f"numpy {np.__version__}, n = {N}, {args.runs} x {args.steps} steps, best of {args.repeat}")
    print(f"loop only:       {total / best_loop:8.0f} realisation-steps/s ({best_loop:.3f} s)")
    print(f"whole (+ data):  {total / best_whole:8.0f} realisation-steps/s ({best_whole:.3f} s)")


if __name__ == "__main__":
    main()
