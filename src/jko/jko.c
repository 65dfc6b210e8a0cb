/* jko.c: OTJKO, the gradient-flow solver object: life cycle (Create / SetFromOptions / SetUp / Solve / View / Destroy),
   the energy's terms and their validation, the memory estimate, and results. */
#include "jkoimpl.h"

PetscLogEvent OTJKO_Step, OTJKO_Prox, OTJKO_Kernel;

PetscErrorCode OTJKOCreate(OTGrid g, OTJKO *jko)
{
  OTJKO    J;
  MPI_Comm comm = PETSC_COMM_WORLD;

  PetscFunctionBegin;
  if (g) PetscCall(OTGridGetComm(g, &comm));
  PetscCall(PetscNew(&J));
  J->comm       = comm;
  J->gamma      = -1; /* default: 4 h_max^2 */
  J->save_every = 1;
  J->warm       = PETSC_TRUE;
  J->acc.on     = PETSC_TRUE;
  PetscCall(OTAccelReset(&J->acc));
  PetscCall(PetscStrncpy(J->prefix, "jko_", sizeof J->prefix));
  PetscCall(OTKernelCreate(comm, &J->K));
  if (g) {
    J->grid = g;
    PetscCall(OTGridGetInfo(g, &J->gi));
    PetscCall(OTKernelSetGrid(J->K, g));
  }
  {
    const OTSolverOps ops = {OTJKOStep, NULL, OTJKOCheckpointWrite, OTJKOCheckpointRead};
    PetscCall(OTSolverCreate(comm, "jko", J, &ops, &J->core));
    PetscCall(OTSolverSetTolerances(J->core, 1e-7, 5000));
    PetscCall(OTSolverSetOptionsPrefix(J->core, J->prefix));
    PetscCall(OTSolverSetCheckpoint(J->core, "", 1)); /* the drivers name the file; after every step */
    PetscCall(OTSolverSetToleranceHelp(J->core, "each step's iterations stop when rho_n's marginal error (L1, relative to the mass) is below this",
                                       "iterations at most in each step"));
  }
  PetscCall(OTLogEventRegisterOnce("OTJKOStep", &OTJKO_Step));
  PetscCall(OTLogEventRegisterOnce("OTJKOProx", &OTJKO_Prox));
  PetscCall(OTLogEventRegisterOnce("OTJKOKernel", &OTJKO_Kernel));
  PetscCall(OTSolverSetStepEvent(J->core, OTJKO_Step));
  *jko = J;
  PetscFunctionReturn(0);
}

