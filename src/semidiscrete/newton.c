/* newton.c: the damped Newton method of Kitagawa-Merigot-Thibert for the cell masses, with starting weights that
   leave no cell empty, and the Newton systems H d = nu - mass solved by a PETSc KSP (CG + GAMG by default). */
#include "sdimpl.h"

/* Evaluates the diagram at sd->w (with the Hessian's faces) and returns the smallest cell mass. */
static PetscErrorCode EvaluateCurrent(OTSD sd, double *mmin)
{
  double gn, err;

  PetscFunctionBegin;
  PetscCall(SDEvaluate(sd, sd->w, sd->wlo, PETSC_TRUE, 0, NULL));
  PetscCall(SDMassStats(sd, &gn, &err, mmin));
  PetscFunctionReturn(0);
}

/* Bounding box of the voxels with positive density, and the centre of the densest voxel (lowest index on ties). */
static PetscErrorCode SupportBox(OTSD sd, double slo[], double shi[], double vc[])
{
  const OTGridInfo *gi    = sd->gi;
  double            lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
  double            best = -1, gbest;
  int64_t           bidx = INT64_MAX, gidx;

  PetscFunctionBegin;
  for (ptrdiff_t q = 0; q < gi->nlocal; q++) {
    ptrdiff_t id[3] = {gi->start0 + q / gi->plane, (q / gi->n[2]) % gi->n[1], q % gi->n[2]};
    if (sd->rho[q] <= 0) continue;
    for (int k = 0; k < sd->dim; k++) {
      lo[k] = PetscMin(lo[k], gi->origin[k] + (double) id[k] * gi->h[k]);
      hi[k] = PetscMax(hi[k], gi->origin[k] + (double) (id[k] + 1) * gi->h[k]);
    }
    if (sd->rho[q] > best) {
      best = sd->rho[q];
      bidx = (int64_t) (gi->start0 * gi->plane + q);
    }
  }
  PetscCallMPI(MPI_Allreduce(lo, slo, 3, MPI_DOUBLE, MPI_MIN, sd->comm));
  PetscCallMPI(MPI_Allreduce(hi, shi, 3, MPI_DOUBLE, MPI_MAX, sd->comm));
  PetscCallMPI(MPI_Allreduce(&best, &gbest, 1, MPI_DOUBLE, MPI_MAX, sd->comm));
  if (best < gbest) bidx = INT64_MAX;
  PetscCallMPI(MPI_Allreduce(&bidx, &gidx, 1, MPI_INT64_T, MPI_MIN, sd->comm));
  {
    ptrdiff_t g = (ptrdiff_t) gidx, id[3] = {g / gi->plane, (g / gi->n[2]) % gi->n[1], g % gi->n[2]};
    for (int k = 0; k < sd->dim; k++) vc[k] = OTGridCoord(gi, k, id[k]);
  }
  PetscFunctionReturn(0);
}

/* Weights whose Laguerre diagram is the Voronoi diagram of z_i = lambda y_i + b:
   w_i = (1 - lambda) |y_i|^2 - 2 <b, y_i> (expand |x - y_i|^2 - w_i and drop the terms common to all i). */
static void ScaledWeights(OTSD sd, double lambda, const double b[])
{
  int dim = sd->dim == 3 ? 3 : 2;
  for (PetscInt i = 0; i < sd->m; i++) {
    double y2 = 0, by = 0;
    for (int k = 0; k < dim; k++) {
      double y = sd->y[(size_t) i * dim + k];
      y2 += y * y;
      by += b[k] * y;
    }
    sd->w[i] = (1 - lambda) * y2 - 2 * by;
  }
}

/* Starting weights with no empty cell (KMT need eps0 = min(min mass, min nu) / 2 > 0): the given guess (if any), then
   w = 0 (the Voronoi diagram), then the points shrunk into the support of the density by the scaling above, and as
   a last resort into a ball inside the densest voxel (every Voronoi cell of points inside a voxel of positive density
   contains a neighbourhood of its point in that voxel, so no cell is empty). Leaves sd evaluated at sd->w. */
