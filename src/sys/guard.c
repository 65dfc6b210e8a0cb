/* guard.c: a crash inside a file-format library while it parses an input file (HDF5 and niftilib can fault on corrupt
   metadata: out-of-bounds copies from a damaged heap, invalid frees) becomes the one `otmpi: error:` line naming that
   file, with partial outputs removed and a non-zero exit, instead of a signal trace or a hang in a crash handler that
   allocates on a corrupted heap. Only async-signal-safe calls (write, unlink, _exit) run in the handler. */
#include <otmpi/otsys.h>
#include "sysimpl.h"
#include <signal.h>
#include <unistd.h>

#define OT_GUARD_DEPTH 8
static const int ot_guard_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define OT_GUARD_NSIG ((int) (sizeof ot_guard_signals / sizeof ot_guard_signals[0]))
static struct sigaction ot_guard_saved[OT_GUARD_NSIG];
static char             ot_guard_path[OT_GUARD_DEPTH][PETSC_MAX_PATH_LEN];
static volatile int     ot_guard_depth = 0;

static void Say(const char *s)
{
  ssize_t r = write(STDERR_FILENO, s, strlen(s));
  (void) r;
}

static void OTGuardHandler(int sig)
{
  int d = ot_guard_depth;
  Say("otmpi: error: ");
  Say(d > 0 ? ot_guard_path[d - 1] : "input");
  Say(": corrupt file (its reader failed on the file's contents)\n");
  OTCleanupFilesUnsafe();
  _exit(1);
}

/* From here until the matching OTInputGuardPop, a fault is blamed on `path`. Nested guards name the innermost file. */
PetscErrorCode OTInputGuardPush(const char path[])
{
  struct sigaction sa;

  PetscFunctionBegin;
  PetscCheck(ot_guard_depth < OT_GUARD_DEPTH, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "too many input files open at once (%d)", OT_GUARD_DEPTH);
  PetscCall(PetscStrncpy(ot_guard_path[ot_guard_depth], path, PETSC_MAX_PATH_LEN));
  if (ot_guard_depth == 0) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = OTGuardHandler;
    sigfillset(&sa.sa_mask);
    for (int i = 0; i < OT_GUARD_NSIG; i++)
      PetscCheck(!sigaction(ot_guard_signals[i], &sa, &ot_guard_saved[i]), PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the input guard");
  }
  ot_guard_depth++;
  PetscFunctionReturn(0);
}

/* Ends the innermost guard; the last one gives the fault signals back to their earlier handlers (PETSc's). */
PetscErrorCode OTInputGuardPop(void)
{
  PetscFunctionBegin;
  PetscCheck(ot_guard_depth > 0, PETSC_COMM_SELF, PETSC_ERR_ORDER, "no input guard to end");
  ot_guard_depth--;
  if (ot_guard_depth == 0)
    for (int i = 0; i < OT_GUARD_NSIG; i++)
      PetscCheck(!sigaction(ot_guard_signals[i], &ot_guard_saved[i], NULL), PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot end the input guard");
  PetscFunctionReturn(0);
}
