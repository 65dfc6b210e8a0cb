/* otsolver.h: OTSolver, the iteration core every otmpi solver runs on, as KSP is for PETSc's linear solvers: it owns the
   tolerances (-tol, -max_it, -min_it), the convergence reason, the progress line and -monitor, the signal polls, the
   checkpoints (-checkpoint, -checkpoint_every) and -restart; a solver supplies only its step and its checkpoint fields.
   Get a solver's core with OTSinkhornGetSolver(), OTBarycenterGetSolver(), OTDynamicGetSolver() or OTSDGetSolver(). */
#pragma once
#include <otmpi/otsys.h>
#include <otmpi/otio.h>

typedef struct _p_OTSolver *OTSolver;

/* Why the iteration ended (positive: converged, negative: not). Written as the output attribute `reason`. */
typedef enum {
  OT_ITERATING        = 0,
  OT_CONVERGED_TOL    = 2,  /* the residual reached -tol (after -min_it iterations) */
  OT_DIVERGED_ITS     = -3, /* -max_it iterations without reaching -tol */
  OT_DIVERGED_STALLED = -4, /* no step reduces the residual any more (its round-off floor) */
  OT_STOPPED_SIGNAL   = -5  /* SIGTERM/SIGUSR1: checkpoint written, exit status OTMPI_EXIT_CHECKPOINTED, no output */
} OTConvergedReason;

PETSC_EXTERN const char *OTConvergedReasonName(OTConvergedReason);

/* Reads -PREFIXtol -PREFIXmax_it -PREFIXmin_it (aliases -tol -max_it -min_it), -checkpoint, -checkpoint_every, -restart;
   SetUp checks them (the checkpoint's directory must be writable). The solver's own SetFromOptions/SetUp call these. */
PETSC_EXTERN PetscErrorCode OTSolverSetFromOptions(OTSolver);
PETSC_EXTERN PetscErrorCode OTSolverSetUp(OTSolver);
PETSC_EXTERN PetscErrorCode OTSolverSetTolerances(OTSolver, double, PetscInt);
PETSC_EXTERN PetscErrorCode OTSolverGetTolerances(OTSolver, double *, PetscInt *);
PETSC_EXTERN PetscErrorCode OTSolverSetMinIterations(OTSolver, PetscInt);
/* The checkpoint file (empty: none; a signal then is an error) and the cadence (every N iterations; 0: on a signal only). */
PETSC_EXTERN PetscErrorCode OTSolverSetCheckpoint(OTSolver, const char[], PetscInt);
/* Continue from this checkpoint (made at any rank count): read when the solve starts, after the solver's set-up. */
PETSC_EXTERN PetscErrorCode OTSolverSetRestart(OTSolver, const char[]);
/* the checkpoint file and the -restart file (empty: none) */
PETSC_EXTERN PetscErrorCode OTSolverGetCheckpoint(OTSolver, const char **, const char **);
PETSC_EXTERN PetscErrorCode OTSolverGetConvergedReason(OTSolver, OTConvergedReason *);
/* Iterations of the whole solve (all problems and stages), the mean and the fastest wall time of one iteration. */
PETSC_EXTERN PetscErrorCode OTSolverGetTiming(OTSolver, PetscInt *, double *, double *);
/* The attribute `reason` (and the timing attributes) of an output file. */
PETSC_EXTERN PetscErrorCode OTSolverWriteResults(OTSolver, OTH5);
PETSC_EXTERN PetscErrorCode OTSolverView(OTSolver, PetscViewer);
