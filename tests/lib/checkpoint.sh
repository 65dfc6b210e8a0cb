# checkpoint.sh: the checkpoint/restart checks every iterative solver gets (sourced after common.sh), written for any
# shellcheck shell=bash
# solver command line that takes -o, -checkpoint F, -checkpoint_every N and -restart F:
#   ckpt_available CMD                    0 when `otmpi CMD` is in the binary's command list
#   ckpt_kill_restart NAME NP NP2 ARGS... kill -9 a run at a random point after its first checkpoint, restart from the
#                                         last checkpoint at NP ranks (output equal to an uninterrupted run to 1e-12
#                                         relative) and at NP2 ranks (1e-10)
#   ckpt_signal NAME NP SIG ARGS...       SIG (TERM or USR1) to the ranks mid-run: exit status 75, a checkpoint, no
#                                         output; restarting from it gives the uninterrupted output (1e-12; skipped
#                                         with CKPT_SIGNAL_RESTART=0)
# ARGS is the solver's command line without -o/-checkpoint*/-restart (e.g. `sinkhorn -a a.h5 -b b.h5 -tol 0 -max_it
# 500`); it must run long enough to be interrupted (a second or more) and deterministically (-tol 0: a fixed number of
# iterations). Files are named NAME-*.h5 in the current directory. CKPT_EVERY (default 5) is the checkpoint cadence.
# The random points are times, scaled by the uninterrupted run; a run that ends before its kill or signal (the machine
# got quicker) is tried again, up to 3 times, with a quarter of the window.
H5CMP="$PY $OTMPI_TOP/tests/lib/h5cmp.py"

ckpt_available() {
  # the command is in the binary's command list (otmpi -help)
  [[ -x $OTMPI ]] && "$OTMPI" -help </dev/null 2>&1 | grep -qE "^  $1 "
}

_ckpt_ms() { echo $(($(date +%s%N) / 1000000)); }

# the iteration a checkpoint holds: its `iteration` attribute (every solver writes it); "?" when absent
_ckpt_iteration() {
  attr "$1" iteration 2>/dev/null || echo "?"
}

# _ckpt_start NP OUT ARGS...: otmpi ARGS -monitor on NP ranks in the background (CKPT_PID), stdout and stderr in OUT
_ckpt_start() {
  local np=$1 out=$2
  shift 2
  # emptied here, not only by the redirection in the background job: _ckpt_started must not see an earlier run's lines
  : >"$out"
  mpiexec -n "$np" "$OTMPI" "$@" -monitor </dev/null >"$out" 2>&1 &
  CKPT_PID=$!
}

# _ckpt_started OUT: wait until the run of CKPT_PID printed its first line: otmpi is then past its start-up, with its
# signal handlers installed (before that, SIGUSR1 or SIGTERM simply kill a rank)
_ckpt_started() {
  while [[ ! -s $1 ]] && kill -0 "$CKPT_PID" 2>/dev/null; do sleep 0.02; done
}

_ckpt_sleep_ms() { sleep "$(awk -v d="$1" 'BEGIN { printf "%.3f", d / 1000 }')"; }

# _ckpt_reference NAME NP ARGS...: the uninterrupted run (once per NAME); CKPT_ITER_MS is the time from its first
# output line to its end (the iterations, not the start-up)
_ckpt_reference() {
  local name=$1 np=$2 t0 rc=0
  shift 2
  [[ -f $name-ref.h5 && -n ${CKPT_ITER_MS:-} ]] && return 0
  _ckpt_start "$np" "$name-ref.out" "$@" -o "$name-ref.h5"
  _ckpt_started "$name-ref.out"
  t0=$(_ckpt_ms)
  wait "$CKPT_PID" || rc=$?
  if [[ $rc -ne 0 || ! -f $name-ref.h5 ]]; then
    fail "$name uninterrupted run: otmpi $* failed ($rc): $(tail -3 "$name-ref.out" | tr '\n' ' ')"
    return 1
  fi
  CKPT_ITER_MS=$(($(_ckpt_ms) - t0))
  echo "# $name: uninterrupted run at $np ranks: $CKPT_ITER_MS ms after its first output line"
}

