/* dynimpl.h: private structures of the dynamic OT solver: the space-time layout, staggered and centred fields, operators. */
#pragma once
#include "../core/solverimpl.h"
#include <otmpi/otdynamic.h>
#include <otmpi/otlog.h>
#include <petscksp.h>

/* Space-time layout. Space is the OTGrid's slab decomposition along axis 0; time is never split: every rank holds the whole
   time line of its cells, time fastest, so a cell field is the C-order array (n0, n1, n2, nt) cut into the same slabs as
   the input densities. This is the layout FFTW-MPI transforms in place (the DCT path), the row order of the PETSc matrix
   (the KSP path), and the only ghost exchanges are of single planes of axis 0.
   Staggered variables U: rho on the nt+1 time faces of each spatial cell (faces 0 and nt hold rho0, rho1); m_k on the
   faces of axis k, stored at the lower face of each cell (the face at index 0 is the wall, always 0; the upper wall is
   implicit); an optional source (Wasserstein–Fisher–Rao) at cell centres. Centred variables V: f, m_k, source at cells. */
typedef struct {
  OTGrid            grid;
  const OTGridInfo *gi;
  MPI_Comm          comm;
  PetscInt          d, nt, nc;        /* space dims, time cells, components (1 + d + wfr) */
  PetscBool         wfr;              /* source component present */
  ptrdiff_t         n[3], S[3];       /* global cells and spatial strides per axis */
  double            h[3], dt, hvol;   /* spacing, time step, cell volume */
  ptrdiff_t         ns, ncell, nrho;  /* local spatial cells, local cells x nt, local cells x (nt+1) */
  ptrdiff_t         ln0, s0, plane;   /* slab: planes, first plane, spatial cells per plane */
  PetscMPIInt       lo, hi;           /* neighbours along axis 0 (MPI_PROC_NULL at walls) */
  double           *glo, *ghi, *ghi2; /* ghost planes (plane*nt) */
  double           *ps;               /* per-plane partial sums: ln0 x OT_DYN_MAXSUMS */
  double           *thomas[4];        /* factors of tridiag(1/4, 3/2, 1/4) along axes 1, 2 and time (index 3) */
  double           *cw[3];            /* Chebyshev work along axis 0 (cell fields) */
  PetscInt          cheb_its;         /* Chebyshev iterations for the axis-0 lines */
} OTSpaceTime;

#define OT_DYN_MAXSUMS 16

/* A field on the space-time grid: component 0 is the density (time faces when stag), 1..d the momentum, d+1 the source. */
typedef struct {
  PetscBool stag;
  double   *c[5];
} OTDynVec;

/* Poisson solver of the continuity projection: solves (-Lap_{t,x} + shift) p = r on the cells, Neumann on every wall, with
   zero mean when shift = 0. r is overwritten (it is the work buffer of the transform). */
typedef struct _p_OTDynPoisson *OTDynPoisson;

/* What a splitting method supplies (its create function, registered with OTDynamicRegister, fills them). */
typedef struct {
  PetscErrorCode (*init)(OTDynamic);                                /* the starting point from the initial path */
  PetscErrorCode (*step)(OTDynamic, PetscBool, double *, double *); /* one iteration; with check, the residuals */
  PetscErrorCode (*path)(OTDynamic, OTDynVec **, OTDynVec **);      /* the path in C and the prox point */
  PetscErrorCode (*view)(OTDynamic, PetscViewer);                   /* its step sizes */
  PetscBool warm; /* its projections are of slowly moving points: the KSP Poisson solves start from the last solution */
} OTDynamicOps;

struct _p_OTDynamic {
  OTGrid       grid;
  OTSpaceTime  st;
  char         type[16], ptype[16];
  OTDynamicOps ops;
  OTDynPoisson poisson;
  OTSolver     core;
  double       delta; /* Fisher–Rao length scale (0: balanced OT) */
  PetscInt     nt, check_every, it;
  PetscBool    setup, have_densities, solved, view;
  double      *in[2];       /* the densities as given (mass per cell), until SetUp */
  double      *rho0, *rho1; /* the boundary densities per unit volume (internal units) */
  double       mass[2], rhomax;
  double       moments[2][4]; /* fingerprint of the inputs, checked on restart */
  /* state, four staggered/centred pairs whose roles depend on the method:
       PD:   (U, V) primal path and dual variable; (Z, ZV) extrapolated path and prox point; (X, XV) saved for residuals
       DR:   (U, V) = w; (Z, ZV) = z = P_graph(w); (X, XV) = y = prox_{gamma G1}(2z - w)
       ALG2: (U, V) = scaled multiplier; (Z, ZV) = graph side; (X, XV) = constraint/energy side
     (T, TV) is work for all. The path in the constraint set C is U (PD) or X (DR, ALG2); the prox point is ZV or XV. */
  OTDynVec        U, V, Z, ZV, X, XV, T, TV;
  OTDynVec       *path, *prox; /* after the solve: the path in C and its prox point */
  double         *p;           /* Poisson potential (the KSP path's warm start) */
  double          pd_sigma, pd_tau, pd_relax, pd_alpha, pd_eta, pd_delta;
  PetscBool       pd_adaptive, dr_adaptive, alg2_adaptive;
  PetscBool       fftw_measure; /* plan the DCT Poisson solve with FFTW_MEASURE (-dyn_fftw_measure) */
  double          dr_alpha, dr_gamma, alg2_r, balance_mu;
  PetscInt        cheb_its;
  OTDynamicResult res;
  PetscLogEvent   ev_iter, ev_poisson, ev_prox, ev_graph, ev_check;
};

