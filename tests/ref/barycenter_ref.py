"""barycenter_ref.py: independent references for `otmpi barycenter` (numpy, h5py, POT 0.8.2): inputs with known answers,
closed forms, POT's convolutional and unbalanced barycenters on the same grids. Prints `ok NAME` / `FAIL NAME: why`.

usage: barycenter_ref.py COMMAND ARGS
  translated N T...           shape.h5 and s0.h5.. sK.h5: one asymmetric shape translated by the cell shifts T (t0,t1 pairs)
  check_translated OUT W T N DEBIAS [TAG]  barycenter centroid = shape centroid + sum w_k t_k (<= 0.25 cell); prints its second moments
  moments FILE                mass, mean and variance per axis of /density
  gaussians N M S             ga0.h5.. : isotropic Gaussians N(m_k, s_k^2) on an N x N grid (M, S: comma lists, 2 values per
                              centre: x,y pairs)
  check_gauss OUT W M S EPS DEBIAS [TAG]   mean = sum w m; variance = closed form (biased) or s^2 (debiased, equal widths)
  pot N REG OUT DEB K ITS [W] POT's convolutional_barycenter2d(_debiased) (sinkhorn_log; ITS 0: converged) on pa*.h5 vs OUT
  potinputs N K SEED [NOISE]  pa0.h5.. on POT's grid (linspace(0, 1, N): spacing 1/(N-1), cell centres at i/(N-1))
  unbalanced N0 N1 REG RHO OUT   POT's barycenter_unbalanced on ua*.h5 (masses 1, 2, 1.5) vs OUT (density x mass)
  uinputs N0 N1               ua0.h5.. ua2.h5
  same A B RTOL NAME          the same /density (max relative difference)
  atlases                     atlasA.nii, atlasB.nii.gz (label atlases 24x20x16, 2 mm voxels) and atlasC.nii (3 mm)
  check_labels OUT            barycenter of label 1 of A and label 2 of B: centroid = mean of the region centroids
"""
import gzip
import struct
import sys
import numpy as np
import h5py
from otref import ok, fail, write, read


def moments(a, h, o):
    m = a.sum()
    mean, var = [], []
    for k in range(a.ndim):
        x = o[k] + (np.arange(a.shape[k]) + 0.5) * h[k]
        sh = [1] * a.ndim
        sh[k] = a.shape[k]
        x = x.reshape(sh)
        mu = (a * x).sum() / m
        mean.append(mu)
        var.append((a * (x - mu) ** 2).sum() / m)
    return m, np.array(mean), np.array(var)


def shape(n):
    """an asymmetric shape: an ellipse with a bump, inside the middle of an n x n grid"""
    x = (np.arange(n) + 0.5) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    a = (((X - 0.5) / 0.14) ** 2 + ((Y - 0.5) / 0.09) ** 2 <= 1).astype(float)
    a += 0.7 * (((X - 0.6) ** 2 + (Y - 0.56) ** 2) <= 0.05 ** 2)
    return a


def translated(n, shifts):
    a = shape(n)
    write("shape.h5", a)
    for k, (t0, t1) in enumerate(shifts):
        write("s%d.h5" % k, np.roll(np.roll(a, t0, axis=0), t1, axis=1))


def check_translated(out, w, shifts, n, debias, tag=""):
    a, h, o = read("shape.h5")
    _, ma, va = moments(a / a.sum(), h, o)
    q, hq, oq = read(out)
    _, mq, vq = moments(q, hq, oq)
    t = sum(wk * np.array(s, float) for wk, s in zip(w, shifts)) * h
    err = np.max(np.abs(mq - (ma + t))) / h[0]
    name = "translated copies%s: centroid = shape centroid + sum w_k t_k (error %.3f cell)" % (tag, err)
    ok(name) if err <= 0.25 else fail(name, "error %.3f cells" % err)
    if debias:
        rel = np.max(np.abs(vq - va) / va)
        name = "translated copies, debiased%s: second moments = the shape's (%.2f %%)" % (tag, 100 * rel)
        ok(name) if rel <= 0.02 else fail(name, "relative difference %.3f" % rel)


def gaussians(n, means, sigmas):
    x = (np.arange(n) + 0.5) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    for k, (m, s) in enumerate(zip(means, sigmas)):
        write("ga%d.h5" % k, np.exp(-((X - m[0]) ** 2 + (Y - m[1]) ** 2) / (2 * s * s)))


