/* needed.c: which outputs of each pass of the separable product a masked log-domain application (OTKernelApplyLogWhere)
   depends on. The last pass needs the mask's cells; pass k < last needs an output wherever some masked cell shares its
   indices on axes 0..k (the later passes only combine along axes > k). Per line of a pass, the hull [lo, hi) of its
   needed outputs along the pass's axis (global indices on axis 0); lines share entries where the mask cannot tell them
   apart (pass k < last: every line with the same indices on axes < k). */
#include "kernelimpl.h"

PetscErrorCode OTNeedDestroy(OTNeed *N)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(N->lo, N->hi));
  N->cap = 0;
  PetscFunctionReturn(0);
}

/* Lines of the last pass held here (one for a 1-D grid: its line is split across the ranks). */
static ptrdiff_t LastLines(const OTGridInfo *gi)
{
  return gi->dim == 1 ? 1 : gi->nlocal / gi->n[gi->dim - 1];
}

/* Bytes of the ranges (the banded kernel's memory estimate counts them before they exist). */
double OTNeedBytes(const OTGridInfo *gi)
{
  return 2.0 * sizeof(ptrdiff_t) * (double) (LastLines(gi) + gi->local_n0 + 2);
}

/* The hull [lo, hi) (shifted by off; lo = hi = 0 when empty) of the entries t < n that need anything: mask[t] > 0, or,
   without a mask, the non-empty ranges [elo[t], ehi[t]) of the next pass. */
static void Hull(ptrdiff_t n, const double *mask, const ptrdiff_t *elo, const ptrdiff_t *ehi, ptrdiff_t off, ptrdiff_t *lo, ptrdiff_t *hi)
{
  ptrdiff_t f = n, l = -1;
  for (ptrdiff_t t = 0; t < n; t++)
    if (mask ? mask[t] > 0 : ehi[t] > elo[t]) {
      f = PetscMin(f, t);
      l = t;
    }
  *lo = l < 0 ? 0 : off + f;
  *hi = l < 0 ? 0 : off + l + 1;
}

/* One scan of the mask gives the last pass's ranges (one per line of the last axis); the earlier passes take hulls of
   the lines that need anything. */
PetscErrorCode OTNeedCompute(const OTGridInfo *gi, const double *mask, OTNeed *N)
{
  const PetscInt  dim   = gi->dim;
  const ptrdiff_t nl    = dim == 1 ? gi->local_n0 : gi->n[dim - 1]; /* cells of a line of the last pass held here */
  const ptrdiff_t lines = LastLines(gi), n0 = gi->local_n0, n1 = gi->n[1];
  ptrdiff_t      *lo, *hi;

  PetscFunctionBegin;
  if (N->cap < lines + n0 + 2) {
    PetscCall(OTNeedDestroy(N));
    N->cap = lines + n0 + 2;
    PetscCall(PetscMalloc2(N->cap, &N->lo, N->cap, &N->hi));
  }
  lo = N->lo, hi = N->hi;
  /* the last pass: entries [0, lines), one per line */
  for (ptrdiff_t L = 0; L < lines; L++) Hull(nl, mask + L * nl, NULL, NULL, dim == 1 ? gi->start0 : 0, &lo[L], &hi[L]);
  N->pass[dim - 1].lo  = lo;
  N->pass[dim - 1].hi  = hi;
  N->pass[dim - 1].per = 1;
  if (dim == 3) {
    /* pass 1: one entry per local plane, over the lines (plane, i1) that need anything */
    for (ptrdiff_t a = 0; a < n0; a++) Hull(n1, NULL, lo + a * n1, hi + a * n1, 0, &lo[lines + a], &hi[lines + a]);
    N->pass[1].lo  = lo + lines;
    N->pass[1].hi  = hi + lines;
    N->pass[1].per = gi->n[2];
  }
  if (dim > 1) {
    /* pass 0: one entry for every column, over the planes that need anything */
    Hull(n0, NULL, dim == 3 ? lo + lines : lo, dim == 3 ? hi + lines : hi, gi->start0, &lo[lines + n0], &hi[lines + n0]);
    N->pass[0].lo  = lo + lines + n0;
    N->pass[0].hi  = hi + lines + n0;
    N->pass[0].per = gi->plane;
  }
  PetscFunctionReturn(0);
}

/* The needed outputs of w lines starting at line l0 of a pass (entries l / per), into per-column ranges; returns
   whether any of them needs anything. */
PetscBool OTNeedColumns(const OTNeedPass *p, ptrdiff_t l0, ptrdiff_t w, ptrdiff_t *lo, ptrdiff_t *hi)
{
  PetscBool any = PETSC_FALSE;
  for (ptrdiff_t c = 0; c < w; c++) {
    ptrdiff_t e = (l0 + c) / p->per;
    lo[c]       = p->lo[e];
    hi[c]       = p->hi[e];
    any |= (PetscBool) (hi[c] > lo[c]);
  }
  return any;
}
