#!/usr/bin/env bash
# barycenter.sh: benchmarks of `otmpi barycenter` (make bench B=barycenter), JSON written to $1:
#  - pot: 2-D, 3 inputs, time per iteration against POT 0.8.2's convolutional_barycenter2d on the same input, 1 rank,
#    256^2 and 512^2 (dct kernel, scaling form as POT's default).
#  - fft: 256^3 (BARY_BENCH_N to change), K = 4, 2 ranks, groups G = 1 and 2: iteration time / (2 K/G applications of the
#    group's own kernel alone, timed in the same run with -bary_time_kernel: the same plans): the overhead of the passes,
#    the geometric mean and the one Allreduce across groups.
#  - run: the same problem for 100 iterations (BARY_BENCH_ITS): wall time, fields and peak memory per rank, and the speed-up
#    from 1 to 2 ranks (the 1-rank run is timed over 10 iterations: time per iteration).
# The machine is shared: per-iteration times are the fastest iteration of each run.
set -u
out=$1
source "$OTMPI_TOP/tests/lib/common.sh"
export OMPI_MCA_btl_vader_single_copy_mechanism=none
N=${BARY_BENCH_N:-256}
ITS=${BARY_BENCH_ITS:-100}
: >results.tsv

a() { $PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(' '.join(repr(float(f.attrs[k])) for k in sys.argv[2:]))" "$@"; }

# 2-D inputs: three shapes
for n in 256 512; do
  $OTMPI gen -shape ball -n $n,$n -center 0.35,0.4 -radius 0.2 -floor 0.01 -o b${n}_0.h5 >/dev/null
  $OTMPI gen -shape box -n $n,$n -center 0.6,0.55 -radius 0.15,0.2 -floor 0.01 -o b${n}_1.h5 >/dev/null
  $OTMPI gen -shape gaussian -n $n,$n -center 0.5,0.3 -sigma 0.1 -floor 0.01 -o b${n}_2.h5 >/dev/null
  its=$((n == 256 ? 100 : 30))
  mpiexec -n 1 "$OTMPI" barycenter -inputs b${n}_0.h5,b${n}_1.h5,b${n}_2.h5 -eps 0.1 -kernel dct -tol 0 -max_it $its -o o.h5 -quiet </dev/null >/dev/null
  read -r it <<<"$(a o.h5 time_per_iteration_min)"
  p=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PY "$OTMPI_TOP/tests/bench/pot_time.py" "$n" 0.1 $((n == 256 ? 10 : 3)) 3 sinkhorn)
  echo -e "pot\t${n}x$n\t$it\t$p\t$(awk -v a="$it" -v b="$p" 'BEGIN { printf "%.1f", b / a }')" | tee -a results.tsv
done

# 3-D inputs: four shapes
s=$N,$N,$N
$OTMPI gen -shape ball -n $s -center 0.4,0.45,0.5 -radius 0.25 -floor 0.01 -o v0.h5 >/dev/null
$OTMPI gen -shape shell -n $s -center 0.55,0.5,0.5 -radius 0.3 -floor 0.01 -o v1.h5 >/dev/null
$OTMPI gen -shape box -n $s -center 0.5,0.55,0.45 -radius 0.2,0.25,0.15 -floor 0.01 -o v2.h5 >/dev/null
$OTMPI gen -shape gaussian -n $s -center 0.45,0.5,0.55 -sigma 0.12 -floor 0.01 -o v3.h5 >/dev/null
for G in 1 2; do
  mpiexec -n 2 "$OTMPI" barycenter -inputs v0.h5,v1.h5,v2.h5,v3.h5 -eps 0.15 -kernel dct -tol 0 -max_it 8 -groups $G -bary_time_kernel 8 -o o.h5 -quiet </dev/null >/dev/null
  read -r it ka <<<"$(a o.h5 time_per_iteration_min kernel_application_min)"
  echo -e "fft\t$s\t2\t$G\t$it\t$ka\t$(awk -v a="$it" -v b="$ka" -v g="$G" 'BEGIN { printf "%.3f", a / (2 * 4 / g * b) }')" | tee -a results.tsv
done
t0=$(date +%s.%N)
mpiexec -n 2 "$OTMPI" barycenter -inputs v0.h5,v1.h5,v2.h5,v3.h5 -eps 0.15 -kernel dct -tol 0 -max_it "$ITS" -o o2.h5 -quiet </dev/null >/dev/null
t2=$(echo "$(date +%s.%N) - $t0" | bc)
read -r it2 bytes peak G <<<"$(a o2.h5 time_per_iteration_min bytes_per_rank peak_memory_per_rank groups)"
mpiexec -n 1 "$OTMPI" barycenter -inputs v0.h5,v1.h5,v2.h5,v3.h5 -eps 0.15 -kernel dct -tol 0 -max_it 10 -o o1.h5 -quiet </dev/null >/dev/null
read -r it1 peak1 <<<"$(a o1.h5 time_per_iteration_min peak_memory_per_rank)"
echo -e "run\t$s\t$ITS\t$t2\t$it2\t$bytes\t$peak\t$G\t$it1\t$peak1\t$(awk -v a="$it1" -v b="$it2" 'BEGIN { printf "%.2f", a / b }')" | tee -a results.tsv

$PY - "$out" <<'EOF'
import json, sys, os, platform
res = {"pot": [], "fft": [], "run": None}
for line in open("results.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "pot":
        res["pot"].append({"grid": f[1], "inputs": 3, "ranks": 1, "iteration_s": float(f[2]), "pot_iteration_s": float(f[3]), "speedup": float(f[4])})
    elif f[0] == "fft":
        res["fft"].append({"grid": f[1], "inputs": 4, "ranks": int(f[2]), "groups": int(f[3]), "iteration_s": float(f[4]), "own_kernel_application_s": float(f[5]),
                           "ratio_iteration_to_2K_over_G_applications": float(f[6])})
    else:
        res["run"] = {"grid": f[1], "inputs": 4, "ranks": 2, "iterations": int(f[2]), "wall_s": float(f[3]), "iteration_s": float(f[4]), "field_bytes_per_rank": float(f[5]),
                      "peak_memory_per_rank": float(f[6]), "groups": int(float(f[7])), "iteration_s_1rank": float(f[8]), "peak_memory_1rank": float(f[9]), "speedup_1_to_2_ranks": float(f[10])}
res["machine"] = "%s, %d cores (shared: per-iteration times are the fastest iteration of a run)" % (platform.processor() or platform.machine(), os.cpu_count())
json.dump(res, open(sys.argv[1], "w"), indent=1)
print("wrote", sys.argv[1])
EOF
