/* otsemidiscrete.h: semi-discrete optimal transport from a piecewise-constant grid density to a weighted point cloud:
   Laguerre (power) cells integrated exactly over the voxels of the distributed grid, damped Newton of
   Kitagawa-Merigot-Thibert with the Hessian (a weighted graph Laplacian of face integrals) solved by PETSc KSP.

   Conventions (cost |x - y|^2 in physical units): the cell of point i is
     Lag_i(psi) = { x in the domain : |x - y_i|^2 - psi_i <= |x - y_j|^2 - psi_j for all j },
   psi are the dual weights (normalised so that sum_i nu_i psi_i = 0), the map sends Lag_i to y_i, and
   transport_cost = sum_i int_{Lag_i} |x - y_i|^2 rho(x) dx. The density and the target masses are normalised to 1. */
#pragma once
#include <otmpi/otsolver.h>
#include <otmpi/otgrid.h>
#include <petscksp.h>

typedef struct _p_OTSD *OTSD;

/* Life cycle: Create (on the grid of the density) / SetDensity / SetPoints / SetFromOptions / SetUp / Solve / View /
   Destroy. Options: -tol (relative cell-mass error, default 1e-9), -max_it, -lloyd, -checkpoint, -checkpoint_every,
   -restart (unprefixed, as in the contract) and -sd_* (solver details, -sd_ksp_* / -sd_pc_* for the Newton systems). */
PETSC_EXTERN PetscErrorCode OTSDCreate(OTGrid, OTSD *);
PETSC_EXTERN PetscErrorCode OTSDSetDensity(OTSD, const double *);
PETSC_EXTERN PetscErrorCode OTSDSetPoints(OTSD, PetscInt, const double *, const double *);
PETSC_EXTERN PetscErrorCode OTSDSetFromOptions(OTSD);
PETSC_EXTERN PetscErrorCode OTSDSetUp(OTSD);
PETSC_EXTERN PetscErrorCode OTSDSolve(OTSD);
PETSC_EXTERN PetscErrorCode OTSDView(OTSD, PetscViewer);
PETSC_EXTERN PetscErrorCode OTSDDestroy(OTSD *);

/* Settings also reachable by options (programmatic use and tests). */
/* the iteration core: tolerances, checkpoints, -restart, the reason (OT_STOPPED_SIGNAL: no results, a checkpoint) */
PETSC_EXTERN PetscErrorCode OTSDGetSolver(OTSD, OTSolver *);
PETSC_EXTERN PetscErrorCode OTSDSetLloyd(OTSD, PetscInt);
PETSC_EXTERN PetscErrorCode OTSDGetKSP(OTSD, KSP *);

/* After Solve (unless the core's reason is OT_STOPPED_SIGNAL: then there are no results). */
PETSC_EXTERN PetscErrorCode OTSDGetConvergence(OTSD, PetscInt *, PetscInt *, double *, PetscBool *);
PETSC_EXTERN PetscErrorCode OTSDGetTransportCost(OTSD, double *);
/* Per input point (m values, or m x d): weights psi, cell masses, centroids, target masses, current positions
   (moved by -lloyd). Every rank gets the whole arrays. */
PETSC_EXTERN PetscErrorCode OTSDGetResults(OTSD, double[], double[], double[], double[], double[]);
/* Label of each owned voxel centre: the input point whose cell contains it (ties: the lowest index). */
PETSC_EXTERN PetscErrorCode OTSDComputeLabels(OTSD, int[]);

/* One evaluation of the diagram at weights psi (one per input point; coincident points are merged into one site and
   take the weight of the first of them): cell masses per input point (replicated on every rank) and, when H is not
   NULL, the Hessian d mass / d psi over the distinct sites as a new distributed Mat (m x m when no points coincide);
   OTSDGetTransportCost then gives sum_i int_{Lag_i} |x - y_i|^2 rho at these weights.
   For tests and for users building other solvers. */
PETSC_EXTERN PetscErrorCode OTSDComputeMasses(OTSD, const double[], double[], Mat *);
