"""pot_time.py: seconds per iteration of POT 0.8.2's convolutional solvers, the reference of the sinkhorn and barycenter
benchmarks. POT has no grid Sinkhorn between two images; its convolutional barycenter of K images does, per iteration and
image, exactly what a grid Sinkhorn iteration does (two separable kernel applications, dense n x n matrix products per
axis), so K = 1 is the per-iteration reference of `otmpi sinkhorn` and K = 3 that of `otmpi barycenter`.

usage: pot_time.py N REG ITERATIONS K [sinkhorn|sinkhorn_log|debiased] [A.h5,B.h5,...]
prints seconds per iteration (fastest of 3 runs); with the files, POT gets those densities (otmpi's /density, N x N, the
unit-square grid of `otmpi gen`) instead of random ones, and K is their number
"""
import sys
import time
import warnings
import numpy as np
import ot


def main(argv):
    n, reg, its, k = int(argv[1]), float(argv[2]), int(argv[3]), int(argv[4])
    method = argv[5] if len(argv) > 5 else "sinkhorn"
    if len(argv) > 6:
        import h5py
        A = np.array([h5py.File(f, "r")["density"][...] for f in argv[6].split(",")], dtype=float)
        assert A.shape == (k, n, n), "inputs of shape %s, expected %s" % (A.shape, (k, n, n))
    else:
        rng = np.random.default_rng(0)
        A = 0.1 + rng.random((k, n, n))
    A /= A.sum(axis=(1, 2), keepdims=True)
    fn = ot.bregman.convolutional_barycenter2d
    if method == "debiased":
        fn, method = ot.bregman.convolutional_barycenter2d_debiased, "sinkhorn"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(A, reg, method=method, numItermax=1, stopThr=-1.0)  # warm-up (imports, allocation)
        t = float("inf")
        for _ in range(3):  # the machine may be shared: the fastest of three runs, like the otmpi timings
            t0 = time.perf_counter()
            fn(A, reg, method=method, numItermax=its, stopThr=-1.0)
            t = min(t, time.perf_counter() - t0)
    print("%.6e" % (t / its))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
