#!/usr/bin/env bash
# jko.sh: benchmarks of `otmpi jko` (make bench B=jko), JSON written to $1. Each run's baseline is its own kernel
# application (the OTJKOKernel event of -log_view): a step costs about (inner iterations) x 2 applications, and the
# kernel's share of the step time says what the rest (prox, reductions, checkpoints) costs.
#  - room256: a crowd leaving a room through a door (tests/ref/jkofields.py room: walls, V = distance to the door,
#    kappa 1.5), 256^2, h = 0.005, 100 steps, 2 ranks: time per step, inner iterations per step (goal: < 1 s a step);
#  - warm: the same room at 128^2, 60 steps, h = 0.02: inner iterations per step with and without the warm start from the
#    previous step's potentials, each with and without over-relaxation;
#  - cube128: Fokker-Planck in 3-D (D = 0.01, V = |x - a|^2, from a Gaussian), 128^3, h = 0.05, JKO_STEPS3 (20) steps,
#    2 ranks: time, time per step, peak memory per rank.
set -u
out=$1
source "$OTMPI_TOP/tests/lib/common.sh"
FIELDS="$PY $OTMPI_TOP/tests/ref/jkofields.py"
STEPS3=${JKO_STEPS3:-20}
: >results.tsv
a() { $PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(' '.join(repr(float(f.attrs[k])) for k in sys.argv[2:]))" "$@"; }
# run NAME NP ARGS...: a flow with -log_view; one line: name, steps, wall s, s a step, inner total, inner max, kernel
# applications, kernel s (max over ranks), peak memory per rank
run() {
  local name=$1 np=$2
  shift 2
  mpiexec -n "$np" "$OTMPI" jko "$@" -o "$name.h5" -quiet -log_view ":$name.log" </dev/null >/dev/null || { echo "FAIL $name" | tee -a results.tsv; return 1; }
  local inmax
  inmax=$($PY -c "import h5py; print(int(h5py.File('$name.h5','r')['/inner_iterations_steps'][...].max()))")
  echo -e "$name\t$(a "$name.h5" steps solve_time time_per_iteration inner_iterations_total | tr ' ' '\t')\t$inmax\t$(log_event OTJKOKernel "$name.log" 2)\t$(log_event OTJKOKernel "$name.log")\t$(a "$name.h5" memory_peak)" |
    tee -a results.tsv
}

$FIELDS room room256.h5 --n 256 && run room256 2 -rho0 room256.h5 -potential room256_V.h5 -obstacle room256_wall.h5 -kappa 1.5 -tau 0.005 -steps 100 -save_every 10

$FIELDS room room128.h5 --n 128
for w in 1 0; do
  for acc in 1 0; do
    run warm${w}_accel$acc 2 -rho0 room128.h5 -potential room128_V.h5 -obstacle room128_wall.h5 -kappa 1.5 -tau 0.02 -steps 60 -save_every 10 -warm_start $w -accel $acc
  done
done

$OTMPI gen -shape gaussian -n 128,128,128 -center 0.4,0.5,0.55 -sigma 0.06 -o g3.h5 >/dev/null &&
  run cube128 2 -rho0 g3.h5 -potential_quadratic 2,0.5,0.5,0.5 -entropy 0.01 -tau 0.05 -steps "$STEPS3" -save_every 5

$PY - "$out" <<'PYEOF'
import json, sys, platform
res = {"runs": {}}
for line in open("results.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0].startswith("FAIL"):
        res.setdefault("failed", []).append(f[0])
        continue
    steps, wall, per, inner, inmax, kapps, ks, mem = float(f[1]), float(f[2]), float(f[3]), float(f[4]), int(f[5]), float(f[6]), float(f[7]), float(f[8])
    res["runs"][f[0]] = {"ranks": 2, "steps": int(steps), "wall_s": wall, "step_s": per, "inner_per_step": inner / steps, "inner_max": inmax,
                         "kernel_applications": int(kapps), "kernel_application_s": ks / kapps, "kernel_share": ks / wall,
                         "peak_memory_per_rank": mem}
r = res["runs"]
if "room256" in r:
    res["room256_goal_step_below_1s"] = r["room256"]["step_s"] < 1
if all(k in r for k in ("warm1_accel1", "warm0_accel1", "warm1_accel0", "warm0_accel0")):
    res["warm_start_inner_ratio"] = {"accel": r["warm1_accel1"]["inner_per_step"] / r["warm0_accel1"]["inner_per_step"],
                                     "plain": r["warm1_accel0"]["inner_per_step"] / r["warm0_accel0"]["inner_per_step"]}
res["machine"] = platform.node()
json.dump(res, open(sys.argv[1], "w"), indent=1)
PYEOF
