/* barycenter.c: OTBarycenter, the solver object: options, groups x slabs (MPI_Comm_split), inputs made one at a time on
   all ranks (so that bad input is an error of every rank, and only one extra field is held) and handed to their group,
   the eps schedule, results and output. */
#include "barycenterimpl.h"

PetscLogEvent OTBARY_Solve, OTBARY_Iteration, OTBARY_Allreduce, OTBARY_Setup;

/* On the set-up grid of the inputs (copied; NULL: no problem, only the options, for -help). */
PetscErrorCode OTBarycenterCreate(OTGrid grid, OTBarycenter *bary)
{
  OTBarycenter B;
  MPI_Comm     comm = PETSC_COMM_WORLD;

  PetscFunctionBegin;
  if (grid) PetscCall(OTGridGetComm(grid, &comm));
  PetscCall(PetscNew(&B));
  B->comm       = comm;
  B->eps        = 1e-2;
  B->rho        = -1;
  B->lambda     = 1;
  B->sharpen    = -1;
  B->accel.on   = PETSC_TRUE;
  B->multiscale = PETSC_TRUE;
  B->ms_cells   = OT_MULTISCALE_EPS_CELLS;
  PetscCall(OTAccelReset(&B->accel));
  B->eps_factor   = 0.5;
  B->eps_start    = -1;
  B->stage_tol    = 1e-4;
  B->stage_max_it = 200;
  B->debias_steps = 1;
  B->gcomm = B->xcomm = MPI_COMM_NULL;
  B->logaddop         = MPI_OP_NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &B->rank));
  PetscCallMPI(MPI_Comm_size(comm, &B->size));
  PetscCall(PetscStrncpy(B->prefix, "bary_", sizeof B->prefix));
  if (grid) {
    PetscCall(OTGridDuplicate(grid, comm, &B->wgrid));
    PetscCall(OTGridGetInfo(B->wgrid, &B->wi));
  }
  /* a kernel on all ranks, for its options (-help); SetUp makes the group's kernel */
  PetscCall(OTKernelCreate(comm, &B->K_));
  PetscCall(OTLogEventRegisterOnce("OTBarySolve", &OTBARY_Solve));
  PetscCall(OTLogEventRegisterOnce("OTBaryIteration", &OTBARY_Iteration));
  PetscCall(OTLogEventRegisterOnce("OTBaryAllreduce", &OTBARY_Allreduce));
  PetscCall(OTLogEventRegisterOnce("OTBarySetUp", &OTBARY_Setup));
  {
    const OTSolverOps ops = {OTBarycenterStep, OTBarycenterSample, OTBarycenterCheckpointWrite, OTBarycenterCheckpointRead};
    PetscCall(OTSolverCreate(comm, "barycenter", B, &ops, &B->core));
    PetscCall(OTSolverSetTolerances(B->core, 1e-8, 10000));
    PetscCall(OTSolverSetMinIterations(B->core, 5));
    PetscCall(OTSolverSetOptionsPrefix(B->core, B->prefix));
    PetscCall(OTSolverSetStepEvent(B->core, OTBARY_Iteration));
  }
  *bary = B;
  PetscFunctionReturn(0);
}

/* The K inputs come from load(ctx, k, field): input k as masses per cell on the grid, into a field of the grid (it is
   called once per input, in OTBarycenterSetUp, on every rank); weights w (NULL: uniform) are normalised to sum 1. */
