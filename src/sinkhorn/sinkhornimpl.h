/* sinkhornimpl.h: private parts of OTSinkhorn: the object, one problem of a solve (OT(a,b) or a self term), the kernels
   of the fused iteration loops, evaluation and checkpoints. */
#pragma once
#include <otmpi/otsinkhorn.h>
#include <otmpi/otlog.h>
#include "../core/solverimpl.h"
#include "../kernel/kernelimpl.h"
#include <math.h>

typedef enum {
  OT_FORM_SCALING, /* state: the scaling v (or u for a self term); kernel applied to fields in place */
  OT_FORM_LOG      /* state: g/eps (or f/eps); log-sum-exp kernel */
} OTSinkForm;

/* One entropic problem of a solve: OT(a, b), or the symmetric OT(a, a) of the debiased divergence (sym, b = a). */
typedef struct {
  const char   *name;
  const double *a, *b, *loga, *logb;
  double        ma, mb;
  PetscBool     sym;
  double       *f, *g; /* potentials (g = f for sym) */
  PetscInt      it;
  PetscBool     converged, done;
  double        err;
  double        marginal, transport, entropic, mass;
  PetscInt      floor;
} OTSinkProblem;

struct _p_OTSinkhorn {
  MPI_Comm          comm;
  char              prefix[64];
  OTGrid            grid;
  const OTGridInfo *gi;
  OTKernel          K;
  OTSolver          core;
  double            eps, rho, lambda;
  PetscBool         debias, eps_scaling, save_map, setup, solved, view;
  double            eps_factor, eps_start, stage_tol;
  PetscInt          stage_max_it;
  PetscInt          time_kernel, samples;
  double           *a, *b, *loga, *logb, *fab, *gab, *faa, *fbb, *st, *w1, *w2, *w3, *map;
  OTSinkProblem     prob[3];
  PetscInt          nprob;
  OTSinkhornResult  res;
  double            kernel_min; /* the fastest bare kernel application, sampled between the first time_kernel iterations */
  const char       *last_kernel;
  /* what the iterations run on: the problem, its eps stage, form and eps, plane sums */
  OTSinkProblem *cur;
  OTAccel        acc; /* over-relaxation of OT(a, b) (-accel) */
  double        *fo;  /* its half-state: u (scaling form) or log u (log domain) */
  PetscInt       stage;
  OTSinkForm     form;
  double         cur_eps, *ps;
  /* where a restart resumes: problem, stage and form of the state read from the checkpoint */
  PetscBool  resume;
  PetscInt   r_prob, r_stage;
  OTSinkForm r_form;
  /* the coarse-to-fine warm start (multiscale.c) */
  PetscBool multiscale; /* -multiscale */
  double    ms_cells;   /* -multiscale_eps_cells: a coarse level's eps in its squared cells, at least */
  PetscBool ms_pending; /* a signal stopped the coarse level: the checkpoint says so, a restart redoes it */
  double    omega_ab;   /* the over-relaxation's last w in OT(a, b): where the next finer level starts */
};

PETSC_INTERN PetscLogEvent OTSINKHORN_Solve, OTSINKHORN_Iteration, OTSINKHORN_Reduce, OTSINKHORN_Evaluate;

PETSC_INTERN PetscErrorCode OTSinkhornStateFromPotentials(OTSinkhorn, OTSinkProblem *, OTSinkForm, double);
PETSC_INTERN PetscErrorCode OTSinkhornPrime(OTSinkhorn);
PETSC_INTERN PetscErrorCode OTSinkhornStep(void *, OTSolver);
PETSC_INTERN PetscErrorCode OTSinkhornSample(void *, OTSolver);
PETSC_INTERN PetscErrorCode OTSinkhornEvaluate(OTSinkhorn, OTSinkProblem *, OTSinkForm, double, PetscBool);
PETSC_INTERN PetscErrorCode OTSinkhornComputeMap(OTSinkhorn, OTSinkProblem *, OTSinkForm, double);
PETSC_INTERN PetscErrorCode OTSinkhornPlaneSums(OTSinkhorn, PetscInt, const double *, double *);
PETSC_INTERN PetscErrorCode OTSinkhornCheckpointWrite(void *, OTH5);
PETSC_INTERN PetscErrorCode OTSinkhornCheckpointRead(void *, OTH5, const char[]);
PETSC_INTERN PetscBool      OTSinkhornMultiscaleWanted(OTSinkhorn);
PETSC_INTERN PetscErrorCode OTSinkhornMultiscaleApplies(OTSinkhorn, PetscBool, PetscBool *);
PETSC_INTERN PetscErrorCode OTSinkhornMultiscale(OTSinkhorn);
