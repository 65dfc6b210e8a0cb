/* sinkhorn.c: OTSinkhorn, the solver object: life cycle (Create / SetFromOptions / SetUp / Solve / View / Destroy), the
   problems of a solve (OT(a,b), and OT(a,a), OT(b,b) with -debias), the eps-scaling schedule, results and output. */
#include "sinkhornimpl.h"

PetscLogEvent OTSINKHORN_Solve, OTSINKHORN_Iteration, OTSINKHORN_Reduce, OTSINKHORN_Evaluate;

/* On a set-up grid (NULL: no problem, only the options, for -help). */
PetscErrorCode OTSinkhornCreate(OTGrid g, OTSinkhorn *sinkhorn)
{
  OTSinkhorn S;
  MPI_Comm   comm = PETSC_COMM_WORLD;

  PetscFunctionBegin;
  if (g) PetscCall(OTGridGetComm(g, &comm));
  PetscCall(PetscNew(&S));
  S->comm         = comm;
  S->eps          = 1e-2;
  S->rho          = -1;
  S->lambda       = 1;
  S->eps_factor   = 0.5;
  S->eps_start    = -1; /* default: the squared extent of the grid */
  S->stage_tol    = 1e-3;
  S->stage_max_it = 200;
  S->acc.on       = PETSC_TRUE;
  S->multiscale   = PETSC_TRUE;
  S->ms_cells     = OT_MULTISCALE_EPS_CELLS;
  PetscCall(OTAccelReset(&S->acc));
  PetscCall(PetscStrncpy(S->prefix, "sinkhorn_", sizeof S->prefix));
  PetscCall(OTKernelCreate(comm, &S->K));
  if (g) {
    S->grid = g;
    PetscCall(OTGridGetInfo(g, &S->gi));
    PetscCall(OTKernelSetGrid(S->K, g));
  }
  {
    const OTSolverOps ops = {OTSinkhornStep, OTSinkhornSample, OTSinkhornCheckpointWrite, OTSinkhornCheckpointRead};
    PetscCall(OTSolverCreate(comm, "sinkhorn", S, &ops, &S->core));
    PetscCall(OTSolverSetTolerances(S->core, 1e-9, 10000));
    PetscCall(OTSolverSetMinIterations(S->core, 3));
    PetscCall(OTSolverSetOptionsPrefix(S->core, S->prefix));
  }
  PetscCall(OTLogEventRegisterOnce("OTSinkhornSolve", &OTSINKHORN_Solve));
  PetscCall(OTLogEventRegisterOnce("OTSinkhornIteration", &OTSINKHORN_Iteration));
  PetscCall(OTLogEventRegisterOnce("OTSinkhornReduce", &OTSINKHORN_Reduce));
  PetscCall(OTLogEventRegisterOnce("OTSinkhornEvaluate", &OTSINKHORN_Evaluate));
  PetscCall(OTSolverSetStepEvent(S->core, OTSINKHORN_Iteration));
  *sinkhorn = S;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetOptionsPrefix(OTSinkhorn S, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(S->prefix, prefix ? prefix : "", sizeof S->prefix));
  PetscCall(OTSolverSetOptionsPrefix(S->core, S->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornGetSolver(OTSinkhorn S, OTSolver *core)
{
  PetscFunctionBegin;
  *core = S->core;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornGetKernel(OTSinkhorn S, OTKernel *K)
{
  PetscFunctionBegin;
  *K = S->K;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetMeasures(OTSinkhorn S, const double *a, const double *b)
{
  OTGrid g = S->grid;

  PetscFunctionBegin;
  PetscCheck(g, S->comm, PETSC_ERR_ORDER, "an OTSinkhorn made without a grid (for its options) takes no measures");
  PetscCheck(!S->setup, S->comm, PETSC_ERR_ORDER, "the measures are set before OTSinkhornSetUp()");
  {
    double bytes;
    PetscCall(OTFieldBytes(g, 2, &bytes));
    PetscCall(OTMemoryCheck(S->comm, bytes, "sinkhorn inputs"));
  }
  PetscCall(OTFieldDestroy(&S->a));
  PetscCall(OTFieldDestroy(&S->b));
  PetscCall(OTFieldCreate(g, &S->a));
  PetscCall(OTFieldCreate(g, &S->b));
  PetscCall(OTFieldCopy(g, a, S->a));
  PetscCall(OTFieldCopy(g, b, S->b));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetEpsilon(OTSinkhorn S, double eps)
{
  PetscFunctionBegin;
  S->eps = eps;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetRho(OTSinkhorn S, double rho)
{
  PetscFunctionBegin;
  S->rho = rho;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetDebias(OTSinkhorn S, PetscBool flg)
{
  PetscFunctionBegin;
  S->debias = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetEpsScaling(OTSinkhorn S, PetscBool flg)
{
  PetscFunctionBegin;
  S->eps_scaling = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetSaveMap(OTSinkhorn S, PetscBool flg)
{
  PetscFunctionBegin;
  S->save_map = flg;
  PetscFunctionReturn(0);
}

/* Options with the solver's prefix (-sinkhorn_eps, -sinkhorn_tol, ...) override what the caller set; the kernel reads its
   own (-kernel, -kernel_boundary, -fftw_planner, ...). */
PetscErrorCode OTSinkhornSetFromOptions(OTSinkhorn S)
{
  const char *const aliases[] = {"eps", "rho", "debias", "eps_scaling", "save_map", "accel", "multiscale", "multiscale_eps_cells"};

  PetscFunctionBegin;
  PetscCall(OTOptionsAlias(S->prefix, 8, aliases));
  PetscOptionsBegin(S->comm, S->prefix, "Sinkhorn solver (entropic OT; aliases -eps, -rho, -debias, -eps_scaling, -save_map, -accel, -multiscale[_eps_cells])",
                    NULL);
  PetscCall(PetscOptionsReal("-eps", "entropic regularisation (squared length units)", "OTSinkhornSetEpsilon", S->eps, &S->eps, NULL));
  PetscCall(PetscOptionsReal("-rho", "unbalanced: marginal penalty rho KL (<= 0: balanced)", "OTSinkhornSetRho", S->rho, &S->rho, NULL));
  PetscCall(PetscOptionsBool("-debias", "also solve OT(a,a), OT(b,b): the Sinkhorn divergence", "OTSinkhornSetDebias", S->debias, &S->debias, NULL));
  PetscCall(PetscOptionsBool("-eps_scaling", "geometric eps schedule from the grid's squared extent, warm starts", "OTSinkhornSetEpsScaling", S->eps_scaling,
                             &S->eps_scaling, NULL));
  PetscCall(PetscOptionsReal("-eps_scaling_factor", "ratio of consecutive eps of the schedule", NULL, S->eps_factor, &S->eps_factor, NULL));
  PetscCall(
      PetscOptionsReal("-eps_scaling_start", "first eps of the schedule (default: sum of squared axis lengths)", NULL, S->eps_start, &S->eps_start, NULL));
  PetscCall(PetscOptionsReal("-eps_scaling_tol", "tolerance of the intermediate stages", NULL, S->stage_tol, &S->stage_tol, NULL));
  PetscCall(PetscOptionsInt("-eps_scaling_max_it", "iterations at most per intermediate stage", NULL, S->stage_max_it, &S->stage_max_it, NULL));
  PetscCall(PetscOptionsBool("-save_map", "write the barycentric projection T(x) (d components)", "OTSinkhornSetSaveMap", S->save_map, &S->save_map, NULL));
  PetscCall(
      PetscOptionsBool("-accel", "over-relaxation of OT(a,b) once its rate settles, safeguarded (the same fixed point)", NULL, S->acc.on, &S->acc.on, NULL));
  PetscCall(PetscOptionsBool("-multiscale",
                             "log domain: warm start from the same problems on a grid of twice the spacing (recursively, while every axis has 64 cells)", NULL,
                             S->multiscale, &S->multiscale, NULL));
  PetscCall(PetscOptionsReal("-multiscale_eps_cells", "a coarse level's eps is at least this many of its squared cells (0: eps on every level)", NULL,
                             S->ms_cells, &S->ms_cells, NULL));
  PetscCall(PetscOptionsInt("-time_kernel", "time a bare kernel application after each of the first N iterations (benchmarks: the per-iteration baseline)",
                            NULL, S->time_kernel, &S->time_kernel, NULL));
  PetscCall(
      PetscOptionsBool("-view", "print the solver and kernel (band widths, recomputed outputs) after the solve", "OTSinkhornView", S->view, &S->view, NULL));
  PetscOptionsEnd();
  PetscCall(OTSolverSetFromOptions(S->core));
  PetscCall(OTKernelSetFromOptions(S->K));
  PetscFunctionReturn(0);
}

/* The fields' memory before they are made: a, b (held), state, 3 work fields, potentials f, g; log a, log b (banded);
   self-term potentials; the map; and the coarse levels of a warm start when the settings want one. */
static PetscErrorCode CheckMemory(OTSinkhorn S)
{
  const OTGridInfo *gi    = S->gi;
  const PetscInt    nf    = 6 + 2 + (S->debias ? 2 : 0) + (S->save_map ? gi->dim : 0) + (S->acc.on ? 1 : 0);
  const double      share = OTSinkhornMultiscaleWanted(S) ? OTMultiscaleShare(gi) : 0;
  double            bytes;

  PetscFunctionBegin;
  PetscCall(OTFieldBytes(S->grid, nf, &bytes));
  PetscCall(OTMemoryCheck(S->comm, bytes * (1 + share), share > 0 ? "sinkhorn with its coarse levels" : "sinkhorn"));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSetUp(OTSinkhorn S)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  if (S->setup) PetscFunctionReturn(0);
  PetscCheck(S->a, S->comm, PETSC_ERR_ORDER, "call OTSinkhornSetMeasures() first");
  gi = S->gi;
  PetscCheck(S->eps > 0 && isfinite(S->eps), S->comm, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive and finite, not %g", S->eps);
  PetscCall(OTSolverSetUp(S->core));
  PetscCheck(isfinite(S->rho) || S->rho > 0, S->comm, PETSC_ERR_ARG_OUTOFRANGE, "-rho must be finite (or <= 0 for balanced), not %g", S->rho);
  PetscCheck(S->eps_factor > 0 && S->eps_factor < 1, S->comm, PETSC_ERR_ARG_OUTOFRANGE, "-sinkhorn_eps_scaling_factor must be in (0, 1), not %g",
             S->eps_factor);
  PetscCheck(S->stage_max_it >= 1, S->comm, PETSC_ERR_ARG_OUTOFRANGE, "-sinkhorn_eps_scaling_max_it must be at least 1");
  PetscCheck(S->ms_cells >= 0 && isfinite(S->ms_cells), S->comm, PETSC_ERR_ARG_OUTOFRANGE, "-multiscale_eps_cells must be >= 0 and finite, not %g",
             S->ms_cells);
  S->lambda = S->rho > 0 ? S->rho / (S->rho + S->eps) : 1.0;
  if (S->eps_start <= 0) {
    S->eps_start = 0;
    for (PetscInt k = 0; k < gi->dim; k++) S->eps_start += ((double) gi->n[k] * gi->h[k]) * ((double) gi->n[k] * gi->h[k]);
  }
  /* inputs: balanced problems see probability measures */
  {
    double ma, mb;
    PetscCall(OTFieldSum(S->grid, S->a, &ma));
    PetscCall(OTFieldSum(S->grid, S->b, &mb));
    PetscCheck(ma > 0 && mb > 0, S->comm, PETSC_ERR_ARG_OUTOFRANGE, "the densities must have positive mass");
    S->res.mass_a = ma;
    S->res.mass_b = mb;
    {
      char shape[96];
      PetscCall(OTGridShapeString(S->grid, shape, sizeof shape));
      PetscCall(OTPrintf(S->comm, "sinkhorn: %s grid, masses %.6g and %.6g, eps %g, %s%s\n", shape, ma, mb, S->eps, S->rho > 0 ? "unbalanced" : "balanced",
                         S->debias ? ", debiased" : ""));
    }
    if (S->rho <= 0) {
      PetscCall(OTFieldScale(S->grid, 1.0 / ma, S->a));
      PetscCall(OTFieldScale(S->grid, 1.0 / mb, S->b));
      S->res.mass_a = S->res.mass_b = 1;
    }
  }
  PetscCall(CheckMemory(S));
  PetscCall(OTFieldCreate(S->grid, &S->st));
  PetscCall(OTFieldCreate(S->grid, &S->w1));
  PetscCall(OTFieldCreate(S->grid, &S->w2));
  PetscCall(OTFieldCreate(S->grid, &S->w3));
  if (S->acc.on) PetscCall(OTFieldCreate(S->grid, &S->fo));
  PetscCall(OTFieldCreate(S->grid, &S->fab));
  PetscCall(OTFieldCreate(S->grid, &S->gab));
  PetscCall(PetscMalloc1(2 * (gi->local_n0 + 1), &S->ps));
  if (S->debias) {
    PetscCall(OTFieldCreate(S->grid, &S->faa));
    PetscCall(OTFieldCreate(S->grid, &S->fbb));
  }
  PetscCall(OTKernelSetEpsilon(S->K, S->eps_scaling ? PetscMax(S->eps, S->eps_start) : S->eps));
  PetscCall(OTKernelSetUp(S->K));
  /* the problems */
  S->nprob = S->debias ? 3 : 1;
  for (PetscInt p = 0; p < S->nprob; p++) {
    OTSinkProblem *P = &S->prob[p];
    PetscCall(PetscMemzero(P, sizeof *P));
    P->name = p == 0 ? "a,b" : (p == 1 ? "a,a" : "b,b");
    P->sym  = (PetscBool) (p > 0);
    P->a    = p == 2 ? S->b : S->a;
    P->b    = p == 1 ? S->a : S->b;
    P->ma   = p == 2 ? S->res.mass_b : S->res.mass_a;
    P->mb   = p == 1 ? S->res.mass_a : S->res.mass_b;
    P->f    = p == 0 ? S->fab : (p == 1 ? S->faa : S->fbb);
    P->g    = p == 0 ? S->gab : P->f;
  }
  S->res.epsilon = S->eps;
  S->res.debias  = S->debias;
  S->setup       = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* log a, log b for the log-domain iterations (-inf where the density vanishes), made when a banded stage first runs */
static PetscErrorCode EnsureLogs(OTSinkhorn S)
{
  PetscFunctionBegin;
  if (S->loga) PetscFunctionReturn(0);
  PetscCall(OTFieldCreate(S->grid, &S->loga));
  PetscCall(OTFieldCreate(S->grid, &S->logb));
  for (ptrdiff_t i = 0; i < S->gi->nlocal; i++) {
    S->loga[i] = S->a[i] > 0 ? log(S->a[i]) : -INFINITY;
    S->logb[i] = S->b[i] > 0 ? log(S->b[i]) : -INFINITY;
  }
  for (PetscInt p = 0; p < S->nprob; p++) {
    S->prob[p].loga = p == 2 ? S->logb : S->loga;
    S->prob[p].logb = p == 1 ? S->loga : S->logb;
  }
  PetscFunctionReturn(0);
}

/* Moves the state to stage s (eps, kernel, form), or takes the one a restart read, and primes the work field. */
static PetscErrorCode EnterStage(OTSinkhorn S, OTSinkProblem *P, PetscInt s, PetscBool first, double eps)
{
  PetscBool   logd;
  const char *choice, *type;

  PetscFunctionBegin;
  PetscCall(OTKernelSetEpsilon(S->K, eps));
  PetscCall(OTKernelIsLogDomain(S->K, &logd));
  PetscCall(OTKernelGetType(S->K, &type));
  PetscCall(OTKernelGetChoice(S->K, &choice));
  S->form    = logd ? OT_FORM_LOG : OT_FORM_SCALING;
  S->stage   = s;
  S->cur_eps = eps;
  if (logd) PetscCall(EnsureLogs(S));
  if (!S->last_kernel || strcmp(S->last_kernel, type) || first) PetscCall(OTPrintf(S->comm, "sinkhorn: OT(%s) eps %g: %s\n", P->name, eps, choice));
  S->last_kernel = type;
  /* the lambda of the unbalanced updates follows the stage's eps */
  S->lambda = S->rho > 0 ? S->rho / (S->rho + eps) : 1.0;
  if (S->resume && P == &S->prob[S->r_prob] && first) {
    const char *path;
    PetscCall(OTSolverGetCheckpoint(S->core, NULL, &path));
    PetscCheck(S->form == S->r_form, S->comm, PETSC_ERR_FILE_UNEXPECTED,
               "-restart %s: the checkpoint holds a %s state but this run uses the %s kernel at eps %g (use the same -kernel)", path,
               S->r_form == OT_FORM_LOG ? "log-domain" : "scaling", type, eps);
    S->resume = PETSC_FALSE; /* the state is in S->st (and the over-relaxation's in S->fo, S->acc) */
  } else {
    PetscCall(OTSinkhornStateFromPotentials(S, P, S->form, eps));
    PetscCall(OTAccelReset(&S->acc)); /* the rate changes with eps and problem: measured again */
  }
  PetscCall(OTSinkhornPrime(S));
  PetscFunctionReturn(0);
}

static PetscErrorCode SolveProblem(OTSinkhorn S, PetscInt pi)
{
  OTSinkProblem *P  = &S->prob[pi];
  PetscInt       ns = 1, s0 = 0, max_it;
  double        *sched, tol;

  PetscFunctionBegin;
  PetscCall(OTSolverGetTolerances(S->core, &tol, &max_it));
  if (S->eps_scaling)
    PetscCall(OTEpsSchedule(S->eps, S->eps_start, S->eps_factor, &ns, &sched));
  else {
    PetscCall(PetscMalloc1(1, &sched));
    sched[0] = S->eps;
  }
  if (S->resume && pi == S->r_prob) s0 = S->r_stage;
  PetscCheck(s0 < ns, S->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart: the checkpoint's stage %" PetscInt_FMT " does not exist in this eps schedule", s0);
  S->cur = P;
  for (PetscInt s = s0; s < ns; s++) {
    PetscBool final = (PetscBool) (s == ns - 1);
    char      label[160];
    PetscInt  limit = final ? max_it : PetscMin(P->it + S->stage_max_it, P->it + (max_it - P->it) / 2);

    PetscCall(EnterStage(S, P, s, (PetscBool) (s == s0), sched[s]));
    snprintf(label, sizeof label, "%s%s%s", S->debias ? "OT(" : "", S->debias ? P->name : "", S->debias ? ")" : "");
    if (ns > 1) snprintf(label + strlen(label), sizeof label - strlen(label), "%seps %g (stage %d/%d)", S->debias ? " " : "", sched[s], (int) s + 1, (int) ns);
    PetscCall(OTSolverSetStagesLeft(S->core, (ns - 1 - s) + (S->nprob - 1 - pi) * ns)); /* for the ETA */
    if (limit > P->it) PetscCall(OTSolverIterate(S->core, &P->it, limit, final ? tol : PetscMax(tol, S->stage_tol), label));
    if (OTSolverStopped(S->core)) break;
    PetscCall(OTSinkhornEvaluate(S, P, S->form, sched[s], final));
    if (final && pi == 0 && S->save_map) PetscCall(OTSinkhornComputeMap(S, P, S->form, sched[s]));
  }
  if (!OTSolverStopped(S->core)) {
    P->converged = (PetscBool) (P->err <= tol);
    P->done      = PETSC_TRUE;
    if (pi == 0) S->omega_ab = S->acc.omega;
  }
  PetscCall(PetscFree(sched));
  PetscFunctionReturn(0);
}

static PetscErrorCode CollectResults(OTSinkhorn S)
{
  OTSinkhornResult *r = &S->res;

  PetscFunctionBegin;
  r->iterations      = S->prob[0].it;
  r->converged       = S->prob[0].converged;
  r->marginal_error  = S->prob[0].marginal;
  r->transport_cost  = S->prob[0].transport;
  r->entropic_cost   = S->prob[0].entropic;
  r->mass            = S->prob[0].mass;
  r->potential_floor = S->prob[0].floor;
  PetscCall(OTSolverGetTiming(S->core, NULL, &r->time_per_iteration, &r->time_per_iteration_min));
  r->kernel_application_min = S->time_kernel > 0 ? S->kernel_min : 0;
  if (S->debias) {
    r->entropic_cost_aa = S->prob[1].entropic;
    r->entropic_cost_bb = S->prob[2].entropic;
    r->iterations_aa    = S->prob[1].it;
    r->iterations_bb    = S->prob[2].it;
    r->converged        = (PetscBool) (r->converged && S->prob[1].converged && S->prob[2].converged);
    r->sinkhorn_divergence =
        r->entropic_cost - 0.5 * (r->entropic_cost_aa + r->entropic_cost_bb) + 0.5 * S->eps * (r->mass_a - r->mass_b) * (r->mass_a - r->mass_b);
  }
  /* the reason of the solve: converged when every problem is, else the iteration limit */
  PetscCall(OTSolverSetConvergedReason(S->core, r->converged ? OT_CONVERGED_TOL : OT_DIVERGED_ITS));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornSolve(OTSinkhorn S)
{
  double    t0 = MPI_Wtime();
  PetscBool restarted;

  PetscFunctionBegin;
  PetscCall(OTSinkhornSetUp(S));
  PetscCall(PetscLogEventBegin(OTSINKHORN_Solve, 0, 0, 0, 0));
  S->samples = 0;
  PetscCall(OTSolverBegin(S->core, &restarted));
  {
    PetscBool ms;
    PetscCall(OTSinkhornMultiscaleApplies(S, restarted, &ms));
    if (ms) PetscCall(OTSinkhornMultiscale(S));
    if (S->ms_pending) PetscCall(OTSolverStopNow(S->core)); /* checkpointed: the restart solves the coarse level again */
  }
  for (PetscInt p = 0; p < S->nprob && !OTSolverStopped(S->core); p++)
    if (!S->prob[p].done) PetscCall(SolveProblem(S, p));
  PetscCall(OTSolverEnd(S->core));
  PetscCall(PetscLogEventEnd(OTSINKHORN_Solve, 0, 0, 0, 0));
  if (OTSolverStopped(S->core)) PetscFunctionReturn(0);
  PetscCall(CollectResults(S));
  S->res.time = MPI_Wtime() - t0;
  S->solved   = PETSC_TRUE;
  if (S->view) PetscCall(OTSinkhornView(S, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornGetResult(OTSinkhorn S, OTSinkhornResult *r)
{
  PetscFunctionBegin;
  PetscCheck(S->solved, S->comm, PETSC_ERR_ORDER, "no results: OTSinkhornSolve() has not completed");
  *r = S->res;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornGetPotentials(OTSinkhorn S, const double **f, const double **g)
{
  PetscFunctionBegin;
  PetscCheck(S->solved, S->comm, PETSC_ERR_ORDER, "no results: OTSinkhornSolve() has not completed");
  if (f) *f = S->fab;
  if (g) *g = S->gab;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornGetMap(OTSinkhorn S, const double **map)
{
  PetscFunctionBegin;
  *map = S->map;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornWriteResults(OTSinkhorn S, OTH5 f)
{
  const OTSinkhornResult *r  = &S->res;
  int                     it = (int) r->iterations, conv = r->converged ? 1 : 0;
  OTKernelType            type;

  PetscFunctionBegin;
  PetscCheck(S->solved, S->comm, PETSC_ERR_ORDER, "no results: OTSinkhornSolve() has not completed");
  PetscCall(OTKernelGetType(S->K, &type));
  PetscCall(OTH5WriteAttribute(f, "/", "epsilon", OT_DOUBLE, 1, &r->epsilon));
  PetscCall(OTH5WriteAttribute(f, "/", "iterations", OT_INT32, 1, &it));
  PetscCall(OTH5WriteAttribute(f, "/", "converged", OT_INT32, 1, &conv));
  PetscCall(OTH5WriteAttribute(f, "/", "marginal_error", OT_DOUBLE, 1, &r->marginal_error));
  PetscCall(OTH5WriteAttribute(f, "/", "transport_cost", OT_DOUBLE, 1, &r->transport_cost));
  PetscCall(OTH5WriteAttribute(f, "/", "entropic_cost", OT_DOUBLE, 1, &r->entropic_cost));
  PetscCall(OTH5WriteAttribute(f, "/", "plan_mass", OT_DOUBLE, 1, &r->mass));
  PetscCall(OTSolverWriteResults(S->core, f));
  if (r->kernel_application_min > 0) PetscCall(OTH5WriteAttribute(f, "/", "kernel_application_min", OT_DOUBLE, 1, &r->kernel_application_min));
  PetscCall(OTH5WriteAttributeString(f, "/", "kernel", type));
  if (S->rho > 0) PetscCall(OTH5WriteAttribute(f, "/", "rho", OT_DOUBLE, 1, &S->rho));
  if (r->coarse_iterations > 0) PetscCall(OTH5WriteAttribute(f, "/", "coarse_iterations", OT_DOUBLE, 1, &r->coarse_iterations));
  if (r->debias) {
    int ia = (int) r->iterations_aa, ib = (int) r->iterations_bb;
    PetscCall(OTH5WriteAttribute(f, "/", "sinkhorn_divergence", OT_DOUBLE, 1, &r->sinkhorn_divergence));
    PetscCall(OTH5WriteAttribute(f, "/", "entropic_cost_aa", OT_DOUBLE, 1, &r->entropic_cost_aa));
    PetscCall(OTH5WriteAttribute(f, "/", "entropic_cost_bb", OT_DOUBLE, 1, &r->entropic_cost_bb));
    PetscCall(OTH5WriteAttribute(f, "/", "iterations_aa", OT_INT32, 1, &ia));
    PetscCall(OTH5WriteAttribute(f, "/", "iterations_bb", OT_INT32, 1, &ib));
  }
  PetscCall(OTH5WriteField(f, S->grid, "/f", 1, S->fab));
  PetscCall(OTH5WriteField(f, S->grid, "/g", 1, S->gab));
  PetscCall(OTH5XdmfAddField(f, S->grid, "/f", 1));
  PetscCall(OTH5XdmfAddField(f, S->grid, "/g", 1));
  if (S->map) {
    PetscCall(OTH5WriteField(f, S->grid, "/map", S->gi->dim, S->map));
    PetscCall(OTH5XdmfAddField(f, S->grid, "/map", S->gi->dim));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornView(OTSinkhorn S, PetscViewer v)
{
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(S->comm, &v));
  PetscCall(PetscViewerASCIIPrintf(v, "OTSinkhorn: eps %g%s%s%s\n", S->eps, S->rho > 0 ? ", unbalanced" : ", balanced", S->debias ? ", debiased" : "",
                                   S->eps_scaling ? ", eps-scaling" : ""));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(OTSolverView(S->core, v));
  PetscCall(OTKernelView(S->K, v));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTSinkhornDestroy(OTSinkhorn *sinkhorn)
{
  OTSinkhorn S = *sinkhorn;

  PetscFunctionBegin;
  if (!S) PetscFunctionReturn(0);
  PetscCall(OTKernelDestroy(&S->K));
  PetscCall(OTFieldDestroy(&S->a));
  PetscCall(OTFieldDestroy(&S->b));
  PetscCall(OTFieldDestroy(&S->loga));
  PetscCall(OTFieldDestroy(&S->logb));
  PetscCall(OTFieldDestroy(&S->fab));
  PetscCall(OTFieldDestroy(&S->gab));
  PetscCall(OTFieldDestroy(&S->faa));
  PetscCall(OTFieldDestroy(&S->fbb));
  PetscCall(OTFieldDestroy(&S->st));
  PetscCall(OTFieldDestroy(&S->w1));
  PetscCall(OTFieldDestroy(&S->w2));
  PetscCall(OTFieldDestroy(&S->w3));
  PetscCall(OTFieldDestroy(&S->fo));
  PetscCall(OTFieldDestroy(&S->map));
  PetscCall(PetscFree(S->ps));
  PetscCall(OTSolverDestroy(&S->core));
  PetscCall(PetscFree(S));
  *sinkhorn = NULL;
  PetscFunctionReturn(0);
}
