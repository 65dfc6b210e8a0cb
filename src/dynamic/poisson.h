/* poisson.h: private interface between the Poisson dispatcher (poisson.c) and its two solvers (DCT, KSP). */
#pragma once
#include "dynimpl.h"
#include <fftw3-mpi.h>

struct _p_OTDynPoisson {
  OTSpaceTime         *st;
  OTDynamicPoissonType type;
  double               shift;   /* 1/delta^2 (Fisher–Rao source) or 0: pure Neumann, constant null space */
  PetscBool            warm;    /* KSP: start from the previous solution */
  PetscBool            measure; /* DCT: plan with FFTW_MEASURE (-dyn_fftw_measure) */
  double              *work;    /* right-hand side in, overwritten */
  ptrdiff_t            alloc;
  PetscInt             nsolve, its;
  double               time;
  /* DCT */
  fftw_plan fwd, bwd;
  PetscInt  rank;
  ptrdiff_t dims[4], ln1, s1;
  double   *lam[4], norm;
  /* KSP */
  Mat          A;
  KSP          ksp;
  Vec          b, x;
  MatNullSpace nullsp;
};

PETSC_INTERN PetscErrorCode OTDynPoissonSetUpDCT(OTDynPoisson);
PETSC_INTERN PetscErrorCode OTDynPoissonSolveDCT(OTDynPoisson, double *);
PETSC_INTERN PetscErrorCode OTDynPoissonDestroyDCT(OTDynPoisson);
PETSC_INTERN PetscErrorCode OTDynPoissonSetUpKSP(OTDynPoisson);
PETSC_INTERN PetscErrorCode OTDynPoissonSolveKSP(OTDynPoisson, double *);
PETSC_INTERN PetscErrorCode OTDynPoissonDestroyKSP(OTDynPoisson);
