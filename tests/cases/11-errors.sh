# 11-errors.sh: the bad-input matrix of the foundation: each case exits non-zero with exactly one `otmpi: error:` line,
# no traceback, and no output file (at 1, 2 or 4 ranks). Solver commands add their own cases in their test files.
# timeout: 300
# checks: 34
source "$OTMPI_TOP/tests/lib/common.sh"
$PY "$OTMPI_TOP/tests/ref/io_fields.py" make . || fail "io_fields.py make"

expect_error "missing file" out.h5 2 convert nope.h5 -o out.h5
expect_error "not an HDF5 file" out.h5 2 convert noth5.h5 -o out.h5
expect_error "truncated HDF5 file" out.h5 2 convert trunc.h5 -o out.h5
expect_error "missing dataset (/density)" out.h5 2 convert nodens.h5 -o out.h5
expect_error "missing dataset (file:/path)" out.h5 2 convert g2.h5:/group/nothere -o out.h5
expect_error "a directory as input" out.h5 1 convert . -o out.h5
expect_error "wrong rank (4-D)" out.h5 2 convert rank4.h5 -o out.h5
expect_error "NaN/Inf values" out.h5 4 convert nan.h5 -validate -o out.h5
expect_error "negative values" out.h5 2 convert neg.h5 -validate -o out.h5
expect_error "zero mass" out.h5 2 convert zero.h5 -validate -o out.h5
expect_error "label absent from the atlas" out.h5 2 convert d2.h5 -label 7 -o out.h5
expect_error "negative spacing attribute" out.h5 2 convert badspacing.h5 -o out.h5
expect_error "unreadable NIfTI" out.h5 1 convert noth5.nii -o out.h5
expect_error "unwritable output directory" "" 2 gen -o /proc/1/out.h5
expect_error "output directory missing" "" 2 gen -o nodir/out.h5
expect_error "output is a directory" "" 1 gen -o .
expect_error "unwritable -png" out.h5 2 gen -o out.h5 -png /proc/1/x.png
expect_error "no -o" "" 1 gen
expect_error "negative sigma" out.h5 2 gen -sigma -0.1 -o out.h5
expect_error "empty -n list" out.h5 2 gen -n "" -o out.h5
expect_error "zero cells" out.h5 2 gen -n 0,8 -o out.h5
expect_error "4 axes in -n" out.h5 2 gen -n 4,4,4,4 -o out.h5
expect_error "unknown -shape" out.h5 1 gen -shape blob -o out.h5
expect_error "blob outside the grid" out.h5 2 gen -shape ball -radius 0.01 -center 5,5 -o out.h5
expect_error "bad -memory_limit" out.h5 2 gen -memory_limit lots -o out.h5
expect_error "too little memory" out.h5 2 gen -n 512,512,512 -memory_limit 100MiB -o out.h5
expect_error "too many ranks for the grid (3 planes, 4 ranks)" out.h5 4 gen -n 3,8 -o out.h5
expect_error "unknown command" "" 2 frobnicate -o out.h5
grep -q "needs 1.00 GiB, 100.0 MiB available" <(run_otmpi 2 gen -n 512,512,512 -memory_limit 100MiB -o out.h5; cat .err) &&
  ok "memory error states what is needed and what is available" || fail "memory error text: $(cat .err)"
run_otmpi 4 gen -n 9,8 -o out.h5
grep -q "use at most 3 ranks" .err && ok "rank error suggests the usable rank count" || fail "rank error text: $(cat .err)"
# an existing output is replaced only when the new one is complete: a failing run leaves the old file intact
must "gen old" 1 gen -o keep.h5 -quiet && cp keep.h5 keep.ref
expect_error "failing run keeps the previous output" "" 2 gen -sigma -1 -o keep.h5
cmp -s keep.h5 keep.ref && ok "previous output untouched" || fail "previous output changed"
# unused options are reported
run_otmpi 1 gen -o w.h5 -sigmaa 0.1 -quiet
grep -q "otmpi: warning: option -sigmaa 0.1 was not used" .err && ok "unused option reported" || fail "unused option not reported: $(cat .err)"
# -help lists the options with defaults and does nothing
run_otmpi 2 gen -help
grep -q -- "-sigma <0.1" .out && grep -q -- "-shape <now gaussian" .out && [[ ! -e out.h5 ]] && ok "gen -help lists options with defaults" || fail "gen -help: $(head -20 .out)"
