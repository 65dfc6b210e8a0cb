/* solver.c: OTSolver's life cycle and settings: the tolerances and checkpoint options every solver shares, read once
   (with the solver's prefix; the short names -tol, -max_it, -min_it are aliases defined here only), the reason and
   timing of a solve, and what goes into the output file. */
#include "solverimpl.h"
#include <math.h>

static const char *const ReasonNames[] = {"stopped by signal", "stalled", "iteration limit", "", "", "iterating", "", "converged"};

const char *OTConvergedReasonName(OTConvergedReason r)
{
  return r >= -5 && r <= 2 ? ReasonNames[r + 5] : "unknown";
}

PetscErrorCode OTSolverCreate(MPI_Comm comm, const char name[], void *ctx, const OTSolverOps *ops, OTSolver *core)
{
  OTSolver c;

  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->comm     = comm;
  c->ctx      = ctx;
  c->ops      = *ops;
  c->tol      = 1e-9;
  c->max_it   = 10000;
  c->interval = OT_PROGRESS_INTERVAL;
  c->req      = MPI_REQUEST_NULL;
  PetscCall(PetscStrncpy(c->name, name, sizeof c->name));
  PetscCallMPI(MPI_Comm_dup(comm, &c->pcomm));
  PetscCall(OTLogEventRegisterOnce("OTCheckpointWrite", &c->ev_ckpt));
  *core = c;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetOptionsPrefix(OTSolver c, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(c->prefix, prefix ? prefix : "", sizeof c->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetStepEvent(OTSolver c, PetscLogEvent ev)
{
  PetscFunctionBegin;
  c->ev_step = ev;
  PetscFunctionReturn(0);
}

/* A solver whose iterations are a fixed number of steps (a flow): its ETA is the steps left, not a residual's rate. */
PetscErrorCode OTSolverSetProgressLength(OTSolver c, PetscInt n)
{
  PetscFunctionBegin;
  c->plimit = n;
  PetscFunctionReturn(0);
}

/* A solver whose -tol and -max_it bound something else than its iterations (a flow: each step's inner iterations) says
   so in -help. The strings must outlive the solver (literals). */
PetscErrorCode OTSolverSetToleranceHelp(OTSolver c, const char tol[], const char max_it[])
{
  PetscFunctionBegin;
  c->help_tol    = tol;
  c->help_max_it = max_it;
  PetscFunctionReturn(0);
}

/* Before a run of OTSolverIterate: how many runs (stages of a schedule, further problems) the solve has after it, so
   that the ETA includes them. */
PetscErrorCode OTSolverSetStagesLeft(OTSolver c, PetscInt n)
{
  PetscFunctionBegin;
  c->stages_left = n;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetTolerances(OTSolver c, double tol, PetscInt max_it)
{
  PetscFunctionBegin;
  if (tol != (double) PETSC_DEFAULT) c->tol = tol;
  if (max_it != PETSC_DEFAULT) c->max_it = max_it;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverGetTolerances(OTSolver c, double *tol, PetscInt *max_it)
{
  PetscFunctionBegin;
  if (tol) *tol = c->tol;
  if (max_it) *max_it = c->max_it;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetMinIterations(OTSolver c, PetscInt min_it)
{
  PetscFunctionBegin;
  c->min_it = min_it;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetCheckpoint(OTSolver c, const char path[], PetscInt every)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(c->ckpt, path ? path : "", sizeof c->ckpt));
  if (every != PETSC_DEFAULT) c->ckpt_every = every;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetRestart(OTSolver c, const char path[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(c->restart, path ? path : "", sizeof c->restart));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverGetCheckpoint(OTSolver c, const char **ckpt, const char **restart)
{
  PetscFunctionBegin;
  if (ckpt) *ckpt = c->ckpt;
  if (restart) *restart = c->restart;
  PetscFunctionReturn(0);
}

/* The short user-facing names: -name sets -PREFIXname unless that is given too (then -name is reported unused). Each
   solver lists its aliases once, in its SetFromOptions, and reads only the prefixed names. */
PetscErrorCode OTOptionsAlias(const char prefix[], PetscInt n, const char *const names[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    char      full[128], value[PETSC_MAX_PATH_LEN];
    PetscBool set, has;
    snprintf(full, sizeof full, "-%s%s", prefix, names[i]);
    PetscCall(PetscOptionsHasName(NULL, NULL, full, &has));
    if (has) continue;
    snprintf(full, sizeof full, "-%s", names[i]);
    PetscCall(PetscOptionsGetString(NULL, NULL, full, value, sizeof value, &set));
    if (!set) continue;
    snprintf(full, sizeof full, "-%s%s", prefix, names[i]);
    PetscCall(PetscOptionsSetValue(NULL, full, value[0] ? value : NULL));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetFromOptions(OTSolver c)
{
  char              title[96];
  const char *const aliases[] = {"tol", "max_it", "min_it"};

  PetscFunctionBegin;
  PetscCall(OTOptionsAlias(c->prefix, 3, aliases));
  snprintf(title, sizeof title, "%s: iterations (aliases -tol, -max_it, -min_it)", c->name);
  PetscOptionsBegin(c->comm, c->prefix, title, NULL);
  PetscCall(PetscOptionsReal("-tol", c->help_tol ? c->help_tol : "stop when the residual of the progress line is below this", "OTSolverSetTolerances", c->tol,
                             &c->tol, NULL));
  PetscCall(PetscOptionsInt("-max_it", c->help_max_it ? c->help_max_it : "iterations at most", "OTSolverSetTolerances", c->max_it, &c->max_it, NULL));
  PetscCall(PetscOptionsInt("-min_it", "iterations at least before the tolerance may stop the solve", "OTSolverSetMinIterations", c->min_it, &c->min_it, NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(c->comm, NULL, "Progress and checkpoints (every solver)", NULL);
  PetscCall(PetscOptionsBool("-monitor", "a progress line every iteration", NULL, c->monitor, &c->monitor, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "seconds between progress lines", NULL, c->interval, &c->interval, NULL));
  PetscCall(PetscOptionsString("-checkpoint", "checkpoint file (commands: OUT.checkpoint.h5), written on SIGTERM/SIGUSR1", "OTSolverSetCheckpoint", c->ckpt,
                               c->ckpt, sizeof c->ckpt, NULL));
  PetscCall(PetscOptionsInt("-checkpoint_every", "also write it every N iterations (0: on a signal only)", "OTSolverSetCheckpoint", c->ckpt_every,
                            &c->ckpt_every, NULL));
  PetscCall(
      PetscOptionsString("-restart", "continue from this checkpoint (any rank count)", "OTSolverSetRestart", c->restart, c->restart, sizeof c->restart, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetUp(OTSolver c)
{
  PetscFunctionBegin;
  if (c->setup) PetscFunctionReturn(0);
  PetscCheck(c->tol >= 0 && isfinite(c->tol), c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-tol must be >= 0 and finite, not %g", c->tol);
  PetscCheck(c->max_it >= 1, c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-max_it must be at least 1, not %" PetscInt_FMT, c->max_it);
  PetscCheck(c->min_it >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-min_it must be >= 0, not %" PetscInt_FMT, c->min_it);
  PetscCheck(c->ckpt_every >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be >= 0, not %" PetscInt_FMT, c->ckpt_every);
  if (c->ckpt[0]) PetscCall(OTOutputCheckPath(c->comm, c->ckpt, "-checkpoint"));
  c->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverGetConvergedReason(OTSolver c, OTConvergedReason *r)
{
  PetscFunctionBegin;
  *r = c->reason;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverSetConvergedReason(OTSolver c, OTConvergedReason r)
{
  PetscFunctionBegin;
  c->reason = r;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverGetTiming(OTSolver c, PetscInt *its, double *mean, double *fastest)
{
  PetscFunctionBegin;
  if (its) *its = c->itotal;
  if (mean) *mean = c->count ? c->time / (double) c->count : 0;
  if (fastest) *fastest = c->time_min;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverWriteResults(OTSolver c, OTH5 f)
{
  double mean, fastest;

  PetscFunctionBegin;
  PetscCall(OTSolverGetTiming(c, NULL, &mean, &fastest));
  PetscCall(OTH5WriteAttributeString(f, "/", "reason", OTConvergedReasonName(c->reason)));
  PetscCall(OTH5WriteAttribute(f, "/", "time_per_iteration", OT_DOUBLE, 1, &mean));
  PetscCall(OTH5WriteAttribute(f, "/", "time_per_iteration_min", OT_DOUBLE, 1, &fastest));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverView(OTSolver c, PetscViewer v)
{
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(c->comm, &v));
  PetscCall(PetscViewerASCIIPrintf(v, "iterations: tol %g, max_it %" PetscInt_FMT ", min_it %" PetscInt_FMT "; %" PetscInt_FMT " done, %s\n", c->tol, c->max_it,
                                   c->min_it, c->itotal, OTConvergedReasonName(c->reason)));
  if (c->ckpt[0]) PetscCall(PetscViewerASCIIPrintf(v, "checkpoint %s (every %" PetscInt_FMT " iterations, and on SIGTERM/SIGUSR1)\n", c->ckpt, c->ckpt_every));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverDestroy(OTSolver *core)
{
  OTSolver c = *core;

  PetscFunctionBegin;
  if (!c) PetscFunctionReturn(0);
  if (c->pending) PetscCallMPI(MPI_Wait(&c->req, MPI_STATUS_IGNORE));
  PetscCall(OTProgressDestroy(&c->progress));
  PetscCallMPI(MPI_Comm_free(&c->pcomm));
  PetscCall(PetscFree(*core));
  PetscFunctionReturn(0);
}
