# 22-accel.sh: the over-relaxation of Sinkhorn and of the barycenter's projections (-accel, on by default;
# src/core/accel.c): the same fixed point as the plain iteration (potentials, barycenter to 1e-8 relative L1 at -tol
# 1e-10) in fewer iterations, in the log domain and the scaling form, balanced, unbalanced, debiased and with
# eps-scaling; independent of the rank count; a restart from a checkpoint taken while relaxing continues the same
# iterations (same count, same result). Sinkhorn's -multiscale: the same fixed point, rank independence, a signal in a coarse level.
# timeout: 600
# checks: 51
source "$OTMPI_TOP/tests/lib/common.sh"
CMP="checked $PY $OTMPI_TOP/tests/ref/potcmp.py"

$OTMPI gen -shape ball -n 96,80 -center 0.3,0.35 -radius 0.15 -o a.h5 >/dev/null &&
  $OTMPI gen -shape shell -n 96,80 -center 0.6,0.45 -radius 0.2 -o b.h5 >/dev/null &&
  $OTMPI gen -shape ball -n 96,80 -center 0.3,0.35 -radius 0.15 -floor 0.01 -o fa.h5 >/dev/null &&
  $OTMPI gen -shape shell -n 96,80 -center 0.6,0.45 -radius 0.2 -floor 0.01 -o fb.h5 >/dev/null || fail "gen: inputs"
e=$(awk 'BEGIN { printf "%.10g", 4 / 96 / 96 }')

# same NAME EPS FEWER ARGS: accelerated vs plain at -tol 1e-10: L1 of the potentials, and the iterations (FEWER: the
# accelerated run must take at most this fraction of the plain one's)
same() {
  local name=$1 eps=$2 fewer=$3 i0 i1
  shift 3
  if must "$name (plain)" 2 sinkhorn "$@" -tol 1e-10 -max_it 40000 -accel 0 -o p.h5 -quiet &&
    must "$name (accelerated)" 2 sinkhorn "$@" -tol 1e-10 -max_it 40000 -o q.h5 -quiet; then
    $CMP --l1 "$name: accelerated = plain fixed point" q.h5 p.h5 1e-8 "$eps" f g
    i0=$(attr p.h5 iterations) i1=$(attr q.h5 iterations)
    awk -v a="$i1" -v b="$i0" -v f="$fewer" 'BEGIN { exit !(a <= f * b) }' &&
      ok "$name: $i1 iterations accelerated, $i0 plain" || fail "$name: $i1 iterations accelerated, $i0 plain (want <= $fewer x)"
  fi
}
same "log domain, eps 4h^2" "$e" 0.34 -a a.h5 -b b.h5 -eps "$e"
same "scaling form (dct), eps 0.02" 0.02 1 -a fa.h5 -b fb.h5 -eps 0.02 -kernel dct
same "unbalanced rho 0.3, log domain" "$e" 0.34 -a a.h5 -b b.h5 -eps "$e" -rho 0.3
same "debiased" "$e" 0.5 -a a.h5 -b b.h5 -eps "$e" -debias
same "eps-scaling" "$e" 0.5 -a a.h5 -b b.h5 -eps "$e" -eps_scaling

# the rank count does not change the answer (the relaxation is decided on reduced, rank-independent residuals)
must "1 rank" 1 sinkhorn -a a.h5 -b b.h5 -eps "$e" -tol 1e-10 -o r1.h5 -quiet &&
  must "4 ranks" 4 sinkhorn -a a.h5 -b b.h5 -eps "$e" -tol 1e-10 -o r4.h5 -quiet &&
  $CMP "accelerated: 4 ranks = 1 rank" r4.h5 r1.h5 1e-10 "$e" f g

