/* barycenter.c: `otmpi barycenter` (not built yet: reports so and fails). */
#include "commands.h"

PetscErrorCode OTCommandBarycenter(PetscInt npos, char **pos)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "otmpi barycenter is not available in this build yet");
}
