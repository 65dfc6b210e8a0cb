/* jkoio.c: the files of OTJKO: the checkpoint after each step (the flow's settings, rho_n, the potentials of the warm
   start, the kept frames and the per-step records: a restart at any rank count continues exactly), the output (/rho
   with its times, /energy, /inner_iterations, attributes, a temporal XDMF collection) and the PNG montage. */
#include "jkoimpl.h"
#include "../io/checkpoint.h"

#define CKPT_KIND "jko"

/* The kept frames as one dataset (frames, n0, n1[, n2]) with the grid's geometry, written or read by slabs. */
static PetscErrorCode FramesIO(OTJKO J, OTH5 f, const char name[], PetscInt nf, PetscBool write)
{
  const OTGridInfo *gi = J->gi;
  const PetscInt    r  = gi->dim + 1;
  ptrdiff_t         gd[4], start[4] = {0, gi->start0, 0, 0}, count[4];

  PetscFunctionBegin;
  gd[0] = count[0] = nf;
  for (PetscInt k = 0; k < gi->dim; k++) gd[k + 1] = count[k + 1] = gi->n[k];
  count[1] = gi->local_n0;
  if (write) {
    PetscCall(OTH5WriteArray(f, name, OT_DOUBLE, r, gd, start, count, J->frames));
    PetscCall(OTH5WriteAttribute(f, name, "spacing", OT_DOUBLE, gi->dim, gi->h));
    PetscCall(OTH5WriteAttribute(f, name, "origin", OT_DOUBLE, gi->dim, gi->origin));
    PetscCall(OTH5WriteAttribute(f, name, "times", OT_DOUBLE, nf, J->ftimes));
  } else
    PetscCall(OTH5ReadArray(f, name, OT_DOUBLE, r, start, count, J->frames));
  PetscFunctionReturn(0);
}

/* A per-step or per-frame record (rank 0 writes the values, every rank reads them) */
static PetscErrorCode Record(OTJKO J, OTH5 f, const char name[], OTDataType t, PetscInt n, const void *v, PetscBool write)
{
  ptrdiff_t gd = n, start = 0, count = n, none = 0;

  PetscFunctionBegin;
  if (write)
    PetscCall(OTH5WriteArray(f, name, t, 1, &gd, &start, J->gi->rank ? &none : &count, v));
  else
    PetscCall(OTH5ReadArray(f, name, t, 1, &start, &count, (void *) v));
  PetscFunctionReturn(0);
}

