/* options.c: helpers around the PETSc options database: comma-separated lists and the report of options nobody used. */
#include <otmpi/otsys.h>
#include "sysimpl.h"

/* Splits "a,b,c" into a PETSc-allocated list; empty items are kept so that the caller can reject them by name. */
PetscErrorCode OTStringSplit(const char s[], PetscInt *n, char ***list)
{
  PetscInt    count = 1, k = 0;
  const char *p, *q;

  PetscFunctionBegin;
  for (p = s; *p; p++)
    if (*p == ',') count++;
  if (!s[0]) count = 0;
  PetscCall(PetscCalloc1(count + 1, list));
  for (p = s; count && k < count; k++) {
    size_t len;
    q   = strchr(p, ',');
    len = q ? (size_t) (q - p) : strlen(p);
    PetscCall(PetscMalloc1(len + 1, &(*list)[k]));
    PetscCall(PetscMemcpy((*list)[k], p, len));
    (*list)[k][len] = 0;
    p               = q ? q + 1 : p + len;
  }
  *n = count;
  PetscFunctionReturn(0);
}

PetscErrorCode OTStringListDestroy(PetscInt *n, char ***list)
{
  PetscFunctionBegin;
  if (!*list) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < *n; k++) PetscCall(PetscFree((*list)[k]));
  PetscCall(PetscFree(*list));
  *n = 0;
  PetscFunctionReturn(0);
}

/* PETSc's -options_left, always on: a misspelt option must not pass silently. Warnings only (the run has happened). */
PetscErrorCode OTReportUnusedOptions(MPI_Comm comm)
{
  PetscInt  n;
  char    **names, **values;
  PetscBool flg = PETSC_TRUE, set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-options_left", &flg, &set));
  if (set && !flg) PetscFunctionReturn(0);
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    /* options consumed outside the options database queries of otmpi (by mpiexec wrappers or PETSc start-up) */
    if (!strcmp(names[i], "options_left") || !strncmp(names[i], "otmpi_", 6)) continue;
    PetscCall(PetscFPrintf(comm, PETSC_STDERR, "otmpi: warning: option -%s%s%s was not used\n", names[i], values[i] ? " " : "", values[i] ? values[i] : ""));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}
