/* multiscale.c: the coarse-to-fine warm start of the barycenter (-bary_multiscale): the inputs sum-pooled 2x per axis
   (mass preserved) onto a grid of twice the spacing, the same barycenter solved there (recursively, at the same eps and
   settings, to a looser tolerance), and its dual state log v_k = log q - log K u_k (and the debiasing log d)
   interpolated back (linear per axis, the cell centres) as the fine level's starting point. A constant offset of the
   potentials between levels (the cells' measure) is harmless: the first half-step recomputes u_k from v_k. All
   transfers go through the world layout (slabs of axis 0), with plane exchanges for the neighbouring planes. */
#include "barycenterimpl.h"

/* Fine planes [lo, hi] that the coarse planes [cs, cs + cn) (pooling) or the fine planes [fs, fs + fn) (interpolation)
   need, in a plane exchange of grid g. */
static PetscErrorCode Exchange(OTGrid g, ptrdiff_t lo, ptrdiff_t hi, OTPlaneExchange *ex)
{
  const OTGridInfo *gi;
  const ptrdiff_t  *st, *ct;
  ptrdiff_t        *need, n;
  MPI_Comm          comm;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetRanges(g, &st, &ct));
  PetscCall(OTGridGetComm(g, &comm));
  n = hi >= lo ? hi - lo + 1 : 0;
  PetscCall(PetscMalloc1(n + 1, &need));
  for (ptrdiff_t k = 0; k < n; k++) need[k] = lo + k;
  PetscCall(OTPlaneExchangeCreate(comm, st, ct, gi->plane, n, need, ex));
  PetscCall(PetscFree(need));
  PetscFunctionReturn(0);
}

/* The coarse world field = the fine one summed over its 2^d cells (a last odd cell alone). */
static PetscErrorCode Pool(OTGrid fine, OTGrid coarse, const double *f, double *c)
{
  const OTGridInfo *fi, *ci;
  OTPlaneExchange   ex;
  ptrdiff_t         lo, hi;
  double           *buf;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(fine, &fi));
  PetscCall(OTGridGetInfo(coarse, &ci));
  lo = 2 * ci->start0;
  hi = PetscMin(fi->n[0] - 1, 2 * (ci->start0 + ci->local_n0) - 1);
  PetscCall(Exchange(fine, lo, hi, &ex));
  PetscCall(PetscMalloc1((hi - lo + 1) * fi->plane + 1, &buf));
  PetscCall(OTPlaneExchangeExecute(ex, f, buf));
  for (ptrdiff_t i0 = 0; i0 < ci->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < ci->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < ci->n[2]; i2++) {
        double s = 0;
        for (ptrdiff_t a = 2 * (ci->start0 + i0); a < PetscMin(fi->n[0], 2 * (ci->start0 + i0) + 2); a++)
          for (ptrdiff_t b = 2 * i1; b < PetscMin(fi->n[1], 2 * i1 + 2); b++)
            for (ptrdiff_t e = 2 * i2; e < PetscMin(fi->n[2], 2 * i2 + 2); e++) s += buf[((a - lo) * fi->n[1] + b) * fi->n[2] + e];
        c[(i0 * ci->n[1] + i1) * ci->n[2] + i2] = s;
      }
  PetscCall(PetscFree(buf));
  PetscCall(OTPlaneExchangeDestroy(&ex));
  PetscFunctionReturn(0);
}

/* Fine cell i of an axis of the coarse grid's nc cells: centre at coarse coordinate i/2 - 1/4; the two coarse cells
   around it and the weight of the second (clamped at the ends). */
static inline void Bracket(ptrdiff_t i, ptrdiff_t nc, ptrdiff_t *j, double *t)
{
  double x = 0.5 * (double) i - 0.25;
  if (x <= 0 || nc == 1) {
    *j = 0;
    *t = 0;
  } else if (x >= (double) (nc - 1)) {
    *j = nc - 2;
    *t = 1;
  } else {
    *j = (ptrdiff_t) x;
    *t = x - (double) *j;
  }
}

