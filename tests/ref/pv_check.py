"""pv_check.py: opens otmpi's XDMF sidecars in the real ParaView (run with pvpython) and checks them against the HDF5
files read with h5py, an independent reader.

    pvpython pv_check.py MANIFEST

Each line of MANIFEST is one sidecar:  XMF H5 ARRAY=DATASET[,ARRAY=DATASET...] [times=T0:DT:N or times=T1,T2,...] [explicit] [render=PNG]
ARRAY is the name ParaView must show, DATASET the HDF5 dataset holding its values; with times=, DATASET has a leading
time axis and the sidecar must offer exactly the N time values T0 + k DT, each carrying every listed array. Checks per
sidecar: the reader opens it (ParaView's default reader for .xmf, as OpenDataFile picks it); the plane and bounds (a 2-D
array (n0, n1) lies in the XY plane, x along the last axis; 1-D along x); the cell count; the array names; the time values;
every value against h5py at every time. render= also draws the first array offscreen and checks the image is not blank.
Prints one `ok`/`FAIL` line per check; the caller counts them against the checks it planned.
"""
import sys

import h5py
import numpy as np
from paraview import servermanager as sm
from paraview.simple import ColorBy, CreateRenderView, OpenDataFile, Render, SaveScreenshot, Show, Slice
from vtkmodules.numpy_interface import dataset_adapter as dsa


def report(good, name, why=""):
    print(("ok " if good else "FAIL ") + name + ("" if good else ": " + why), flush=True)


def blocks(obj):
    """The datasets of a reader's output (a multiblock of one grid, or the grid itself)."""
    if obj.IsA("vtkCompositeDataSet"):
        it = obj.NewIterator()
        it.InitTraversal()
        while not it.IsDoneWithTraversal():
            yield it.GetCurrentDataObject()
            it.GoToNextItem()
    else:
        yield obj


def expected_geometry(dset, timed):
    shape = dset.shape[1:] if timed else dset.shape
    h, o = np.asarray(dset.attrs["spacing"], float), np.asarray(dset.attrs["origin"], float)
    d = len(h)
    shape = shape[:d]
    lo = [0.0, 0.0, 0.0]
    hi = [0.0, 0.0, 0.0]
    for k in range(d):  # array axis k is VTK axis d-1-k: the last array axis is x
        lo[d - 1 - k] = o[k]
        hi[d - 1 - k] = o[k] + shape[k] * h[k]
    return shape, (lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])


def check_geometry(tag, grid, shape, bounds, explicit):
    b = grid.GetBounds()
    report(np.allclose(b, bounds, rtol=1e-12, atol=1e-12), tag + ": bounds " + str(tuple(round(v, 6) for v in b)), "want " + str(bounds))
    report(grid.GetNumberOfCells() == int(np.prod(shape)), tag + ": %d cells" % grid.GetNumberOfCells(), "want %d" % int(np.prod(shape)))
    if explicit:
        report(grid.IsA("vtkUnstructuredGrid"), tag + ": explicit mesh read as an unstructured grid", type(grid).__name__)
    else:
        dims = grid.GetDimensions()
        want = tuple([n + 1 for n in reversed(shape)] + [1] * (3 - len(shape)))
        report(dims == want, tag + ": image dimensions %s (x along the last array axis)" % (dims,), "want %s" % (want,))


def check_values(tag, grid, arrays, f, t):
    cd = dsa.WrapDataObject(grid).CellData
    names = sorted(cd.keys())
    report(names == sorted(arrays), tag + ": arrays " + ",".join(names), "want " + ",".join(sorted(arrays)))
    for name, path in arrays.items():
        if name not in names:
            continue
        # in a series' frames, a static field (one axis fewer than the first array, a series) is the same every time
        series = t is not None and f[path].ndim == f[next(iter(arrays.values()))].ndim
        want = np.asarray(f[path][t] if series else f[path][...])
        got = np.asarray(cd[name])
        ok = got.size == want.size and np.array_equal(got.reshape(-1), want.reshape(-1).astype(got.dtype))
        report(ok, tag + ": %s equals h5py %s%s (%d values, sum %.6g)" % (name, path, "" if t is None else "[%d]" % t, want.size, want.sum()),
               "shapes %s / %s, max diff %s" % (got.shape, want.shape, np.abs(got.reshape(-1) - want.reshape(-1)).max() if got.size == want.size else "-"))


