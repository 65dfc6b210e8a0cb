/* dynamic.c: `otmpi dynamic` (not built yet: reports so and fails). */
#include "commands.h"

PetscErrorCode OTCommandDynamic(PetscInt npos, char **pos)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "otmpi dynamic is not available in this build yet");
}