static PetscErrorCode Records(OTJKO J, OTH5 f, PetscBool write)
{
  PetscFunctionBegin;
  PetscCall(Record(J, f, "/state/energy", OT_DOUBLE, J->step + 1, J->energy, write));
  PetscCall(Record(J, f, "/state/errors", OT_DOUBLE, J->step + 1, J->errs, write));
  PetscCall(Record(J, f, "/state/inner", OT_INT32, J->step + 1, J->inner, write));
  PetscCall(Record(J, f, "/state/frame_times", OT_DOUBLE, J->nframes, J->ftimes, write));
  PetscCall(Record(J, f, "/state/frame_steps", OT_INT32, J->nframes, J->fstep, write));
  PetscCall(FramesIO(J, f, "/state/frames", J->nframes, write));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOCheckpointWrite(void *ctx, OTH5 f)
{
  OTJKO        J   = (OTJKO) ctx;
  const double s[] = {J->tau, J->gamma, J->D, J->M, J->C, J->kappa};

  PetscFunctionBegin;
  PetscCall(OTH5WriteAttribute(f, "/", "flow", OT_DOUBLE, 6, s));
  PetscCall(OTCheckpointWriteInt(f, "step", J->step));
  PetscCall(OTCheckpointWriteInt(f, "frames", J->nframes));
  PetscCall(OTCheckpointWriteInt(f, "save_every", J->save_every));
  PetscCall(OTH5WriteAttribute(f, "/", "mass", OT_DOUBLE, 1, &J->mass));
  PetscCall(OTCheckpointWriteInt(f, "warm", J->valid));
  PetscCall(OTCheckpointWriteInt(f, "all_converged", J->all_converged));
  PetscCall(OTH5WriteField(f, J->grid, "/state/rho", 1, J->q));
  PetscCall(OTH5WriteField(f, J->grid, "/state/log_a", 1, J->la));
  PetscCall(OTH5WriteField(f, J->grid, "/state/log_b", 1, J->lb));
  PetscCall(Records(J, f, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* The flow's settings must be this run's (the number of steps may grow: the flow continues). */
static PetscErrorCode MatchFlow(OTJKO J, OTH5 f, const char path[])
{
  const double      s[]   = {J->tau, J->gamma, J->D, J->M, J->C, J->kappa};
  const char *const opt[] = {"-tau", "-gamma", "-entropy", "-porous M", "-porous C", "-kappa"};
  double            c[6];
  int               n;

  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(J->comm, f, path, CKPT_KIND, "flow", OT_DOUBLE, 6, c));
  for (int k = 0; k < 6; k++)
    PetscCheck(c[k] == s[k], J->comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint's flow has %s %g, this run %g", path, opt[k], c[k], s[k]);
  PetscCall(OTCheckpointMatchInt(J->comm, f, path, CKPT_KIND, "save_every", "-save_every", J->save_every));
  PetscCall(OTCheckpointMatchReal(J->comm, f, path, CKPT_KIND, "mass", "-rho0 of mass", J->mass));
  PetscCall(OTCheckpointReadAttribute(J->comm, f, path, CKPT_KIND, "step", OT_INT32, 1, &n));
  PetscCheck(n >= 0 && n <= J->steps, J->comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint is at step %d, beyond -steps %" PetscInt_FMT, path, n,
             J->steps);
  J->step = n;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOCheckpointRead(void *ctx, OTH5 f, const char path[])
{
  OTJKO J = (OTJKO) ctx;
  int   nf, warm, conv;

  PetscFunctionBegin;
  PetscCall(MatchFlow(J, f, path));
  PetscCall(OTCheckpointReadAttribute(J->comm, f, path, CKPT_KIND, "frames", OT_INT32, 1, &nf));
  PetscCall(OTCheckpointReadAttribute(J->comm, f, path, CKPT_KIND, "warm", OT_INT32, 1, &warm));
  PetscCall(OTCheckpointReadAttribute(J->comm, f, path, CKPT_KIND, "all_converged", OT_INT32, 1, &conv));
  PetscCheck(nf >= 1 && nf <= J->step / J->save_every + 2, J->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart %s: %d kept steps at step %" PetscInt_FMT " (corrupt checkpoint)", path, nf, J->step);
  J->nframes = 0;
  PetscCall(OTJKOFrameStorage(J, nf + OTJKOFramesFrom(J, J->step)));
  J->nframes       = nf;
  J->valid         = (PetscBool) (warm && J->warm);
  J->all_converged = (PetscBool) conv;
  PetscCall(OTH5ReadField(f, J->grid, "/state/rho", 1, J->q));
  PetscCall(OTH5ReadField(f, J->grid, "/state/log_a", 1, J->la));
  PetscCall(OTH5ReadField(f, J->grid, "/state/log_b", 1, J->lb));
  PetscCall(Records(J, f, PETSC_FALSE));
  OTJKOLogDensity(J);
  PetscFunctionReturn(0);
}

/* /rho and its records per kept frame, the per-step records, the final density (a valid input), the attributes */
PetscErrorCode OTJKOWriteResults(OTJKO J, OTH5 f)
{
  OTJKOResult r;
  int         steps, conv, *inner;
  double     *energy;

  PetscFunctionBegin;
  PetscCall(OTJKOGetResult(J, &r));
  PetscCall(FramesIO(J, f, "/rho", J->nframes, PETSC_TRUE));
  PetscCall(OTH5WriteAttribute(f, "/rho", "steps", OT_INT32, J->nframes, J->fstep));
  PetscCall(PetscMalloc2(J->nframes, &energy, J->nframes, &inner));
  for (PetscInt k = 0; k < J->nframes; k++) {
    energy[k] = J->energy[J->fstep[k]];
    inner[k]  = (int) J->inner[J->fstep[k]];
  }
  PetscCall(Record(J, f, "/energy", OT_DOUBLE, J->nframes, energy, PETSC_TRUE));
  PetscCall(Record(J, f, "/inner_iterations", OT_INT32, J->nframes, inner, PETSC_TRUE));
  PetscCall(PetscFree2(energy, inner));
  PetscCall(Record(J, f, "/energy_steps", OT_DOUBLE, J->step + 1, J->energy, PETSC_TRUE));
  PetscCall(Record(J, f, "/inner_iterations_steps", OT_INT32, J->step + 1, J->inner, PETSC_TRUE));
  PetscCall(Record(J, f, "/marginal_error_steps", OT_DOUBLE, J->step + 1, J->errs, PETSC_TRUE));
  PetscCall(OTH5WriteField(f, J->grid, "/density", 1, J->q));
  steps = (int) J->step;
  conv  = (int) r.converged;
  PetscCall(OTH5WriteAttribute(f, "/", "tau", OT_DOUBLE, 1, &J->tau));
  PetscCall(OTH5WriteAttribute(f, "/", "gamma", OT_DOUBLE, 1, &J->gamma));
  PetscCall(OTH5WriteAttribute(f, "/", "steps", OT_INT32, 1, &steps));
  PetscCall(OTH5WriteAttribute(f, "/", "converged", OT_INT32, 1, &conv));
  PetscCall(OTH5WriteAttribute(f, "/", "time", OT_DOUBLE, 1, &J->ftimes[J->nframes - 1]));
  PetscCall(OTH5WriteAttribute(f, "/", "mass", OT_DOUBLE, 1, &J->mass));
  PetscCall(OTH5WriteAttribute(f, "/", "cell_volume", OT_DOUBLE, 1, &J->cellvol));
  PetscCall(OTH5WriteAttribute(f, "/", "entropy", OT_DOUBLE, 1, &J->D));
  PetscCall(OTH5WriteAttribute(f, "/", "porous", OT_DOUBLE, 2, (double[]){J->M, J->C}));
  PetscCall(OTH5WriteAttribute(f, "/", "kappa", OT_DOUBLE, 1, &J->kappa));
  PetscCall(OTH5WriteAttribute(f, "/", "marginal_error", OT_DOUBLE, 1, &r.marginal_error));
  PetscCall(OTH5WriteAttribute(f, "/", "tol", OT_DOUBLE, 1, &J->core->tol));
  PetscCall(OTH5WriteAttribute(f, "/", "inner_iterations_total", OT_INT32, 1, (int[]){(int) r.inner_total}));
  PetscCall(OTH5WriteAttribute(f, "/", "solve_time", OT_DOUBLE, 1, &r.time));
  PetscCall(OTH5WriteAttribute(f, "/", "memory_peak", OT_DOUBLE, 1, &r.peak_memory_per_rank));
  PetscCall(OTSolverWriteResults(J->core, f));
  PetscCall(OTH5XdmfAddTimeSeriesAt(f, J->grid, "/rho", 1, J->nframes, J->ftimes));
  PetscCall(OTH5XdmfAddField(f, J->grid, "/density", 1));
  PetscFunctionReturn(0);
}

/* Up to 8 kept frames, evenly spread (the first and the last among them), side by side on one colour scale, walls
   drawn white; in 1-D every frame, one row each (time upwards). */
PetscErrorCode OTJKOWriteMontage(OTJKO J, const char path[])
{
  const ptrdiff_t nl = J->gi->nlocal;
  PetscInt        n  = J->gi->dim == 1 ? J->nframes : PetscMin(J->nframes, 8);
  const double  **all;
  double         *copy = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &all));
  if (J->wall) PetscCall(PetscMalloc1(PetscMax(n * nl, 1), &copy));
  for (PetscInt k = 0; k < n; k++) {
    PetscInt idx = n > 1 ? (PetscInt) ((double) k * (double) (J->nframes - 1) / (double) (n - 1) + 0.5) : 0;
    all[k]       = J->frames + idx * nl;
    if (copy) { /* NaN: the montage's blank colour */
      for (ptrdiff_t i = 0; i < nl; i++) copy[k * nl + i] = J->wall[i] ? NAN : all[k][i];
      all[k] = copy + k * nl;
    }
  }
  PetscCall(OTPngWriteMontage(J->grid, n, all, path));
  PetscCall(PetscFree(copy));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}
