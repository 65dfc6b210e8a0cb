/* poisson.h: private interface between the Poisson dispatcher (poisson.c) and its two solvers (DCT, KSP). */
#pragma once
#include "dynimpl.h"
#include <fftw3-mpi.h>

/* What a Poisson solver supplies (its create function, registered with OTDynPoissonRegister, fills them). */
typedef struct {
  PetscErrorCode (*setup)(OTDynPoisson);
  PetscErrorCode (*solve)(OTDynPoisson, double *); /* the right-hand side in work; the solution into p */
  PetscErrorCode (*view)(OTDynPoisson, PetscViewer);
  PetscErrorCode (*destroy)(OTDynPoisson);
} OTDynPoissonOps;

struct _p_OTDynPoisson {
  OTSpaceTime    *st;
  OTDynPoissonOps ops;
  void           *data;
  double          shift;   /* 1/delta^2 (Fisher–Rao source) or 0: pure Neumann, constant null space */
  PetscBool       warm;    /* KSP: start from the previous solution */
  PetscBool       measure; /* DCT: plan with FFTW_MEASURE (-dyn_fftw_measure) */
  double         *work;    /* right-hand side in, overwritten */
  ptrdiff_t       alloc;
  PetscInt        nsolve, its;
  double          time;
};

PETSC_INTERN PetscErrorCode OTDynPoissonCreate_DCT(OTDynPoisson);
PETSC_INTERN PetscErrorCode OTDynPoissonCreate_KSP(OTDynPoisson);
