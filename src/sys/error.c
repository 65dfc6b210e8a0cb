/* error.c: the error handler that turns PETSc's error stack into one `otmpi: error:` line, and the cleanup of partial outputs. */
#include <otmpi/otsys.h>
#include "sysimpl.h"
#include <unistd.h>

static char      ot_err_msg[2048];
static PetscBool ot_err_set        = PETSC_FALSE;
static PetscBool ot_err_collective = PETSC_TRUE;
static PetscBool ot_err_traceback  = PETSC_FALSE;

#define OT_MAX_CLEANUP 64
static char *ot_cleanup[OT_MAX_CLEANUP];

/* Records the first (innermost) message of an error, and whether the latest new error was raised on every rank of the
   job together: a local failure (e.g. rank 0 writing a PNG) that the code turns into a collective error is then
   reported once, with its specific message, and the job ends in order instead of aborting. */
static PetscErrorCode OTErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess,
                                     void *ctx)
{
  if (ot_err_traceback) PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, ctx);
  if (p == PETSC_ERROR_INITIAL) {
    int         csize = 1, wsize = 1;
    const char *text = NULL;

    if (comm != MPI_COMM_NULL) MPI_Comm_size(comm, &csize);
    MPI_Comm_size(PETSC_COMM_WORLD, &wsize);
    ot_err_collective = (PetscBool) (csize == wsize);
    if (!ot_err_set) {
      if (mess && mess[0] && strcmp(mess, " "))
        snprintf(ot_err_msg, sizeof ot_err_msg, "%s", mess);
      else {
        PetscErrorMessage(n, &text, NULL);
        snprintf(ot_err_msg, sizeof ot_err_msg, "%s (in %s)", text ? text : "unknown error", fun ? fun : "?");
      }
      ot_err_set = PETSC_TRUE;
    }
  }
  return n;
}

PETSC_INTERN PetscErrorCode OTErrorHandlerPush(void)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-otmpi_traceback", &ot_err_traceback, NULL));
  PetscCall(PetscPushErrorHandler(OTErrorHandler, NULL));
  PetscFunctionReturn(0);
}

static int ot_exit_status = 0;

/* A run that stops early on purpose (a checkpoint on SIGTERM) exits with a distinct status, not 0. */
void OTSetExitStatus(int status)
{
  ot_exit_status = status;
}

int OTGetExitStatus(void)
{
  return ot_exit_status;
}

const char *OTErrorMessage(void)
{
  return ot_err_set ? ot_err_msg : NULL;
}

/* Prints the one error line (rank 0 for collective errors, else the rank that failed, which then aborts the job so that
   no rank waits forever in a collective call), removes partial outputs and returns a non-zero exit status. */
PetscErrorCode OTErrorReport(PetscErrorCode ierr)
{
  PetscMPIInt rank = 0;
  const char *msg  = ot_err_set ? ot_err_msg : "unknown error";

  if (!ierr) return 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  OTCleanupFiles();
  if (ot_err_collective) {
    if (!rank) fprintf(stderr, "otmpi: error: %s\n", msg);
    fflush(stderr);
    return ierr;
  }
  /* an error raised on one rank only: rank 0 reports and aborts at once; another rank waits a moment first, so that when
     every rank failed alike (a local check of the same data) the job prints one line, rank 0's */
  if (rank) sleep(2);
  fprintf(stderr, "otmpi: error: %s%s\n", msg, rank ? " (reported by a rank other than 0)" : "");
  fflush(stderr);
  MPI_Abort(PETSC_COMM_WORLD, (int) ierr);
  return ierr;
}

PetscErrorCode OTCleanupRegister(const char path[])
{
  PetscFunctionBegin;
  for (int i = 0; i < OT_MAX_CLEANUP; i++) {
    if (!ot_cleanup[i]) {
      ot_cleanup[i] = strdup(path);
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "too many files open for writing (%d)", OT_MAX_CLEANUP);
}

PetscErrorCode OTCleanupUnregister(const char path[])
{
  PetscFunctionBegin;
  for (int i = 0; i < OT_MAX_CLEANUP; i++) {
    if (ot_cleanup[i] && !strcmp(ot_cleanup[i], path)) {
      free(ot_cleanup[i]);
      ot_cleanup[i] = NULL;
    }
  }
  PetscFunctionReturn(0);
}

/* From a signal handler: only unlink, no free (the heap may be what failed). */
void OTCleanupFilesUnsafe(void)
{
  for (int i = 0; i < OT_MAX_CLEANUP; i++)
    if (ot_cleanup[i]) (void) unlink(ot_cleanup[i]);
}

/* Every rank may call this; unlink of an already removed file is harmless. */
void OTCleanupFiles(void)
{
  OTCleanupFilesUnsafe();
  for (int i = 0; i < OT_MAX_CLEANUP; i++) {
    free(ot_cleanup[i]);
    ot_cleanup[i] = NULL;
  }
}
