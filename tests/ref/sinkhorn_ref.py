"""sinkhorn_ref.py: independent references for `otmpi sinkhorn` (numpy, h5py, POT 0.8.2): inputs with known answers,
closed forms, POT runs on the same grids, comparisons. Prints `ok NAME` / `FAIL NAME: why` lines like the shell tests.

usage: sinkhorn_ref.py COMMAND ARGS
  translation N T0 T1         a.h5 (a smooth blob inside the grid) and b.h5 = a shifted by (T0, T1) cells; prints |t|^2
  gauss1d                     g1a.h5, g1b.h5 on [-1, 2] (2001 cells); prints nothing
  gauss2d                     g2a.h5, g2b.h5 (separable Gaussians); prints nothing
  janati DIM EPS OUT.h5       compares entropic_cost of OUT.h5 with the closed form (Janati et al. 2020)
  dirac                       da.h5, db.h5: one cell each, far apart on 32x32; prints |x - y|^2
  random N0 N1 MA MB SEED     ra.h5, rb.h5: positive random densities with masses MA, MB
  pot EPS OUT.h5 [RHO]        POT (sinkhorn_log / sinkhorn_unbalanced) on ra.h5, rb.h5 vs OUT.h5: cost, objective, potentials
  same A.h5 B.h5 RTOL NAME    same attributes and potentials in two outputs (rank invariance)
  mapshift A.h5 B.h5 T0 T1    the maps of OT(a, b) and OT(a, a) differ by the shift t on the support of a
"""
import sys
import numpy as np
import h5py
from otref import ok, fail, write, read

RTOL_POT = 1e-8


def coords(shape, h, o):
    axes = [o[k] + (np.arange(shape[k]) + 0.5) * h[k] for k in range(len(shape))]
    return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)


def translation(n, t0, t1):
    rng = np.random.default_rng(7)
    x = (np.arange(n) + 0.5) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    # a smooth, asymmetric blob (sum of Gaussians) cut to a disc well inside the grid
    a = np.zeros((n, n))
    for _ in range(5):
        c = 0.4 + 0.2 * rng.random(2)
        s = 0.04 + 0.04 * rng.random()
        a += rng.random() * np.exp(-((X - c[0]) ** 2 + (Y - c[1]) ** 2) / (2 * s * s))
    a[(X - 0.5) ** 2 + (Y - 0.5) ** 2 > 0.2 ** 2] = 0
    b = np.zeros_like(a)
    b[t0:, t1:] = a[: n - t0, : n - t1]
    write("a.h5", a)
    write("b.h5", b)
    print(repr((t0 * t0 + t1 * t1) / float(n * n)))


def gauss(x, m, s):
    return np.exp(-((x - m) ** 2) / (2 * s * s))


def gauss1d():
    n, lo, hi = 2001, -1.0, 2.0
    h = (hi - lo) / n
    x = lo + (np.arange(n) + 0.5) * h
    write("g1a.h5", gauss(x, 0.3, 0.05), [h], [lo])
    write("g1b.h5", gauss(x, 0.7, 0.08), [h], [lo])


G2 = dict(n=(200, 160), lo=(-0.5, -0.3), h=0.01, ma=(0.3, 0.5), sa=(0.05, 0.07), mb=(0.7, 0.4), sb=(0.08, 0.06))


def gauss2d():
    n, lo, h = G2["n"], G2["lo"], G2["h"]
    x = [lo[k] + (np.arange(n[k]) + 0.5) * h for k in range(2)]
    a = np.outer(gauss(x[0], G2["ma"][0], G2["sa"][0]), gauss(x[1], G2["ma"][1], G2["sa"][1]))
    b = np.outer(gauss(x[0], G2["mb"][0], G2["sb"][0]), gauss(x[1], G2["mb"][1], G2["sb"][1]))
    write("g2a.h5", a, [h, h], lo)
    write("g2b.h5", b, [h, h], lo)


def janati_1d(ma, sa, mb, sb, eps):
    """entropic OT (product reference) between N(ma, sa^2) and N(mb, sb^2), cost |x-y|^2, eps = 2 sigma^2"""
    s2 = eps / 2
    A, B = sa * sa, sb * sb
    D = np.sqrt(4 * A * B + s2 * s2)
    return (ma - mb) ** 2 + A + B - D + s2 * (1 - np.log(2 * s2)) + s2 * np.log(D + s2)


def janati(dim, eps, out):
    with h5py.File(out, "r") as f:
        got = float(f.attrs["entropic_cost"])
    if dim == 1:
        want = janati_1d(0.3, 0.05, 0.7, 0.08, eps)
    else:
        want = sum(janati_1d(G2["ma"][k], G2["sa"][k], G2["mb"][k], G2["sb"][k], eps) for k in range(2))
    name = "Janati closed form %dd eps %g" % (dim, eps)
    rel = abs(got - want) / abs(want)
    (ok if rel <= 1e-8 else lambda n: fail(n, "got %.15g want %.15g rel %.2e" % (got, want, rel)))(name + " (%.15g vs %.15g, rel %.1e)" % (got, want, rel))


def dirac():
    a = np.zeros((32, 32))
    b = np.zeros((32, 32))
    a[2, 3] = 1
    b[28, 25] = 1
    write("da.h5", a)
    write("db.h5", b)
    print(repr(((28 - 2) ** 2 + (25 - 3) ** 2) / 32.0 ** 2))


