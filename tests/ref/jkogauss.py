#!/usr/bin/python3
"""jkogauss.py: closed forms of JKO flows of Gaussians, to check `otmpi jko` outputs (heat, Fokker-Planck).

Per axis, a Gaussian stays Gaussian under the flow of F = D int rho log rho + int k|x-a|^2/2 rho. The exact JKO step
(h) gives m' = (m + h k a)/(1 + h k) and the sd s' of (1 + h k) s'^2 - s s' - D h = 0; the entropic step of the solver
(blur gamma, tau = 2h) minimises over s'
    J(s') = s'^2 - 2c - (gamma/2) log(1 - c^2/(s'^2 s^2)) - (gamma + 2hD) log s' + h k s'^2,
    c = (-gamma + sqrt(gamma^2 + 16 s'^2 s^2))/4   (the optimal covariance of the entropic plan),
the same mean update. The continuous flow: m(t) = a + (m0 - a) e^{-kt}, var(t) = D/k + (var0 - D/k) e^{-2kt}
(var0 + 2Dt when k = 0).

usage: jkogauss.py FLOW.h5 NAME --D D [--k k --a a1,a2..] CHECKS...
  checks: mean=TOL (|mean - closed form| per axis, every frame), entropic=RTOL (variance vs the entropic recursion),
          exact=TOL (|var - exact JKO recursion| <= TOL), continuous=TOL (|var - continuous| <= TOL), report
Prints one line per check: ok/FAIL NAME CHECK value; exit 1 on a failure."""
import sys, math
import numpy as np
import h5py


def golden(f, lo, hi, it=200):
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(it):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def entropic_sd(s, h, D, k, gamma):
    def J(t):
        c = (-gamma + math.sqrt(gamma * gamma + 16 * t * t * s * s)) / 4
        rho = c / (t * s)
        return t * t - 2 * c - gamma / 2 * math.log1p(-rho * rho) - (gamma + 2 * h * D) * math.log(t) + h * k * t * t
    return golden(J, s * 0.2, s * 5 + 10 * math.sqrt(gamma + 2 * h * D))


def exact_sd(s, h, D, k):
    return (s + math.sqrt(s * s + 4 * (1 + h * k) * D * h)) / (2 * (1 + h * k))


def moments(f):
    rho = f["/rho"][...]
    sp, org = f["/rho"].attrs["spacing"], f["/rho"].attrs["origin"]
    d = rho.ndim - 1
    means, vars_ = [], []
    for fr in rho:
        m = fr.sum()
        mu, va = [], []
        for ax in range(d):
            x = org[ax] + (np.arange(fr.shape[ax]) + 0.5) * sp[ax]
            marg = fr.sum(axis=tuple(a for a in range(d) if a != ax))
            mu.append((marg * x).sum() / m)
            va.append((marg * (x - mu[-1]) ** 2).sum() / m)
        means.append(mu)
        vars_.append(va)
    return np.array(means), np.array(vars_)


def main():
    path, name = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    opt = {"D": 0.0, "k": 0.0, "a": None}
    checks = []
    i = 0
    while i < len(args):
        if args[i].startswith("--"):
            opt[args[i][2:]] = args[i + 1]
            i += 2
        else:
            checks.append(args[i])
            i += 1
    D, k = float(opt["D"]), float(opt["k"])
    with h5py.File(path, "r") as f:
        h, gamma = float(f.attrs["tau"]), float(f.attrs["gamma"])
        times = f["/rho"].attrs["times"]
        steps = f["/rho"].attrs["steps"]
        means, vars_ = moments(f)
    d = means.shape[1]
    a = np.array([float(x) for x in opt["a"].split(",")]) if opt["a"] else means[0]
    m0, v0 = means[0], vars_[0]
    # recursions, every step, per axis
    n_last = int(steps[-1])
    ent = np.zeros((n_last + 1, d))
    exa = np.zeros((n_last + 1, d))
    ent[0] = exa[0] = np.sqrt(v0)
    mj = np.zeros((n_last + 1, d))
    mj[0] = m0
    for n in range(n_last):
        mj[n + 1] = (mj[n] + h * k * a) / (1 + h * k)
        for ax in range(d):
            ent[n + 1, ax] = entropic_sd(ent[n, ax], h, D, k, gamma)
            exa[n + 1, ax] = exact_sd(exa[n, ax], h, D, k)
    ent, exa, mj = ent[steps] ** 2, exa[steps] ** 2, mj[steps]
    t = times[:, None]
    mean_c = a + (m0 - a) * np.exp(-k * t)
    var_c = v0 + 2 * D * t if k == 0 else D / k + (v0 - D / k) * np.exp(-2 * k * t)
    fails = 0
    for c in checks:
        key, _, tol = c.partition("=")
        if key == "report":
            for j in range(len(times)):
                print(f"  t {times[j]:.5g} var {vars_[j]} entropic {ent[j]} exact {exa[j]} continuous {var_c[j]} mean {means[j]}")
            continue
        tol = float(tol)
        if key == "mean":
            v = np.abs(means - mean_c).max()
        elif key == "entropic":
            v = (np.abs(vars_ - ent) / ent).max()
        elif key == "exact":
            v = np.abs(vars_ - exa).max()
        elif key == "continuous":
            v = np.abs(vars_ - var_c).max()
        elif key == "meanjko":  # the exact JKO mean recursion
            v = np.abs(means - mj).max()
        elif key == "named":  # |var - continuous| beyond the time-stepping error and n gamma/2 (<= 0 when named)
            v = (np.abs(vars_ - var_c) - np.abs(exa - var_c) - steps[:, None] * gamma / 2).max()
        elif key == "steady":  # last frame: variance D/k plus the entropic term gamma/(4hk), relative to D/k
            v = np.abs(vars_[-1] - D / k - gamma / (4 * h * k)).max() / (D / k)
        elif key == "gammaratio":  # the gamma part here over the one of another run (GAMMARATIO=FILE): must be >= TOL
            print(f"  gamma part {np.max(vars_[-1] - exa[-1]):.4e}")
            continue
        elif key == "gammapart":  # the part of the variance the entropic blur adds at the last frame
            v = (vars_[-1] - exa[-1]).max()
        else:
            print(f"FAIL {name} unknown check {key}")
            fails += 1
            continue
        ok = v <= tol
        fails += not ok
        print(f"{'ok' if ok else 'FAIL'} {name} {key} {v:.3e} (<= {tol:g})")
    sys.exit(1 if fails else 0)


main()
