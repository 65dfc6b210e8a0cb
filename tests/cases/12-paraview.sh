# 12-paraview.sh: one XDMF sidecar of every kind otmpi writes, opened in the real ParaView (pvpython, offscreen under
# Xvfb) and checked against h5py: 1-D/2-D/3-D densities (gen, convert of a NIfTI atlas), the explicit-mesh option,
# sinkhorn's potentials and vector map, a barycenter, the semidiscrete label map (int32, 2-D and 3-D), dynamic's time
# series (rho and momentum, each its own sidecar with its own time axis), jko's flows (2-D saved at uneven times, 3-D),
# and three offscreen renders. Every output is
# made at 2 ranks, without checkpoints. The checker's lines are counted against the plan, and a sidecar in the old
# layout (2-D in the YZ plane) must be caught.
# timeout: 300
# checks: 211
source "$OTMPI_TOP/tests/lib/common.sh"
source "$OTMPI_TOP/tests/lib/xvfb.sh"
CHECK=$OTMPI_TOP/tests/ref/pv_check.py
d=$PWD
if ! command -v pvpython >/dev/null || ! command -v Xvfb >/dev/null; then
  fail "paraview: pvpython or Xvfb missing (make deps installs paraview, python3-paraview, xvfb)"
  exit 1
fi

# --- outputs of every command -------------------------------------------------------------------------------------------
made=1
must "gen 1-D" 2 gen -shape gaussian -n 64 -center 0.4 -sigma 0.1 -o a1.h5 -quiet || made=0
must "gen 2-D" 2 gen -shape gaussian -n 40,30 -center -0.4,2.3 -sigma 0.15 -origin -1,2 -spacing 0.05,0.02 -o a2.h5 -quiet || made=0
must "gen 2-D" 2 gen -shape ball -n 40,30 -center 0.3,2.35 -radius 0.3 -floor 1e-3 -origin -1,2 -spacing 0.05,0.02 -o b2.h5 -quiet || made=0
must "gen 3-D" 2 gen -shape gaussian -n 12,10,8 -center 1.3,2.5,3.2 -sigma 0.1 -origin 1,2,3 -o a3.h5 -quiet || made=0
must "gen 2-D explicit" 2 gen -shape gaussian -n 20,16 -center 0.3,0.5 -sigma 0.1 -xdmf_mesh explicit -o e2.h5 -quiet || made=0
must "gen 3-D explicit" 2 gen -shape shell -n 10,9,8 -radius 0.3 -xdmf_mesh explicit -o e3.h5 -quiet || made=0
must "convert NIfTI" 2 convert /usr/share/mricron/templates/JHU-WhiteMatter-labels-2mm.nii.gz -label 5 -o nii.h5 -quiet || made=0
must "sinkhorn" 2 sinkhorn -a b2.h5 -b b2.h5 -eps 1e-2 -save_map -o sk.h5 -quiet || made=0
must "gen 3-D pair" 2 gen -shape gaussian -n 12,10,8 -center 1.7,2.4,3.4 -sigma 0.1 -origin 1,2,3 -o b3.h5 -quiet || made=0
must "barycenter 3-D" 2 barycenter -inputs a3.h5,b3.h5 -eps 1e-2 -o by.h5 -quiet || made=0
must "points" 1 gen -shape points -n 1,1 -count 12 -seed 3 -o p2.h5 -quiet || made=0
must "semidiscrete 2-D" 2 semidiscrete -density b2.h5 -points p2.h5 -o sd2.h5 -quiet || made=0
must "points 3-D" 1 gen -shape points -n 1,1,1 -count 9 -seed 5 -o p3.h5 -quiet || made=0
must "semidiscrete 3-D" 2 semidiscrete -density e3.h5 -points p3.h5 -o sd3.h5 -quiet || made=0
must "dynamic 2-D" 2 dynamic -a a2.h5 -b b2.h5 -nt 6 -max_it 20 -o dyn.h5 -quiet || made=0
must "dynamic 2-D explicit" 2 dynamic -a a2.h5 -b b2.h5 -nt 4 -max_it 5 -xdmf_mesh explicit -o dyne.h5 -quiet || made=0
must "jko 2-D (frames at uneven times)" 2 jko -rho0 a2.h5 -entropy 0.01 -tau 0.01 -steps 7 -save_every 3 -o jk.h5 -quiet || made=0
must "jko 3-D" 2 jko -rho0 a3.h5 -potential_quadratic 1,1.5,2.5,3.3 -kappa 2000 -tau 0.05 -steps 2 -o jk3.h5 -quiet || made=0
((made)) || exit 1

