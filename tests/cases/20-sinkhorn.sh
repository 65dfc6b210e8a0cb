# 20-sinkhorn.sh: `otmpi sinkhorn` against known answers: translation invariance (FFT and banded regimes), the Janati et al.
# closed form (1-D, 2-D), Diracs far apart at small eps, POT (balanced and unbalanced, potentials), the same result at 1, 2,
# 4 ranks on sizes not divisible by the rank count, the barycentric map, checkpoint/restart (cadence and signal), bad input.
# timeout: 600
# checks: 65
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $OTMPI_TOP/tests/ref/sinkhorn_ref.py"

# read attributes of an output into shell variables
attrs() { $PY -c "
import h5py,sys
f=h5py.File(sys.argv[1],'r')
print(' '.join(repr(float(f.attrs[k])) for k in sys.argv[2:]))" "$@"; }

# --- translation invariance: b = a shifted by t = (3, 5) cells; S_eps = |t|^2 and OT(a,b) - OT(a,a) = |t|^2 (free space:
# the kernel has no images, so the invariance is exact at any eps); eps from the FFT regime (padded) down to 2 h^2
T2=$($REF translation 48 3 5)
np=1
for eps in 0.1 0.01 0.001 0.000868; do
  np=$((np % 4 + 1))
  if must "translation eps $eps" $np sinkhorn -a a.h5 -b b.h5 -eps $eps -kernel_boundary free -debias -eps_scaling -tol 1e-11 -o t$eps.h5 -quiet; then
    read -r S OTab OTaa <<<"$(attrs t$eps.h5 sinkhorn_divergence entropic_cost entropic_cost_aa)"
    kern=$(attr t$eps.h5 kernel)
    close "translation eps $eps ($kern, np=$np): S_eps = |t|^2" "$S" "$T2" 1e-6
    close "translation eps $eps ($kern, np=$np): OT(a,b) - OT(a,a) = |t|^2" "$(awk -v a="$OTab" -v b="$OTaa" 'BEGIN { printf "%.17g", a - b }')" "$T2" 1e-6
  fi
done
# the barycentric projection moves by t: map of OT(a, b) minus map of OT(a, a)
must "map a->b" 2 sinkhorn -a a.h5 -b b.h5 -eps 0.01 -kernel_boundary free -tol 1e-12 -save_map -o mab.h5 -quiet &&
  must "map a->a" 4 sinkhorn -a a.h5 -b a.h5 -eps 0.01 -kernel_boundary free -tol 1e-12 -save_map -o maa.h5 -quiet &&
  $REF mapshift mab.h5 maa.h5 3 5
[[ $($H5Q shape mab.h5 /map) == "48 48 2" ]] && ok "/map has d = 2 components per cell" || fail "/map shape $($H5Q shape mab.h5 /map)"

# --- entropic OT between Gaussians: closed form (Janati et al. 2020), 1-D (2001 cells) and 2-D separable
$REF gauss1d && $REF gauss2d
must "gauss 1d eps 1e-2" 1 sinkhorn -a g1a.h5 -b g1b.h5 -eps 0.01 -tol 1e-12 -o j1.h5 -quiet && $REF janati 1 0.01 j1.h5
must "gauss 2d eps 1e-2" 4 sinkhorn -a g2a.h5 -b g2b.h5 -eps 0.01 -tol 1e-12 -o j3.h5 -quiet && $REF janati 2 0.01 j3.h5

# --- Diracs far apart, eps tiny: the plan is forced, OT_eps = <C,P> = |x - y|^2 (exp(-|x-y|^2/eps) underflows; the
# banded kernel extends beyond its band where the potentials need it)
D2=$($REF dirac)
if must "diracs" 2 sinkhorn -a da.h5 -b db.h5 -eps 1e-4 -debias -o dd.h5 -quiet; then
  read -r OT TC S <<<"$(attrs dd.h5 entropic_cost transport_cost sinkhorn_divergence)"
  close "Diracs far apart eps 1e-4: OT_eps = |x-y|^2" "$OT" "$D2" 1e-12
  close "Diracs far apart eps 1e-4: <C,P> = |x-y|^2" "$TC" "$D2" 1e-12
  close "Diracs far apart eps 1e-4: S_eps = |x-y|^2" "$S" "$D2" 1e-12
  $PY -c "import h5py,numpy as np,sys; f=h5py.File('dd.h5','r'); sys.exit(0 if np.isfinite(f['f'][...]).all() and np.isfinite(f['g'][...]).all() else 1)" &&
    ok "Diracs: potentials finite everywhere" || fail "Diracs: NaN/Inf in the potentials"
fi

# --- POT on the same grid (free-space cost |x-y|^2, POT's sinkhorn_log / sinkhorn_unbalanced): cost, objective, potentials
$REF random 12 10 1 1 3
must "pot padded" 1 sinkhorn -a ra.h5 -b rb.h5 -eps 0.1 -kernel_boundary free -tol 1e-14 -o p1.h5 -quiet && $REF pot 0.1 p1.h5
must "pot banded" 2 sinkhorn -a ra.h5 -b rb.h5 -eps 0.01 -kernel_boundary free -tol 1e-14 -o p2.h5 -quiet && $REF pot 0.01 p2.h5
# dct and banded (Neumann) are the same operator: same plan
must "neumann dct" 2 sinkhorn -a ra.h5 -b rb.h5 -eps 0.05 -kernel dct -tol 1e-14 -o n1.h5 -quiet &&
  must "neumann banded" 4 sinkhorn -a ra.h5 -b rb.h5 -eps 0.05 -kernel banded -tol 1e-14 -o n2.h5 -quiet &&
  $REF same n1.h5 n2.h5 1e-10 "dct and banded (Neumann) give the same OT_eps, <C,P> and potentials"
must "periodic fft" 1 sinkhorn -a ra.h5 -b rb.h5 -eps 0.05 -kernel fft -tol 1e-14 -o q1.h5 -quiet &&
  must "periodic banded" 2 sinkhorn -a ra.h5 -b rb.h5 -eps 0.05 -kernel banded -kernel_boundary periodic -tol 1e-14 -o q2.h5 -quiet &&
  $REF same q1.h5 q2.h5 1e-10 "fft and banded (periodic) give the same OT_eps, <C,P> and potentials"
# unbalanced: masses 1 and 2, rho KL marginals
$REF random 12 10 1 2 4
must "pot unbalanced padded" 4 sinkhorn -a ra.h5 -b rb.h5 -eps 0.1 -rho 0.5 -kernel_boundary free -tol 1e-14 -o u1.h5 -quiet && $REF pot 0.1 u1.h5 0.5
must "pot unbalanced banded" 2 sinkhorn -a ra.h5 -b rb.h5 -eps 0.01 -rho 0.5 -kernel_boundary free -tol 1e-14 -o u2.h5 -quiet && $REF pot 0.01 u2.h5 0.5

# --- the same result at 1, 2, 4 ranks, sizes not divisible by the rank count
$OTMPI gen -shape gaussian -n 37,23 -center 0.3,0.3 -sigma 0.1 -floor 0.05 -o s2a.h5 >/dev/null
$OTMPI gen -shape ball -n 37,23 -center 0.6,0.35 -radius 0.2 -o s2b.h5 >/dev/null
$OTMPI gen -shape gaussian -n 13,9,7 -center 0.3,0.3,0.2 -sigma 0.1 -o s3a.h5 >/dev/null
$OTMPI gen -shape box -n 13,9,7 -center 0.6,0.4,0.3 -radius 0.2 -o s3b.h5 >/dev/null
for np in 1 2 4; do
  must "ranks dct np=$np" $np sinkhorn -a s2a.h5 -b s2b.h5 -eps 0.06 -kernel dct -tol 1e-13 -o r2_$np.h5 -quiet
  must "ranks banded 3d np=$np" $np sinkhorn -a s3a.h5 -b s3b.h5 -eps 0.005 -debias -save_map -tol 1e-12 -o r3_$np.h5 -quiet
done
for np in 2 4; do
  $REF same r2_1.h5 r2_$np.h5 1e-10 "2-D 37x23 dct: np=1 and np=$np agree (1e-10)"
  $REF same r3_1.h5 r3_$np.h5 1e-10 "3-D 13x9x7 banded, debiased, map: np=1 and np=$np agree (1e-10)"
done

# --- checkpoints: every N iterations, then restart (also at another rank count) = the uninterrupted run
$OTMPI gen -shape gaussian -n 40,40 -center 0.3,0.4 -sigma 0.08 -o ca.h5 >/dev/null
$OTMPI gen -shape gaussian -n 40,40 -center 0.6,0.5 -sigma 0.1 -o cb.h5 >/dev/null
must "uninterrupted" 2 sinkhorn -a ca.h5 -b cb.h5 -eps 0.01 -debias -tol 1e-12 -o full.h5 -quiet
# the same run writing a checkpoint every 10 iterations (the last one: somewhere in the self terms, OT(a,b) finished)
must "with checkpoints" 2 sinkhorn -a ca.h5 -b cb.h5 -eps 0.01 -debias -tol 1e-12 -checkpoint ck.h5 -checkpoint_every 10 -o part.h5 -quiet
[[ -f ck.h5 && $(attr ck.h5 problem) -ge 1 ]] && ok "checkpoint written every 10 iterations (last in problem $(attr ck.h5 problem), iteration $(attr ck.h5 iterations_total))" || fail "no checkpoint file"
must "restart np=4" 4 sinkhorn -a ca.h5 -b cb.h5 -eps 0.01 -debias -tol 1e-12 -restart ck.h5 -o rest.h5 -quiet &&
  $REF same full.h5 rest.h5 1e-10 "restart (checkpoint at np=2, restart at np=4) = uninterrupted run"
# a signal (Slurm's --signal=USR1, or TERM before the walltime) to a run that cannot finish first (-tol 0):
# checkpoint, exit 75, no output; the restart completes with the iteration count continued
$OTMPI gen -shape gaussian -n 64,64 -center 0.3,0.4 -sigma 0.05 -o la.h5 >/dev/null
$OTMPI gen -shape ball -n 64,64 -center 0.6,0.5 -radius 0.2 -o lb.h5 >/dev/null
mpiexec -n 2 "$OTMPI" sinkhorn -a la.h5 -b lb.h5 -eps 0.0005 -kernel banded -tol 0 -max_it 100000 -o sig.h5 -checkpoint sig.ckpt -monitor </dev/null >sig.out 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q "it  *3 " sig.out 2>/dev/null && break; sleep 0.1; done
kill -USR1 $pid
wait $pid
rc=$?
[[ $rc -eq 75 ]] && ok "SIGUSR1: exit status 75 (checkpointed)" || fail "SIGUSR1: exit status $rc: $(tail -3 sig.out)"
[[ -f sig.ckpt && ! -e sig.h5 ]] && ok "SIGUSR1: checkpoint written, no output" || fail "SIGUSR1: checkpoint $(ls sig.ckpt 2>&1), output $(ls sig.h5 2>&1)"
stopped=$(attr sig.ckpt p0_iterations)
must "restart after signal" 2 sinkhorn -a la.h5 -b lb.h5 -eps 0.0005 -kernel banded -tol 1e-5 -max_it 100000 -o sig.h5 -restart sig.ckpt -quiet &&
  [[ $(attr sig.h5 iterations) -gt $stopped ]] && ok "restart after signal continues from iteration $stopped to $(attr sig.h5 iterations)" || fail "restart after signal"

# --- outputs: contract attributes, XDMF sidecar, PNG, one summary line
must "outputs" 2 sinkhorn -a s2a.h5 -b s2b.h5 -eps 0.01 -o o.h5 -png o.png
missing=""
for k in epsilon iterations marginal_error transport_cost entropic_cost command otmpi_version; do
  attr o.h5 $k >/dev/null 2>&1 || missing+=" $k"
done
[[ -f o.h5 && -z $missing ]] && ok "contract attributes present" || fail "contract attributes missing:${missing:- (no o.h5)}"
[[ -f o.xmf && -f o.png ]] && ok "XDMF sidecar and PNG written" || fail "o.xmf/o.png missing"
[[ $(grep -c '^sinkhorn: OT_eps' .out) -eq 1 ]] && ok "one summary line" || fail "summary line: $(tail -2 .out)"
run_otmpi 1 sinkhorn -help
grep -q -- "-sinkhorn_eps <0.01" .out && grep -q -- "aliases -eps" .out && grep -q -- "-kernel <now auto" .out && grep -q -- "-sinkhorn_min_it" .out && ok "-help lists the options with defaults" || fail "-help: $(head -5 .out)"

# --- bad input: one error line, non-zero exit, no output
$PY "$OTMPI_TOP/tests/ref/io_fields.py" make . || fail "io_fields.py make"
$OTMPI gen -n 8,8 -o g8.h5 >/dev/null
$OTMPI gen -n 8,8 -spacing 0.2,0.2 -o g8s.h5 >/dev/null
expect_error "sinkhorn: no -a" out.h5 2 sinkhorn -b g8.h5 -o out.h5
expect_error "sinkhorn: negative -eps" out.h5 2 sinkhorn -a g8.h5 -b g8.h5 -eps -1 -o out.h5
expect_error "sinkhorn: shapes differ" out.h5 2 sinkhorn -a g8.h5 -b other.h5 -o out.h5
expect_error "sinkhorn: too little memory" out.h5 2 sinkhorn -a g8.h5 -b g8.h5 -eps 0.01 -memory_limit 2KiB -o out.h5
grep -q "sinkhorn.* needs .* available" .err && ok "sinkhorn memory error says what is needed and what is available" || fail "sinkhorn memory message: $(cat .err)"
expect_error "sinkhorn: spacings differ" out.h5 2 sinkhorn -a g8.h5 -b g8s.h5 -o out.h5
expect_error "sinkhorn: NaN input" out.h5 2 sinkhorn -a nan.h5 -b g8.h5 -o out.h5
expect_error "sinkhorn: negative input" out.h5 4 sinkhorn -a g8.h5 -b neg.h5 -o out.h5
expect_error "sinkhorn: zero mass" out.h5 2 sinkhorn -a zero.h5 -b g8.h5 -o out.h5
expect_error "sinkhorn: unknown -kernel" out.h5 1 sinkhorn -a g8.h5 -b g8.h5 -kernel gauss -o out.h5
expect_error "sinkhorn: -kernel dct with periodic boundaries" out.h5 2 sinkhorn -a g8.h5 -b g8.h5 -kernel dct -kernel_boundary periodic -o out.h5
expect_error "sinkhorn: FFT kernel underflow at small eps" out.h5 2 sinkhorn -a da.h5 -b db.h5 -eps 1e-3 -kernel dct -o out.h5
grep -q "eps = 0.001.*-kernel banded" .err && ok "underflow error names eps and suggests -kernel banded" || fail "underflow message: $(cat .err)"
expect_error "sinkhorn: -max_it 0" out.h5 2 sinkhorn -a g8.h5 -b g8.h5 -max_it 0 -o out.h5
expect_error "sinkhorn: negative -multiscale_eps_cells" out.h5 2 sinkhorn -a g8.h5 -b g8.h5 -multiscale_eps_cells -1 -o out.h5
expect_error "sinkhorn: -restart missing file" out.h5 2 sinkhorn -a ca.h5 -b cb.h5 -restart nothere.h5 -o out.h5
expect_error "sinkhorn: -restart with another eps" out.h5 2 sinkhorn -a ca.h5 -b cb.h5 -eps 0.003 -debias -restart ck.h5 -o out.h5
expect_error "sinkhorn: -restart of another grid" out.h5 2 sinkhorn -a s2a.h5 -b s2b.h5 -eps 0.01 -debias -restart ck.h5 -o out.h5
