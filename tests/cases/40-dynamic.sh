# 40-dynamic.sh: otmpi dynamic (Benamou–Brenier) against closed forms and independent references: translation (W2^2,
# the half-way density, constant speed), Gaussians of different widths (W2^2, linear sigma_t), 1-D quantile formula
# (numpy), pure growth under Wasserstein–Fisher–Rao, the debiased Sinkhorn divergence (otmpi sinkhorn and POT, tests/ref/dynamic_ref.py),
# 3-D + t; the same numbers at 1, 2 and 4 ranks, DCT = KSP Poisson, checkpoint/restart (also at another rank count)
# and SIGUSR1, the output layout (XDMF time series, PNG frames) and -help. Grids are small: full sizes are in the bench.
# timeout: 900
# checks: 42
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $OTMPI_TOP/tests/ref/dynamic_ref.py"
# relative difference |a - b| / |b|
rel() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; printf "%.3g", d / b }'; }
# less NAME A B: A < B
less() { awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 < b + 0) }' && ok "$1 ($2 < $3)" || fail "$1: $2 is not < $3"; }

run_otmpi 1 gen -n 24,24 -center 0.3,0.35 -sigma 0.07 -o t0.h5 &&
  run_otmpi 1 gen -n 24,24 -center 0.7,0.6 -sigma 0.07 -o t1.h5 &&
  run_otmpi 1 gen -n 24,24 -center 0.5,0.475 -sigma 0.07 -o th.h5 || fail "gen translation inputs: $(cat .err)"
TR="dynamic -a t0.h5 -b t1.h5 -nt 12"

# --- translation by tau = (0.4, 0.25): W2^2 = |tau|^2, rho(1/2) = the half-way translate, constant speed
if must "translation pd" 2 $TR -tol 1e-5 -o tr.h5 -png fr.png; then
  close "translation W2^2 = |tau|^2 (24^2 x 12, pd, 1%)" "$(attr tr.h5 w2_squared)" 0.2225 0.01
  [[ $(attr tr.h5 converged) == 1 ]] && less "translation: residual below -tol" "$(attr tr.h5 residual)" 1e-5 || fail "translation: not converged"
  close "translation: path energy (w2_squared_path) agrees with w2_squared" "$(attr tr.h5 w2_squared_path)" "$(attr tr.h5 w2_squared)" 0.01
  close "translation: every frame has mass 1" "$($REF mass tr.h5)" 0 0 1e-12
  less "translation: centroid moves at constant speed (max deviation)" "$($REF mean tr.h5)" 2e-3
  l1=$($REF l1half tr.h5 th.h5)
  must "translation pd, 100 iterations" 2 $TR -tol 0 -max_it 100 -o tr100.h5 && l100=$($REF l1half tr100.h5 th.h5)
  less "translation: L1(rho(1/2) - half-way translate) decreases with iterations (converged < 100 its)" "$l1" "$l100"
  less "translation: L1(rho(1/2) - half-way translate) at convergence" "$l1" 0.02
  [[ $($H5Q shape tr.h5 /rho) == "13 24 24" && $($H5Q shape tr.h5 /momentum) == "12 24 24 2" ]] && ok "output shapes /rho (nt+1, n0, n1), /momentum (nt, n0, n1, d)" || fail "output shapes: $($H5Q shape tr.h5 /rho) / $($H5Q shape tr.h5 /momentum)"
  # one sidecar per time axis (ParaView merges the times of all collections in a file): rho at k/nt, momentum at (k+1/2)/nt
  nxmf=$(grep -c '<Time Value=' tr.xmf) nmom=$(grep -c '<Time Value=' tr_momentum.xmf 2>/dev/null)
  [[ $nxmf -eq 13 && $nmom -eq 12 ]] && grep -q 'CollectionType="Temporal"' tr.xmf && grep -q '<Time Value="0.041666666666666664"/>' tr_momentum.xmf &&
    ok "XDMF time series: tr.xmf 13 rho frames, tr_momentum.xmf 12 momentum frames at the half steps" || fail "XDMF: $nxmf + $nmom time entries"
  [[ $(ls fr_t*.png 2>/dev/null | wc -l) -eq 5 && -s fr_t06.png ]] && ok "-png: 5 frames fr_t00..fr_t12.png" || fail "-png frames: $(ls fr* 2>&1)"
fi
for t in dr alg2; do
  if must "translation $t" 2 $TR -tol 1e-4 -dyn_type $t -o tr_$t.h5; then
    close "translation W2^2 = |tau|^2 ($t, 1%)" "$(attr tr_$t.h5 w2_squared)" 0.2225 0.01
    [[ $(attr tr_$t.h5 dyn_type) == "$t" ]] && ok "$t: dyn_type attribute" || fail "$t: dyn_type attribute"
  fi
done

