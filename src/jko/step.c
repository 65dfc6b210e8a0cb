/* step.c: one JKO step, the iteration of the solver core: the scaling iterations of the entropic step in the log domain
   (each two kernel applications, one b-update pass that also measures rho_n's marginal error, one proximal a-update
   pass), then the new density with its mass restored, its energy, and the frame when it is saved. */
#include "jkoimpl.h"

/* W = log K x, or log K^T x (the grid's kernel is symmetric; the kernel with walls is not) */
static PetscErrorCode LogKernel(OTJKO J, const double *x, PetscBool transpose)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OTJKO_Kernel, 0, 0, 0, 0));
  if (J->walls)
    PetscCall(OTJKOWallsApply(J->walls, J->grid, x, J->w, J->wbuf, transpose));
  else {
    if (x != J->w) PetscCall(PetscArraycpy(J->w, x, J->gi->nlocal));
    PetscCall(OTKernelApplyLog(J->K, -1, J->w, J->w));
  }
  PetscCall(PetscLogEventEnd(OTJKO_Kernel, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The b-update b = rho_n / K^T a with W = log K^T a (over-relaxed by omega where the old b is finite); *err (when measure):
   sum |b K a - rho_n| / mass of the previous b, i.e. the marginal error of the plan (a, b) before this update. Cells of
   rho_n reached by no a: an error. */
static PetscErrorCode UpdateB(OTJKO J, PetscBool measure, double omega, double *err)
{
  const OTGridInfo *gi = J->gi;
  double            g[2];

  PetscFunctionBegin;
  for (ptrdiff_t k = 0; k < gi->local_n0; k++) {
    double e = 0, bad = 0;
    for (ptrdiff_t i = k * gi->plane; i < (k + 1) * gi->plane; i++) {
      const double W = J->w[i];
      if (measure) e += fabs((J->lb[i] > -INFINITY ? exp(J->lb[i] + W) : 0) - J->q[i]);
      if (J->q[i] > 0 && !(W > -INFINITY)) bad++;
      if (!(J->q[i] > 0))
        J->lb[i] = -INFINITY;
      else if (omega != 1.0 && J->lb[i] > -INFINITY)
        J->lb[i] += omega * (J->lq[i] - W - J->lb[i]);
      else
        J->lb[i] = J->lq[i] - W;
    }
    J->ps[2 * k]     = e;
    J->ps[2 * k + 1] = bad;
  }
  PetscCall(OTGridSumPlanes(J->grid, 2, J->ps, g));
  PetscCheck(g[1] == 0, J->comm, PETSC_ERR_FP,
             "jko: step %" PetscInt_FMT ": the kernel underflows at %.0f cells of the density (gamma %g is too small for an FFT kernel); use -kernel banded",
             J->step + 1, g[1], J->gamma);
  *err = g[0] / J->mass;
  PetscFunctionReturn(0);
}

/* The inner iterations of step n -> n+1: from the previous step's potentials (warm) or a = 1; at least one a-update
   (log p must be this step's), then until the marginal error is <= tol or max_it iterations. */
static PetscErrorCode Inner(OTJKO J, PetscInt *its, double *err, PetscBool *conv)
{
  const OTGridInfo *gi     = J->gi;
  PetscBool         have_b = J->valid;
  double            tol;
  PetscInt          max_it;

  PetscFunctionBegin;
  PetscCall(OTSolverGetTolerances(J->core, &tol, &max_it));
  if (!J->valid)
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) J->la[i] = J->wall && J->wall[i] ? -INFINITY : 0;
  *its  = 0;
  *err  = INFINITY;
  *conv = PETSC_FALSE;
  {
    const PetscBool on = J->acc.on;
    PetscCall(OTAccelReset(&J->acc));
    J->acc.on = on;
  }
  for (;;) {
    const double omega = J->acc.omega;
    PetscCall(LogKernel(J, J->la, PETSC_TRUE));
    PetscCall(UpdateB(J, have_b, omega, err));
    if (!have_b)
      *err = INFINITY;
    else
      PetscCall(OTAccelUpdate(&J->acc, *err));
    if (*its >= 1 && *err <= tol) {
      *conv = PETSC_TRUE;
      break;
    }
    if (*its >= max_it) break;
    have_b = PETSC_TRUE;
    PetscCall(LogKernel(J, J->lb, PETSC_FALSE));
    PetscCall(PetscLogEventBegin(OTJKO_Prox, 0, 0, 0, 0));
    PetscCall(OTJKOProxPass(J, omega, 0, gi->nlocal));
    PetscCall(PetscLogEventEnd(OTJKO_Prox, 0, 0, 0, 0));
    (*its)++;
  }
  J->valid = J->warm;
  PetscFunctionReturn(0);
}

/* The density (rho_n) as the frame of step n when n is a multiple of -save_every or the last step. */
PetscErrorCode OTJKOKeepFrame(OTJKO J, PetscInt n)
{
  const OTGridInfo *gi = J->gi;

  PetscFunctionBegin;
  if (n % J->save_every && n != J->steps) PetscFunctionReturn(0);
  PetscCheck(J->nframes < J->maxframes, J->comm, PETSC_ERR_PLIB, "jko: no room for frame %" PetscInt_FMT, J->nframes);
  PetscCall(PetscArraycpy(J->frames + J->nframes * gi->nlocal, J->q, gi->nlocal));
  J->ftimes[J->nframes] = (double) n * J->tau;
  J->fstep[J->nframes]  = n;
  J->nframes++;
  PetscFunctionReturn(0);
}

/* The core's iteration: one JKO step, rho_n -> rho_{n+1} (the core counts n: J->step). */
PetscErrorCode OTJKOStep(void *ctx, OTSolver core)
{
  OTJKO             J    = (OTJKO) ctx;
  const OTGridInfo *gi   = J->gi;
  PetscInt          its  = 0;
  double            err  = 0;
  PetscBool         conv = PETSC_FALSE;
  const PetscInt    n    = J->step + 1;

  PetscFunctionBegin;
  PetscCall(Inner(J, &its, &err, &conv));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) J->q[i] = exp(J->lp[i]);
  PetscCall(OTJKORestoreMass(J, J->q));
  OTJKOLogDensity(J);
  J->inner[n] = its;
  J->errs[n]  = err;
  PetscCall(OTJKOEnergy(J, J->q, &J->energy[n]));
  if (!conv) J->all_converged = PETSC_FALSE;
  PetscCall(OTJKOKeepFrame(J, n));
  core->err    = err;
  core->tested = PETSC_TRUE;
  snprintf(core->extra, sizeof core->extra, "t %.6g  %" PetscInt_FMT " inner%s  energy %.10g", (double) n * J->tau, its, conv ? "" : " (limit)", J->energy[n]);
  PetscFunctionReturn(0);
}
