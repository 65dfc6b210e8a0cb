/* poisson.c: the space-time Poisson solver of the continuity projection, (-Lap_{t,x} + shift) p = r with Neumann
   conditions on every face of the space-time box (zero mean when shift = 0), by the DCT or by PETSc KSP; and the
   projection onto the continuity constraint built on it. */
#include "poisson.h"

const char *const OTDynamicPoissonTypes[] = {"dct", "ksp", "OTDynamicPoissonType", "OT_DYN_POISSON_", NULL};

PetscErrorCode OTDynPoissonCreate(OTSpaceTime *st, OTDynamicPoissonType type, double shift, PetscBool warm, PetscBool measure, OTDynPoisson *poisson)
{
  OTDynPoisson P;

  PetscFunctionBegin;
  PetscCall(PetscNew(&P));
  P->st      = st;
  P->type    = type;
  P->shift   = shift;
  P->warm    = warm;
  P->measure = measure;
  if (type == OT_DYN_POISSON_DCT)
    PetscCall(OTDynPoissonSetUpDCT(P));
  else
    PetscCall(OTDynPoissonSetUpKSP(P));
  *poisson = P;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonGetWork(OTDynPoisson P, double **work)
{
  PetscFunctionBegin;
  *work = P->work;
  PetscFunctionReturn(0);
}

/* Solves with the right-hand side in the work array (overwritten); p receives the solution (and is the initial guess of
   the KSP path: the previous solution is a good one). */
PetscErrorCode OTDynPoissonSolve(OTDynPoisson P, double *r, double *p)
{
  double t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCheck(r == P->work, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "the right-hand side must be in the Poisson work array");
  if (P->type == OT_DYN_POISSON_DCT)
    PetscCall(OTDynPoissonSolveDCT(P, p));
  else
    PetscCall(OTDynPoissonSolveKSP(P, p));
  P->nsolve++;
  P->time += MPI_Wtime() - t0;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonGetStats(OTDynPoisson P, PetscInt *nsolve, PetscInt *its, double *time)
{
  PetscFunctionBegin;
  if (nsolve) *nsolve = P->nsolve;
  if (its) *its = P->its;
  if (time) *time = P->time;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonView(OTDynPoisson P, PetscViewer v)
{
  PetscFunctionBegin;
  if (P->type == OT_DYN_POISSON_DCT) {
    PetscCall(PetscViewerASCIIPrintf(v, "Poisson: DCT-II/III (FFTW-MPI r2r, rank %" PetscInt_FMT ", transposed), %" PetscInt_FMT " solves, %.3g s\n", P->rank,
                                     P->nsolve, P->time));
  } else {
    PetscCall(
        PetscViewerASCIIPrintf(v, "Poisson: PETSc KSP, %" PetscInt_FMT " solves, %" PetscInt_FMT " iterations in all, %.3g s\n", P->nsolve, P->its, P->time));
    PetscCall(PetscViewerASCIIPushTab(v));
    PetscCall(KSPView(P->ksp, v));
    PetscCall(PetscViewerASCIIPopTab(v));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonDestroy(OTDynPoisson *P)
{
  PetscFunctionBegin;
  if (!*P) PetscFunctionReturn(0);
  if ((*P)->type == OT_DYN_POISSON_DCT)
    PetscCall(OTDynPoissonDestroyDCT(*P));
  else
    PetscCall(OTDynPoissonDestroyKSP(*P));
  PetscCall(PetscFree(*P));
  PetscFunctionReturn(0);
}

/* U <- the orthogonal projection of U onto C = {rho(0) = rho0, rho(1) = rho1, m.n = 0 on the walls, d_t rho + div m =
   source/delta}: U - A*(AA*)^-1 A U, where AA* is the cell-centred space-time Neumann Laplacian (+ 1/delta^2). p: the
   potential (the KSP path's warm start). */
PetscErrorCode OTDynProjectC(OTSpaceTime *st, OTDynPoisson P, const double *rho0, const double *rho1, double delta, double *p, OTDynVec *U)
{
  double *r;

  PetscFunctionBegin;
  PetscCall(OTDynSetBoundary(st, rho0, rho1, U));
  PetscCall(OTDynPoissonGetWork(P, &r));
  PetscCall(OTDynDivergence(st, U, delta, r));
  PetscCall(OTDynPoissonSolve(P, r, p));
  PetscCall(OTDynGradientAdd(st, p, 1.0, delta, U));
  PetscFunctionReturn(0);
}
