#!/usr/bin/env bash
# barycenter.sh: benchmarks of `otmpi barycenter` (make bench B=barycenter), JSON written to $1:
#  - pot: 2-D, 3 inputs, time per iteration against POT 0.8.2's convolutional_barycenter2d on the same input, 1 rank,
#    256^2 and 512^2 (dct kernel, scaling form as POT's default); the runs alternate with POT's (BARY_BENCH_REPS, 3).
#  - fft: 256^3 (BARY_BENCH_N to change), K = 4, 2 ranks, groups G = 1 and 2: iteration time / 2K/G kernel applications
#    per group. Two baselines: the group's own kernel applied alone after each iteration (-bary_time_kernel: the same
#    plans and memory; the overhead of the passes, the geometric mean and the one Allreduce across groups) and the raw
#    FFTW probe tests/bench/fft_raw.c (DCT-II + multiply + DCT-III, planned the same way, its own process; for G = 2 two
#    1-rank probes at once, as the two groups run).
#  - speedup: the same problem on 1 rank against 2 ranks (G = 1 and 2): fastest iteration of each, runs alternated.
#  - run: 100 iterations (BARY_BENCH_ITS) on 2 ranks with the default groups: wall time, time per iteration (mean and
#    fastest), fields and peak resident memory per rank.
#  - memory: peak resident memory per rank on 2 ranks (G = 1, 2) at N^3 and at a second size (BARY_BENCH_N2, 320), 3
#    iterations each; the bytes per voxel they give (peak = a + b N^3) and the largest cubic grid whose 2 ranks fit in
#    24 GiB (one node) for K = 4.
# The machine is shared: per-iteration times are the fastest iteration of a run, minimum over the repeated runs.
set -u
out=$1
source "$OTMPI_TOP/tests/lib/common.sh"
N=${BARY_BENCH_N:-256}
N2=${BARY_BENCH_N2:-320}
ITS=${BARY_BENCH_ITS:-100}
REPS=${BARY_BENCH_REPS:-3}
mpicc -O3 -march=native "$OTMPI_TOP/tests/bench/fft_raw.c" -o fft_raw -lfftw3_mpi -lfftw3 -lm || exit 1
: >results.tsv

