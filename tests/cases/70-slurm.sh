# 70-slurm.sh: the job scripts of jobs/ on a real one-node Slurm (munged + slurmctld + slurmd of Debian's slurm-wlm,
# started here with their own config and spool, stopped by PID at the end, also when a check fails): shellcheck, the
# no-Slurm fallback, sbatch --test-only, the gen -> barycenter -> info pipeline (afterok dependencies), the epsilon
# sweep array, one job per solver script, and a job that reaches its time limit, is signalled, checkpoints,
# requeues itself and completes with the uninterrupted answer. A solver missing from the build is a failure.
# timeout: 480
# checks: 40
# shellcheck shell=bash
source "$OTMPI_TOP/tests/lib/common.sh"
source "$OTMPI_TOP/tests/lib/slurm.sh"
source "$OTMPI_TOP/tests/lib/checkpoint.sh"
export OTMPI_DIR=$OTMPI_TOP
JOBS=$OTMPI_TOP/jobs

# --- static checks and the fallback without Slurm ---------------------------------------------------------------------
if out=$(cd "$OTMPI_TOP" && shellcheck -x jobs/*.sbatch jobs/*.sh tests/lib/slurm.sh tests/lib/checkpoint.sh \
  tests/cases/70-slurm.sh tests/cases/71-checkpoint.sh 2>&1); then
  ok "shellcheck: jobs/*.sbatch jobs/*.sh and the job tests are clean"
else
  fail "shellcheck: $(echo "$out" | grep -m3 'SC[0-9]')"
fi

available=()
for c in sinkhorn barycenter dynamic semidiscrete jko; do
  if ckpt_available "$c"; then available+=("$c"); else fail "slurm $c: otmpi $c is not in this build"; fi
done
have() { [[ " ${available[*]} " == *" $1 "* ]]; }

# no SLURM_* variables: the scripts run their steps with mpiexec
if (unset SLURM_CONF && RUN_DIR=local NP=2 N=32,32 bash "$JOBS/gen.sbatch" && FILES=local/shape2.h5 RUN_DIR=local NP=1 \
  bash "$JOBS/info.sbatch") >local.log 2>&1 && grep -q '^+ mpiexec -n 2 ' local.log &&
  awk '$1 == "mass" { m = $2 } END { exit !(m > 1 - 1e-12 && m < 1 + 1e-12) }' local/info.txt &&
  [[ -f local/log_view-gen0.txt ]]; then
  ok "bash jobs/gen.sbatch, jobs/info.sbatch without Slurm: mpiexec, 3 densities, info, -log_view files"
else
  fail "jobs without Slurm: $(tail -5 local.log)"
fi

# a solver script without Slurm: TERM to the script mid-run -> the ranks checkpoint, exit status 75; run it again ->
# it resumes from the checkpoint and completes
loc_solver=""
for c in sinkhorn dynamic barycenter; do have "$c" && loc_solver=$c && break; done
if [[ -n $loc_solver ]]; then
  declare -A loc_its=([sinkhorn]=1500 [dynamic]=40 [barycenter]=400)
  loc_env=(A=local/shape0.h5 B=local/shape2.h5 "INPUTS=local/shape0.h5,local/shape2.h5" LABELS= RUN_DIR=local/run
    NP=2 CHECKPOINT_EVERY=5 OTMPI_OPTS="-tol 0 -max_it ${loc_its[$loc_solver]}")
  env "${loc_env[@]}" bash "$JOBS/$loc_solver.sbatch" >local-1.log 2>&1 &
  pid=$!
  while [[ ! -f local/run/checkpoint.h5 ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  kill -TERM "$pid"
  rc1=0
  wait "$pid" || rc1=$?
  rc2=0
  env "${loc_env[@]}" bash "$JOBS/$loc_solver.sbatch" >local-2.log 2>&1 || rc2=$?
  its=$(attr "local/run/$loc_solver.h5" iterations 2>/dev/null)
  if [[ $rc1 -eq 75 && $rc2 -eq 0 ]] && grep -q 'resuming from' local-2.log && ((${its:-0} > 5)); then
    ok "bash jobs/$loc_solver.sbatch without Slurm: SIGTERM -> exit status 75, rerun resumed and completed ($its iterations)"
  else
    fail "bash jobs/$loc_solver.sbatch without Slurm: status $rc1 then $rc2, iterations $its: $(grep 'otmpi' local-1.log local-2.log | tail -4)"
  fi
fi

# --- the cluster -------------------------------------------------------------------------------------------------------
# 4 CPUs on the 2 cores: the long time-limit job and the quick ones run side by side instead of queueing
trap 'slurm_stop' EXIT
trap 'exit 143' TERM INT
if ! SLURM_TEST_CPUS=4 slurm_start "$PWD/cluster" 2>slurm_start.err; then
  fail "slurm: could not start munged/slurmctld/slurmd: $(head -c 1500 slurm_start.err)"
  exit 1
fi
ok "slurm: munged, slurmctld and slurmd up on localhost ($(sinfo -h -o '%P %a %D %t %c'), Slurm $(sinfo -V | cut -d' ' -f2))"

for s in "$JOBS"/*.sbatch; do
  if out=$(sbatch --test-only "$s" 2>&1) && [[ $out == *"to start at"* ]]; then
    ok "sbatch --test-only $(basename "$s")"
  else
    fail "sbatch --test-only $(basename "$s"): $out"
  fi
done

# --- the time limit: --time=1 --signal=B:TERM@57, submitted first --------------------------------------------------------
# Slurm sends the warning signal in a time-limit pass that runs every 30 s; the job is submitted 7 s before a pass, so
# the signal arrives about 7 s into the run. The solve is sized to about 20 s of work at the speed measured before the
# job, so that it is signalled in the middle even if the machine gets up to 3x faster; it checkpoints and the script
# requeues the job. Once Slurm counts the restart, the test lifts the job's time limit (scontrol update, as an admin
# would for a job that needs longer): the resumed attempt runs to the end however slow the machine is during it, so the
# case waits on progress, not on a guess of the speed (with --time=1 kept, a loaded machine requeued it 10 times).
tl_solver=""
# dynamic first: it runs exactly -max_it iterations with -tol 0; sinkhorn and barycenter stop early on an exactly zero
# marginal error (about 1200 iterations at eps 1e-3 here, more than the ~12 s of iterations asked for)
for c in dynamic barycenter sinkhorn; do have "$c" && tl_solver=$c && break; done
if [[ -n $tl_solver ]]; then
  mkdir -p tl
  must "time limit inputs" 1 gen -shape gaussian -n 128,128 -center 0.3,0.3 -sigma 0.08 -floor 1e-6 -o tl/a.h5
  must "time limit inputs" 1 gen -shape gaussian -n 128,128 -center 0.7,0.6 -sigma 0.05 -floor 1e-6 -o tl/b.h5
  case $tl_solver in
  sinkhorn | dynamic)
    tl_env=(A="$PWD/tl/a.h5" B="$PWD/tl/b.h5")
    tl_args=("$tl_solver" -options_file "$JOBS/opts/$tl_solver.opts" -a tl/a.h5 -b tl/b.h5)
    ;;
  barycenter)
    tl_env=(INPUTS="$PWD/tl/a.h5,$PWD/tl/b.h5" LABELS="")
    tl_args=(barycenter -options_file "$JOBS/opts/barycenter.opts" -inputs "tl/a.h5,tl/b.h5")
    ;;
  esac
  tl_opts=""
  [[ $tl_solver == barycenter ]] && tl_opts="-eps 1e-3"
  read -r -a tl_extra <<<"$tl_opts"
  tl_args+=(${tl_extra[@]+"${tl_extra[@]}"})
  # calibrate: milliseconds per iteration at 2 ranks now (the difference of two runs removes start-up and I/O)
  t0=$(_ckpt_ms)
  must "time limit calibration" 2 "${tl_args[@]}" -tol 0 -max_it 10 -o tl/cal1.h5
  t1=$(_ckpt_ms)
  must "time limit calibration" 2 "${tl_args[@]}" -tol 0 -max_it 60 -o tl/cal2.h5
  t2=$(_ckpt_ms)
  its1=$(attr tl/cal1.h5 iterations) its2=$(attr tl/cal2.h5 iterations)
  [[ $its2 == 60 ]] || fail "time limit: the calibration problem stopped after $its2 of 60 iterations (make it harder)"
  per_it=$(awk -v a=$((t1 - t0)) -v b=$((t2 - t1)) -v n=$((its2 - its1)) \
    'BEGIN { d = n > 0 ? (b - a) / n : 0; print (d > 0.05 ? d : 0.05) }')
  tl_it=$(awk -v p="$per_it" 'BEGIN { printf "%d", 20000 / p }')
  echo "# time limit: $tl_solver, $per_it ms per iteration, -max_it $tl_it"
  # the uninterrupted answer, computed while waiting for the time-limit pass (collected by the `wait` below)
  mpiexec -n 2 "$OTMPI" "${tl_args[@]}" -tol 0 -max_it "$tl_it" -o tl/ref.h5 </dev/null >tl/ref.log 2>&1 &
  next=$(slurm_next_limit_check 9)
  sleep $((next - $(date +%s) - 7))
  env "${tl_env[@]}" RUN_DIR="$PWD/tl/run" OTMPI_OPTS="$tl_opts -tol 0 -max_it $tl_it" CHECKPOINT_EVERY=0 \
    sbatch --parsable --time=1 --signal=B:TERM@57 --job-name=ot-timelimit "$JOBS/$tl_solver.sbatch" >tl.log 2>&1
  tl_jid=$(cut -d';' -f1 tl.log)
  # the other jobs only once this one runs, so that it starts on time
  for ((i = 0; i < 100; i++)); do
    [[ $(slurm_field "$tl_jid" JobState) == RUNNING ]] && break
    sleep 0.1
  done
  # lift the time limit once the first attempt has been signalled and requeued (polled every 0.1 s; the next warning
  # would come at least 3 s into the resumed attempt)
  (
    for ((i = 0; i < 2400; i++)); do
      r=$(slurm_field "$tl_jid" Restarts) st=$(slurm_field "$tl_jid" JobState)
      [[ $st == COMPLETED || $st == FAILED || $st == CANCELLED || $st == TIMEOUT ]] && echo "ended $st without a restart" && exit 0
      if ((${r:-0} >= 1)); then
        scontrol update JobId="$tl_jid" TimeLimit=10 && echo "time limit lifted to 10 min after restart $r ($(slurm_field "$tl_jid" JobState))"
        exit 0
      fi
      sleep 0.1
    done
    echo "no restart seen"
  ) >tl_lift.log 2>&1 &
  tl_lift=$!
else
  fail "slurm time limit: no iterative solver (sinkhorn, barycenter, dynamic) in this build"
fi

# --- everything else at once, each with sbatch --wait in the background ---------------------------------------------------
# the pipeline: gen -> barycenter -> info, afterok dependencies, mpiexec inside the allocations
PIPE_DIR=$PWD/pipe N=64,64 PIPE_EPS=5e-3 OT_LAUNCHER=mpiexec OTMPI_OPTS="-max_it 100 -tol 1e-4" \
  "$JOBS/pipeline.sh" --wait >pipe.log 2>&1 &
pipe_pid=$!
# the epsilon sweep as a job array
sweep_eps=(1e-2 4e-3)
if have sinkhorn; then
  EPS_LIST="${sweep_eps[*]}" SWEEP_DIR=$PWD/sweep sbatch --wait --array=0-1 "$JOBS/sweep.sbatch" >sweep.log 2>&1 &
fi
# one job per solver script, small problems (OTMPI_OPTS overrides the options files; the atlas barycenter gets a large
# epsilon, which takes the DCT kernel: its default 16 mm^2 takes the banded kernel, several seconds per iteration here)
declare -A solver_opts=([sinkhorn]="-max_it 50" [barycenter]="-eps 5000 -max_it 3" [dynamic]="-max_it 20" [semidiscrete]="-max_it 5" [jko]="-steps 5")
for c in "${available[@]}"; do
  env OTMPI_OPTS="${solver_opts[$c]}" RUN_DIR="$PWD/$c" sbatch --wait "$JOBS/$c.sbatch" >"$c.log" 2>&1 &
done
pipe_rc=0
wait "$pipe_pid" || pipe_rc=$?
wait

# job_ok NAME JID FILE...: COMPLETED 0:0 and every FILE present (FILE may be a glob)
job_ok() {
  local name=$1 jid=$2 f missing=""
  shift 2
  slurm_check_job "$name" "$jid" >/dev/null || {
    slurm_check_job "$name" "$jid"
    tail -5 "$(slurm_field "$jid" StdOut)" 2>/dev/null
    return 1
  }
  for f in "$@"; do compgen -G "$f" >/dev/null || missing+=" $f"; done
  if [[ -n $missing ]]; then
    fail "$name: job $jid completed but these are missing:$missing"
    return 1
  fi
  ok "$name: job $jid COMPLETED, ExitCode 0:0, outputs present"
}

# --- the pipeline ------------------------------------------------------------------------------------------------------
read -r gen bary < <(sed -n 's/.*: gen \([0-9]*\), barycenter \([0-9]*\) .*/\1 \2/p' pipe.log)
info=$(sed -n 's/^pipeline: info \([0-9]*\).*/\1/p' pipe.log)
if [[ -z $gen || -z $bary || -z $info ]]; then
  fail "pipeline: jobs/pipeline.sh --wait did not report three job ids: $(tail -5 pipe.log)"
else
  job_ok "pipeline gen" "$gen" pipe/shape0.h5 pipe/shape1.h5 pipe/shape2.h5 pipe/log_view-gen0.txt
  if have barycenter; then
    if job_ok "pipeline barycenter" "$bary" pipe/barycenter.h5 "pipe/log_view-barycenter-*.txt" &&
      job_ok "pipeline info" "$info" pipe/info.txt; then
      # -tol 1e-4 here: the mass is 1 to about that accuracy
      close "pipeline barycenter mass" "$($H5Q sum pipe/barycenter.h5 /density)" 1 1e-6
      close "pipeline barycenter epsilon from PIPE_EPS" "$(attr pipe/barycenter.h5 epsilon)" 5e-3 1e-12
      if grep -q 'barycenter.h5' pipe/info.txt; then
        ok "pipeline info: info.txt describes barycenter.h5"
      else
        fail "pipeline info: info.txt: $(head -3 pipe/info.txt)"
      fi
      if [[ $pipe_rc -eq 0 ]]; then
        ok "pipeline: jobs/pipeline.sh --wait exit status 0"
      else
        fail "pipeline: jobs/pipeline.sh --wait exit status $pipe_rc"
      fi
    fi
    # afterok: each stage started only after the previous one ended
    e1=$(date -d "$(slurm_field "$gen" EndTime)" +%s) s2=$(date -d "$(slurm_field "$bary" StartTime)" +%s)
    e2=$(date -d "$(slurm_field "$bary" EndTime)" +%s) s3=$(date -d "$(slurm_field "$info" StartTime)" +%s)
    if ((s2 >= e1 && s3 >= e2)); then
      ok "pipeline: barycenter started after gen ended, info after barycenter ended (afterok)"
    else
      fail "pipeline: order: gen ended $e1, barycenter $s2..$e2, info started $s3"
    fi
  else
    # the dependency mechanics still show: the failing stage stops the chain
    st2=$(slurm_field "$bary" JobState) st3=$(slurm_field "$info" JobState)
    if [[ $st2 == FAILED && $st3 == CANCELLED && $pipe_rc -ne 0 ]]; then
      ok "pipeline without barycenter: barycenter FAILED, info CANCELLED by --kill-on-invalid-dep, driver status $pipe_rc"
    else
      fail "pipeline without barycenter: barycenter $st2, info $st3, driver status $pipe_rc"
    fi
  fi
fi

# --- the sweep ---------------------------------------------------------------------------------------------------------
if have sinkhorn; then
  arr=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' sweep.log)
  for t in 0 1; do
    eps=${sweep_eps[$t]} f=sweep/eps-${sweep_eps[$t]}/sinkhorn.h5
    if job_ok "sweep task $t (eps $eps)" "${arr}_$t" "$f" "sweep/eps-$eps/log_view-sweep-0.txt"; then
      close "sweep task $t epsilon" "$(attr "$f" epsilon)" "$eps" 1e-12
      close "sweep task $t marginal error below -tol 1e-6" "$(attr "$f" marginal_error)" 0 0 1e-6
      [[ -f sweep/eps-$eps/checkpoint.h5 ]] && fail "sweep task $t: checkpoint left after success"
    fi
  done
fi

# --- the solver scripts ------------------------------------------------------------------------------------------------
for c in "${available[@]}"; do
  jid=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' "$c.log")
  if job_ok "$c.sbatch (OTMPI_OPTS=${solver_opts[$c]})" "$jid" "$c/$c.h5" "$c/log_view-$c-0.txt"; then
    if grep -q 'Performance Summary' "$c/log_view-$c-0.txt"; then
      ok "$c.sbatch: -log_view profile written"
    else
      fail "$c.sbatch: no PETSc performance summary in $c/log_view-$c-0.txt"
    fi
  fi
done

# --- the time limit ----------------------------------------------------------------------------------------------------
[[ -z $tl_solver ]] && exit 0
# polled every second here (sbatch --wait backs off to 32 s between polls)
slurm_wait "$tl_jid" 240 >/dev/null
wait "$tl_lift"
jid=$tl_jid log=ot-timelimit-$tl_jid.out
echo "# $(cat tl_lift.log)"
if slurm_check_job "time limit: $tl_solver.sbatch --time=1 --signal=B:TERM@57 requeued itself" "$jid" 1; then
  if grep -q 'signal received' "$log" && grep -q 'requeueing job' "$log" && grep -q 'resuming from' "$log"; then
    ok "time limit: the log shows the signal, the checkpoint, the requeue and the resumed run"
  else
    fail "time limit: log $log lacks signal/requeue/resume lines: $(grep 'otmpi job' "$log" | tr '\n' ' ')"
  fi
  if cmp=$($H5CMP "tl/run/$tl_solver.h5" tl/ref.h5 1e-12); then
    ok "time limit: the requeued and resumed $tl_solver equals the uninterrupted run: $cmp"
  else
    fail "time limit: the requeued $tl_solver differs from the uninterrupted run: $cmp"
  fi
  [[ -e tl/run/checkpoint.h5 ]] && fail "time limit: checkpoint left after success"
  if [[ -f tl/run/log_view-$tl_solver-0.txt && -f tl/run/log_view-$tl_solver-1.txt ]]; then
    ok "time limit: one -log_view file per attempt"
  else
    fail "time limit: no log_view-$tl_solver-0.txt and -1.txt: $(ls tl/run)"
  fi
else
  grep -E 'otmpi|error|signal' "$log" | tail -8
fi