# --- Gaussians of different widths: W2^2 = |m0 - m1|^2 + sum_k (s0_k - s1_k)^2 (the inputs' own moments), sigma_t linear
run_otmpi 1 gen -n 32,32 -center 0.35,0.45 -sigma 0.055 -o g0.h5 && run_otmpi 1 gen -n 32,32 -center 0.6,0.55 -sigma 0.085 -o g1.h5
if must "gaussians" 4 dynamic -a g0.h5 -b g1.h5 -nt 16 -tol 1e-4 -o g.h5; then
  close "Gaussians of widths 0.055 -> 0.085: W2^2 closed form (2%)" "$(attr g.h5 w2_squared)" "$($REF gauss g0.h5 g1.h5)" 0.02
  less "Gaussians: sigma_t linear in t (max relative deviation)" "$($REF sigma g.h5)" 0.02
fi

# --- 1-D: W2^2 from the quantile functions (numpy), a two-bump density to one bump
run_otmpi 1 gen -n 128 -center 0.25,0.6 -sigma 0.05 -o q0.h5 && run_otmpi 1 gen -n 128 -center 0.5 -sigma 0.08 -o q1.h5
if must "1-D quantile" 1 dynamic -a q0.h5 -b q1.h5 -nt 32 -tol 1e-5 -o q.h5; then
  close "1-D: W2^2 = int |F0^-1 - F1^-1|^2 (quantiles, numpy, 1%)" "$(attr q.h5 w2_squared)" "$($REF quantile q0.h5 q1.h5)" 0.01
fi

# --- Wasserstein–Fisher–Rao: rho1 = 2 rho0 is pure growth, WFR^2 = 4 delta^2 sum (sqrt rho1 - sqrt rho0)^2
run_otmpi 1 gen -n 24,24 -sigma 0.1 -o w1.h5 && run_otmpi 1 gen -n 24,24 -sigma 0.1 -mass 2 -o w2.h5
if must "WFR pure growth" 4 dynamic -a w1.h5 -b w2.h5 -nt 8 -rho_fr 0.1 -tol 1e-5 -o w.h5; then
  close "WFR (-rho_fr 0.1): pure growth 1 -> 2, WFR^2 = 4 delta^2 (sqrt 2 - 1)^2 (2%)" "$(attr w.h5 w2_squared)" "$($REF growth w.h5 0.1)" 0.02
  close "WFR: the masses are kept (the last frame has mass 2)" "$($PY -c "import h5py; print(repr(float(h5py.File('w.h5')['/rho'][-1].sum())))")" 2 1e-12
  less "WFR: transport part ~ 0 (no momentum in pure growth)" "$(attr w.h5 transport_part)" 1e-5
fi

# --- against the debiased Sinkhorn divergence at eps = 0.005 (pixel measures, no images): otmpi sinkhorn, itself checked
# against POT's on the same pair
run_otmpi 1 gen -n 20,20 -center 0.35,0.45 -sigma 0.08 -o k0.h5 && run_otmpi 1 gen -n 20,20 -center 0.7,0.3,0.65,0.72 -sigma 0.06 -o k1.h5
if must "sinkhorn pair" 2 dynamic -a k0.h5 -b k1.h5 -nt 10 -tol 1e-4 -o k.h5 &&
  must "sinkhorn divergence of the pair" 2 sinkhorn -a k0.h5 -b k1.h5 -eps 0.005 -debias -kernel_boundary free -tol 1e-12 -o ks.h5 -quiet; then
  close "otmpi sinkhorn -debias = POT's Sinkhorn divergence (1e-6)" "$(attr ks.h5 sinkhorn_divergence)" "$($REF sinkhorn k0.h5 k1.h5 0.005)" 1e-6
  close "W2^2 (dynamic) vs debiased Sinkhorn divergence (otmpi sinkhorn, eps 0.005, 3%)" "$(attr k.h5 w2_squared)" "$(attr ks.h5 sinkhorn_divergence)" 0.03
fi

# --- 3-D + t
run_otmpi 1 gen -n 16,16,16 -center 0.35,0.4,0.45 -sigma 0.1 -o c0.h5 && run_otmpi 1 gen -n 16,16,16 -center 0.6,0.55,0.5 -sigma 0.1 -o c1.h5
if must "3-D + t" 2 dynamic -a c0.h5 -b c1.h5 -nt 8 -tol 1e-4 -o c.h5; then
  close "3-D + t (16^3 x 8): W2^2 closed form (3%)" "$(attr c.h5 w2_squared)" "$($REF gauss c0.h5 c1.h5)" 0.03
fi

