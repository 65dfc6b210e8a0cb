#!/usr/bin/python3
"""jkofields.py: inputs and closed forms for the `otmpi jko` tests (cell masses with spacing/origin, as otmpi reads).

  barenblatt OUT.h5 --n N --d D --m M --t T --C C      U(t,x) = t^-a (C - k|x-c|^2 t^-2b)_+^(1/(m-1)), centre 0.5 in [0,1]^d
  bcompare FLOW.h5 --m M --t0 T0 --C C                 L1 error of every frame vs U(t0 + t) and log-log slope of var
  box1d OUT.h5 --n N --L L --c C                       c on [0, L) of [0, 1)... (1-D crowd transient), V = x in V.h5
  room OUT.h5 --n N                                    a crowd in a room with a door: rho0, walls, potential (distance to door)
  field OUT.h5 --n N,N --expr EXPR                     any numpy expression of x0, x1[, x2] (cell centres), e.g. for V
"""
import sys, math
import numpy as np
import h5py


def opts(args):
    o = {}
    for i in range(0, len(args), 2):
        o[args[i].lstrip("-")] = args[i + 1]
    return o


def write(path, arr, h, name="/density", mode="w"):
    with h5py.File(path, mode) as f:
        ds = f.create_dataset(name, data=arr)
        ds.attrs["spacing"] = np.full(arr.ndim, h)
        ds.attrs["origin"] = np.zeros(arr.ndim)


def centres(n, d):
    h = 1.0 / n
    x = (np.arange(n) + 0.5) * h
    return np.meshgrid(*([x] * d), indexing="ij"), h


def barenblatt(t, X, m, C):
    d = len(X)
    a = d / (d * (m - 1) + 2)
    b = a / d
    k = a * (m - 1) / (2 * m * d)
    r2 = sum((x - 0.5) ** 2 for x in X)
    return t ** -a * np.maximum(C - k * r2 * t ** (-2 * b), 0) ** (1 / (m - 1))


def main():
    cmd, out, o = sys.argv[1], sys.argv[2], opts(sys.argv[3:])
    if cmd == "barenblatt":
        n, d, m, t, C = int(o["n"]), int(o["d"]), float(o["m"]), float(o["t"]), float(o["C"])
        X, h = centres(n, d)
        write(out, barenblatt(t, X, m, C) * h ** d, h)
    elif cmd == "bcompare":
        m, t0, C = float(o["m"]), float(o["t0"]), float(o["C"])
        with h5py.File(out, "r") as f:
            rho, times, h = f["/rho"][...], f["/rho"].attrs["times"], f["/rho"].attrs["spacing"][0]
        d = rho.ndim - 1
        X, _ = centres(rho.shape[1], d)
        r2 = sum((x - 0.5) ** 2 for x in X)
        errs, var = [], []
        for fr, t in zip(rho, times):
            U = barenblatt(t0 + t, X, m, C) * h ** d
            errs.append(np.abs(fr - U).sum() / U.sum())
            var.append((fr * r2).sum() / fr.sum())
        a = d / (d * (m - 1) + 2)
        slope = math.log(var[-1] / var[0]) / math.log((t0 + times[-1]) / t0)
        print(f"l1 {errs[-1]:.6e} l1max {max(errs):.6e} slope {slope:.6f} beta2 {2 * a / d:.6f}")
    elif cmd == "box1d":
        n, L, c = int(o["n"]), float(o["L"]), float(o["c"])
        h = 1.0 / n
        x = (np.arange(n) + 0.5) * h
        write(out, np.where(x < L, c, 0.0) * h, h)
        write(out.replace(".h5", "_V.h5"), x.copy(), h)
    elif cmd == "room":
        # a room [0,1]^2 with a wall of 2 cells at x0 = 0.6 and a door |x1 - 0.5| < 0.1; the crowd (density 1) on
        # [0.1, 0.5] x [0.1, 0.9]; V: distance to the door's centre on its left, minus it on its right (walk out and away)
        n = int(o["n"])
        X, h = centres(n, 2)
        x0, x1 = X
        wall = (x0 >= 0.6) & (x0 < 0.6 + 2.0 / n) & (np.abs(x1 - 0.5) >= 0.1)
        rho = np.where((x0 > 0.1) & (x0 < 0.5) & (x1 > 0.1) & (x1 < 0.9), 1.0, 0.0) * h * h
        dist = np.sqrt((x0 - 0.6 - 1.0 / n) ** 2 + (x1 - 0.5) ** 2)
        V = np.where(x0 < 0.6 + 1.0 / n, dist, -dist)
        write(out, rho, h)
        write(out.replace(".h5", "_wall.h5"), wall.astype(float), h)
        write(out.replace(".h5", "_V.h5"), V, h)
    elif cmd == "field":
        n = [int(v) for v in o["n"].split(",")]
        h = 1.0 / max(n)
        X = np.meshgrid(*[(np.arange(k) + 0.5) * h for k in n], indexing="ij")
        env = {"np": np}
        for i, x in enumerate(X):
            env[f"x{i}"] = x
        write(out, np.asarray(eval(o["expr"], env), dtype=float) * np.ones(X[0].shape), h)
    else:
        sys.exit(f"unknown command {cmd}")


main()
