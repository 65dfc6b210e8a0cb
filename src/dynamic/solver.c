/* solver.c: the OTDynamic object (Create / SetFromOptions / SetDensities / SetUp / Solve / View / Destroy): options,
   default step sizes from the density scale, memory estimate, the iteration loop with residual checks, progress lines,
   checkpoints and signal stops. */
#include "dynimpl.h"
#include "poisson.h"
#include <math.h>

static PetscFunctionList OTDynamicList = NULL;

PetscErrorCode OTDynamicRegister(const char name[], PetscErrorCode (*create)(OTDynamic))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&OTDynamicList, name, create));
  PetscFunctionReturn(0);
}

static PetscErrorCode OTDynamicRegisterAll(void)
{
  PetscFunctionBegin;
  if (OTDynamicList) PetscFunctionReturn(0);
  PetscCall(OTDynamicRegister(OTDYNPD, OTDynamicCreate_PD));
  PetscCall(OTDynamicRegister(OTDYNDR, OTDynamicCreate_DR));
  PetscCall(OTDynamicRegister(OTDYNALG2, OTDynamicCreate_ALG2));
  PetscFunctionReturn(0);
}

/* On the set-up grid of the densities (NULL: only to list the options). */
PetscErrorCode OTDynamicCreate(OTGrid grid, OTDynamic *dyn)
{
  OTDynamic         d;
  MPI_Comm          comm;
  const OTSolverOps ops = {OTDynamicStep, NULL, OTDynamicCheckpointWrite, OTDynamicCheckpointRead};

  PetscFunctionBegin;
  PetscCall(OTDynamicRegisterAll());
  PetscCall(OTDynPoissonRegisterAll());
  PetscCall(PetscNew(&d));
  if (grid)
    PetscCall(OTGridGetComm(grid, &comm));
  else
    comm = PETSC_COMM_WORLD; /* -help: the options only */
  PetscCall(OTSolverCreate(comm, "dynamic", d, &ops, &d->core));
  PetscCall(OTSolverSetTolerances(d->core, 1e-5, 20000));
  PetscCall(OTSolverSetOptionsPrefix(d->core, "dyn_"));
  d->grid = grid;
  PetscCall(PetscStrncpy(d->type, OTDYNPD, sizeof d->type));
  PetscCall(PetscStrncpy(d->ptype, OTDYNPOISSONDCT, sizeof d->ptype));
  d->check_every   = 10;
  d->pd_relax      = 1.8;
  d->pd_adaptive   = PETSC_TRUE;
  d->pd_alpha      = 0.5;
  d->pd_eta        = 0.95;
  d->pd_delta      = 1.5;
  d->dr_alpha      = 1.8;
  d->balance_mu    = 10;
  d->dr_adaptive   = PETSC_TRUE;
  d->alg2_adaptive = PETSC_TRUE;
  d->cheb_its      = 20;
  *dyn             = d;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicSetType(OTDynamic dyn, OTDynamicType type)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(dyn->type, type, sizeof dyn->type));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicGetType(OTDynamic dyn, OTDynamicType *type)
{
  PetscFunctionBegin;
  *type = dyn->type;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicSetPoissonType(OTDynamic dyn, OTDynamicPoissonType type)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(dyn->ptype, type, sizeof dyn->ptype));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicGetSolver(OTDynamic dyn, OTSolver *core)
{
  PetscFunctionBegin;
  *core = dyn->core;
  PetscFunctionReturn(0);
}

/* Time cells of the space-time grid (0: max(n)/2, at least 2). */
PetscErrorCode OTDynamicSetTimeCells(OTDynamic dyn, PetscInt nt)
{
  PetscFunctionBegin;
  dyn->nt = nt;
  PetscFunctionReturn(0);
}

