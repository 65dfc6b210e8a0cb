# dynamic.sh: otmpi dynamic at full size on 2 ranks, writes JSON to $1:
#  - translation 64^2 x 32 to -tol 1e-5: W2^2 against |tau|^2 (the 1% acceptance check at full size)
#  - 128^2 x 64 to residual 1e-5: iterations, time per iteration, share of the time in the Poisson solve (-log_view)
#  - the raw FFTW-MPI DCT pair (shared tools/fft_limit.c, ~1M cells) as the baseline of the Poisson solve
#  - KSP (CG + GAMG, CG + hypre) vs DCT: time per Poisson solve on the 128^2 x 64 grid (ratio)
#  - 64^3 x 32 (3-D + t): runs within memory on 2 ranks (peak memory per rank, time per iteration)
# DYN_BENCH_QUICK=1 shrinks every size by 2 per axis (a smoke run of this script).
set -eu
source "$OTMPI_TOP/tests/lib/common.sh"
REF="$PY $OTMPI_TOP/tests/ref/dynamic_ref.py"
q=${DYN_BENCH_QUICK:-0}
s() { if [[ $q == 1 ]]; then echo $(($1 / 2)); else echo "$1"; fi; }
N1=$(s 64) T1=$(s 32) N2=$(s 128) T2=$(s 64) N3=$(s 64) T3=$(s 32)
load0=$(cut -d' ' -f1 /proc/loadavg)

gen2() { mpiexec -n 2 "$OTMPI" gen -n "$1,$1" -center "$2" -sigma 0.06 -o "$3" </dev/null >/dev/null; }
# 1. translation at 64^2 x 32
gen2 $N1 0.3,0.35 a1.h5 && gen2 $N1 0.7,0.6 b1.h5 && gen2 $N1 0.5,0.475 h1.h5
mpiexec -n 2 "$OTMPI" dynamic -a a1.h5 -b b1.h5 -nt $T1 -tol 1e-5 -o t1.h5 -quiet </dev/null
w1=$(attr t1.h5 w2_squared) it1=$(attr t1.h5 iterations) st1=$(attr t1.h5 solve_time) l1=$($REF l1half t1.h5 h1.h5)

# 2. 128^2 x 64 to 1e-5
gen2 $N2 0.3,0.35 a2.h5 && gen2 $N2 0.7,0.6 b2.h5 && gen2 $N2 0.5,0.475 h2.h5
mpiexec -n 2 "$OTMPI" dynamic -a a2.h5 -b b2.h5 -nt $T2 -tol 1e-5 -o t2.h5 -log_view :t2.log -progress_interval 60 </dev/null
w2=$(attr t2.h5 w2_squared) it2=$(attr t2.h5 iterations) st2=$(attr t2.h5 solve_time) res2=$(attr t2.h5 residual) l2=$($REF l1half t2.h5 h2.h5)
pt2=$(attr t2.h5 poisson_time) ps2=$(attr t2.h5 poisson_solves)
ev_it=$(log_event OTDynIteration t2.log 4) ev_po=$(log_event OTDynPoisson t2.log 4) ev_pr=$(log_event OTDynProx t2.log 4)

# 3. the FFT limit: one DCT-II + multiply + DCT-III on ~1M cells (the shared probe, FFTW_ESTIMATE like otmpi's default)
mpicc -O3 -march=native /work/shared/tools/fft_limit.c -o fft_limit -lfftw3_mpi -lfftw3 -lm
nf=$(awk -v n=$((N2 * N2 * T2)) 'BEGIN { printf "%d", exp(log(n) / 3) + 0.5 }')
fft=$(mpiexec -n 2 ./fft_limit $nf 10 est </dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i == "s") print $(i - 1) }')

# 4. KSP multigrid vs DCT, time per Poisson solve on the same grid (a few iterations each)
# (the DCT's time per solve is the long run's above; multigrid setup is not counted, it happens once)
for p in gamg hypre; do
  mpiexec -n 2 "$OTMPI" dynamic -a a2.h5 -b b2.h5 -nt $T2 -tol 0 -max_it 3 -dyn_poisson ksp -dyn_pc_type $p -o k_$p.h5 -quiet </dev/null
