# common.sh: helpers for tests/cases/*.sh (sourced). A case prints `ok NAME` or `FAIL NAME: why` per check.
OTMPI_TOP=${OTMPI_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OTMPI="$OTMPI_TOP/bin/otmpi"
PY=/usr/bin/python3
H5Q="$PY $OTMPI_TOP/tests/lib/h5q.py"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }

# checked CMD ARGS...: runs a reference script (or any checker); one that exits non-zero (it raised, or crashed before
# printing its checks) is a FAIL, printed on stderr so that it counts even where the output is captured by $(...)
checked() {
  "$@"
  local rc=$?
  if ((rc)); then
    local what="$*"
    echo "FAIL reference ${what//$OTMPI_TOP\//}: exited with status $rc" >&2
  fi
  return $rc
}

# run_otmpi NP ARGS...: runs otmpi on NP ranks; stdout in .out, stderr in .err; returns the exit status
run_otmpi() {
  local np=$1
  shift
  mpiexec -n "$np" "$OTMPI" "$@" </dev/null >.out 2>.err
}

# must NAME NP ARGS...: the run must succeed
must() {
  local name=$1
  shift
  if run_otmpi "$@"; then return 0; fi
  fail "$name: otmpi $* failed: $(head -c 600 .err)"
  return 1
}

# close NAME GOT WANT RTOL [ATOL]: |got - want| <= atol + rtol |want|
close() {
  local name=$1 got=$2 want=$3 rtol=$4 atol=${5:-0}
  if awk -v g="$got" -v w="$want" -v r="$rtol" -v a="$atol" 'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w; exit !(g == g + 0 && d <= a + r * m) }'; then
    ok "$name ($got vs $want)"
  else
    fail "$name: got $got, want $want (rtol $rtol, atol $atol)"
  fi
}

# expect_error NAME OUTFILE NP ARGS...: non-zero exit, exactly one `otmpi: error:` line and no other error noise on
# stderr (tracebacks, HDF5 stacks), and OUTFILE (and any temporary of it) absent afterwards
expect_error() {
  local name=$1 out=$2
  shift 2
  run_otmpi "$@"
  local rc=$? n noise
  n=$(grep -c '^otmpi: error: ' .err)
  noise=$(grep -E 'PETSC ERROR|HDF5-DIAG|Traceback|Segmentation|Assertion' .err | head -3)
  if [[ $rc -eq 0 ]]; then
    fail "$name: exit status 0"
  elif [[ $n -ne 1 ]]; then
    fail "$name: $n 'otmpi: error:' lines: $(head -c 400 .err)"
  elif [[ -n $noise ]]; then
    fail "$name: error noise on stderr: $noise"
  elif [[ -n $out ]] && compgen -G "$out*" >/dev/null; then
    fail "$name: output left behind: $(ls "$out"*)"
  else
    ok "$name: $(grep '^otmpi: error: ' .err)"
  fi
  [[ -n $out ]] && rm -f "$out"* # no cascade into the next case
  return 0
}

# attr FILE NAME [OBJ]: value of an HDF5 attribute (h5py)
attr() { $H5Q attr "$@"; }

# Benchmark helpers. minof FILE: the smallest number in the first column (the fastest of repeated timings);
# log_event EVENT LOG [COLUMN]: a column of EVENT's line in a -log_view file (2: count, 4: max time over ranks, the default)
minof() { awk 'BEGIN { m = 1e300 } { if ($1 + 0 < m) m = $1 + 0 } END { printf "%.6e\n", m }' "$1"; }
log_event() { awk -v e="$1" -v c="${3:-4}" '$1 == e { print $c; exit }' "$2"; }
