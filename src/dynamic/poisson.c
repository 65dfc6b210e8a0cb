/* poisson.c: the space-time Poisson solver of the continuity projection, (-Lap_{t,x} + shift) p = r with Neumann
   conditions on every face of the space-time box (zero mean when shift = 0), by the DCT or by PETSc KSP; and the
   projection onto the continuity constraint built on it. */
#include "poisson.h"

static PetscFunctionList OTDynPoissonList = NULL;

/* A Poisson solver of the continuity projection, as KSPRegister: create(P) fills P->ops (poisson.h); -dyn_poisson NAME. */
PetscErrorCode OTDynPoissonRegister(const char name[], PetscErrorCode (*create)(OTDynPoisson))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&OTDynPoissonList, name, create));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonRegisterAll(void)
{
  PetscFunctionBegin;
  if (OTDynPoissonList) PetscFunctionReturn(0);
  PetscCall(OTDynPoissonRegister(OTDYNPOISSONDCT, OTDynPoissonCreate_DCT));
  PetscCall(OTDynPoissonRegister(OTDYNPOISSONKSP, OTDynPoissonCreate_KSP));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonCheckType(const char name[])
{
  PetscErrorCode (*create)(OTDynPoisson) = NULL;

  PetscFunctionBegin;
  PetscCall(OTDynPoissonRegisterAll());
  PetscCall(PetscFunctionListFind(OTDynPoissonList, name, &create));
  PetscCheck(create, PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "-dyn_poisson %s is unknown: use dct or ksp", name);
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonCreate(OTSpaceTime *st, OTDynamicPoissonType type, double shift, PetscBool warm, PetscBool measure, OTDynPoisson *poisson)
{
  OTDynPoisson P;
  PetscErrorCode (*create)(OTDynPoisson) = NULL;

  PetscFunctionBegin;
  PetscCall(OTDynPoissonCheckType(type));
  PetscCall(PetscFunctionListFind(OTDynPoissonList, type, &create));
  PetscCall(PetscNew(&P));
  P->st      = st;
  P->shift   = shift;
  P->warm    = warm;
  P->measure = measure;
  PetscCall((*create)(P));
  PetscCall(P->ops.setup(P));
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
  PetscCall(P->ops.solve(P, p));
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
  PetscCall(P->ops.view(P, v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonDestroy(OTDynPoisson *P)
{
  PetscFunctionBegin;
  if (!*P) PetscFunctionReturn(0);
  PetscCall((*P)->ops.destroy(*P));
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
