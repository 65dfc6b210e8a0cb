/* multiscale.c: the coarse-to-fine warm start of the barycenter (-bary_multiscale): the inputs sum-pooled 2x per axis
   (mass preserved) onto a grid of twice the spacing, the same barycenter solved there (recursively, at the same
   settings, to a looser tolerance; at the run's eps, or -multiscale_eps_cells of the level's squared cells where that
   is larger), and its dual state log v_k = log q - log K u_k (and the debiasing log d), as potentials (times eps),
   interpolated back (linear per axis, the cell centres; kernel/pyramid.c) as the fine level's starting point. A
   constant offset of the potentials between levels (the cells' measure) is harmless: the first half-step recomputes u_k
   from v_k. */
#include "barycenterimpl.h"

/* Whether the settings ask for a warm start on this grid (what the memory estimate counts, nothing built): -multiscale,
   every axis of the grid at least 2 OT_MULTISCALE_MIN cells, no eps-scaling, no sharpening (balanced or -rho), a
   log-domain kernel at eps. */
PetscBool OTBarycenterMultiscaleWanted(OTBarycenter B)
{
  return (PetscBool) (B->multiscale && !B->eps_scaling && B->sharpen < 0 && OTGridCanCoarsen(B->wi) && OTKernelLogDomainAt(B->K_, B->wi, B->eps));
}

/* Whether this barycenter warms up on a coarser grid: wanted, and its kernel is in the log domain (logd); not when
   restarting, unless the checkpoint was written while the coarse level ran (then it is solved again, from scratch: the
   same warm start). */
PetscBool OTBarycenterMultiscaleApplies(OTBarycenter B, PetscBool logd, PetscBool restarted)
{
  return (PetscBool) (logd && (!restarted || B->ms_pending) && OTBarycenterMultiscaleWanted(B));
}

/* The coarse barycenter: the pooled inputs on the grid of twice the spacing, this one's settings, a looser tolerance. */
static PetscErrorCode CoarseCreate(OTBarycenter B, OTGrid *cg, double ***pc, OTBarycenter *Bc)
{
  double *wf;

  PetscFunctionBegin;
  PetscCall(OTGridCreateCoarse(B->wgrid, cg));
  PetscCall(PetscMalloc1(B->K, pc));
  PetscCall(OTFieldCreate(B->wgrid, &wf));
  for (PetscInt k = 0; k < B->K; k++) {
    PetscCall(OTBarycenterInputToWorld(B, B->p, k, wf));
    PetscCall(OTFieldCreate(*cg, &(*pc)[k]));
    PetscCall(OTFieldPool(B->wgrid, *cg, wf, (*pc)[k]));
  }
  PetscCall(OTFieldDestroy(&wf));
  PetscCall(OTBarycenterCreate(*cg, Bc));
  PetscCall(OTBarycenterSetMeasures(*Bc, B->K, (const double *const *) *pc, B->w));
  PetscCall(OTMultiscaleEps(*cg, B->eps, B->ms_cells, &(*Bc)->eps));
  (*Bc)->ms_cells     = B->ms_cells;
  (*Bc)->rho          = B->rho;
  (*Bc)->debias       = B->debias;
  (*Bc)->debias_steps = B->debias_steps;
  (*Bc)->accel.on     = B->accel.on;
  (*Bc)->accel_set    = B->accel_set;
  (*Bc)->multiscale   = B->multiscale;
  PetscCall(OTMultiscaleLevel(B->K_, B->core, *cg, "barycenter (coarse)", &(*Bc)->K_, (*Bc)->core));
  PetscFunctionReturn(0);
}

/* One field of the coarse state (input k's log v_k, or log d when k < 0) into this level's layout: world, prolonged,
   this rank's group. */
