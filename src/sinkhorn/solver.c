/* solver.c: what the entropic solvers (sinkhorn, barycenter) share besides the kernel: the eps-scaling schedule and the
   checkpoint/signal cadence of their iteration loops. */
#include <otmpi/otsinkhorn.h>

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

PetscErrorCode OTSolverCheckpointPoll(MPI_Comm comm, PetscInt itotal, PetscInt poll_every, PetscInt every, PetscBool *write, PetscBool *stop)
{
  PetscFunctionBegin;
  /* OTCheckpointPoll is a collective: every poll_every iterations (and at the checkpoint cadence), not every one */
  *write = *stop = PETSC_FALSE;
  if (itotal % poll_every == 0 || (every > 0 && itotal % every == 0)) PetscCall(OTCheckpointPoll(comm, itotal, every, write, stop));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSolverStopped(MPI_Comm comm, const char name[], const char ckpt[], PetscInt it)
{
  PetscFunctionBegin;
  OTSetExitStatus(OTMPI_EXIT_CHECKPOINTED);
  if (ckpt && ckpt[0])
    PetscCall(
        PetscPrintf(comm, "%s: signal received: checkpoint written to %s at iteration %" PetscInt_FMT "; restart with -restart %s\n", name, ckpt, it, ckpt));
  PetscFunctionReturn(0);
}
