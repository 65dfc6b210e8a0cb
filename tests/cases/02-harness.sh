# 02-harness.sh: the test runner itself. Runs tests/run on a folder of small cases made here and checks that a check
# cannot vanish: a case that reports fewer checks than it plans, a case without a plan, and a reference script that
# raises before printing its checks are each counted as FAIL, and a sound case passes.
# timeout: 60
# checks: 5
source "$OTMPI_TOP/tests/lib/common.sh"
mkdir -p cases
cat >cases/a-sound.sh <<'CASE'
# checks: 2
source "$OTMPI_TOP/tests/lib/common.sh"
ok "first"
ok "second"
CASE
cat >cases/b-short.sh <<'CASE'
# checks: 3
source "$OTMPI_TOP/tests/lib/common.sh"
ok "first"
ok "second"
exit 0
ok "third, never reached"
CASE
cat >cases/c-raises.sh <<'CASE'
# checks: 1
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $PWD/../../raises.py"
$REF compare x.h5
CASE
cat >cases/d-unplanned.sh <<'CASE'
source "$OTMPI_TOP/tests/lib/common.sh"
ok "a check nobody planned"
CASE
cat >raises.py <<'PY'
import sys
raise RuntimeError("a reference that fails before it prints a check")
PY
sed -i "s|\$PWD/../../raises.py|$PWD/raises.py|" cases/c-raises.sh
mkdir -p tmp
TMPDIR=$PWD/tmp OTMPI_CASES=$PWD/cases "$OTMPI_TOP/tests/run" >run.out 2>&1
rc=$?
summary=$(tail -1 run.out)
# every ok/FAIL line of the inner run is indented so that the outer runner does not count it
sed 's/^/    /' run.out
grep -q '^# a-sound: 2 passed, 0 failed' run.out && ok "a sound case passes (2 of 2 planned checks)" || fail "sound case: $(grep a-sound run.out)"
grep -q '^FAIL b-short: planned 3 checks, 2 reported' run.out && ok "a case that ends early fails: planned 3 checks, 2 reported" || fail "short case not caught"
grep -q '^FAIL reference .*raises.py compare x.h5: exited with status 1' run.out && ok "a reference script that raises is a FAIL" || fail "raising reference not caught"
grep -q "^FAIL d-unplanned: no '# checks: N' line" run.out && ok "a case without a plan fails" || fail "unplanned case not caught"
[[ $rc -ne 0 && $summary == "5 passed, 3 failed" ]] && ok "runner: exit status $rc, summary '$summary'" || fail "runner: status $rc, summary '$summary'"
