# 41-dynamic-errors.sh: bad input to otmpi dynamic: each case exits non-zero with exactly one `otmpi: error:` line, no
# traceback, and leaves no output (nor checkpoint) behind, at 1, 2 or 4 ranks.
# timeout: 300
# checks: 26
source "$OTMPI_TOP/tests/lib/common.sh"
$PY "$OTMPI_TOP/tests/ref/io_fields.py" make . || fail "io_fields.py make"
run_otmpi 1 gen -n 8,8 -o e8.h5 && run_otmpi 1 gen -n 8,8 -center 0.3,0.3 -o f8.h5 && run_otmpi 1 gen -n 12,12 -o e12.h5 &&
  run_otmpi 1 gen -n 3,8 -o n3.h5 && run_otmpi 1 gen -n 3,8 -center 0.2,0.2 -o m3.h5 || fail "gen inputs: $(cat .err)"
OK="dynamic -a e8.h5 -b f8.h5 -nt 4"

expect_error "no -b" out.h5 2 dynamic -a e8.h5 -nt 4 -o out.h5
expect_error "no -o" "" 1 $OK
expect_error "missing input file" out.h5 2 dynamic -a e8.h5 -b nope.h5 -o out.h5
expect_error "shapes differ (8x8 vs 12x12)" out.h5 2 dynamic -a e8.h5 -b e12.h5 -o out.h5
expect_error "NaN/Inf in -b" out.h5 2 dynamic -a e8.h5 -b nan.h5 -o out.h5
expect_error "negative values in -a" out.h5 4 dynamic -a neg.h5 -b e8.h5 -o out.h5
expect_error "zero mass" out.h5 2 dynamic -a e8.h5 -b zero.h5 -o out.h5
expect_error "negative -nt" out.h5 2 $OK -nt -3 -o out.h5
expect_error "unknown -dyn_type" out.h5 2 $OK -dyn_type newton -o out.h5
expect_error "unknown -dyn_poisson" out.h5 2 $OK -dyn_poisson multigrid -o out.h5
expect_error "-dyn_dr_alpha outside (0, 2)" out.h5 2 $OK -dyn_type dr -dyn_dr_alpha 2.5 -o out.h5
expect_error "-dyn_pd_tau x -dyn_pd_sigma >= 1" out.h5 2 $OK -dyn_pd_tau 10 -dyn_pd_sigma 1 -o out.h5
expect_error "negative -rho_fr" out.h5 2 $OK -rho_fr -1 -o out.h5
expect_error "negative -tol" out.h5 2 $OK -tol -1 -o out.h5
expect_error "-max_it 0" out.h5 2 $OK -max_it 0 -o out.h5
expect_error "too many ranks for the grid (3 planes, 4 ranks)" out.h5 4 dynamic -a n3.h5 -b m3.h5 -o out.h5
expect_error "too little memory" out.h5 2 $OK -nt 100000 -memory_limit 10MiB -o out.h5
expect_error "-o names an input" "" 2 dynamic -a e8.h5 -b f8.h5 -o f8.h5
[[ -s f8.h5 ]] && ok "the input named by -o is untouched" || fail "f8.h5 was damaged"
expect_error "-checkpoint in a missing directory" out.h5 2 $OK -checkpoint nodir/c.h5 -o out.h5
expect_error "-restart: not a checkpoint" out.h5 2 $OK -restart e12.h5 -o out.h5
# a real checkpoint of another problem
must "checkpoint for the mismatch cases" 2 $OK -tol 0 -max_it 20 -checkpoint ck.h5 -checkpoint_every 10 -o good.h5
expect_error "-restart: other -nt" out.h5 2 $OK -nt 6 -restart ck.h5 -o out.h5
expect_error "-restart: other -dyn_type" out.h5 2 $OK -dyn_type dr -restart ck.h5 -o out.h5
expect_error "-restart: other inputs" out.h5 2 dynamic -a f8.h5 -b e8.h5 -nt 4 -restart ck.h5 -o out.h5
expect_error "-restart: other grid" out.h5 1 dynamic -a e12.h5 -b e12.h5 -nt 4 -restart ck.h5 -o out.h5
run_otmpi 1 dynamic -a e12.h5 -b e12.h5 -nt 4 -restart ck.h5 -o out.h5
grep -q "checkpoint is for a 8x8x1 grid, the inputs are 12x12x1" .err && ok "restart mismatch names the grids" || fail "restart mismatch text: $(cat .err)"
