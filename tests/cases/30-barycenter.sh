# 30-barycenter.sh: `otmpi barycenter` against known answers: Gaussians (closed forms for the plain and debiased
# barycenters, non-uniform weights), translated copies of a shape (centroid; second moments when debiased), POT
# (convolutional_barycenter2d at convergence, _debiased iterate for iterate, barycenter_unbalanced), the same answer for
# every ranks x groups, NIfTI atlases with -label, sharpening, checkpoint/restart, bad input.
# timeout: 600
# checks: 55
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $OTMPI_TOP/tests/ref/barycenter_ref.py"

# The accuracy cases run at 1, 2 and 4 ranks and with G = 1, 2 and K groups between them (ranks:groups on each case);
# the same-answer cases below compare every (ranks, groups) with 1 rank.

# --- isotropic Gaussians N(m_k, s^2), equal widths: plain variance s^2 + eps/2, debiased s^2; mean sum w_k m_k, also with
# non-uniform weights (POT's exp-domain barycenter gets the mean wrong there: POT #870). K = 2.
$REF gaussians 48 0.3,0.35,0.7,0.6 0.06,0.06
pgs=(1:1 2:2 4:1 4:2)
i=0
for w in 0.5,0.5 0.25,0.75; do
  for deb in 0 1; do
    pg=${pgs[$i]} i=$((i + 1))
    D=""
    [[ $deb == 1 ]] && D=-debias
    must "gaussians w=$w debias=$deb np:G=$pg" ${pg%:*} barycenter -inputs ga0.h5,ga1.h5 -weights $w -eps 0.004 -tol 1e-8 $D -groups ${pg#*:} -o gb$w$deb.h5 -quiet &&
      $REF check_gauss gb$w$deb.h5 $w 0.3,0.35,0.7,0.6 0.06,0.06 0.004 $deb "(np:G $pg)"
  done
done

# --- translated copies of one shape, weights 0.1..0.4: the barycenter is the shape moved by sum w_k t_k; debiased, it also
# keeps the shape's second moments (the debiased iteration converges slowly: 200 iterations are enough for 2 %)
T=0,0,4,-3,-2,6,5,2
$REF translated 48 $T
must "translated" 4 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -weights 0.1,0.2,0.3,0.4 -eps 0.002 -tol 1e-8 -groups 4 -o tb.h5 -quiet &&
  $REF check_translated tb.h5 0.1,0.2,0.3,0.4 $T 48 0 "(np:G 4:4)"
must "translated debiased" 2 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -weights 0.1,0.2,0.3,0.4 -eps 0.002 -tol 1e-8 -max_it 200 -debias -groups 1 -o tbd.h5 -quiet &&
  $REF check_translated tbd.h5 0.1,0.2,0.3,0.4 $T 48 1 "(np:G 2:1)"
# a debiased run that stops short says why: eps in cells^2 (0.002 x 48^2 = 4.61) and the kernel's eigenvalue at the grid
# frequency, e^-(4.61 pi^2 / 4) = e^-11.4
must "debiased, not converged" 2 barycenter -inputs s0.h5,s1.h5 -eps 0.002 -tol 1e-12 -max_it 30 -debias -o tbn.h5 &&
  if grep -q "^barycenter: -debias: eps = 4.61 cells^2, where the kernel's eigenvalue at the grid frequency is e^-11.4: .*deconvolution" .out; then
    ok "a debiased run that stops short says why: $(grep -o 'eps = .* e^-[0-9.]*' .out)"
  else
    fail "debiased, not converged: no -debias line: $(tail -3 .out)"
  fi
# -accel is off with -debias unless given (the same debiased change; README): 2 fields per input fewer than with -accel
must "debiased with -accel" 2 barycenter -inputs s0.h5,s1.h5 -eps 0.002 -tol 1e-12 -max_it 30 -debias -accel -o tba.h5 -quiet &&
  if [[ -f tbn.h5 ]] && awk -v a="$(attr tbn.h5 bytes_per_rank)" -v b="$(attr tba.h5 bytes_per_rank)" 'BEGIN { exit !(a < b) }'; then
    ok "-debias: -accel off unless given ($(attr tbn.h5 bytes_per_rank) bytes per rank, $(attr tba.h5 bytes_per_rank) with -accel)"
  else
    fail "-debias: bytes per rank $(attr tbn.h5 bytes_per_rank 2>&1) without -accel, $(attr tba.h5 bytes_per_rank) with it"
  fi

# --- POT on its own grid convention (linspace(0, 1, n): spacing 1/(n-1), no images: -kernel_boundary free)
$REF potinputs 24 3 5
must "pot plain" 2 barycenter -inputs pa0.h5,pa1.h5,pa2.h5 -weights 0.2,0.3,0.5 -eps 0.006 -kernel_boundary free -tol 1e-11 -groups 1 -o pb.h5 -quiet &&
  $REF pot 24 0.006 pb.h5 0 3 0 0.2,0.3,0.5
# POT's debiased 2-D barycenter does not converge in thousands of iterations (L1 drift ~1e-5 per 1000): same scheme (10
# debiasing steps per iteration), same number of iterations, iterate for iterate
$REF potinputs 24 3 7 0
must "pot debiased" 1 barycenter -inputs pa0.h5,pa1.h5,pa2.h5 -eps 0.01 -kernel banded -kernel_boundary free -debias -bary_debias_steps 10 -tol 0 -max_it 300 -o pd.h5 -quiet &&
  $REF pot 24 0.01 pd.h5 1 3 300
$REF uinputs 10 8
# 4 ranks in 2 groups: 2 inputs in one group, 1 in the other
must "pot unbalanced" 4 barycenter -inputs ua0.h5,ua1.h5,ua2.h5 -eps 0.02 -rho 0.5 -kernel_boundary free -tol 1e-13 -groups 2 -o pu.h5 -quiet &&
  $REF unbalanced 0.02 0.5 pu.h5

# --- the same answer for every (ranks, groups) (the same 40 iterations); 3-D too
for pg in 1:1 2:1 2:2 4:1 4:2 4:4; do
  np=${pg%:*} G=${pg#*:}
  must "groups np=$np G=$G" $np barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -weights 0.1,0.2,0.3,0.4 -eps 0.002 -tol 0 -max_it 40 -groups $G -o pg$np$G.h5 -quiet &&
    [[ $np$G != 11 ]] && $REF same pg11.h5 pg$np$G.h5 1e-10 "np=$np, $G groups = np=1 (1e-10)"
done
$OTMPI gen -shape ball -n 21,18,16 -center 0.35,0.4,0.4 -radius 0.15 -o b3a.h5 >/dev/null
$OTMPI gen -shape box -n 21,18,16 -center 0.6,0.45,0.35 -radius 0.12 -o b3b.h5 >/dev/null
must "3d np=1" 1 barycenter -inputs b3a.h5,b3b.h5 -eps 0.005 -tol 1e-10 -o b31.h5 -quiet &&
  must "3d np=4 G=2" 4 barycenter -inputs b3a.h5,b3b.h5 -eps 0.005 -tol 1e-10 -groups 2 -o b34.h5 &&
  $REF same b31.h5 b34.h5 1e-10 "3-D 21x18x16: np=4 in 2 groups = np=1 (1e-10)"
grep -q "1 input per group" .out && ok "groups and inputs per group printed" || fail "group line: $(head -2 .out)"
# memory: the K inputs are spread over the groups, the grid over the ranks of a group (fields per rank: 4 per local input
# with -accel, the default: K u_k, p_k, u_k, v_k; + 5); the default G is the largest of least work that fits in memory
# (-memory_limit stands in for a smaller node), printed
$PY - pg11.h5 pg41.h5 pg42.h5 pg44.h5 <<'EOF'
import sys, h5py
b = [float(h5py.File(p, "r").attrs["bytes_per_rank"]) for p in sys.argv[1:]]
want = [21 * 48 * 48 * 8, 21 * 12 * 48 * 8, 13 * 24 * 48 * 8, 9 * 48 * 48 * 8]
print(("ok" if b == want else "FAIL") + " bytes per rank (np:G 1:1 4:1 4:2 4:4) %s = (4 K/G + 5) fields of the group's slab %s" % (b, want))
EOF
lim=$($PY -c "import h5py; b = lambda p: float(h5py.File(p, 'r').attrs['bytes_per_rank']); print(int(2.5 * (b('pg42.h5') + b('pg44.h5'))))")
must "default groups" 4 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -weights 0.1,0.2,0.3,0.4 -eps 0.002 -tol 0 -max_it 40 -o pgd.h5 &&
  grep -q "4 groups of 1 rank (1 input per group, chosen)" .out && ok "default G = K = 4 when memory allows (printed)" || fail "default groups: $(head -1 .out)"
must "groups for memory" 4 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -weights 0.1,0.2,0.3,0.4 -eps 0.002 -tol 0 -max_it 40 -memory_limit $lim -o pgm.h5 &&
  grep -q "2 groups of 2 ranks (2 inputs per group, chosen)" .out && ok "default G = 2 when 4 groups do not fit in -memory_limit $lim (printed)" &&
  $REF same pg11.h5 pgm.h5 1e-10 "np=4, groups chosen for memory = np=1 (1e-10)" || fail "groups for memory: $(head -1 .out)"

# --- eps-scaling (dct at the large eps of the schedule, banded below; the state through the potentials) reaches the same
must "eps scaling" 2 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 1e-10 -eps_scaling -o es.h5 -quiet &&
  must "no eps scaling" 2 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 1e-10 -o es0.h5 -quiet &&
  $REF same es0.h5 es.h5 1e-8 "-eps_scaling reaches the same barycenter"

# --- NIfTI label atlases (2 mm voxels): label 1 of A and label 2 of B
$REF atlases
must "atlases" 2 barycenter -inputs atlasA.nii,atlasB.nii.gz -label 1,2 -eps 8 -o lb.h5 -png lb.png -quiet && $REF check_labels lb.h5
[[ -f lb.png && -f lb.xmf ]] && ok "PNG and XDMF written" || fail "lb.png/lb.xmf missing"
[[ $($H5Q shape lb.h5 density) == "24 20 16" && $(attr lb.h5 spacing density) == "2.0 2.0 2.0" ]] && ok "/density keeps the inputs' geometry (a valid input)" || fail "geometry $(attr lb.h5 spacing density)"
close "/density has total mass 1" "$($H5Q sum lb.h5 density)" 1 1e-12

# --- sharpening: the entropy stays at the bound, the blur shrinks
must "sharpen" 2 barycenter -inputs ga0.h5,ga1.h5 -eps 0.004 -tol 1e-8 -sharpen 0 -o gs.h5 -quiet &&
  $PY - gs.h5 gb0.5,0.50.h5 ga0.h5 <<'EOF'
import sys, h5py, numpy as np
def ent(p):
    a = h5py.File(p, "r")["density"][...]; a = a / a.sum(); return -(a[a > 0] * np.log(a[a > 0])).sum()
def var(p):
    f = h5py.File(p, "r")["density"]; a = f[...] / f[...].sum(); x = (np.arange(a.shape[0]) + 0.5) / a.shape[0]
    m = (a.sum(1) * x).sum(); return (a.sum(1) * (x - m) ** 2).sum()
hs, hin = ent(sys.argv[1]), ent(sys.argv[3])
ok = abs(hs - hin) <= 1e-6 and var(sys.argv[1]) < var(sys.argv[2])
print(("ok" if ok else "FAIL") + " sharpened barycenter: entropy %.8f = input entropy %.8f, variance %.5f < plain %.5f" % (hs, hin, var(sys.argv[1]), var(sys.argv[2])))
EOF

# --- checkpoints: every 25 iterations; restart with other ranks and groups = the uninterrupted run (60 iterations)
must "uninterrupted" 2 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 0 -max_it 60 -o full.h5 -quiet
must "with checkpoints" 2 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 0 -max_it 60 -checkpoint ck.h5 -checkpoint_every 25 -groups 2 -o part.h5 -quiet
[[ -f ck.h5 && $(attr ck.h5 iterations) == 50 ]] && ok "barycenter checkpoint written every 25 iterations (last at 50)" || fail "no barycenter checkpoint at iteration 50"
must "restart" 4 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 0 -max_it 60 -restart ck.h5 -groups 4 -o rest.h5 -quiet &&
  $REF same full.h5 rest.h5 1e-10 "restart (np=2, 2 groups -> np=4, 4 groups) = uninterrupted run"
# a signal: checkpoint, exit 75, no output; the restart (another -groups) continues the count
mpiexec -n 2 "$OTMPI" barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 0 -max_it 100000 -checkpoint sig.ckpt -o sig.h5 -monitor </dev/null >sig.out 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q "it  *3 " sig.out 2>/dev/null && break; sleep 0.1; done
kill -USR1 $pid
wait $pid
rc=$?
[[ $rc -eq 75 && -f sig.ckpt && ! -e sig.h5 ]] && ok "barycenter SIGUSR1: exit 75, checkpoint at iteration $(attr sig.ckpt iterations), no output" || fail "barycenter SIGUSR1: status $rc, $(ls sig.* 2>&1 | tr '\n' ' ')"
stopped=$(attr sig.ckpt iterations)
must "restart after signal" 1 barycenter -inputs s0.h5,s1.h5,s2.h5,s3.h5 -eps 0.002 -tol 0 -max_it $((stopped + 5)) -restart sig.ckpt -o sig.h5 -quiet &&
  [[ $(attr sig.h5 iterations) -eq $((stopped + 5)) ]] && ok "barycenter restart after the signal continues to iteration $((stopped + 5))" || fail "barycenter restart after signal: $(attr sig.h5 iterations 2>&1)"
run_otmpi 1 barycenter -help
grep -q -- "-bary_groups <now 0" .out && grep -q -- "aliases -eps" .out && grep -q -- "-kernel <now auto" .out && grep -q -- "-bary_debias_steps" .out && ok "barycenter -help lists the options" || fail "-help: $(head -5 .out)"

# --- bad input
$PY "$OTMPI_TOP/tests/ref/io_fields.py" make . || fail "io_fields.py make"
$OTMPI gen -n 8,8 -o g8.h5 >/dev/null
expect_error "barycenter: no -inputs" out.h5 2 barycenter -o out.h5
expect_error "barycenter: -weights count" out.h5 2 barycenter -inputs s0.h5,s1.h5 -weights 0.5 -o out.h5
expect_error "barycenter: negative weight" out.h5 2 barycenter -inputs s0.h5,s1.h5 -weights 1.5,-0.5 -o out.h5
expect_error "barycenter: weight not a number" out.h5 2 barycenter -inputs s0.h5,s1.h5 -weights 0.5,x -o out.h5
expect_error "barycenter: -groups does not divide the ranks" out.h5 4 barycenter -inputs s0.h5,s1.h5,s2.h5 -groups 3 -o out.h5
expect_error "barycenter: more groups than inputs" out.h5 2 barycenter -inputs s0.h5 -groups 2 -o out.h5
expect_error "barycenter: shapes differ" out.h5 2 barycenter -inputs s0.h5,g8.h5 -o out.h5
grep -q "g8.h5: shape 8x8 differs from s0.h5 (48x48)" .err && ok "the error names the input that differs and how" || fail "shape message: $(cat .err)"
expect_error "barycenter: spacings differ (NIfTI)" out.h5 2 barycenter -inputs atlasA.nii,atlasC.nii -label 1,2 -o out.h5
expect_error "barycenter: -label count" out.h5 2 barycenter -inputs atlasA.nii,atlasB.nii.gz -label 1 -o out.h5
expect_error "barycenter: label absent" out.h5 2 barycenter -inputs atlasA.nii,atlasB.nii.gz -label 1,7 -o out.h5
expect_error "barycenter: NaN input" out.h5 2 barycenter -inputs g8.h5,nan.h5 -o out.h5
expect_error "barycenter: -debias with -rho" out.h5 2 barycenter -inputs s0.h5,s1.h5 -debias -rho 1 -o out.h5
expect_error "barycenter: -multiscale_eps_cells not a number" out.h5 2 barycenter -inputs s0.h5,s1.h5 -multiscale_eps_cells nan -o out.h5
expect_error "barycenter: -restart of another problem" out.h5 2 barycenter -inputs s0.h5,s1.h5 -restart ck.h5 -o out.h5
expect_error "barycenter: too little memory" out.h5 2 barycenter -inputs s0.h5,s1.h5 -memory_limit 64KiB -o out.h5
grep -q "barycenter needs .* available" .err && ok "the memory error says what is needed and what is available" || fail "memory message: $(cat .err)"