/* -rho_fr delta: Wasserstein–Fisher–Rao, cost (|m|^2 + delta^2 zeta^2) / rho with a source zeta; the masses are kept. */
PetscErrorCode OTDynamicSetFisherRao(OTDynamic dyn, double delta)
{
  PetscFunctionBegin;
  dyn->delta = delta;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicSetFromOptions(OTDynamic dyn)
{
  const char *const aliases[] = {"nt", "rho_fr"};

  PetscFunctionBegin;
  PetscCall(OTOptionsAlias("dyn_", 2, aliases));
  PetscOptionsBegin(PETSC_COMM_WORLD, "dyn_", "Benamou-Brenier dynamic OT solver (aliases -nt, -rho_fr)", NULL);
  PetscCall(PetscOptionsInt("-nt", "time cells (0: max(n)/2, at least 2)", "OTDynamicSetTimeCells", dyn->nt, &dyn->nt, NULL));
  PetscCall(PetscOptionsReal("-rho_fr", "Wasserstein-Fisher-Rao length scale delta (unbalanced; masses kept); 0: balanced W2 (inputs normalised to mass 1)",
                             "OTDynamicSetFisherRao", dyn->delta, &dyn->delta, NULL));
  PetscCall(PetscOptionsBool("-view", "print the solver's settings and statistics after the solve", "OTDynamicView", dyn->view, &dyn->view, NULL));
  PetscCall(PetscOptionsString("-type", "splitting: pd (Chambolle-Pock), dr (Douglas-Rachford), alg2 (ADMM / Benamou-Brenier ALG2); OTDynamicRegister",
                               "OTDynamicSetType", dyn->type, dyn->type, sizeof dyn->type, NULL));
  PetscCall(PetscOptionsString("-poisson", "Poisson solver of the continuity projection: dct (FFTW-MPI) or ksp (PETSc, -dyn_ksp_*, -dyn_pc_*)",
                               "OTDynamicSetPoissonType", dyn->ptype, dyn->ptype, sizeof dyn->ptype, NULL));
  PetscCall(PetscOptionsInt("-check_every", "iterations between residual checks", NULL, dyn->check_every, &dyn->check_every, NULL));
  PetscCall(PetscOptionsReal("-pd_tau", "pd: primal step (default: max density)", NULL, dyn->pd_tau, &dyn->pd_tau, NULL));
  PetscCall(PetscOptionsReal("-pd_sigma", "pd: dual step (default 0.99/tau)", NULL, dyn->pd_sigma, &dyn->pd_sigma, NULL));
  PetscCall(PetscOptionsReal("-pd_relax", "pd: relaxation rho in (0, 2) (1: plain Chambolle-Pock)", NULL, dyn->pd_relax, &dyn->pd_relax, NULL));
  PetscCall(PetscOptionsBool("-pd_adaptive", "pd: balance the residuals by trading tau against sigma", NULL, dyn->pd_adaptive, &dyn->pd_adaptive, NULL));
  PetscCall(PetscOptionsReal("-dr_alpha", "dr: relaxation in (0, 2)", NULL, dyn->dr_alpha, &dyn->dr_alpha, NULL));
  PetscCall(PetscOptionsReal("-dr_gamma", "dr: initial prox step (default: max density / 15)", NULL, dyn->dr_gamma, &dyn->dr_gamma, NULL));
  PetscCall(PetscOptionsBool("-dr_adaptive", "dr: rebalance gamma on the residuals", NULL, dyn->dr_adaptive, &dyn->dr_adaptive, NULL));
  PetscCall(PetscOptionsReal("-alg2_r", "alg2: initial penalty r (default 15 / max density)", NULL, dyn->alg2_r, &dyn->alg2_r, NULL));
  PetscCall(PetscOptionsBool("-alg2_adaptive", "alg2: rebalance r on the residuals", NULL, dyn->alg2_adaptive, &dyn->alg2_adaptive, NULL));
  PetscCall(PetscOptionsReal("-balance_mu", "dr, alg2: residual ratio that halves or doubles the step/penalty", NULL, dyn->balance_mu, &dyn->balance_mu, NULL));
  PetscCall(PetscOptionsInt("-cheb_its", "Chebyshev iterations of the interpolation solve along axis 0 (dr, alg2)", NULL, dyn->cheb_its, &dyn->cheb_its, NULL));
  PetscCall(PetscOptionsBool("-fftw_measure", "plan the DCT with FFTW_MEASURE (faster, not bit-reproducible between runs)", NULL, dyn->fftw_measure,
                             &dyn->fftw_measure, NULL));
  PetscOptionsEnd();
  PetscCall(OTSolverSetFromOptions(dyn->core));
  PetscFunctionReturn(0);
}

/* rho0, rho1: mass per cell on the grid (copied; normalised to mass 1 in SetUp when balanced). */
PetscErrorCode OTDynamicSetDensities(OTDynamic dyn, const double *rho0, const double *rho1)
{
  PetscFunctionBegin;
  PetscCheck(dyn->grid, PETSC_COMM_WORLD, PETSC_ERR_ORDER, "an OTDynamic made without a grid (for its options) takes no densities");
  PetscCall(OTFieldDestroy(&dyn->in[0]));
  PetscCall(OTFieldDestroy(&dyn->in[1]));
  PetscCall(OTFieldCreate(dyn->grid, &dyn->in[0]));
  PetscCall(OTFieldCreate(dyn->grid, &dyn->in[1]));
  PetscCall(OTFieldCopy(dyn->grid, rho0, dyn->in[0]));
  PetscCall(OTFieldCopy(dyn->grid, rho1, dyn->in[1]));
  dyn->have_densities = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The boundary densities per unit volume (the units in which the operators are written), normalised to mass 1 when
   balanced, their largest value and their moments (the fingerprint a restart checks). */
static PetscErrorCode PrepareDensities(OTDynamic dyn)
{
  const OTGridInfo *gi;
  MPI_Comm          comm;
  double            mx = 0, var[3], hvol = 1;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(dyn->grid, &gi));
  PetscCall(OTGridGetComm(dyn->grid, &comm));
  for (int k = 0; k < 2; k++) {
    double m;
    PetscCall(OTDensityValidate(dyn->grid, dyn->in[k], k ? "dynamic: rho1" : "dynamic: rho0", &m));
    if (dyn->delta == 0) PetscCall(OTFieldScale(dyn->grid, 1.0 / m, dyn->in[k]));
  }
  PetscCall(PetscFree2(dyn->rho0, dyn->rho1));
  PetscCall(PetscMalloc2(gi->nlocal + 1, &dyn->rho0, gi->nlocal + 1, &dyn->rho1));
  for (PetscInt k = 0; k < gi->dim; k++) hvol *= gi->h[k];
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) {
    dyn->rho0[i] = dyn->in[0][i] / hvol;
    dyn->rho1[i] = dyn->in[1][i] / hvol;
    mx           = PetscMax(mx, PetscMax(dyn->rho0[i], dyn->rho1[i]));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_DOUBLE, MPI_MAX, comm));
  dyn->rhomax = mx;
  PetscCall(OTFieldMoments(dyn->grid, dyn->in[0], &dyn->mass[0], dyn->moments[0], var));
  dyn->moments[0][3] = var[0] + var[1] + var[2];
  PetscCall(OTFieldMoments(dyn->grid, dyn->in[1], &dyn->mass[1], dyn->moments[1], var));
  dyn->moments[1][3] = var[0] + var[1] + var[2];
  PetscCall(OTFieldDestroy(&dyn->in[0]));
  PetscCall(OTFieldDestroy(&dyn->in[1]));
  PetscFunctionReturn(0);
}