/* The fine world field interpolated (linearly per axis) from the coarse one; -inf where a corner is -inf. */
static PetscErrorCode Prolong(OTGrid coarse, OTGrid fine, const double *c, double *f)
{
  const OTGridInfo *fi, *ci;
  OTPlaneExchange   ex;
  ptrdiff_t         lo, hi, j0, jn;
  double           *buf, t0;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(fine, &fi));
  PetscCall(OTGridGetInfo(coarse, &ci));
  Bracket(fi->start0, ci->n[0], &lo, &t0);
  Bracket(fi->start0 + fi->local_n0 - 1, ci->n[0], &hi, &t0);
  hi = PetscMin(ci->n[0] - 1, hi + 1);
  PetscCall(Exchange(coarse, lo, hi, &ex));
  PetscCall(PetscMalloc1((hi - lo + 1) * ci->plane + 1, &buf));
  PetscCall(OTPlaneExchangeExecute(ex, c, buf));
  for (ptrdiff_t i0 = 0; i0 < fi->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < fi->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < fi->n[2]; i2++) {
        ptrdiff_t j[3];
        double    t[3], s = 0;
        Bracket(fi->start0 + i0, ci->n[0], &j[0], &t[0]);
        Bracket(i1, ci->n[1], &j[1], &t[1]);
        Bracket(i2, ci->n[2], &j[2], &t[2]);
        for (int a = 0; a < 2; a++)
          for (int b = 0; b < 2; b++)
            for (int e = 0; e < 2; e++) {
              const double wgt = (a ? t[0] : 1 - t[0]) * (b ? t[1] : 1 - t[1]) * (e ? t[2] : 1 - t[2]);
              j0               = PetscMin(j[0] + a, ci->n[0] - 1),
              jn               = ((j0 - lo) * ci->n[1] + PetscMin(j[1] + b, ci->n[1] - 1)) * ci->n[2] + PetscMin(j[2] + e, ci->n[2] - 1);
              if (wgt > 0) s += wgt * buf[jn];
            }
        f[(i0 * fi->n[1] + i1) * fi->n[2] + i2] = s;
      }
  PetscCall(PetscFree(buf));
  PetscCall(OTPlaneExchangeDestroy(&ex));
  PetscFunctionReturn(0);
}

/* Whether this barycenter warms up on a coarser grid: -multiscale, log domain, every axis of the grid at least
   2 OT_MULTISCALE_MIN cells, no eps-scaling, balanced, no sharpening; not when restarting, unless the checkpoint was
   written while the coarse level ran (then it is solved again, from scratch: the same warm start). */
PetscBool OTBarycenterMultiscaleApplies(OTBarycenter B, PetscBool logd, PetscBool restarted)
{
  if (!B->multiscale || !logd || (restarted && !B->ms_pending) || B->eps_scaling || B->rho > 0 || B->sharpen >= 0) return PETSC_FALSE;
  for (PetscInt k = 0; k < B->wi->dim; k++)
    if (B->wi->n[k] < 2 * OT_MULTISCALE_MIN) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The coarse barycenter: the pooled inputs on the grid of twice the spacing, this one's settings, a looser tolerance. */
static PetscErrorCode CoarseCreate(OTBarycenter B, OTGrid *cg, double ***pc, OTBarycenter *Bc)
{
  ptrdiff_t nc[3];
  double    h[3], tol;
  PetscInt  max_it;
  double   *wf;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++) nc[k] = k < B->wi->dim ? (B->wi->n[k] + 1) / 2 : 1, h[k] = 2 * B->wi->h[k];
  PetscCall(OTGridCreate(B->comm, B->wi->dim, nc, cg));
  PetscCall(OTGridSetGeometry(*cg, h, B->wi->origin));
  PetscCall(OTGridSetUp(*cg));
  PetscCall(PetscMalloc1(B->K, pc));
  PetscCall(OTFieldCreate(B->wgrid, &wf));
  for (PetscInt k = 0; k < B->K; k++) {
    PetscCall(OTBarycenterInputToWorld(B, B->p, k, wf));
    PetscCall(OTFieldCreate(*cg, &(*pc)[k]));
    PetscCall(Pool(B->wgrid, *cg, wf, (*pc)[k]));
  }
  PetscCall(OTFieldDestroy(&wf));
  PetscCall(OTBarycenterCreate(*cg, Bc));
  PetscCall(OTBarycenterSetMeasures(*Bc, B->K, (const double *const *) *pc, B->w));
  (*Bc)->eps          = B->eps;
  (*Bc)->debias       = B->debias;
  (*Bc)->debias_steps = B->debias_steps;
  (*Bc)->accel.on     = B->accel.on;
  (*Bc)->multiscale   = B->multiscale;
  PetscCall(OTKernelDestroy(&(*Bc)->K_));
  PetscCall(OTKernelDuplicate(B->K_, B->comm, &(*Bc)->K_));
  PetscCall(OTKernelSetGrid((*Bc)->K_, *cg));
  PetscCall(OTSolverGetTolerances(B->core, &tol, &max_it));
  PetscCall(OTSolverSetTolerances((*Bc)->core, PetscMax(tol, OT_MULTISCALE_TOL), max_it));
  PetscCall(PetscStrncpy((*Bc)->core->name, "barycenter (coarse)", sizeof(*Bc)->core->name));
  (*Bc)->core->nested = PETSC_TRUE; /* a signal there: this level checkpoints, marked to redo the coarse one */
  PetscFunctionReturn(0);
}

