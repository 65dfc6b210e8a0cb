/* sysimpl.h: the system layer's plumbing between the library and bin/otmpi (not installed): the command line, the
   error report and exit status, files removed on failure, input guards, signals, option helpers of the drivers. */
#pragma once
#include <otmpi/otsys.h>

PETSC_EXTERN PetscErrorCode OTSetCommandLine(int, char **);
PETSC_EXTERN const char    *OTGetCommandLine(void);

/* Errors: otmpi's error handler records the first message; drivers report it as one `otmpi: error:` line. */
PETSC_EXTERN PetscErrorCode OTErrorReport(PetscErrorCode);
PETSC_EXTERN void           OTSetExitStatus(int);
PETSC_EXTERN int            OTGetExitStatus(void);
PETSC_EXTERN const char    *OTErrorMessage(void);
PETSC_INTERN PetscErrorCode OTErrorHandlerPush(void);
PETSC_INTERN PetscErrorCode OTLogEventsRegister(void);

/* Files that must not survive a failure (outputs being written); removed by OTCleanupFiles(). */
PETSC_EXTERN PetscErrorCode OTCleanupRegister(const char[]);
PETSC_EXTERN PetscErrorCode OTCleanupUnregister(const char[]);
PETSC_EXTERN void           OTCleanupFiles(void);
PETSC_EXTERN void           OTCleanupFilesUnsafe(void);
/* While an input file is parsed: a fault in its reader becomes one error line naming the file (guard.c). */
PETSC_EXTERN PetscErrorCode OTInputGuardPush(const char[]);
PETSC_EXTERN PetscErrorCode OTInputGuardPop(void);

/* Signals (SIGTERM/SIGUSR1, e.g. Slurm's --signal): the iteration core polls the flag and checkpoints; commands that do
   not checkpoint stop at once. */
PETSC_EXTERN PetscErrorCode OTSignalInstall(void);
PETSC_EXTERN PetscErrorCode OTSignalSetCheckpointing(PetscBool);
PETSC_INTERN PetscErrorCode OTSignalHold(void);
PETSC_INTERN PetscErrorCode OTSignalMask(PetscBool);
PETSC_INTERN int            OTSignalPending(void);

/* Options helpers: byte sizes (-memory_limit 2GiB), comma lists of unknown length, the end-of-run unused-option report. */
PETSC_EXTERN PetscErrorCode OTParseBytes(const char[], double *, PetscBool *);
PETSC_EXTERN PetscErrorCode OTStringSplit(const char[], PetscInt *, char ***);
PETSC_EXTERN PetscErrorCode OTStringListDestroy(PetscInt *, char ***);
PETSC_EXTERN PetscErrorCode OTReportUnusedOptions(MPI_Comm);
