# 10-io.sh: the I/O layer: round trips of 1-D/2-D/3-D fields at 1, 2, 4 ranks (h5py and h5diff as independent readers,
# shapes not divisible by the rank count), gen masses and moments against closed forms, info, XDMF sidecars (XML and
# meshio), h5dump, PNG, NIfTI input.
# timeout: 300
# checks: 64
source "$OTMPI_TOP/tests/lib/common.sh"
$PY "$OTMPI_TOP/tests/ref/io_fields.py" make . || fail "io_fields.py make"

# round trip: convert reads collectively by slabs and writes collectively; bit-identical data at every rank count
for d in d1 d2 d3 g2; do
  in=$d.h5
  [[ $d == g2 ]] && in="g2.h5:/group/data"
  for np in 1 2 4; do
    mkdir -p r$np
    # same command line at every rank count (the `command` attribute is part of the file)
    if (cd r$np && ln -sf ../"${in%%:*}" . && must "convert $d np=$np" "$np" convert "$in" -o out.h5 -quiet); then
      if $PY "$OTMPI_TOP/tests/ref/io_fields.py" compare "${in%%:*}" "r$np/out.h5"; then ok "round trip $d np=$np equals input (h5py)"; else fail "round trip $d np=$np differs from input"; fi
    fi
  done
  for np in 2 4; do
    if h5diff -q r1/out.h5 "r$np/out.h5" >/dev/null 2>&1; then ok "round trip $d: np=1 and np=$np files identical (h5diff)"; else fail "round trip $d: h5diff np=1 vs np=$np: $(h5diff r1/out.h5 r$np/out.h5 | head -3)"; fi
  done
  if h5dump -H r1/out.h5 >/dev/null 2>&1; then ok "h5dump reads $d output"; else fail "h5dump cannot read $d output"; fi
  if (cd r1 && $PY "$OTMPI_TOP/tests/ref/io_fields.py" xdmf out.xmf out.h5); then ok "XDMF sidecar of $d matches the HDF5 file"; else fail "XDMF sidecar of $d"; fi
done

# explicit-mesh sidecars open in meshio (a reader that is not ours): cell centres and values
for d in d1 d2 d3; do
  if must "convert $d explicit" 2 convert $d.h5 -o m$d.h5 -xdmf_mesh explicit -quiet; then
    if $PY "$OTMPI_TOP/tests/ref/io_fields.py" meshio m$d.xmf m$d.h5; then ok "meshio opens the $d sidecar, centres and values match"; else fail "meshio check of $d"; fi
  fi
done

# gen: closed forms (sums in plane order: files identical at 1, 2, 4 ranks)
for np in 1 2 4; do
  mkdir -p g$np
  (cd g$np && must "gen np=$np" "$np" gen -shape gaussian -n 64,48 -center 0.5,0.4 -sigma 0.06,0.05 -o a.h5 -quiet)
  (cd g$np && must "gen3 np=$np" "$np" gen -shape ball -n 24,20,18 -radius 0.2 -o b.h5 -quiet)
done
for np in 2 4; do
  for f in a b; do
    if h5diff -q g1/$f.h5 g$np/$f.h5 >/dev/null 2>&1; then ok "gen $f: np=1 and np=$np identical (h5diff)"; else fail "gen $f: np=1 vs np=$np differ"; fi
  done
done
read -r m mx vx my vy <<<"$($H5Q moments g1/a.h5 density)"
close "gaussian mass" "$m" 1 1e-14
close "gaussian mean x" "$mx" 0.5 1e-12
close "gaussian mean y" "$my" 0.4 1e-12
close "gaussian variance x = sigma^2" "$vx" 0.0036 1e-6
close "gaussian variance y = sigma^2" "$vy" 0.0025 1e-6
# box of half-width r = 16 cells of h = 1/64: N = 32 cells, discrete variance (N^2 - 1) h^2 / 12
must "gen box" 2 gen -shape box -n 64,64 -radius 0.25 -o box.h5 -quiet
read -r m mx vx my vy <<<"$($H5Q moments box.h5 density)"
close "box mass" "$m" 1 1e-14
close "box variance (N^2-1)h^2/12" "$vx" "$(awk 'BEGIN{printf "%.17g", (32*32-1)/12/4096}')" 1e-12
close "box mean" "$my" 0.5 1e-12
# uniform on n cells: variance (n^2 - 1) h^2 / 12 per axis
must "gen uniform" 4 gen -shape uniform -n 30,20,10 -o uni.h5 -quiet
read -r m mx vx my vy mz vz <<<"$($H5Q moments uni.h5 density)"
close "uniform variance axis 0" "$vx" "$(awk 'BEGIN{printf "%.17g", (900-1)/12/900}')" 1e-12
close "uniform variance axis 2" "$vz" "$(awk 'BEGIN{printf "%.17g", (100-1)/12/900}')" 1e-12
# two blobs of equal mass: centroid between them; -mass
must "gen blobs" 2 gen -shape gaussian -n 64,64 -center 0.3,0.5,0.7,0.5 -sigma 0.05 -mass 2.5 -o two.h5 -quiet
read -r m mx vx my vy <<<"$($H5Q moments two.h5 density)"
close "two blobs mass" "$m" 2.5 1e-14
close "two blobs centroid" "$mx" 0.5 1e-12
close "two blobs variance = sigma^2 + 0.2^2" "$vx" "$(awk 'BEGIN{print 0.0025+0.04}')" 1e-6
# ball and shell: centroid at the centre, disk variance r^2/4 up to the cell size
read -r m mx vx my vy mz vz <<<"$($H5Q moments g1/b.h5 density)"
close "ball centroid" "$mx" 0.5 1e-12
must "gen disk" 1 gen -shape ball -n 256,256 -radius 0.3 -o disk.h5 -quiet
read -r m mx vx my vy <<<"$($H5Q moments disk.h5 density)"
close "disk variance r^2/4 (1%)" "$vx" 0.0225 1e-2
must "gen shell" 2 gen -shape shell -n 64,64 -radius 0.3 -thickness 0.05 -o shell.h5 -quiet
read -r m mx vx my vy <<<"$($H5Q moments shell.h5 density)"
close "shell variance between (r-t)^2/2 and r^2/2" "$vx" "$(awk 'BEGIN{print (0.25*0.25+0.3*0.3)/4}')" 0.1

