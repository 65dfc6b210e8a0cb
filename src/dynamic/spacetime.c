/* spacetime.c: the distributed space-time layout of the dynamic solver (spatial slabs of the input grid x whole time
   lines), its ghost-plane exchange along axis 0, plane-ordered (rank-count independent) sums, and field arithmetic. */
#include "dynimpl.h"
#include <fftw3.h>

/* LU of tridiag(1/4, 3/2, 1/4) of size m (the normal matrix Id + I*I of the midpoint interpolation on the m interior faces
   of a line of m+1 cells): f[i] = 1/pivot_i, f[m+i] = the upper factor c'_i. */
static PetscErrorCode ThomasFactor(ptrdiff_t m, double **f)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(2 * PetscMax(m, 1), f));
  for (ptrdiff_t i = 0; i < m; i++) {
    double piv  = 1.5 - (i ? 0.25 * (*f)[m + i - 1] : 0);
    (*f)[i]     = 1.0 / piv;
    (*f)[m + i] = 0.25 / piv;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTSpaceTimeSetUp(OTSpaceTime *st, OTGrid grid, PetscInt nt, PetscBool wfr)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(st, sizeof *st));
  PetscCall(OTGridGetInfo(grid, &gi));
  PetscCall(OTGridGetComm(grid, &st->comm));
  PetscCheck(nt >= 1, st->comm, PETSC_ERR_ARG_OUTOFRANGE, "-nt must be at least 1, not %" PetscInt_FMT, nt);
  st->grid  = grid;
  st->gi    = gi;
  st->d     = gi->dim;
  st->nt    = nt;
  st->wfr   = wfr;
  st->nc    = 1 + st->d + (wfr ? 1 : 0);
  st->dt    = 1.0 / (double) nt;
  st->hvol  = 1;
  st->ln0   = gi->local_n0;
  st->s0    = gi->start0;
  st->plane = gi->plane;
  for (PetscInt k = 0; k < 3; k++) {
    st->n[k] = gi->n[k];
    st->h[k] = gi->h[k];
  }
  for (PetscInt k = 0; k < st->d; k++) st->hvol *= gi->h[k];
  st->S[2] = 1;
  st->S[1] = gi->n[2];
  st->S[0] = gi->n[1] * gi->n[2];
  st->ns   = gi->nlocal;
  PetscCheck(st->ns <= PTRDIFF_MAX / (nt + 1) / 8, st->comm, PETSC_ERR_ARG_OUTOFRANGE, "space-time grid too large to index");
  st->ncell = st->ns * nt;
  st->nrho  = st->ns * (nt + 1);
  st->lo    = gi->start0 > 0 ? gi->rank - 1 : MPI_PROC_NULL;
  st->hi    = gi->start0 + gi->local_n0 < gi->n[0] ? gi->rank + 1 : MPI_PROC_NULL;
  PetscCall(PetscMalloc3(st->plane * nt, &st->glo, st->plane * nt, &st->ghi, st->plane * nt, &st->ghi2));
  PetscCall(PetscCalloc1((st->ln0 + 1) * OT_DYN_MAXSUMS, &st->ps));
  /* the interpolation normal equations (Id + I*I) along lines: exact Thomas factors on local lines (time, axes 1, 2) */
  for (PetscInt k = 1; k < 4; k++) {
    ptrdiff_t len = k == 3 ? nt : (k < st->d ? st->n[k] : 1);
    PetscCall(ThomasFactor(len - 1, &st->thomas[k]));
  }
  for (PetscInt k = 0; k < 3; k++) PetscCall(PetscMalloc1(PetscMax(st->ncell, 1), &st->cw[k]));
  st->cheb_its = 20;
  PetscFunctionReturn(0);
}

PetscErrorCode OTSpaceTimeDestroy(OTSpaceTime *st)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(st->glo, st->ghi, st->ghi2));
  PetscCall(PetscFree(st->ps));
  for (PetscInt k = 0; k < 4; k++) PetscCall(PetscFree(st->thomas[k]));
  for (PetscInt k = 0; k < 3; k++) PetscCall(PetscFree(st->cw[k]));
  PetscFunctionReturn(0);
}

/* Ghost planes of a cell field (plane*nt values per plane): glo <- the plane below the slab (the lower neighbour's last),
   ghi <- the plane above (the upper neighbour's first). Ghosts beyond a wall are zero. */
PetscErrorCode OTSpaceTimeExchange(OTSpaceTime *st, const double *x, PetscBool lower, PetscBool upper)
{
  PetscFunctionBegin;
  PetscCall(OTSpaceTimeExchangeTo(st, x, lower ? st->glo : NULL, upper ? st->ghi : NULL));
  PetscFunctionReturn(0);
}

