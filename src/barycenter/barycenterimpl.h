/* barycenterimpl.h: private parts of OTBarycenter: groups x slabs, the inputs of this rank's group, iteration state. */
#pragma once
#include <otmpi/otbarycenter.h>
#include <otmpi/otlog.h>
#include "../kernel/kernelimpl.h"
#include "../core/solverimpl.h"

typedef enum {
  OT_BARY_SCALING, /* slots hold v_k (then K u_k); the kernel is applied in place */
  OT_BARY_LOG      /* slots hold log v_k (then log K u_k); log-sum-exp kernel */
} OTBaryForm;

struct _p_OTBarycenter {
  MPI_Comm comm; /* all ranks */
  char     prefix[64];
  PetscInt K;
  double  *w;
  /* the inputs: load(loadctx, k, field) gives input k in the layout of all ranks (SetMeasures: a copy of fields[k]) */
  PetscErrorCode (*load)(void *, PetscInt, double *);
  void                *loadctx;
  const double *const *fields;
  OTSolver             core;
  double               eps, rho, lambda, sharpen;
  PetscInt             G_req, debias_steps, time_kernel, samples;
  PetscBool            debias, eps_scaling, setup, solved, view;
  double               eps_factor, eps_start, stage_tol;
  PetscInt             stage_max_it;

  /* distribution: group g of G (ranks [g Pg, (g+1) Pg) of comm), rank rg in it; xcomm joins the ranks of equal rg */
  PetscInt          G, Pg, g, nloc, *loc;
  PetscMPIInt       rank, size, rg;
  MPI_Comm          gcomm, xcomm;
  OTGrid            wgrid, ggrid; /* the grid on all ranks (I/O) and on this group */
  const OTGridInfo *wi, *gi;
  OTKernel          K_;
  OTPlaneExchange   toGroup, *fromGroup; /* world slabs -> this group's slabs (one input at a time); group g -> world */
  double            input_entropy_max;

  /* state (group layout): p_k and slot_k per local input; work, barycenter, previous barycenter, sum, debias d */
  double **p, **slot;
  /* over-relaxation (-accel; balanced, no sharpening): u_k and v_k per local input (their logs in the log domain) */
  OTAccel            accel;
  PetscBool          accel_set; /* -accel given (its default depends on -debias) */
  double           **lu, **lv;
  double            *W, *q, *qold, *acc, *d, *qw, *qprev, *ps;
  MPI_Op             logaddop;
  PetscInt           it, stage;
  OTBaryForm         form;
  double             err, change, mass, cur_eps, kernel_min;
  PetscBool          resume, started;
  PetscBool          multiscale; /* -multiscale: warm start from a coarser grid (multiscale.c) */
  double             ms_cells;   /* -multiscale_eps_cells: a coarse level's eps in its squared cells, at least */
  PetscInt           ms_its;     /* the coarser levels' iterations, in units of the next coarser level's */
  PetscBool          ms_pending; /* a signal stopped the coarse level: the checkpoint says so, a restart redoes it */
  OTBarycenterResult res;
};

PETSC_INTERN PetscLogEvent OTBARY_Solve, OTBARY_Iteration, OTBARY_Allreduce, OTBARY_Setup;

PETSC_INTERN PetscErrorCode OTBarycenterStep(void *, OTSolver);
PETSC_INTERN PetscErrorCode OTBarycenterSample(void *, OTSolver);
PETSC_INTERN PetscErrorCode OTBarycenterStageChange(OTBarycenter, OTBaryForm, double, double);
PETSC_INTERN PetscErrorCode OTBarycenterFinish(OTBarycenter);
PETSC_INTERN PetscErrorCode OTBarycenterCheckpointWrite(void *, OTH5);
PETSC_INTERN PetscErrorCode OTBarycenterCheckpointRead(void *, OTH5, const char[]);
PETSC_INTERN PetscErrorCode OTBarycenterToWorld(OTBarycenter, PetscInt, const double *, double *);
PETSC_INTERN PetscErrorCode OTBarycenterFromWorld(OTBarycenter, PetscInt, const double *, double *);

/* input k's field among the local inputs' fields, to and from the world layout (iterate.c) */
PETSC_INTERN PetscErrorCode OTBarycenterInputToWorld(OTBarycenter, double *const *, PetscInt, double *);
PETSC_INTERN PetscErrorCode OTBarycenterInputFromWorld(OTBarycenter, const double *, PetscInt, double *const *, double *);

/* multiscale.c: the coarse-to-fine warm start */
PETSC_INTERN PetscBool      OTBarycenterMultiscaleWanted(OTBarycenter);
PETSC_INTERN PetscBool      OTBarycenterMultiscaleApplies(OTBarycenter, PetscBool, PetscBool);
PETSC_INTERN PetscErrorCode OTBarycenterMultiscale(OTBarycenter);
