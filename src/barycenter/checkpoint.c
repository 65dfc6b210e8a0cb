/* checkpoint.c: checkpoint and restart of OTBarycenter: K u_k of every input, the barycenter and the debiasing
   field, written in the layout of all ranks (each group hands its fields over), so a restart may use other -groups and
   rank counts. Atomic through OTH5. */
#include "barycenterimpl.h"

#define CKPT_KIND "barycenter"

static PetscErrorCode ReadAttr(OTBarycenter B, OTH5 f, const char name[], OTDataType t, PetscInt n, void *v)
{
  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(B->comm, f, B->restart, CKPT_KIND, name, t, n, v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterCheckpointWrite(OTBarycenter B)
{
  OTH5    f;
  double *wf;
  char    name[64];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OTBARY_Checkpoint, 0, 0, 0, 0));
  PetscCall(OTFieldCreate(B->wgrid, &wf));
  PetscCall(OTH5Create(B->comm, B->ckpt, &f));
  PetscCall(OTH5WriteAttributeString(f, "/", "otmpi_checkpoint", CKPT_KIND));
  PetscCall(OTCheckpointWriteInt(f, "inputs", B->K));
  PetscCall(OTCheckpointWriteInt(f, "stage", B->stage));
  PetscCall(OTCheckpointWriteInt(f, "form", (PetscInt) B->form));
  PetscCall(OTCheckpointWriteInt(f, "iterations", B->it));
  PetscCall(OTCheckpointWriteInt(f, "iterations_total", B->itotal));
  PetscCall(OTCheckpointWriteInt(f, "debias", B->debias));
  PetscCall(OTCheckpointWriteInt(f, "eps_scaling", B->eps_scaling));
  PetscCall(OTH5WriteAttribute(f, "/", "epsilon", OT_DOUBLE, 1, &B->eps));
  PetscCall(OTH5WriteAttribute(f, "/", "rho", OT_DOUBLE, 1, &B->rho));
  PetscCall(OTH5WriteAttribute(f, "/", "weights", OT_DOUBLE, B->K, B->w));
  PetscCall(OTH5WriteAttribute(f, "/", "eps_scaling_start", OT_DOUBLE, 1, &B->eps_start));
  PetscCall(OTH5WriteAttribute(f, "/", "eps_scaling_factor", OT_DOUBLE, 1, &B->eps_factor));
  PetscCall(OTBarycenterToWorld(B, 0, B->qold, wf));
  PetscCall(OTH5WriteField(f, B->wgrid, "/q", 1, wf));
  PetscCall(OTBarycenterToWorld(B, 0, B->d, wf));
  PetscCall(OTH5WriteField(f, B->wgrid, "/d", 1, wf));
  if (B->form == OT_BARY_LOG) { /* log q: q itself may underflow where log q is finite */
    PetscCall(OTBarycenterToWorld(B, 0, B->q, wf));
    PetscCall(OTH5WriteField(f, B->wgrid, "/logq", 1, wf));
  }
  for (PetscInt k = 0; k < B->K; k++) {
    const double *src = B->W; /* ranks outside group k mod G send nothing; any field will do */
    for (PetscInt j = 0; j < B->nloc; j++)
      if (B->loc[j] == k) src = B->slot[j];
    PetscCall(OTBarycenterToWorld(B, k % B->G, src, wf));
    snprintf(name, sizeof name, "/slot%d", (int) k);
    PetscCall(OTH5WriteField(f, B->wgrid, name, 1, wf));
  }
  PetscCall(OTH5Commit(&f));
  PetscCall(OTFieldDestroy(&wf));
  PetscCall(PetscLogEventEnd(OTBARY_Checkpoint, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterCheckpointRead(OTBarycenter B)
{
  OTH5      f;
  char      kind[64], name[64];
  PetscBool has;
  int       ival;
  double    eps, rho, start, factor, *w, *wf, *gf;

  PetscFunctionBegin;
  PetscCall(OTH5Open(B->comm, B->restart, &f));
  PetscCall(OTH5ReadAttributeString(f, "/", "otmpi_checkpoint", kind, sizeof kind, &has));
  PetscCheck(has && !strcmp(kind, CKPT_KIND), B->comm, OT_ERR_INPUT, "-restart %s: not a barycenter checkpoint", B->restart);
  PetscCall(ReadAttr(B, f, "inputs", OT_INT32, 1, &ival));
  PetscCheck(ival == B->K, B->comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint has %d inputs, this run %" PetscInt_FMT, B->restart, ival, B->K);
  PetscCall(ReadAttr(B, f, "epsilon", OT_DOUBLE, 1, &eps));
  PetscCall(ReadAttr(B, f, "rho", OT_DOUBLE, 1, &rho));
  PetscCheck(eps == B->eps, B->comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint is for -eps %g, this run has -eps %g", B->restart, eps, B->eps);
  PetscCheck((rho > 0) == (B->rho > 0) && (rho <= 0 || rho == B->rho), B->comm, PETSC_ERR_ARG_INCOMP,
             "-restart %s: the checkpoint is for -rho %g, this run has -rho %g", B->restart, rho, B->rho);
  PetscCall(ReadAttr(B, f, "debias", OT_INT32, 1, &ival));
  PetscCheck((PetscBool) ival == B->debias, B->comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint was made %s -debias", B->restart,
             ival ? "with" : "without");
  PetscCall(PetscMalloc1(B->K, &w));
  PetscCall(ReadAttr(B, f, "weights", OT_DOUBLE, B->K, w));
  for (PetscInt k = 0; k < B->K; k++)
    PetscCheck(fabs(w[k] - B->w[k]) <= 1e-14, B->comm, PETSC_ERR_ARG_INCOMP,
               "-restart %s: the checkpoint has weight %g for input %" PetscInt_FMT ", this run %g", B->restart, w[k], k + 1, B->w[k]);
  PetscCall(PetscFree(w));
  PetscCall(ReadAttr(B, f, "eps_scaling", OT_INT32, 1, &ival));
  PetscCall(ReadAttr(B, f, "eps_scaling_start", OT_DOUBLE, 1, &start));
  PetscCall(ReadAttr(B, f, "eps_scaling_factor", OT_DOUBLE, 1, &factor));
  PetscCheck((PetscBool) ival == B->eps_scaling && (!ival || (start == B->eps_start && factor == B->eps_factor)), B->comm, PETSC_ERR_ARG_INCOMP,
             "-restart %s: the checkpoint was made with a different eps-scaling schedule", B->restart);
  PetscCall(ReadAttr(B, f, "stage", OT_INT32, 1, &ival));
  B->stage = ival;
  PetscCall(ReadAttr(B, f, "form", OT_INT32, 1, &ival));
  B->form = (OTBaryForm) ival;
  PetscCall(ReadAttr(B, f, "iterations", OT_INT32, 1, &ival));
  B->it = ival;
  PetscCall(ReadAttr(B, f, "iterations_total", OT_INT32, 1, &ival));
  B->itotal = ival;
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
  for (PetscInt k = 0; k < B->K; k++) {
    snprintf(name, sizeof name, "/slot%d", (int) k);
    PetscCall(OTH5ReadField(f, B->wgrid, name, 1, wf));
    PetscCall(OTBarycenterFromWorld(B, k % B->G, wf, gf));
    for (PetscInt j = 0; j < B->nloc; j++)
      if (B->loc[j] == k) PetscCall(OTFieldCopy(B->ggrid, gf, B->slot[j]));
  }
  PetscCall(OTFieldDestroy(&wf));
  PetscCall(OTFieldDestroy(&gf));
  PetscCall(OTH5Close(&f));
  B->started = B->resume = PETSC_TRUE;
  {
    PetscBool quiet;
    PetscCall(OTIsQuiet(&quiet));
    if (!quiet)
      PetscCall(PetscPrintf(B->comm, "barycenter: restarting from %s: stage %" PetscInt_FMT ", iteration %" PetscInt_FMT "\n", B->restart, B->stage, B->it));
  }
  PetscFunctionReturn(0);
}