def render(tag, reader, array, png):
    """Draws the field (a 3-D one as its mid-plane slice) and checks the picture shows a field, not a uniform face."""
    view = CreateRenderView()
    view.ViewSize = [320, 240]
    view.OrientationAxesVisibility = 0
    source = reader
    b = sm.Fetch(reader).GetBounds()
    if b[5] > b[4]:
        source = Slice(Input=reader)
        source.SliceType.Origin = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2]
        source.SliceType.Normal = [0, 0, 1]
    disp = Show(source, view)
    disp.SetRepresentationType("Surface")
    ColorBy(disp, ("CELLS", array))
    disp.RescaleTransferFunctionToDataRange(True)
    view.ResetCamera()
    Render(view)
    SaveScreenshot(png, view, ImageResolution=[320, 240])
    from vtkmodules.vtkIOImage import vtkPNGReader
    from vtkmodules.util.numpy_support import vtk_to_numpy
    r = vtkPNGReader()
    r.SetFileName(png)
    r.Update()
    img = vtk_to_numpy(r.GetOutput().GetPointData().GetScalars())[:, :3]
    background = img[0]
    drawn = np.any(img != background, axis=1).mean()
    colours = len(np.unique(img, axis=0))
    report(drawn > 0.05 and colours > 24, tag + ": offscreen render %s: %.0f%% of pixels drawn, %d colours" % (png, 100 * drawn, colours),
           "blank image (%.1f%% drawn, %d colours)" % (100 * drawn, colours))


def check(line):
    words = line.split()
    xmf, h5 = words[0], words[1]
    arrays = dict(a.split("=", 1) for a in words[2].split(","))
    opts = dict(w.split("=", 1) if "=" in w else (w, "") for w in words[3:])
    explicit = "explicit" in opts
    tag = xmf.rsplit("/", 1)[-1]
    reader = OpenDataFile(xmf)
    report(reader is not None, tag + ": ParaView opens it (%s)" % (reader.GetXMLName() if reader else "-"), "no reader")
    if reader is None:
        return
    times = list(reader.TimestepValues) if reader.TimestepValues else []
    with h5py.File(h5, "r") as f:
        first = f[next(iter(arrays.values()))]
        timed = "times" in opts
        shape, bounds = expected_geometry(first, timed)
        steps = [None]
        if timed:
            if ":" in opts["times"]:
                t0, dt, n = opts["times"].split(":")
                want = [float(t0) + k * float(dt) for k in range(int(n))]
            else:  # uneven: the values, comma separated
                want = [float(v) for v in opts["times"].split(",")]
            report(len(times) == len(want) and np.allclose(times, want, rtol=0, atol=1e-12), tag + ": %d time values %g .. %g" % (len(times), times[0] if times else 0,
                   times[-1] if times else 0), "got %s, want %s" % (times, want))
            steps = list(range(min(len(times), len(want))))
        else:
            report(len(times) == 0, tag + ": no time values (a static field)", "got %s" % times)
        for k, t in enumerate(steps):
            reader.UpdatePipeline(times[t] if t is not None else 0.0)
            grids = list(blocks(sm.Fetch(reader)))
            step = tag + ("" if t is None else " t=%g" % times[t])
            report(len(grids) == 1, step + ": one dataset", "%d blocks" % len(grids))
            if k == 0:
                check_geometry(tag, grids[0], shape, bounds, explicit)
            check_values(step, grids[0], arrays, f, t)
    if "render" in opts:
        render(tag, reader, next(iter(arrays)), opts["render"])


if __name__ == "__main__":
    for entry in open(sys.argv[1]):
        if entry.strip() and not entry.startswith("#"):
            check(entry)