done
per() { $PY -c "import h5py; f = h5py.File('$1'); print(f.attrs['$2'] / f.attrs['poisson_solves'])"; }
pd=$(per t2.h5 poisson_time) pg=$(per k_gamg.h5 poisson_time) ph=$(per k_hypre.h5 poisson_time)
kg=$(per k_gamg.h5 ksp_iterations) kh=$(per k_hypre.h5 ksp_iterations)

# 5. 3-D + t, 64^3 x 32 on 2 ranks
mpiexec -n 2 "$OTMPI" gen -n $N3,$N3,$N3 -center 0.35,0.4,0.45 -sigma 0.08 -o a3.h5 </dev/null >/dev/null
mpiexec -n 2 "$OTMPI" gen -n $N3,$N3,$N3 -center 0.6,0.55,0.5 -sigma 0.08 -o b3.h5 </dev/null >/dev/null
mpiexec -n 2 "$OTMPI" dynamic -a a3.h5 -b b3.h5 -nt $T3 -tol 0 -max_it 20 -o t3.h5 -quiet </dev/null
mem3=$(attr t3.h5 memory_peak) st3=$(attr t3.h5 solve_time) w3=$(attr t3.h5 w2_squared)
load1=$(cut -d' ' -f1 /proc/loadavg)

$PY - "$1" <<PY
import json, sys
exact = 0.4**2 + 0.25**2
it2, ev_it, ev_po = int("$it2"), float("$ev_it"), float("$ev_po")
cells2 = $N2 * $N2 * $T2
fft = float("$fft") * cells2 / $nf**3  # the probe's time scaled to this grid's cell count
res = {
  "ranks": 2, "machine_load_start_end": [float("$load0"), float("$load1")],
  "translation_64x64x32": {"grid": [$N1, $N1, $T1], "w2_squared": float("$w1"), "exact": exact,
                           "rel_error": abs(float("$w1") - exact) / exact, "iterations": int("$it1"),
                           "seconds": float("$st1"), "l1_rho_half": float("$l1")},
  "translation_128x128x64": {"grid": [$N2, $N2, $T2], "tol": 1e-5, "residual": float("$res2"), "iterations": it2,
                             "seconds": float("$st2"), "seconds_per_iteration": ev_it / it2,
                             "poisson_share_log_view": ev_po / ev_it, "poisson_solve_share": float("$pt2") / float("$st2"),
                             "prox_share_log_view": float("$ev_pr") / ev_it,
                             "poisson_solve_seconds": float("$pt2") / int("$ps2"), "w2_squared": float("$w2"),
                             "rel_error": abs(float("$w2") - exact) / exact, "l1_rho_half": float("$l2"),
                             "under_5_minutes": float("$st2") < 300},
  "fft_limit": {"probe": "tools/fft_limit.c n=$nf (FFTW_ESTIMATE)", "dct_pair_seconds_scaled": fft,
                "poisson_solve_over_dct_pair": (float("$pt2") / int("$ps2")) / fft,
                "iteration_over_dct_pair": (ev_it / it2) / fft},
  "ksp_vs_dct": {"grid": [$N2, $N2, $T2], "dct_seconds_per_solve": float("$pd"),
                 "gamg_seconds_per_solve": float("$pg"), "hypre_seconds_per_solve": float("$ph"),
                 "gamg_over_dct": float("$pg") / float("$pd"), "hypre_over_dct": float("$ph") / float("$pd"),
                 "gamg_cg_iterations_per_solve": float("$kg"), "hypre_cg_iterations_per_solve": float("$kh")},
  "3d_64x64x64x32": {"grid": [$N3, $N3, $N3, $T3], "iterations": 20, "seconds": float("$st3"),
                     "seconds_per_iteration": float("$st3") / 20, "memory_peak_bytes_per_rank": float("$mem3"),
                     "memory_peak_GiB_per_rank": float("$mem3") / 2**30, "w2_squared_after_20_iterations": float("$w3")},
  "command": "make bench B=dynamic",
}
json.dump(res, open(sys.argv[1], "w"), indent=1)
print(json.dumps(res, indent=1))
PY
