#!/bin/bash
# bits.sh OLD NEW: the accuracy cases of each solver (2-D/3-D, scaling/log domain, balanced/unbalanced/debiased,
# eps-scaling, Lloyd) run with two builds of bin/otmpi at 2 ranks; every dataset and every numeric attribute except
# timings must have the same bits. BITS_ONLY="s1|b2" picks cases. Used to show that a refactoring changed no answer.
shopt -s extglob
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
OLD=$1 NEW=$2; D=$(mktemp -d); cd $D
$NEW gen -shape gaussian -n 64,64 -center 0.3,0.4 -sigma 0.05 -o a.h5 >/dev/null
$NEW gen -shape ball -n 64,64 -center 0.6,0.5 -radius 0.2 -o b.h5 >/dev/null
$NEW gen -shape ring -n 64,64 -center 0.5,0.5 -radius 0.25 -o c.h5 >/dev/null 2>&1 || $NEW gen -shape gaussian -n 64,64 -center 0.7,0.3 -sigma 0.08 -o c.h5 >/dev/null
$NEW gen -shape points -n 64,64 -count 300 -seed 3 -o p.h5 >/dev/null; $NEW gen -shape gaussian -n 64,64 -sigma 0.2 -o g.h5 >/dev/null
$NEW gen -shape gaussian -n 16,14,12 -sigma 0.2 -o g3.h5 >/dev/null; $NEW gen -shape points -n 16,14,12 -count 150 -seed 4 -o p3.h5 >/dev/null
cases=(
 "q1|semidiscrete -density g3.h5 -points p3.h5"
 "s1|sinkhorn -a a.h5 -b b.h5 -eps 0.01 -debias -save_map"
 "s2|sinkhorn -a a.h5 -b b.h5 -eps 0.002 -kernel banded -eps_scaling -tol 1e-8"
 "s3|sinkhorn -a a.h5 -b b.h5 -eps 0.01 -rho 1"
 "b1|barycenter -inputs a.h5,b.h5,c.h5 -eps 0.005"
 "b2|barycenter -inputs a.h5,b.h5 -eps 0.002 -kernel banded -eps_scaling -tol 1e-6"
 "b3|barycenter -inputs a.h5,b.h5,c.h5 -eps 0.005 -debias -sharpen 0"
 "b4|barycenter -inputs a.h5,b.h5 -eps 0.005 -rho 1"
 "d1|dynamic -a a.h5 -b b.h5 -nt 8 -tol 0 -max_it 120"
 "d2|dynamic -a a.h5 -b b.h5 -nt 8 -tol 0 -max_it 60 -dyn_type dr"
 "d3|dynamic -a a.h5 -b b.h5 -nt 8 -tol 1e-4 -max_it 400 -dyn_type alg2"
 "d4|dynamic -a a.h5 -b b.h5 -nt 6 -tol 0 -max_it 40 -dyn_type dr -dyn_poisson ksp -dyn_ksp_rtol 1e-12"
 "d5|dynamic -a a.h5 -b c.h5 -nt 6 -tol 0 -max_it 60 -rho_fr 0.2"
 "p1|semidiscrete -density g.h5 -points p.h5"
 "p2|semidiscrete -density g.h5 -points p.h5 -lloyd 2"
)
bad=0
for c in "${cases[@]}"; do
  [[ -n ${BITS_ONLY:-} && ${c%%|*} != @($BITS_ONLY) ]] && continue
  name=${c%%|*}; args=${c#*|}
  for v in old new; do
    bin=$OLD; [[ $v == new ]] && bin=$NEW
    mpiexec -n 2 $bin $args -o $name-$v.h5 -quiet </dev/null >$name-$v.log 2>&1 || echo "$name $v failed: $(tail -2 $name-$v.log)"
  done
  /usr/bin/python3 - $name-old.h5 $name-new.h5 <<'PY' || bad=1
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
skip = ("time", "memory", "bytes", "command", "otmpi_version", "created", "reason", "solve_time", "poisson_time")
diff, n = [], 0
def walk(name, obj):
    global n
    if isinstance(obj, h5py.Dataset) and not name.startswith("xdmf"):
        n += 1
        if name not in b or not np.array_equal(obj[()], b[name][()], equal_nan=obj.dtype.kind == "f"): diff.append(name)
a.visititems(walk)
for k, v in a.attrs.items():
    if any(s in k for s in skip) or isinstance(v, (bytes, str)): continue
    n += 1
    if k not in b.attrs or not np.array_equal(np.asarray(v), np.asarray(b.attrs[k]), equal_nan=True): diff.append("@" + k)
print(f"{sys.argv[1][:-7]}: {n} datasets/attributes compared, {'identical bits' if not diff else 'DIFFER: ' + ' '.join(diff)}")
sys.exit(1 if diff else 0)
PY
done
echo "bits: $([[ $bad == 0 ]] && echo all identical || echo DIFFERENCES)"; rm -rf $D
