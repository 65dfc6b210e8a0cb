"""otref.py: what the reference scripts share: ok/FAIL lines like the shell tests, and otmpi density files read and
written with h5py (an independent reader/writer: /density with spacing and origin attributes)."""
import numpy as np
import h5py


def ok(name):
    print("ok " + name)


def fail(name, why):
    print("FAIL %s: %s" % (name, why))


def write(path, a, h=None, origin=None):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("density", data=a)
        if h is not None:
            d.attrs["spacing"] = np.asarray(h, dtype=float)
        if origin is not None:
            d.attrs["origin"] = np.asarray(origin, dtype=float)


def read(path):
    """(values, spacing, origin), with the documented defaults 1/max(n) and 0"""
    with h5py.File(path, "r") as f:
        d = f["density"]
        a = d[...]
        h = np.asarray(d.attrs.get("spacing", np.full(a.ndim, 1.0 / max(a.shape))), float)
        o = np.asarray(d.attrs.get("origin", np.zeros(a.ndim)), float)
    return a, h, o
