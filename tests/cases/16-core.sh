# 16-core.sh: what the iteration core gives every solver (src/core): the reason of a solve as the output attribute
# `reason` (h5py) and in the summary line, for a run that reaches -tol and one stopped by -max_it; the per-iteration
# timing attributes; the short option names as aliases of the prefixed ones; -monitor's line per iteration; the ETA
# counts the stages (and a flow's steps) still to come.
# timeout: 300
# checks: 29
source "$OTMPI_TOP/tests/lib/common.sh"

must "inputs" 1 gen -shape gaussian -n 32,32 -center 0.35,0.4 -sigma 0.1 -o a.h5 &&
  must "inputs" 1 gen -shape gaussian -n 32,32 -center 0.6,0.55 -sigma 0.1 -o b.h5 &&
  must "inputs" 1 gen -shape gaussian -n 32,32 -sigma 0.25 -o g.h5 &&
  must "inputs" 1 gen -shape points -n 32,32 -count 40 -seed 5 -o p.h5 || exit 1

# reason.NAME SOLVER-ARGS... : the -max_it 3 run and the converged run of one solver
reasons() {
  local name=$1
  shift
  if must "$name -max_it 3" 2 "$@" -max_it 3 -o lim.h5; then
    [[ $(attr lim.h5 reason) == "iteration limit" ]] && ok "$name -max_it 3: reason 'iteration limit' (h5py)" || fail "$name -max_it 3: reason '$(attr lim.h5 reason)'"
    grep -q "(iteration limit)\|iteration limit at" .out && ok "$name -max_it 3: the summary line says 'iteration limit'" || fail "$name -max_it 3 summary: $(tail -1 .out)"
  else
    fail "$name -max_it 3 did not run"
    fail "$name -max_it 3 did not run"
  fi
  if must "$name converged" 2 "$@" -o conv.h5; then
    [[ $(attr conv.h5 reason) == "converged" ]] && ok "$name: reason 'converged' (h5py)" || fail "$name: reason '$(attr conv.h5 reason)'"
    grep -q "(converged)\|converged at" .out && ok "$name: the summary line says 'converged'" || fail "$name summary: $(tail -1 .out)"
    local tmin tmean
    tmin=$(attr conv.h5 time_per_iteration_min) tmean=$(attr conv.h5 time_per_iteration)
    awk -v a="$tmin" -v b="$tmean" 'BEGIN { exit !(a > 0 && a <= b) }' && ok "$name: 0 < time_per_iteration_min $tmin <= time_per_iteration $tmean" ||
      fail "$name: time_per_iteration_min '$tmin', time_per_iteration '$tmean'"
  else
    for _ in 1 2 3; do fail "$name converged run did not run"; done
  fi
}
reasons sinkhorn sinkhorn -a a.h5 -b b.h5 -eps 0.01 -tol 1e-8
reasons barycenter barycenter -inputs a.h5,b.h5 -eps 0.01 -tol 1e-6
reasons dynamic dynamic -a a.h5 -b b.h5 -nt 6 -tol 1e-3 -dyn_check_every 5
reasons semidiscrete semidiscrete -density g.h5 -points p.h5
reasons jko jko -rho0 g.h5 -tau 0.01 -steps 3 -entropy 0.1 -tol 1e-8

# the short names are aliases of the prefixed ones, defined once: -max_it 4 = -sinkhorn_max_it 4 (and the prefixed one
# wins when both are given)
must "alias" 2 sinkhorn -a a.h5 -b b.h5 -eps 0.01 -max_it 4 -o al1.h5 -quiet &&
  must "prefixed" 2 sinkhorn -a a.h5 -b b.h5 -eps 0.01 -max_it 9 -sinkhorn_max_it 4 -o al2.h5 -quiet &&
  [[ $(attr al1.h5 iterations) == 4 && $(attr al2.h5 iterations) == 4 ]] && cmp -s <($H5Q sum al1.h5 /f) <($H5Q sum al2.h5 /f) &&
  ok "-max_it 4 and -sinkhorn_max_it 4 (over -max_it 9): 4 iterations, the same potentials" || fail "aliases: $(attr al1.h5 iterations) / $(attr al2.h5 iterations) iterations"

# -monitor: one progress line per iteration, from the core
must "monitor" 2 barycenter -inputs a.h5,b.h5 -eps 0.01 -tol 0 -max_it 7 -monitor -o mon.h5 &&
  close "barycenter -monitor -max_it 7: progress lines" "$(grep -c '^barycenter it ' .out)" 7 0 0

# the ETA counts the stages still to come: a progress line of stage s of ns says ns - s stages (left), and the final
# stage's lines give its own ETA; a flow's ETA counts its steps
if must "eta stages" 1 sinkhorn -a a.h5 -b b.h5 -eps 1e-3 -eps_scaling -monitor -tol 1e-9 -o eta.h5; then
  $PY - <<'PYEOF'
import re
bad = seen = final = 0
for line in open(".out"):
    m = re.search(r"eta [0-9.e+-]+ s(?: \((\d+) stages left\)| \+ (\d+) stages)?.*\(stage (\d+)/(\d+)\)", line)
    if not m:
        continue
    seen += 1
    left, s, ns = int(m.group(1) or m.group(2) or 0), int(m.group(3)), int(m.group(4))
    bad += left != ns - s
    final += s == ns
print(("ok" if seen and final and not bad else "FAIL"), f"ETA: {seen} progress lines with an eta ({final} in the final stage), each counting the stages left ({bad} wrong)")
PYEOF
fi
if must "eta steps" 1 jko -rho0 g.h5 -tau 0.01 -steps 12 -entropy 0.1 -monitor -o etaj.h5; then
  n=$(grep -cE '^jko it +[0-9]+ .* eta ' .out)
  [[ $n -ge 5 ]] && ok "jko: $n progress lines with an eta (steps left x time per step)" || fail "jko: $n progress lines with an eta"
fi
