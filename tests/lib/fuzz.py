"""fuzz.py: seeded mutation fuzzing of every input otmpi reads (HDF5 densities, point files, checkpoints, NIfTI volumes)
through every command that reads them.

    python3 fuzz.py OTMPI SEED COUNTS

OTMPI is the binary (a normal or an AddressSanitizer build), run as a singleton MPI process in the current directory,
which holds the clean inputs made by tests/cases/13-fuzz.sh. COUNTS gives how many mutants of each kind
(density=N,points=N,checkpoint=N,nifti=N). Each mutant is written from the clean file with a generator seeded by
(SEED, kind, index), so a failure names what reproduces it. Every mutant goes through `info` and through one more command
that reads that kind of file (in turn). A run passes when it ends by itself (20 s limit) without a crash, and either
exits 0 with a complete HDF5 output (none for info), or exits non-zero with exactly one `otmpi: error:` line, nothing
else that looks like an error on stderr, and no output file or temporary left. Prints `FAIL` per failing run and one
`ok` line per (kind, command) group.
"""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

NOISE = ("PETSC ERROR", "HDF5-DIAG", "Segmentation", "Traceback", "Caught signal", "AddressSanitizer", "LeakSanitizer",
         "runtime error", "MPI_ABORT", "free(): ", "double free", "stack smashing", "core dumped")
KINDS = ("density", "points", "checkpoint", "nifti")
SOLVE = {
    "sinkhorn": ["sinkhorn", "-a", "{M}", "-b", "b.h5", "-eps", "1e-2", "-max_it", "50"],
    "barycenter": ["barycenter", "-inputs", "{M},b.h5", "-eps", "1e-2", "-max_it", "20"],
    "dynamic": ["dynamic", "-a", "{M}", "-b", "b.h5", "-nt", "4", "-max_it", "10"],
    "semidiscrete": ["semidiscrete", "-density", "{M}", "-points", "p.h5", "-max_it", "5"],
    "jko": ["jko", "-rho0", "{M}", "-tau", "0.01", "-steps", "3", "-entropy", "0.1"],
}
# the problem each clean checkpoint was written for (13-fuzz.sh makes them with these arguments)
RESTART = {
    "ck_sinkhorn.h5": ["sinkhorn", "-a", "d.h5", "-b", "b.h5", "-eps", "1e-2", "-max_it", "50"],
    "ck_barycenter.h5": ["barycenter", "-inputs", "d.h5,b.h5", "-eps", "1e-2", "-max_it", "20"],
    "ck_dynamic.h5": ["dynamic", "-a", "d.h5", "-b", "b.h5", "-nt", "4", "-max_it", "10"],
    "ck_semidiscrete.h5": ["semidiscrete", "-density", "d.h5", "-points", "p.h5", "-max_it", "5"],
    "ck_jko.h5": ["jko", "-rho0", "d.h5", "-tau", "0.01", "-steps", "4", "-entropy", "0.1"],
}


def commands(kind, index):
    """The commands that read a mutant of `kind` (a list of argument lists with {M} for the mutant); the second one
    rotates over the readers of that kind."""
    if kind == "density":
        readers = [["convert", "{M}"]] + list(SOLVE.values())
        return [["info", "{M}"], readers[index % len(readers)]]
    if kind == "points":
        return [["info", "{M}"], ["semidiscrete", "-density", "d.h5", "-points", "{M}", "-max_it", "5"]]
    if kind == "nifti":
        readers = [["convert", "{M}"], ["convert", "{M}", "-label", "3"], ["sinkhorn", "-a", "{M}", "-b", "v2.nii", "-eps", "50", "-max_it", "20"],
                   ["barycenter", "-inputs", "{M},v2.nii", "-eps", "50", "-max_it", "10"]]
        return [["info", "{M}"], readers[index % len(readers)]]
    clean = sorted(RESTART)[index % len(RESTART)]
    return [["info", "{M}"], RESTART[clean] + ["-restart", "{M}"]]


def source(kind, index):
    if kind == "checkpoint":
        return sorted(RESTART)[index % len(RESTART)]
    return {"density": "d.h5", "points": "p.h5", "nifti": "v.nii"}[kind]