def biased_variance(w, b, eps):
    """variance a of the IBP barycenter of N(m_k, b_k) (per axis): sum_k w_k [1 - 2 b_k / (sqrt(4 a b_k + s^4) + s^2)] = s^2 / a,
    s^2 = eps / 2 (research note, section 7 T3), by bisection"""
    s2 = eps / 2

    def F(a):
        return sum(wk * (1 - 2 * bk / (np.sqrt(4 * a * bk + s2 * s2) + s2)) for wk, bk in zip(w, b)) - s2 / a

    lo, hi = 1e-12, 10.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if F(lo) * F(mid) <= 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def check_gauss(out, w, means, sigmas, eps, debias, tag=""):
    q, h, o = read(out)
    _, mq, vq = moments(q, h, o)
    wm = sum(wk * np.array(m) for wk, m in zip(w, means))
    err = np.max(np.abs(mq - wm)) / h[0]
    tag = "%s barycenter of Gaussians, weights %s%s" % ("debiased" if debias else "plain", ",".join("%g" % x for x in w), tag)
    name = "%s: mean = sum w_k m_k (error %.2e cell)" % (tag, err)
    ok(name) if err <= 1e-3 else fail(name, "mean %s want %s" % (mq, wm))
    b = [s * s for s in sigmas]
    want = b[0] if debias else biased_variance(w, b, eps)
    rel = np.max(np.abs(vq - want)) / want
    name = "%s: variance %.6g vs %s %.6g (rel %.1e)" % (tag, vq[0], "s^2" if debias else "closed form", want, rel)
    ok(name) if rel <= 2e-3 else fail(name, "variance %s want %g (rel %.2e)" % (vq, want, rel))


def potinputs(n, k, seed, noise):
    rng = np.random.default_rng(seed)
    h = 1.0 / (n - 1)
    t = np.linspace(0, 1, n)
    X, Y = np.meshgrid(t, t, indexing="ij")
    for i in range(k):
        c = 0.3 + 0.4 * rng.random(2)
        a = np.exp(-((X - c[0]) ** 2 + (Y - c[1]) ** 2) / (2 * 0.1 ** 2)) + noise * rng.random((n, n))
        write("pa%d.h5" % i, a / a.sum(), [h, h], [-h / 2, -h / 2])


def pot(n, reg, out, debiased, k, its, weights):
    import ot

    A = np.array([read("pa%d.h5" % i)[0] for i in range(k)])
    w = np.array(weights) if weights else None
    fn = ot.bregman.convolutional_barycenter2d_debiased if debiased else ot.bregman.convolutional_barycenter2d
    # its = 0: to convergence; else exactly its iterations (stopThr < 0 never stops)
    bar = fn(A, reg, weights=w, method="sinkhorn_log", numItermax=its if its else 20000, stopThr=-1.0 if its else 1e-13, warn=False)
    bar = bar / bar.sum()
    q, _, _ = read(out)
    l1 = np.abs(q - bar).sum()
    when = "after %d iterations" % its if its else "at convergence"
    name = "POT convolutional_barycenter2d%s (sinkhorn_log) %dx%d reg %g, %s: L1 difference %.1e" % ("_debiased" if debiased else "", n, n, reg, when, l1)
    ok(name) if l1 <= 1e-6 else fail(name, "L1 %.3e" % l1)


def uinputs(n0, n1):
    rng = np.random.default_rng(11)
    for i, m in enumerate((1.0, 2.0, 1.5)):
        a = 0.1 + rng.random((n0, n1))
        write("ua%d.h5" % i, a * m / a.sum())


def unbalanced(reg, rho, out):
    import ot

    A = [read("ua%d.h5" % i) for i in range(3)]
    a0, h, o = A[0]
    x = [o[k] + (np.arange(a0.shape[k]) + 0.5) * h[k] for k in range(2)]
    X = np.stack([g.ravel() for g in np.meshgrid(*x, indexing="ij")], axis=1)
    M = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    Am = np.stack([a[0].ravel() for a in A], axis=1)
    q = ot.unbalanced.barycenter_unbalanced(Am, M, reg, rho, numItermax=100000, stopThr=1e-15)
    with h5py.File(out, "r") as f:
        got = f["density"][...].ravel() * float(f.attrs["mass"])
    rel = np.abs(got - q).sum() / q.sum()
    name = "POT barycenter_unbalanced (masses 1, 2, 1.5) reg %g rho %g: relative L1 %.1e, mass %.6g vs %.6g" % (reg, rho, rel, got.sum(), q.sum())
    ok(name) if rel <= 1e-6 else fail(name, "relative L1 %.3e" % rel)


