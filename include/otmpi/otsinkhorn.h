/* otsinkhorn.h: entropic optimal transport between two densities on one grid (convolutional Sinkhorn), distributed. */
#pragma once
#include <otmpi/otkernel.h>
#include <otmpi/otio.h>
#include <otmpi/otsolver.h>

/* Problem: min_P <C, P> + eps KL(P | a (x) b) over couplings P >= 0 of a and b (balanced: inputs normalised to mass 1), or
   with the marginal constraints replaced by rho KL(P 1 | a) + rho KL(P^T 1 | b) (unbalanced, -rho). C = |x - y|^2, the
   Gibbs kernel is an OTKernel. Solved in scaling form (u, v) on the FFT kernels and in the log domain (f/eps, g/eps) on the
   banded kernel, with optional eps-scaling (geometric schedule from the grid's diameter^2, warm starts through the
   potentials, the kernel chosen again per eps under -kernel auto).
   Potentials f, g are those of the product reference a (x) b, extended everywhere as soft c-transforms:
     f(x) = -lambda eps log sum_y b(y) exp((g(y) - |x - y|^2)/eps), lambda = rho/(rho + eps) (1 when balanced),
   so the plan is P(x, y) = a(x) b(y) exp((f(x) + g(y) - |x - y|^2)/eps) and, at convergence, OT_eps = <a, f> + <b, g>. */
typedef struct _p_OTSinkhorn *OTSinkhorn;

typedef struct {
  double    epsilon;
  PetscInt  iterations;     /* of the OT(a, b) problem, over all eps stages */
  PetscBool converged;      /* the marginal error (balanced) or potential change (unbalanced) reached -tol */
  double    marginal_error; /* ||P 1 - a||_1 + ||P^T 1 - b||_1 of the returned plan */
  double    transport_cost; /* <C, P> */
  double    entropic_cost;  /* the regularised objective of the returned plan, OT_eps(a, b) */
  double    mass;           /* total mass of P */
  double    mass_a, mass_b; /* of the inputs (1 when balanced) */
  PetscBool debias;
  double    sinkhorn_divergence;                /* OT(a,b) - OT(a,a)/2 - OT(b,b)/2 (+ eps (m_a - m_b)^2 / 2 when unbalanced) */
  double    entropic_cost_aa, entropic_cost_bb; /* the self terms */
  PetscInt  iterations_aa, iterations_bb;
  double    time;
  double    time_per_iteration;     /* mean wall time of one iteration (two kernel applications and the fused passes) */
  double    time_per_iteration_min; /* the fastest iteration (what the code does when the node is not shared) */
  double    kernel_application_min; /* with -sinkhorn_time_kernel N: the fastest of N bare kernel applications (else 0) */
  PetscInt  potential_floor;        /* cells outside the supports where an FFT kernel could not resolve the potential */
  double    coarse_iterations;      /* -multiscale: the coarser levels' iterations in units of this grid's (a coarse cell is 2^d fine ones) */
} OTSinkhornResult;

/* Every solver is made on the OTGrid of its inputs (NULL: only to list its options) and takes them as fields in memory. */
PETSC_EXTERN PetscErrorCode OTSinkhornCreate(OTGrid, OTSinkhorn *);
PETSC_EXTERN PetscErrorCode OTSinkhornSetOptionsPrefix(OTSinkhorn, const char[]);
/* a, b: non-negative masses per cell on the solver's grid (copied). */
PETSC_EXTERN PetscErrorCode OTSinkhornSetMeasures(OTSinkhorn, const double *, const double *);
PETSC_EXTERN PetscErrorCode OTSinkhornSetEpsilon(OTSinkhorn, double);
PETSC_EXTERN PetscErrorCode OTSinkhornSetRho(OTSinkhorn, double); /* <= 0: balanced */
PETSC_EXTERN PetscErrorCode OTSinkhornSetDebias(OTSinkhorn, PetscBool);
PETSC_EXTERN PetscErrorCode OTSinkhornSetEpsScaling(OTSinkhorn, PetscBool);
PETSC_EXTERN PetscErrorCode OTSinkhornSetSaveMap(OTSinkhorn, PetscBool);
PETSC_EXTERN PetscErrorCode OTSinkhornGetKernel(OTSinkhorn, OTKernel *);
/* the iteration core: tolerances, checkpoints, -restart, the reason (OT_STOPPED_SIGNAL: no results, a checkpoint) */
PETSC_EXTERN PetscErrorCode OTSinkhornGetSolver(OTSinkhorn, OTSolver *);
PETSC_EXTERN PetscErrorCode OTSinkhornSetFromOptions(OTSinkhorn);
PETSC_EXTERN PetscErrorCode OTSinkhornSetUp(OTSinkhorn);
PETSC_EXTERN PetscErrorCode OTSinkhornSolve(OTSinkhorn);
PETSC_EXTERN PetscErrorCode OTSinkhornGetResult(OTSinkhorn, OTSinkhornResult *);
PETSC_EXTERN PetscErrorCode OTSinkhornGetPotentials(OTSinkhorn, const double **, const double **);
/* the barycentric projection T(x) = sum_y P(x, y) y / sum_y P(x, y), d components per cell (-save_map), or NULL */
PETSC_EXTERN PetscErrorCode OTSinkhornGetMap(OTSinkhorn, const double **);
/* results as the contract's attributes and datasets (/f, /g, /map) into an open output file */
PETSC_EXTERN PetscErrorCode OTSinkhornWriteResults(OTSinkhorn, OTH5);
PETSC_EXTERN PetscErrorCode OTSinkhornView(OTSinkhorn, PetscViewer);
PETSC_EXTERN PetscErrorCode OTSinkhornDestroy(OTSinkhorn *);
