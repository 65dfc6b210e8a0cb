# common.sh: what every otmpi job script shares (sourced by jobs/*.sbatch): where otmpi is, the run directory and its
# shellcheck shell=bash
# provenance, the MPI launcher (srun inside a Slurm allocation, mpiexec outside), forwarding of Slurm's warning signal
# to the ranks, and checkpoint/restart/requeue of iterative solvers.
#
# Signals, as verified with Open MPI 4.1 and Slurm 22.05 (tests/cases/70-slurm.sh):
#  - `#SBATCH --signal=B:TERM@120` sends SIGTERM to this batch shell only, 120 s before the walltime.
#  - Neither mpiexec nor srun may get that SIGTERM: both treat it as "kill the job" (mpiexec sends the ranks SIGTERM and,
#    a moment later, SIGKILL; srun cancels the step), which leaves no time to write a checkpoint.
#  - Both forward SIGUSR1 to every rank unchanged. So the launcher runs in the background, the shell traps TERM and
#    USR1 and sends the launcher SIGUSR1; otmpi's solvers then write a checkpoint at their next iteration and exit with
#    status 75, which the launcher passes on.
#
# Settings (environment; sbatch passes the submitting shell's environment to the job):
#   OTMPI_DIR        the otmpi tree (default: the directory sbatch was run from, i.e. submit from the otmpi directory)
#   OTMPI            the otmpi binary (default $OTMPI_DIR/bin/otmpi; an installed one: OTMPI=$(command -v otmpi))
#   NP               ranks when not under Slurm (default 2; under Slurm: --ntasks)
#   OT_LAUNCHER      srun (default under Slurm) or mpiexec
#   OT_SRUN_MPI      srun's --mpi plugin (default pmix; `srun --mpi=list` shows what your site has)
#   RUN_DIR          where outputs, checkpoints, logs and -log_view files go (default runs/NAME-JOBID)
#   OTMPI_OPTS       extra otmpi options appended to the solver's command line (they override the options file)
#   CHECKPOINT_EVERY iterations between periodic checkpoints (default 100; 0: only on signals)
#   MAX_REQUEUE      give up requeueing after this many restarts (default 10)
#   KEEP_CHECKPOINT  1: keep the checkpoint after a successful run (default: removed)

ot_die() {
  echo "otmpi job: error: $*" >&2
  exit 1
}

# ot_init NAME: sets OTMPI, NP, OT_LAUNCH (launcher command), RUN_DIR, ATTEMPT, LOG_VIEW and OTMPI_EXTRA (array), and
# records the provenance of this attempt in $RUN_DIR/job.txt.
ot_init() {
  local name=$1 id
  OTMPI=${OTMPI:-$OTMPI_DIR/bin/otmpi}
  [[ -x $OTMPI ]] || ot_die "$OTMPI is not an executable (run make, or set OTMPI)"
  if [[ -n ${SLURM_JOB_ID:-} ]]; then
    NP=${SLURM_NTASKS:-1}
    if [[ ${OT_LAUNCHER:-srun} == srun ]]; then
      OT_LAUNCH=(srun --mpi="${OT_SRUN_MPI:-pmix}" --ntasks="$NP")
    else
      OT_LAUNCH=(mpiexec -n "$NP")
    fi
  else
    NP=${NP:-2}
    OT_LAUNCH=(mpiexec -n "$NP")
  fi
  # a requeued job keeps its id (and an array task its index), so it finds its run directory and checkpoint again
  if [[ -n ${SLURM_ARRAY_JOB_ID:-} ]]; then
    id=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
  else
    id=${SLURM_JOB_ID:-local}
  fi
  RUN_DIR=${RUN_DIR:-runs/$name-$id}
  mkdir -p "$RUN_DIR"
  # attempt number: Slurm counts requeues; without Slurm, count the earlier attempts recorded in job.txt
  if [[ -n ${SLURM_JOB_ID:-} ]]; then
    ATTEMPT=${SLURM_RESTART_COUNT:-0}
  else
    ATTEMPT=$(grep -c "^== $name attempt" "$RUN_DIR/job.txt" 2>/dev/null || true)
    ATTEMPT=${ATTEMPT:-0}
  fi
  # shellcheck disable=SC2034 # LOG_VIEW and OTMPI_EXTRA are for the job scripts
  LOG_VIEW=$RUN_DIR/log_view-$name-$ATTEMPT.txt
  # shellcheck disable=SC2034
  read -r -a OTMPI_EXTRA <<<"${OTMPI_OPTS:-}"
  export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
  OT_SIGNALLED=0 OT_CHILD=""
  trap ot_on_signal TERM USR1
  {
    echo "== $name attempt $ATTEMPT on $(hostname) at $(date -Is)"
    echo "otmpi $OTMPI ($("$OTMPI" -version </dev/null 2>/dev/null | tail -1)), git $(git -C "$OTMPI_DIR" rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "launcher: ${OT_LAUNCH[*]}"
    if [[ -n ${SLURM_JOB_ID:-} ]]; then scontrol show job "$SLURM_JOB_ID" 2>/dev/null; fi
    if command -v module >/dev/null 2>&1; then module list 2>&1; fi
  } >>"$RUN_DIR/job.txt"
}