def same(pa, pb, rtol, name):
    a, _, _ = read(pa)
    b, _, _ = read(pb)
    d = np.max(np.abs(a - b)) / np.max(np.abs(a))
    ok("%s (max rel %.1e)" % (name, d)) if d <= rtol else fail(name, "max relative difference %.2e" % d)


def write_nifti(path, a, pixdim):
    """a minimal NIfTI-1 file (uint8 voxels, 348-byte header + 4 bytes, voxel axis i fastest on disk)"""
    hdr = bytearray(352)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, a.ndim, *a.shape, *([1] * (7 - a.ndim)))
    struct.pack_into("<hh", hdr, 70, 2, 8)
    struct.pack_into("<8f", hdr, 76, 1.0, *pixdim, *([0.0] * (7 - len(pixdim))))
    struct.pack_into("<f", hdr, 108, 352.0)
    struct.pack_into("<B", hdr, 123, 2)
    hdr[344:348] = b"n+1\0"
    data = bytes(hdr) + a.astype(np.uint8).ravel(order="F").tobytes()
    (gzip.open if path.endswith(".gz") else open)(path, "wb").write(data)


ATLAS = (24, 20, 16)


def ball(c, r):
    i, j, k = np.meshgrid(*[np.arange(n) for n in ATLAS], indexing="ij")
    return (i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2 <= r * r


def atlases():
    A = np.zeros(ATLAS)
    A[ball((7, 6, 6), 3.5)] = 1
    A[ball((16, 13, 9), 2.5)] = 3
    B = np.zeros(ATLAS)
    B[ball((15, 12, 9), 3.2)] = 2
    B[ball((6, 6, 6), 2.0)] = 1
    write_nifti("atlasA.nii", A, (2.0, 2.0, 2.0))
    write_nifti("atlasB.nii.gz", B, (2.0, 2.0, 2.0))
    write_nifti("atlasC.nii", B, (3.0, 3.0, 3.0))


def check_labels(out):
    q, h, o = read(out)
    m, mq, _ = moments(q, h, o)
    cA = np.array(np.nonzero(ball((7, 6, 6), 3.5))).mean(axis=1)
    cB = np.array(np.nonzero(ball((15, 12, 9), 3.2))).mean(axis=1)
    want = (0.5 * (cA + cB) + 0.5) * 2.0
    err = np.max(np.abs(mq - want)) / 2.0
    name = "NIfTI atlases, -label 1,2: barycenter centroid = mean of the regions' centroids (error %.3f voxel, spacing %s)" % (err, h)
    ok(name) if err <= 0.25 and np.allclose(h, 2.0) else fail(name, "centroid %s want %s, spacing %s" % (mq, want, h))


def pairs(s):
    v = [float(x) for x in s.split(",")]
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


def main(argv):
    cmd = argv[1]
    if cmd == "translated":
        translated(int(argv[2]), [tuple(int(x) for x in p) for p in pairs(argv[3])])
    elif cmd == "check_translated":
        check_translated(argv[2], [float(x) for x in argv[3].split(",")], pairs(argv[4]), int(argv[5]), argv[6] == "1", " " + argv[7] if len(argv) > 7 else "")
    elif cmd == "moments":
        m, mu, var = moments(*read(argv[2]))
        print(m, " ".join(repr(x) for x in mu), " ".join(repr(x) for x in var))
    elif cmd == "gaussians":
        gaussians(int(argv[2]), pairs(argv[3]), [float(x) for x in argv[4].split(",")])
    elif cmd == "check_gauss":
        check_gauss(argv[2], [float(x) for x in argv[3].split(",")], pairs(argv[4]), [float(x) for x in argv[5].split(",")], float(argv[6]), argv[7] == "1",
                    " " + argv[8] if len(argv) > 8 else "")
    elif cmd == "potinputs":
        potinputs(int(argv[2]), int(argv[3]), int(argv[4]), float(argv[5]) if len(argv) > 5 else 0.05)
    elif cmd == "pot":
        pot(int(argv[2]), float(argv[3]), argv[4], argv[5] == "1", int(argv[6]), int(argv[7]), [float(x) for x in argv[8].split(",")] if len(argv) > 8 else None)
    elif cmd == "uinputs":
        uinputs(int(argv[2]), int(argv[3]))
    elif cmd == "unbalanced":
        unbalanced(float(argv[2]), float(argv[3]), argv[4])
    elif cmd == "atlases":
        atlases()
    elif cmd == "check_labels":
        check_labels(argv[2])
    elif cmd == "same":
        same(argv[2], argv[3], float(argv[4]), argv[5])
    else:
        raise SystemExit("unknown command " + cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
