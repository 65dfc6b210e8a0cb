/* multiscale.c: the coarse-to-fine warm start of Sinkhorn (-sinkhorn_multiscale): a and b sum-pooled 2x per axis onto a
   grid of twice the spacing (kernel/pyramid.c), the same problems solved there (recursively, at the same rho and
   settings, to a looser tolerance; at the run's eps, or -multiscale_eps_cells of the level's squared cells where that
   is larger), and their potentials interpolated back as the fine problems' starting points. The potentials are those of
   the product reference a (x) b, so a coarse cell's mass (the sum of its fine cells') makes the same kernel sums: no
   offset between levels. The over-relaxation starts from the coarse level's last w. The fixed point is the fine
   iteration's own. */
#include "sinkhornimpl.h"

/* Whether the settings ask for a warm start on this grid (what the memory estimate counts, nothing built): -multiscale,
   every axis at least 2 OT_MULTISCALE_MIN cells, no eps-scaling (its own warm start), a log-domain kernel at eps. */
PetscBool OTSinkhornMultiscaleWanted(OTSinkhorn S)
{
  return (PetscBool) (S->multiscale && !S->eps_scaling && OTGridCanCoarsen(S->gi) && OTKernelLogDomainAt(S->K, S->gi, S->eps));
}

/* Whether this solve warms up on a coarser grid: wanted, and the kernel set to eps is in the log domain (asked last:
   only then is it set to eps); not when restarting, unless the checkpoint was written while the coarse level ran (then
   it is solved again from scratch: the same warm start). */
PetscErrorCode OTSinkhornMultiscaleApplies(OTSinkhorn S, PetscBool restarted, PetscBool *applies)
{
  PetscFunctionBegin;
  *applies = PETSC_FALSE;
  if (!OTSinkhornMultiscaleWanted(S) || (restarted && !S->ms_pending)) PetscFunctionReturn(0);
  PetscCall(OTKernelSetEpsilon(S->K, S->eps));
  PetscCall(OTKernelIsLogDomain(S->K, applies));
  PetscFunctionReturn(0);
}

/* The coarse solver: pooled a and b on the grid of twice the spacing, this one's settings, a looser tolerance. */
static PetscErrorCode CoarseCreate(OTSinkhorn S, OTGrid *cg, OTSinkhorn *Sc)
{
  double *ca, *cb;

  PetscFunctionBegin;
  PetscCall(OTGridCreateCoarse(S->grid, cg));
  PetscCall(OTFieldCreate(*cg, &ca));
  PetscCall(OTFieldCreate(*cg, &cb));
  PetscCall(OTFieldPool(S->grid, *cg, S->a, ca));
  PetscCall(OTFieldPool(S->grid, *cg, S->b, cb));
  PetscCall(OTSinkhornCreate(*cg, Sc));
  PetscCall(OTSinkhornSetMeasures(*Sc, ca, cb));
  PetscCall(OTFieldDestroy(&ca));
  PetscCall(OTFieldDestroy(&cb));
  PetscCall(OTMultiscaleEps(*cg, S->eps, S->ms_cells, &(*Sc)->eps));
  (*Sc)->ms_cells   = S->ms_cells;
  (*Sc)->rho        = S->rho;
  (*Sc)->debias     = S->debias;
  (*Sc)->acc.on     = S->acc.on;
  (*Sc)->multiscale = S->multiscale;
  PetscCall(OTMultiscaleLevel(S->K, S->core, *cg, "sinkhorn (coarse)", &(*Sc)->K, (*Sc)->core));
  PetscFunctionReturn(0);
}

/* Solves the coarse level and starts every problem of this one from its potentials (f, g interpolated). */
PetscErrorCode OTSinkhornMultiscale(OTSinkhorn S)
{
  OTGrid     cg;
  OTSinkhorn Sc;
  double     t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(CoarseCreate(S, &cg, &Sc));
  PetscCall(OTPrintf(S->comm, "sinkhorn: multiscale: warm start from a grid of twice the spacing at eps %g\n", Sc->eps));
  PetscCall(OTSinkhornSolve(Sc));
  S->ms_pending = OTSolverStopped(Sc->core);
  if (!S->ms_pending) {
    PetscInt its = 0;
    for (PetscInt p = 0; p < Sc->nprob; p++) its += Sc->prob[p].it;
    PetscCall(OTPrintf(S->comm, "sinkhorn: multiscale: the coarse level took %" PetscInt_FMT " iterations, %.3g s\n", its, MPI_Wtime() - t0));
    S->res.coarse_iterations = (its + Sc->res.coarse_iterations) / (double) (1 << S->gi->dim); /* in this level's units */
    S->acc.start             = Sc->omega_ab; /* the rate depends on eps and the domain, not the cells; applied by the first stage's reset */
    for (PetscInt p = 0; p < S->nprob; p++) {
      PetscCall(OTFieldProlong(cg, S->grid, Sc->prob[p].f, S->prob[p].f));
      if (!S->prob[p].sym) PetscCall(OTFieldProlong(cg, S->grid, Sc->prob[p].g, S->prob[p].g));
    }
  }
  PetscCall(OTSinkhornDestroy(&Sc));
  PetscCall(OTGridDestroy(&cg));
  PetscFunctionReturn(0);
}
