"""sd_ref.py: independent (numpy/h5py/POT) side of the semidiscrete tests.
  separable DIM DIR      writes DIR/sep.h5 (a separable piecewise-constant density: random positive 1-D profiles on a
                         grid whose voxel walls do not meet the cell walls) and DIR/sep_pts.h5 (tensor-product points,
                         product masses), and DIR/sep.npz with the exact answer: the cells are boxes cut at the 1-D
                         quantiles t_i = F^-1(nu_1 + ... + nu_i), the weights add up over axes (u_{i+1} - u_i =
                         (a_{i+1} - a_i)(a_{i+1} + a_i - 2 t_i)) and the cost is the sum of the exact 1-D costs
  check-separable DIR OUT   prints: max |psi - exact|, max |cell_mass - nu|, |cost - exact|/exact, wrong labels
  lattice OUT K D        prints: max |psi|, max |cell_mass - 1/K^D|, transport_cost, label errors (cells = boxes)
  emd DENS PTS OUT S     POT ot.emd2 between sub-pixel centres (S^d per voxel, equal shares of its mass) and the points;
                         prints sqrt(cost), sqrt(emd2) and the bound delta = sqrt(sum_k h_k^2 / 12) / S on
                         |W2(rho, nu) - W2(rho_S, nu)| (triangle inequality: moving each sub-pixel's mass to its centre
                         is a coupling of cost exactly sum_k (h_k/S)^2 / 12)
  compare A B            prints max |psi_A - psi_B|, max |cell_mass_A - cell_mass_B|, labels that differ, cost diff
  history LOG            prints the mass errors before and after the last Newton step above the round-off floor,
                         and log(e_n)/log(e_{n-1}) (2 for quadratic convergence)
  points OUT N SEED ...  small hand-made point files (dup: duplicated points; out: a point outside the domain)"""
import json
import sys

import h5py
import numpy as np


def geometry(f):
    d = f["density"]
    a = d[...]
    n = a.shape
    h = np.array(d.attrs.get("spacing", np.full(len(n), 1.0 / max(n))), dtype=float).ravel()
    o = np.array(d.attrs.get("origin", np.zeros(len(n))), dtype=float).ravel()
    if h.size == 1:
        h = np.full(len(n), h[0])
    return a, n, h, o


def quantile(edges, prof, s):
    """F^-1(s) of the piecewise-constant 1-D density with voxel masses prof (total 1) on the walls edges."""
    c = np.concatenate([[0.0], np.cumsum(prof)])
    k = np.searchsorted(c, s, side="right") - 1
    k = min(max(k, 0), len(prof) - 1)
    return edges[k] + (s - c[k]) / prof[k] * (edges[k + 1] - edges[k])


def cost1d(edges, prof, t, a):
    """sum_i int_{t_{i-1}}^{t_i} (x - a_i)^2 rho(x) dx exactly (rho constant on each voxel)."""
    dens = prof / np.diff(edges)
    total = 0.0
    for i in range(len(a)):
        lo, hi = t[i], t[i + 1]
        for v in range(len(prof)):
            x0, x1 = max(lo, edges[v]), min(hi, edges[v + 1])
            if x1 > x0:
                total += dens[v] * ((x1 - a[i]) ** 3 - (x0 - a[i]) ** 3) / 3
    return total


