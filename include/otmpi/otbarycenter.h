/* otbarycenter.h: entropic Wasserstein barycenters of K grid densities, distributed over rank groups x slabs. */
#pragma once
#include <otmpi/otsinkhorn.h>

/* The barycenter q of densities p_1..p_K with weights w_k (sum 1) minimises sum_k w_k OT_eps(p_k, q), OT_eps with the
   counting (uniform) reference as in Solomon et al. 2015 / Benamou et al. 2015 / POT's convolutional barycenter: iterative
   Bregman projections, plans P_k = diag(u_k) K diag(v_k), u_k = p_k / K v_k, q = prod_k (K u_k)^w_k, v_k = q / K u_k.
   -debias (Janati et al. 2020) multiplies q by the field d with d K d = q; -rho R relaxes the marginals with R KL
   (Chizat et al. 2018: q = (sum_k w_k (K u_k)^(1-lambda))^(1/(1-lambda)), lambda = R/(R+eps)); -sharpen bounds q's entropy
   (Solomon et al. 2015, Alg. 3). Scaling form on the FFT kernels, log domain on the banded kernel.
   Distribution: the P ranks form G groups of P/G ranks; group g holds the inputs k with k mod G = g, each on the grid
   split in slabs over the group's ranks; the only coupling between groups is one MPI_Allreduce per iteration, among the
   ranks that own the same slab in every group (sum of w_k log K u_k). */
typedef struct _p_OTBarycenter *OTBarycenter;

typedef struct {
  double    epsilon;
  PetscInt  iterations;
  PetscBool converged;
  double    marginal_error; /* sum_k w_k ||P_k^T 1 - q||_1 of the last iteration's plans (their first marginals are exact) */
  double    change;         /* ||q_t - q_(t-1)||_1 at the last iteration */
  double    mass;           /* of the barycenter before /density is normalised to total 1 */
  double    entropy;        /* -sum q log q of the normalised barycenter */
  PetscInt  inputs, groups, ranks_per_group, inputs_per_group;
  double    bytes_per_rank; /* fields held by the busiest rank */
  double    time, time_per_iteration, time_per_iteration_min;
  double    kernel_application_min; /* with -bary_time_kernel N: the fastest of N bare applications of the group's kernel */
  double    peak_memory_per_rank;   /* resident set size, the largest rank */
} OTBarycenterResult;

/* On the set-up grid of the inputs (copied; NULL: only to list the options). */
PETSC_EXTERN PetscErrorCode OTBarycenterCreate(OTGrid, OTBarycenter *);
/* The K inputs as fields of the grid (masses per cell, read in SetUp: they must live until then), weights w (NULL:
   uniform; normalised to sum 1). Balanced barycenters normalise each input to mass 1. */
PETSC_EXTERN PetscErrorCode OTBarycenterSetMeasures(OTBarycenter, PetscInt, const double *const[], const double[]);
/* The same, input k made on demand by load(ctx, k, field) (called once per input in SetUp, on every rank): K inputs
   larger than memory allows at once, e.g. read from files one at a time. */
PETSC_EXTERN PetscErrorCode OTBarycenterSetMeasureLoader(OTBarycenter, PetscInt, const double[], PetscErrorCode (*)(void *, PetscInt, double *), void *);
PETSC_EXTERN PetscErrorCode OTBarycenterSetEpsilon(OTBarycenter, double);
PETSC_EXTERN PetscErrorCode OTBarycenterSetRho(OTBarycenter, double); /* <= 0: balanced */
PETSC_EXTERN PetscErrorCode OTBarycenterSetDebias(OTBarycenter, PetscBool);
PETSC_EXTERN PetscErrorCode OTBarycenterSetGroups(OTBarycenter, PetscInt); /* 0: chosen from K, P and memory */
PETSC_EXTERN PetscErrorCode OTBarycenterSetSharpen(OTBarycenter, double);  /* < 0: off; 0: the largest input entropy; > 0: bound (nats) */
PETSC_EXTERN PetscErrorCode OTBarycenterSetEpsScaling(OTBarycenter, PetscBool);
/* the iteration core: tolerances, checkpoints, -restart, the reason (OT_STOPPED_SIGNAL: no results, a checkpoint) */
PETSC_EXTERN PetscErrorCode OTBarycenterGetSolver(OTBarycenter, OTSolver *);
PETSC_EXTERN PetscErrorCode OTBarycenterSetFromOptions(OTBarycenter);
PETSC_EXTERN PetscErrorCode OTBarycenterSetUp(OTBarycenter);
PETSC_EXTERN PetscErrorCode OTBarycenterSolve(OTBarycenter);
PETSC_EXTERN PetscErrorCode OTBarycenterGetResult(OTBarycenter, OTBarycenterResult *);
/* the barycenter (total 1) on a grid of the object's communicator, valid until OTBarycenterDestroy */
PETSC_EXTERN PetscErrorCode OTBarycenterGetBarycenter(OTBarycenter, OTGrid *, const double **);
/* attributes and /density (with the inputs' geometry, XDMF) into an open output file of the object's communicator */
PETSC_EXTERN PetscErrorCode OTBarycenterWriteResults(OTBarycenter, OTH5);
PETSC_EXTERN PetscErrorCode OTBarycenterView(OTBarycenter, PetscViewer);
PETSC_EXTERN PetscErrorCode OTBarycenterDestroy(OTBarycenter *);
