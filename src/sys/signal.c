/* signal.c: SIGTERM/SIGUSR1 (a scheduler's warning before the walltime) set a flag that the iteration core polls collectively, so that
   every rank writes its part of a checkpoint at the same iteration and stops with OTMPI_EXIT_CHECKPOINTED. A command
   that does not checkpoint (gen, info, convert) stops at once instead: partial outputs removed, status 128 + signal. */
#include <otmpi/otsys.h>
#include "sysimpl.h"
#include <signal.h>
#include <unistd.h>
#include <pthread.h>

static volatile sig_atomic_t ot_signal_flag   = 0;
static volatile sig_atomic_t ot_checkpointing = 1;
static volatile sig_atomic_t ot_signal_rank   = 0;

static void OTSignalHandler(int sig)
{
  ot_signal_flag = sig;
  if (!ot_checkpointing) {
    static const char msg[] = "otmpi: error: stopped by a signal (SIGTERM or SIGUSR1); no output written\n";
    if (!ot_signal_rank) {
      ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
      (void) r;
    }
    OTCleanupFilesUnsafe();
    _exit(128 + sig);
  }
}

/* Whether the running command polls the signals (solvers) or is stopped by them. */
PetscErrorCode OTSignalSetCheckpointing(PetscBool checkpointing)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  ot_signal_rank   = rank;
  ot_checkpointing = checkpointing ? 1 : 0;
  /* a signal that came during start-up, before this was known */
  if (!checkpointing && ot_signal_flag) OTSignalHandler(ot_signal_flag);
  PetscFunctionReturn(0);
}

PetscErrorCode OTSignalInstall(void)
{
  struct sigaction sa;

  PetscFunctionBegin;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OTSignalHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  PetscCheck(!sigaction(SIGTERM, &sa, NULL) && !sigaction(SIGUSR1, &sa, NULL), PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install signal handlers");
  PetscFunctionReturn(0);
}

/* SIGTERM and SIGUSR1 blocked (block) or unblocked in the calling thread. OTInitialize blocks them before MPI starts its
   helper threads, which inherit the mask and so never take these signals: a process-directed signal then always reaches
   the main thread, where the handler (or, at shut-down, OTSignalHold) decides; otherwise a helper thread could take a
   SIGTERM during MPI_Finalize, after PetscFinalize has put the default action back, and kill a finished run. */
PetscErrorCode OTSignalMask(PetscBool block)
{
  sigset_t set;

  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL) ? PETSC_ERR_SYS : 0;
}

/* Called at shut-down: the run's outcome is decided (output committed or checkpoint written), so a warning signal that
   arrives now is held pending instead of acted on. Without this, a SIGTERM during PetscFinalize (which puts SIGTERM
   back to its default action) would kill a rank of a finished run and turn its exit status into "killed". */
PetscErrorCode OTSignalHold(void)
{
  sigset_t set;

  PetscFunctionBegin;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  PetscCheck(!sigprocmask(SIG_BLOCK, &set, NULL), PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot block signals");
  PetscFunctionReturn(0);
}

/* Not collective: whether this rank has been signalled (the iteration core reduces it over the solver's ranks). */
int OTSignalPending(void)
{
  return ot_signal_flag ? 1 : 0;
}
