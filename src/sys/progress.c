/* progress.c: progress lines of iterative solvers at a rate a person can read (every interval seconds, set by the
   iteration core from -progress_interval and -monitor; none with -quiet), with an ETA from the observed linear rate of convergence towards the tolerance. */
#include <otmpi/otsys.h>
#include <math.h>
#include <stdarg.h>

struct _p_OTProgress {
  MPI_Comm  comm;
  char      name[64];
  PetscInt  max_it;
  double    tol, t0, last, interval;
  PetscBool quiet;
  PetscInt  it_ref;
  double    err_ref, t_ref;
};

PetscErrorCode OTIsQuiet(PetscBool *quiet)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-quiet", quiet));
  PetscFunctionReturn(0);
}

PetscErrorCode OTPrintf(MPI_Comm comm, const char fmt[], ...)
{
  PetscBool   quiet;
  PetscMPIInt rank;
  va_list     ap;

  PetscFunctionBegin;
  PetscCall(OTIsQuiet(&quiet));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (quiet || rank) PetscFunctionReturn(0);
  va_start(ap, fmt);
  vfprintf(PETSC_STDOUT, fmt, ap);
  va_end(ap);
  fflush(PETSC_STDOUT);
  PetscFunctionReturn(0);
}

PetscErrorCode OTProgressCreate(MPI_Comm comm, const char name[], PetscInt max_it, double tol, OTProgress *p)
{
  OTProgress pr;

  PetscFunctionBegin;
  PetscCall(PetscNew(&pr));
  pr->comm     = comm;
  pr->max_it   = max_it;
  pr->tol      = tol;
  pr->interval = OT_PROGRESS_INTERVAL;
  PetscCall(PetscStrncpy(pr->name, name, sizeof pr->name));
  PetscCall(OTIsQuiet(&pr->quiet));
  pr->t0 = pr->last = pr->t_ref = MPI_Wtime();
  pr->it_ref                    = -1;
  *p                            = pr;
  PetscFunctionReturn(0);
}

/* Not collective: every rank calls it with the same values and only rank 0 of comm prints, so no communication. */
PetscErrorCode OTProgressUpdate(OTProgress p, PetscInt it, double err, const char extra[])
{
  double now = MPI_Wtime(), eta = -1;
  char   seta[32] = "";

  PetscFunctionBegin;
  if (p->quiet) PetscFunctionReturn(0);
  if (now - p->last < p->interval) PetscFunctionReturn(0);
  /* ETA: the rate of decrease of log(err) since the reference point, extrapolated to tol, capped by max_it */
  if (p->it_ref >= 0 && it > p->it_ref && err > 0 && p->err_ref > err && p->tol > 0) {
    double rate = (log(p->err_ref) - log(err)) / (double) (it - p->it_ref), tper = (now - p->t_ref) / (double) (it - p->it_ref);
    double left = err > p->tol ? (log(err) - log(p->tol)) / rate : 0;
    if (p->max_it > 0 && left > (double) (p->max_it - it)) left = (double) (p->max_it - it);
    eta = left * tper;
  } else if (p->it_ref >= 0 && it > p->it_ref && p->max_it > 0) {
    eta = (double) (p->max_it - it) * (now - p->t_ref) / (double) (it - p->it_ref);
  }
  if (eta >= 0) snprintf(seta, sizeof seta, "  eta %.3g s", eta);
  PetscCall(PetscPrintf(p->comm, "%s it %5" PetscInt_FMT "  err %.3e  elapsed %.3g s%s%s%s\n", p->name, it, err, now - p->t0, seta,
                        extra && extra[0] ? "  " : "", extra ? extra : ""));
  if (p->it_ref < 0 || it - p->it_ref > 0) {
    p->it_ref  = it;
    p->err_ref = err;
    p->t_ref   = now;
  }
  p->last = now;
  PetscFunctionReturn(0);
}

/* The least time between lines (0: every update is printed). */
PetscErrorCode OTProgressSetInterval(OTProgress p, double interval)
{
  PetscFunctionBegin;
  p->interval = interval;
  PetscFunctionReturn(0);
}

PetscErrorCode OTProgressElapsed(OTProgress p, double *t)
{
  PetscFunctionBegin;
  *t = MPI_Wtime() - p->t0;
  PetscFunctionReturn(0);
}

PetscErrorCode OTProgressDestroy(OTProgress *p)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*p));
  PetscFunctionReturn(0);
}