/* One field of the coarse state (input k's log v_k, or log d when k < 0) into this level's layout: world, prolonged,
   this rank's group. */
static PetscErrorCode Transfer(OTBarycenter Bc, OTBarycenter B, OTGrid cg, PetscInt k, double *cw, double *fw, double *out)
{
  const ptrdiff_t n = Bc->gi->nlocal;
  double         *x;

  PetscFunctionBegin;
  PetscCall(OTFieldCreate(Bc->ggrid, &x));
  if (k < 0)
    PetscCall(OTFieldCopy(Bc->ggrid, Bc->d, x));
  else
    for (PetscInt j = 0; j < Bc->nloc; j++)
      if (Bc->loc[j] == k)
        for (ptrdiff_t i = 0; i < n; i++) x[i] = Bc->q[i] > -INFINITY ? Bc->q[i] - Bc->slot[j][i] : -INFINITY;
  PetscCall(OTBarycenterToWorld(Bc, k < 0 ? 0 : k % Bc->G, x, cw));
  PetscCall(OTFieldDestroy(&x));
  PetscCall(Prolong(cg, B->wgrid, cw, fw));
  PetscCall(OTBarycenterFromWorld(B, k < 0 ? 0 : k % B->G, fw, out));
  PetscFunctionReturn(0);
}

/* Solves the coarse level and starts this one from its state: slot_k = -log v_k, log q = 0 (so that the first v_k is
   the coarse one's), log d. */
PetscErrorCode OTBarycenterMultiscale(OTBarycenter B)
{
  OTGrid       cg;
  OTBarycenter Bc;
  double     **pc, *cw, *fw, *g;

  PetscFunctionBegin;
  PetscCall(CoarseCreate(B, &cg, &pc, &Bc));
  PetscCall(OTPrintf(B->comm, "barycenter: multiscale: warm start from a grid of twice the spacing\n"));
  {
    double t0 = MPI_Wtime();
    PetscCall(OTBarycenterSolve(Bc));
    PetscCall(OTPrintf(B->comm, "barycenter: multiscale: the coarse level took %" PetscInt_FMT " iterations, %.3g s\n", Bc->it, MPI_Wtime() - t0));
  }
  B->ms_its += Bc->it + Bc->ms_its / (1 << B->wi->dim); /* the coarser levels' iterations in units of this one */
  B->ms_pending = OTSolverStopped(Bc->core);
  if (!B->ms_pending) {
    PetscCall(OTFieldCreate(cg, &cw));
    PetscCall(OTFieldCreate(B->wgrid, &fw));
    PetscCall(OTFieldCreate(B->ggrid, &g));
    for (PetscInt k = 0; k < B->K; k++) {
      PetscCall(Transfer(Bc, B, cg, k, cw, fw, g));
      for (PetscInt j = 0; j < B->nloc; j++)
        if (B->loc[j] == k)
          for (ptrdiff_t i = 0; i < B->gi->nlocal; i++) B->slot[j][i] = -g[i];
    }
    PetscCall(Transfer(Bc, B, cg, -1, cw, fw, B->d));
    PetscCall(OTFieldSet(B->ggrid, 0.0, B->q));
    PetscCall(OTFieldSet(B->ggrid, 1.0, B->qold));
    B->form    = OT_BARY_LOG;
    B->started = PETSC_TRUE;
    PetscCall(OTFieldDestroy(&cw));
    PetscCall(OTFieldDestroy(&fw));
    PetscCall(OTFieldDestroy(&g));
  }
  PetscCall(OTBarycenterDestroy(&Bc));
  for (PetscInt k = 0; k < B->K; k++) PetscCall(OTFieldDestroy(&pc[k]));
  PetscCall(PetscFree(pc));
  PetscCall(OTGridDestroy(&cg));
  PetscFunctionReturn(0);
}
