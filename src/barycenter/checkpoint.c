/* checkpoint.c: checkpoint and restart of OTBarycenter: K u_k of every input, the barycenter and the debiasing
   field (with -accel also u_k, v_k and the relaxation), written in the layout of all ranks (each group hands its fields over), so a restart may use other
   -groups and rank counts. Atomic through OTH5. */
#include "barycenterimpl.h"

#define CKPT_KIND "barycenter"

static PetscErrorCode ReadAttr(OTBarycenter B, OTH5 f, const char path[], const char name[], OTDataType t, PetscInt n, void *v)
{
  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(B->comm, f, path, CKPT_KIND, name, t, n, v));
  PetscFunctionReturn(0);
}

/* One field per input, /NAMEk, in the world layout (each group hands its inputs' over), and back. */
static PetscErrorCode WriteInputs(OTBarycenter B, OTH5 f, const char name[], double *const *fields, double *wf)
{
  char path[64];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < B->K; k++) {
    PetscCall(OTBarycenterInputToWorld(B, fields, k, wf));
    snprintf(path, sizeof path, "/%s%d", name, (int) k);
    PetscCall(OTH5WriteField(f, B->wgrid, path, 1, wf));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadInputs(OTBarycenter B, OTH5 f, const char name[], double *const *fields, double *wf, double *gf)
{
  char path[64];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < B->K; k++) {
    snprintf(path, sizeof path, "/%s%d", name, (int) k);
    PetscCall(OTH5ReadField(f, B->wgrid, path, 1, wf));
    PetscCall(OTBarycenterInputFromWorld(B, wf, k, fields, gf));
  }
  PetscFunctionReturn(0);
}

/* Back: the over-relaxation's state, and u_k, v_k when the checkpoint has them and this run relaxes (else measured
   again) */
static PetscErrorCode ReadRelaxed(OTBarycenter B, OTH5 f, double *wf, double *gf)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(OTAccelRead(&B->accel, f));
  PetscCall(OTH5HasDataset(f, "/accel_u0", &has));
  if (!has || !B->lv) {
    const PetscBool on = B->accel.on;
    PetscCall(OTAccelReset(&B->accel));
    B->accel.on = on;
    PetscFunctionReturn(0);
  }
  PetscCall(ReadInputs(B, f, "accel_u", B->lu, wf, gf));
  PetscCall(ReadInputs(B, f, "accel_v", B->lv, wf, gf));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterCheckpointWrite(void *ctx, OTH5 f)
{
  OTBarycenter B = (OTBarycenter) ctx;
  double      *wf;

  PetscFunctionBegin;
  PetscCall(OTFieldCreate(B->wgrid, &wf));
  PetscCall(OTCheckpointWriteInt(f, "inputs", B->K));
  PetscCall(OTCheckpointWriteInt(f, "stage", B->stage));
  PetscCall(OTCheckpointWriteInt(f, "form", (PetscInt) B->form));
  PetscCall(OTCheckpointWriteInt(f, "iterations", B->it));
  if (B->ms_pending) PetscCall(OTCheckpointWriteInt(f, "multiscale_pending", 1));
  PetscCall(OTCheckpointWriteEntropic(f, B->eps, B->rho, B->debias, B->eps_scaling, B->eps_start, B->eps_factor));
  PetscCall(OTH5WriteAttribute(f, "/", "weights", OT_DOUBLE, B->K, B->w));
  PetscCall(OTBarycenterToWorld(B, 0, B->qold, wf));
  PetscCall(OTH5WriteField(f, B->wgrid, "/q", 1, wf));
  PetscCall(OTBarycenterToWorld(B, 0, B->d, wf));
  PetscCall(OTH5WriteField(f, B->wgrid, "/d", 1, wf));
  if (B->form == OT_BARY_LOG) { /* log q: q itself may underflow where log q is finite */
    PetscCall(OTBarycenterToWorld(B, 0, B->q, wf));
    PetscCall(OTH5WriteField(f, B->wgrid, "/logq", 1, wf));
  }
  PetscCall(WriteInputs(B, f, "slot", B->slot, wf));
  if (B->lv && B->accel.valid) {
    PetscCall(OTAccelWrite(&B->accel, f));
    PetscCall(WriteInputs(B, f, "accel_u", B->lu, wf));
    PetscCall(WriteInputs(B, f, "accel_v", B->lv, wf));
  }
  PetscCall(OTFieldDestroy(&wf));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterCheckpointRead(void *ctx, OTH5 f, const char path[])
{
  OTBarycenter B = (OTBarycenter) ctx;
  int          ival;
  double      *w, *wf, *gf;

  PetscFunctionBegin;
  PetscCall(ReadAttr(B, f, path, "inputs", OT_INT32, 1, &ival));
  PetscCheck(ival == B->K, B->comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint has %d inputs, this run %" PetscInt_FMT, path, ival, B->K);
  PetscCall(OTCheckpointMatchEntropic(B->comm, f, path, CKPT_KIND, B->eps, B->rho, B->debias, B->eps_scaling, B->eps_start, B->eps_factor));
  PetscCall(PetscMalloc1(B->K, &w));
  PetscCall(ReadAttr(B, f, path, "weights", OT_DOUBLE, B->K, w));
  for (PetscInt k = 0; k < B->K; k++)
    PetscCheck(fabs(w[k] - B->w[k]) <= 1e-14, B->comm, PETSC_ERR_ARG_INCOMP,
               "-restart %s: the checkpoint has weight %g for input %" PetscInt_FMT ", this run %g", path, w[k], k + 1, B->w[k]);
  PetscCall(PetscFree(w));
  PetscCall(ReadAttr(B, f, path, "stage", OT_INT32, 1, &ival));
  B->stage = ival;
  PetscCall(ReadAttr(B, f, path, "form", OT_INT32, 1, &ival));
  B->form = (OTBaryForm) ival;
  PetscCall(ReadAttr(B, f, path, "iterations", OT_INT32, 1, &ival));
  B->it = ival;
  {
    PetscBool has;
    int       pend = 0;
    PetscCall(OTH5ReadAttribute(f, "/", "multiscale_pending", OT_INT32, 1, &pend, &has));
    B->ms_pending = (PetscBool) (has && pend);
  }
  PetscCall(OTFieldCreate(B->wgrid, &wf));
  PetscCall(OTFieldCreate(B->ggrid, &gf));
  PetscCall(OTH5ReadField(f, B->wgrid, "/q", 1, wf));
  PetscCall(OTBarycenterFromWorld(B, 0, wf, B->qold));
  PetscCall(OTH5ReadField(f, B->wgrid, "/d", 1, wf));
  PetscCall(OTBarycenterFromWorld(B, 0, wf, B->d));
  if (B->form == OT_BARY_LOG) {
    PetscCall(OTH5ReadField(f, B->wgrid, "/logq", 1, wf));
    PetscCall(OTBarycenterFromWorld(B, 0, wf, B->q));
  }
  PetscCall(ReadInputs(B, f, "slot", B->slot, wf, gf));
  PetscCall(ReadRelaxed(B, f, wf, gf));
  PetscCall(OTFieldDestroy(&wf));
  PetscCall(OTFieldDestroy(&gf));
  B->started = B->resume = PETSC_TRUE;
  PetscCall(OTPrintf(B->comm, "barycenter: restarting from %s: stage %" PetscInt_FMT ", iteration %" PetscInt_FMT "\n", path, B->stage, B->it));
  PetscFunctionReturn(0);
}
