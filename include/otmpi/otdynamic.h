/* otdynamic.h: Benamou–Brenier dynamic optimal transport on a distributed staggered space-time grid (proximal splitting:
   Chambolle–Pock, Douglas–Rachford, ALG2), with the continuity projection as a space-time Neumann Poisson problem. */
#pragma once
#include <otmpi/otsolver.h>
#include <otmpi/otio.h>

typedef struct _p_OTDynamic *OTDynamic;

/* The splitting: primal–dual (Chambolle–Pock, no interpolation solve), Douglas–Rachford with relaxation (Papadakis–Peyré–
   Oudet A-DR), ALG2 (Benamou–Brenier's augmented Lagrangian = ADMM, with a residual-balanced penalty). */
typedef const char *OTDynamicType;
#define OTDYNPD   "pd"
#define OTDYNDR   "dr"
#define OTDYNALG2 "alg2"

/* The Poisson solver of the continuity projection: exact DCT (FFTW-MPI r2r on the space-time grid) or PETSc KSP. */
typedef const char *OTDynamicPoissonType;
#define OTDYNPOISSONDCT "dct"
#define OTDYNPOISSONKSP "ksp"

/* What a solve found (every rank holds the same values). */
typedef struct {
  double    w2_squared;                            /* 2 x the Benamou–Brenier energy at the prox point (WFR^2 with -rho_fr) */
  double    w2_squared_path;                       /* 2 x the energy of the written path (interpolated to the cell centres) */
  double    transport_part;                        /* the momentum part of w2_squared (all of it without -rho_fr) */
  double    source_part;                           /* its Fisher–Rao (source) part */
  double    primal_residual;                       /* continuity: |P - I(U)| / |P|, P the point where the energy is evaluated, U in the constraint set */
  double    dual_residual;                         /* optimality: relative fixed-point / dual residual of the method */
  double    rho_min;                               /* the smallest value of the path (negative undershoot of the projection) */
  double    mass[2];                               /* input masses before normalisation */
  PetscInt  iterations, nt;                        /* nt: time cells */
  double    delta;                                 /* -rho_fr (0: balanced) */
  PetscBool converged, stopped;                    /* stopped: a signal asked to stop (checkpoint written) */
  double    poisson_time, total_time, memory_peak; /* seconds in the Poisson solves and in all; bytes (largest rank) */
  PetscInt  poisson_solves, ksp_iterations;
} OTDynamicResult;

/* On the set-up grid of the densities (NULL: only to list the options). */
PETSC_EXTERN PetscErrorCode OTDynamicCreate(OTGrid, OTDynamic *);
/* A splitting method, as KSPRegister: create(dyn) sets the method's ops (src/dynamic/dynimpl.h); -dyn_type NAME. */
PETSC_EXTERN PetscErrorCode OTDynamicRegister(const char[], PetscErrorCode (*)(OTDynamic));
PETSC_EXTERN PetscErrorCode OTDynamicSetTimeCells(OTDynamic, PetscInt); /* 0: max(n)/2, at least 2 */
PETSC_EXTERN PetscErrorCode OTDynamicSetType(OTDynamic, OTDynamicType);
PETSC_EXTERN PetscErrorCode OTDynamicGetType(OTDynamic, OTDynamicType *);
PETSC_EXTERN PetscErrorCode OTDynamicSetPoissonType(OTDynamic, OTDynamicPoissonType);
PETSC_EXTERN PetscErrorCode OTDynamicSetFisherRao(OTDynamic, double);
/* the iteration core: tolerances, checkpoints, -restart, the reason (OT_STOPPED_SIGNAL: no results, a checkpoint) */
PETSC_EXTERN PetscErrorCode OTDynamicGetSolver(OTDynamic, OTSolver *);
PETSC_EXTERN PetscErrorCode OTDynamicSetFromOptions(OTDynamic);
/* rho0, rho1: mass per cell on the grid (normalised to mass 1 unless -rho_fr is set). */
PETSC_EXTERN PetscErrorCode OTDynamicSetDensities(OTDynamic, const double *, const double *);
PETSC_EXTERN PetscErrorCode OTDynamicSetUp(OTDynamic);
PETSC_EXTERN PetscErrorCode OTDynamicSolve(OTDynamic);
PETSC_EXTERN PetscErrorCode OTDynamicGetResult(OTDynamic, OTDynamicResult *);
/* The path: rho at t = k/nt (k = 0..nt) as mass per cell, frame k into a grid field. */
PETSC_EXTERN PetscErrorCode OTDynamicGetFrame(OTDynamic, PetscInt, double *);
/* /rho (nt+1, n...), /momentum (nt, n..., d) at t = (j+1/2)/nt, attributes, XDMF time series. */
PETSC_EXTERN PetscErrorCode OTDynamicWrite(OTDynamic, OTH5);
PETSC_EXTERN PetscErrorCode OTDynamicWritePNG(OTDynamic, const char[], PetscInt);
PETSC_EXTERN PetscErrorCode OTDynamicView(OTDynamic, PetscViewer);
PETSC_EXTERN PetscErrorCode OTDynamicDestroy(OTDynamic *);