# a checkpoint taken while relaxing (omega > 1 by iteration 120 here), restarted at 3 ranks: the same run
if must "uninterrupted" 2 sinkhorn -a a.h5 -b b.h5 -eps "$e" -tol 1e-10 -o u.h5 -quiet &&
  must "first part" 2 sinkhorn -a a.h5 -b b.h5 -eps "$e" -tol 1e-10 -max_it 120 -checkpoint c.h5 -checkpoint_every 60 -o x.h5 -quiet &&
  must "restart" 3 sinkhorn -a a.h5 -b b.h5 -eps "$e" -tol 1e-10 -restart c.h5 -o v.h5 -quiet; then
  w=$($PY -c "import h5py; print(h5py.File('c.h5','r').attrs['accel_state'][0])")
  awk -v w="$w" 'BEGIN { exit !(w > 1) }' && ok "the checkpoint holds omega = $w" || fail "the checkpoint holds omega = $w (want > 1)"
  [[ $(attr v.h5 iterations) == "$(attr u.h5 iterations)" ]] && ok "restart: $(attr v.h5 iterations) iterations, as uninterrupted" ||
    fail "restart: $(attr v.h5 iterations) iterations, uninterrupted $(attr u.h5 iterations)"
  $CMP "restart = uninterrupted" v.h5 u.h5 1e-12 "$e" f g
fi

# the barycenter (balanced and -rho; -sharpen keeps the plain projections)
$OTMPI gen -shape box -n 96,80 -center 0.5,0.3 -radius 0.1,0.08 -o c.h5 >/dev/null || fail "gen: box"
bsame() {
  local name=$1 fewer=$2 i0 i1
  shift 2
  if must "$name (plain)" 2 barycenter "$@" -tol 1e-10 -max_it 20000 -accel 0 -o p.h5 -quiet &&
    must "$name (accelerated)" 2 barycenter "$@" -tol 1e-10 -max_it 20000 -o q.h5 -quiet; then
    $CMP --l1 "barycenter $name: accelerated = plain fixed point" q.h5 p.h5 1e-8 0 density
    i0=$(attr p.h5 iterations) i1=$(attr q.h5 iterations)
    awk -v a="$i1" -v b="$i0" -v f="$fewer" 'BEGIN { exit !(a <= f * b) }' &&
      ok "barycenter $name: $i1 iterations accelerated, $i0 plain" || fail "barycenter $name: $i1 iterations accelerated, $i0 plain (want <= $fewer x)"
  fi
}
bsame "log domain, eps 4h^2" 0.34 -inputs a.h5,b.h5,c.h5 -eps "$e"
bsame "scaling form (dct)" 1 -inputs fa.h5,fb.h5 -eps 0.02 -kernel dct
bsame "unbalanced rho 0.5, scaling form (dct)" 0.5 -inputs fa.h5,fb.h5 -eps 0.02 -rho 0.5 -kernel dct
bsame "unbalanced rho 0.1" 0.34 -inputs a.h5,b.h5,c.h5 -eps "$e" -rho 0.1
# (not -debias: its tail is sublinear with or without -accel, issue 14 point 3; the debiased Sinkhorn divergence is above)
if must "bary uninterrupted" 2 barycenter -inputs a.h5,b.h5,c.h5 -eps "$e" -tol 1e-10 -o bu.h5 -quiet &&
  must "bary first part" 2 barycenter -inputs a.h5,b.h5,c.h5 -eps "$e" -tol 1e-10 -max_it 40 -checkpoint bc.h5 -checkpoint_every 20 -o bx.h5 -quiet &&
  must "bary restart" 3 barycenter -inputs a.h5,b.h5,c.h5 -eps "$e" -tol 1e-10 -restart bc.h5 -o bv.h5 -quiet; then
  [[ $(attr bv.h5 iterations) == "$(attr bu.h5 iterations)" ]] && ok "barycenter restart: $(attr bv.h5 iterations) iterations, as uninterrupted" ||
    fail "barycenter restart: $(attr bv.h5 iterations) iterations, uninterrupted $(attr bu.h5 iterations)"
  $CMP "barycenter restart (omega $($PY -c "import h5py; print(h5py.File('bc.h5','r').attrs['accel_state'][0])")) = uninterrupted" bv.h5 bu.h5 1e-12 0 density
