"""dynamic_ref.py: independent references for `otmpi dynamic` (numpy, h5py, POT), computed from the input files only.
usage:
  dynamic_ref.py quantile A.h5 B.h5             W2^2 between two 1-D densities by the quantile formula
  dynamic_ref.py gauss A.h5 B.h5                W2^2 of the Gaussians with the inputs' means and per-axis variances
  dynamic_ref.py sigma OUT.h5                   max over t of |std(rho_t) - ((1-t) std_0 + t std_1)| / std_t (per axis)
  dynamic_ref.py mean OUT.h5                    max over t of |mean(rho_t) - ((1-t) mean_0 + t mean_1)| (constant speed)
  dynamic_ref.py l1half OUT.h5 H.h5             L1 distance between rho(1/2) and the density in H.h5
  dynamic_ref.py mass OUT.h5                    max over t of |mass(rho_t) - 1|
  dynamic_ref.py growth OUT.h5 DELTA            WFR^2 of pure growth between the end frames (4 delta^2 sum (sqrt b - sqrt a)^2)
  dynamic_ref.py sinkhorn A.h5 B.h5 EPS         debiased Sinkhorn divergence (POT) between the pixel measures, cost |x-y|^2
"""
import sys

import h5py
import numpy as np


def load(path, name="/density"):
    with h5py.File(path, "r") as f:
        d = f[name]
        a = np.asarray(d[...], dtype=float)
        n = a.shape if name == "/density" else a.shape[1:]
        h = np.atleast_1d(d.attrs.get("spacing", np.full(len(n), 1.0 / max(n))))
        o = np.atleast_1d(d.attrs.get("origin", np.zeros(len(n))))
    return a, h, o


def centres(n, h, o):
    return [o[k] + (np.arange(n[k]) + 0.5) * h[k] for k in range(len(n))]


def moments(a, h, o):
    """mean and variance per axis of a density given by mass per cell"""
    x = centres(a.shape, h, o)
    m = a.sum()
    mean, var = [], []
    for k in range(a.ndim):
        sh = [1] * a.ndim
        sh[k] = a.shape[k]
        xk = x[k].reshape(sh)
        mu = (a * xk).sum() / m
        mean.append(mu)
        var.append((a * (xk - mu) ** 2).sum() / m)
    return np.array(mean), np.array(var)


def quantile_w2(a, b, h, o):
    """exact W2^2 of two piecewise-constant 1-D densities: integral over s of (F_a^-1(s) - F_b^-1(s))^2 on the merged
    breakpoints of both quantile functions (piecewise linear), each piece integrated exactly"""
    a = a / a.sum()
    b = b / b.sum()
    edges = o[0] + np.arange(len(a) + 1) * h[0]
    ca = np.concatenate([[0], np.cumsum(a)])
    cb = np.concatenate([[0], np.cumsum(b)])
    ca[-1] = cb[-1] = 1.0
    s = np.unique(np.concatenate([ca, cb]))

    def q(c, s):  # quantile function, right-continuous at flats (a flat CDF is a gap of no mass)
        i = np.clip(np.searchsorted(c, s, side="right") - 1, 0, len(c) - 2)
        w = c[i + 1] - c[i]
        t = np.where(w > 0, (s - c[i]) / np.where(w > 0, w, 1), 0)
        return edges[i] + t * (edges[i + 1] - edges[i])

    total = 0.0
    for lo, hi in zip(s[:-1], s[1:]):
        if hi <= lo:
            continue
        e = 1e-13 * (hi - lo)
        dl = q(ca, lo + e) - q(cb, lo + e)
        dr = q(ca, hi - e) - q(cb, hi - e)
        total += (dl * dl + dl * dr + dr * dr) / 3 * (hi - lo)
    return total


def frames_stats(path):
    r, h, o = load(path, "/rho")
    nt = r.shape[0] - 1
    t = np.arange(nt + 1) / nt
    st = [moments(r[k], h, o) for k in range(nt + 1)]
    return r, t, st


def main(argv):
    cmd = argv[1]
    if cmd == "quantile":
        a, h, o = load(argv[2])
        b, _, _ = load(argv[3])
        print(repr(quantile_w2(a, b, h, o)))
    elif cmd == "gauss":
        a, h, o = load(argv[2])
        b, _, _ = load(argv[3])
        ma, va = moments(a, h, o)
        mb, vb = moments(b, h, o)
        print(repr(float(((ma - mb) ** 2).sum() + ((np.sqrt(va) - np.sqrt(vb)) ** 2).sum())))
    elif cmd == "sigma":
        r, t, st = frames_stats(argv[2])
        s0, s1 = np.sqrt(st[0][1]), np.sqrt(st[-1][1])
        dev = max(np.max(np.abs(np.sqrt(st[k][1]) - ((1 - t[k]) * s0 + t[k] * s1)) / ((1 - t[k]) * s0 + t[k] * s1)) for k in range(len(t)))
        print(repr(float(dev)))
    elif cmd == "mean":
        r, t, st = frames_stats(argv[2])
        m0, m1 = st[0][0], st[-1][0]
        print(repr(float(max(np.max(np.abs(st[k][0] - ((1 - t[k]) * m0 + t[k] * m1))) for k in range(len(t))))))
    elif cmd == "l1half":
        r, _, _ = load(argv[2], "/rho")
        hh, _, _ = load(argv[3])
        print(repr(float(np.abs(r[(r.shape[0] - 1) // 2] - hh / hh.sum()).sum())))
    elif cmd == "mass":
        r, _, _ = load(argv[2], "/rho")
        print(repr(float(np.max(np.abs(r.reshape(r.shape[0], -1).sum(axis=1) - 1)))))
    elif cmd == "growth":
        r, h, _ = load(argv[2], "/rho")
        d = float(argv[3])
        print(repr(float(4 * d * d * ((np.sqrt(r[-1]) - np.sqrt(r[0])) ** 2).sum())))
    elif cmd == "sinkhorn":
        import ot

        a, h, o = load(argv[2])
        b, _, _ = load(argv[3])
        eps = float(argv[4])
        x = np.stack(np.meshgrid(*centres(a.shape, h, o), indexing="ij"), axis=-1).reshape(-1, a.ndim)
        M = ot.dist(x, x)  # squared Euclidean
        pa, pb = a.ravel() / a.sum(), b.ravel() / b.sum()

        def ot_eps(p, q):  # plain Sinkhorn: exp(-max M / eps) stays well above the double underflow for eps >= 0.005
            P = ot.sinkhorn(p, q, M, eps, numItermax=200000, stopThr=1e-11)
            ent = np.sum(P[P > 0] * (np.log(P[P > 0]) - np.log(np.outer(p, q)[P > 0])))
            return float(np.sum(P * M) + eps * ent)

        print(repr(ot_eps(pa, pb) - 0.5 * ot_eps(pa, pa) - 0.5 * ot_eps(pb, pb)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
