/* commands.h: the commands of bin/otmpi (one file each in drivers/) and what they share. */
#pragma once
#include <otmpi/otmpi.h>
#include "../src/io/checkpoint.h"

/* A command gets the positional arguments that followed its name (e.g. `otmpi info FILE`); options are in PETSc's database. */
typedef PetscErrorCode (*OTCommandFn)(PetscInt, char **);

typedef struct {
  const char *name;
  OTCommandFn run;
  const char *summary;
  PetscBool   checkpoints; /* polls SIGTERM/SIGUSR1 and checkpoints; other commands just stop on them */
} OTCommand;

PetscErrorCode OTCommandGen(PetscInt, char **);
PetscErrorCode OTCommandInfo(PetscInt, char **);
PetscErrorCode OTCommandConvert(PetscInt, char **);
PetscErrorCode OTCommandSinkhorn(PetscInt, char **);
PetscErrorCode OTCommandBarycenter(PetscInt, char **);
PetscErrorCode OTCommandDynamic(PetscInt, char **);
PetscErrorCode OTCommandSemidiscrete(PetscInt, char **);
PetscErrorCode OTCommandJKO(PetscInt, char **);

/* -help: commands list their options (with defaults) and stop before doing any work. */
PetscErrorCode OTDriverHelpRequested(PetscBool *);
/* -o (required unless help), checked for writability at start; -png optional. */
PetscErrorCode OTDriverOutputOptions(PetscOptionItems *, const char[], char[], size_t, char[], size_t, PetscBool *);
/* The solver commands: the checkpoint's default name next to -o (OUT.checkpoint.h5; -checkpoint overrides it), and the
   line that says a solve ended at its iteration limit. */
PetscErrorCode OTDriverSolverDefaults(OTSolver, const char[]);
PetscErrorCode OTDriverNotConverged(OTSolver, const char[]);