# SIGTERM or SIGUSR1 to this shell (trapped from ot_init on): remember it, and ask the running otmpi (if any) to
# checkpoint by sending the launcher SIGUSR1 (see the top of this file).
ot_on_signal() {
  OT_SIGNALLED=1
  echo "otmpi job: signal received at $(date +%T)${OT_CHILD:+, asking the ranks to checkpoint}"
  if [[ -n $OT_CHILD ]]; then kill -USR1 "$OT_CHILD" 2>/dev/null || true; fi
}

# ot_run ARGS...: runs `otmpi ARGS` on NP ranks and returns its exit status. The launcher runs in the background because
# bash runs traps only between commands, and `wait` returns early (status > 128) when a trapped signal arrives: then
# wait again until the launcher has really ended.
ot_run() {
  local rc=0 again=0
  echo "+ ${OT_LAUNCH[*]} $OTMPI $*"
  "${OT_LAUNCH[@]}" "$OTMPI" "$@" </dev/null &
  OT_CHILD=$!
  while :; do
    rc=0
    wait "$OT_CHILD" || rc=$?
    if ((rc > 128)) && kill -0 "$OT_CHILD" 2>/dev/null; then continue; fi
    break
  done
  # interrupted just as the launcher ended: its own status is still there to collect
  if ((rc > 128 && OT_SIGNALLED)); then
    wait "$OT_CHILD" 2>/dev/null || again=$?
    ((again == 127)) || rc=$again
  fi
  OT_CHILD=""
  return "$rc"
}

# ot_solve CHECKPOINT ARGS...: an iterative solver run that survives walltimes and node failures: it writes CHECKPOINT
# every CHECKPOINT_EVERY iterations and when signalled, resumes from CHECKPOINT when it exists, and on exit status 75
# (checkpoint written after a signal) requeues this job, which then resumes. Without Slurm, status 75 ends the script
# with 75: run it again to resume.
ot_solve() {
  local ckpt=$1 rc=0
  shift
  local restart=()
  # the warning signal came before the solver started (e.g. while inputs were prepared): requeue right away
  if ((OT_SIGNALLED)); then ot_requeue "$ckpt"; fi
  if [[ -f $ckpt ]]; then
    restart=(-restart "$ckpt")
    echo "otmpi job: resuming from $ckpt"
  fi
  ot_run "$@" -checkpoint "$ckpt" -checkpoint_every "${CHECKPOINT_EVERY:-100}" ${restart[@]+"${restart[@]}"} || rc=$?
  case $rc in
  0)
    [[ ${KEEP_CHECKPOINT:-0} == 1 ]] || rm -f "$ckpt"
    return 0
    ;;
  75) ot_requeue "$ckpt" ;;
  *)
    echo "otmpi job: otmpi exited with status $rc" >&2
    # signalled before the ranks had installed their handlers (a warning during start-up): the walltime ends anyway,
    # so go back to the queue and resume from the last periodic checkpoint
    if ((OT_SIGNALLED)); then ot_requeue "$ckpt"; fi
    return "$rc"
    ;;
  esac
}

# ot_requeue CHECKPOINT: put this job back in the queue (it keeps its id, so it resumes from CHECKPOINT) and end.
ot_requeue() {
  local state what="no checkpoint yet"
  [[ -f $1 ]] && what="checkpoint $1"
  if [[ -z ${SLURM_JOB_ID:-} ]]; then
    echo "otmpi job: stopped on a signal ($what); run this script again to resume"
    exit 75
  fi
  if ((ATTEMPT >= ${MAX_REQUEUE:-10})); then
    echo "otmpi job: stopped on a signal ($what); not requeued: already restarted $ATTEMPT times (MAX_REQUEUE)" >&2
    exit 75
  fi
  # a cancelled job (scancel also sends SIGTERM) must stay cancelled
  state=$(scontrol show job "$SLURM_JOB_ID" | tr ' ' '\n' | sed -n 's/^JobState=//p')
  if [[ $state != RUNNING ]]; then
    echo "otmpi job: stopped on a signal ($what); not requeued: the job is $state" >&2
    exit 75
  fi
  echo "otmpi job: stopped on a signal ($what); requeueing job $SLURM_JOB_ID (restart $((ATTEMPT + 1)))"
  scontrol requeue "$SLURM_JOB_ID" || ot_die "scontrol requeue $SLURM_JOB_ID failed (is the job --requeue?)"
  exit 0
}
