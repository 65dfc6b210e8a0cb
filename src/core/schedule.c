/* schedule.c: the eps-scaling schedule the entropic solvers (sinkhorn, barycenter) share: eps_k = start q^k while above
   eps, then eps itself. */
#include "solverimpl.h"

PetscErrorCode OTEpsSchedule(double eps, double start, double q, PetscInt *n, double **list)
{
  PetscInt k = 0;

  PetscFunctionBegin;
  PetscCheck(q > 0 && q < 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "eps-scaling factor must be in (0, 1), not %g", q);
  *n = 1;
  for (double e = start; e > eps; e *= q) (*n)++;
  PetscCall(PetscMalloc1(*n, list));
  for (double e = start; e > eps; e *= q) (*list)[k++] = e;
  (*list)[k] = eps;
  PetscFunctionReturn(0);
}
