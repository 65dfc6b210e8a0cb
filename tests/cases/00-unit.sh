# 00-unit.sh: the C unit tests (build/tests/t_*), each at 1, 2 and 4 ranks.
# timeout: 600
# checks: 834
source "$OTMPI_TOP/tests/lib/common.sh"
# every unit source must have its binary: a missing one is a failure, not a silent skip
for src in "$OTMPI_TOP"/tests/unit/t_*.c; do
  t=$OTMPI_TOP/build/tests/$(basename "$src" .c)
  if [[ ! -x $t ]]; then
    fail "$(basename "$t"): no binary for tests/unit/$(basename "$src") (make builds it)"
    continue
  fi
  for np in 1 2 4; do
    if ! mpiexec -n "$np" "$t" </dev/null >unit.out 2>unit.err; then
      grep -q '^FAIL ' unit.out || fail "$(basename "$t") np=$np: exited non-zero: $(head -c 300 unit.err)"
    fi
    cat unit.out
  done
done
