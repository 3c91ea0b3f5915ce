# Alternative ratio-node maps for the L-convergence experiment: geometric towards both ends
# (down to eps) with the middle spacing bounded (delta).
import numpy as np, math
import dmft_ratio

def make_grid_bounded(L, eps=1e-5, delta=0.05):
    th_f = np.linspace(0, 1, 200001)
    s = 1.0 / (1.0 / (th_f + eps) + 1.0 / (1 - th_f + eps) + 1.0 / delta)
    xi = np.concatenate([[0], np.cumsum(0.5 * (1 / s[1:] + 1 / s[:-1]) * np.diff(th_f))])
    C = xi[-1]; x_f = xi / C
    x = np.linspace(0, 1, L)
    th = np.interp(x, x_f, th_f)
    th[0], th[-1] = 0.0, 1.0
    sn = 1.0 / (1.0 / (th + eps) + 1.0 / (1 - th + eps) + 1.0 / delta)
    dth = C * sn
    h = 1.0 / (L - 1)
    g = np.ones(L); corr = np.array([3 / 8, 7 / 6, 23 / 24]); g[:3] = corr; g[-3:] = corr[::-1]
    return th, h * g * dth

if __name__ == "__main__":
    th, w = make_grid_bounded(64)
    print(th[:5], 1 - th[-5:], np.max(np.diff(th)), w.sum())
    th2, w2 = dmft_ratio.make_grid(64, 4.0)
    print(th2[:5], 1 - th2[-5:], np.max(np.diff(th2)), w2.sum())
