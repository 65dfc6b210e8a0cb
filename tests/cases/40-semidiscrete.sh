# 40-semidiscrete.sh: semi-discrete OT against closed forms at 1, 2 and 4 ranks: uniform density and lattice points
# (equal weights, box cells, cost d h^2/12, faces on voxel walls or not), separable densities with tensor-product
# points (box cells cut at the 1-D quantiles, not on voxel walls; exact weights and cost), random points on a Gaussian
# density (mass_error <= 1e-9, the same weights at every rank count, quadratic convergence at the end), POT's exact
# discrete OT from sub-pixel centres (within the bound derived in tests/ref/sd_ref.py), degenerate inputs.
# timeout: 400
# checks: 91
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $OTMPI_TOP/tests/ref/sd_ref.py"

# lat NAME N K D NP...: uniform density on N^D voxels, K^D lattice points, solved at each rank count NP
lat() {
  local name=$1 n=$2 k=$3 d=$4 ns ks np
  shift 4
  ns=$(printf "$n,%.0s" $(seq "$d")) && ns=${ns%,}
  ks=$(printf "$k,%.0s" $(seq "$d")) && ks=${ks%,}
  must "$name gen" 1 gen -shape uniform -n "$ns" -o u.h5 -quiet || return
  must "$name gen points" 1 gen -shape points -n "$ns" -lattice "$ks" -o lat.h5 -quiet || return
  for np in "$@"; do
    must "$name np=$np" "$np" semidiscrete -density u.h5 -points lat.h5 -o lat_out.h5 || continue
    read -r psi cm cost wrong <<<"$($REF lattice lat_out.h5 "$k" "$d")"
    close "$name np=$np: equal weights" "$psi" 0 0 1e-12
    close "$name np=$np: cell masses 1/K^d" "$cm" 0 0 1e-12
    close "$name np=$np: cost d h^2/12" "$cost" "$(awk -v d="$d" -v k="$k" 'BEGIN { printf "%.17g", d / (12 * k * k) }')" 1e-12
    close "$name np=$np: labels are the lattice boxes" "$wrong" 0 0 0
    close "$name np=$np: no Newton iteration needed" "$(attr lat_out.h5 newton_iterations)" 0 0 0
  done
}
lat "2-D lattice 4x4 on 16^2 (faces on voxel walls)" 16 4 2 1 2 4
lat "3-D lattice 3^3 on 12^3 (faces on voxel walls)" 12 3 3 1 2 4
lat "2-D lattice 3x3 on 20^2 (faces inside voxels)" 20 3 2 2
lat "3-D lattice 3^3 on 10^3 (faces inside voxels)" 10 3 3 4

# separable densities, tensor-product points: exact weights, masses, cost and labels from 1-D quantiles
for d in 2 3; do
  $REF separable $d . || fail "sd_ref separable $d"
  for np in 1 2 4; do
    must "separable ${d}-D np=$np" $np semidiscrete -density sep$d.h5 -points sep${d}_pts.h5 -o sep$d-$np.h5 -quiet || continue
    read -r dpsi dm dcost wrong want <<<"$($REF check-separable $d . sep$d-$np.h5)"
    close "separable ${d}-D np=$np: weights = sums of the 1-D quantile weights" "$dpsi" 0 0 1e-10
    close "separable ${d}-D np=$np: cell masses" "$dm" 0 0 1e-12
    close "separable ${d}-D np=$np: cost = sum of exact 1-D costs (relative)" "$dcost" 0 0 1e-11
    close "separable ${d}-D np=$np: labels = quantile boxes" "$wrong" 0 0 0
  done
done

# random points on a Gaussian density (random masses): tolerance reached, same answer at 1, 2, 4 ranks
must "gen gaussian" 1 gen -shape gaussian -n 64,48 -sigma 0.15 -floor 0.02 -o g.h5
must "gen points" 1 gen -shape points -n 64,48 -count 600 -seed 3 -point_mass random -o p.h5
for np in 1 2 4; do
  if must "gaussian 600 points np=$np" $np semidiscrete -density g.h5 -points p.h5 -o g$np.h5 -monitor; then
    cp .out g$np.log
    close "gaussian np=$np: mass_error <= 1e-9" "$(attr g$np.h5 mass_error)" 0 0 1e-9
  fi
done
for np in 2 4; do
  read -r dpsi dm dl dc <<<"$($REF compare g1.h5 g$np.h5)"
  close "gaussian: weights np=$np vs np=1" "$dpsi" 0 0 1e-9
  close "gaussian: cell masses np=$np vs np=1" "$dm" 0 0 1e-12
  close "gaussian: labels np=$np vs np=1" "$dl" 0 0 0
  close "gaussian: cost np=$np vs np=1" "$dc" 0 0 1e-12
done
must "gaussian with the constant null space instead of a held weight" 2 semidiscrete -density g.h5 -points p.h5 -o gn.h5 -sd_pin 0 -quiet &&
  { read -r dpsi dm dl dc <<<"$($REF compare g1.h5 gn.h5)"; close "gaussian -sd_pin 0: same weights" "$dpsi" 0 0 1e-9; }
