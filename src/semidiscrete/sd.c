/* sd.c: the OTSD solver object: life cycle, options, the sites (coincident points merged), Lloyd rounds, results and
   voxel labels. */
#include "sdimpl.h"

/* The Newton systems' solver: CG + GAMG with a loose-enough default tolerance; -sd_ksp_* / -sd_pc_* override. */
static PetscErrorCode CreateKSP(OTSD sd, PetscBool from_options)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(KSPDestroy(&sd->ksp));
  PetscCall(KSPCreate(sd->comm, &sd->ksp));
  PetscCall(KSPSetOptionsPrefix(sd->ksp, "sd_"));
  PetscCall(KSPSetType(sd->ksp, KSPCG));
  PetscCall(KSPGetPC(sd->ksp, &pc));
  PetscCall(PCSetType(pc, PCGAMG));
  PetscCall(KSPSetTolerances(sd->ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 2000));
  if (from_options) PetscCall(KSPSetFromOptions(sd->ksp));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDCreate(OTGrid grid, OTSD *out)
{
  OTSD sd;

  PetscFunctionBegin;
  PetscCall(PetscNew(&sd));
  sd->comm = PETSC_COMM_WORLD;
  if (grid) {
    PetscCall(OTGridGetComm(grid, &sd->comm));
    PetscCall(OTGridGetInfo(grid, &sd->gi));
    sd->dim = sd->gi->dim;
  }
  sd->grid = grid;
  PetscCallMPI(MPI_Comm_rank(sd->comm, &sd->rank));
  PetscCallMPI(MPI_Comm_size(sd->comm, &sd->size));
  sd->max_halvings = 60;
  sd->merge_tol    = 1e-12;
  sd->clip_tol     = 1e-14;
  sd->pin          = PETSC_TRUE;
  PetscCall(CreateKSP(sd, PETSC_FALSE));
  {
    const OTSolverOps ops = {SDNewtonStep, NULL, SDCheckpointWrite, SDCheckpointRead};
    PetscCall(OTSolverCreate(sd->comm, "semidiscrete", sd, &ops, &sd->core));
    PetscCall(OTSolverSetTolerances(sd->core, 1e-9, 100));
    PetscCall(OTSolverSetOptionsPrefix(sd->core, "sd_"));
    sd->core->interval = 0; /* Newton iterations are few and long: a line each */
  }
  PetscCall(OTLogEventRegisterOnce("SDCells", &SD_Cells));
  PetscCall(OTLogEventRegisterOnce("SDIntegrate", &SD_Integrate));
  PetscCall(OTLogEventRegisterOnce("SDFaces", &SD_Facets));
  PetscCall(OTLogEventRegisterOnce("SDReduce", &SD_Reduce));
  PetscCall(OTLogEventRegisterOnce("SDAssemble", &SD_Assemble));
  PetscCall(OTLogEventRegisterOnce("SDSolve", &SD_Solve));
  PetscCall(OTLogEventRegisterOnce("SDLabels", &SD_Labels));
  *out = sd;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDDestroy(OTSD *psd)
{
  OTSD sd = *psd;

  PetscFunctionBegin;
  if (!sd) PetscFunctionReturn(0);
  PetscCall(PetscFree(sd->rho));
  PetscCall(PetscFree3(sd->y0, sd->nu0, sd->ylloyd));
  PetscCall(PetscFree2(sd->y, sd->nu));
  PetscCall(PetscFree2(sd->site_of, sd->rep));
  PetscCall(PetscFree3(sd->w, sd->wlo, sd->res));
  PetscCall(PetscFree(sd->owned));
  PetscCall(SDTreeFree(&sd->tree));
  for (int b = 0; b < 2; b++) {
    PetscCall(PetscFree(sd->nbo[b]));
    PetscCall(PetscFree(sd->nbn[b]));
    PetscCall(PetscFree(sd->nbp[b]));
  }
  PetscCall(SDCellWorkFree(&sd->cw));
  PetscCall(SDAccumFree(&sd->acc));
  PetscCall(KSPDestroy(&sd->ksp));
  PetscCall(OTSolverDestroy(&sd->core));
  PetscCall(PetscFree(sd));
  *psd = NULL;
  PetscFunctionReturn(0);
}

/* A normalised copy (total mass 1) of the owned part of the density. */
PetscErrorCode OTSDSetDensity(OTSD sd, const double *f)
{
  double total;

  PetscFunctionBegin;
  PetscCall(OTFieldSum(sd->grid, f, &total));
  PetscCheck(total > 0 && PetscIsNormalReal(total), sd->comm, PETSC_ERR_ARG_OUTOFRANGE, "semidiscrete: the density has no positive mass");
  PetscCall(PetscFree(sd->rho));
  PetscCall(PetscMalloc1(sd->gi->nlocal + 1, &sd->rho));
  for (ptrdiff_t q = 0; q < sd->gi->nlocal; q++) sd->rho[q] = f[q] / total / (sd->gi->h[0] * sd->gi->h[1] * (sd->dim == 3 ? sd->gi->h[2] : 1));
  PetscFunctionReturn(0);
}

/* Neumaier's compensated sum: normalising many equal masses with a plain sum leaves their total off by ~n eps, which
   no weights can fix (the cells always hold all of the density). */
double SDSum(PetscInt n, const double *x)
{
  double s = 0, c = 0;
  for (PetscInt i = 0; i < n; i++) {
    double t = s + x[i];
    c += PetscAbsReal(s) >= PetscAbsReal(x[i]) ? (s - t) + x[i] : (x[i] - t) + s;
    s = t;
  }
  return s + c;
}

/* The points (m x dim, every rank the same) and their masses (NULL: uniform), normalised to total 1. */
PetscErrorCode OTSDSetPoints(OTSD sd, PetscInt m, const double *pts, const double *mass)
{
  double total;

  PetscFunctionBegin;
  PetscCheck(m > 0, sd->comm, PETSC_ERR_ARG_OUTOFRANGE, "semidiscrete: no points");
  PetscCall(PetscFree3(sd->y0, sd->nu0, sd->ylloyd));
  PetscCall(PetscMalloc3(m * sd->dim, &sd->y0, m, &sd->nu0, m * sd->dim, &sd->ylloyd));
  sd->m0 = m;
  PetscCall(PetscArraycpy(sd->y0, pts, m * sd->dim));
  PetscCall(PetscArraycpy(sd->ylloyd, pts, m * sd->dim));
  for (PetscInt i = 0; i < m; i++) sd->nu0[i] = mass ? mass[i] : 1;
  total = SDSum(m, sd->nu0);
  for (PetscInt i = 0; i < m; i++) sd->nu0[i] /= total;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDGetSolver(OTSD sd, OTSolver *core)
{
  PetscFunctionBegin;
  *core = sd->core;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDSetLloyd(OTSD sd, PetscInt n)
{
  PetscFunctionBegin;
  sd->lloyd = n;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDGetKSP(OTSD sd, KSP *ksp)
{
  PetscFunctionBegin;
  *ksp = sd->ksp;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDSetFromOptions(OTSD sd)
{
  const char *const aliases[] = {"lloyd"};

  PetscFunctionBegin;
  PetscCall(OTOptionsAlias("sd_", 1, aliases));
  PetscOptionsBegin(sd->comm, "sd_", "otmpi semidiscrete: damped Newton for semi-discrete OT (alias -lloyd; -sd_ksp_*, -sd_pc_* for the Newton systems)", NULL);
  PetscCall(PetscOptionsInt("-lloyd", "Lloyd rounds: move the points to their cell centroids and solve again", "OTSDSetLloyd", sd->lloyd, &sd->lloyd, NULL));
  PetscCall(PetscOptionsInt("-max_halvings", "most step halvings of one damped Newton step", NULL, sd->max_halvings, &sd->max_halvings, NULL));
  PetscCall(PetscOptionsReal("-merge_tol", "points closer than this (relative to the domain size) are merged into one site", NULL, sd->merge_tol,
                             &sd->merge_tol, NULL));
  PetscCall(PetscOptionsReal("-clip_tol", "vertices closer than this (relative to the domain size) to a cutting plane count as on it", NULL, sd->clip_tol,
                             &sd->clip_tol, NULL));
  PetscCall(PetscOptionsBool("-pin", "hold the last weight in the Newton systems (else: the constant null space)", NULL, sd->pin, &sd->pin, NULL));
  PetscOptionsEnd();
  PetscCall(OTSolverSetFromOptions(sd->core));
  PetscCall(OTIsQuiet(&sd->quiet));
  PetscCall(KSPSetFromOptions(sd->ksp));
  PetscFunctionReturn(0);
}

/* The settings, checked once the options are read. */
static PetscErrorCode CheckSettings(OTSD sd)
{
  double tol;

  PetscFunctionBegin;
  PetscCheck(sd->lloyd >= 0, sd->comm, PETSC_ERR_ARG_OUTOFRANGE, "-lloyd must be >= 0");
  PetscCheck(sd->max_halvings >= 1, sd->comm, PETSC_ERR_ARG_OUTOFRANGE, "-sd_max_halvings must be >= 1");
  PetscCheck(sd->merge_tol >= 0 && sd->merge_tol < 1, sd->comm, PETSC_ERR_ARG_OUTOFRANGE, "-sd_merge_tol must be in [0, 1)");
  PetscCall(OTSolverSetUp(sd->core));
  PetscCall(OTSolverGetTolerances(sd->core, &tol, NULL));
  PetscCheck(tol > 0, sd->comm, PETSC_ERR_ARG_OUTOFRANGE, "-tol must be positive (a relative mass error), not %g", tol);
  PetscFunctionReturn(0);
}

/* The input points within r of x that have no site yet join site s. */
static void MergeNear(const SDTree *t, const double *p, const double x[], double r, PetscInt s, PetscInt *site_of)
{
  int stack[256], ns = 0, dim = t->dim;
  stack[ns++] = 0;
  while (ns) {
    const SDNode *nd = &t->node[stack[--ns]];
    double        d2 = 0;
    for (int k = 0; k < dim; k++) {
      double d = x[k] < nd->lo[k] ? nd->lo[k] - x[k] : (x[k] > nd->hi[k] ? x[k] - nd->hi[k] : 0);
      d2 += d * d;
    }
    if (d2 > r * r) continue;
    if (nd->left >= 0) {
      stack[ns++] = nd->left;
      stack[ns++] = nd->right;
      continue;
    }
    for (int q = nd->start; q < nd->start + nd->count; q++) {
      int j = t->perm[q];
      d2    = 0;
      for (int k = 0; k < dim; k++) d2 += (p[(size_t) j * dim + k] - x[k]) * (p[(size_t) j * dim + k] - x[k]);
      if (d2 <= r * r && site_of[j] < 0) site_of[j] = s;
    }
  }
}

/* The sites of the current solve (m positions and target masses, copied): the k-d tree, the weight and result
   arrays, and the sites lying over this rank's slab (points outside the domain count for the nearest plane). */
PetscErrorCode SDSetSiteArrays(OTSD sd, PetscInt m, const double *y, const double *nu)
{
  const OTGridInfo *gi  = sd->gi;
  int               dim = (int) sd->dim;
  double           *ny, *nnu;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(m * dim, &ny, m, &nnu));
  PetscCall(PetscArraycpy(ny, y, m * dim));
  PetscCall(PetscArraycpy(nnu, nu, m));
  PetscCall(PetscFree2(sd->y, sd->nu));
  sd->y  = ny;
  sd->nu = nnu;
  sd->m  = m;
  if (sd->setup) PetscCall(CreateKSP(sd, PETSC_TRUE)); /* the Newton systems change size */
  PetscCall(SDTreeBuild(&sd->tree, dim, (int) m, sd->y));
  PetscCall(SDNeighboursReset(sd, PETSC_TRUE));
  PetscCall(PetscFree3(sd->w, sd->wlo, sd->res));
  PetscCall(PetscCalloc3(m, &sd->w, m, &sd->wlo, m * (dim + 2), &sd->res));
  sd->mass = sd->res;
  sd->mom  = sd->res + m;
  sd->cost = sd->res + m * (1 + dim);
  PetscCall(PetscFree(sd->owned));
  PetscCall(PetscMalloc1(m + 1, &sd->owned));
  sd->nowned = 0;
  for (PetscInt s = 0; s < m; s++) {
    double    u = PetscFloorReal((sd->y[(size_t) s * dim] - gi->origin[0]) / gi->h[0]);
    ptrdiff_t p = u < 0 ? 0 : (u >= (double) gi->n[0] ? gi->n[0] - 1 : (ptrdiff_t) u);
    if (p >= gi->start0 && p < gi->start0 + gi->local_n0) sd->owned[sd->nowned++] = s;
  }
  PetscFunctionReturn(0);
}

/* Sites from the point positions pts (m0 x dim): coincident points (within merge_tol of the domain size) become one
   site carrying their summed mass. */
PetscErrorCode SDSetSites(OTSD sd, const double *pts)
{
  int      dim = (int) sd->dim;
  PetscInt m0 = sd->m0, m = 0;
  SDTree   t;
  double   r = 0, *y, *nu;

  PetscFunctionBegin;
  for (int k = 0; k < dim; k++) r = PetscMax(r, sd->dhi[k] - sd->dlo[k]);
  r *= sd->merge_tol;
  PetscCall(PetscFree2(sd->site_of, sd->rep));
  PetscCall(PetscMalloc2(m0, &sd->site_of, m0, &sd->rep));
  PetscCall(PetscMemzero(&t, sizeof t));
  PetscCall(SDTreeBuild(&t, dim, (int) m0, pts));
  for (PetscInt i = 0; i < m0; i++) sd->site_of[i] = -1;
  for (PetscInt i = 0; i < m0; i++) {
    if (sd->site_of[i] >= 0) continue;
    sd->site_of[i] = m;
    sd->rep[m]     = i;
    MergeNear(&t, pts, pts + (size_t) i * dim, r, m, sd->site_of);
    m++;
  }
  PetscCall(SDTreeFree(&t));
  PetscCall(PetscMalloc2(m * dim, &y, m, &nu));
  for (PetscInt s = 0; s < m; s++) {
    for (int k = 0; k < dim; k++) y[(size_t) s * dim + k] = pts[(size_t) sd->rep[s] * dim + k];
    nu[s] = 0;
  }
  for (PetscInt i = 0; i < m0; i++) nu[sd->site_of[i]] += sd->nu0[i];
  if (m < m0) PetscCall(PetscInfo(NULL, "semidiscrete: %" PetscInt_FMT " points, %" PetscInt_FMT " distinct sites\n", m0, m));
  PetscCall(SDSetSiteArrays(sd, m, y, nu));
  PetscCall(PetscFree2(y, nu));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDSetUp(OTSD sd)
{
  double L = 0;

  PetscFunctionBegin;
  if (sd->setup) PetscFunctionReturn(0);
  PetscCall(CheckSettings(sd));
  PetscCheck(sd->grid && sd->rho, sd->comm, PETSC_ERR_ORDER, "OTSDSetDensity() first");
  PetscCheck(sd->y0, sd->comm, PETSC_ERR_ORDER, "OTSDSetPoints() first");
  PetscCheck(sd->dim == 2 || sd->dim == 3, sd->comm, PETSC_ERR_SUP, "semidiscrete needs a 2-D or 3-D density, not %" PetscInt_FMT "-D", sd->dim);
  for (int k = 0; k < 3; k++) {
    sd->dlo[k] = k < sd->dim ? sd->gi->origin[k] : 0;
    sd->dhi[k] = k < sd->dim ? sd->gi->origin[k] + (double) sd->gi->n[k] * sd->gi->h[k] : 0;
    L          = PetscMax(L, sd->dhi[k] - sd->dlo[k]);
  }
  sd->tol      = sd->clip_tol * L;
  sd->flat_tol = 1e-11 * L;
  PetscCall(SDCellWorkInit(&sd->cw, (int) sd->dim));
  PetscCall(SDSetSites(sd, sd->ylloyd));
  sd->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Lloyd round: every input point moves to the centroid of its cell. */
static PetscErrorCode LloydMove(OTSD sd)
{
  int dim = (int) sd->dim;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < sd->m0; i++) {
    PetscInt s = sd->site_of[i];
    for (int k = 0; k < dim; k++) sd->ylloyd[(size_t) i * dim + k] = sd->mom[(size_t) s * dim + k] / sd->mass[s];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDSolve(OTSD sd)
{
  double   *guess = NULL;
  PetscBool restarted;

  PetscFunctionBegin;
  PetscCall(OTSDSetUp(sd));
  PetscCall(OTSolverBegin(sd->core, &restarted));
  if (!restarted) {
    double mmin = 0, gn, err;
    sd->its = sd->lloyd_done = 0;
    if (!sd->quiet) {
      char shape[96];
      PetscCall(OTGridShapeString(sd->grid, shape, sizeof shape));
      PetscCall(PetscPrintf(sd->comm,
                            "semidiscrete: %" PetscInt_FMT " points (%" PetscInt_FMT
                            " distinct sites), %s grid, %d ranks: looking for starting weights with no empty cell\n",
                            sd->m0, sd->m, shape, (int) sd->size));
    }
    PetscCall(SDInitWeights(sd, NULL));
    PetscCall(SDMassStats(sd, &gn, &err, &mmin));
    sd->eps0 = 0.5 * mmin;
    for (PetscInt s = 0; s < sd->m; s++) sd->eps0 = PetscMin(sd->eps0, 0.5 * sd->nu[s]);
  }
  for (;;) {
    PetscCall(SDNewton(sd));
    if (OTSolverStopped(sd->core) || sd->lloyd_done >= sd->lloyd) break;
    if (sd->core->reason != OT_CONVERGED_TOL && !sd->quiet)
      PetscCall(
          PetscPrintf(sd->comm, "semidiscrete: warning: Lloyd round %" PetscInt_FMT " did not converge (mass_error %g)\n", sd->lloyd_done, sd->mass_error));
    /* the new sites start from the weights of the old ones (the points moved a little), else from scratch */
    PetscCall(PetscMalloc1(sd->m0, &guess));
    for (PetscInt i = 0; i < sd->m0; i++) guess[i] = sd->w[sd->site_of[i]] + sd->wlo[sd->site_of[i]];
    PetscCall(LloydMove(sd));
    PetscCall(SDSetSites(sd, sd->ylloyd));
    for (PetscInt s = 0; s < sd->m; s++) guess[s] = guess[sd->rep[s]];
    sd->lloyd_done++;
    sd->its = 0;
    if (!sd->quiet) PetscCall(PetscPrintf(sd->comm, "semidiscrete: Lloyd round %" PetscInt_FMT " of %" PetscInt_FMT "\n", sd->lloyd_done, sd->lloyd));
    PetscCall(SDInitWeights(sd, guess));
    PetscCall(PetscFree(guess));
    {
      double mmin, gn, err;
      PetscCall(SDMassStats(sd, &gn, &err, &mmin));
      sd->eps0 = 0.5 * mmin;
      for (PetscInt s = 0; s < sd->m; s++) sd->eps0 = PetscMin(sd->eps0, 0.5 * sd->nu[s]);
    }
  }
  PetscCall(OTSolverEnd(sd->core));
  sd->transport_cost = SDSum(sd->m, sd->cost);
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDGetConvergence(OTSD sd, PetscInt *its, PetscInt *its_total, double *mass_error, PetscBool *converged)
{
  PetscFunctionBegin;
  if (its) *its = sd->its;
  if (its_total) PetscCall(OTSolverGetTiming(sd->core, its_total, NULL, NULL));
  if (mass_error) *mass_error = sd->mass_error;
  if (converged) *converged = (PetscBool) (sd->core->reason == OT_CONVERGED_TOL);
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDGetTransportCost(OTSD sd, double *cost)
{
  PetscFunctionBegin;
  *cost = sd->transport_cost;
  PetscFunctionReturn(0);
}

/* Per input point; psi normalised so that sum_i nu_i psi_i = 0; a merged site's mass is shared in proportion to the
   targets of its points. Any argument may be NULL. */
PetscErrorCode OTSDGetResults(OTSD sd, double psi[], double cell_mass[], double centroid[], double target[], double position[])
{
  int    dim   = (int) sd->dim;
  double shift = 0;

  PetscFunctionBegin;
  for (PetscInt s = 0; s < sd->m; s++) shift += sd->nu[s] * (sd->w[s] + sd->wlo[s]);
  for (PetscInt i = 0; i < sd->m0; i++) {
    PetscInt s = sd->site_of[i];
    if (psi) psi[i] = (sd->w[s] - shift) + sd->wlo[s];
    if (cell_mass) cell_mass[i] = sd->mass[s] * sd->nu0[i] / sd->nu[s];
    if (target) target[i] = sd->nu0[i];
    for (int k = 0; k < dim; k++) {
      if (centroid) centroid[(size_t) i * dim + k] = sd->mass[s] > 0 ? sd->mom[(size_t) s * dim + k] / sd->mass[s] : sd->y[(size_t) s * dim + k];
      if (position) position[(size_t) i * dim + k] = sd->ylloyd[(size_t) i * dim + k];
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDComputeLabels(OTSD sd, int label[])
{
  const OTGridInfo *gi   = sd->gi;
  int               hint = -1;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SD_Labels, 0, 0, 0, 0));
  SDTreeSetWeights(&sd->tree, sd->y, sd->w);
  for (ptrdiff_t q = 0; q < gi->nlocal; q++) {
    ptrdiff_t id[3] = {gi->start0 + q / gi->plane, (q / gi->n[2]) % gi->n[1], q % gi->n[2]};
    double    x[3];
    for (int k = 0; k < 3; k++) x[k] = OTGridCoord(gi, k, id[k]);
    hint     = SDTreePowerNearest(&sd->tree, sd->y, sd->w, x, hint);
    label[q] = (int) sd->rep[hint];
  }
  PetscCall(PetscLogEventEnd(SD_Labels, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDComputeMasses(OTSD sd, const double psi[], double mass[], Mat *H)
{
  PetscFunctionBegin;
  PetscCall(OTSDSetUp(sd));
  for (PetscInt s = 0; s < sd->m; s++) sd->w[s] = psi[sd->rep[s]];
  PetscCall(SDEvaluate(sd, sd->w, NULL, H ? PETSC_TRUE : PETSC_FALSE, 0, NULL));
  sd->transport_cost = SDSum(sd->m, sd->cost);
  if (mass)
    for (PetscInt i = 0; i < sd->m0; i++) mass[i] = sd->mass[sd->site_of[i]] * sd->nu0[i] / sd->nu[sd->site_of[i]];
  if (H) PetscCall(SDAssembleHessian(sd, PETSC_FALSE, H));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSDView(OTSD sd, PetscViewer v)
{
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(sd->comm, &v));
  PetscCall(
      PetscViewerASCIIPrintf(v, "semidiscrete: %" PetscInt_FMT " points (%" PetscInt_FMT " distinct sites) in %" PetscInt_FMT "-D, lloyd %" PetscInt_FMT "\n",
                             sd->m0, sd->m, sd->dim, sd->lloyd));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(OTSolverView(sd->core, v));
  PetscCall(KSPView(sd->ksp, v));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}
