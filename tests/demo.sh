#!/usr/bin/env bash
# demo.sh: `make demo`: with no data from the user, generates two sets of shapes (2-D 96x96 and 3-D 32x32x32: ball, shell,
# box, two blobs, all centred on the same point) and computes their Wasserstein barycenter (weights 1/4) on 2 ranks.
# Writes HDF5 + XDMF (ParaView) + PNG under demo/, a montage of the 2-D inputs and barycenter, and prints where.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
otmpi="$top/bin/otmpi"
out=${DEMO_OUT:-$top/demo} # make check runs it in its own folder
PY=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mkdir -p "$out"
cd "$out"
t0=$SECONDS

shapes() { # N CENTER TAG
  local n=$1 c=$2 tag=$3 box=0.28,0.14
  [[ $tag == 3d ]] && box=0.28,0.14,0.2
  "$otmpi" gen -shape ball -n "$n" -center "$c" -radius 0.3 -o "ball$tag.h5" -png "ball$tag.png" >/dev/null
  "$otmpi" gen -shape shell -n "$n" -center "$c" -radius 0.32 -thickness 0.08 -o "shell$tag.h5" -png "shell$tag.png" >/dev/null
  "$otmpi" gen -shape box -n "$n" -center "$c" -radius $box -o "box$tag.h5" -png "box$tag.png" >/dev/null
}
shapes 96,96 0.5,0.5 2d
"$otmpi" gen -shape gaussian -n 96,96 -center 0.32,0.35,0.68,0.65 -sigma 0.08 -o blobs2d.h5 -png blobs2d.png >/dev/null
shapes 32,32,32 0.5,0.5,0.5 3d
"$otmpi" gen -shape gaussian -n 32,32,32 -center 0.32,0.35,0.5,0.68,0.65,0.5 -sigma 0.1 -o blobs3d.h5 -png blobs3d.png >/dev/null

mpiexec -n 2 "$otmpi" barycenter -inputs ball2d.h5,shell2d.h5,box2d.h5,blobs2d.h5 -eps 0.001 -tol 1e-5 -o bary2d.h5 -png bary2d.png -quiet </dev/null
mpiexec -n 2 "$otmpi" barycenter -inputs ball3d.h5,shell3d.h5,box3d.h5,blobs3d.h5 -eps 0.004 -tol 1e-5 -o bary3d.h5 -png bary3d.png -quiet </dev/null

# a montage of the 2-D inputs and their barycenter (each panel scaled to its own maximum)
if $PY -c "import numpy, h5py" 2>/dev/null; then
  $PY - <<'EOF'
import struct, zlib
import numpy as np, h5py
names = ["ball2d", "shell2d", "box2d", "blobs2d", "bary2d"]
# y up (array row 0 at the bottom), as otmpi's -png and ParaView show the fields
panels = [h5py.File(n + ".h5", "r")["density"][()][::-1] for n in names]  # row 0 at the bottom, as ParaView
# viridis, sampled at 6 points and interpolated
anchors = np.array([[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]], float)
def colour(a):
    t = np.clip(a / a.max(), 0, 1) * (len(anchors) - 1)
    i = np.minimum(t.astype(int), len(anchors) - 2)
    f = (t - i)[..., None]
    return (anchors[i] * (1 - f) + anchors[i + 1] * f).astype(np.uint8)
gap = np.full((panels[0].shape[0], 6, 3), 255, np.uint8)
row = [colour(p) for p in panels]
img = np.concatenate(sum([[r, gap] for r in row[:-1]], []) + [row[-1]], axis=1)
img = np.repeat(np.repeat(img, 2, axis=0), 2, axis=1)
h, w, _ = img.shape
raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open("montage2d.png", "wb").write(png)
EOF
fi

echo "demo: Wasserstein barycenters of 4 shapes (ball, shell, box, two blobs; weights 1/4 each) on 2 ranks, $((SECONDS - t0)) s:"
echo "  2-D: $out/bary2d.h5 (+ bary2d.xmf for ParaView, bary2d.png); inputs *2d.h5, *2d.png; montage2d.png"
echo "  3-D: $out/bary3d.h5 (+ bary3d.xmf, bary3d.png: the middle plane); inputs *3d.h5, *3d.png"
