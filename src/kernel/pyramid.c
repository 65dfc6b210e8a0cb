/* pyramid.c: grid transfers between a grid and one of twice the spacing (the coarse levels of the multiscale warm
   starts): the coarse grid, sum pooling (mass preserved) and linear interpolation per axis at the cell centres. Fields in
   the layout of all ranks (slabs of axis 0); the neighbouring planes come by plane exchanges. */
#include "kernelimpl.h"
#include "../core/solverimpl.h"

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
PetscErrorCode OTFieldPool(OTGrid fine, OTGrid coarse, const double *f, double *c)
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
PetscErrorCode OTFieldProlong(OTGrid coarse, OTGrid fine, const double *c, double *f)
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

/* Cells of an axis of n on the grid of twice the spacing: a last odd cell alone. */
static inline ptrdiff_t CoarseCells(ptrdiff_t n)
{
  return (n + 1) / 2;
}

/* Whether a grid makes a coarse level of a multiscale warm start: every axis has at least 2 OT_MULTISCALE_MIN cells. */
PetscBool OTGridCanCoarsen(const OTGridInfo *gi)
{
  for (PetscInt k = 0; k < gi->dim; k++)
    if (gi->n[k] < 2 * OT_MULTISCALE_MIN) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The cells of all the coarse levels a multiscale warm start builds under this grid, as a share of its own (1/3 at most
   in 2-D, 1/7 in 3-D): the levels are alive together while the coarsest solves, each holding its solver's fields, so the
   memory estimate of a level that may warm up multiplies its fields by 1 + this. */
double OTMultiscaleShare(const OTGridInfo *gi)
{
  OTGridInfo c     = *gi;
  double     share = 0, fine = 1;

  for (PetscInt k = 0; k < gi->dim; k++) fine *= (double) gi->n[k];
  while (OTGridCanCoarsen(&c)) {
    double cells = 1;
    for (PetscInt k = 0; k < c.dim; k++) {
      c.n[k] = CoarseCells(c.n[k]);
      cells *= (double) c.n[k];
    }
    share += cells / fine;
  }
  return share;
}

/* The eps a coarse level is solved at: the run's, raised to `cells` of the level's squared (largest) spacing where it is
   smaller. Below a cell or two a level's kernel hardly couples neighbours: its iterations crawl and its potentials (nearly
   unregularised ones) make a poor start for the finer level, whose own eps is reached by the levels in between as by an
   eps-scaling schedule. cells = 0: the run's eps on every level. */
PetscErrorCode OTMultiscaleEps(OTGrid cg, double eps, double cells, double *ceps)
{
  const OTGridInfo *gi;
  double            h = 0;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(cg, &gi));
  for (PetscInt k = 0; k < gi->dim; k++) h = PetscMax(h, gi->h[k]);
  *ceps = PetscMax(eps, cells * h * h);
  PetscFunctionReturn(0);
}

/* The grid of twice the spacing over the same box (a last odd cell alone), on the same communicator. */
PetscErrorCode OTGridCreateCoarse(OTGrid fine, OTGrid *coarse)
{
  const OTGridInfo *fi;
  ptrdiff_t         nc[3];
  double            h[3];
  MPI_Comm          comm;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(fine, &fi));
  PetscCall(OTGridGetComm(fine, &comm));
  for (PetscInt k = 0; k < 3; k++) nc[k] = k < fi->dim ? CoarseCells(fi->n[k]) : 1, h[k] = 2 * fi->h[k];
  PetscCall(OTGridCreate(comm, fi->dim, nc, coarse));
  PetscCall(OTGridSetGeometry(*coarse, h, fi->origin));
  PetscCall(OTGridSetUp(*coarse));
  PetscFunctionReturn(0);
}

/* A coarse level of a multiscale warm start: its kernel the fine one's settings on the coarse grid, its solver at the
   fine tolerance (at least OT_MULTISCALE_TOL; OT_MULTISCALE_MAX_IT iterations whatever -max_it), named, and nested (a
   signal there stops it; the fine level checkpoints, marked to redo the coarse one). */
PetscErrorCode OTMultiscaleLevel(OTKernel fineK, OTSolver fine, OTGrid cg, const char name[], OTKernel *coarseK, OTSolver coarse)
{
  double   tol;
  MPI_Comm comm;

  PetscFunctionBegin;
  PetscCall(OTGridGetComm(cg, &comm));
  PetscCall(OTKernelDestroy(coarseK));
  PetscCall(OTKernelDuplicate(fineK, comm, coarseK));
  PetscCall(OTKernelSetGrid(*coarseK, cg));
  PetscCall(OTSolverGetTolerances(fine, &tol, NULL));
  PetscCall(OTSolverSetTolerances(coarse, PetscMax(tol, OT_MULTISCALE_TOL), OT_MULTISCALE_MAX_IT));
  PetscCall(PetscStrncpy(coarse->name, name, sizeof coarse->name));
  coarse->nested = PETSC_TRUE;
  PetscFunctionReturn(0);
}