# points: count, mass, seeded and independent of the rank count; lattice positions
for np in 1 4; do mkdir -p q$np && (cd q$np && must "gen points np=$np" $np gen -shape points -n 64,64 -count 500 -seed 3 -point_mass random -o p.h5 -quiet); done
cp q1/p.h5 p1.h5
if h5diff -q q1/p.h5 q4/p.h5 >/dev/null 2>&1; then ok "gen points: np=1 and np=4 identical"; else fail "gen points differ with rank count"; fi
close "points mass" "$($H5Q sum p1.h5 mass)" 1 1e-14
close "points count" "$($H5Q shape p1.h5 points | cut -d' ' -f1)" 500 0
must "gen lattice" 2 gen -shape points -n 32,32,32 -lattice 4 -o lat.h5 -quiet
close "lattice count 4^3" "$($H5Q shape lat.h5 points | cut -d' ' -f1)" 64 0
close "lattice mean position" "$($H5Q sum lat.h5 points)" "$(awk 'BEGIN{print 64*3*0.5}')" 1e-14

# info shows the mass and the documented geometry
if must "info" 2 info g1/a.h5; then
  grep -q "mass     1$" .out && grep -q "spacing  0.015625 0.015625" .out && grep -q "origin   0 0" .out && grep -q "@command = \"otmpi gen" .out &&
    ok "info: mass 1, spacing 1/64, origin 0, command attribute" || fail "info output: $(cat .out)"
fi
must "info points" 1 info p1.h5 && { grep -q "count    500 (2-D)" .out && ok "info points" || fail "info points: $(cat .out)"; }

# PNG of a 2-D field and of the middle plane of a 3-D field
must "png 2d" 2 gen -n 40,30 -o pa.h5 -png pa.png -quiet && { file pa.png | grep -q "PNG image data" && ok "png 2-D written" || fail "png 2-D"; }
must "png 3d" 4 gen -n 16,12,10 -shape ball -o pb.h5 -png pb.png -quiet && { file pb.png | grep -q "PNG image data, 420 x 504" && ok "png 3-D middle plane (12x10 magnified 42x)" || fail "png 3-D: $(file pb.png)"; }

# NIfTI input (the mricron-data atlas), converted at 1 and 2 ranks, one label as a density
nii=/usr/share/mricron/templates/JHU-WhiteMatter-labels-2mm.nii.gz
if [[ -r $nii ]]; then
  for np in 1 2; do mkdir -p n$np && (cd n$np && must "convert nifti np=$np" $np convert $nii -o nii.h5 -quiet); done
  cp n1/nii.h5 nii1.h5
  h5diff -q n1/nii.h5 n2/nii.h5 >/dev/null 2>&1 && ok "NIfTI convert identical at 1 and 2 ranks" || fail "NIfTI convert differs"
  read -r nshape <<<"$($H5Q shape nii1.h5 density)"
  [[ $nshape == "91 109 91" ]] && ok "NIfTI shape 91 109 91 (i, j, k)" || fail "NIfTI shape $nshape"
  [[ "$(attr nii1.h5 spacing density)" == "2.0 2.0 2.0" ]] && ok "NIfTI spacing from pixdim (2 mm)" || fail "NIfTI spacing $(attr nii1.h5 spacing density)"
  must "nifti label" 2 convert $nii -label 5 -o lab.h5 -quiet && close "label 5 is an indicator" "$($H5Q sum lab.h5 density)" "$($PY -c "
import numpy as np, gzip, struct
raw = gzip.open('$nii').read(); vox = int(struct.unpack('<f', raw[108:112])[0])
dt = struct.unpack('<h', raw[70:72])[0]; a = np.frombuffer(raw[vox:], dtype={2:'u1',4:'<i2',8:'<i4',16:'<f4'}[dt])
print(int((a == 5).sum()))")" 0
else
  fail "mricron-data missing: $nii"
fi