# --- the same numbers at 1, 2 and 4 ranks (fixed iteration count), for every method and in 3-D
for t in pd dr alg2; do
  for np in 1 2 4; do must "ranks $t np=$np" $np $TR -tol 0 -max_it 150 -dyn_type $t -o r$np.h5 || continue; done
  w1=$(attr r1.h5 w2_squared)
  for np in 2 4; do close "$t: same w2_squared at $np ranks as at 1 (1e-10)" "$(attr r$np.h5 w2_squared)" "$w1" 1e-10; done
  $PY -c "import h5py,numpy as np,sys; a=[h5py.File(f'r{n}.h5')['/rho'][...] for n in (1,2,4)]; sys.exit(int(max(abs(x-a[0]).max() for x in a) > 1e-12))" &&
    ok "$t: same /rho at 1, 2, 4 ranks (1e-12)" || fail "$t: /rho differs between rank counts"
done
for np in 1 4; do must "3-D ranks np=$np" $np dynamic -a c0.h5 -b c1.h5 -nt 8 -tol 0 -max_it 60 -o cr$np.h5; done
close "3-D + t: same w2_squared at 4 ranks as at 1 (1e-10)" "$(attr cr4.h5 w2_squared)" "$(attr cr1.h5 w2_squared)" 1e-10

# --- the KSP Poisson path (CG + GAMG, MatNullSpace) gives the DCT's answer
must "ksp poisson" 2 $TR -tol 0 -max_it 100 -dyn_poisson ksp -dyn_ksp_rtol 1e-12 -o kk.h5 &&
  must "dct poisson" 2 $TR -tol 0 -max_it 100 -o kd.h5 &&
  close "Poisson by KSP (CG+GAMG) = by DCT (w2_squared, 1e-8)" "$(attr kk.h5 w2_squared)" "$(attr kd.h5 w2_squared)" 1e-8
must "ksp poisson hypre" 1 $TR -tol 0 -max_it 20 -dyn_poisson ksp -dyn_pc_type hypre -o kh.h5 &&
  must "dct poisson 20" 1 $TR -tol 0 -max_it 20 -o kd20.h5 &&
  close "Poisson by KSP (CG+hypre) = by DCT (1e-8)" "$(attr kh.h5 w2_squared)" "$(attr kd20.h5 w2_squared)" 1e-8

# --- checkpoint / restart: continuing from iteration 100 gives the uninterrupted run's bits (also at another rank count)
for t in pd dr; do
  must "checkpoint $t" 2 $TR -dyn_type $t -tol 0 -max_it 100 -checkpoint ck_$t.h5 -checkpoint_every 50 -o ck100.h5 &&
    must "restart $t at 1 rank" 1 $TR -dyn_type $t -tol 0 -max_it 200 -restart ck_$t.h5 -o rs.h5 &&
    must "uninterrupted $t" 2 $TR -dyn_type $t -tol 0 -max_it 200 -o un.h5 &&
    close "$t: restart from the checkpoint (2 ranks -> 1) reproduces the uninterrupted run" "$(attr rs.h5 w2_squared)" "$(attr un.h5 w2_squared)" 1e-12
  [[ $(attr rs.h5 iterations) == 200 ]] && ok "$t: restarted run counts 200 iterations" || fail "$t: iterations $(attr rs.h5 iterations)"
done
# SIGUSR1 (a scheduler's warning): checkpoint, exit 75, no output; -restart finishes the job
rm -f sg.h5 sg.checkpoint.h5
mpiexec -n 2 "$OTMPI" $TR -tol 0 -max_it 100000000 -o sg.h5 </dev/null >sg.out 2>&1 &
mp=$!
for i in $(seq 50); do grep -q "it " sg.out 2>/dev/null && break; sleep 0.2; done
sleep 1
kill -USR1 $(pgrep -P $mp) 2>/dev/null
wait $mp
rc=$?
[[ $rc -eq 75 && -s sg.checkpoint.h5 && ! -e sg.h5 ]] && ok "SIGUSR1: checkpoint sg.checkpoint.h5 (the default next to -o), exit 75, no output" || fail "SIGUSR1: rc $rc, $(ls sg* 2>&1 | tr '\n' ' ')"
must "restart after the signal" 2 $TR -tol 1e-5 -restart sg.checkpoint.h5 -o sg.h5 &&
  close "restart after the signal converges to the same W2^2" "$(attr sg.h5 w2_squared)" "$(attr tr.h5 w2_squared)" 1e-4

# --- -help lists the command's and the solver's options with defaults, and does nothing
run_otmpi 1 dynamic -help
grep -q -- "-dyn_nt <" .out && grep -q -- "aliases -nt, -rho_fr" .out && grep -q -- "-dyn_type <now pd" .out && grep -q -- "-dyn_poisson <now dct" .out && grep -q -- "-dyn_rho_fr <" .out &&
  ok "dynamic -help lists -nt, -dyn_type, -dyn_poisson, -rho_fr" || fail "dynamic -help: $(head -30 .out)"