def mutate(data, rng, kind):
    """One of: bit flips anywhere, byte changes in the metadata-heavy head, truncation, a zeroed range, random bytes over
    a range, or (NIfTI) an extreme value in a header field. Returns the bytes and a description."""
    b = bytearray(data)
    n = len(b)
    how = rng.integers(0, 6 if kind == "nifti" else 5)
    if how == 0:
        k = int(rng.integers(1, 17))
        for p in rng.integers(0, n, k):
            b[p] ^= 1 << int(rng.integers(0, 8))
        return bytes(b), "%d bit flips" % k
    if how == 1:
        head = min(n, 352 if kind == "nifti" else 4096)
        k = int(rng.integers(1, 9))
        for p in rng.integers(0, head, k):
            b[p] = int(rng.integers(0, 256))
        return bytes(b), "%d bytes changed in the first %d" % (k, head)
    if how == 2:
        cut = int(rng.integers(0, n))
        return bytes(b[:cut]), "truncated to %d of %d bytes" % (cut, n)
    p = int(rng.integers(0, n))
    m = int(rng.integers(1, max(2, n // 4)))
    if how == 3:
        b[p:p + m] = bytes(len(b[p:p + m]))
        return bytes(b), "zeroed %d bytes at %d" % (m, p)
    if how == 4:
        b[p:p + m] = rng.integers(0, 256, len(b[p:p + m]), dtype=np.uint8).tobytes()
        return bytes(b), "random %d bytes at %d" % (m, p)
    # NIfTI-1 header fields: dim[0..7] (40, int16), datatype (70), bitpix (72), pixdim (76, float32), vox_offset (108),
    # scl_slope (112), scl_inter (116)
    field, off, fmt = [("dim", 40 + 2 * int(rng.integers(0, 8)), "<i2"), ("datatype", 70, "<i2"), ("bitpix", 72, "<i2"),
                       ("pixdim", 76 + 4 * int(rng.integers(0, 8)), "<f4"), ("vox_offset", 108, "<f4"), ("scl_slope", 112, "<f4"),
                       ("scl_inter", 116, "<f4")][int(rng.integers(0, 7))]
    values = [0, -1, 1, 7, 32767, -32768] if fmt == "<i2" else [0.0, -1.0, 1e30, -1e30, np.nan, np.inf, 1e-30]
    v = values[int(rng.integers(0, len(values)))]
    b[off:off + (2 if fmt == "<i2" else 4)] = np.array([v], dtype=fmt).tobytes()
    return bytes(b), "header %s at %d set to %s" % (field, off, v)


def run(otmpi, args, work):
    out = os.path.join(work, "out.h5")
    cmd = [otmpi] + args + ([] if args[0] == "info" else ["-o", out, "-quiet"])
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=0"))
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=20, env=env)
    except subprocess.TimeoutExpired:
        return "hang (no exit in 20 s)"
    err = p.stderr.decode("utf-8", "replace")
    left = sorted(f for f in os.listdir(work) if f.startswith("out"))
    complete = "out.h5" in left and open(out, "rb").read(8) == b"\x89HDF\r\n\x1a\n"
    temporaries = [f for f in left if ".tmp" in f]
    for f in left:
        os.unlink(os.path.join(work, f))
    if p.returncode < 0 or p.returncode > 128:
        return "crash: status %d: %s" % (p.returncode, err[-300:])
    noise = [w for w in NOISE if w in err]
    if noise:
        return "error noise %s (status %d): %s" % (noise, p.returncode, err[-300:])
    lines = [line for line in err.splitlines() if line.startswith("otmpi: error:")]
    if p.returncode != 0:
        if len(lines) != 1:
            return "status %d with %d 'otmpi: error:' lines: %s" % (p.returncode, len(lines), err[-300:])
        if left:
            return "rejected (%s) but left %s" % (lines[0], left)
        return "rejected"
    if lines:
        return "status 0 with an error line: " + lines[0]
    if args[0] == "info":
        return "accepted" if not left else "info wrote %s" % left
    if not complete or temporaries:
        return "accepted but the output is %s" % (left or "missing")
    return "accepted"


def one(otmpi, seed, kind, index):
    rng = np.random.default_rng([seed, KINDS.index(kind), index])
    work = "w_%s_%d" % (kind, index)
    os.makedirs(work, exist_ok=True)
    src = source(kind, index)
    data, how = mutate(open(src, "rb").read(), rng, kind)
    name = os.path.join(work, "m" + os.path.splitext(src)[1])
    open(name, "wb").write(data)
    results = []
    for args in commands(kind, index):
        args = [a.replace("{M}", name) for a in args]
        outcome = run(otmpi, args, work)
        results.append((args, how, outcome))
    return kind, index, results


def main():
    otmpi, seed = sys.argv[1], int(sys.argv[2])
    counts = dict((k, int(v)) for k, v in (c.split("=") for c in sys.argv[3].split(",")))
    jobs = [(k, i) for k in KINDS for i in range(counts.get(k, 0))]
    groups = {}
    bad = 0
    with ThreadPoolExecutor(max_workers=int(os.environ.get("FUZZ_JOBS", "2"))) as pool:
        for kind, index, results in pool.map(lambda j: one(otmpi, seed, *j), jobs):
            for args, how, outcome in results:
                g = groups.setdefault((kind, args[0]), {"rejected": 0, "accepted": 0, "failed": 0})
                if outcome in ("rejected", "accepted"):
                    g[outcome] += 1
                else:
                    g["failed"] += 1
                    bad += 1
                    print("FAIL fuzz %s #%d (seed %d, %s): otmpi %s: %s" % (kind, index, seed, how, " ".join(args), outcome), flush=True)
    for (kind, cmd), g in sorted(groups.items()):
        n = g["rejected"] + g["accepted"] + g["failed"]
        line = "fuzz: %d mutated %s files through %s: %d rejected with one error line, %d accepted (exit 0, a complete output), %d failed" % (
            n, kind, cmd, g["rejected"], g["accepted"], g["failed"])
        print(("ok " if g["failed"] == 0 else "FAIL ") + line, flush=True)
    print("# fuzz: %d mutants, %d runs, %d failed" % (len(jobs), sum(sum(g.values()) for g in groups.values()), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