PetscErrorCode SDInitWeights(OTSD sd, const double *guess)
{
  int    dim = (int) sd->dim;
  double mmin, slo[3], shi[3], vc[3], plo[3], phi[3], lambda = 1, b[3] = {0, 0, 0}, pc[3] = {0, 0, 0}, half = 0;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(sd->wlo, sd->m));
  if (guess) {
    PetscCall(PetscArraycpy(sd->w, guess, sd->m));
    PetscCall(EvaluateCurrent(sd, &mmin));
    if (mmin > 0) PetscFunctionReturn(0);
  }
  PetscCall(PetscArrayzero(sd->w, sd->m));
  PetscCall(EvaluateCurrent(sd, &mmin));
  if (mmin > 0) PetscFunctionReturn(0);
  PetscCall(SupportBox(sd, slo, shi, vc));
  for (int k = 0; k < dim; k++) {
    plo[k] = PETSC_MAX_REAL;
    phi[k] = -PETSC_MAX_REAL;
  }
  for (PetscInt i = 0; i < sd->m; i++)
    for (int k = 0; k < dim; k++) {
      plo[k] = PetscMin(plo[k], sd->y[(size_t) i * dim + k]);
      phi[k] = PetscMax(phi[k], sd->y[(size_t) i * dim + k]);
    }
  for (int k = 0; k < dim; k++) {
    pc[k] = 0.5 * (plo[k] + phi[k]);
    half  = PetscMax(half, 0.5 * (phi[k] - plo[k]));
    if (phi[k] > plo[k]) lambda = PetscMin(lambda, 0.5 * (shi[k] - slo[k]) / (phi[k] - plo[k]));
  }
  for (int t = 0; t < 6; t++, lambda /= 4) {
    for (int k = 0; k < dim; k++) b[k] = 0.5 * (slo[k] + shi[k]) - lambda * pc[k];
    ScaledWeights(sd, lambda, b);
    PetscCall(EvaluateCurrent(sd, &mmin));
    PetscCall(PetscInfo(NULL, "semidiscrete: initial weights with lambda %g: smallest cell mass %g\n", lambda, mmin));
    if (mmin > 0) PetscFunctionReturn(0);
  }
  lambda = PETSC_MAX_REAL;
  for (int k = 0; k < dim; k++) lambda = PetscMin(lambda, 0.25 * sd->gi->h[k] / PetscMax(half, PETSC_SMALL));
  for (int k = 0; k < dim; k++) b[k] = vc[k] - lambda * pc[k];
  ScaledWeights(sd, lambda, b);
  PetscCall(EvaluateCurrent(sd, &mmin));
  PetscCheck(mmin > 0, sd->comm, PETSC_ERR_NOT_CONVERGED, "semidiscrete: found no starting weights without an empty cell (smallest cell mass %g)", mmin);
  PetscFunctionReturn(0);
}

/* Solves H d = nu - mass and gives d to every rank. The constants are H's kernel and nu - mass sums to 0: by default
   (-sd_pin) the last site's weight is held, which gives the same step up to a constant (a constant changes no cell);
   with -sd_pin 0 the singular system is solved with the constant null space attached to H. */
static PetscErrorCode NewtonDirection(OTSD sd, double *d, PetscInt *kits, KSPConvergedReason *reason)
{
  Mat           H;
  Vec           x, b, xa;
  VecScatter    sc;
  PetscInt      lo, hi;
  double       *ba;
  const double *xr;

  PetscFunctionBegin;
  PetscCall(SDAssembleHessian(sd, sd->pin, &H));
  PetscCall(MatCreateVecs(H, &x, &b));
  PetscCall(VecGetOwnershipRange(b, &lo, &hi));
  PetscCall(VecGetArray(b, &ba));
  /* nu - mass sums to 0 only up to round-off: its mean is removed, so that the rounding defect is shared by all the
     cells instead of being left to the held one */
  {
    double mean = (1 - SDSum(sd->m, sd->mass)) / (double) sd->m;
    for (PetscInt r = lo; r < hi; r++) ba[r - lo] = sd->pin && r == sd->m - 1 ? 0 : sd->nu[r] - sd->mass[r] - mean;
  }
  PetscCall(VecRestoreArray(b, &ba));
  PetscCall(PetscLogEventBegin(SD_Solve, 0, 0, 0, 0));
  PetscCall(KSPSetOperators(sd->ksp, H, H));
  PetscCall(KSPSolve(sd->ksp, b, x));
  PetscCall(PetscLogEventEnd(SD_Solve, 0, 0, 0, 0));
  PetscCall(KSPGetIterationNumber(sd->ksp, kits));
  PetscCall(KSPGetConvergedReason(sd->ksp, reason));
  PetscCall(VecScatterCreateToAll(x, &sc, &xa));
  PetscCall(VecScatterBegin(sc, x, xa, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, x, xa, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(xa, &xr));
  PetscCall(PetscArraycpy(d, xr, sd->m));
  PetscCall(VecRestoreArrayRead(xa, &xr));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&xa));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&H));
  PetscFunctionReturn(0);
}

/* KMT: from w with all cells of mass >= eps0, the step w + 2^-l d with the smallest l such that (i) every cell keeps
   mass >= eps0 and (ii) ||mass - nu|| <= (1 - 2^-(l+1)) ||mass(w) - nu||. The trial weights stay in nwt, nwtlo. */