/* The settings, checked once the options are read; the method's create function fills its ops. */
static PetscErrorCode CheckSettings(OTDynamic dyn)
{
  PetscErrorCode (*create)(OTDynamic) = NULL;

  PetscFunctionBegin;
  PetscCall(PetscFunctionListFind(OTDynamicList, dyn->type, &create));
  PetscCheck(create, PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "-dyn_type %s is unknown: use pd, dr or alg2", dyn->type);
  PetscCall((*create)(dyn));
  PetscCall(OTDynPoissonCheckType(dyn->ptype));
  PetscCheck(dyn->check_every >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_check_every must be at least 1");
  PetscCheck(dyn->pd_tau >= 0 && dyn->pd_sigma >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_pd_tau and -dyn_pd_sigma must be positive");
  PetscCheck(!(dyn->pd_tau > 0 && dyn->pd_sigma > 0) || dyn->pd_tau * dyn->pd_sigma < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-dyn_pd_tau x -dyn_pd_sigma must be < 1 (|I| <= 1), not %g", dyn->pd_tau * dyn->pd_sigma);
  PetscCheck(dyn->pd_relax > 0 && dyn->pd_relax < 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_pd_relax must be in (0, 2), not %g", dyn->pd_relax);
  PetscCheck(dyn->dr_alpha > 0 && dyn->dr_alpha < 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_dr_alpha must be in (0, 2), not %g", dyn->dr_alpha);
  PetscCheck(dyn->dr_gamma >= 0 && dyn->alg2_r >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_dr_gamma and -dyn_alg2_r must be positive");
  PetscCheck(dyn->balance_mu > 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_balance_mu must be > 1");
  PetscCheck(dyn->cheb_its >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dyn_cheb_its must be at least 1");
  PetscCall(OTSolverSetUp(dyn->core));
  PetscCheck(dyn->delta >= 0 && PetscIsNormalReal(dyn->delta + 1), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-rho_fr must be a positive length (or 0 for balanced transport), not %g", dyn->delta);
  PetscCheck(dyn->nt >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-nt must be positive, not %" PetscInt_FMT, dyn->nt);
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicSetUp(OTDynamic dyn)
{
  OTSpaceTime *st = &dyn->st;
  double       bytes, cells;

  PetscFunctionBegin;
  if (dyn->setup) PetscFunctionReturn(0);
  PetscCheck(dyn->have_densities, PETSC_COMM_WORLD, PETSC_ERR_ORDER, "OTDynamicSetDensities() first");
  PetscCall(CheckSettings(dyn));
  if (dyn->nt == 0) {
    const OTGridInfo *gi;
    PetscCall(OTGridGetInfo(dyn->grid, &gi));
    dyn->nt = (PetscInt) PetscMax(2, PetscMax(gi->n[0], PetscMax(gi->n[1], gi->n[2])) / 2);
  }
  PetscCall(PrepareDensities(dyn));
  {
    /* what this rank will hold: 4 staggered/centred pairs, the potential, the Poisson work (FFTW may ask for a little more
       than the cells), 3 Chebyshev arrays; the KSP path adds the matrix (2d+3 entries a row) and its multigrid hierarchy */
    const OTGridInfo *gi;
    MPI_Comm          comm;
    PetscInt          nc;
    PetscCall(OTGridGetInfo(dyn->grid, &gi));
    PetscCall(OTGridGetComm(dyn->grid, &comm));
    PetscCheck(dyn->nt >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-nt must be at least 1, not %" PetscInt_FMT, dyn->nt);
    nc    = 1 + gi->dim + (dyn->delta > 0 ? 1 : 0);
    cells = (double) gi->nlocal * (double) dyn->nt;
    bytes = 8.0 * (4 * ((double) gi->nlocal * (dyn->nt + 1) + (2 * nc - 1) * cells) + cells + 1.2 * cells + 3 * cells);
    if (!strcmp(dyn->ptype, OTDYNPOISSONKSP)) bytes += 2.5 * cells * (2 * gi->dim + 3) * 12.0 + 8.0 * 4 * cells;
    PetscCall(OTMemoryCheck(comm, bytes, "dynamic (space-time grid)"));
  }
  PetscCall(OTSpaceTimeSetUp(st, dyn->grid, dyn->nt, dyn->delta > 0 ? PETSC_TRUE : PETSC_FALSE));
  st->cheb_its = dyn->cheb_its;
  PetscCall(OTDynVecCreate(st, PETSC_TRUE, &dyn->U));
  PetscCall(OTDynVecCreate(st, PETSC_TRUE, &dyn->Z));
  PetscCall(OTDynVecCreate(st, PETSC_TRUE, &dyn->X));
  PetscCall(OTDynVecCreate(st, PETSC_TRUE, &dyn->T));
  PetscCall(OTDynVecCreate(st, PETSC_FALSE, &dyn->V));
  PetscCall(OTDynVecCreate(st, PETSC_FALSE, &dyn->ZV));
  PetscCall(OTDynVecCreate(st, PETSC_FALSE, &dyn->XV));
  PetscCall(OTDynVecCreate(st, PETSC_FALSE, &dyn->TV));
  PetscCall(PetscCalloc1(st->ncell + 1, &dyn->p));
  PetscCall(OTLogEventRegisterOnce("OTDynIteration", &dyn->ev_iter));
  PetscCall(OTSolverSetStepEvent(dyn->core, dyn->ev_iter));
  PetscCall(OTLogEventRegisterOnce("OTDynPoisson", &dyn->ev_poisson));
  PetscCall(OTLogEventRegisterOnce("OTDynProx", &dyn->ev_prox));
  PetscCall(OTLogEventRegisterOnce("OTDynGraphProj", &dyn->ev_graph));
  PetscCall(OTLogEventRegisterOnce("OTDynResidual", &dyn->ev_check));
  /* KSP warm start: DR and ALG2 project points whose potential changes slowly; PD projects increments (a small potential
     each time), for which the previous solution is a bad first guess */
  PetscCall(OTDynPoissonCreate(st, dyn->ptype, dyn->delta > 0 ? 1.0 / (dyn->delta * dyn->delta) : 0.0, dyn->ops.warm, dyn->fftw_measure, &dyn->poisson));
  /* step sizes scale with the density (the dual variables do not): Chizat's gamma = max rho / 15 for DR and ALG2
     (r = 1/gamma); PD: tau = max rho, sigma = 0.99 / tau (|I| <= 1) */
  if (dyn->dr_gamma == 0) dyn->dr_gamma = dyn->rhomax / 15;
  if (dyn->alg2_r == 0) dyn->alg2_r = 15 / dyn->rhomax;
  if (dyn->pd_tau == 0) dyn->pd_tau = dyn->pd_sigma > 0 ? 0.99 / dyn->pd_sigma : dyn->rhomax;
  if (dyn->pd_sigma == 0) dyn->pd_sigma = 0.99 / dyn->pd_tau;
  dyn->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* One iteration of the method (the iteration core's step); every -dyn_check_every iterations, and at the last one, the
   residuals (their larger is the core's residual) and the energy of the current point for the progress line. */
PetscErrorCode OTDynamicStep(void *ctx, OTSolver core)
{
  OTDynamic dyn   = (OTDynamic) ctx;
  PetscBool check = (PetscBool) ((*core->it + 1) % dyn->check_every == 0 || *core->it + 1 == core->limit);
  double    rp = dyn->res.primal_residual, rd = dyn->res.dual_residual, et, es;

  PetscFunctionBegin;
  PetscCall(dyn->ops.step(dyn, check, &rp, &rd));
  if (!check) PetscFunctionReturn(0);
  dyn->res.primal_residual = rp;
  dyn->res.dual_residual   = rd;
  PetscCall(OTDynEnergy(&dyn->st, &dyn->ZV, &et, &es));
  snprintf(core->extra, sizeof core->extra, "primal %.3e dual %.3e  w2 %.10g", rp, rd, 2 * (et + es));
  PetscCall(OTSolverSetResidual(core, PetscMax(rp, rd)));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicSolve(OTDynamic dyn)
{
  OTSpaceTime      *st = &dyn->st;
  double            t0 = MPI_Wtime(), tol;
  PetscInt          max_it;
  PetscBool         restarted;
  OTConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(OTDynamicSetUp(dyn));
  PetscCall(OTSolverGetTolerances(dyn->core, &tol, &max_it));
  PetscCall(OTSolverBegin(dyn->core, &restarted));
  if (!restarted) {
    PetscCall(OTDynamicInitState(dyn));
    dyn->it                  = 0;
    dyn->res.primal_residual = dyn->res.dual_residual = 1;
  }
  PetscCall(OTSolverIterate(dyn->core, &dyn->it, max_it, tol, NULL));
  PetscCall(OTSolverEnd(dyn->core));
  PetscCall(OTSolverGetConvergedReason(dyn->core, &reason));
  dyn->res.converged  = (PetscBool) (reason == OT_CONVERGED_TOL);
  dyn->res.stopped    = (PetscBool) (reason == OT_STOPPED_SIGNAL);
  dyn->res.iterations = dyn->it;
  dyn->res.nt         = dyn->nt;
  dyn->res.delta      = dyn->delta;
  if (!dyn->res.stopped) {
    PetscCall(OTDynamicPathEnergy(dyn, &dyn->res.w2_squared_path, &dyn->res.w2_squared, &dyn->res.rho_min));
    PetscCall(PetscInfo(NULL, "dynamic: w2^2 of the path %.12g, of the prox point %.12g\n", dyn->res.w2_squared_path, dyn->res.w2_squared));
    dyn->res.rho_min *= st->hvol;
  }
  dyn->res.mass[0] = dyn->mass[0];
  dyn->res.mass[1] = dyn->mass[1];
  PetscCall(OTDynPoissonGetStats(dyn->poisson, &dyn->res.poisson_solves, &dyn->res.ksp_iterations, &dyn->res.poisson_time));
  dyn->res.total_time = MPI_Wtime() - t0;
  PetscCall(OTMemoryPeak(st->comm, &dyn->res.memory_peak));
  dyn->solved = PETSC_TRUE;
  if (dyn->view) PetscCall(OTDynamicView(dyn, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicGetResult(OTDynamic dyn, OTDynamicResult *res)
{
  PetscFunctionBegin;
  *res = dyn->res;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicView(OTDynamic dyn, PetscViewer v)
{
  char shape[96];

  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_WORLD, &v));
  PetscCall(OTGridShapeString(dyn->grid, shape, sizeof shape));
  PetscCall(PetscViewerASCIIPrintf(v, "OTDynamic: %s, space %s x %" PetscInt_FMT " time cells%s\n", dyn->type, shape, dyn->nt,
                                   dyn->delta > 0 ? " (Wasserstein-Fisher-Rao)" : ""));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(OTSolverView(dyn->core, v));
  if (dyn->ops.view) PetscCall(dyn->ops.view(dyn, v));
  if (dyn->poisson) PetscCall(OTDynPoissonView(dyn->poisson, v));
  if (dyn->solved)
    PetscCall(PetscViewerASCIIPrintf(v, "%" PetscInt_FMT " iterations, residuals %.3e (primal) %.3e (dual), w2^2 %.12g\n", dyn->res.iterations,
                                     dyn->res.primal_residual, dyn->res.dual_residual, dyn->res.w2_squared));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicDestroy(OTDynamic *dyn)
{
  OTDynamic d = *dyn;

  PetscFunctionBegin;
  if (!d) PetscFunctionReturn(0);
  if (d->setup) {
    OTDynVec *vs[8] = {&d->U, &d->V, &d->Z, &d->ZV, &d->X, &d->XV, &d->T, &d->TV};
    for (int i = 0; i < 8; i++) PetscCall(OTDynVecDestroy(&d->st, vs[i]));
    PetscCall(PetscFree(d->p));
    PetscCall(OTDynPoissonDestroy(&d->poisson));
    PetscCall(OTSpaceTimeDestroy(&d->st));
  }
  PetscCall(OTSolverDestroy(&d->core));
  PetscCall(PetscFree2(d->rho0, d->rho1));
  PetscCall(OTFieldDestroy(&d->in[0]));
  PetscCall(OTFieldDestroy(&d->in[1]));
  PetscCall(PetscFree(*dyn));
  PetscFunctionReturn(0);
}