a() { $PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(' '.join(repr(float(f.attrs[k])) for k in sys.argv[2:]))" "$@"; }

# --- 2-D inputs: three shapes; ours and POT's alternate
for n in 256 512; do
  $OTMPI gen -shape ball -n $n,$n -center 0.35,0.4 -radius 0.2 -floor 0.01 -o b${n}_0.h5 >/dev/null
  $OTMPI gen -shape box -n $n,$n -center 0.6,0.55 -radius 0.15,0.2 -floor 0.01 -o b${n}_1.h5 >/dev/null
  $OTMPI gen -shape gaussian -n $n,$n -center 0.5,0.3 -sigma 0.1 -floor 0.01 -o b${n}_2.h5 >/dev/null
  its=$((n == 256 ? 100 : 30))
  : >it.txt
  : >pot.txt
  for _ in $(seq "$REPS"); do
    mpiexec -n 1 "$OTMPI" barycenter -inputs b${n}_0.h5,b${n}_1.h5,b${n}_2.h5 -eps 0.1 -kernel dct -tol 0 -max_it $its -o o.h5 -quiet </dev/null >/dev/null &&
      a o.h5 time_per_iteration_min >>it.txt
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PY "$OTMPI_TOP/tests/bench/pot_time.py" "$n" 0.1 $((n == 256 ? 10 : 3)) 3 sinkhorn >>pot.txt
  done
  it=$(minof it.txt)
  p=$(minof pot.txt)
  echo -e "pot\t${n}x$n\t$it\t$p\t$(awk -v a="$it" -v b="$p" 'BEGIN { printf "%.1f", b / a }')" | tee -a results.tsv
done

# --- 3-D inputs: four shapes
vol() { # N: v0..v3 at N^3
  local s=$1,$1,$1
  $OTMPI gen -shape ball -n $s -center 0.4,0.45,0.5 -radius 0.25 -floor 0.01 -o v0.h5 >/dev/null
  $OTMPI gen -shape shell -n $s -center 0.55,0.5,0.5 -radius 0.3 -floor 0.01 -o v1.h5 >/dev/null
  $OTMPI gen -shape box -n $s -center 0.5,0.55,0.45 -radius 0.2,0.25,0.15 -floor 0.01 -o v2.h5 >/dev/null
  $OTMPI gen -shape gaussian -n $s -center 0.45,0.5,0.55 -sigma 0.12 -floor 0.01 -o v3.h5 >/dev/null
}
bary3() { # NP G ITERATIONS OUT [options]: the 4 volumes
  local np=$1 G=$2 its=$3 o=$4
  shift 4
  mpiexec -n "$np" "$OTMPI" barycenter -inputs v0.h5,v1.h5,v2.h5,v3.h5 -eps 0.15 -kernel dct -tol 0 -max_it "$its" -groups "$G" -o "$o" -quiet "$@" </dev/null >/dev/null
}
s=$N,$N,$N
vol "$N"
# per-iteration overhead and 1 -> 2 ranks: 2-rank runs (G = 1, 2) alternate with 1-rank runs and with the raw probes
: >it1.txt
for G in 1 2; do : >it2_$G.txt >ka_$G.txt >raw_$G.txt; done
for _ in 1 2; do
  for G in 1 2; do
    bary3 2 $G 6 o.h5 -bary_time_kernel 6 && a o.h5 time_per_iteration_min >>it2_$G.txt && a o.h5 kernel_application_min >>ka_$G.txt
  done
  mpiexec -n 2 ./fft_raw "$s" 6 </dev/null >>raw_1.txt
  mpiexec -n 1 ./fft_raw "$s" 6 </dev/null >r0.txt &
  mpiexec -n 1 ./fft_raw "$s" 6 </dev/null >r1.txt
  wait
  cat r0.txt r1.txt | sort -g | tail -1 >>raw_2.txt
  bary3 1 1 4 o1.h5 && a o1.h5 time_per_iteration_min >>it1.txt
done
it1=$(minof it1.txt)
for G in 1 2; do
  it=$(minof it2_$G.txt) ka=$(minof ka_$G.txt) raw=$(minof raw_$G.txt)
  echo -e "fft\t$s\t2\t$G\t$it\t$ka\t$(awk -v a="$it" -v b="$ka" -v g="$G" 'BEGIN { printf "%.3f", a / (2 * 4 / g * b) }')\t$raw\t$(awk -v a="$it" -v b="$raw" -v g="$G" 'BEGIN { printf "%.3f", a / (2 * 4 / g * b) }')" | tee -a results.tsv
  echo -e "speedup\t$s\t$G\t$it1\t$it\t$(awk -v a="$it1" -v b="$it" 'BEGIN { printf "%.2f", a / b }')" | tee -a results.tsv
done

# --- the long run: ITS iterations, default groups
t0=$(date +%s.%N)
mpiexec -n 2 "$OTMPI" barycenter -inputs v0.h5,v1.h5,v2.h5,v3.h5 -eps 0.15 -kernel dct -tol 0 -max_it "$ITS" -o o2.h5 </dev/null >run.out
t2=$(echo "$(date +%s.%N) - $t0" | bc)
read -r itmin itmean bytes peak G <<<"$(a o2.h5 time_per_iteration_min time_per_iteration bytes_per_rank peak_memory_per_rank groups)"
echo -e "run\t$s\t$ITS\t$t2\t$itmean\t$itmin\t$bytes\t$peak\t$G" | tee -a results.tsv

# --- memory: peak per rank at N^3 and N2^3, G = 1 and 2 (3 iterations)
for G in 1 2; do
  bary3 2 $G 3 m.h5 && echo -e "mem\t$N\t$G\t$(a m.h5 bytes_per_rank peak_memory_per_rank | tr ' ' '\t')" | tee -a results.tsv
done
vol "$N2"
for G in 1 2; do
  bary3 2 $G 3 m.h5 && echo -e "mem\t$N2\t$G\t$(a m.h5 bytes_per_rank peak_memory_per_rank | tr ' ' '\t')" | tee -a results.tsv
done

$PY - "$out" <<'EOF'
import json, sys, os, platform
res = {"pot": [], "fft": [], "speedup": [], "run": None, "memory": [], "largest_grid_24GiB": []}
for line in open("results.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "pot":
        res["pot"].append({"grid": f[1], "inputs": 3, "ranks": 1, "iteration_s": float(f[2]), "pot_iteration_s": float(f[3]), "speedup": float(f[4])})
    elif f[0] == "fft":
        res["fft"].append({"grid": f[1], "inputs": 4, "ranks": int(f[2]), "groups": int(f[3]), "iteration_s": float(f[4]), "own_kernel_application_s": float(f[5]),
                           "ratio_iteration_to_2K_over_G_own_applications": float(f[6]), "raw_probe_application_s": float(f[7]),
                           "ratio_iteration_to_2K_over_G_raw_applications": float(f[8])})
    elif f[0] == "speedup":
        res["speedup"].append({"grid": f[1], "inputs": 4, "groups_2_ranks": int(f[2]), "iteration_s_1rank": float(f[3]), "iteration_s_2ranks": float(f[4]),
                               "speedup_1_to_2_ranks": float(f[5])})
    elif f[0] == "run":
        res["run"] = {"grid": f[1], "inputs": 4, "ranks": 2, "iterations": int(f[2]), "wall_s": float(f[3]), "iteration_s_mean": float(f[4]),
                      "iteration_s_min": float(f[5]), "field_bytes_per_rank": float(f[6]), "peak_memory_per_rank": float(f[7]), "groups": int(float(f[8]))}
    elif f[0] == "mem":
        res["memory"].append({"n": int(f[1]), "inputs": 4, "ranks": 2, "groups": int(f[2]), "field_bytes_per_rank": float(f[3]), "peak_memory_per_rank": float(f[4])})
# peak per rank = a + b n^3 from the two sizes; the largest n whose 2 ranks fit in 24 GiB
for G in (1, 2):
    m = sorted((r["n"], r["peak_memory_per_rank"]) for r in res["memory"] if r["groups"] == G)
    if len(m) < 2 or m[0][0] == m[-1][0]:
        continue
    (n1, p1), (n2, p2) = m[0], m[-1]
    b = (p2 - p1) / (n2 ** 3 - n1 ** 3)
    a = p1 - b * n1 ** 3
    nmax = int(((24 * 2 ** 30 / 2 - a) / b) ** (1 / 3))
    res["largest_grid_24GiB"].append({"groups": G, "ranks": 2, "inputs": 4, "bytes_per_voxel_per_rank": b, "fixed_bytes_per_rank": a, "largest_n": nmax,
                                      "largest_n_multiple_of_32": nmax // 32 * 32})
res["machine"] = "%s, %d cores (shared: per-iteration times are the fastest iteration of a run, minimum over repeated runs)" % (
    platform.processor() or platform.machine(), os.cpu_count())
json.dump(res, open(sys.argv[1], "w"), indent=1)
print("wrote", sys.argv[1])
EOF
