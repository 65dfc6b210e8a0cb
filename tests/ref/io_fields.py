"""io_fields.py: independent (h5py/numpy) side of the I/O round-trip tests.
  make DIR           writes d1.h5, d2.h5, d3.h5 (random fields of shapes not divisible by 2 or 4, with spacing/origin),
                     g2.h5 (field under /group/data, no geometry attributes), and bad inputs for the error tests
  compare IN OUT     exits 0 when OUT:/density equals IN's data bit for bit, with the same geometry
  meshio XMF H5      checks an explicit-mesh sidecar with meshio: cell centres and values match the HDF5 field
  xdmf XMF H5        checks a CoRectMesh sidecar (XML parsed here) against the HDF5 file: shape, origin, spacing, path"""
import sys
import xml.etree.ElementTree as ET
import h5py
import numpy as np

SHAPES = {1: (13,), 2: (11, 6), 3: (10, 7, 5)}


def make(d):
    rng = np.random.default_rng(7)
    for dim, shape in SHAPES.items():
        with h5py.File(f"{d}/d{dim}.h5", "w") as f:
            ds = f.create_dataset("density", data=rng.random(shape))
            ds.attrs["spacing"] = np.linspace(0.1, 0.3, dim)
            ds.attrs["origin"] = -np.arange(1, dim + 1, dtype=float)
    with h5py.File(f"{d}/g2.h5", "w") as f:
        f.create_dataset("group/data", data=rng.random((10, 4)))
    # bad inputs
    with h5py.File(f"{d}/nan.h5", "w") as f:
        a = rng.random((8, 8)); a[3, 4] = np.nan; a[5, 5] = np.inf
        f["density"] = a
    with h5py.File(f"{d}/neg.h5", "w") as f:
        a = rng.random((8, 8)); a[2, 2] = -0.5
        f["density"] = a
    with h5py.File(f"{d}/zero.h5", "w") as f:
        f["density"] = np.zeros((8, 8))
    with h5py.File(f"{d}/rank4.h5", "w") as f:
        f["density"] = rng.random((2, 3, 4, 5))
    with h5py.File(f"{d}/nodens.h5", "w") as f:
        f["other"] = rng.random((8, 8))
    with h5py.File(f"{d}/other.h5", "w") as f:
        f["density"] = rng.random((8, 9))
    with h5py.File(f"{d}/badspacing.h5", "w") as f:
        ds = f.create_dataset("density", data=rng.random((8, 8)))
        ds.attrs["spacing"] = np.array([0.1, -0.2])
    with open(f"{d}/noth5.h5", "w") as f:
        f.write("this is not an HDF5 file\n")
    # truncated: a valid file cut in the middle of its data
    with h5py.File(f"{d}/full.h5", "w") as f:
        f["density"] = rng.random((64, 64))
    raw = open(f"{d}/full.h5", "rb").read()
    open(f"{d}/trunc.h5", "wb").write(raw[: len(raw) // 2])


def compare(a, b):
    with h5py.File(a) as fa, h5py.File(b) as fb:
        src = fa["density"] if "density" in fa else fa["group/data"]
        x, y = src[...], fb["density"][...]
        if x.shape != y.shape or not np.array_equal(x, y):
            print("data differ"); return 1
        want_h = src.attrs.get("spacing", np.full(x.ndim, 1.0 / max(x.shape)))
        want_o = src.attrs.get("origin", np.zeros(x.ndim))
        if not np.array_equal(fb["density"].attrs["spacing"], want_h):
            print("spacing differs", fb["density"].attrs["spacing"], want_h); return 1
        if not np.array_equal(fb["density"].attrs["origin"], want_o):
            print("origin differs"); return 1
    return 0


def cell_centres(h5):
    with h5py.File(h5) as f:
        d = f["density"]
        a = d[...]
        h, o = d.attrs["spacing"], d.attrs["origin"]
    axes = [o[k] + (np.arange(n) + 0.5) * h[k] for k, n in enumerate(a.shape)]
    grids = np.meshgrid(*axes, indexing="ij")
    return a, grids


def check_meshio(xmf, h5):
    import meshio
    m = meshio.read(xmf)
    a, grids = cell_centres(h5)
    cells = m.cells[0].data
    cen = m.points[cells].mean(axis=1)  # (ncells, 3): x, y, z
    dim = a.ndim
    # axis 0 is z in 3-D, y in 2-D, x in 1-D: the sidecar's convention
    order = {3: [2, 1, 0], 2: [1, 0], 1: [0]}[dim]
    for k in range(dim):
        if not np.allclose(cen[:, order[k]], grids[k].ravel(), rtol=0, atol=1e-12):
            print("cell centres differ along axis", k); return 1
    if not np.array_equal(m.cell_data["density"][0], a.ravel()):
        print("cell values differ"); return 1
    return 0


def check_xdmf(xmf, h5):
    root = ET.parse(xmf).getroot()
    grid = root.find("Domain/Grid")
    topo = grid.find("Topology")
    geo = grid.find("Geometry")
    att = grid.find("Attribute")
    with h5py.File(h5) as f:
        d = f["density"]
        shape, h, o = d.shape, d.attrs["spacing"], d.attrs["origin"]
    dims = [int(v) for v in topo.get("Dimensions").split()]
    items = geo.findall("DataItem")
    org = [float(v) for v in items[0].text.split()]
    spc = [float(v) for v in items[1].text.split()]
    # every mesh is a 3DCoRectMesh, axes slowest first: 1-D and 2-D arrays are one layer of cells (x along the last axis)
    pad = 3 - len(shape)
    want_dims = [1] * pad + [n + 1 for n in shape]
    if dims != want_dims: print("topology dims", dims, want_dims); return 1
    if not np.allclose(org[pad:], o) or not np.allclose(spc[pad:], h) or any(org[:pad]): print("geometry", org, spc); return 1
    want_cells = " ".join(str(v) for v in [1] * pad + list(shape))
    if att.find("DataItem").get("Dimensions") != want_cells: print("cell dims", att.find("DataItem").get("Dimensions"), want_cells); return 1
    path = att.find("DataItem").text.strip()
    if path != "out.h5:/density" and not path.endswith(":/density"): print("path", path); return 1
    fname, dset = path.split(":")
    with h5py.File(fname) as f:
        if f[dset].size != np.prod(shape): print("size"); return 1
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2]); sys.exit(0)
    if cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    if cmd == "meshio":
        sys.exit(check_meshio(sys.argv[2], sys.argv[3]))
    if cmd == "xdmf":
        sys.exit(check_xdmf(sys.argv[2], sys.argv[3]))
    sys.exit(2)