ckpt_kill_restart() {
  local name=$1 np=$2 np2=$3 every=${CKPT_EVERY:-5} mp delay it ranks try window
  shift 3
  CKPT_ITER_MS=""
  rm -f "$name"-*.h5*
  _ckpt_reference "$name" "$np" "$@" || return 1
  # a random point between the first checkpoint and half the iteration time later; on a busy machine the run may be
  # quicker than the reference was and end first: then again, within a quarter of that window
  window=$((CKPT_ITER_MS / 2 + 1))
  for ((try = 1; try <= 3; try++)); do
    rm -f "$name"-killed.h5* "$name"-ck.h5*
    _ckpt_start "$np" "$name-killed.out" "$@" -o "$name-killed.h5" -checkpoint "$name-ck.h5" -checkpoint_every "$every"
    mp=$CKPT_PID
    while [[ ! -f $name-ck.h5 ]] && kill -0 "$mp" 2>/dev/null; do sleep 0.02; done
    delay=$((RANDOM % window))
    _ckpt_sleep_ms "$delay"
    ranks=$(pgrep -P "$mp" | tr '\n' ' ')
    # the ranks first (a crashed node), then the launcher
    # shellcheck disable=SC2086
    kill -9 $ranks "$mp" 2>/dev/null
    wait "$mp" 2>/dev/null
    [[ -f $name-killed.h5 ]] || break
    echo "# $name kill -9: the run ended before the kill ($delay ms after its first checkpoint), try $try"
    window=$((window / 4 + 1))
  done
  if [[ -f $name-killed.h5 ]]; then
    fail "$name kill -9: the run finished before it was killed, 3 times (make it longer)"
    return 1
  fi
  if [[ ! -f $name-ck.h5 ]]; then
    fail "$name kill -9: no checkpoint $name-ck.h5 after -checkpoint_every $every: $(tail -3 "$name-killed.out")"
    return 1
  fi
  it=$(_ckpt_iteration "$name-ck.h5")
  ok "$name kill -9 at $np ranks $delay ms after the first checkpoint: checkpoint at iteration $it readable"
  cp "$name-ck.h5" "$name-ck2.h5"
  _ckpt_restart "$name" "$np" "$name-ck.h5" "$name-restart.h5" 1e-12 "restart at $np ranks from iteration $it" "$@"
  _ckpt_restart "$name" "$np2" "$name-ck2.h5" "$name-restart2.h5" 1e-10 \
    "checkpoint of $np ranks (iteration $it) restarted at $np2 ranks" "$@"
}

# _ckpt_restart NAME NP CHECKPOINT OUT RTOL WHAT ARGS...: resume exactly as the job scripts do (-restart and -checkpoint
# name the same file) and compare OUT with the uninterrupted run
_ckpt_restart() {
  local name=$1 np=$2 ck=$3 out=$4 rtol=$5 what=$6 cmp
  shift 6
  must "$name $what" "$np" "$@" -o "$out" -checkpoint "$ck" -checkpoint_every "${CKPT_EVERY:-5}" -restart "$ck" ||
    return 1
  if cmp=$($H5CMP "$out" "$name-ref.h5" "$rtol"); then
    ok "$name $what equals the uninterrupted run (rtol $rtol): $cmp"
  else
    fail "$name $what differs from the uninterrupted run (rtol $rtol): $cmp"
  fi
}

ckpt_signal() {
  local name=$1 np=$2 sig=$3 mp rc ranks cmp try window delay
  shift 3
  _ckpt_reference "$name" "$np" "$@" || return 1
  # a random point in the first third of the iterations (again within a quarter of that when the run ended first)
  window=$((CKPT_ITER_MS / 3 + 1))
  for ((try = 1; try <= 3; try++)); do
    rm -f "$name-sig"*.h5*
    # -checkpoint_every 0: only the signal writes a checkpoint
    _ckpt_start "$np" "$name-sig.out" "$@" -o "$name-sig.h5" -checkpoint "$name-sigck.h5" -checkpoint_every 0
    mp=$CKPT_PID
    _ckpt_started "$name-sig.out"
    delay=$((RANDOM % window))
    _ckpt_sleep_ms "$delay"
    ranks=$(pgrep -P "$mp" | tr '\n' ' ')
    # straight to the ranks, as Slurm's --signal does to srun steps (mpiexec would turn a SIGTERM into a kill)
    # shellcheck disable=SC2086
    kill -"$sig" $ranks 2>/dev/null
    rc=0
    wait "$mp" || rc=$?
    [[ -f $name-sig.h5 ]] || break
    # the output is there: the signal came after the iterations; the run must still end as finished (status 0)
    if [[ $rc -ne 0 ]]; then
      fail "$name SIG$sig after the output was written: exit status $rc (want 0): $(grep -v '^ *$' "$name-sig.out" | tail -2 | tr '\n' ' ')"
      return 1
    fi
    echo "# $name SIG$sig: the run ended before the signal ($delay ms after its first output line), try $try"
    window=$((window / 4 + 1))
  done
  if [[ $rc -ne 75 || ! -f $name-sigck.h5 || -e $name-sig.h5 ]]; then
    fail "$name SIG$sig: exit status $rc (want 75), checkpoint $([[ -f $name-sigck.h5 ]] && echo written || echo missing), output $([[ -e $name-sig.h5 ]] && echo written || echo absent): $(grep -v '^ *$' "$name-sig.out" | tail -2 | tr '\n' ' ')"
    return 1
  fi
  ok "$name SIG$sig at $np ranks: exit status 75, checkpoint at iteration $(_ckpt_iteration "$name-sigck.h5"), no output"
  # the restart path is the one ckpt_kill_restart checks; once more after a signal unless CKPT_SIGNAL_RESTART=0
  [[ ${CKPT_SIGNAL_RESTART:-1} == 1 ]] || return 0
  if must "$name restart after SIG$sig" "$np" "$@" -o "$name-sig.h5" -restart "$name-sigck.h5"; then
    if cmp=$($H5CMP "$name-sig.h5" "$name-ref.h5" 1e-12); then
      ok "$name restart after SIG$sig equals the uninterrupted run: $cmp"
    else
      fail "$name restart after SIG$sig differs from the uninterrupted run: $cmp"
    fi
  fi
}
