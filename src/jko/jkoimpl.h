/* jkoimpl.h: private parts of OTJKO: the object, the pointwise proximal map of the energy, the inner iterations, the
   frames kept for the output and the checkpoint. */
#pragma once
#include <otmpi/otjko.h>
#include <otmpi/otlog.h>
#include "../core/solverimpl.h"
#include <math.h>

/* The KL proximal map of sigma F at one cell, sigma = 2h/gamma, in logs (see prox.c):
   y = log p solves (1 + sigma D) y + B e^{(M-1)(y - lc)} = log s + sigma D (lc - 1) - sigma V, capped at log(kappa |cell|). */
/* The kernel of a domain with walls (walls.c): log domain, not symmetric (transpose: the passes reversed). */
typedef struct _p_OTJKOWalls *OTJKOWalls;
PETSC_INTERN PetscErrorCode   OTJKOWallsBytes(OTGrid, double *);
PETSC_INTERN PetscErrorCode   OTJKOWallsCreate(OTGrid, const unsigned char *, double, PetscBool, OTJKOWalls *);
PETSC_INTERN PetscErrorCode   OTJKOWallsApply(OTJKOWalls, OTGrid, const double *, double *, double *, PetscBool);
PETSC_INTERN PetscErrorCode   OTJKOWallsGetReach(OTJKOWalls, ptrdiff_t[3]);
PETSC_INTERN PetscErrorCode   OTJKOWallsDestroy(OTJKOWalls *);

typedef struct {
  double    sigma, D, M, C;
  double    A, B, lc;     /* 1 + sigma D, sigma C M / (M - 1), log |cell| */
  double    alpha, logBa; /* A / (M - 1), log(B / alpha) */
  double    ycap;         /* log(kappa |cell|), or +inf */
  double    shift;        /* sigma D (lc - 1), the constant of the right-hand side */
  PetscBool porous;
} OTJKOProx;

struct _p_OTJKO {
  MPI_Comm          comm;
  char              prefix[64];
  OTGrid            grid;
  const OTGridInfo *gi;
  OTKernel          K;
  OTSolver          core;
  /* the flow */
  double    tau, gamma, D, M, C, kappa, quad[4];
  PetscInt  steps, save_every, nquad;
  PetscBool warm, setup, view;
  double    cellvol, mass, free_volume;
  OTJKOProx prox;
  /* fields (alloc doubles): rho_n and its log, the potentials log a, log b, the kernel's work field, log p */
  double        *q, *lq, *la, *lb, *w, *lp, *V;
  unsigned char *wall;
  OTJKOWalls     walls; /* with -obstacle: the kernel that does not cross them (and its scratch field) */
  double        *wbuf;
  PetscBool      valid; /* la, lb hold the previous step's potentials */
  OTAccel        acc;   /* over-relaxation of the inner iterations (-jko_accel), afresh each step */
  /* the run: step n, per step (0..steps) energy, inner iterations and final inner error; frames kept */
  PetscInt  step, nframes, maxframes;
  double   *energy, *errs, *frames, *ftimes;
  PetscInt *inner, *fstep;
  double   *ps; /* plane sums */
  PetscBool all_converged;
  double    time, bytes;
};

PETSC_INTERN PetscLogEvent OTJKO_Step, OTJKO_Prox, OTJKO_Kernel;

PETSC_INTERN PetscErrorCode OTJKOProxSetUp(OTJKO);
PETSC_INTERN PetscErrorCode OTJKOProxPass(OTJKO, double, ptrdiff_t, ptrdiff_t);
PETSC_INTERN PetscErrorCode OTJKOEnergy(OTJKO, const double *, double *);
PETSC_INTERN void           OTJKOLogDensity(OTJKO);
PETSC_INTERN PetscErrorCode OTJKORestoreMass(OTJKO, double *);
PETSC_INTERN PetscErrorCode OTJKOStep(void *, OTSolver);
PETSC_INTERN PetscErrorCode OTJKOKeepFrame(OTJKO, PetscInt);
PETSC_INTERN PetscErrorCode OTJKOFrameStorage(OTJKO, PetscInt);
PETSC_INTERN PetscInt       OTJKOFramesFrom(OTJKO, PetscInt);
PETSC_INTERN PetscErrorCode OTJKOCheckpointWrite(void *, OTH5);
PETSC_INTERN PetscErrorCode OTJKOCheckpointRead(void *, OTH5, const char[]);