fi

# -multiscale (on by default where it applies): the warm start from the pooled inputs' barycenter on a grid of twice the spacing reaches the
# same fixed point in fewer fine iterations, at 1 and 3 ranks alike
$OTMPI gen -shape ball -n 128,128 -center 0.3,0.35 -radius 0.15 -o ma.h5 >/dev/null &&
  $OTMPI gen -shape shell -n 128,128 -center 0.6,0.55 -radius 0.2 -o mb.h5 >/dev/null || fail "gen: multiscale inputs"
em=$(awk 'BEGIN { printf "%.10g", 4 / 128 / 128 }')
if must "multiscale off" 2 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 -multiscale 0 -o m0.h5 -quiet &&
  must "multiscale on, 3 ranks" 3 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 -multiscale -o m3.h5 -quiet &&
  must "multiscale on" 2 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 -multiscale -o m1.h5; then
  grep -q "multiscale: the coarse level took" .out && ok "multiscale: $(grep -o 'the coarse level took.*' .out)" || fail "multiscale: no coarse level in $(head -3 .out)"
  $CMP --l1 "multiscale = single level fixed point" m1.h5 m0.h5 1e-8 0 density
  $CMP "multiscale: 3 ranks = 2 ranks" m3.h5 m1.h5 1e-10 0 density
  i0=$(attr m0.h5 iterations) i1=$(attr m1.h5 iterations)
  ((i1 < i0)) && ok "multiscale: $i1 fine iterations, $i0 without" || fail "multiscale: $i1 fine iterations, $i0 without"
  # the coarse levels at 4 of their cells^2 (64^2 at 16h^2, 32^2 at 64h^2): the state carried as potentials across eps
  must "multiscale, coarse eps 4 cells^2" 2 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 -multiscale_eps_cells 4 -o m4.h5 &&
    $CMP --l1 "multiscale, coarse eps 4 cells^2 = single level fixed point" m4.h5 m0.h5 1e-8 0 density
fi
# a signal while the coarse level runs: exit 75, a checkpoint marked to redo it, no output; the restart (3 ranks) solves
# the coarse level again and ends as the uninterrupted run. The coarse levels here at the run's eps and plain
# (-multiscale_eps_cells 0 -accel 0: 958 + 350 iterations, 0.23 s, where the defaults' 49 take 0.04 s), so that the
# signal lands in them
mz="-multiscale_eps_cells 0"
mzb="$mz -accel 0"
rm -f msig.ck msig.h5
# shellcheck disable=SC2086
mpiexec -n 2 "$OTMPI" barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 $mzb -checkpoint msig.ck -o msig.h5 </dev/null >msig.out 2>&1 &
pid=$!
for _ in $(seq 5000); do grep -q "warm start" msig.out 2>/dev/null && break; sleep 0.002; done
# shellcheck disable=SC2046
kill -USR1 $(pgrep -P $pid) 2>/dev/null
wait $pid
rc=$?
pend=$($PY -c "import h5py; print(int(h5py.File('msig.ck','r').attrs.get('multiscale_pending', 0)))" 2>/dev/null)
[[ $rc -eq 75 && ${pend:-0} -eq 1 && ! -e msig.h5 ]] && ok "signal in the coarse level: exit 75, checkpoint marked multiscale_pending, no output" ||
  fail "signal in the coarse level: exit $rc, multiscale_pending ${pend:-none}, output $(ls msig.h5 2>&1)"
# shellcheck disable=SC2086
if must "uninterrupted, coarse levels at eps" 2 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 $mzb -o mz.h5 -quiet &&
  must "restart from the coarse level" 3 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-10 $mzb -restart msig.ck -o msig.h5 -quiet; then
  $CMP "restart from the coarse level = uninterrupted" msig.h5 mz.h5 1e-10 0 density
  [[ $(attr msig.h5 iterations) == "$(attr mz.h5 iterations)" ]] && ok "restart from the coarse level: $(attr msig.h5 iterations) fine iterations, as uninterrupted" ||
    fail "restart from the coarse level: $(attr msig.h5 iterations) fine iterations, uninterrupted $(attr mz.h5 iterations)"
