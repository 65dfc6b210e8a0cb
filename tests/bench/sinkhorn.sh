#!/usr/bin/env bash
# sinkhorn.sh: benchmarks of `otmpi sinkhorn` (make bench B=sinkhorn), JSON written to $1:
#  - fft: iteration time of the FFT path (-kernel dct) / time of the same transforms done raw, same grid and ranks: 256^2
#    and 128^3 at 1 and 2 ranks, 256^3 at 2 ranks (SINKHORN_BENCH_BIG=0 skips it). An iteration is two kernel
#    applications: ratio = it / (2 raw). Two baselines: the raw FFTW probe tests/bench/fft_raw.c (DCT-II + multiply +
#    DCT-III, FFTW-MPI planned the same way, its own process) and the solver's own kernel applied alone in the same run
#    (-sinkhorn_time_kernel: the same plans and memory, so the ratio is the overhead of the fused passes and reductions).
#  - pot: time per iteration against POT 0.8.2 on the same 2-D input, 1 rank (POT's convolutional solver with one image
#    does per iteration what a grid Sinkhorn iteration does): 256^2 and 512^2 (scaling form vs dct), 256^2 log domain
#    (sinkhorn_log vs banded).
#  - banded: log-domain throughput at small eps in 3-D (voxel-updates per second: outputs of full 3-D kernel
#    applications), 1 and 2 ranks.
# The machine is shared: times are the fastest iteration (attribute time_per_iteration_min) and the fastest raw
# application, minimum over SINKHORN_BENCH_REPS runs (default 3) alternating with the baseline.
set -u
out=$1
source "$OTMPI_TOP/tests/lib/common.sh"
REPS=${SINKHORN_BENCH_REPS:-3}
BIG=${SINKHORN_BENCH_BIG:-1}
mpicc -O3 -march=native "$OTMPI_TOP/tests/bench/fft_raw.c" -o fft_raw -lfftw3_mpi -lfftw3 -lm || exit 1
: >results.tsv

tpi() { $PY -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['time_per_iteration_min'])" "$1"; }
tka() { $PY -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['kernel_application_min'])" "$1"; }

# inputs on a grid: a Gaussian and a ball, both with a 1% floor (strictly positive: the FFT regime)
inputs() {
  local shape=$1 c=0.4,0.4
  [[ -f a_$shape.h5 ]] && return 0
  [[ $shape == *,*,* ]] && c=0.4,0.4,0.4
  $OTMPI gen -shape gaussian -n "$shape" -center $c -sigma 0.1 -floor 0.01 -o a_$shape.h5 >/dev/null
  $OTMPI gen -shape ball -n "$shape" -radius 0.3 -floor 0.01 -o b_$shape.h5 >/dev/null
}

# fft NP SHAPE ITERATIONS EPS REPS
fft() {
  local np=$1 shape=$2 its=$3 eps=$4 reps=$5
  inputs "$shape"
  : >it.txt
  : >raw.txt
  : >ka.txt
  for _ in $(seq "$reps"); do
    if mpiexec -n "$np" "$OTMPI" sinkhorn -a a_$shape.h5 -b b_$shape.h5 -eps "$eps" -kernel dct -max_it "$its" -tol 0 -sinkhorn_time_kernel "$its" -o o.h5 -quiet </dev/null >/dev/null; then
      tpi o.h5 >>it.txt
      tka o.h5 >>ka.txt
    fi
    mpiexec -n "$np" ./fft_raw "$shape" "$its" </dev/null >>raw.txt
  done
  local it raw ka
  it=$(minof it.txt)
  raw=$(minof raw.txt)
  ka=$(minof ka.txt)
  echo -e "fft\t$shape\t$np\t$it\t$raw\t$(awk -v a="$it" -v b="$raw" 'BEGIN { printf "%.3f", a / (2 * b) }')\t$ka\t$(awk -v a="$it" -v b="$ka" 'BEGIN { printf "%.3f", a / (2 * b) }')" | tee -a results.tsv
}

# pot N ITERATIONS_OURS ITERATIONS_POT EPS KERNEL POTMETHOD
pot() {
  local n=$1 its=$2 pits=$3 eps=$4 kern=$5 method=$6
  inputs "$n,$n"
  : >it.txt
  for _ in $(seq "$REPS"); do
    mpiexec -n 1 "$OTMPI" sinkhorn -a a_$n,$n.h5 -b b_$n,$n.h5 -eps "$eps" -kernel "$kern" -max_it "$its" -tol 0 -o o.h5 -quiet </dev/null >/dev/null && tpi o.h5 >>it.txt
  done
  local it p
  it=$(minof it.txt)
  p=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PY "$OTMPI_TOP/tests/bench/pot_time.py" "$n" "$eps" "$pits" 1 "$method")
  echo -e "pot\t${n}x$n\t$kern/$method\t$it\t$p\t$(awk -v a="$it" -v b="$p" 'BEGIN { printf "%.1f", b / a }')" | tee -a results.tsv
}

# banded NP SHAPE EPS ITERATIONS
banded() {
  local np=$1 shape=$2 eps=$3 its=$4
  inputs "$shape"
  : >it.txt
  for _ in $(seq "$REPS"); do
    mpiexec -n "$np" "$OTMPI" sinkhorn -a a_$shape.h5 -b b_$shape.h5 -eps "$eps" -kernel banded -max_it "$its" -tol 0 -o o.h5 -quiet </dev/null >/dev/null && tpi o.h5 >>it.txt
  done
  local it n
  it=$(minof it.txt)
  n=$(echo "$shape" | tr ',' '*' | bc)
  echo -e "banded\t$shape\t$np\t$it\t$eps\t$(awk -v t="$it" -v n="$n" 'BEGIN { printf "%.4g", 2 * n / t }')" | tee -a results.tsv
}

fft 1 256,256 300 0.1 "$REPS"
fft 2 256,256 300 0.1 "$REPS"
fft 1 128,128,128 10 0.15 "$REPS"
fft 2 128,128,128 10 0.15 "$REPS"
[[ $BIG == 1 ]] && fft 2 256,256,256 8 0.15 1
pot 256 300 20 0.1 dct sinkhorn
pot 512 100 5 0.1 dct sinkhorn
pot 256 20 2 0.0001 banded sinkhorn_log
banded 1 128,128,128 2e-5 4
banded 2 128,128,128 2e-5 4

$PY - "$out" <<'EOF'
import json, sys, os, platform
res = {"fft": [], "pot": [], "banded": []}
for line in open("results.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "fft":
        res["fft"].append({"grid": f[1], "ranks": int(f[2]), "iteration_s": float(f[3]), "raw_probe_application_s": float(f[4]), "ratio_to_2_probe_applications": float(f[5]),
                           "own_kernel_application_s": float(f[6]), "ratio_to_2_own_kernel_applications": float(f[7])})
    elif f[0] == "pot":
        res["pot"].append({"grid": f[1], "ours/pot": f[2], "ranks": 1, "iteration_s": float(f[3]), "pot_iteration_s": float(f[4]), "speedup": float(f[5])})
    else:
        res["banded"].append({"grid": f[1], "ranks": int(f[2]), "iteration_s": float(f[3]), "eps": float(f[4]), "voxel_updates_per_s": float(f[5])})
res["machine"] = "%s, %d cores (shared: times are minima over repeated runs)" % (platform.processor() or platform.machine(), os.cpu_count())
json.dump(res, open(sys.argv[1], "w"), indent=1)
print("wrote", sys.argv[1])
EOF