def random(n0, n1, ma, mb, seed):
    rng = np.random.default_rng(seed)
    a = 0.2 + rng.random((n0, n1))
    b = 0.2 + rng.random((n0, n1)) ** 2
    write("ra.h5", a * ma / a.sum())
    write("rb.h5", b * mb / b.sum())


def kl(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])) - p.sum() + q.sum())


def pot(eps, out, rho=None):
    import ot

    a, h, o = read("ra.h5")
    b, _, _ = read("rb.h5")
    X = coords(a.shape, h, o)
    M = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    av, bv = a.ravel(), b.ravel()
    if rho is None:
        av, bv = av / av.sum(), bv / bv.sum()
        P, log = ot.sinkhorn(av, bv, M, eps, method="sinkhorn_log", numItermax=200000, stopThr=1e-15, log=True)
        f = eps * log["log_u"] - eps * np.log(av)
        g = eps * log["log_v"] - eps * np.log(bv)
        obj = float((M * P).sum()) + eps * kl(P.ravel(), np.outer(av, bv).ravel())
        tag = "balanced"
    else:
        # the product reference eps KL(P | a x b) is POT's counting reference with the cost M - eps log a - eps log b
        Mp = M - eps * np.log(av)[:, None] - eps * np.log(bv)[None, :]
        P, log = ot.unbalanced.sinkhorn_unbalanced(av, bv, Mp, eps, rho, numItermax=200000, stopThr=1e-15, log=True)
        f, g = eps * log["logu"], eps * log["logv"]
        obj = float((M * P).sum()) + eps * kl(P.ravel(), np.outer(av, bv).ravel()) + rho * kl(P.sum(1), av) + rho * kl(P.sum(0), bv)
        tag = "unbalanced rho %g" % rho
    with h5py.File(out, "r") as F:
        tc, ec = float(F.attrs["transport_cost"]), float(F.attrs["entropic_cost"])
        mf, mg = F["f"][...].ravel(), F["g"][...].ravel()
        kern = F.attrs["kernel"]
        kern = kern.decode() if isinstance(kern, bytes) else kern
    tag += " eps %g %s" % (eps, kern)
    want = float((M * P).sum())
    for name, got, w in (("<C,P>", tc, want), ("OT_eps objective", ec, obj)):
        rel = abs(got - w) / abs(w)
        if rel <= RTOL_POT:
            ok("POT %s %s: %.15g vs %.15g (rel %.1e)" % (tag, name, got, w, rel))
        else:
            fail("POT %s %s" % (tag, name), "got %.15g want %.15g rel %.2e" % (got, w, rel))
    if rho is None:  # (f + c, g - c) is the same plan: compare in the gauge <a, f> = 0
        cf = np.dot(av, f)
        f, g = f - cf, g + cf
        cm = np.dot(av, mf)
        mf, mg = mf - cm, mg + cm
    for name, got, w in (("f", mf, f), ("g", mg, g)):
        rel = np.max(np.abs(got - w)) / np.max(np.abs(w))
        if rel <= RTOL_POT:
            ok("POT %s potential %s (max rel %.1e)" % (tag, name, rel))
        else:
            fail("POT %s potential %s" % (tag, name), "max rel difference %.2e" % rel)


def same(pa, pb, rtol, name):
    with h5py.File(pa, "r") as A, h5py.File(pb, "r") as B:
        bad = []
        for key in ("entropic_cost", "transport_cost", "marginal_error", "sinkhorn_divergence"):
            if key in A.attrs:
                x, y = float(A.attrs[key]), float(B.attrs[key])
                tol = rtol * abs(x) if key != "marginal_error" else 1e-9
                if abs(x - y) > tol:
                    bad.append("%s %.17g vs %.17g" % (key, x, y))
        for key in ("f", "g", "map"):
            if key in A:
                x, y = A[key][...], B[key][...]
                d = np.max(np.abs(x - y)) / max(np.max(np.abs(x)), 1e-300)
                if d > rtol:
                    bad.append("%s differs by %.2e" % (key, d))
    if bad:
        fail(name, "; ".join(bad))
    else:
        ok(name)


def mapshift(pab, paa, t0, t1):
    a, h, o = read("a.h5")
    with h5py.File(pab, "r") as A, h5py.File(paa, "r") as B:
        d = A["map"][...] - B["map"][...]
    t = np.array([t0 * h[0], t1 * h[1]])
    err = np.max(np.abs(d[a > 0] - t))
    name = "map of OT(a, b) = map of OT(a, a) + t on the support of a (max error %.1e)" % err
    ok(name) if err <= 1e-8 else fail(name, "max error %.2e" % err)


def main(argv):
    cmd = argv[1]
    if cmd == "translation":
        translation(int(argv[2]), int(argv[3]), int(argv[4]))
    elif cmd == "gauss1d":
        gauss1d()
    elif cmd == "gauss2d":
        gauss2d()
    elif cmd == "janati":
        janati(int(argv[2]), float(argv[3]), argv[4])
    elif cmd == "dirac":
        dirac()
    elif cmd == "random":
        random(int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5]), int(argv[6]))
    elif cmd == "pot":
        pot(float(argv[2]), argv[3], float(argv[4]) if len(argv) > 4 else None)
    elif cmd == "same":
        same(argv[2], argv[3], float(argv[4]), argv[5])
    elif cmd == "mapshift":
        mapshift(argv[2], argv[3], int(argv[4]), int(argv[5]))
    else:
        raise SystemExit("unknown command " + cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
