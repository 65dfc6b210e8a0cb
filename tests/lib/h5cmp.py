"""h5cmp.py: compare two otmpi output files (h5py, independent of otmpi): every dataset and numeric attribute.
usage: h5cmp.py GOT.h5 WANT.h5 RTOL
Datasets: max|got - want| <= RTOL max|want| (norm-wise relative), same shapes. Numeric attributes: integers equal,
floats |got - want| <= RTOL |want| or <= 1e-14 (round-off floor for error measures near 0; datasets named *error*
get the same floor). Skipped: string
attributes (command, version), measurements of the run itself and its layout over the ranks (names with
time/elapsed/seconds/rate/memory/bytes/rank/groups): they differ between rank counts, not between answers; and counts
of the work one process did (inner solves, Krylov iterations: a run resumed from a checkpoint counts only its own share,
while `iterations`, the solver's position, is compared).
Prints one line: the worst relative difference and where, or what differs; exit status 0 when within RTOL."""
import sys
import h5py
import numpy as np

SKIP = ("time", "elapsed", "seconds", "rate", "memory", "bytes", "rank", "groups", "solves", "ksp_iterations")


def attrs(obj, prefix):
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, (bytes, str)) or (isinstance(v, np.ndarray) and v.dtype.kind in "SUO"):
            continue
        if any(s in k.lower() for s in SKIP):
            continue
        out[prefix + "@" + k] = np.asarray(v)
    return out


def collect(f):
    dsets, ats = {}, attrs(f, "/")

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            dsets["/" + name] = obj[...]
            ats.update(attrs(obj, "/" + name))

    f.visititems(visit)
    return dsets, ats


def main(argv):
    got_path, want_path, rtol = argv[1], argv[2], float(argv[3])
    with h5py.File(got_path, "r") as g, h5py.File(want_path, "r") as w:
        gd, ga = collect(g)
        wd, wa = collect(w)
    problems, worst, where = [], 0.0, "-"
    if sorted(gd) != sorted(wd):
        problems.append("datasets differ: %s vs %s" % (sorted(gd), sorted(wd)))
    for name in sorted(set(gd) & set(wd)):
        a, b = gd[name], wd[name]
        if a.shape != b.shape:
            problems.append("%s: shape %s vs %s" % (name, a.shape, b.shape))
            continue
        if a.size == 0:
            continue
        a, b = a.astype(float), b.astype(float)
        if not np.all(np.isfinite(a)):
            problems.append("%s: non-finite values" % name)
            continue
        scale = np.max(np.abs(b))
        d = np.max(np.abs(a - b)) / (scale if scale > 0 else 1.0)
        if "error" in name.lower() and np.max(np.abs(a - b)) <= 1e-14:
            d = 0.0  # a measured residual at round-off (e.g. per step): the same floor as for attributes
        if d > worst:
            worst, where = d, name
        if d > rtol:
            problems.append("%s: relative difference %.3g" % (name, d))
    if sorted(ga) != sorted(wa):
        problems.append("attributes differ: %s" % sorted(set(ga) ^ set(wa)))
    for name in sorted(set(ga) & set(wa)):
        a, b = ga[name], wa[name]
        if a.shape != b.shape:
            problems.append("%s: shape %s vs %s" % (name, a.shape, b.shape))
        elif a.dtype.kind in "iu" and b.dtype.kind in "iu":
            if not np.array_equal(a, b):
                problems.append("%s: %s vs %s" % (name, a.tolist(), b.tolist()))
        else:
            a, b = a.astype(float).ravel(), b.astype(float).ravel()
            d = np.abs(a - b)
            rel = np.max(d / np.where(b != 0, np.abs(b), 1.0)) if d.size else 0.0
            if np.any((d > rtol * np.abs(b)) & (d > 1e-14)):
                problems.append("%s: %s vs %s" % (name, a.tolist(), b.tolist()))
            elif rel > worst and np.all(d > 1e-14):
                worst, where = rel, name
    if problems:
        print("; ".join(problems))
        return 1
    print("max relative difference %.3g (%s), %d datasets, %d attributes" % (worst, where, len(wd), len(wa)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
