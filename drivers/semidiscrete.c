/* semidiscrete.c: `otmpi semidiscrete` (not built yet: reports so and fails). */
#include "commands.h"

PetscErrorCode OTCommandSemidiscrete(PetscInt npos, char **pos)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "otmpi semidiscrete is not available in this build yet");
}