/* layout (spacetime.c) */
PETSC_INTERN PetscErrorCode OTSpaceTimeSetUp(OTSpaceTime *, OTGrid, PetscInt, PetscBool);
PETSC_INTERN PetscErrorCode OTSpaceTimeDestroy(OTSpaceTime *);
PETSC_INTERN PetscErrorCode OTSpaceTimeExchange(OTSpaceTime *, const double *, PetscBool, PetscBool);
PETSC_INTERN PetscErrorCode OTSpaceTimeExchangeTo(OTSpaceTime *, const double *, double *, double *);
PETSC_INTERN PetscErrorCode OTSpaceTimeSum(OTSpaceTime *, PetscInt, double[]);
PETSC_INTERN ptrdiff_t      OTDynVecLen(const OTSpaceTime *, const OTDynVec *, PetscInt);
PETSC_INTERN PetscErrorCode OTDynVecCreate(OTSpaceTime *, PetscBool, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynVecDestroy(OTSpaceTime *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynVecCopy(OTSpaceTime *, const OTDynVec *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynVecAXPBY(OTSpaceTime *, double, const OTDynVec *, double, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynVecWAXPBY(OTSpaceTime *, OTDynVec *, double, const OTDynVec *, double, const OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynVecNormsPartial(OTSpaceTime *, const OTDynVec *, const OTDynVec *, double, PetscInt);

/* operators (operators.c) */
PETSC_INTERN PetscErrorCode OTDynInterp(OTSpaceTime *, const OTDynVec *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynInterpAdjoint(OTSpaceTime *, const OTDynVec *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynInterpCombine(OTSpaceTime *, double, const OTDynVec *, double, const OTDynVec *, const OTDynVec *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynInterpAdjointAXPY(OTSpaceTime *, double, const OTDynVec *, const OTDynVec *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynDivergence(OTSpaceTime *, const OTDynVec *, double, double *);
PETSC_INTERN PetscErrorCode OTDynGradientAdd(OTSpaceTime *, const double *, double, double, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynSetBoundary(OTSpaceTime *, const double *, const double *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynInterpNormalSolve(OTSpaceTime *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynGraphProject(OTSpaceTime *, const OTDynVec *, const OTDynVec *, OTDynVec *, OTDynVec *, OTDynVec *, OTDynVec *);

/* pointwise prox (prox.c): (f, m) <- prox_{gamma J}(f, m), J = |m|^2 / (2 f); and the Moreau complement. */
PETSC_INTERN PetscErrorCode OTDynProxJ(OTSpaceTime *, double, const OTDynVec *, OTDynVec *);
PETSC_INTERN PetscErrorCode OTDynProxMoreau(OTSpaceTime *, double, OTDynVec *, OTDynVec *);
PETSC_INTERN void           OTDynProxJPoints(ptrdiff_t, PetscInt, double, double *const[], double *const[], PetscInt *);
PETSC_INTERN PetscErrorCode OTDynEnergy(OTSpaceTime *, const OTDynVec *, double *, double *);

/* Poisson (poisson.c, poisson_dct.c, poisson_ksp.c) */
PETSC_EXTERN PetscErrorCode OTDynPoissonRegister(const char[], PetscErrorCode (*)(OTDynPoisson));
PETSC_INTERN PetscErrorCode OTDynPoissonRegisterAll(void);
PETSC_INTERN PetscErrorCode OTDynPoissonCheckType(const char[]);
PETSC_INTERN PetscErrorCode OTDynPoissonCreate(OTSpaceTime *, OTDynamicPoissonType, double, PetscBool, PetscBool, OTDynPoisson *);
PETSC_INTERN PetscErrorCode OTDynPoissonGetWork(OTDynPoisson, double **);
PETSC_INTERN PetscErrorCode OTDynPoissonSolve(OTDynPoisson, double *, double *);
PETSC_INTERN PetscErrorCode OTDynPoissonGetStats(OTDynPoisson, PetscInt *, PetscInt *, double *);
PETSC_INTERN PetscErrorCode OTDynPoissonView(OTDynPoisson, PetscViewer);
PETSC_INTERN PetscErrorCode OTDynPoissonDestroy(OTDynPoisson *);
PETSC_INTERN PetscErrorCode OTDynProjectC(OTSpaceTime *, OTDynPoisson, const double *, const double *, double, double *, OTDynVec *);

/* methods (methods.c) and files (dynio.c) */
PETSC_INTERN PetscErrorCode OTDynamicInitState(OTDynamic);
PETSC_INTERN PetscErrorCode OTDynamicCreate_PD(OTDynamic);
PETSC_INTERN PetscErrorCode OTDynamicCreate_DR(OTDynamic);
PETSC_INTERN PetscErrorCode OTDynamicCreate_ALG2(OTDynamic);
PETSC_INTERN PetscErrorCode OTDynamicStep(void *, OTSolver);
PETSC_INTERN PetscErrorCode OTDynamicGetPath(OTDynamic, OTDynVec **, OTDynVec **);
PETSC_INTERN PetscErrorCode OTDynamicPathEnergy(OTDynamic, double *, double *, double *);
PETSC_INTERN PetscErrorCode OTDynamicCheckpointWrite(void *, OTH5);
PETSC_INTERN PetscErrorCode OTDynamicCheckpointRead(void *, OTH5, const char[]);