def separable(dim, d):
    rng = np.random.default_rng(11 + dim)
    shape = (24, 20) if dim == 2 else (12, 10, 8)
    npts = (4, 3) if dim == 2 else (3, 2, 2)
    h = 1.0 / max(shape)
    profs, pts1, nus1, ts, us, costs = [], [], [], [], [], []
    for k in range(dim):
        edges = np.arange(shape[k] + 1) * h
        prof = 0.3 + rng.random(shape[k])
        prof /= prof.sum()
        L = shape[k] * h
        a = np.sort(rng.uniform(0.1 * L, 0.9 * L, npts[k]))
        nu = 0.5 + rng.random(npts[k])
        nu /= nu.sum()
        t = [edges[0]] + [quantile(edges, prof, s) for s in np.cumsum(nu)[:-1]] + [edges[-1]]
        u = [0.0]
        for i in range(npts[k] - 1):
            u.append(u[-1] + (a[i + 1] - a[i]) * (a[i + 1] + a[i] - 2 * t[i + 1]))
        profs.append(prof)
        pts1.append(a)
        nus1.append(nu)
        ts.append(np.array(t))
        us.append(np.array(u))
        costs.append(cost1d(edges, prof, t, a))
    dens = profs[0]
    for k in range(1, dim):
        dens = np.multiply.outer(dens, profs[k])
    grids = np.meshgrid(*pts1, indexing="ij")
    P = np.stack([g.ravel() for g in grids], axis=1)
    nus = np.meshgrid(*nus1, indexing="ij")
    nu = np.prod(np.stack([g.ravel() for g in nus], axis=1), axis=1)
    ws = np.meshgrid(*us, indexing="ij")
    w = np.sum(np.stack([g.ravel() for g in ws], axis=1), axis=1)
    with h5py.File(f"{d}/sep{dim}.h5", "w") as f:
        ds = f.create_dataset("density", data=dens)
        ds.attrs["spacing"] = np.full(dim, h)
        ds.attrs["origin"] = np.zeros(dim)
    with h5py.File(f"{d}/sep{dim}_pts.h5", "w") as f:
        f["points"] = P
        f["mass"] = nu
    # expected labels: the box of each voxel centre
    centres = [(np.arange(shape[k]) + 0.5) * h for k in range(dim)]
    idx = [np.searchsorted(ts[k][1:-1], centres[k], side="right") for k in range(dim)]
    lab = np.ravel_multi_index(np.meshgrid(*idx, indexing="ij"), npts)
    np.savez(f"{d}/sep{dim}.npz", psi=w - np.dot(nu, w), nu=nu, cost=sum(costs), label=lab)


def check_separable(dim, d, out):
    e = np.load(f"{d}/sep{dim}.npz")
    with h5py.File(out, "r") as f:
        psi, cm, lab = f["psi"][...], f["cell_mass"][...], f["label"][...]
        cost = float(f.attrs["transport_cost"])
    print(np.abs(psi - e["psi"]).max(), np.abs(cm - e["nu"]).max(), abs(cost - e["cost"]) / e["cost"], int(np.sum(lab != e["label"])), repr(float(e["cost"])))


def lattice(out, K, D):
    with h5py.File(out, "r") as f:
        psi, cm, lab = f["psi"][...], f["cell_mass"][...], f["label"][...]
        P = f["points"][...]
        cost = float(f.attrs["transport_cost"])
        h = f["label"].attrs["spacing"]
    n = lab.shape
    centres = np.meshgrid(*[(np.arange(n[k]) + 0.5) * h[k] for k in range(D)], indexing="ij")
    cell = np.zeros(n, dtype=int)
    L = np.array(n) * h
    for k in range(D):
        cell = cell * K + np.minimum((centres[k] / (L[k] / K)).astype(int), K - 1)
    # the points are in gen's lattice order (last axis fastest), so the label of a box is its index
    wrong = int(np.sum(lab != cell)) if np.allclose(P[:, -1][:K], (np.arange(K) + 0.5) * L[-1] / K) else -1
    print(np.abs(psi).max(), np.abs(cm - 1.0 / K**D).max(), repr(cost), wrong)


