/* checkpoint.c: attributes every solver's checkpoint file uses: an int written as int32, and a required attribute whose
   absence is an input error naming the file and the solver. */
#include <otmpi/otio.h>

PetscErrorCode OTCheckpointWriteInt(OTH5 f, const char name[], PetscInt v)
{
  int i = (int) v;

  PetscFunctionBegin;
  PetscCall(OTH5WriteAttribute(f, "/", name, OT_INT32, 1, &i));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCheckpointReadAttribute(MPI_Comm comm, OTH5 f, const char path[], const char kind[], const char name[], OTDataType t, PetscInt n, void *v)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(OTH5ReadAttribute(f, "/", name, t, n, v, &has));
  PetscCheck(has, comm, OT_ERR_INPUT, "-restart %s: attribute %s missing (not a complete %s checkpoint)", path, name, kind);
  PetscFunctionReturn(0);
}