# --- the manifest: sidecar, file, arrays, times, options ------------------------------------------------------------------
cat >manifest.txt <<EOF
$d/a1.xmf $d/a1.h5 density=/density
$d/a2.xmf $d/a2.h5 density=/density render=$d/a2.png
$d/a3.xmf $d/a3.h5 density=/density
$d/e2.xmf $d/e2.h5 density=/density explicit
$d/e3.xmf $d/e3.h5 density=/density explicit
$d/nii.xmf $d/nii.h5 density=/density
$d/sk.xmf $d/sk.h5 f=/f,g=/g,map=/map
$d/by.xmf $d/by.h5 density=/density render=$d/by.png
$d/sd2.xmf $d/sd2.h5 label=/label
$d/sd3.xmf $d/sd3.h5 label=/label
$d/dyn.xmf $d/dyn.h5 rho=/rho times=0:0.16666666666666666:7
$d/dyn_momentum.xmf $d/dyn.h5 momentum=/momentum times=0.083333333333333329:0.16666666666666666:6
$d/dyne.xmf $d/dyne.h5 rho=/rho times=0:0.25:5 explicit
$d/dyne_momentum.xmf $d/dyne.h5 momentum=/momentum times=0.125:0.25:4 explicit
$d/jk.xmf $d/jk.h5 rho=/rho,density=/density times=0,0.03,0.06,0.07 render=$d/jk.png
$d/jk3.xmf $d/jk3.h5 rho=/rho,density=/density times=0:0.05:3
EOF
# the plan: a static sidecar has 7 checks + 1 per array, a series 5 + (2 + arrays) per time value; a render 1 more
plan=$(awk '{ n = split($3, a, ","); t = 0; r = 0
  for (i = 4; i <= NF; i++) { if ($i ~ /^times=/) { t = split(substr($i, 7), s, ":") == 3 ? s[3] : split(substr($i, 7), s, ",") } if ($i ~ /^render=/) r = 1 }
  c += (t ? 5 + t * (2 + n) : 7 + n) + r } END { print c }' manifest.txt)
pv_run pv.out pv.err "$CHECK" manifest.txt
rc=$?
grep -E '^(ok|FAIL) ' pv.out
got=$(grep -cE '^(ok|FAIL) ' pv.out)
if [[ $rc -eq 0 && $got -eq $plan ]]; then
  ok "pvpython pv_check.py: exit 0, $got of $plan planned checks reported"
else
  fail "pvpython pv_check.py: exit status $rc, $got of $plan planned checks: $(grep -vE 'Skipping|^$' pv.err | tail -3)"
fi

# --- the harness catches a wrong sidecar: the old 2-D layout (2DCoRectMesh, which ParaView puts in the YZ plane) -------
cat >old.xmf <<EOF
<?xml version="1.0" ?>
<Xdmf Version="2.0">
 <Domain>
  <Grid Name="fields" GridType="Uniform">
   <Topology TopologyType="2DCoRectMesh" Dimensions="41 31"/>
   <Geometry GeometryType="ORIGIN_DXDY">
    <DataItem Dimensions="2" NumberType="Float" Precision="8" Format="XML">-1 2</DataItem>
    <DataItem Dimensions="2" NumberType="Float" Precision="8" Format="XML">0.05 0.02</DataItem>
   </Geometry>
   <Attribute Name="density" AttributeType="Scalar" Center="Cell">
    <DataItem Dimensions="40 30" NumberType="Float" Precision="8" Format="HDF">a2.h5:/density</DataItem>
   </Attribute>
  </Grid>
 </Domain>
</Xdmf>
EOF
echo "$d/old.xmf $d/a2.h5 density=/density" >old.txt
pv_run old.out old.err "$CHECK" old.txt
if grep -q '^FAIL old.xmf: bounds' old.out && grep -q '^FAIL old.xmf: image dimensions' old.out; then
  ok "the checker fails a 2-D sidecar in the YZ plane: $(grep -m1 '^FAIL old.xmf: image' old.out)"
else
  fail "the checker passed the old YZ-plane layout: $(head -c 400 old.out)"
fi
