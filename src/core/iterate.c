/* iterate.c: the iteration loop every solver runs (OTSolverIterate): the step, its timing and log event, the progress
   line, the convergence test and reason, the signal poll and the checkpoints; and the start and end of a solve
   (progress clock, -restart). The signal poll is a nonblocking reduction started after one step and completed after
   the next, so it costs no synchronisation: every rank learns of a signal at the same iteration, one step late. */
#include "solverimpl.h"
#include "../sys/sysimpl.h"
#include <math.h>

/* Writes the checkpoint: the common attributes (command, iteration, version), then the solver's fields. */
static PetscErrorCode CheckpointWrite(OTSolver c)
{
  OTH5 f;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(c->ev_ckpt, 0, 0, 0, 0));
  PetscCall(OTCheckpointCreate(c->comm, c->ckpt, c->name, c->itotal, &f));
  PetscCall(c->ops.checkpoint(c->ctx, f));
  PetscCall(OTH5Commit(&f));
  PetscCall(PetscLogEventEnd(c->ev_ckpt, 0, 0, 0, 0));
  c->ckpt_last = c->itotal;
  PetscCall(PetscInfo(NULL, "%s: checkpoint %s at iteration %" PetscInt_FMT "\n", c->name, c->ckpt, c->itotal));
  PetscFunctionReturn(0);
}