def emd(dens, pts, out, S):
    import ot

    with h5py.File(dens, "r") as f:
        a, n, h, o = geometry(f)
    with h5py.File(pts, "r") as f:
        P = f["points"][...]
        nu = f["mass"][...] if "mass" in f else np.ones(len(P))
    with h5py.File(out, "r") as f:
        cost = float(f.attrs["transport_cost"])
    a = a / a.sum()
    nu = nu / nu.sum()
    D = len(n)
    sub = [o[k] + (np.arange(n[k] * S) + 0.5) * h[k] / S for k in range(D)]
    X = np.stack([g.ravel() for g in np.meshgrid(*sub, indexing="ij")], axis=1)
    w = a
    for k in range(D):
        w = np.repeat(w, S, axis=k)
    w = w.ravel() / S**D
    M = ot.dist(X, P, metric="sqeuclidean")
    e2 = ot.emd2(w, nu, M, numItermax=10**7)
    delta = np.sqrt(np.sum(h**2) / 12) / S
    print(repr(np.sqrt(cost)), repr(np.sqrt(e2)), repr(delta))


def compare(a, b):
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        print(np.abs(f["psi"][...] - g["psi"][...]).max(), np.abs(f["cell_mass"][...] - g["cell_mass"][...]).max(), int(np.sum(f["label"][...] != g["label"][...])), abs(float(f.attrs["transport_cost"]) - float(g.attrs["transport_cost"])))


def history(log):
    """the last Newton step that starts below 1 (the undamped phase) and ends above the round-off floor (1e-12)"""
    errs = [float(l.split(" err ")[1].split()[0]) for l in open(log) if l.startswith("semidiscrete it ")]
    steps = [(a, b) for a, b in zip(errs, errs[1:]) if a < 1 and b > 1e-12]
    e1, e2 = steps[-1]
    print(repr(e1), repr(e2), repr(np.log(e2) / np.log(e1)), len(errs))


def points(out, kind):
    if kind == "dup":  # two coincident pairs
        P = np.array([[0.2, 0.3], [0.7, 0.6], [0.2, 0.3], [0.4, 0.8], [0.7, 0.6], [0.55, 0.15]])
        m = np.array([1.0, 2.0, 3.0, 1.0, 1.0, 2.0])
    elif kind == "out":  # one point outside the domain
        P = np.array([[0.2, 0.3], [0.7, 0.6], [1.6, 0.5], [0.4, 0.8], [0.5, -0.3]])
        m = np.ones(5)
    with h5py.File(out, "w") as f:
        f["points"] = P
        f["mass"] = m


def bad(d):
    """bad point files for the error tests"""
    P = np.random.default_rng(3).random((10, 2))
    with h5py.File(f"{d}/nopoints.h5", "w") as f:
        f["coords"] = P
    with h5py.File(f"{d}/rank1.h5", "w") as f:
        f["points"] = P.ravel()
    with h5py.File(f"{d}/d3.h5", "w") as f:
        f["points"] = np.random.default_rng(3).random((10, 3))
    with h5py.File(f"{d}/nanpt.h5", "w") as f:
        Q = P.copy()
        Q[4, 1] = np.nan
        f["points"] = Q
    with h5py.File(f"{d}/zeromass.h5", "w") as f:
        f["points"] = P
        f["mass"] = np.r_[np.ones(9), 0.0]
    with h5py.File(f"{d}/negmass.h5", "w") as f:
        f["points"] = P
        f["mass"] = np.r_[np.ones(9), -1.0]
    with h5py.File(f"{d}/shortmass.h5", "w") as f:
        f["points"] = P
        f["mass"] = np.ones(7)
    with h5py.File(f"{d}/empty.h5", "w") as f:
        f.create_dataset("points", shape=(0, 2), dtype=float)
    with h5py.File(f"{d}/line.h5", "w") as f:
        f["density"] = np.random.default_rng(3).random(16) + 0.1


def main(argv):
    cmd = argv[1]
    if cmd == "separable":
        separable(int(argv[2]), argv[3])
    elif cmd == "check-separable":
        check_separable(int(argv[2]), argv[3], argv[4])
    elif cmd == "lattice":
        lattice(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "emd":
        emd(argv[2], argv[3], argv[4], int(argv[5]))
    elif cmd == "compare":
        compare(argv[2], argv[3])
    elif cmd == "history":
        history(argv[2])
    elif cmd == "points":
        points(argv[2], argv[3])
    elif cmd == "bad":
        bad(argv[2])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
