"""potcmp.py: two otmpi outputs hold the same fields to RTOL relative to |x| + SCALE (h5py, independent of otmpi): the
potentials of a Sinkhorn run (f, g: SCALE = eps) or a barycenter density (SCALE = 0: relative to the largest value).
The infinities (cells of zero mass) must be the same cells. Prints one `ok`/`FAIL` line named NAME.

usage: potcmp.py NAME GOT.h5 WANT.h5 RTOL SCALE DATASET...      (pointwise: max |got - want| / (|want| + SCALE))
       potcmp.py --l1 NAME GOT.h5 WANT.h5 RTOL SCALE DATASET...  (relative L1: sum |got - want| / sum (|want| + SCALE))
"""
import sys
import h5py
import numpy as np


def main(argv):
    l1 = argv[1] == "--l1"
    if l1:
        argv = argv[1:]
    name, got, want, rtol, scale = argv[1], argv[2], argv[3], float(argv[4]), float(argv[5])
    worst, where = 0.0, ""
    with h5py.File(got, "r") as a, h5py.File(want, "r") as b:
        for ds in argv[6:]:
            x, y = a[ds][...], b[ds][...]
            if x.shape != y.shape:
                print("FAIL %s: %s shapes %s and %s" % (name, ds, x.shape, y.shape))
                return 0
            fx, fy = np.isfinite(x), np.isfinite(y)
            if (fx != fy).any() or not fy.any():
                print("FAIL %s: %s has %d cells finite in one file only" % (name, ds, int((fx != fy).sum())))
                return 0
            den = np.abs(y[fy]) + (scale if scale > 0 else np.abs(y[fy]).max())
            d = np.abs(x[fx] - y[fy])
            r = float(d.sum() / den.sum()) if l1 else float(np.max(d / den))
            if r >= worst:
                worst, where = r, ds
    verdict = "ok" if worst <= rtol else "FAIL"
    what = "sum |got - want|/sum (|want| + %g)" if l1 else "max |got - want|/(|want| + %g)"
    print("%s %s: %s = %.3e (%s)" % (verdict, name, what % scale, worst, where))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