/* Collective, nonblocking: the result of the poll started after the previous step, and a new poll. */
static PetscErrorCode PollSignal(OTSolver c, PetscBool *stop)
{
  PetscFunctionBegin;
  *stop = PETSC_FALSE;
  if (c->pending) {
    PetscCallMPI(MPI_Wait(&c->req, MPI_STATUS_IGNORE));
    c->pending = PETSC_FALSE;
    *stop      = (PetscBool) (c->sig_any != 0);
  }
  if (!*stop) {
    c->sig_local = OTSignalPending();
    PetscCallMPI(MPI_Iallreduce(&c->sig_local, &c->sig_any, 1, MPI_INT, MPI_MAX, c->pcomm, &c->req));
    c->pending = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* A signal: the checkpoint (unless this iteration's is written), exit status OTMPI_EXIT_CHECKPOINTED, the reason. A
   solver run inside another (nested: a coarse level) only stops; the outer one checkpoints. */
static PetscErrorCode Stop(OTSolver c)
{
  PetscFunctionBegin;
  if (c->nested) {
    c->reason = OT_STOPPED_SIGNAL;
    PetscFunctionReturn(0);
  }
  PetscCheck(c->ckpt[0], c->comm, PETSC_ERR_USER, "%s: stopped by a signal at iteration %" PetscInt_FMT " and no -checkpoint file was set: nothing saved",
             c->name, c->itotal);
  if (c->ckpt_last != c->itotal) PetscCall(CheckpointWrite(c));
  c->reason = OT_STOPPED_SIGNAL;
  OTSetExitStatus(OTMPI_EXIT_CHECKPOINTED);
  PetscCall(OTPrintf(c->comm, "%s: stopped by a signal at iteration %" PetscInt_FMT ": checkpoint %s written, no output (continue with -restart %s)\n", c->name,
                     c->itotal, c->ckpt, c->ckpt));
  PetscFunctionReturn(0);
}

/* The progress line of a fresh residual, with the run's label and the step's details. */
static PetscErrorCode Report(OTSolver c)
{
  char line[360];

  PetscFunctionBegin;
  PetscCheck(!isnan(c->err), c->comm, PETSC_ERR_FP, "%s: the residual is not a number at iteration %" PetscInt_FMT " (diverged)", c->name, *c->it);
  snprintf(line, sizeof line, "%s%s%s", c->label, c->label[0] && c->extra[0] ? "  " : "", c->extra);
  PetscCall(OTProgressUpdate(c->progress, *c->it, c->err, line));
  PetscFunctionReturn(0);
}

/* The start of a solve, after the solver's set-up: the progress clock, and the checkpoint of -restart when one is set
   (the common attributes checked here, the solver's settings and fields by its restart op). */
PetscErrorCode OTSolverBegin(OTSolver c, PetscBool *restarted)
{
  PetscFunctionBegin;
  PetscCall(OTSolverSetUp(c));
  PetscCall(OTProgressDestroy(&c->progress));
  PetscCall(OTProgressCreate(c->comm, c->name, c->plimit > 0 ? c->plimit : c->max_it, c->plimit > 0 ? 0.0 : c->tol, &c->progress));
  PetscCall(OTProgressSetInterval(c->progress, c->monitor ? 0 : c->interval));
  c->reason   = OT_ITERATING;
  c->extra[0] = 0;
  c->itotal = c->count = 0;
  c->time = c->time_min = 0;
  c->ckpt_last          = -1;
  c->stages_done        = 0;
  c->stage_time         = 0;
  *restarted            = PETSC_FALSE;
  if (c->restart[0]) {
    OTH5 f;
    PetscCall(OTCheckpointOpen(c->comm, c->restart, c->name, &f, &c->itotal));
    PetscCall(c->ops.restart(c->ctx, f, c->restart));
    PetscCall(OTH5Close(&f));
    c->ckpt_last = c->itotal;
    *restarted   = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* A residual known before the next step (e.g. of the starting point): the next run tests it before stepping. */
PetscErrorCode OTSolverSetResidual(OTSolver c, double err)
{
  PetscFunctionBegin;
  c->err    = err;
  c->tested = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Iterates while *it < limit: steps (each sets core->extra, the details of its progress line) until the residual is <= tol (and *it >= min_it), the step ends
   the run, or a signal stops it. *it is the solver's counter, continued from run to run (stages of a schedule); label heads its lines. */
PetscErrorCode OTSolverIterate(OTSolver c, PetscInt *it, PetscInt limit, double tol, const char label[])
{
  const double t_run = MPI_Wtime();

  PetscFunctionBegin;
  c->it    = it;
  c->limit = limit;
  PetscCall(PetscStrncpy(c->label, label ? label : "", sizeof c->label));
  c->reason = OT_ITERATING;
  PetscCall(OTProgressSetRun(c->progress, *it, c->plimit > 0 ? c->plimit : limit, c->plimit > 0 ? 0.0 : tol, c->stages_left,
                             c->stages_done ? c->stage_time / (double) c->stages_done : 0));
  if (c->tested) PetscCall(Report(c));
  for (;;) {
    PetscBool stop;
    double    t0;

    if (c->tested && c->err <= tol && *it >= c->min_it) {
      c->reason = OT_CONVERGED_TOL;
      break;
    }
    if (*it >= limit) {
      c->reason = OT_DIVERGED_ITS;
      break;
    }
    c->tested = PETSC_FALSE;
    t0        = MPI_Wtime();
    if (c->ev_step) PetscCall(PetscLogEventBegin(c->ev_step, 0, 0, 0, 0));
    PetscCall(c->ops.step(c->ctx, c));
    if (c->ev_step) PetscCall(PetscLogEventEnd(c->ev_step, 0, 0, 0, 0));
    t0 = MPI_Wtime() - t0;
    c->time += t0;
    if (!c->count || t0 < c->time_min) c->time_min = t0;
    c->count++;
    (*it)++;
    c->itotal++;
    if (c->ops.sample) PetscCall(c->ops.sample(c->ctx, c));
    if (c->tested) PetscCall(Report(c));
    if (c->reason != OT_ITERATING) break;
    if (c->tested && c->err <= tol && *it >= c->min_it) continue; /* converged: no poll, no checkpoint */
    PetscCall(PollSignal(c, &stop));
    if (c->ckpt[0] && c->ckpt_every > 0 && c->itotal % c->ckpt_every == 0) PetscCall(CheckpointWrite(c));
    if (stop) {
      PetscCall(Stop(c));
      break;
    }
  }
  c->tested = PETSC_FALSE; /* the next run starts from another state (stage) unless told its residual */
  c->stage_time += MPI_Wtime() - t_run;
  c->stages_done++;
  c->stages_left = 0; /* each run is told its own */
  PetscFunctionReturn(0);
}

/* The end of a solve: the outstanding poll completed (a signal that came now is left for the command's end). */
PetscErrorCode OTSolverEnd(OTSolver c)
{
  PetscFunctionBegin;
  if (c->pending) PetscCallMPI(MPI_Wait(&c->req, MPI_STATUS_IGNORE));
  c->pending = PETSC_FALSE;
  c->tested  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Stops the solve now as a signal would (a nested solver was stopped by one): checkpoint, exit status, reason. */
PetscErrorCode OTSolverStopNow(OTSolver c)
{
  PetscFunctionBegin;
  PetscCall(Stop(c));
  PetscFunctionReturn(0);
}
