/* checkpoint.c: the one checkpoint format every solver writes and reads. A checkpoint is an OTH5 file (atomic, readable
   at any rank count) whose root carries otmpi_checkpoint = the command that wrote it, iteration = where the solve stands
   (what a restart resumes from), otmpi_version (every OTH5 file), the settings that must match on restart, and the
   solver's own fields and attributes. Absent or mismatched attributes are input errors naming the file. */
#include "checkpoint.h"

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

/* Opens checkpoint `path` for writing (committed with OTH5Commit) with its common attributes. */
PetscErrorCode OTCheckpointCreate(MPI_Comm comm, const char path[], const char command[], PetscInt iteration, OTH5 *f)
{
  PetscFunctionBegin;
  PetscCall(OTH5Create(comm, path, f));
  PetscCall(OTH5WriteAttributeString(*f, "/", "otmpi_checkpoint", command));
  PetscCall(OTCheckpointWriteInt(*f, "iteration", iteration));
  PetscFunctionReturn(0);
}

/* Opens checkpoint `path` of `command` for reading: it must be one (otmpi_checkpoint), of this command; gives its
   iteration (NULL: not wanted). */
PetscErrorCode OTCheckpointOpen(MPI_Comm comm, const char path[], const char command[], OTH5 *f, PetscInt *iteration)
{
  char      kind[64] = "";
  PetscBool has;
  int       it = 0;

  PetscFunctionBegin;
  PetscCall(OTH5Open(comm, path, f));
  PetscCall(OTH5ReadAttributeString(*f, "/", "otmpi_checkpoint", kind, sizeof kind, &has));
  PetscCheck(has, comm, OT_ERR_INPUT, "-restart %s: not an otmpi checkpoint (no attribute otmpi_checkpoint)", path);
  PetscCheck(!strcmp(kind, command), comm, OT_ERR_INPUT, "-restart %s: a %s checkpoint, not a %s one", path, kind, command);
  PetscCall(OTCheckpointReadAttribute(comm, *f, path, command, "iteration", OT_INT32, 1, &it));
  if (iteration) *iteration = it;
  PetscFunctionReturn(0);
}

/* A setting that must match on restart: attribute `name` of the checkpoint against this run's `value` of `option`. */
PetscErrorCode OTCheckpointMatchReal(MPI_Comm comm, OTH5 f, const char path[], const char command[], const char name[], const char option[], double value)
{
  double v = 0;

  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(comm, f, path, command, name, OT_DOUBLE, 1, &v));
  PetscCheck(v == value, comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint was made with %s %g, this run has %s %g", path, option, v, option, value);
  PetscFunctionReturn(0);
}

PetscErrorCode OTCheckpointMatchInt(MPI_Comm comm, OTH5 f, const char path[], const char command[], const char name[], const char option[], PetscInt value)
{
  int v = 0;

  PetscFunctionBegin;
  PetscCall(OTCheckpointReadAttribute(comm, f, path, command, name, OT_INT32, 1, &v));
  PetscCheck(v == value, comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint was made with %s %d, this run has %s %" PetscInt_FMT, path, option, v, option,
             value);
  PetscFunctionReturn(0);
}

PetscErrorCode OTCheckpointMatchString(MPI_Comm comm, OTH5 f, const char path[], const char command[], const char name[], const char option[],
                                       const char value[])
{
  char      v[256] = "";
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(OTH5ReadAttributeString(f, "/", name, v, sizeof v, &has));
  PetscCheck(has, comm, OT_ERR_INPUT, "-restart %s: attribute %s missing (not a complete %s checkpoint)", path, name, command);
  PetscCheck(!strcmp(v, value), comm, PETSC_ERR_ARG_INCOMP, "-restart %s: the checkpoint was made with %s %s, this run has %s %s", path, option, v, option,
             value);
  PetscFunctionReturn(0);
}

/* The checkpoint name every command uses when -checkpoint is not given: OUT.h5 -> OUT.checkpoint.h5. */
PetscErrorCode OTCheckpointDefaultPath(const char out[], char path[], size_t len)
{
  size_t n = strlen(out);

  PetscFunctionBegin;
  snprintf(path, len, "%.*s.checkpoint.h5", (int) (n > 3 && !strcmp(out + n - 3, ".h5") ? n - 3 : n), out);
  PetscFunctionReturn(0);
}

/* The settings of an entropic solve (sinkhorn, barycenter) that a restart must share: eps, rho (<= 0: balanced),
   debiasing and the eps-scaling schedule. */
PetscErrorCode OTCheckpointWriteEntropic(OTH5 f, double eps, double rho, PetscBool debias, PetscBool scaling, double start, double factor)
{
  PetscFunctionBegin;
  PetscCall(OTH5WriteAttribute(f, "/", "epsilon", OT_DOUBLE, 1, &eps));
  PetscCall(OTH5WriteAttribute(f, "/", "rho", OT_DOUBLE, 1, &rho));
  PetscCall(OTCheckpointWriteInt(f, "debias", debias));
  PetscCall(OTCheckpointWriteInt(f, "eps_scaling", scaling));
  PetscCall(OTH5WriteAttribute(f, "/", "eps_scaling_start", OT_DOUBLE, 1, &start));
  PetscCall(OTH5WriteAttribute(f, "/", "eps_scaling_factor", OT_DOUBLE, 1, &factor));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCheckpointMatchEntropic(MPI_Comm comm, OTH5 f, const char path[], const char command[], double eps, double rho, PetscBool debias,
                                         PetscBool scaling, double start, double factor)
{
  double r = 0, s0 = 0, sf = 0;
  int    on = 0;

  PetscFunctionBegin;
  PetscCall(OTCheckpointMatchReal(comm, f, path, command, "epsilon", "-eps", eps));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, command, "rho", OT_DOUBLE, 1, &r));
  PetscCheck((r > 0) == (rho > 0) && (r <= 0 || r == rho), comm, PETSC_ERR_ARG_INCOMP,
             "-restart %s: the checkpoint was made with -rho %g, this run has -rho %g", path, r, rho);
  PetscCall(OTCheckpointMatchInt(comm, f, path, command, "debias", "-debias", debias));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, command, "eps_scaling", OT_INT32, 1, &on));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, command, "eps_scaling_start", OT_DOUBLE, 1, &s0));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, command, "eps_scaling_factor", OT_DOUBLE, 1, &sf));
  PetscCheck((PetscBool) on == scaling && (!on || (s0 == start && sf == factor)), comm, PETSC_ERR_ARG_INCOMP,
             "-restart %s: the checkpoint was made with a different eps-scaling schedule", path);
  PetscFunctionReturn(0);
}
