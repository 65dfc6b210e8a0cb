# 41-semidiscrete-restart.sh: semidiscrete checkpoints (every N iterations, and on SIGUSR1 with exit status 75 and no
# output), restarts at the same and at another rank count (same answer as an uninterrupted run), -max_it, and Lloyd
# rounds (the cost decreases round after round, points move towards the centroids).
# timeout: 300
# checks: 17
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $OTMPI_TOP/tests/ref/sd_ref.py"

must "gen gaussian" 1 gen -shape gaussian -n 64,48 -sigma 0.15 -floor 0.02 -o g.h5
must "gen points" 1 gen -shape points -n 64,48 -count 600 -seed 3 -point_mass random -o p.h5
must "uninterrupted run" 2 semidiscrete -density g.h5 -points p.h5 -o a.h5 -quiet
its=$(attr a.h5 newton_iterations)

# -max_it stops early (output written, marked not converged) after checkpointing at iteration 3
if must "max_it 4 with checkpoints every 3" 2 semidiscrete -density g.h5 -points p.h5 -o b1.h5 -max_it 4 -checkpoint ck.h5 -checkpoint_every 3 -quiet; then
  close "-max_it 4: 4 iterations" "$(attr b1.h5 newton_iterations)" 4 0 0
  close "-max_it 4: not converged" "$(attr b1.h5 converged)" 0 0 0
  [[ -f ck.h5 ]] && ok "checkpoint written" || fail "no checkpoint file"
fi
if must "restart np=2" 2 semidiscrete -density g.h5 -points p.h5 -o b2.h5 -restart ck.h5 -quiet; then
  read -r dpsi dm dl dc <<<"$($REF compare a.h5 b2.h5)"
  close "restart at the same rank count: same weights (bit for bit)" "$dpsi" 0 0 0
  close "restart: same iteration count" "$(attr b2.h5 newton_iterations)" "$its" 0 0
fi
if must "restart np=4" 4 semidiscrete -density g.h5 -points p.h5 -o b4.h5 -restart ck.h5 -quiet; then
  read -r dpsi dm dl dc <<<"$($REF compare a.h5 b4.h5)"
  close "restart at 4 ranks: same weights" "$dpsi" 0 0 1e-9
  close "restart at 4 ranks: same labels" "$dl" 0 0 0
fi

# SIGUSR1 (a scheduler's warning): the run checkpoints, exits with status 75 and leaves no output
must "gen big points" 1 gen -shape points -n 64,48 -count 4000 -seed 8 -o pbig.h5
must "uninterrupted big run" 2 semidiscrete -density g.h5 -points pbig.h5 -o s0.h5 -quiet
mpiexec -n 2 "$OTMPI" semidiscrete -density g.h5 -points pbig.h5 -o s1.h5 -checkpoint sig.h5 </dev/null >sig.out 2>sig.err &
pid=$!
for _ in $(seq 600); do grep -q "semidiscrete it     2 " sig.out 2>/dev/null && break; sleep 0.05; done
kill -USR1 $pid
wait $pid
rc=$?
if [[ $rc -eq 75 && -f sig.h5 && ! -e s1.h5 ]]; then ok "SIGUSR1: exit status 75, checkpoint written, no output"; else fail "SIGUSR1: status $rc, checkpoint $(ls sig.h5 2>&1), output $(ls s1.h5 2>&1): $(tail -3 sig.out sig.err)"; fi
if must "restart after SIGUSR1" 2 semidiscrete -density g.h5 -points pbig.h5 -o s1.h5 -restart sig.h5 -quiet; then
  read -r dpsi dm dl dc <<<"$($REF compare s0.h5 s1.h5)"
  close "restart after SIGUSR1: same weights as the uninterrupted run" "$dpsi" 0 0 0
  close "restart after SIGUSR1: mass_error" "$(attr s1.h5 mass_error)" 0 0 1e-9
fi

# Lloyd: each round moves the points to their centroids and solves again; the transport cost decreases
must "gen lloyd points" 1 gen -shape points -n 64,48 -count 100 -seed 2 -o pl.h5
prev=1
for n in 0 1 3; do
  if must "lloyd $n" 2 semidiscrete -density g.h5 -points pl.h5 -o l$n.h5 -lloyd $n -quiet; then
    c=$(attr l$n.h5 transport_cost)
    awk -v c="$c" -v p="$prev" 'BEGIN { exit !(c < p) }' && ok "lloyd $n: cost $c < $prev" || fail "lloyd $n: cost $c not below $prev"
    close "lloyd $n: mass_error" "$(attr l$n.h5 mass_error)" 0 0 1e-9
    prev=$c
  fi
done
$PY -c "
import h5py, numpy as np, sys
a, b = h5py.File('l0.h5'), h5py.File('l3.h5')
d0 = np.linalg.norm(a['points'][...] - a['centroid'][...], axis=1).max()
d3 = np.linalg.norm(b['points'][...] - b['centroid'][...], axis=1).max()
print(d0, d3); sys.exit(0 if d3 < d0 / 2 else 1)" >lloyd.txt && ok "lloyd: points approach their centroids ($(cat lloyd.txt))" || fail "lloyd: $(cat lloyd.txt)"
