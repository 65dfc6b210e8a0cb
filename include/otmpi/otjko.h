/* otjko.h: Wasserstein gradient flows on grids by entropic JKO steps (Peyre 2015), distributed over slabs. */
#pragma once
#include <otmpi/otkernel.h>
#include <otmpi/otsolver.h>

/* The flow of a density rho (cell masses m_i, rho = m_i / |cell|, mass kept) down the energy
     F(rho) = D int rho log rho + C int rho^M / (M - 1) + int V rho + iota{rho <= kappa} + iota{rho = 0 on walls}
   by JKO steps of length h: rho_{n+1} = argmin W2^2(rho, rho_n) / (2h) + F(rho). Each step is solved entropically
   (W2^2 replaced by the entropic cost with blur gamma, Gibbs kernel exp(-|x-y|^2/gamma)) by scaling iterations that
   apply only the grid's kernel: b = rho_n / K^T a, a = prox^KL_{(2h/gamma) F}(K b) / K b, in the log domain; the
   pointwise proximal map is closed-form except with the porous term (a scalar Newton solve per cell). The iterations
   of a step start from the previous step's potentials (-jko_warm_start). Each step is one iteration of the solver
   core (checkpoint after each, -restart, signals); -tol / -max_it bound each step's inner iterations. */
typedef struct _p_OTJKO *OTJKO;

typedef struct {
  PetscInt  steps, saved; /* steps done, frames kept */
  PetscInt  inner_total, inner_max;
  PetscBool converged;      /* every step's inner iterations reached -tol */
  double    marginal_error; /* the largest final inner error of a step (L1 of rho_n's marginal, relative to the mass) */
  double    mass, energy, energy_initial, max_density;
  double    tau, gamma, time; /* tau = h, the JKO step */
  double    time_per_step, bytes_per_rank, peak_memory_per_rank;
} OTJKOResult;

/* On a set-up grid (NULL: only to list the options with -help). */
PETSC_EXTERN PetscErrorCode OTJKOCreate(OTGrid, OTJKO *);
PETSC_EXTERN PetscErrorCode OTJKOSetInitial(OTJKO, const double *);    /* rho_0 as cell masses (copied) */
PETSC_EXTERN PetscErrorCode OTJKOSetPotential(OTJKO, const double *);  /* V at the cell centres (copied; NULL: none) */
PETSC_EXTERN PetscErrorCode OTJKOSetObstacle(OTJKO, const double *);   /* walls where > 0 (copied; NULL: none) */
PETSC_EXTERN PetscErrorCode OTJKOSetTimeStep(OTJKO, double, PetscInt); /* h and the number of steps */
PETSC_EXTERN PetscErrorCode OTJKOSetGamma(OTJKO, double);              /* <= 0: the default, 4 h_max^2 */
/* the energy's terms (the options -jko_entropy, -jko_porous, -jko_potential_quadratic, -jko_kappa override them) */
PETSC_EXTERN PetscErrorCode OTJKOSetEntropy(OTJKO, double);                            /* D */
PETSC_EXTERN PetscErrorCode OTJKOSetPorous(OTJKO, double, double);                     /* M > 1, C > 0 */
PETSC_EXTERN PetscErrorCode OTJKOSetPotentialQuadratic(OTJKO, double, const double[]); /* k, a (dim values) */
PETSC_EXTERN PetscErrorCode OTJKOSetCongestion(OTJKO, double);                         /* kappa (0: none) */
PETSC_EXTERN PetscErrorCode OTJKOGetSolver(OTJKO, OTSolver *);
PETSC_EXTERN PetscErrorCode OTJKOGetKernel(OTJKO, OTKernel *);
PETSC_EXTERN PetscErrorCode OTJKOSetFromOptions(OTJKO);
PETSC_EXTERN PetscErrorCode OTJKOSetUp(OTJKO);
PETSC_EXTERN PetscErrorCode OTJKOSolve(OTJKO);
PETSC_EXTERN PetscErrorCode OTJKOGetResult(OTJKO, OTJKOResult *);
/* the current density (cell masses), valid until the next step or OTJKODestroy */
PETSC_EXTERN PetscErrorCode OTJKOGetDensity(OTJKO, const double **);
/* /rho (the saved steps, attribute times), /energy, /inner_iterations, attributes, XDMF; and a PNG montage */
PETSC_EXTERN PetscErrorCode OTJKOWriteResults(OTJKO, OTH5);
PETSC_EXTERN PetscErrorCode OTJKOWriteMontage(OTJKO, const char[]);
PETSC_EXTERN PetscErrorCode OTJKOView(OTJKO, PetscViewer);
PETSC_EXTERN PetscErrorCode OTJKODestroy(OTJKO *);