# the Newton systems take -sd_ksp_* / -sd_pc_* options: CG + hypre BoomerAMG instead of GAMG, same weights
if must "gaussian with -sd_pc_type hypre" 2 semidiscrete -density g.h5 -points p.h5 -o gh.h5 -sd_pc_type hypre -sd_ksp_rtol 1e-10 -sd_ksp_view -quiet; then
  grep -q "type: hypre" .out && ok "-sd_pc_type hypre: KSP uses hypre" || fail "-sd_pc_type hypre: $(grep 'type:' .out | sort -u | tr '\n' ' ')"
  read -r dpsi dm dl dc <<<"$($REF compare g1.h5 gh.h5)"
  close "gaussian -sd_pc_type hypre: same weights" "$dpsi" 0 0 1e-9
fi
read -r e1 e2 order nits <<<"$($REF history g2.log)"
if awk -v o="$order" 'BEGIN { exit !(o >= 1.8) }'; then ok "Newton history ($nits lines): last step above round-off $e1 -> $e2, log ratio $order (quadratic: 2)"; else fail "Newton history not quadratic-looking: $e1 -> $e2 (log ratio $order)"; fi
grep -q "semidiscrete it     0  err" g2.log && ok "Newton history printed" || fail "no Newton history in the output"

# a 3-D Gaussian, random points, at 1 and 4 ranks
must "gen gaussian 3-D" 1 gen -shape gaussian -n 16,14,12 -sigma 0.2 -o g3.h5
must "gen points 3-D" 1 gen -shape points -n 16,14,12 -count 150 -seed 4 -o p3.h5
for np in 1 4; do must "3-D gaussian np=$np" $np semidiscrete -density g3.h5 -points p3.h5 -o g3-$np.h5 -quiet && close "3-D gaussian np=$np: mass_error <= 1e-9" "$(attr g3-$np.h5 mass_error)" 0 0 1e-9; done
read -r dpsi dm dl dc <<<"$($REF compare g3-1.h5 g3-4.h5)"
close "3-D gaussian: weights np=4 vs np=1" "$dpsi" 0 0 1e-9

# POT: exact discrete OT from sub-pixel centres to the points; |W2 - W2_S| <= sqrt(sum h^2 / 12) / S
must "gen POT density" 1 gen -shape gaussian -n 24,20 -sigma 0.15 -floor 0.1 -o pg.h5
must "gen POT points" 1 gen -shape points -n 24,20 -count 30 -seed 5 -point_mass random -o pp.h5
if must "POT case" 2 semidiscrete -density pg.h5 -points pp.h5 -o po.h5 -quiet; then
  prev=1
  for S in 1 4; do
    read -r w2 we delta <<<"$($REF emd pg.h5 pp.h5 po.h5 $S)"
    gap=$(awk -v a="$w2" -v b="$we" 'BEGIN { d = a - b; printf "%.3e", d < 0 ? -d : d }')
    close "POT ot.emd2 from ${S}x${S} sub-pixels: |W2 - W2_emd| = $gap within the bound $delta" "$gap" 0 0 "$delta"
    [[ $S == 4 ]] && { awk -v g="$gap" -v p="$prev" 'BEGIN { exit !(g < p / 4) }' && ok "POT gap shrinks faster than the bound (x$(awk -v g="$gap" -v p="$prev" 'BEGIN { printf "%.1f", p / g }') for 4x finer sampling)" || fail "POT gap $gap does not shrink from $prev"; }
    prev=$gap
  done
fi

# degenerate inputs: coincident points (merged, cell split by target), a point outside the domain, zero density
$REF points dup.h5 dup && must "coincident points" 2 semidiscrete -density pg.h5 -points dup.h5 -o dup_out.h5 -quiet &&
  $PY -c "
import h5py, numpy as np, sys
f = h5py.File('dup_out.h5'); psi, cm, nu = f['psi'][...], f['cell_mass'][...], f['mass'][...]
ok = abs(psi[0] - psi[2]) == 0 and abs(psi[1] - psi[4]) == 0 and np.abs(cm - nu).max() < 1e-9 and set(np.unique(f['label'][...])) <= {0, 1, 3, 5}
sys.exit(0 if ok else 1)" && ok "coincident points share a weight, get their target masses, labels name the first" || fail "coincident points"
$REF points out.h5 out && must "point outside the domain" 2 semidiscrete -density pg.h5 -points out.h5 -o out_out.h5 -quiet &&
  close "point outside the domain: mass_error" "$(attr out_out.h5 mass_error)" 0 0 1e-9
must "gen ball" 1 gen -shape ball -n 40,40 -radius 0.3 -o ball.h5
must "gen points ball" 1 gen -shape points -n 40,40 -count 80 -seed 9 -o pb.h5
must "zero density outside a ball, points everywhere" 4 semidiscrete -density ball.h5 -points pb.h5 -o ball_out.h5 -quiet &&
  close "ball support: mass_error" "$(attr ball_out.h5 mass_error)" 0 0 1e-9

# -png: the cell map
must "png" 2 semidiscrete -density pg.h5 -points pp.h5 -o png_out.h5 -png cells.png -quiet &&
  { [[ $(head -c 4 cells.png | od -An -c | tr -d ' ') == "211PNG" ]] && ok "-png writes a PNG" || fail "-png: not a PNG"; }
# the XDMF sidecar describes /label as int32 on the density's grid
[[ -f png_out.xmf ]] && grep -q 'png_out.h5:/label' png_out.xmf && grep -q 'NumberType="Int" Precision="4"' png_out.xmf &&
  ok "XDMF sidecar: /label as Int/4" || fail "XDMF sidecar of /label: $(cat png_out.xmf 2>&1 | head -20)"
