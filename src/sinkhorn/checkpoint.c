/* checkpoint.c: checkpoint and restart of OTSinkhorn (-checkpoint F, -checkpoint_every N, -restart F): the field that
   determines the next iteration (the scaling v or the potential g/eps; with -accel also u or log u and the relaxation), where the solve stands (problem, eps
   stage, iterations) and the results of the problems already finished. Written atomically through OTH5 (a killed job leaves the previous checkpoint intact);
   read back at any rank count. */
#include "sinkhornimpl.h"

#define CKPT_KIND "sinkhorn"

/* required attributes (int into a PetscInt, double): an error that names the file when absent */
static PetscErrorCode ReadInt(OTH5 f, const char path[], const char name[], PetscInt *v)
{
  int i = 0;

  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(PETSC_COMM_WORLD, f, path, CKPT_KIND, name, OT_INT32, 1, &i));
  *v = i;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadReal(OTH5 f, const char path[], const char name[], double *v)
{
  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(PETSC_COMM_WORLD, f, path, CKPT_KIND, name, OT_DOUBLE, 1, v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornCheckpointWrite(void *ctx, OTH5 f)
{
  OTSinkhorn     S  = (OTSinkhorn) ctx;
  const PetscInt pi = S->cur ? (PetscInt) (S->cur - S->prob) : 0; /* no problem yet: stopped on the coarse level */
  char           name[64];

  PetscFunctionBegin;
  PetscCall(OTCheckpointWriteInt(f, "problem", pi));
  PetscCall(OTCheckpointWriteInt(f, "stage", S->stage));
  PetscCall(OTCheckpointWriteInt(f, "form", (PetscInt) S->form));
  PetscCall(OTCheckpointWriteEntropic(f, S->eps, S->rho, S->debias, S->eps_scaling, S->eps_start, S->eps_factor));
  if (S->ms_pending) PetscCall(OTCheckpointWriteInt(f, "multiscale_pending", 1));
  if (S->res.coarse_iterations > 0) PetscCall(OTH5WriteAttribute(f, "/", "coarse_iterations", OT_DOUBLE, 1, &S->res.coarse_iterations));
  for (PetscInt p = 0; p <= pi && p < S->nprob; p++) {
    OTSinkProblem *P = &S->prob[p];
    snprintf(name, sizeof name, "p%d_iterations", (int) p);
    PetscCall(OTCheckpointWriteInt(f, name, P->it));
    if (p == pi) continue;
    /* a finished problem: its results and potentials */
    snprintf(name, sizeof name, "p%d_converged", (int) p);
    PetscCall(OTCheckpointWriteInt(f, name, P->converged));
    snprintf(name, sizeof name, "p%d_floor", (int) p);
    PetscCall(OTCheckpointWriteInt(f, name, P->floor));
    {
      const char *keys[] = {"err", "marginal", "transport", "entropic", "mass"};
      double      vals[] = {P->err, P->marginal, P->transport, P->entropic, P->mass};
      for (int k = 0; k < 5; k++) {
        snprintf(name, sizeof name, "p%d_%s", (int) p, keys[k]);
        PetscCall(OTH5WriteAttribute(f, "/", name, OT_DOUBLE, 1, &vals[k]));
      }
    }
    snprintf(name, sizeof name, "/p%d_f", (int) p);
    PetscCall(OTH5WriteField(f, S->grid, name, 1, P->f));
    if (!P->sym) {
      snprintf(name, sizeof name, "/p%d_g", (int) p);
      PetscCall(OTH5WriteField(f, S->grid, name, 1, P->g));
    }
  }
  if (pi > 0 && S->map) PetscCall(OTH5WriteField(f, S->grid, "/map", S->gi->dim, S->map));
  PetscCall(OTH5WriteField(f, S->grid, "/state", 1, S->st));
  if (S->fo && S->acc.valid) {
    PetscCall(OTAccelWrite(&S->acc, f));
    PetscCall(OTH5WriteField(f, S->grid, "/accel_half", 1, S->fo));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornCheckpointRead(void *ctx, OTH5 f, const char path[])
{
  OTSinkhorn S = (OTSinkhorn) ctx;
  char       name[64];
  PetscBool  has;
  PetscInt   form = 0, pi = 0;

  PetscFunctionBegin;
  /* the run must continue the same problem */
  PetscCall(OTCheckpointMatchEntropic(S->comm, f, path, CKPT_KIND, S->eps, S->rho, S->debias, S->eps_scaling, S->eps_start, S->eps_factor));
  {
    PetscInt pend = 0;
    PetscCall(OTH5ReadAttribute(f, "/", "multiscale_pending", OT_INT32, 1, &pend, &has));
    if (has && pend) { /* stopped on the coarse level: nothing of this one was computed; solved again from the start */
      S->ms_pending = PETSC_TRUE;
      PetscCall(OTPrintf(S->comm, "sinkhorn: restarting from %s: the coarse level of -multiscale again\n", path));
      PetscFunctionReturn(0);
    }
    PetscCall(OTH5ReadAttribute(f, "/", "coarse_iterations", OT_DOUBLE, 1, &S->res.coarse_iterations, &has));
  }
  PetscCall(ReadInt(f, path, "problem", &pi));
  PetscCall(ReadInt(f, path, "stage", &S->r_stage));
  PetscCall(ReadInt(f, path, "form", &form));
  PetscCheck(pi >= 0 && pi < S->nprob, S->comm, OT_ERR_INPUT, "-restart %s: problem index %" PetscInt_FMT " out of range", path, pi);
  S->r_prob = pi;
  S->r_form = (OTSinkForm) form;
  for (PetscInt p = 0; p <= pi; p++) {
    OTSinkProblem *P = &S->prob[p];
    snprintf(name, sizeof name, "p%d_iterations", (int) p);
    PetscCall(ReadInt(f, path, name, &P->it));
    if (p == pi) continue;
    snprintf(name, sizeof name, "p%d_converged", (int) p);
    PetscCall(ReadInt(f, path, name, &form));
    P->converged = (PetscBool) form;
    snprintf(name, sizeof name, "p%d_floor", (int) p);
    PetscCall(ReadInt(f, path, name, &P->floor));
    {
      const char *keys[] = {"err", "marginal", "transport", "entropic", "mass"};
      double     *vals[] = {&P->err, &P->marginal, &P->transport, &P->entropic, &P->mass};
      for (int k = 0; k < 5; k++) {
        snprintf(name, sizeof name, "p%d_%s", (int) p, keys[k]);
        PetscCall(ReadReal(f, path, name, vals[k]));
      }
    }
    snprintf(name, sizeof name, "/p%d_f", (int) p);
    PetscCall(OTH5ReadField(f, S->grid, name, 1, P->f));
    if (!P->sym) {
      snprintf(name, sizeof name, "/p%d_g", (int) p);
      PetscCall(OTH5ReadField(f, S->grid, name, 1, P->g));
    }
    P->done = PETSC_TRUE;
  }
  PetscCall(OTH5HasDataset(f, "/map", &has));
  if (has && S->save_map) {
    if (!S->map) PetscCall(OTFieldCreateComponents(S->grid, S->gi->dim, &S->map));
    PetscCall(OTH5ReadField(f, S->grid, "/map", S->gi->dim, S->map));
  }
  PetscCall(OTH5ReadField(f, S->grid, "/state", 1, S->st));
  /* the over-relaxation continues where it was (a checkpoint without it: measured again) */
  PetscCall(OTAccelRead(&S->acc, f));
  PetscCall(OTH5HasDataset(f, "/accel_half", &has));
  if (has && S->fo)
    PetscCall(OTH5ReadField(f, S->grid, "/accel_half", 1, S->fo));
  else
    S->acc.valid = PETSC_FALSE;
  if (!S->fo) PetscCall(OTAccelReset(&S->acc)); /* this run does not relax */
  S->resume = PETSC_TRUE;
  PetscCall(OTPrintf(S->comm, "sinkhorn: restarting from %s: OT(%s), stage %" PetscInt_FMT ", iteration %" PetscInt_FMT "\n", path, S->prob[pi].name,
                     S->r_stage, S->prob[pi].it));
  PetscFunctionReturn(0);
}