/* The same into given buffers (NULL: that side is not needed). */
PetscErrorCode OTSpaceTimeExchangeTo(OTSpaceTime *st, const double *x, double *glo, double *ghi)
{
  ptrdiff_t   np  = st->plane * st->nt;
  const int   cnt = (int) np;
  MPI_Request req[4];
  int         nr = 0;

  PetscFunctionBegin;
  PetscCheck(np < PETSC_MPI_INT_MAX, st->comm, PETSC_ERR_SUP, "a plane of the space-time grid is too large for one MPI message");
  if (glo) {
    if (st->lo == MPI_PROC_NULL)
      PetscCall(PetscArrayzero(glo, np));
    else
      PetscCallMPI(MPI_Irecv(glo, cnt, MPI_DOUBLE, st->lo, 31, st->comm, &req[nr++]));
    if (st->hi != MPI_PROC_NULL) PetscCallMPI(MPI_Isend(x + (st->ln0 - 1) * np, cnt, MPI_DOUBLE, st->hi, 31, st->comm, &req[nr++]));
  }
  if (ghi) {
    if (st->hi == MPI_PROC_NULL)
      PetscCall(PetscArrayzero(ghi, np));
    else
      PetscCallMPI(MPI_Irecv(ghi, cnt, MPI_DOUBLE, st->hi, 32, st->comm, &req[nr++]));
    if (st->lo != MPI_PROC_NULL) PetscCallMPI(MPI_Isend(x, cnt, MPI_DOUBLE, st->lo, 32, st->comm, &req[nr++]));
  }
  PetscCallMPI(MPI_Waitall(nr, req, MPI_STATUSES_IGNORE));
  PetscFunctionReturn(0);
}

/* The per-plane partial sums in st->ps (ln0 x OT_DYN_MAXSUMS, filled by the caller) reduced in plane order: the same bits
   at every rank count. */
PetscErrorCode OTSpaceTimeSum(OTSpaceTime *st, PetscInt nv, double out[])
{
  double all[OT_DYN_MAXSUMS];

  PetscFunctionBegin;
  PetscCheck(nv <= OT_DYN_MAXSUMS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "too many sums");
  PetscCall(OTGridSumPlanes(st->grid, OT_DYN_MAXSUMS, st->ps, all));
  for (PetscInt v = 0; v < nv; v++) out[v] = all[v];
  PetscCall(PetscArrayzero(st->ps, (st->ln0 + 1) * OT_DYN_MAXSUMS));
  PetscFunctionReturn(0);
}

ptrdiff_t OTDynVecLen(const OTSpaceTime *st, const OTDynVec *x, PetscInt c)
{
  return (x->stag && c == 0) ? st->nrho : st->ncell;
}

PetscErrorCode OTDynVecCreate(OTSpaceTime *st, PetscBool stag, OTDynVec *x)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(x, sizeof *x));
  x->stag = stag;
  for (PetscInt c = 0; c < st->nc; c++) {
    ptrdiff_t n = PetscMax(OTDynVecLen(st, x, c), 1);
    x->c[c]     = fftw_alloc_real((size_t) n);
    PetscCheck(x->c[c], PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate %td doubles for the space-time grid", n);
    memset(x->c[c], 0, sizeof(double) * (size_t) n);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynVecDestroy(OTSpaceTime *st, OTDynVec *x)
{
  PetscFunctionBegin;
  for (PetscInt c = 0; c < 5; c++) {
    if (x->c[c]) fftw_free(x->c[c]);
    x->c[c] = NULL;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynVecCopy(OTSpaceTime *st, const OTDynVec *x, OTDynVec *y)
{
  PetscFunctionBegin;
  for (PetscInt c = 0; c < st->nc; c++) PetscCall(PetscArraycpy(y->c[c], x->c[c], OTDynVecLen(st, x, c)));
  PetscFunctionReturn(0);
}

/* y <- a x + b y */
PetscErrorCode OTDynVecAXPBY(OTSpaceTime *st, double a, const OTDynVec *x, double b, OTDynVec *y)
{
  PetscFunctionBegin;
  for (PetscInt c = 0; c < st->nc; c++) {
    const double *restrict xc = x->c[c];
    double *restrict yc       = y->c[c];
    ptrdiff_t n               = OTDynVecLen(st, x, c);
    for (ptrdiff_t i = 0; i < n; i++) yc[i] = a * xc[i] + b * yc[i];
  }
  PetscFunctionReturn(0);
}

/* w <- a x + b y */
PetscErrorCode OTDynVecWAXPBY(OTSpaceTime *st, OTDynVec *w, double a, const OTDynVec *x, double b, const OTDynVec *y)
{
  PetscFunctionBegin;
  for (PetscInt c = 0; c < st->nc; c++) {
    const double *restrict xc = x->c[c], *restrict yc = y->c[c];
    double *restrict wc = w->c[c];
    ptrdiff_t n         = OTDynVecLen(st, x, c);
    for (ptrdiff_t i = 0; i < n; i++) wc[i] = a * xc[i] + b * yc[i];
  }
  PetscFunctionReturn(0);
}

/* st->ps[plane][slot] += sum over the plane of |x + a y|^2 (y may be NULL), all components. */
PetscErrorCode OTDynVecNormsPartial(OTSpaceTime *st, const OTDynVec *x, const OTDynVec *y, double a, PetscInt slot)
{
  PetscFunctionBegin;
  PetscCheck(slot >= 0 && slot < OT_DYN_MAXSUMS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "bad sum slot");
  for (PetscInt c = 0; c < st->nc; c++) {
    ptrdiff_t per = (x->stag && c == 0 ? st->nt + 1 : st->nt) * st->plane;
    for (ptrdiff_t i = 0; i < st->ln0; i++) {
      const double *xc = x->c[c] + i * per, *yc = y ? y->c[c] + i * per : NULL;
      double        acc = 0;
      if (yc)
        for (ptrdiff_t j = 0; j < per; j++) {
          double v = xc[j] + a * yc[j];
          acc += v * v;
        }
      else
        for (ptrdiff_t j = 0; j < per; j++) acc += xc[j] * xc[j];
      st->ps[i * OT_DYN_MAXSUMS + slot] += acc;
    }
  }
  PetscFunctionReturn(0);
}
