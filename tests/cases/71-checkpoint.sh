# 71-checkpoint.sh: checkpoint/restart of every iterative solver in this build (tests/lib/checkpoint.sh): kill -9 at a
# random point, restart from the last checkpoint at 2 ranks (equal to the uninterrupted run to 1e-12) and at 3 ranks
# (uneven slabs; 1e-10); SIGUSR1 (every solver) and SIGTERM (the first) straight to the ranks: exit status 75,
# checkpoint, resume. A solver missing from the build is a failure.
# timeout: 300
# checks: 26
# shellcheck shell=bash
source "$OTMPI_TOP/tests/lib/common.sh"
source "$OTMPI_TOP/tests/lib/checkpoint.sh"

must inputs 1 gen -shape gaussian -n 64,64 -center 0.3,0.3 -sigma 0.08 -floor 1e-4 -o a.h5 &&
  must inputs 1 gen -shape gaussian -n 64,64 -center 0.7,0.6 -sigma 0.06 -floor 1e-4 -o b.h5 &&
  must inputs 1 gen -shape box -n 64,64 -radius 0.2 -floor 1e-4 -o c.h5 &&
  must inputs 1 gen -shape points -n 64,64 -count 64 -seed 3 -o p.h5 || exit 1

# NAME: the solver's command line, sized to run a few seconds at 2 ranks with a fixed number of iterations (-tol 0;
# semidiscrete refuses -tol 0 and converges in a few Newton steps: Lloyd rounds make it long enough)
declare -A line=(
  [sinkhorn]="sinkhorn -a a.h5 -b b.h5 -eps 1e-3 -tol 0 -max_it 300"
  [barycenter]="barycenter -inputs a.h5,b.h5,c.h5 -eps 2e-3 -tol 0 -max_it 150"
  [dynamic]="dynamic -a a.h5 -b b.h5 -nt 8 -tol 0 -max_it 250"
  [semidiscrete]="semidiscrete -density a.h5 -points p.h5 -tol 1e-10 -lloyd 6"
  [jko]="jko -rho0 c.h5 -potential_quadratic 1,0.8,0.5 -kappa 8 -tau 0.02 -steps 40 -save_every 5"
)
term_done=0
for c in sinkhorn barycenter dynamic semidiscrete jko; do
  if ! ckpt_available "$c"; then
    fail "checkpoint $c: otmpi $c is not in this build"
    continue
  fi
  read -r -a args <<<"${line[$c]}"
  ckpt_kill_restart "$c" 2 3 "${args[@]}"
  # SIGUSR1 (what the job scripts send the ranks) for every solver, with a restart from the checkpoint it wrote;
  # SIGTERM for the first one only: both signals set the same flag of the foundation, which every solver polls
  ckpt_signal "$c" 2 USR1 "${args[@]}"
  if ((!term_done)); then
    CKPT_SIGNAL_RESTART=0 ckpt_signal "$c" 2 TERM "${args[@]}"
    term_done=1
  fi
done