PetscErrorCode OTBarycenterSetMeasureLoader(OTBarycenter B, PetscInt K, const double w[], PetscErrorCode (*load)(void *, PetscInt, double *), void *ctx)
{
  double sum = 0;

  PetscFunctionBegin;
  PetscCheck(B->wgrid, B->comm, PETSC_ERR_ORDER, "an OTBarycenter made without a grid (for its options) takes no measures");
  PetscCheck(K >= 1, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-inputs: at least one density is needed");
  B->K       = K;
  B->load    = load;
  B->loadctx = ctx;
  PetscCall(PetscFree(B->w));
  PetscCall(PetscMalloc1(K, &B->w));
  for (PetscInt k = 0; k < K; k++) {
    B->w[k] = w ? w[k] : 1.0;
    PetscCheck(isfinite(B->w[k]) && B->w[k] >= 0, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-weights: weight %" PetscInt_FMT " is %g; weights must be >= 0", k + 1,
               B->w[k]);
    sum += B->w[k];
  }
  PetscCheck(sum > 0, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-weights: the weights sum to zero");
  for (PetscInt k = 0; k < K; k++) B->w[k] /= sum;
  PetscFunctionReturn(0);
}

static PetscErrorCode CopyMeasure(void *ctx, PetscInt k, double *f)
{
  OTBarycenter B = (OTBarycenter) ctx;

  PetscFunctionBegin;
  PetscCall(OTFieldCopy(B->wgrid, B->fields[k], f));
  PetscFunctionReturn(0);
}

/* The K inputs as fields of the grid, p[k] (read in OTBarycenterSetUp: they must live until then). */
PetscErrorCode OTBarycenterSetMeasures(OTBarycenter B, PetscInt K, const double *const p[], const double w[])
{
  PetscFunctionBegin;
  PetscCall(OTBarycenterSetMeasureLoader(B, K, w, CopyMeasure, B));
  B->fields = p;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetEpsilon(OTBarycenter B, double eps)
{
  PetscFunctionBegin;
  B->eps = eps;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterGetSolver(OTBarycenter B, OTSolver *core)
{
  PetscFunctionBegin;
  *core = B->core;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetRho(OTBarycenter B, double rho)
{
  PetscFunctionBegin;
  B->rho = rho;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetDebias(OTBarycenter B, PetscBool flg)
{
  PetscFunctionBegin;
  B->debias = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetGroups(OTBarycenter B, PetscInt G)
{
  PetscFunctionBegin;
  B->G_req = G;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetSharpen(OTBarycenter B, double H)
{
  PetscFunctionBegin;
  B->sharpen = H;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetEpsScaling(OTBarycenter B, PetscBool flg)
{
  PetscFunctionBegin;
  B->eps_scaling = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetFromOptions(OTBarycenter B)
{
  const char *const aliases[] = {"eps", "rho", "debias", "groups", "sharpen", "eps_scaling", "accel", "multiscale", "multiscale_eps_cells"};

  PetscFunctionBegin;
  PetscCall(OTOptionsAlias(B->prefix, 9, aliases));
  PetscOptionsBegin(
      B->comm, B->prefix,
      "Wasserstein barycenter (iterative Bregman projections; aliases -eps, -rho, -debias, -groups, -sharpen, -eps_scaling, -accel, -multiscale[_eps_cells])",
      NULL);
  PetscCall(PetscOptionsReal("-eps", "entropic regularisation (squared length units)", "OTBarycenterSetEpsilon", B->eps, &B->eps, NULL));
  PetscCall(PetscOptionsReal("-rho", "unbalanced: marginal penalty rho KL (<= 0: balanced)", "OTBarycenterSetRho", B->rho, &B->rho, NULL));
  PetscCall(PetscOptionsBool("-debias", "debiased barycenter (Janati et al. 2020)", "OTBarycenterSetDebias", B->debias, &B->debias, NULL));
  PetscCall(PetscOptionsBool("-multiscale",
                             "warm start from the barycenter of the inputs sum-pooled on a grid of twice the spacing, recursively (log domain, balanced or "
                             "-rho, no -sharpen or -eps_scaling, every axis >= 64 cells)",
                             NULL, B->multiscale, &B->multiscale, NULL));
  PetscCall(PetscOptionsReal("-multiscale_eps_cells", "a coarse level's eps is at least this many of its squared cells (0: eps on every level)", NULL,
                             B->ms_cells, &B->ms_cells, NULL));
  PetscCall(PetscOptionsBool("-accel",
                             "over-relaxation of the projections once their rate settles, safeguarded (no -sharpen; the same fixed point; off with -debias "
                             "unless given)",
                             NULL, B->accel.on, &B->accel.on, &B->accel_set));
  PetscCall(PetscOptionsInt("-debias_steps", "debiasing steps per iteration (POT: 10)", NULL, B->debias_steps, &B->debias_steps, NULL));
  PetscCall(PetscOptionsInt("-groups", "rank groups (0: chosen from the inputs, ranks and memory)", "OTBarycenterSetGroups", B->G_req, &B->G_req, NULL));
  PetscCall(PetscOptionsReal("-sharpen", "entropy bound of the barycenter in nats (0: the largest input entropy; < 0: off)", "OTBarycenterSetSharpen",
                             B->sharpen, &B->sharpen, NULL));
  PetscCall(PetscOptionsBool("-eps_scaling", "geometric eps schedule from the grid's squared extent, warm starts", "OTBarycenterSetEpsScaling", B->eps_scaling,
                             &B->eps_scaling, NULL));
  PetscCall(PetscOptionsReal("-eps_scaling_factor", "ratio of consecutive eps of the schedule", NULL, B->eps_factor, &B->eps_factor, NULL));
  PetscCall(
      PetscOptionsReal("-eps_scaling_start", "first eps of the schedule (default: sum of squared axis lengths)", NULL, B->eps_start, &B->eps_start, NULL));
  PetscCall(PetscOptionsReal("-eps_scaling_tol", "tolerance of the intermediate stages", NULL, B->stage_tol, &B->stage_tol, NULL));
  PetscCall(PetscOptionsInt("-eps_scaling_max_it", "iterations at most per intermediate stage", NULL, B->stage_max_it, &B->stage_max_it, NULL));
  PetscCall(PetscOptionsInt("-time_kernel", "time a bare application of the group's kernel after each of the first N iterations (benchmarks)", NULL,
                            B->time_kernel, &B->time_kernel, NULL));
  PetscCall(PetscOptionsBool("-view", "print the solver and kernel after the solve", "OTBarycenterView", B->view, &B->view, NULL));
  PetscOptionsEnd();
  PetscCall(OTSolverSetFromOptions(B->core));
  PetscCall(OTKernelSetFromOptions(B->K_));
  PetscFunctionReturn(0);
}

/* Bytes per rank for G groups: 2 fields per local input (density, scaling), 5 shared (work, q, previous q, sum, d). */
static double BytesPerRank(OTBarycenter B, PetscInt G, ptrdiff_t alloc_group)
{
  PetscInt nloc = (B->K + G - 1) / G;
  return (double) ((B->accel.on && B->sharpen < 0 ? 4 : 2) * nloc + 5) * (double) alloc_group * sizeof(double);
}

/* Groups: -groups G, or the largest divisor of P not above K whose groups can split the grid and whose fields (times
   1 + share, the coarse levels) fit in memory (more groups: fewer ranks per transform, so less communication per kernel
   application, but more memory). */
static PetscErrorCode ChooseGroups(OTBarycenter B, double share)
{
  const OTGridInfo *wi = B->wi;
  double            avail;
  PetscMPIInt       pmax;

  PetscFunctionBegin;
  if (B->G_req > 0) {
    PetscCheck(B->size % B->G_req == 0, B->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-groups %" PetscInt_FMT ": %d ranks cannot form %" PetscInt_FMT " equal groups (G must divide the rank count)", B->G_req, (int) B->size,
               B->G_req);
    PetscCheck(B->G_req <= B->K, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-groups %" PetscInt_FMT ": more groups than the %" PetscInt_FMT " inputs", B->G_req, B->K);
    PetscCall(OTGridMaxRanks(wi->dim, wi->n, (PetscMPIInt) (B->size / B->G_req), &pmax));
    PetscCheck(pmax == B->size / B->G_req, B->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-groups %" PetscInt_FMT ": groups of %d ranks cannot share the %td planes of axis 0 (use groups of at most %d ranks)", B->G_req,
               (int) (B->size / B->G_req), wi->n[0], (int) pmax);
    B->G = B->G_req;
    PetscFunctionReturn(0);
  }
  PetscCall(OTMemoryAvailable(B->comm, &avail));
  B->G = 0;
  /* a rank's work per iteration goes as ceil(K/G) inputs on 1/(P/G) of the grid: the least ceil(K/G) G wins (K = 3 on
     2 ranks: one group of 2, not 2 groups with 2 and 1 inputs), the larger G on a tie (less communication) */
  for (PetscInt G = PetscMin(B->K, (PetscInt) B->size), best = 0; G >= 1; G--) {
    ptrdiff_t a    = (wi->nglobal + B->size / G - 1) / (B->size / G) + wi->plane;
    PetscInt  work = (B->K + G - 1) / G * G;
    if (B->size % G) continue;
    PetscCall(OTGridMaxRanks(wi->dim, wi->n, (PetscMPIInt) (B->size / G), &pmax));
    if (pmax != B->size / G) continue;
    /* the node holds all its ranks' fields: ranks per node unknown here, so compare the total with what this node has */
    if (G > 1 && avail > 0 && BytesPerRank(B, G, a) * (1 + share) * (double) B->size > 0.8 * avail) continue;
    if (!B->G || work < best) {
      B->G = G;
      best = work;
    }
  }
  PetscCheck(B->G > 0, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "no grouping of %d ranks fits the grid (%td planes of axis 0)", (int) B->size, wi->n[0]);
  PetscFunctionReturn(0);
}

/* logaddexp, element-wise: the MPI reduction of the log-domain unbalanced barycenter (a sum of exponentials) */
static void LogAddExpOp(void *in, void *inout, int *len, MPI_Datatype *type)
{
  const double *a = (const double *) in;
  double       *b = (double *) inout;

  (void) type;
  for (int i = 0; i < *len; i++) {
    double m = a[i] > b[i] ? a[i] : b[i], n = a[i] > b[i] ? b[i] : a[i];
    b[i] = m == -INFINITY ? m : m + log1p(exp(n - m));
  }
}

/* The settings, checked once the options are read. */
static PetscErrorCode CheckSettings(OTBarycenter B)
{
  PetscFunctionBegin;
  PetscCheck(B->K >= 1 && B->load, B->comm, PETSC_ERR_ORDER, "call OTBarycenterSetMeasures() first");
  PetscCheck(B->eps > 0 && isfinite(B->eps), B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive and finite, not %g", B->eps);
  PetscCall(OTSolverSetUp(B->core));
  PetscCheck(B->G_req >= 0, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-groups must be >= 1 (or 0: automatic), not %" PetscInt_FMT, B->G_req);
  PetscCheck(isfinite(B->rho), B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-rho must be finite (or <= 0 for balanced), not %g", B->rho);
  PetscCheck(!(B->debias && B->rho > 0), B->comm, PETSC_ERR_SUP, "-debias is defined for balanced barycenters; drop -rho or -debias");
  PetscCheck(isfinite(B->sharpen), B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-sharpen must be finite");
  PetscCheck(B->eps_factor > 0 && B->eps_factor < 1, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-bary_eps_scaling_factor must be in (0, 1), not %g", B->eps_factor);
  PetscCheck(B->debias_steps >= 1, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-bary_debias_steps must be at least 1");
  PetscCheck(B->stage_max_it >= 1, B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-bary_eps_scaling_max_it must be at least 1");
  PetscCheck(B->ms_cells >= 0 && isfinite(B->ms_cells), B->comm, PETSC_ERR_ARG_OUTOFRANGE, "-multiscale_eps_cells must be >= 0 and finite, not %g",
             B->ms_cells);
  if (B->debias) B->core->min_it = PetscMax(B->core->min_it, 20); /* debiasing does not converge monotonically */
  B->lambda = B->rho > 0 ? B->rho / (B->rho + B->eps) : 1.0;
  PetscFunctionReturn(0);
}

/* The grid (from the first input) on all ranks, the groups, and the same grid on this rank's group; memory checked. */
static PetscErrorCode MakeGroups(OTBarycenter B)
{
  /* the coarse levels of a warm start the settings want hold their fields while the coarsest solves */
  const double share = OTBarycenterMultiscaleWanted(B) ? OTMultiscaleShare(B->wi) : 0;
  double       bytes;

  PetscFunctionBegin;
  PetscCall(ChooseGroups(B, share));
  B->Pg = B->size / B->G;
  B->g  = B->rank / B->Pg;
  B->rg = (PetscMPIInt) (B->rank % B->Pg);
  PetscCallMPI(MPI_Comm_split(B->comm, (int) B->g, B->rank, &B->gcomm));
  PetscCallMPI(MPI_Comm_split(B->comm, B->rg, (int) B->g, &B->xcomm));
  PetscCall(OTGridDuplicate(B->wgrid, B->gcomm, &B->ggrid));
  PetscCall(OTGridGetInfo(B->ggrid, &B->gi));
  PetscCall(PetscMalloc1(B->K, &B->loc));
  for (PetscInt k = 0; k < B->K; k++)
    if (k % B->G == B->g) B->loc[B->nloc++] = k;
  bytes = BytesPerRank(B, B->G, B->gi->alloc);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_DOUBLE, MPI_MAX, B->comm));
  B->res.bytes_per_rank = bytes;
  {
    char shape[96], mem[32];
    PetscCall(OTGridShapeString(B->wgrid, shape, sizeof shape));
    PetscCall(OTFormatBytes(bytes, mem, sizeof mem));
    PetscCall(OTPrintf(B->comm,
                       "barycenter: %" PetscInt_FMT " inputs on a %s grid, %" PetscInt_FMT " group%s of %" PetscInt_FMT " rank%s (%" PetscInt_FMT
                       " input%s per group%s), %s of fields per rank\n",
                       B->K, shape, B->G, B->G > 1 ? "s" : "", B->Pg, B->Pg > 1 ? "s" : "", (B->K + B->G - 1) / B->G, B->K > B->G ? "s" : "",
                       B->G_req > 0 ? ", -groups" : ", chosen", mem));
  }
  PetscCall(OTMemoryCheck(B->comm, BytesPerRank(B, B->G, B->gi->alloc) * (1 + share), share > 0 ? "barycenter with its coarse levels" : "barycenter"));

  PetscFunctionReturn(0);
}

/* Exchanges between the layouts: world slabs -> this rank's group slabs; group g slabs -> world slabs. */
static PetscErrorCode MakeExchanges(OTBarycenter B)
{
  const ptrdiff_t *ws, *wc, *gs, *gc;
  ptrdiff_t       *starts, *counts, *need;

  PetscFunctionBegin;
  PetscCall(OTGridGetRanges(B->wgrid, &ws, &wc));
  PetscCall(OTGridGetRanges(B->ggrid, &gs, &gc));
  PetscCall(PetscMalloc3(B->size, &starts, B->size, &counts, PetscMax(B->wi->n[0], 1), &need));
  for (ptrdiff_t p = 0; p < B->gi->local_n0; p++) need[p] = B->gi->start0 + p;
  PetscCall(OTPlaneExchangeCreate(B->comm, ws, wc, B->wi->plane, B->gi->local_n0, need, &B->toGroup));
  for (ptrdiff_t p = 0; p < B->wi->local_n0; p++) need[p] = B->wi->start0 + p;
  PetscCall(PetscCalloc1(B->G, &B->fromGroup));
  for (PetscInt g = 0; g < B->G; g++) {
    /* group g = ranks [g Pg, (g+1) Pg): their group slabs, in world rank numbering */
    for (PetscMPIInt r = 0; r < B->size; r++) {
      PetscBool in = (PetscBool) (r / B->Pg == g);
      starts[r]    = in ? gs[r % B->Pg] : 0;
      counts[r]    = in ? gc[r % B->Pg] : 0;
    }
    PetscCall(OTPlaneExchangeCreate(B->comm, starts, counts, B->wi->plane, B->wi->local_n0, need, &B->fromGroup[g]));
  }
  PetscCall(PetscFree3(starts, counts, need));

  PetscFunctionReturn(0);
}

/* Inputs: read on all ranks (errors are everyone's), label masks, validation, normalised when balanced, then handed to
   the group that owns them; the largest input entropy (the default bound of -sharpen). */
static PetscErrorCode LoadInputs(OTBarycenter B)
{
  double *tmp, *recv;

  PetscFunctionBegin;
  PetscCall(PetscCalloc2(B->nloc + 1, &B->p, B->nloc + 1, &B->slot));
  PetscCall(OTFieldCreate(B->wgrid, &tmp));
  PetscCall(OTFieldCreate(B->ggrid, &recv));
  B->input_entropy_max = 0;
  for (PetscInt k = 0; k < B->K; k++) {
    double mass, ent, *plogp;
    char   name[32];
    snprintf(name, sizeof name, "barycenter input %d", (int) k + 1);
    PetscCall(B->load(B->loadctx, k, tmp));
    PetscCall(OTDensityValidate(B->wgrid, tmp, name, &mass));
    if (B->rho <= 0) PetscCall(OTFieldScale(B->wgrid, 1.0 / mass, tmp));
    /* entropy of the normalised input (the default bound of -sharpen) */
    PetscCall(OTFieldCreate(B->wgrid, &plogp));
    for (ptrdiff_t i = 0; i < B->wi->nlocal; i++) plogp[i] = tmp[i] > 0 ? tmp[i] * log(tmp[i]) : 0;
    PetscCall(OTFieldSum(B->wgrid, plogp, &ent));
    PetscCall(OTFieldDestroy(&plogp));
    ent                  = B->rho <= 0 ? -ent : log(mass) - ent / mass;
    B->input_entropy_max = PetscMax(B->input_entropy_max, ent);
    PetscCall(OTPlaneExchangeExecute(B->toGroup, tmp, recv));
    for (PetscInt j = 0; j < B->nloc; j++)
      if (B->loc[j] == k) {
        PetscCall(OTFieldCreate(B->ggrid, &B->p[j]));
        PetscCall(OTFieldCopy(B->ggrid, recv, B->p[j]));
      }
  }
  PetscCall(OTFieldDestroy(&tmp));
  PetscCall(OTFieldDestroy(&recv));

  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSetUp(OTBarycenter B)
{
  PetscFunctionBegin;
  if (B->setup) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(OTBARY_Setup, 0, 0, 0, 0));
  /* over-relaxation hardly changes the debiased iteration (its tail is the deconvolution's, see DebiasHint): there it
     would only cost two fields per input and marginal error, so it is on only when asked for */
  if (B->debias && !B->accel_set) B->accel.on = PETSC_FALSE;
  PetscCall(CheckSettings(B));
  PetscCall(MakeGroups(B));
  PetscCall(MakeExchanges(B));
  PetscCall(LoadInputs(B));
  /* state */
  for (PetscInt j = 0; j < B->nloc; j++) PetscCall(OTFieldCreate(B->ggrid, &B->slot[j]));
  if (B->accel.on && B->sharpen < 0) {
    PetscCall(PetscCalloc2(B->nloc + 1, &B->lu, B->nloc + 1, &B->lv));
    for (PetscInt j = 0; j < B->nloc; j++) {
      PetscCall(OTFieldCreate(B->ggrid, &B->lu[j]));
      PetscCall(OTFieldCreate(B->ggrid, &B->lv[j]));
    }
  } else
    B->accel.on = PETSC_FALSE;
  PetscCall(OTFieldCreate(B->ggrid, &B->W));
  PetscCall(OTFieldCreate(B->ggrid, &B->q));
  PetscCall(OTFieldCreate(B->ggrid, &B->qold));
  PetscCall(PetscMalloc1(B->gi->nlocal + 4, &B->acc));
  PetscCall(PetscMalloc1(4 * (B->gi->local_n0 + 1), &B->ps));
  PetscCall(OTFieldCreate(B->ggrid, &B->d));
  if (B->sharpen >= 0) PetscCall(OTFieldCreate(B->ggrid, &B->qprev));
  PetscCallMPI(MPI_Op_create(LogAddExpOp, 1, &B->logaddop));

  /* the group's kernel, with the settings of the one SetFromOptions read on all ranks */
  {
    OTKernel Kg;
    PetscCall(OTKernelDuplicate(B->K_, B->gcomm, &Kg));
    PetscCall(OTKernelDestroy(&B->K_));
    B->K_ = Kg;
    PetscCall(OTKernelSetGrid(B->K_, B->ggrid));
  }
  if (B->eps_start <= 0) {
    B->eps_start = 0;
    for (PetscInt k = 0; k < B->wi->dim; k++) B->eps_start += ((double) B->wi->n[k] * B->wi->h[k]) * ((double) B->wi->n[k] * B->wi->h[k]);
  }
  PetscCall(OTKernelSetEpsilon(B->K_, B->eps_scaling ? PetscMax(B->eps, B->eps_start) : B->eps));
  PetscCall(OTKernelSetUp(B->K_));
  B->res.epsilon          = B->eps;
  B->res.groups           = B->G;
  B->res.ranks_per_group  = B->Pg;
  B->res.inputs_per_group = (B->K + B->G - 1) / B->G;
  B->res.inputs           = B->K;
  B->setup                = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(OTBARY_Setup, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Moves the state to stage s (eps and form), or checks the one a restart read. */
static PetscErrorCode EnterStage(OTBarycenter B, PetscInt s, double eps_prev, double eps)
{
  PetscBool   logd;
  const char *choice;

  PetscFunctionBegin;
  PetscCall(OTKernelSetEpsilon(B->K_, eps));
  PetscCall(OTKernelIsLogDomain(B->K_, &logd));
  PetscCall(OTKernelGetChoice(B->K_, &choice));
  PetscCall(OTPrintf(B->comm, "barycenter: eps %g: %s\n", eps, choice));
  if (B->resume) {
    PetscCheck(B->form == (logd ? OT_BARY_LOG : OT_BARY_SCALING), B->comm, PETSC_ERR_FILE_UNEXPECTED,
               "-restart: the checkpoint holds a %s state but this run uses the %s domain at eps %g (use the same -kernel)",
               B->form == OT_BARY_LOG ? "log-domain" : "scaling", logd ? "log" : "scaling", eps);
    B->resume = PETSC_FALSE;
  } else {
    PetscCall(OTBarycenterStageChange(B, logd ? OT_BARY_LOG : OT_BARY_SCALING, eps_prev, eps));
    PetscCall(OTAccelReset(&B->accel)); /* the rate changes with eps: measured again */
  }
  B->stage   = s;
  B->cur_eps = eps;
  B->lambda  = B->rho > 0 ? B->rho / (B->rho + eps) : 1.0;
  PetscFunctionReturn(0);
}

static PetscErrorCode CollectResults(OTBarycenter B, double tol)
{
  PetscFunctionBegin;
  PetscCall(OTBarycenterFinish(B));
  B->res.iterations     = B->it;
  B->res.converged      = (PetscBool) (B->change <= tol && (B->rho > 0 || B->err <= tol));
  B->res.marginal_error = B->err;
  B->res.change         = B->change;
  B->res.mass           = B->mass;
  PetscCall(OTSolverGetTiming(B->core, NULL, &B->res.time_per_iteration, &B->res.time_per_iteration_min));
  B->res.kernel_application_min = B->time_kernel > 0 ? B->kernel_min : 0;
  PetscCall(OTSolverSetConvergedReason(B->core, B->res.converged ? OT_CONVERGED_TOL : OT_DIVERGED_ITS));
  PetscCall(OTMemoryPeak(B->comm, &B->res.peak_memory_per_rank));
  PetscFunctionReturn(0);
}

/* Why a debiased run stops short, where it does: its fixed point is a deconvolution (K d = prod_k (K u_k)^w_k), whose
   fine modes an iteration moves at the kernel's eigenvalue there, e^(-eps pi^2 / 4 h^2) at the grid frequency, so the
   change falls like a power of the iteration count once eps spans several cells^2 (README, -debias). */
static PetscErrorCode DebiasHint(OTBarycenter B)
{
  double h2 = B->wi->h[0] * B->wi->h[0];

  PetscFunctionBegin;
  for (PetscInt k = 1; k < B->wi->dim; k++) h2 = PetscMin(h2, B->wi->h[k] * B->wi->h[k]);
  PetscCall(OTPrintf(B->comm,
                     "barycenter: -debias: eps = %.3g cells^2, where the kernel's eigenvalue at the grid frequency is e^-%.3g: the debiased fixed point "
                     "is a deconvolution there, and the change falls like a power of the iteration count (README, -debias)\n",
                     B->eps / h2, B->eps * PETSC_PI * PETSC_PI / (4 * h2)));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterSolve(OTBarycenter B)
{
  PetscInt  ns = 1, s0 = 0, max_it;
  double   *sched, t0  = MPI_Wtime(), tol;
  PetscBool restarted;

  PetscFunctionBegin;
  PetscCall(OTBarycenterSetUp(B));
  PetscCall(PetscLogEventBegin(OTBARY_Solve, 0, 0, 0, 0));
  PetscCall(OTSolverGetTolerances(B->core, &tol, &max_it));
  if (B->eps_scaling)
    PetscCall(OTEpsSchedule(B->eps, B->eps_start, B->eps_factor, &ns, &sched));
  else {
    PetscCall(PetscMalloc1(1, &sched));
    sched[0] = B->eps;
  }
  B->samples = 0;
  PetscCall(OTSolverBegin(B->core, &restarted));
  if (restarted) s0 = B->stage;
  {
    PetscBool logd;
    PetscCall(OTKernelSetEpsilon(B->K_, sched[s0]));
    PetscCall(OTKernelIsLogDomain(B->K_, &logd));
    if (OTBarycenterMultiscaleApplies(B, logd, restarted)) PetscCall(OTBarycenterMultiscale(B));
    if (B->ms_pending) PetscCall(OTSolverStopNow(B->core)); /* checkpointed: the restart solves the coarse level again */
  }
  PetscCheck(s0 < ns, B->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart: the checkpoint's stage %" PetscInt_FMT " does not exist in this eps schedule", s0);
  for (PetscInt s = s0; s < ns && !OTSolverStopped(B->core); s++) {
    PetscBool final     = (PetscBool) (s == ns - 1);
    PetscInt  limit     = final ? max_it : PetscMin(B->it + B->stage_max_it, B->it + (max_it - B->it) / 2);
    char      label[96] = "";

    PetscCall(EnterStage(B, s, s > s0 ? sched[s - 1] : sched[s], sched[s]));
    if (ns > 1) snprintf(label, sizeof label, "eps %g (stage %d/%d)", sched[s], (int) s + 1, (int) ns);
    PetscCall(OTSolverSetStagesLeft(B->core, ns - 1 - s)); /* for the ETA */
    if (limit > B->it) PetscCall(OTSolverIterate(B->core, &B->it, limit, final ? tol : PetscMax(tol, B->stage_tol), label));
  }
  PetscCall(OTSolverEnd(B->core));
  PetscCall(PetscFree(sched));
  PetscCall(PetscLogEventEnd(OTBARY_Solve, 0, 0, 0, 0));
  if (OTSolverStopped(B->core)) PetscFunctionReturn(0);
  PetscCall(CollectResults(B, tol));
  if (B->debias && !B->res.converged) PetscCall(DebiasHint(B));
  B->res.time = MPI_Wtime() - t0;
  B->solved   = PETSC_TRUE;
  if (B->view) PetscCall(OTBarycenterView(B, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterGetResult(OTBarycenter B, OTBarycenterResult *r)
{
  PetscFunctionBegin;
  PetscCheck(B->solved, B->comm, PETSC_ERR_ORDER, "no results: OTBarycenterSolve() has not completed");
  *r = B->res;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterGetBarycenter(OTBarycenter B, OTGrid *g, const double **q)
{
  PetscFunctionBegin;
  PetscCheck(B->solved, B->comm, PETSC_ERR_ORDER, "no results: OTBarycenterSolve() has not completed");
  *g = B->wgrid;
  *q = B->qw;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterWriteResults(OTBarycenter B, OTH5 f)
{
  const OTBarycenterResult *r  = &B->res;
  int                       it = (int) r->iterations, conv = r->converged ? 1 : 0, G = (int) r->groups;

  PetscFunctionBegin;
  PetscCheck(B->solved, B->comm, PETSC_ERR_ORDER, "no results: OTBarycenterSolve() has not completed");
  PetscCall(OTH5WriteField(f, B->wgrid, "/density", 1, B->qw));
  PetscCall(OTH5XdmfAddField(f, B->wgrid, "/density", 1));
  PetscCall(OTH5WriteAttribute(f, "/", "epsilon", OT_DOUBLE, 1, &r->epsilon));
  PetscCall(OTH5WriteAttribute(f, "/", "iterations", OT_INT32, 1, &it));
  PetscCall(OTH5WriteAttribute(f, "/", "converged", OT_INT32, 1, &conv));
  PetscCall(OTH5WriteAttribute(f, "/", "marginal_error", OT_DOUBLE, 1, &r->marginal_error));
  PetscCall(OTH5WriteAttribute(f, "/", "change", OT_DOUBLE, 1, &r->change));
  PetscCall(OTH5WriteAttribute(f, "/", "mass", OT_DOUBLE, 1, &r->mass));
  PetscCall(OTH5WriteAttribute(f, "/", "entropy", OT_DOUBLE, 1, &r->entropy));
  PetscCall(OTH5WriteAttribute(f, "/", "weights", OT_DOUBLE, B->K, B->w));
  PetscCall(OTH5WriteAttribute(f, "/", "groups", OT_INT32, 1, &G));
  PetscCall(OTSolverWriteResults(B->core, f));
  PetscCall(OTH5WriteAttribute(f, "/", "bytes_per_rank", OT_DOUBLE, 1, &r->bytes_per_rank));
  PetscCall(OTH5WriteAttribute(f, "/", "peak_memory_per_rank", OT_DOUBLE, 1, &r->peak_memory_per_rank));
  if (r->kernel_application_min > 0) PetscCall(OTH5WriteAttribute(f, "/", "kernel_application_min", OT_DOUBLE, 1, &r->kernel_application_min));
  if (B->rho > 0) PetscCall(OTH5WriteAttribute(f, "/", "rho", OT_DOUBLE, 1, &B->rho));
  {
    int debias = B->debias ? 1 : 0;
    PetscCall(OTH5WriteAttribute(f, "/", "debias", OT_INT32, 1, &debias));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterView(OTBarycenter B, PetscViewer v)
{
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(B->comm, &v));
  PetscCall(PetscViewerASCIIPrintf(v, "OTBarycenter: %" PetscInt_FMT " inputs, eps %g, %s%s, %" PetscInt_FMT " groups of %" PetscInt_FMT " ranks\n", B->K,
                                   B->eps, B->rho > 0 ? "unbalanced" : "balanced", B->debias ? ", debiased" : "", B->G, B->Pg));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(OTSolverView(B->core, v));
  if (B->K_) PetscCall(OTKernelView(B->K_, v)); /* group 0's kernel: rank 0 prints */
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterDestroy(OTBarycenter *bary)
{
  OTBarycenter B = *bary;

  PetscFunctionBegin;
  if (!B) PetscFunctionReturn(0);
  for (PetscInt j = 0; j < B->nloc; j++) {
    PetscCall(OTFieldDestroy(&B->p[j]));
    PetscCall(OTFieldDestroy(&B->slot[j]));
    if (B->lu) PetscCall(OTFieldDestroy(&B->lu[j]));
    if (B->lv) PetscCall(OTFieldDestroy(&B->lv[j]));
  }
  PetscCall(PetscFree2(B->p, B->slot));
  PetscCall(PetscFree2(B->lu, B->lv));
  PetscCall(OTFieldDestroy(&B->W));
  PetscCall(OTFieldDestroy(&B->q));
  PetscCall(OTFieldDestroy(&B->qold));
  PetscCall(OTFieldDestroy(&B->d));
  PetscCall(OTFieldDestroy(&B->qw));
  PetscCall(OTFieldDestroy(&B->qprev));
  PetscCall(PetscFree(B->acc));
  PetscCall(PetscFree(B->ps));
  PetscCall(OTSolverDestroy(&B->core));
  PetscCall(OTKernelDestroy(&B->K_));
  PetscCall(OTPlaneExchangeDestroy(&B->toGroup));
  for (PetscInt g = 0; g < B->G && B->fromGroup; g++) PetscCall(OTPlaneExchangeDestroy(&B->fromGroup[g]));
  PetscCall(PetscFree(B->fromGroup));
  PetscCall(OTGridDestroy(&B->ggrid));
  PetscCall(OTGridDestroy(&B->wgrid));
  if (B->logaddop != MPI_OP_NULL) PetscCallMPI(MPI_Op_free(&B->logaddop));
  if (B->gcomm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&B->gcomm));
  if (B->xcomm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&B->xcomm));
  PetscCall(PetscFree(B->w));
  PetscCall(PetscFree(B->loc));
  PetscCall(PetscFree(B));
  *bary = NULL;
  PetscFunctionReturn(0);
}
