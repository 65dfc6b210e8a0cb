/* otsys.h: otmpi's system layer: version, start-up/shut-down, error reporting, memory checks, signals, progress. */
#pragma once

#include <petscsys.h>
#include <petscversion.h>
#include <stddef.h>

#if PETSC_VERSION_LT(3, 18, 0)
#  error "otmpi needs PETSc >= 3.18"
#endif
#ifndef PETSC_SUCCESS
#  define PETSC_SUCCESS 0
#endif

#define OTMPI_VERSION_MAJOR 0
#define OTMPI_VERSION_MINOR 1
#define OTMPI_VERSION_PATCH 0

/* Exit status of a run that stopped on SIGTERM/SIGUSR1 after writing a checkpoint (EX_TEMPFAIL: "try again"). */
#define OTMPI_EXIT_CHECKPOINTED 75

/* Error code otmpi raises for bad user input that is not an argument range problem (file contents, shapes). */
#define OT_ERR_INPUT PETSC_ERR_FILE_UNEXPECTED

PETSC_EXTERN const char *OTVersion(void);

/* Start-up and shut-down: PETSc, FFTW-MPI, otmpi's error handler and signal handlers. */
PETSC_EXTERN PetscErrorCode OTInitialize(int *, char ***, const char[]);
PETSC_EXTERN PetscErrorCode OTFinalize(void);

/* Memory: estimate before allocating; refuse with "needs X GiB, Y GiB available". */
PETSC_EXTERN PetscErrorCode OTMemoryAvailable(MPI_Comm, double *);
PETSC_EXTERN PetscErrorCode OTMemoryCheck(MPI_Comm, double, const char[]);
PETSC_EXTERN PetscErrorCode OTMemoryPeak(MPI_Comm, double *);
PETSC_EXTERN PetscErrorCode OTFormatBytes(double, char[], size_t);

/* Signals (SIGTERM/SIGUSR1, e.g. Slurm's --signal): solvers checkpoint and stop at the next iteration (otsolver.h). */

/* Progress lines for long-running solvers: one every interval seconds (default OT_PROGRESS_INTERVAL; 0: every update),
   none with -quiet. */
#define OT_PROGRESS_INTERVAL 2.0
typedef struct _p_OTProgress *OTProgress;
PETSC_EXTERN PetscErrorCode   OTProgressCreate(MPI_Comm, const char[], PetscInt, double, OTProgress *);
PETSC_EXTERN PetscErrorCode   OTProgressUpdate(OTProgress, PetscInt, double, const char[]);
PETSC_EXTERN PetscErrorCode   OTProgressSetInterval(OTProgress, double);
/* a new run (stage) from iteration it0 with its max_it and tol; stages left after it, their expected time each (0: unknown) */
PETSC_EXTERN PetscErrorCode OTProgressSetRun(OTProgress, PetscInt, PetscInt, double, PetscInt, double);
PETSC_EXTERN PetscErrorCode OTProgressElapsed(OTProgress, double *);
PETSC_EXTERN PetscErrorCode OTProgressDestroy(OTProgress *);
PETSC_EXTERN PetscErrorCode OTIsQuiet(PetscBool *);
/* PetscPrintf on rank 0 of comm, silent with -quiet: summaries and reports of every command. */
PETSC_EXTERN PetscErrorCode OTPrintf(MPI_Comm, const char[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