/* a field of the grid into *dst (created on first use; NULL src: none) */
static PetscErrorCode CopyField(OTJKO J, const double *src, double **dst)
{
  PetscFunctionBegin;
  PetscCheck(J->grid, J->comm, PETSC_ERR_ORDER, "an OTJKO made without a grid (for its options) takes no fields");
  PetscCheck(!J->setup, J->comm, PETSC_ERR_ORDER, "the fields are set before OTJKOSetUp()");
  if (!src) {
    PetscCall(OTFieldDestroy(dst));
    PetscFunctionReturn(0);
  }
  if (!*dst) PetscCall(OTFieldCreate(J->grid, dst));
  PetscCall(OTFieldCopy(J->grid, src, *dst));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetInitial(OTJKO J, const double *rho0)
{
  PetscFunctionBegin;
  PetscCall(CopyField(J, rho0, &J->q));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetPotential(OTJKO J, const double *V)
{
  PetscFunctionBegin;
  PetscCall(CopyField(J, V, &J->V));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetObstacle(OTJKO J, const double *mask)
{
  PetscFunctionBegin;
  PetscCheck(J->grid && !J->setup, J->comm, PETSC_ERR_ORDER, "the obstacle is set on a grid, before OTJKOSetUp()");
  PetscCall(PetscFree(J->wall));
  if (mask) {
    PetscCall(PetscMalloc1(PetscMax(J->gi->nlocal, 1), &J->wall));
    for (ptrdiff_t i = 0; i < J->gi->nlocal; i++) J->wall[i] = mask[i] > 0 || isnan(mask[i]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetTimeStep(OTJKO J, double tau, PetscInt steps)
{
  PetscFunctionBegin;
  J->tau   = tau;
  J->steps = steps;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetEntropy(OTJKO J, double D)
{
  PetscFunctionBegin;
  J->D = D;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetPorous(OTJKO J, double M, double C)
{
  PetscFunctionBegin;
  PetscCheck(M > 1 && isfinite(M), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-porous: the exponent M must be > 1, not %g", M);
  PetscCheck(C > 0 && isfinite(C), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-porous: the coefficient C must be > 0, not %g", C);
  J->M = M;
  J->C = C;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetPotentialQuadratic(OTJKO J, double k, const double a[])
{
  PetscFunctionBegin;
  PetscCheck(J->gi, J->comm, PETSC_ERR_ORDER, "the quadratic potential is set on a grid");
  J->quad[0] = k;
  for (PetscInt c = 0; c < J->gi->dim; c++) J->quad[1 + c] = a[c];
  J->nquad = J->gi->dim + 1;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetCongestion(OTJKO J, double kappa)
{
  PetscFunctionBegin;
  PetscCheck(kappa >= 0 && isfinite(kappa), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-kappa must be positive (0: none), not %g", kappa);
  J->kappa = kappa;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetGamma(OTJKO J, double gamma)
{
  PetscFunctionBegin;
  J->gamma = gamma;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOGetSolver(OTJKO J, OTSolver *core)
{
  PetscFunctionBegin;
  *core = J->core;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOGetKernel(OTJKO J, OTKernel *K)
{
  PetscFunctionBegin;
  *K = J->K;
  PetscFunctionReturn(0);
}

/* -jko_gamma given as <= 0 is an error (the default is chosen only when it is absent) */
static PetscErrorCode ReadEnergyOptions(PetscOptionItems *PetscOptionsObject, OTJKO J)
{
  double    pm[2] = {0, 0}, g = J->gamma;
  PetscInt  n = 2;
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsReal("-entropy", "D: the energy term D int rho log rho (heat equation, diffusion D)", NULL, J->D, &J->D, NULL));
  PetscCall(PetscOptionsRealArray("-porous", "M,C: the term C int rho^M/(M-1), M > 1 (porous medium d_t rho = C Lap rho^M)", NULL, pm, &n, &set));
  if (set) {
    PetscCheck(n == 2, J->comm, PETSC_ERR_ARG_WRONG, "-porous takes M,C (two numbers), not %" PetscInt_FMT, n);
    PetscCall(OTJKOSetPorous(J, pm[0], pm[1]));
  }
  n = 4;
  PetscCall(
      PetscOptionsRealArray("-potential_quadratic", "k,a1,a2[,a3]: the potential V = k |x - a|^2 / 2 (Fokker-Planck with -entropy)", NULL, J->quad, &n, &set));
  if (set) J->nquad = n; /* else what OTJKOSetPotentialQuadratic set, if anything */
  PetscCall(PetscOptionsReal("-kappa", "congestion: rho <= kappa (density: mass per unit volume; crowd motion)", NULL, J->kappa, &J->kappa, &set));
  PetscCheck(!set || (J->kappa > 0 && isfinite(J->kappa)), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-kappa must be positive, not %g", J->kappa);
  PetscCall(PetscOptionsReal("-gamma", "entropic blur (squared length units; default 4 h^2, h the largest spacing)", "OTJKOSetGamma", g, &g, &set));
  if (set) {
    PetscCheck(g > 0 && isfinite(g), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-gamma must be positive, not %g", g);
    J->gamma = g;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetFromOptions(OTJKO J)
{
  const char *const aliases[] = {"tau", "steps", "gamma", "entropy", "porous", "potential_quadratic", "kappa", "save_every", "accel", "warm_start"};

  PetscFunctionBegin;
  PetscCall(OTOptionsAlias(J->prefix, 10, aliases));
  PetscOptionsBegin(J->comm, J->prefix,
                    "JKO gradient flow (aliases -tau -steps -gamma -entropy -porous -potential_quadratic -kappa -save_every -accel -warm_start)", NULL);
  PetscCall(PetscOptionsReal("-tau", "the JKO time step h: rho_{n+1} = argmin W2^2(rho, rho_n)/(2h) + F(rho)", "OTJKOSetTimeStep", J->tau, &J->tau, NULL));
  PetscCall(PetscOptionsInt("-steps", "number of steps", "OTJKOSetTimeStep", J->steps, &J->steps, NULL));
  PetscCall(ReadEnergyOptions(PetscOptionsObject, J));
  PetscCall(PetscOptionsInt("-save_every", "keep every K-th step in /rho (and the last)", NULL, J->save_every, &J->save_every, NULL));
  PetscCall(PetscOptionsBool("-warm_start", "start each step's iterations from the previous step's potentials", NULL, J->warm, &J->warm, NULL));
  PetscCall(PetscOptionsBool("-accel", "over-relaxation of each step's iterations once their rate settles, safeguarded (the same fixed point)", NULL, J->acc.on,
                             &J->acc.on, NULL));
  PetscCall(PetscOptionsBool("-view", "print the solver and kernel after the flow", "OTJKOView", J->view, &J->view, NULL));
  PetscOptionsEnd();
  PetscCall(OTSolverSetFromOptions(J->core));
  PetscCall(OTKernelSetFromOptions(J->K));
  PetscFunctionReturn(0);
}

/* The energy has a term; the potential (file plus quadratic) is finite; walls hold no mass; kappa leaves room for the
   mass on the free cells. */
static PetscErrorCode CheckProblem(OTJKO J)
{
  const OTGridInfo *gi  = J->gi;
  ptrdiff_t         bad = 0;
  double            s[2], *loc;

  PetscFunctionBegin;
  PetscCheck(J->D > 0 || J->M > 1 || J->V || J->nquad || J->kappa > 0, J->comm, PETSC_ERR_ARG_WRONG,
             "jko: no energy term: give -entropy D, -porous M,C, -potential V.h5, -potential_quadratic k,a1,... or -kappa K");
  PetscCheck(J->D >= 0 && isfinite(J->D), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-entropy must be >= 0, not %g", J->D);
  PetscCheck(J->tau > 0 && isfinite(J->tau), J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-tau (the time step) must be positive, not %g", J->tau);
  PetscCheck(J->steps >= 1, J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-steps must be at least 1, not %" PetscInt_FMT, J->steps);
  PetscCheck(J->save_every >= 1, J->comm, PETSC_ERR_ARG_OUTOFRANGE, "-save_every must be at least 1, not %" PetscInt_FMT, J->save_every);
  PetscCheck(!J->nquad || J->nquad == gi->dim + 1, J->comm, PETSC_ERR_ARG_WRONG,
             "-potential_quadratic takes k and %" PetscInt_FMT " centre coordinates on this %" PetscInt_FMT "-D grid, not %" PetscInt_FMT " numbers", gi->dim,
             gi->dim, J->nquad);
  for (PetscInt k = 0; k < J->nquad; k++)
    PetscCheck(isfinite(J->quad[k]), J->comm, PETSC_ERR_ARG_WRONG, "-potential_quadratic: item %d is not finite", (int) k + 1);
  if (J->V) {
    PetscCall(OTFieldCountNonFinite(J->grid, J->V, &bad));
    PetscCheck(!bad, J->comm, PETSC_ERR_ARG_WRONG, "-potential: %td cells are not finite (NaN or inf)", bad);
  }
  PetscCall(PetscCalloc1(2 * PetscMax(gi->local_n0, 1), &loc));
  for (ptrdiff_t k = 0; k < gi->local_n0; k++)
    for (ptrdiff_t i = k * gi->plane; i < (k + 1) * gi->plane; i++) {
      if (J->wall && J->wall[i])
        loc[2 * k] += J->q[i];
      else
        loc[2 * k + 1] += 1;
    }
  PetscCall(OTGridSumPlanes(J->grid, 2, loc, s));
  PetscCall(PetscFree(loc));
  PetscCheck(s[0] == 0, J->comm, PETSC_ERR_ARG_WRONG, "-rho0 has mass %g on obstacle cells (walls must be empty)", s[0]);
  PetscCheck(s[1] > 0, J->comm, PETSC_ERR_ARG_WRONG, "-obstacle covers every cell");
  J->free_volume = s[1] * J->cellvol;
  if (J->kappa > 0) {
    double mn, mx;
    PetscCall(OTFieldMinMax(J->grid, J->q, &mn, &mx));
    if (mx > J->kappa * J->cellvol)
      PetscCall(OTPrintf(J->comm, "jko: note: -rho0 exceeds -kappa (max density %g > %g): the first step projects it onto rho <= kappa\n", mx / J->cellvol,
                         J->kappa));
  }
  PetscCheck(!(J->kappa > 0) || J->kappa * J->free_volume >= J->mass * (1 + 1e-12), J->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-kappa %g is below the mean density %g of -rho0 on the free cells (mass %g, free volume %g): no density fits", J->kappa, J->mass / J->free_volume,
             J->mass, J->free_volume);
  PetscFunctionReturn(0);
}

/* V += k |x - a|^2 / 2 */
static PetscErrorCode AddQuadratic(OTJKO J)
{
  const OTGridInfo *gi = J->gi;

  PetscFunctionBegin;
  if (!J->nquad) PetscFunctionReturn(0);
  if (!J->V) {
    PetscCall(OTFieldCreate(J->grid, &J->V));
    PetscCall(OTFieldSet(J->grid, 0, J->V));
  }
  for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) {
        const ptrdiff_t idx[3] = {gi->start0 + i0, i1, i2};
        double          r2     = 0;
        for (PetscInt k = 0; k < gi->dim; k++) {
          double d = OTGridCoord(gi, k, idx[k]) - J->quad[1 + k];
          r2 += d * d;
        }
        J->V[(i0 * gi->n[1] + i1) * gi->n[2] + i2] += 0.5 * J->quad[0] * r2;
      }
  PetscFunctionReturn(0);
}

/* With walls the flow's kernel is the wall kernel (walls.c) on the kernel's boundary (Neumann: mirror images at the
   domain's faces and the walls; free: none); the grid's kernel is not used. */
static PetscErrorCode SetUpWalls(OTJKO J)
{
  OTBoundary bc;

  PetscFunctionBegin;
  PetscCall(OTKernelGetBoundary(J->K, &bc));
  PetscCheck(bc != OT_BOUNDARY_PERIODIC, J->comm, PETSC_ERR_ARG_INCOMP, "-obstacle: the kernel with walls has neumann or free boundaries, not periodic");
  PetscCall(OTJKOWallsCreate(J->grid, J->wall, J->gamma, (PetscBool) (bc == OT_BOUNDARY_NEUMANN), &J->walls));
  PetscCall(OTFieldCreate(J->grid, &J->wbuf));
  PetscFunctionReturn(0);
}

/* Frames kept from step `from` to the end (multiples of save_every, and the last) */
PetscInt OTJKOFramesFrom(OTJKO J, PetscInt from)
{
  PetscInt n = J->steps / J->save_every - from / J->save_every;
  return n + (J->steps % J->save_every ? 1 : 0);
}

/* Storage for nf frames (the kept ones are copied) */
PetscErrorCode OTJKOFrameStorage(OTJKO J, PetscInt nf)
{
  double   *fr, *ft;
  PetscInt *fs;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(PetscMax(nf * J->gi->nlocal, 1), &fr, nf, &ft, nf, &fs));
  if (J->nframes) {
    PetscCall(PetscArraycpy(fr, J->frames, J->nframes * J->gi->nlocal));
    PetscCall(PetscArraycpy(ft, J->ftimes, J->nframes));
    PetscCall(PetscArraycpy(fs, J->fstep, J->nframes));
  }
  PetscCall(PetscFree3(J->frames, J->ftimes, J->fstep));
  J->frames    = fr;
  J->ftimes    = ft;
  J->fstep     = fs;
  J->maxframes = nf;
  PetscFunctionReturn(0);
}

/* What a rank holds: 6 fields (rho_n, log rho_n, log a, log b, the kernel's work field, log p), the potential, the walls
   and the frames; the kernel adds its own (its set-up checks it). */
static PetscErrorCode Allocate(OTJKO J)
{
  const OTGridInfo *gi = J->gi;
  double            bytes, fields;

  PetscFunctionBegin;
  J->maxframes = 1 + OTJKOFramesFrom(J, 0);
  PetscCall(OTFieldBytes(J->grid, 6 + (J->V ? 1 : 0) + (J->wall ? 1 : 0), &fields));
  bytes = fields + (double) J->maxframes * (double) gi->nlocal * sizeof(double) + (J->wall ? (double) gi->nlocal : 0);
  if (J->wall) {
    double wb;
    PetscCall(OTJKOWallsBytes(J->grid, &wb));
    bytes += wb;
  }
  PetscCall(OTMemoryCheck(J->comm, bytes, "jko: fields and the kept steps (fewer with -save_every)"));
  J->bytes = bytes;
  PetscCall(OTFieldCreate(J->grid, &J->lq));
  PetscCall(OTFieldCreate(J->grid, &J->la));
  PetscCall(OTFieldCreate(J->grid, &J->lb));
  PetscCall(OTFieldCreate(J->grid, &J->w));
  PetscCall(OTFieldCreate(J->grid, &J->lp));
  PetscCall(PetscMalloc1(2 * PetscMax(gi->local_n0, 1), &J->ps));
  PetscCall(PetscCalloc3(J->steps + 1, &J->energy, J->steps + 1, &J->errs, J->steps + 1, &J->inner));
  PetscCall(OTJKOFrameStorage(J, J->maxframes));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSetUp(OTJKO J)
{
  const OTGridInfo *gi;
  char              shape[96];

  PetscFunctionBegin;
  if (J->setup) PetscFunctionReturn(0);
  PetscCheck(J->q, J->comm, PETSC_ERR_ORDER, "call OTJKOSetInitial() first");
  gi         = J->gi;
  J->cellvol = 1;
  for (PetscInt k = 0; k < gi->dim; k++) J->cellvol *= gi->h[k];
  PetscCall(OTFieldSum(J->grid, J->q, &J->mass));
  PetscCheck(J->mass > 0, J->comm, PETSC_ERR_ARG_WRONG, "-rho0 has no mass");
  PetscCall(CheckProblem(J));
  PetscCall(AddQuadratic(J));
  if (J->gamma <= 0) {
    double hmax = 0;
    for (PetscInt k = 0; k < gi->dim; k++) hmax = PetscMax(hmax, gi->h[k]);
    J->gamma = 4 * hmax * hmax;
  }
  PetscCall(OTSolverSetUp(J->core));
  PetscCall(Allocate(J));
  PetscCall(OTKernelSetEpsilon(J->K, J->gamma));
  if (J->wall)
    PetscCall(SetUpWalls(J));
  else
    PetscCall(OTKernelSetUp(J->K));
  PetscCall(OTJKOProxSetUp(J));
  PetscCall(OTSolverSetProgressLength(J->core, J->steps));
  PetscCall(OTGridShapeString(J->grid, shape, sizeof shape));
  PetscCall(OTPrintf(J->comm, "jko: %s grid, mass %.9g, h %g x %" PetscInt_FMT " steps, gamma %g (2h/gamma = %.4g)%s%s%s%s%s\n", shape, J->mass, J->tau,
                     J->steps, J->gamma, J->prox.sigma, J->D > 0 ? ", entropy" : "", J->M > 1 ? ", porous" : "", J->V ? ", potential" : "",
                     J->kappa > 0 ? ", congestion" : "", J->wall ? ", obstacle" : ""));
  J->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Step 0: rho_0, its energy, frame 0; the potentials start from a = 1. */
static PetscErrorCode Start(OTJKO J)
{
  PetscFunctionBegin;
  J->step          = 0;
  J->nframes       = 0;
  J->valid         = PETSC_FALSE;
  J->all_converged = PETSC_TRUE;
  OTJKOLogDensity(J);
  PetscCall(OTJKOEnergy(J, J->q, &J->energy[0]));
  PetscCall(OTJKOKeepFrame(J, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOSolve(OTJKO J)
{
  PetscBool restarted;
  double    t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(OTJKOSetUp(J));
  PetscCall(OTSolverBegin(J->core, &restarted));
  if (!restarted)
    PetscCall(Start(J));
  else
    PetscCall(OTPrintf(J->comm, "jko: continuing from step %" PetscInt_FMT " (%s)\n", J->step, J->core->restart));
  /* no residual ends a flow: it runs its steps (tol -1); each step's inner iterations have -tol */
  PetscCall(OTSolverIterate(J->core, &J->step, J->steps, -1.0, ""));
  PetscCall(OTSolverEnd(J->core));
  J->time = MPI_Wtime() - t0;
  if (!OTSolverStopped(J->core)) PetscCall(OTSolverSetConvergedReason(J->core, J->all_converged ? OT_CONVERGED_TOL : OT_DIVERGED_ITS));
  if (J->view) PetscCall(OTJKOView(J, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOGetResult(OTJKO J, OTJKOResult *r)
{
  const OTGridInfo *gi = J->gi;
  double            mx = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof *r));
  r->steps          = J->step;
  r->saved          = J->nframes;
  r->converged      = J->all_converged;
  r->mass           = J->mass;
  r->tau            = J->tau;
  r->gamma          = J->gamma;
  r->energy_initial = J->energy[0];
  r->energy         = J->energy[J->step];
  r->time           = J->time;
  r->bytes_per_rank = J->bytes;
  for (PetscInt n = 1; n <= J->step; n++) {
    r->inner_total += J->inner[n];
    r->inner_max      = PetscMax(r->inner_max, J->inner[n]);
    r->marginal_error = PetscMax(r->marginal_error, J->errs[n]);
  }
  PetscCall(OTSolverGetTiming(J->core, NULL, &r->time_per_step, NULL));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) mx = PetscMax(mx, J->q[i]);
  PetscCallMPI(MPI_Allreduce(&mx, &r->max_density, 1, MPI_DOUBLE, MPI_MAX, J->comm));
  r->max_density /= J->cellvol;
  PetscCall(OTMemoryPeak(J->comm, &r->peak_memory_per_rank));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOGetDensity(OTJKO J, const double **rho)
{
  PetscFunctionBegin;
  *rho = J->q;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOView(OTJKO J, PetscViewer v)
{
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(J->comm, &v));
  PetscCall(PetscViewerASCIIPrintf(v, "OTJKO: h %g, %" PetscInt_FMT " steps (%" PetscInt_FMT " done), gamma %g, sigma = 2h/gamma %g\n", J->tau, J->steps,
                                   J->step, J->gamma, J->prox.sigma));
  PetscCall(PetscViewerASCIIPrintf(v, "  energy: entropy D %g, porous M %g C %g, potential %s, kappa %g, obstacle %s; warm start %s\n", J->D, J->M, J->C,
                                   J->V ? "yes" : "no", J->kappa, J->wall ? "yes" : "no", J->warm ? "yes" : "no"));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(OTSolverView(J->core, v));
  if (J->walls) {
    ptrdiff_t r[3];
    PetscCall(OTJKOWallsGetReach(J->walls, r));
    PetscCall(PetscViewerASCIIPrintf(v, "kernel with walls (log domain, segments between walls, band %td x %td x %td cells)\n", r[0], r[1], r[2]));
  } else
    PetscCall(OTKernelView(J->K, v));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKODestroy(OTJKO *jko)
{
  OTJKO J = *jko;

  PetscFunctionBegin;
  if (!J) PetscFunctionReturn(0);
  PetscCall(OTFieldDestroy(&J->q));
  PetscCall(OTFieldDestroy(&J->lq));
  PetscCall(OTFieldDestroy(&J->la));
  PetscCall(OTFieldDestroy(&J->lb));
  PetscCall(OTFieldDestroy(&J->w));
  PetscCall(OTFieldDestroy(&J->lp));
  PetscCall(OTFieldDestroy(&J->V));
  PetscCall(PetscFree(J->wall));
  PetscCall(OTJKOWallsDestroy(&J->walls));
  PetscCall(OTFieldDestroy(&J->wbuf));
  PetscCall(PetscFree(J->ps));
  PetscCall(PetscFree3(J->energy, J->errs, J->inner));
  PetscCall(PetscFree3(J->frames, J->ftimes, J->fstep));
  PetscCall(OTKernelDestroy(&J->K));
  PetscCall(OTSolverDestroy(&J->core));
  PetscCall(PetscFree(*jko));
  PetscFunctionReturn(0);
}