fi

# Sinkhorn's -multiscale (on by default where it applies: log domain, axes of 64 cells and more, no -eps_scaling): the
# same problems on the pooled inputs, a grid of twice the spacing (and recursively), their potentials interpolated as the
# warm start; the fine level starts from the coarse level's omega. The fixed point is the single level's, at 1 and 3
# ranks alike, balanced, unbalanced and debiased, in fewer iteration equivalents (coarse iterations weighted by their cells).
if must "sinkhorn multiscale off" 2 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 -multiscale 0 -o sm0.h5 -quiet &&
  must "sinkhorn multiscale on, 3 ranks" 3 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 -o sm3.h5 -quiet &&
  must "sinkhorn multiscale on" 2 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 -o sm1.h5; then
  [[ $(grep -c "multiscale: the coarse level took" .out) == 2 ]] && ok "sinkhorn multiscale: two coarse levels (64^2, 32^2)" ||
    fail "sinkhorn multiscale: $(grep -c 'the coarse level took' .out) coarse levels in $(head -5 .out)"
  # each level at the eps its cells resolve (-multiscale_eps_cells 1): 64^2 at eps = 4h^2 = (2h)^2, 32^2 raised to (4h)^2
  want=$(awk -v e="$em" 'BEGIN { printf "%g %g", e, 4 * e }')
  got=$(sed -n 's/.*twice the spacing at eps \([^ ]*\)$/\1/p' .out | tr '\n' ' ' | sed 's/ $//')
  [[ $got == "$want" ]] && ok "sinkhorn multiscale: levels at eps $got (each at least one of its cells^2)" ||
    fail "sinkhorn multiscale: levels at eps '$got', want '$want'"
  $CMP --l1 "sinkhorn multiscale = single level fixed point" sm1.h5 sm0.h5 1e-8 "$em" f g
  $CMP "sinkhorn multiscale: 3 ranks = 2 ranks" sm3.h5 sm1.h5 1e-10 "$em" f g
  read -r i0 i1 c1 <<<"$($PY -c "import h5py; a=h5py.File('sm0.h5','r').attrs; b=h5py.File('sm1.h5','r').attrs; print(a['iterations'], b['iterations'], b['coarse_iterations'])")"
  awk -v a="$i1" -v c="$c1" -v b="$i0" 'BEGIN { exit !(a + c <= 0.8 * b) }' && ok "sinkhorn multiscale: $i1 fine + $c1 coarse equivalents, $i0 single level" ||
    fail "sinkhorn multiscale: $i1 fine + $c1 coarse equivalents, $i0 single level (want <= 0.8 x)"
fi
# (the coarse levels' eps changes only the warm start: those two compare with the balanced single level sm0.h5 above)
for v in "unbalanced|-rho 0.3||sm2.h5" "debiased|-debias||sm2.h5" "coarse eps 4 cells^2|-multiscale_eps_cells 4|sm0.h5|sm2.h5" \
  "all levels at eps|-multiscale_eps_cells 0|sm0.h5|smz.h5"; do
  IFS='|' read -r name opt ref out <<<"$v"
  # shellcheck disable=SC2086
  [[ -n $ref ]] || must "sinkhorn multiscale $name off" 2 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 $opt -multiscale 0 -o smv0.h5 -quiet &&
    must "sinkhorn multiscale $name" 2 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 $opt -o "$out" -quiet &&
    $CMP --l1 "sinkhorn multiscale $name = single level fixed point" "$out" "${ref:-smv0.h5}" 1e-8 "$em" f g
