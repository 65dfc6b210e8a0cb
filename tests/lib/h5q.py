"""h5q.py: small h5py queries for the shell tests (an independent reader of otmpi's files).
usage: h5q.py attr FILE NAME [OBJ] | sum FILE DSET | moments FILE DSET | equal A B DSET | shape FILE DSET"""
import sys
import h5py
import numpy as np


def main(argv):
    cmd, path = argv[1], argv[2]
    with h5py.File(path, "r") as f:
        if cmd == "attr":
            obj = f[argv[4]] if len(argv) > 4 else f
            v = obj.attrs[argv[3]]
            if isinstance(v, bytes):
                v = v.decode()
            if isinstance(v, np.ndarray):
                print(" ".join(repr(float(x)) for x in v.ravel()))
            elif isinstance(v, (float, np.floating)):
                print(repr(float(v)))
            else:
                print(v)
        elif cmd == "sum":
            print(repr(float(np.sum(f[argv[3]][...]))))
        elif cmd == "shape":
            print(" ".join(str(n) for n in f[argv[3]].shape))
        elif cmd == "moments":
            # mass, centroid and variance per axis at cell centres, from the file's own geometry attributes
            d = f[argv[3]]
            a = d[...]
            n = a.shape
            h = d.attrs.get("spacing", np.full(len(n), 1.0 / max(n)))
            o = d.attrs.get("origin", np.zeros(len(n)))
            m = a.sum()
            out = [m]
            for k in range(len(n)):
                x = o[k] + (np.arange(n[k]) + 0.5) * h[k]
                sh = [1] * len(n)
                sh[k] = n[k]
                x = x.reshape(sh)
                mu = (a * x).sum() / m
                out += [mu, (a * (x - mu) ** 2).sum() / m]
            print(" ".join(repr(float(v)) for v in out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
