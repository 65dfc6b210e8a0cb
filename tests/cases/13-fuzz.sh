# 13-fuzz.sh: seeded mutation fuzzing (tests/lib/fuzz.py) of HDF5 densities, point files, the checkpoints of the five
# solvers and NIfTI volumes, through every command that reads them: no crash, no hang, no partial output, and each
# rejected input gets exactly one `otmpi: error:` line. OTMPI_BIN selects another build (make asan runs this case on the
# AddressSanitizer build); FUZZ_SEED another seed.
# timeout: 600
# checks: 20
source "$OTMPI_TOP/tests/lib/common.sh"
BIN=${OTMPI_BIN:-$OTMPI}
SEED=${FUZZ_SEED:-20261205}
COUNTS=density=110,points=50,checkpoint=80,nifti=70
# one line per (kind, command) group: density 7 readers (info, convert, 5 solvers), points 2 (info, semidiscrete),
# checkpoints 6 (info, the restart of each solver), NIfTI 4 (info, convert, sinkhorn, barycenter)
PLAN=19

made=1
must "clean density" 1 gen -shape gaussian -n 16,12 -center 0.4,0.5 -sigma 0.15 -floor 1e-3 -o d.h5 -quiet || made=0
must "clean partner" 1 gen -shape ball -n 16,12 -center 0.6,0.4 -radius 0.3 -floor 1e-3 -o b.h5 -quiet || made=0
must "clean points" 1 gen -shape points -n 1,1 -count 10 -seed 7 -o p.h5 -quiet || made=0
# the checkpoints of the problems fuzz.py restarts (same arguments)
must "checkpoint sinkhorn" 1 sinkhorn -a d.h5 -b b.h5 -eps 1e-2 -max_it 50 -tol 0 -checkpoint ck_sinkhorn.h5 -checkpoint_every 5 -o s.h5 -quiet || made=0
must "checkpoint barycenter" 1 barycenter -inputs d.h5,b.h5 -eps 1e-2 -max_it 20 -tol 0 -checkpoint ck_barycenter.h5 -checkpoint_every 5 -o y.h5 -quiet || made=0
must "checkpoint dynamic" 1 dynamic -a d.h5 -b b.h5 -nt 4 -max_it 10 -tol 0 -checkpoint ck_dynamic.h5 -checkpoint_every 5 -o n.h5 -quiet || made=0
must "checkpoint semidiscrete" 1 semidiscrete -density d.h5 -points p.h5 -max_it 5 -checkpoint ck_semidiscrete.h5 -checkpoint_every 1 -o m.h5 -quiet || made=0
must "checkpoint jko" 1 jko -rho0 d.h5 -tau 0.01 -steps 3 -entropy 0.1 -checkpoint ck_jko.h5 -o j.h5 -quiet || made=0
for c in sinkhorn barycenter dynamic semidiscrete jko; do [[ -s ck_$c.h5 ]] || { fail "no checkpoint ck_$c.h5 to mutate"; made=0; }; done
# two small NIfTI-1 label volumes (float32, 2 mm voxels, labels 1..3 on an empty background)
$PY - <<'EOF' || made=0
import numpy as np
def write(path, shift):
    n = (16, 12, 10)
    h = bytearray(352)
    h[0:4] = np.array([348], "<i4").tobytes()
    h[40:56] = np.array([3, *n, 1, 1, 1, 1], "<i2").tobytes()
    h[70:74] = np.array([16, 32], "<i2").tobytes()  # float32
    h[76:108] = np.array([1, 2, 2, 2, 1, 1, 1, 1], "<f4").tobytes()
    h[108:112] = np.array([352], "<f4").tobytes()
    h[344:348] = b"n+1\0"
    x, y, z = np.meshgrid(*[np.arange(k) for k in n], indexing="ij")
    v = np.zeros(n, "<f4")
    v[(x - 6 - shift) ** 2 + (y - 6) ** 2 + (z - 5) ** 2 < 12] = 1
    v[(x - 10 + shift) ** 2 + (y - 5) ** 2 + (z - 4) ** 2 < 6] = 3
    v[(x - 5) ** 2 + (y - 8 + shift) ** 2 + (z - 6) ** 2 < 4] = 2
    open(path, "wb").write(bytes(h) + v.transpose(2, 1, 0).tobytes())  # NIfTI: x fastest
write("v.nii", 0)
write("v2.nii", 1)
EOF
must "clean NIfTI reads" 1 info v.nii || made=0
((made)) || exit 1

# a singleton start-up mostly waits (0.5 s wall, 0.2 s CPU): 4 runs at a time on 2 cores
FUZZ_JOBS=${FUZZ_JOBS:-4} $PY "$OTMPI_TOP/tests/lib/fuzz.py" "$BIN" "$SEED" "$COUNTS" >fuzz.out 2>fuzz.err
rc=$?
grep -E '^(ok|FAIL) ' fuzz.out
groups=$(grep -cE '^(ok|FAIL) fuzz: ' fuzz.out)
mutants=$(sed -n 's/^# fuzz: \([0-9]*\) mutants.*/\1/p' fuzz.out)
if [[ $rc -eq 0 && $groups -eq $PLAN && ${mutants:-0} -ge 300 ]]; then
  ok "fuzz.py: exit 0, $groups of $PLAN planned groups, $(sed -n 's/^# fuzz: //p' fuzz.out) ($(basename "$BIN"), seed $SEED)"
else
  fail "fuzz.py: exit status $rc, $groups of $PLAN planned groups, ${mutants:-no} mutants: $(tail -3 fuzz.err)"
fi