static PetscErrorCode Transfer(OTBarycenter Bc, OTBarycenter B, OTGrid cg, PetscInt k, double *cw, double *fw, double *out)
{
  const ptrdiff_t n = Bc->gi->nlocal;
  double         *x;

  PetscFunctionBegin;
  PetscCall(OTFieldCreate(Bc->ggrid, &x));
  if (k < 0)
    PetscCall(OTFieldCopy(Bc->ggrid, Bc->d, x));
  else
    for (PetscInt j = 0; j < Bc->nloc; j++)
      if (Bc->loc[j] == k)
        for (ptrdiff_t i = 0; i < n; i++) x[i] = Bc->q[i] > -INFINITY ? Bc->lambda * (Bc->q[i] - Bc->slot[j][i]) : -INFINITY;
  for (ptrdiff_t i = 0; i < n; i++) x[i] *= Bc->eps / B->eps; /* log v = g / eps: the same potential at this level's eps */
  PetscCall(OTBarycenterToWorld(Bc, k < 0 ? 0 : k % Bc->G, x, cw));
  PetscCall(OTFieldDestroy(&x));
  PetscCall(OTFieldProlong(cg, B->wgrid, cw, fw));
  PetscCall(OTBarycenterFromWorld(B, k < 0 ? 0 : k % B->G, fw, out));
  PetscFunctionReturn(0);
}

/* Solves the coarse level and starts this one from its state: slot_k = -log v_k / lambda, log q = 0 (so that the first v_k is
   the coarse one's), log d. */
PetscErrorCode OTBarycenterMultiscale(OTBarycenter B)
{
  OTGrid       cg;
  OTBarycenter Bc;
  double     **pc, *cw, *fw, *g;

  PetscFunctionBegin;
  PetscCall(CoarseCreate(B, &cg, &pc, &Bc));
  PetscCall(OTPrintf(B->comm, "barycenter: multiscale: warm start from a grid of twice the spacing at eps %g\n", Bc->eps));
  {
    double t0 = MPI_Wtime();
    PetscCall(OTBarycenterSolve(Bc));
    PetscCall(OTPrintf(B->comm, "barycenter: multiscale: the coarse level took %" PetscInt_FMT " iterations, %.3g s\n", Bc->it, MPI_Wtime() - t0));
  }
  B->ms_its += Bc->it + Bc->ms_its / (1 << B->wi->dim); /* the coarser levels' iterations in units of this one */
  B->ms_pending  = OTSolverStopped(Bc->core);
  B->accel.start = Bc->accel.omega;   /* the over-relaxation starts from the coarse level's w: the rate depends on eps, not the cells */
  PetscCall(OTAccelReset(&B->accel)); /* now: a restart from the coarse level resumes no state of this one */
  if (!B->ms_pending) {
    PetscCall(OTFieldCreate(cg, &cw));
    PetscCall(OTFieldCreate(B->wgrid, &fw));
    PetscCall(OTFieldCreate(B->ggrid, &g));
    for (PetscInt k = 0; k < B->K; k++) {
      PetscCall(Transfer(Bc, B, cg, k, cw, fw, g));
      for (PetscInt j = 0; j < B->nloc; j++)
        if (B->loc[j] == k)
          for (ptrdiff_t i = 0; i < B->gi->nlocal; i++) B->slot[j][i] = -g[i] / B->lambda; /* v_k = lambda (log q - slot) = g */
    }
    PetscCall(Transfer(Bc, B, cg, -1, cw, fw, B->d));
    PetscCall(OTFieldSet(B->ggrid, 0.0, B->q));
    PetscCall(OTFieldSet(B->ggrid, 1.0, B->qold));
    B->form    = OT_BARY_LOG;
    B->started = PETSC_TRUE;
    PetscCall(OTFieldDestroy(&cw));
    PetscCall(OTFieldDestroy(&fw));
    PetscCall(OTFieldDestroy(&g));
  }
  PetscCall(OTBarycenterDestroy(&Bc));
  for (PetscInt k = 0; k < B->K; k++) PetscCall(OTFieldDestroy(&pc[k]));
  PetscCall(PetscFree(pc));
  PetscCall(OTGridDestroy(&cg));
  PetscFunctionReturn(0);
}
