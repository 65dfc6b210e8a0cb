/* sinkhorn.c: `otmpi sinkhorn` (not built yet: reports so and fails). */
#include "commands.h"

PetscErrorCode OTCommandSinkhorn(PetscInt npos, char **pos)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "otmpi sinkhorn is not available in this build yet");
}