done
# the memory estimate counts the coarse levels (alive together while the coarsest solves: 64^2 + 32^2 = 0.3125 of 128^2):
# sinkhorn's 9 fields at 1 rank, 1.1 MiB, need 1.5 MiB with the pyramid; the barycenter's 13, 1.6 MiB, need 2.1 MiB
expect_error "sinkhorn: memory for the coarse levels" mems.h5 1 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -memory_limit 1.4MiB -o mems.h5
grep -q "sinkhorn with its coarse levels needs 1.5 MiB, 1.4 MiB available" .err && ok "sinkhorn: the estimate names the coarse levels: $(cat .err)" ||
  fail "sinkhorn: memory error text: $(cat .err)"
must "sinkhorn: fits without the coarse levels" 1 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-4 -multiscale 0 -memory_limit 1.4MiB -o out.h5 -quiet &&
  ok "sinkhorn: -multiscale 0 fits the same -memory_limit"
must "sinkhorn: the DCT kernel (no warm start) fits" 1 sinkhorn -a ma.h5 -b mb.h5 -eps 0.5 -tol 1e-4 -memory_limit 1.4MiB -o out.h5 -quiet &&
  ok "sinkhorn: at eps 0.5 (DCT kernel: no coarse levels) the same -memory_limit fits with the defaults"
expect_error "barycenter: memory for the coarse levels" memb.h5 1 barycenter -inputs ma.h5,mb.h5 -eps "$em" -memory_limit 2MiB -o memb.h5
grep -q "barycenter with its coarse levels needs 2.1 MiB, 2.0 MiB available" .err && ok "barycenter: the estimate names the coarse levels: $(cat .err)" ||
  fail "barycenter: memory error text: $(cat .err)"
must "barycenter: fits without the coarse levels" 1 barycenter -inputs ma.h5,mb.h5 -eps "$em" -tol 1e-4 -multiscale 0 -memory_limit 2MiB -o out.h5 -quiet &&
  ok "barycenter: -multiscale 0 fits the same -memory_limit"
# a signal while a coarse level runs: exit 75, a checkpoint marked to redo it, no output; the restart (3 ranks) is the
# uninterrupted run (the coarse levels at eps, as in smz.h5 above, so that the signal lands in them)
rm -f ssig.ck ssig.h5
# shellcheck disable=SC2086
mpiexec -n 2 "$OTMPI" sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 $mz -checkpoint ssig.ck -o ssig.h5 </dev/null >ssig.out 2>&1 &
pid=$!
for _ in $(seq 5000); do grep -q "warm start" ssig.out 2>/dev/null && break; sleep 0.002; done
# shellcheck disable=SC2046
kill -USR1 $(pgrep -P $pid) 2>/dev/null
wait $pid
rc=$?
pend=$($PY -c "import h5py; print(int(h5py.File('ssig.ck','r').attrs.get('multiscale_pending', 0)))" 2>/dev/null)
[[ $rc -eq 75 && ${pend:-0} -eq 1 && ! -e ssig.h5 ]] && ok "sinkhorn: signal in a coarse level: exit 75, checkpoint marked multiscale_pending, no output" ||
  fail "sinkhorn: signal in a coarse level: exit $rc, multiscale_pending ${pend:-none}, output $(ls ssig.h5 2>&1)"
# shellcheck disable=SC2086
if must "sinkhorn restart from the coarse level" 3 sinkhorn -a ma.h5 -b mb.h5 -eps "$em" -tol 1e-10 $mz -restart ssig.ck -o ssig.h5 -quiet; then
  $CMP "sinkhorn restart from the coarse level = uninterrupted" ssig.h5 smz.h5 1e-10 "$em" f g
  [[ $(attr ssig.h5 iterations) == "$(attr smz.h5 iterations)" ]] && ok "sinkhorn restart from the coarse level: $(attr ssig.h5 iterations) fine iterations, as uninterrupted" ||
    fail "sinkhorn restart from the coarse level: $(attr ssig.h5 iterations) fine iterations, uninterrupted $(attr smz.h5 iterations)"
fi
