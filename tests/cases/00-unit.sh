# 00-unit.sh: the C unit tests (build/tests/t_*), each at 1, 2 and 4 ranks.
# timeout: 600
source "$OTMPI_TOP/tests/lib/common.sh"
for t in "$OTMPI_TOP"/build/tests/t_*; do
  [[ -x $t ]] || continue
  for np in 1 2 4; do
    if ! mpiexec -n "$np" "$t" </dev/null >unit.out 2>unit.err; then
      grep -q '^FAIL ' unit.out || fail "$(basename "$t") np=$np: exited non-zero: $(head -c 300 unit.err)"
    fi
    cat unit.out
  done
done
