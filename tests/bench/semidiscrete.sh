# semidiscrete.sh: benchmarks of `otmpi semidiscrete` (writes JSON to $1):
#   2-D: a 512^2 Gaussian density (5 % floor) -> 1e5 uniform random points, to mass_error 1e-9, on 2 ranks and on 1
#        (the 1 -> 2 rank speed-up): total time, Newton iterations, time per phase from -log_view (cell construction,
#        voxel integration, face integrals, Hessian assembly, KSP setup and solve, reductions, labels);
#   3-D: a 128^3 Gaussian density -> 1e5 points on 2 ranks: time and peak memory per rank.
# The machine may be shared: the 2-D runs alternate 2, 1, 2, 1 ranks and the faster of each pair is kept; CPU times
# (user + system of all ranks) and the load average are recorded next to the wall times.
set -u
json=$1
source "$OTMPI_TOP/tests/lib/common.sh"
NP2=${SD_BENCH_NP:-2}

run() { # run TAG NP ARGS...: log in TAG.log, wall time in TAG.time
  local tag=$1 np=$2
  shift 2
  local t0=$SECONDS
  /usr/bin/time -f "%e %U %S" -o "$tag.time" mpiexec -n "$np" "$OTMPI" semidiscrete "$@" -log_view </dev/null >"$tag.log" 2>&1 || echo "run $tag failed: $(tail -3 "$tag.log")"
  echo "$tag: $(grep 'semidiscrete: wrote' "$tag.log") [$((SECONDS - t0)) s]"
}

mpiexec -n 1 "$OTMPI" gen -shape gaussian -n 512,512 -sigma 0.2 -floor 0.05 -o g2.h5 </dev/null >/dev/null
mpiexec -n 1 "$OTMPI" gen -shape points -n 512,512 -count 100000 -seed 1 -o p2.h5 </dev/null >/dev/null
mpiexec -n 1 "$OTMPI" gen -shape gaussian -n 128,128,128 -sigma 0.2 -floor 0.05 -o g3.h5 </dev/null >/dev/null
mpiexec -n 1 "$OTMPI" gen -shape points -n 128,128,128 -count 100000 -seed 1 -o p3.h5 </dev/null >/dev/null

uptime >load.txt
for rep in a b; do
  run d2np2$rep "$NP2" -density g2.h5 -points p2.h5 -o o2.h5 -tol 1e-9
  run d2np1$rep 1 -density g2.h5 -points p2.h5 -o o1.h5 -tol 1e-9
done
run d3np2 "$NP2" -density g3.h5 -points p3.h5 -o o3.h5 -tol 1e-9

uptime >>load.txt
$PY - "$json" "$NP2" <<'EOF'
import json, re, sys
out, np2 = sys.argv[1], int(sys.argv[2])
EVENTS = {"cells": "SDCells", "integrate": "SDIntegrate", "faces": "SDFaces", "reduce": "SDReduce", "assemble": "SDAssemble",
          "newton_solve": "SDSolve", "ksp_setup": "PCSetUp", "ksp_solve": "KSPSolve", "labels": "SDLabels", "io_write": "OTH5Write"}

def parse(tag):
    log = open(f"{tag}.log").read()
    t = open(f"{tag}.time").read().split()[-3:]
    r = {"wall_s": float(t[0]), "cpu_s": float(t[1]) + float(t[2])}
    m = re.search(r"semidiscrete: wrote .*?: (\d+) points, transport_cost (\S+), mass_error (\S+), (\d+) Newton iterations(.*?)\(([\d.e+-]+) s, peak memory (.*?) per rank\)", log)
    if m:
        r.update(points=int(m[1]), transport_cost=float(m[2]), mass_error=float(m[3]), newton_iterations=int(m[4]),
                 converged="NOT" not in m[5], solve_s=float(m[6]), peak_memory_per_rank=m[7])
    r["newton_history"] = [l for l in log.splitlines() if l.startswith("semidiscrete: newton")]
    phases = {}
    for k, ev in EVENTS.items():
        mm = re.search(rf"^{ev}\s+(\d+)\s+\S+\s+(\S+)", log, re.M)
        if mm:
            phases[k] = {"count": int(mm[1]), "max_time_s": float(mm[2])}
    r["phases_log_view"] = phases
    return r

def best(tag):
    a, b = parse(tag + "a"), parse(tag + "b")
    return a if a.get("solve_s", 1e30) <= b.get("solve_s", 1e30) else b

res = {"machine_note": "shared 2-core machine: timings are noisy; the faster of two alternating runs is kept",
       "load_average": open("load.txt").read().split("\n"),
       "2d_512x512_1e5_points": {f"np{np2}": best("d2np2"), "np1": best("d2np1")},
       "3d_128^3_1e5_points": {f"np{np2}": parse("d3np2")}}
d2 = res["2d_512x512_1e5_points"]
if "solve_s" in d2["np1"] and "solve_s" in d2[f"np{np2}"]:
    d2["speedup_1_to_%d" % np2] = d2["np1"]["solve_s"] / d2[f"np{np2}"]["solve_s"]
    d2["cpu_ratio_%d_to_1" % np2] = d2[f"np{np2}"]["cpu_s"] / d2["np1"]["cpu_s"]
    d2[f"goal_converged_1e-9_under_60s_np{np2}"] = bool(d2[f"np{np2}"].get("converged") and d2[f"np{np2}"]["mass_error"] <= 1e-9 and d2[f"np{np2}"]["solve_s"] < 60)
json.dump(res, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in d2.items() if not isinstance(v, dict)}, indent=1))
EOF
