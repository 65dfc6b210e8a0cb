# slurm.sh: a real one-node Slurm cluster on localhost for the job tests (sourced): munged, slurmctld and slurmd from
# shellcheck shell=bash
# Debian's slurm-wlm and munge packages, each with its own key, config, ports, spool, logs and PID files in a temporary
# directory, so that it touches nothing of the host's own Slurm/munge and can run beside other test runs. Not a mock.
#   slurm_start DIR     start the daemons (exports SLURM_CONF); returns non-zero with the reason on stderr
#   slurm_stop          cancel what is left, stop slurmd, slurmctld and munged by their PIDs (idempotent; also on EXIT)
#   slurm_field JID F   field F of `scontrol show job JID` (JobState, ExitCode, Restarts, ...; no accounting needed)
#   slurm_wait JID SEC  wait until job JID has finished (echoes its final state), or SEC seconds passed
#   slurm_check_job NAME JID [RESTARTS]  ok/FAIL: COMPLETED with ExitCode 0:0 (and at least RESTARTS restarts)
# Needs root (slurmd starts jobs as the submitting user) or a SlurmUser that may do so; the test says why if it cannot.

SLURM_DIR=""
SLURM_SOCKDIR=""
SLURM_T0=0

# free TCP port on localhost (the kernel's choice; the tiny race with other programs is acceptable in tests)
_slurm_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# alive and not a zombie waiting for its parent to reap it
_slurm_pid_alive() {
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null && [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

slurm_logs() {
  local f
  for f in "$SLURM_DIR"/log/*.log "$SLURM_DIR"/munge/munged.log; do
    [[ -f $f ]] || continue
    echo "---- $f (last 15 lines)"
    tail -15 "$f"
  done
}

slurm_start() {
  SLURM_DIR=$1
  local host cpus mem ctld_port d_port i
  for p in munged slurmctld slurmd; do
    if [[ ! -x /usr/sbin/$p ]]; then
      echo "slurm_start: /usr/sbin/$p missing (make deps installs slurm-wlm and munge)" >&2
      return 1
    fi
  done
  host=$(hostname -s)
  # SLURM_TEST_CPUS > nproc lets jobs share the cores (SlurmdParameters=config_overrides: slurmd takes the configured
  # CPU count instead of refusing the node), so that quick jobs need not queue behind a long one
  cpus=${SLURM_TEST_CPUS:-$(nproc)}
  # the memory Slurm may hand out: half of what the host has (MiB); jobs here ask for none explicitly
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 2048 }' /proc/meminfo)
  mkdir -p "$SLURM_DIR"/{munge,spool/ctld,spool/d,log,run}
  # munged insists on a socket whose every parent directory is searchable by all (the test directories are private,
  # and a Unix socket path must stay short): the socket gets a directory of its own in /tmp
  SLURM_SOCKDIR=$(mktemp -d /tmp/otmpi-munge.XXXXXX) && chmod 755 "$SLURM_SOCKDIR" || return 1
  dd if=/dev/urandom of="$SLURM_DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$SLURM_DIR/munge/munge.key"
  /usr/sbin/munged --socket="$SLURM_SOCKDIR/munge.socket" --key-file="$SLURM_DIR/munge/munge.key" \
    --pid-file="$SLURM_DIR/munge/munged.pid" --log-file="$SLURM_DIR/munge/munged.log" \
    --seed-file="$SLURM_DIR/munge/munged.seed" || {
    echo "slurm_start: munged failed: $(tail -2 "$SLURM_DIR/munge/munged.log" 2>/dev/null)" >&2
    return 1
  }
  if ! munge -S "$SLURM_SOCKDIR/munge.socket" -n | unmunge -S "$SLURM_SOCKDIR/munge.socket" >/dev/null; then
    echo "slurm_start: munge credential round trip failed" >&2
    return 1
  fi
  ctld_port=$(_slurm_free_port)
  d_port=$(_slurm_free_port)
  [[ $d_port == "$ctld_port" ]] && d_port=$((ctld_port + 1))
  # One node, one partition, no accounting, no cgroups (proctrack/linuxproc works without systemd). Deviations from a
  # production slurm.conf, all to make the test quick: cred_expire=5 (a requeued job waits cred_expire seconds before
  # it may start again; default 120), sched_interval/bf_interval=1 (scheduling passes every second), MinJobAge=3600
  # (finished jobs stay visible to scontrol; sbatch --wait then polls at 2, 8, 32 s), SlurmctldDebug=debug2 (the time-limit checks are logged: see
  # slurm_next_limit_check).
  cat >"$SLURM_DIR/slurm.conf" <<EOF
ClusterName=otmpitest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
AuthInfo=socket=$SLURM_SOCKDIR/munge.socket,cred_expire=5
CredType=cred/munge
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
MinJobAge=3600
KillWait=10
ReturnToService=2
SlurmdParameters=config_overrides
MailProg=/bin/true
StateSaveLocation=$SLURM_DIR/spool/ctld
SlurmdSpoolDir=$SLURM_DIR/spool/d
SlurmctldPidFile=$SLURM_DIR/run/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/run/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
SlurmctldDebug=debug2
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  SLURM_T0=$(date +%s)
  /usr/sbin/slurmctld -f "$SLURM_CONF" || {
    echo "slurm_start: slurmctld failed to start" >&2
    slurm_logs >&2
    return 1
  }
  /usr/sbin/slurmd -f "$SLURM_CONF" -N "$host" || {
    echo "slurm_start: slurmd failed to start" >&2
    slurm_logs >&2
    return 1
  }
  for ((i = 0; i < 60; i++)); do
    if [[ $(sinfo -h -N -o '%t' 2>/dev/null) == idle ]]; then return 0; fi
    sleep 0.5
  done
  echo "slurm_start: node not idle after 30 s: $(sinfo -N 2>&1 | tail -1)" >&2
  slurm_logs >&2
  return 1
}

_slurm_stop_pidfile() {
  local f=$1 pid i
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  _slurm_pid_alive "$pid" || return 0
  kill "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    _slurm_pid_alive "$pid" || return 0
    sleep 0.1
  done
  echo "slurm_stop: $f (pid $pid) did not stop on SIGTERM, killing it" >&2
  kill -9 "$pid" 2>/dev/null
}

slurm_stop() {
  [[ -n $SLURM_DIR && -f $SLURM_DIR/slurm.conf ]] || return 0
  local i
  if _slurm_pid_alive "$(cat "$SLURM_DIR/run/slurmctld.pid" 2>/dev/null)"; then
    # jobs still there (a failed check): cancel them and give their processes time to go before slurmd does
    if [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
      scancel --user="$(id -un)" 2>/dev/null
      for ((i = 0; i < 60; i++)); do
        [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
        sleep 0.5
      done
    fi
  fi
  _slurm_stop_pidfile "$SLURM_DIR/run/slurmd.pid"
  _slurm_stop_pidfile "$SLURM_DIR/run/slurmctld.pid"
  _slurm_stop_pidfile "$SLURM_DIR/munge/munged.pid"
  [[ -n $SLURM_SOCKDIR ]] && rm -rf "$SLURM_SOCKDIR"
  SLURM_DIR="" SLURM_SOCKDIR=""
}

slurm_field() {
  scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

slurm_wait() {
  local jid=$1 limit=$2 t0=$SECONDS state
  while ((SECONDS - t0 < limit)); do
    state=$(slurm_field "$jid" JobState)
    case $state in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
      echo "$state"
      return 0
      ;;
    esac
    sleep 1
  done
  echo "still $(slurm_field "$jid" JobState) after $limit s"
  return 1
}

slurm_check_job() {
  local name=$1 jid=$2 restarts=${3:-0} state code nr
  state=$(slurm_field "$jid" JobState)
  code=$(slurm_field "$jid" ExitCode)
  nr=$(slurm_field "$jid" Restarts)
  if [[ $state == COMPLETED && $code == 0:0 && ${nr:-0} -ge $restarts ]]; then
    ok "$name: job $jid COMPLETED, ExitCode $code, Restarts ${nr:-0}"
    return 0
  fi
  fail "$name: job $jid: JobState=$state ExitCode=$code Restarts=$nr (want COMPLETED 0:0, >= $restarts restarts) $(slurm_field "$jid" Reason)"
  return 1
}

# Slurm checks time limits (and sends --signal warnings) in a periodic pass of slurmctld every 30 s, counted from its
# start; with debug2 each pass is logged. Echo the epoch seconds of the next pass at least MIN seconds from now.
slurm_next_limit_check() {
  local min=${1:-0} last now
  last=$(grep 'Testing job time limits' "$SLURM_DIR/log/slurmctld.log" | tail -1 | sed 's/^\[\([^].]*\).*/\1/')
  if [[ -n $last ]]; then last=$(date -d "$last" +%s); else last=$SLURM_T0; fi
  now=$(date +%s)
  while ((last < now + min)); do last=$((last + 30)); done
  echo "$last"
}
