#!/bin/bash
# pipeline.sh: gen -> barycenter -> info as three Slurm jobs chained with --dependency=afterok, all writing into one
# directory; each stage starts only when the previous one completed with exit status 0 (a requeued barycenter counts
# when it finally completes), and a failed stage cancels the rest (--kill-on-invalid-dep=yes).
#   jobs/pipeline.sh              submit (run it from the otmpi directory, on a login node); prints the job ids
#   jobs/pipeline.sh --wait       also wait for the last stage (sbatch --wait) and exit with its status
#   PIPE_DIR=runs/x N=256,256 PIPE_EPS=5e-4 jobs/pipeline.sh      where, how fine, which epsilon
# Without sbatch on PATH (or with OT_NO_SLURM=1) the three scripts run one after the other here, with mpiexec.
# On another cluster change the #SBATCH lines of jobs/gen.sbatch, barycenter.sbatch and info.sbatch, or pass options
# to every stage here with SBATCH_OPTS="--partition=compute --account=myproject".
set -euo pipefail
OTMPI_DIR=${OTMPI_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
export OTMPI_DIR
wait_last=()
[[ ${1:-} == --wait ]] && wait_last=(--wait)
RUN_DIR=${PIPE_DIR:-runs/pipeline-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
# the stages read these from their environment (sbatch exports the submitting environment)
export RUN_DIR N=${N:-128,128}
export INPUTS=$RUN_DIR/shape0.h5,$RUN_DIR/shape1.h5,$RUN_DIR/shape2.h5 LABELS="" FILES=$RUN_DIR/barycenter.h5
export OTMPI_OPTS="-eps ${PIPE_EPS:-1e-3} ${OTMPI_OPTS:-}"
read -r -a sbatch_opts <<<"${SBATCH_OPTS:-}"

if [[ ${OT_NO_SLURM:-0} == 1 ]] || ! command -v sbatch >/dev/null 2>&1; then
  echo "pipeline: no Slurm, running the stages here in $RUN_DIR"
  bash "$OTMPI_DIR/jobs/gen.sbatch"
  bash "$OTMPI_DIR/jobs/barycenter.sbatch"
  bash "$OTMPI_DIR/jobs/info.sbatch"
  exit 0
fi
submit() { # submit ARGS...: sbatch --parsable, echoes the job id (without the ;cluster suffix)
  local out
  out=$(sbatch --parsable ${sbatch_opts[@]+"${sbatch_opts[@]}"} "$@")
  echo "${out%%;*}"
}
gen=$(submit --output="$RUN_DIR/gen-%j.out" "$OTMPI_DIR/jobs/gen.sbatch")
bary=$(submit --dependency=afterok:"$gen" --kill-on-invalid-dep=yes --output="$RUN_DIR/barycenter-%j.out" \
  "$OTMPI_DIR/jobs/barycenter.sbatch")
echo "pipeline: $RUN_DIR: gen $gen, barycenter $bary (afterok:$gen), info (afterok:$bary)"
# with --wait, sbatch returns when the info job has ended (or was cancelled because a stage before it failed)
info=$(submit ${wait_last[@]+"${wait_last[@]}"} --dependency=afterok:"$bary" --kill-on-invalid-dep=yes \
  --output="$RUN_DIR/info-%j.out" "$OTMPI_DIR/jobs/info.sbatch")
echo "pipeline: info $info"
[[ ${#wait_last[@]} -eq 0 ]] && exit 0
# a job cancelled before it ran "exits" 0 for sbatch --wait: judge the pipeline by the states of its three jobs
rc=0
for j in "$gen" "$bary" "$info"; do
  state=$(scontrol show job "$j" | tr ' ' '\n' | sed -n 's/^JobState=//p')
  echo "pipeline: job $j $state"
  [[ $state == COMPLETED ]] || rc=1
done
exit "$rc"