static PetscErrorCode DampedStep(OTSD sd, double *alpha, PetscInt *halvings, double *gn, double *er, double *mn)
{
  PetscFunctionBegin;
  *alpha = 1;
  for (*halvings = 0; *halvings <= sd->max_halvings; (*halvings)++, *alpha /= 2) {
    PetscBool rejected;
    /* w + alpha d in double-double arithmetic (two-sum, then renormalised) */
    for (PetscInt i = 0; i < sd->m; i++) {
      double a = sd->w[i], b = *alpha * sd->nd[i], s = a + b, bb = s - a, e = (a - (s - bb)) + (b - bb), lo = sd->wlo[i] + e;
      sd->nwt[i]   = s + lo;
      sd->nwtlo[i] = lo - (sd->nwt[i] - s);
    }
    PetscCall(SDEvaluate(sd, sd->nwt, sd->nwtlo, PETSC_TRUE, sd->eps0, &rejected));
    if (rejected) {
      PetscCall(PetscInfo(NULL, "semidiscrete: step %g rejected: a cell is empty or below eps0\n", *alpha));
      continue;
    }
    PetscCall(SDMassStats(sd, gn, er, mn));
    PetscCall(PetscInfo(NULL, "semidiscrete: step %g: |m-nu| %g (needs <= %g), min mass %g (needs >= %g)\n", *alpha, *gn, (1 - *alpha / 2) * sd->gnorm, *mn,
                        sd->eps0));
    if (*mn >= sd->eps0 && *gn <= (1 - *alpha / 2) * sd->gnorm) PetscFunctionReturn(0);
  }
  SETERRQ(sd->comm, PETSC_ERR_NOT_CONVERGED,
          "semidiscrete: the damped Newton step found no acceptable step in %" PetscInt_FMT " halvings at iteration %" PetscInt_FMT
          " (mass_error %g); try a smaller -sd_ksp_rtol",
          sd->max_halvings, sd->its, sd->mass_error);
}

/* One damped Newton iteration (the iteration core's step): the relative mass error is the residual; a step that does
   not reduce ||mass - nu|| (the round-off floor) ends the run as stalled. */
PetscErrorCode SDNewtonStep(void *ctx, OTSolver core)
{
  OTSD               sd = (OTSD) ctx;
  PetscInt           kits, halvings;
  KSPConvergedReason reason;
  double             alpha, gn = 0, er = 0, mn = 0;
  PetscBool          stalled;

  PetscFunctionBegin;
  PetscCall(NewtonDirection(sd, sd->nd, &kits, &reason));
  PetscCheck(reason > 0 || reason == KSP_DIVERGED_ITS, sd->comm, PETSC_ERR_NOT_CONVERGED,
             "semidiscrete: the Newton system solve failed (%s) at iteration %" PetscInt_FMT "; try other -sd_ksp_type/-sd_pc_type",
             KSPConvergedReasons[reason], sd->its);
  PetscCall(DampedStep(sd, &alpha, &halvings, &gn, &er, &mn));
  PetscCall(PetscArraycpy(sd->w, sd->nwt, sd->m));
  PetscCall(PetscArraycpy(sd->wlo, sd->nwtlo, sd->m));
  stalled        = (PetscBool) !(gn < sd->gnorm); /* accepted only because a vanishing step changes nothing */
  sd->gnorm      = gn;
  sd->mass_error = er;
  snprintf(core->extra, sizeof core->extra, "|m-nu| %.3e  min_mass/eps0 %.3g  step %-8.4g (%" PetscInt_FMT " halvings)  ksp %" PetscInt_FMT, gn, mn / sd->eps0,
           alpha, halvings, kits);
  PetscCall(OTSolverSetResidual(core, er));
  if (stalled) {
    PetscCall(OTPrintf(sd->comm, "semidiscrete: warning: no step reduces the mass error below %.3e (the round-off floor of this problem?); stopping\n", er));
    PetscCall(OTSolverSetConvergedReason(core, OT_DIVERGED_STALLED));
  }
  PetscFunctionReturn(0);
}

/* The Newton iterations of one Lloyd round, from sd evaluated at sd->w (SDInitWeights or a restart) with sd->eps0 set. */
PetscErrorCode SDNewton(OTSD sd)
{
  double   mmin, tol;
  PetscInt max_it;

  PetscFunctionBegin;
  PetscCall(OTSolverGetTolerances(sd->core, &tol, &max_it));
  PetscCall(SDMassStats(sd, &sd->gnorm, &sd->mass_error, &mmin));
  snprintf(sd->core->extra, sizeof sd->core->extra, "|m-nu| %.3e  min_mass/eps0 %.3g", sd->gnorm, mmin / sd->eps0);
  PetscCall(OTSolverSetResidual(sd->core, sd->mass_error));
  PetscCall(PetscMalloc3(sd->m, &sd->nd, sd->m, &sd->nwt, sd->m, &sd->nwtlo));
  PetscCall(OTSolverIterate(sd->core, &sd->its, max_it, tol, NULL));
  PetscCall(PetscFree3(sd->nd, sd->nwt, sd->nwtlo));
  PetscFunctionReturn(0);
}
