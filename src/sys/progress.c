/* progress.c: progress lines of iterative solvers at a rate a person can read (every interval seconds, set by the
   iteration core from -progress_interval and -monitor; none with -quiet), with an ETA from the observed linear rate of
   convergence towards the tolerance over the second half of the run, plus the stages still to come. */
#include <otmpi/otsys.h>
#include <math.h>
#include <stdarg.h>

#define OT_PROGRESS_HISTORY 32

struct _p_OTProgress {
  MPI_Comm  comm;
  char      name[64];
  PetscInt  max_it, it0;
  double    tol, t0, last, interval;
  PetscInt  stages_left; /* runs still to come after this one (stages of a schedule, other problems) */
  double    stage_time;  /* their expected time each: the mean of the runs done (0: none done yet) */
  PetscBool quiet;
  /* the points of the lines printed (a ring): the rate is measured from the oldest one in the second half of the run */
  PetscInt nh, hit[OT_PROGRESS_HISTORY];
  double   herr[OT_PROGRESS_HISTORY], ht[OT_PROGRESS_HISTORY];
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
  pr->t0 = pr->last = MPI_Wtime();
  *p                = pr;
  PetscFunctionReturn(0);
}

/* A new run of the same solve (a stage of a schedule, another problem) from iteration it0: the ETA measures its rate
   afresh, towards its own tol and iteration limit, and adds the runs still to come at the mean time of those done. */
PetscErrorCode OTProgressSetRun(OTProgress p, PetscInt it0, PetscInt max_it, double tol, PetscInt stages_left, double stage_time)
{
  PetscFunctionBegin;
  p->it0         = it0;
  p->max_it      = max_it;
  p->tol         = tol;
  p->nh          = 0;
  p->stages_left = stages_left;
  p->stage_time  = stage_time;
  PetscFunctionReturn(0);
}

/* The ETA of this run: the rate of decrease of log(err) per iteration and the time per iteration, both measured from
   the oldest printed point in the second half of the run so far (a linear rate settles there; the last interval alone
   swings), extrapolated to tol and capped by max_it; without a decrease, the iterations left to max_it. -1: none yet. */
static double Eta(OTProgress p, PetscInt it, double err, double now)
{
  PetscInt       k, n = PetscMin(p->nh, OT_PROGRESS_HISTORY), ref = -1;
  const PetscInt mid = p->it0 + (it - p->it0) / 2;

  for (k = p->nh - n; k < p->nh; k++) {
    PetscInt s = k % OT_PROGRESS_HISTORY;
    if (p->hit[s] < it && (ref < 0 || p->hit[s] >= mid)) {
      ref = s;
      if (p->hit[s] >= mid) break;
    }
  }
  if (ref < 0) return -1;
  {
    const double per = (now - p->ht[ref]) / (double) (it - p->hit[ref]);
    double       left;
    if (err > 0 && p->herr[ref] > err && p->tol > 0) {
      const double rate = (log(p->herr[ref]) - log(err)) / (double) (it - p->hit[ref]);
      left              = err > p->tol ? (log(err) - log(p->tol)) / rate : 0;
      if (p->max_it > 0 && left > (double) (p->max_it - it)) left = (double) (p->max_it - it);
    } else if (p->max_it > 0)
      left = (double) (p->max_it - it);
    else
      return -1;
    return left * per;
  }
}

/* Not collective: every rank calls it with the same values and only rank 0 of comm prints, so no communication. */
PetscErrorCode OTProgressUpdate(OTProgress p, PetscInt it, double err, const char extra[])
{
  double now      = MPI_Wtime(), eta;
  char   seta[64] = "";

  PetscFunctionBegin;
  if (p->quiet) PetscFunctionReturn(0);
  if (now - p->last < p->interval) PetscFunctionReturn(0);
  eta = Eta(p, it, err, now);
  if (eta >= 0 && p->stages_left > 0 && p->stage_time > 0) /* the stages to come at the mean time of those done */
    snprintf(seta, sizeof seta, "  eta %.3g s (%d stages left)", eta + (double) p->stages_left * p->stage_time, (int) p->stages_left);
  else if (eta >= 0 && p->stages_left > 0) /* none done yet: this stage's alone, and what is still to come */
    snprintf(seta, sizeof seta, "  eta %.3g s + %d stages", eta, (int) p->stages_left);
  else if (eta >= 0)
    snprintf(seta, sizeof seta, "  eta %.3g s", eta);
  PetscCall(PetscPrintf(p->comm, "%s it %5" PetscInt_FMT "  err %.3e  elapsed %.3g s%s%s%s\n", p->name, it, err, now - p->t0, seta,
                        extra && extra[0] ? "  " : "", extra ? extra : ""));
  if (!p->nh || p->hit[(p->nh - 1) % OT_PROGRESS_HISTORY] < it) {
    PetscInt s = p->nh % OT_PROGRESS_HISTORY;
    p->hit[s]  = it;
    p->herr[s] = err;
    p->ht[s]   = now;
    p->nh++;
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
