/* checkpoint.c: the state of a semi-discrete solve (raw weights, current point positions, eps0, iteration counts) in
   an HDF5 file written atomically; a restart (at any rank count) continues the same Newton iteration. */
#include "sdimpl.h"

PetscErrorCode SDCheckpointWrite(void *ctx, OTH5 f)
{
  OTSD      sd = (OTSD) ctx;
  double   *psi, *lo;
  ptrdiff_t gd[2] = {sd->m0, sd->dim}, st[2] = {0, 0}, ct[2] = {sd->rank ? 0 : sd->m0, sd->dim};
  int       its[2] = {(int) sd->its, (int) sd->lloyd_done};

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(sd->m0, &psi, sd->m0, &lo));
  for (PetscInt i = 0; i < sd->m0; i++) {
    psi[i] = sd->w[sd->site_of[i]];
    lo[i]  = sd->wlo[sd->site_of[i]];
  }
  PetscCall(OTH5WriteArray(f, "/psi", OT_DOUBLE, 1, gd, st, ct, psi));
  PetscCall(OTH5WriteArray(f, "/psi_lo", OT_DOUBLE, 1, gd, st, ct, lo));
  PetscCall(OTH5WriteArray(f, "/points", OT_DOUBLE, 2, gd, st, ct, sd->ylloyd));
  PetscCall(OTH5WriteAttribute(f, "/", "newton_iterations", OT_INT32, 1, &its[0]));
  PetscCall(OTH5WriteAttribute(f, "/", "lloyd_round", OT_INT32, 1, &its[1]));
  PetscCall(OTH5WriteAttribute(f, "/", "eps0", OT_DOUBLE, 1, &sd->eps0));
  PetscCall(PetscFree2(psi, lo));
  PetscFunctionReturn(0);
}

PetscErrorCode SDCheckpointRead(void *ctx, OTH5 f, const char path[])
{
  OTSD      sd = (OTSD) ctx;
  double   *psi, *lo;
  PetscInt  r1, r2;
  ptrdiff_t d1[4], d2[4], st[2] = {0, 0}, ct[2] = {sd->m0, sd->dim};
  int       its[2] = {0, 0};

  PetscFunctionBegin;
  PetscCall(OTH5GetShape(f, "/psi", &r1, d1));
  PetscCall(OTH5GetShape(f, "/points", &r2, d2));
  PetscCheck(r1 == 1 && r2 == 2 && d1[0] == sd->m0 && d2[0] == sd->m0 && d2[1] == sd->dim, sd->comm, OT_ERR_INPUT,
             "-restart %s: the checkpoint holds %td points in %td-D, this run has %" PetscInt_FMT " in %" PetscInt_FMT "-D", path, d1[0], r2 == 2 ? d2[1] : 0,
             sd->m0, sd->dim);
  PetscCall(PetscMalloc2(sd->m0, &psi, sd->m0, &lo));
  PetscCall(OTH5ReadArray(f, "/psi", OT_DOUBLE, 1, st, ct, psi));
  PetscCall(OTH5ReadArray(f, "/psi_lo", OT_DOUBLE, 1, st, ct, lo));
  PetscCall(OTH5ReadArray(f, "/points", OT_DOUBLE, 2, st, ct, sd->ylloyd));
  PetscCall(OTCheckpointReadAttribute(sd->comm, f, path, "semidiscrete", "newton_iterations", OT_INT32, 1, &its[0]));
  PetscCall(OTCheckpointReadAttribute(sd->comm, f, path, "semidiscrete", "lloyd_round", OT_INT32, 1, &its[1]));
  PetscCall(OTCheckpointReadAttribute(sd->comm, f, path, "semidiscrete", "eps0", OT_DOUBLE, 1, &sd->eps0));
  PetscCheck(sd->eps0 > 0, sd->comm, OT_ERR_INPUT, "-restart %s: bad eps0 %g", path, sd->eps0);
  if (its[1] == 0) { /* before any Lloyd move the checkpoint's points are the input points */
    PetscBool same = PETSC_TRUE;
    for (PetscInt i = 0; i < sd->m0 * sd->dim; i++)
      if (sd->ylloyd[i] != sd->y0[i]) same = PETSC_FALSE;
    PetscCheck(same, sd->comm, OT_ERR_INPUT, "-restart %s: the checkpoint was made with other points than -points", path);
  }
  sd->its        = its[0];
  sd->lloyd_done = its[1];
  PetscCall(SDSetSites(sd, sd->ylloyd));
  for (PetscInt s = 0; s < sd->m; s++) {
    sd->w[s]   = psi[sd->rep[s]];
    sd->wlo[s] = lo[sd->rep[s]];
  }
  PetscCall(PetscFree2(psi, lo));
  PetscCall(SDEvaluate(sd, sd->w, sd->wlo, PETSC_TRUE, 0, NULL));
  PetscCall(OTPrintf(sd->comm, "semidiscrete: restarting from %s at Newton iteration %" PetscInt_FMT " (Lloyd round %" PetscInt_FMT ")\n", path, sd->its,
                     sd->lloyd_done));
  PetscFunctionReturn(0);
}
