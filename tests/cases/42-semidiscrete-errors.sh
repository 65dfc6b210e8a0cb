# 42-semidiscrete-errors.sh: bad inputs of semidiscrete: each gives exactly one `otmpi: error:` line, a non-zero exit
# and no output file, at 1, 2 or 4 ranks; -help lists the options with their defaults and does nothing.
# timeout: 200
# checks: 27
source "$OTMPI_TOP/tests/lib/common.sh"
REF="checked $PY $OTMPI_TOP/tests/ref/sd_ref.py"
$REF bad . || fail "sd_ref bad"
must "gen density" 1 gen -shape gaussian -n 16,16 -o d.h5
must "gen points" 1 gen -shape points -n 16,16 -count 10 -o p.h5
must "gen 3-D density" 1 gen -shape gaussian -n 8,8,8 -o dens3.h5
$PY -c "
import h5py, numpy as np
with h5py.File('nand.h5', 'w') as f:
    a = np.ones((16, 16)); a[3, 3] = np.nan; f['density'] = a
"

expect_error "no -density" out.h5 1 semidiscrete -points p.h5 -o out.h5
expect_error "no -points" out.h5 1 semidiscrete -density d.h5 -o out.h5
expect_error "no -o" "" 1 semidiscrete -density d.h5 -points p.h5
expect_error "missing points file" out.h5 1 semidiscrete -density d.h5 -points nope.h5 -o out.h5
expect_error "no /points dataset" out.h5 1 semidiscrete -density d.h5 -points nopoints.h5 -o out.h5
expect_error "/points of rank 1" out.h5 4 semidiscrete -density d.h5 -points rank1.h5 -o out.h5
expect_error "3-D points for a 2-D density" out.h5 1 semidiscrete -density d.h5 -points d3.h5 -o out.h5
expect_error "2-D points for a 3-D density" out.h5 1 semidiscrete -density dens3.h5 -points p.h5 -o out.h5
expect_error "no point at all" out.h5 1 semidiscrete -density d.h5 -points empty.h5 -o out.h5
expect_error "NaN coordinate" out.h5 2 semidiscrete -density d.h5 -points nanpt.h5 -o out.h5
expect_error "zero target mass" out.h5 2 semidiscrete -density d.h5 -points zeromass.h5 -o out.h5
expect_error "negative target mass" out.h5 4 semidiscrete -density d.h5 -points negmass.h5 -o out.h5
expect_error "/mass of the wrong length" out.h5 1 semidiscrete -density d.h5 -points shortmass.h5 -o out.h5
expect_error "1-D density" out.h5 1 semidiscrete -density line.h5 -points p.h5 -o out.h5
expect_error "NaN in the density" out.h5 1 semidiscrete -density nand.h5 -points p.h5 -o out.h5
expect_error "-tol 0" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -tol 0
expect_error "-max_it -1" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -max_it -1
expect_error "-lloyd -2" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -lloyd -2
expect_error "-sd_merge_tol 2" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -sd_merge_tol 2
expect_error "restart file missing" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -restart nock.h5
expect_error "restart from a file that is not a checkpoint" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -restart d.h5
must "gen other points" 1 gen -shape points -n 16,16 -count 12 -o p12.h5
must "checkpoint with 12 points" 1 semidiscrete -density d.h5 -points p12.h5 -o other.h5 -max_it 2 -checkpoint ck12.h5 -checkpoint_every 1 -quiet
expect_error "restart with another point count" out.h5 2 semidiscrete -density d.h5 -points p.h5 -o out.h5 -restart ck12.h5
expect_error "unwritable -checkpoint" out.h5 1 semidiscrete -density d.h5 -points p.h5 -o out.h5 -checkpoint /proc/1/ck.h5
expect_error "unknown -sd_ksp_type" out.h5 2 semidiscrete -density d.h5 -points p.h5 -o out.h5 -sd_ksp_type nosuch
must "gen thin density" 1 gen -shape uniform -n 3,16 -o thin.h5
expect_error "too many ranks for the grid (3 planes, 4 ranks)" out.h5 4 semidiscrete -density thin.h5 -points p.h5 -o out.h5
expect_error "too little memory" out.h5 2 semidiscrete -density d.h5 -points p.h5 -o out.h5 -memory_limit 1KiB

run_otmpi 2 semidiscrete -help
grep -q -- "-sd_tol <1e-09" .out && grep -q -- "-sd_ksp_type" .out && grep -q -- "-sd_lloyd <" .out && grep -q -- "alias -lloyd" .out && [[ ! -e out.h5 ]] &&
  ok "semidiscrete -help lists its options with defaults" || fail "semidiscrete -help: $(grep -E 'tol|lloyd|ksp_type' .out | head -5)"
