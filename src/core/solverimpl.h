/* solverimpl.h: private parts of OTSolver, the iteration core: the ops a solver supplies (its step, its checkpoint
   fields) and the state the core keeps for it. A new solver fills OTSolverOps and calls OTSolverIterate. */
#pragma once
#include <otmpi/otsolver.h>
#include <otmpi/otlog.h>
#include "../io/checkpoint.h"

typedef struct {
  /* one iteration: may set core->err with core->tested (a fresh residual: tested against the tolerance, reported),
     core->extra (the progress line's details) and core->reason (the step ends the run itself, e.g. stalled) */
  PetscErrorCode (*step)(void *, OTSolver);
  /* optional, after the timed step and outside its timing: samples for benchmarks (a bare kernel application) */
  PetscErrorCode (*sample)(void *, OTSolver);
  /* the solver's settings and fields into an open checkpoint, and back (checking the settings) */
  PetscErrorCode (*checkpoint)(void *, OTH5);
  PetscErrorCode (*restart)(void *, OTH5, const char[]);
} OTSolverOps;

struct _p_OTSolver {
  MPI_Comm          comm, pcomm; /* pcomm: a duplicate for the nonblocking signal polls */
  char              name[32], prefix[64];
  void             *ctx;
  OTSolverOps       ops;
  double            tol;
  PetscInt          max_it, min_it;
  PetscInt         *it, limit, itotal; /* the run's counter (the solver's, continued over its stages), the run's limit, all iterations */
  double            err;
  PetscBool         tested;
  char              label[160], extra[192];
  OTConvergedReason reason;
  char              ckpt[PETSC_MAX_PATH_LEN], restart[PETSC_MAX_PATH_LEN];
  PetscInt          ckpt_every, ckpt_last;
  MPI_Request       req;
  int               sig_local, sig_any;
  PetscBool         pending, monitor, setup;
  PetscBool         nested;   /* runs inside another solve (a coarse level): a signal stops it without a checkpoint */
  double            interval; /* seconds between progress lines (-progress_interval; -monitor: every iteration) */
  PetscLogEvent     ev_step, ev_ckpt;
  OTProgress        progress;
  double            time, time_min;           /* wall time in steps, the fastest step */
  PetscInt          count;                    /* steps timed */
  PetscInt          plimit;                   /* > 0: the progress line's ETA counts iterations to this (a run of fixed length) */
  const char       *help_tol, *help_max_it;   /* what -tol and -max_it bound, for -help (NULL: the iterations') */
  PetscInt          stages_left, stages_done; /* runs (stages, problems) still to come after this one, and done */
  double            stage_time;               /* wall time of the runs done */
};

/* Whether the last run ended on a signal (checkpoint written, no results). */
static inline PetscBool OTSolverStopped(OTSolver c)
{
  return (PetscBool) (c->reason == OT_STOPPED_SIGNAL);
}

PETSC_INTERN PetscErrorCode OTSolverCreate(MPI_Comm, const char[], void *, const OTSolverOps *, OTSolver *);
PETSC_INTERN PetscErrorCode OTSolverSetOptionsPrefix(OTSolver, const char[]);
PETSC_INTERN PetscErrorCode OTSolverSetStepEvent(OTSolver, PetscLogEvent);
PETSC_INTERN PetscErrorCode OTSolverSetProgressLength(OTSolver, PetscInt);
PETSC_INTERN PetscErrorCode OTSolverSetStagesLeft(OTSolver, PetscInt);
PETSC_INTERN PetscErrorCode OTSolverSetToleranceHelp(OTSolver, const char[], const char[]);
PETSC_INTERN PetscErrorCode OTSolverBegin(OTSolver, PetscBool *);
PETSC_INTERN PetscErrorCode OTSolverIterate(OTSolver, PetscInt *, PetscInt, double, const char[]);
PETSC_INTERN PetscErrorCode OTSolverEnd(OTSolver);
PETSC_INTERN PetscErrorCode OTSolverStopNow(OTSolver);
PETSC_INTERN PetscErrorCode OTSolverSetResidual(OTSolver, double);
PETSC_INTERN PetscErrorCode OTSolverSetConvergedReason(OTSolver, OTConvergedReason);
PETSC_INTERN PetscErrorCode OTSolverDestroy(OTSolver *);
PETSC_INTERN PetscErrorCode OTOptionsAlias(const char[], PetscInt, const char *const[]);
PETSC_INTERN PetscErrorCode OTEpsSchedule(double, double, double, PetscInt *, double **);

/* The safeguarded over-relaxation of alternating iterations (accel.c): x <- (1 - omega) x + omega T(x). */
typedef struct {
  PetscBool on;                        /* -X_accel */
  double    omega;                     /* the next iteration's relaxation (1: plain) */
  double    start;                     /* the w a reset starts from: a coarse level's last (0: measure it, from w = 1) */
  double    prev, ratio, best, first;  /* the last residual, the last ratio of residuals, the best residual, the first */
  PetscInt  settle, backoffs, refines; /* consecutive settled ratios; times omega was pulled back; raised */
  PetscBool valid;                     /* the solver's relaxed half-state is set (else the first half-step is plain) */
} OTAccel;
PETSC_INTERN PetscErrorCode OTAccelReset(OTAccel *);
PETSC_INTERN PetscErrorCode OTAccelUpdate(OTAccel *, double);
PETSC_INTERN PetscErrorCode OTAccelWrite(const OTAccel *, OTH5);
PETSC_INTERN PetscErrorCode OTAccelRead(OTAccel *, OTH5);
