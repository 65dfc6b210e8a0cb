/* poisson_ksp.c: the space-time Neumann Poisson solve by PETSc: the (d+1)-dimensional cell-centred Laplacian assembled
   as an MPIAIJ matrix whose rows are the cells in the solver's own order (slabs of axis 0, time fastest), the constant
   null space attached with MatNullSpace, CG + algebraic multigrid (GAMG, or hypre BoomerAMG), options -dyn_ksp_*,
   -dyn_pc_*, warm-started from the previous potential (DR, ALG2). */
#include "poisson.h"

/* The KSP solver's data: the assembled space-time Laplacian, its solver, vectors and null space (pure Neumann) */
typedef struct {
  Mat          A;
  KSP          ksp;
  Vec          b, x;
  MatNullSpace nullsp;
} KSPData;

static PetscErrorCode OTDynPoissonSetUpKSP(OTDynPoisson P)
{
  KSPData     *d;
  OTSpaceTime *st = P->st;
  PetscInt     nt = st->nt, R = st->d + 1, nloc;
  PetscInt     rstart;
  PC           pc;
  double       gsize = (double) st->gi->nglobal * (double) nt;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  P->data = d;
  PetscCheck(gsize < (double) PETSC_MAX_INT, st->comm, PETSC_ERR_SUP,
             "-dyn_poisson ksp: the space-time grid has %.0f cells, more than a PETSc build with 32-bit indices can hold; use -dyn_poisson dct", gsize);
  nloc   = (PetscInt) st->ncell;
  rstart = (PetscInt) (st->s0 * st->plane * nt);
  PetscCall(MatCreate(st->comm, &d->A));
  PetscCall(MatSetSizes(d->A, nloc, nloc, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(d->A, MATAIJ));
  PetscCall(MatSeqAIJSetPreallocation(d->A, 2 * R + 1, NULL));
  PetscCall(MatMPIAIJSetPreallocation(d->A, 2 * R + 1, NULL, 1, NULL));
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    ptrdiff_t il = s / st->plane, q = s % st->plane, idx[3];
    idx[0] = st->s0 + il;
    for (PetscInt k = 1; k < st->d; k++) idx[k] = (q / st->S[k]) % st->n[k];
    for (PetscInt j = 0; j < nt; j++) {
      PetscInt    row = rstart + (PetscInt) (s * nt + j), cols[9], nz = 0;
      PetscScalar vals[9], diag = P->shift, it2 = 1.0 / (st->dt * st->dt);
      if (j > 0) {
        cols[nz]   = row - 1;
        vals[nz++] = -it2;
        diag += it2;
      }
      if (j < nt - 1) {
        cols[nz]   = row + 1;
        vals[nz++] = -it2;
        diag += it2;
      }
      for (PetscInt k = 0; k < st->d; k++) {
        PetscScalar ih2 = 1.0 / (st->h[k] * st->h[k]);
        PetscInt    off = (PetscInt) (st->S[k] * nt);
        if (idx[k] > 0) {
          cols[nz]   = row - off;
          vals[nz++] = -ih2;
          diag += ih2;
        }
        if (idx[k] < st->n[k] - 1) {
          cols[nz]   = row + off;
          vals[nz++] = -ih2;
          diag += ih2;
        }
      }
      cols[nz]   = row;
      vals[nz++] = diag;
      PetscCall(MatSetValues(d->A, 1, &row, nz, cols, vals, INSERT_VALUES));
    }
  }
  PetscCall(MatAssemblyBegin(d->A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(d->A, MAT_FINAL_ASSEMBLY));
  if (P->shift == 0) {
    PetscCall(MatNullSpaceCreate(st->comm, PETSC_TRUE, 0, NULL, &d->nullsp));
    PetscCall(MatSetNullSpace(d->A, d->nullsp));
  }
  PetscCall(KSPCreate(st->comm, &d->ksp));
  PetscCall(KSPSetOptionsPrefix(d->ksp, "dyn_"));
  PetscCall(KSPSetOperators(d->ksp, d->A, d->A));
  PetscCall(KSPSetType(d->ksp, KSPCG));
  PetscCall(KSPGetPC(d->ksp, &pc));
  /* GAMG by default: on this operator Debian's hypre BoomerAMG (-dyn_pc_type hypre) measured 3-10x slower per solve */
  PetscCall(PCSetType(pc, PCGAMG));
  /* no divergence test: a warm start may begin far from a small solution */
  PetscCall(KSPSetTolerances(d->ksp, 1e-10, 1e-50, 1e30, 500));
  PetscCall(KSPSetInitialGuessNonzero(d->ksp, P->warm));
  PetscCall(KSPSetFromOptions(d->ksp));
  PetscCall(KSPSetUp(d->ksp));
  PetscCall(VecCreateMPIWithArray(st->comm, 1, nloc, PETSC_DETERMINE, NULL, &d->b));
  PetscCall(VecCreateMPIWithArray(st->comm, 1, nloc, PETSC_DETERMINE, NULL, &d->x));
  PetscCall(PetscCalloc1(PetscMax(st->ncell, 1), &P->work));
  PetscFunctionReturn(0);
}

static PetscErrorCode OTDynPoissonSolveKSP(OTDynPoisson P, double *p)
{
  KSPData           *d = (KSPData *) P->data;
  KSPConvergedReason reason;
  PetscInt           its;

  PetscFunctionBegin;
  PetscCall(VecPlaceArray(d->b, P->work));
  PetscCall(VecPlaceArray(d->x, p));
  /* the exact right-hand side is compatible only up to round-off in the masses: project it */
  if (d->nullsp) PetscCall(MatNullSpaceRemove(d->nullsp, d->b));
  PetscCall(KSPSolve(d->ksp, d->b, d->x));
  PetscCall(KSPGetConvergedReason(d->ksp, &reason));
  PetscCall(KSPGetIterationNumber(d->ksp, &its));
  P->its += its;
  PetscCheck(reason > 0 || reason == KSP_DIVERGED_ITS, P->st->comm, PETSC_ERR_NOT_CONVERGED,
             "the Poisson solve (-dyn_ksp_type/-dyn_pc_type) failed: %s after %" PetscInt_FMT " iterations", KSPConvergedReasons[reason], its);
  if (reason == KSP_DIVERGED_ITS) PetscCall(PetscInfo(d->ksp, "Poisson KSP reached its iteration limit (%" PetscInt_FMT ")\n", its));
  if (d->nullsp) PetscCall(MatNullSpaceRemove(d->nullsp, d->x));
  PetscCall(VecResetArray(d->b));
  PetscCall(VecResetArray(d->x));
  PetscFunctionReturn(0);
}

static PetscErrorCode OTDynPoissonDestroyKSP(OTDynPoisson P)
{
  KSPData *d = (KSPData *) P->data;
  PetscFunctionBegin;
  PetscCall(KSPDestroy(&d->ksp));
  PetscCall(MatDestroy(&d->A));
  PetscCall(MatNullSpaceDestroy(&d->nullsp));
  PetscCall(VecDestroy(&d->b));
  PetscCall(VecDestroy(&d->x));
  PetscCall(PetscFree(P->work));
  PetscCall(PetscFree(P->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode View(OTDynPoisson P, PetscViewer v)
{
  KSPData *d = (KSPData *) P->data;

  PetscFunctionBegin;
  PetscCall(
      PetscViewerASCIIPrintf(v, "Poisson: PETSc KSP, %" PetscInt_FMT " solves, %" PetscInt_FMT " iterations in all, %.3g s\n", P->nsolve, P->its, P->time));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(KSPView(d->ksp, v));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonCreate_KSP(OTDynPoisson P)
{
  PetscFunctionBegin;
  P->ops = (OTDynPoissonOps){OTDynPoissonSetUpKSP, OTDynPoissonSolveKSP, View, OTDynPoissonDestroyKSP};
  PetscFunctionReturn(0);
}
