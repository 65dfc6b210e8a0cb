#!/usr/bin/env bash
# smalleps.sh: benchmarks of small eps on inputs with an empty background (make bench B=smalleps), JSON written to $1.
# The log-domain kernel is the banded type's stabilised product (shifted.c); the old exact path (-kernel_shift 0) and
# POT run on the same arrays, side by side, alternating (SMALLEPS_REPS, 2):
#  - pot512: 512^2, a ball, a shell and a box (zero outside), eps = 4e-3, 1 rank: time per barycenter iteration against
#    POT 0.8.2's convolutional_barycenter2d (its default scaling form: dense n x n products) on the same arrays;
#  - pot256: 256^2, the same shapes, eps = 4 h^2, against POT's method="sinkhorn_log";
#  - ratio: log-domain iteration / DCT-kernel iteration, same grid, inputs and ranks (2): the JHU atlas job (labels 3, 4, 5,
#    91 x 109 x 91, eps = 16 mm^2) and N3^3 x 4 (SMALLEPS_N3, 256; shapes, eps = 4 h^2); the DCT iteration costs the same
#    at any eps, so it runs where it resolves the kernel (diam^2/eps = 25);
#  - atlas: the atlas job to -tol 1e-6 (2 ranks) with the defaults (-multiscale, -accel), one level, and plain:
#    iterations (fine, coarse, equivalents), wall time, time per iteration, the barycenters' relative L1 difference;
#  - run512: the 512^2 case to -tol 1e-6 with the defaults, 2 ranks: fine iterations, the coarse levels' in fine
#    equivalents, wall time;
#  - atlas1mm: four regions of aal.nii.gz (181 x 217 x 181, 1 mm), eps = 4 mm^2, 2 ranks, SMALLEPS_ITS1 (5) iterations
#    on one level: time per iteration and peak memory per rank.
set -u
out=$1
source "$OTMPI_TOP/tests/lib/common.sh"
REPS=${SMALLEPS_REPS:-2}
N3=${SMALLEPS_N3:-256}
ITS1=${SMALLEPS_ITS1:-5}
ATLAS=/usr/share/mricron/templates/JHU-WhiteMatter-labels-2mm.nii.gz
AAL=/usr/share/mricron/templates/aal.nii.gz
: >results.tsv
a() { $PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(' '.join(repr(float(f.attrs[k])) for k in sys.argv[2:]))" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# --- 2-D against POT: ours (stabilised), the exact path and POT alternate
for n in 512 256; do
  $OTMPI gen -shape ball -n $n,$n -center 0.35,0.4 -radius 0.2 -o s${n}_0.h5 >/dev/null
  $OTMPI gen -shape shell -n $n,$n -center 0.6,0.55 -radius 0.25 -o s${n}_1.h5 >/dev/null
  $OTMPI gen -shape box -n $n,$n -center 0.5,0.35 -radius 0.15,0.1 -o s${n}_2.h5 >/dev/null
  if ((n == 512)); then eps=4e-3 method=sinkhorn; else eps=$(awk -v n=$n 'BEGIN { printf "%.10g", 4 / n / n }') method=sinkhorn_log; fi
  : >it.txt
  : >ex.txt
  : >pot.txt
  for _ in $(seq "$REPS"); do
    mpiexec -n 1 "$OTMPI" barycenter -inputs s${n}_0.h5,s${n}_1.h5,s${n}_2.h5 -eps $eps -tol 0 -max_it 6 -o o.h5 -quiet </dev/null >/dev/null &&
      a o.h5 time_per_iteration_min >>it.txt
    mpiexec -n 1 "$OTMPI" barycenter -inputs s${n}_0.h5,s${n}_1.h5,s${n}_2.h5 -eps $eps -tol 0 -max_it 3 -kernel_shift 0 -o o.h5 -quiet </dev/null >/dev/null &&
      a o.h5 time_per_iteration_min >>ex.txt
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PY "$OTMPI_TOP/tests/bench/pot_time.py" $n $eps 2 3 $method s${n}_0.h5,s${n}_1.h5,s${n}_2.h5 >>pot.txt
  done
  it=$(minof it.txt) ex=$(minof ex.txt) p=$(minof pot.txt)
  echo -e "pot$n\t${n}x$n\t$eps\t$method\t$it\t$ex\t$p\t$(ratio "$p" "$it")\t$(ratio "$ex" "$it")" | tee -a results.tsv
done

# --- log-domain / DCT iteration, 2 ranks: the same grid, inputs and ranks; the DCT kernel's iteration costs the same at
# any eps, so it runs at an eps it resolves (diam^2/eps = 25: the atlas 4500 mm^2, the cube 0.12)
# logdct LABEL K INPUTS EPS_LOG EPS_DCT ITS: the fastest of REPS alternating runs of each (this VM's speed drifts)
logdct() {
  local lg dc
  : >lg.txt
  : >dc.txt
  for _ in $(seq "$REPS"); do
    mpiexec -n 2 "$OTMPI" barycenter -inputs "$3" -eps "$4" -tol 0 -max_it "$6" -o o.h5 -quiet </dev/null >/dev/null &&
      a o.h5 time_per_iteration_min >>lg.txt
    mpiexec -n 2 "$OTMPI" barycenter -inputs "$3" -eps "$5" -kernel dct -tol 0 -max_it "$6" -o o.h5 -quiet </dev/null >/dev/null &&
      a o.h5 time_per_iteration_min >>dc.txt
  done
  lg=$(minof lg.txt) dc=$(minof dc.txt)
  echo -e "ratio\t$1\t$2\t$lg\t$dc\t$(ratio "$lg" "$dc")" | tee -a results.tsv
}
for l in 3 4 5; do $OTMPI convert $ATLAS -label $l -o l$l.h5 >/dev/null; done
logdct 91x109x91 3 l3.h5,l4.h5,l5.h5 16 4500 4
s=$N3,$N3,$N3
e3=$(awk -v n="$N3" 'BEGIN { printf "%.10g", 4 / n / n }')
$OTMPI gen -shape ball -n $s -center 0.4,0.45,0.5 -radius 0.25 -o v0.h5 >/dev/null
$OTMPI gen -shape shell -n $s -center 0.55,0.5,0.5 -radius 0.3 -o v1.h5 >/dev/null
$OTMPI gen -shape box -n $s -center 0.5,0.55,0.45 -radius 0.2,0.25,0.15 -o v2.h5 >/dev/null
$OTMPI gen -shape ball -n $s -center 0.45,0.5,0.55 -radius 0.2 -o v3.h5 >/dev/null
logdct "${N3}^3" 4 v0.h5,v1.h5,v2.h5,v3.h5 "$e3" 0.12 3

# --- the atlas job to -tol 1e-6: the defaults (-multiscale, -accel), one level (-multiscale 0), plain (both off)
for v in "ms 1 1" "single 0 1" "plain 0 0"; do
  read -r name ms acc <<<"$v"
  t0=$(date +%s.%N)
  mpiexec -n 2 "$OTMPI" barycenter -options_file "$OTMPI_TOP/jobs/opts/barycenter.opts" -inputs $ATLAS,$ATLAS,$ATLAS -label 3,4,5 -multiscale $ms -accel $acc \
    -o atlas_$name.h5 </dev/null >atlas_$name.out
  wall=$(echo "$(date +%s.%N) - $t0" | bc)
  read -r its itm <<<"$(a atlas_$name.h5 iterations time_per_iteration)"
  coarse=$(sed -n 's/.*the coarse level took \([0-9]*\) iterations.*/\1/p' atlas_$name.out | tail -1)
  echo -e "atlas\t91x109x91\t$name\t$its\t${coarse:-0}\t$wall\t$itm" | tee -a results.tsv
done
$PY "$OTMPI_TOP/tests/ref/potcmp.py" --l1 "atlas: defaults = plain" atlas_ms.h5 atlas_plain.h5 1e-5 0 density | tee -a results.tsv

# whole D OUT: from a run's progress lines (dimension D), the coarse levels' iterations in fine-iteration equivalents (the last "coarse level took" line is the level of twice the spacing: 2^-d of a fine one each)
whole() {
  local d=$1 out=$2
  awk -v d="$d" '/the coarse level took/ { n[++k] = $(NF-3) } END { s = 0; w = 1; for (i = k; i >= 1; i--) { w /= 2^d; s += n[i] * w }; printf "%.2f", s }' "$out"
}

# --- the 512^2 case to -tol 1e-6 with the defaults (multiscale, over-relaxation), 2 ranks: the whole run
t0=$(date +%s.%N)
mpiexec -n 2 "$OTMPI" barycenter -inputs s512_0.h5,s512_1.h5,s512_2.h5 -eps 4e-3 -tol 1e-6 -o w512.h5 </dev/null >w512.out
wall=$(echo "$(date +%s.%N) - $t0" | bc)
echo -e "run512\t512x512\t$(a w512.h5 iterations)\t$(whole 2 w512.out)\t$wall" | tee -a results.tsv

# --- 1 mm atlas: four regions of AAL: the time per iteration on one level
mpiexec -n 2 "$OTMPI" barycenter -inputs $AAL,$AAL,$AAL,$AAL -label 1,2,3,4 -eps 4 -tol 0 -max_it "$ITS1" -multiscale 0 -o aal.h5 -quiet </dev/null >/dev/null &&
  echo -e "atlas1mm\t181x217x181\t$ITS1\t$(a aal.h5 time_per_iteration time_per_iteration_min peak_memory_per_rank | tr ' ' '\t')" | tee -a results.tsv

$PY - "$out" <<'PYEOF'
import json, sys, platform
res = {"pot": [], "log_over_dct": [], "atlas": None, "atlas1mm": None}
for line in open("results.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0].startswith("pot"):
        res["pot"].append({"grid": f[1], "inputs": 3, "ranks": 1, "eps": float(f[2]), "pot_method": f[3], "iteration_s": float(f[4]),
                           "exact_path_iteration_s": float(f[5]), "pot_iteration_s": float(f[6]), "speedup_vs_pot": float(f[7]),
                           "speedup_vs_exact_path": float(f[8])})
    elif f[0] == "ratio":
        res["log_over_dct"].append({"grid": f[1], "inputs": int(f[2]), "ranks": 2, "log_iteration_s": float(f[3]), "dct_iteration_s": float(f[4]),
                                    "ratio": float(f[5])})
    elif f[0] == "atlas":
        res["atlas"] = res["atlas"] or []
        res["atlas"].append({"grid": f[1], "ranks": 2, "tol": 1e-6, "variant": f[2], "iterations": int(float(f[3])), "coarse_iterations": int(f[4]),
                             "iteration_equivalents": int(float(f[3])) + int(f[4]) / 8.0, "wall_s": float(f[5]), "iteration_s": float(f[6])})
    elif f[0].startswith("ok") or f[0].startswith("FAIL"):
        res["atlas_accel_vs_plain"] = f[0]
    elif f[0] == "run512":
        res["run512"] = {"grid": f[1], "ranks": 2, "inputs": 3, "eps": 4e-3, "tol": 1e-6, "iterations": int(float(f[2])),
                         "coarse_iteration_equivalents": float(f[3]), "iteration_equivalents": int(float(f[2])) + float(f[3]), "wall_s": float(f[4])}
    elif f[0] == "atlas1mm":
        res["atlas1mm"] = {"grid": f[1], "ranks": 2, "inputs": 4, "eps": 4, "iterations": int(f[2]), "iteration_s": float(f[3]),
                           "iteration_s_min": float(f[4]), "peak_memory_per_rank": float(f[5])}
res["machine"] = platform.node()
json.dump(res, open(sys.argv[1], "w"), indent=1)
PYEOF
