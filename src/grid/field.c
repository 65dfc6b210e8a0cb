/* field.c: fields on an OTGrid (FFTW-aligned double arrays) and their reductions; sums are plane-ordered so that they have
   the same bits at every rank count. */
#include <otmpi/otgrid.h>
#include <fftw3.h>
#include <math.h>

PetscErrorCode OTFieldCreateComponents(OTGrid g, PetscInt ncomp, double **f)
{
  const OTGridInfo *gi;
  ptrdiff_t         n;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  n  = PetscMax(gi->alloc, gi->nlocal * ncomp);
  *f = fftw_alloc_real((size_t) n);
  PetscCheck(*f, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate a field of %td doubles", n);
  memset(*f, 0, sizeof(double) * (size_t) n);
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldCreate(OTGrid g, double **f)
{
  PetscFunctionBegin;
  PetscCall(OTFieldCreateComponents(g, 1, f));
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldDestroy(double **f)
{
  PetscFunctionBegin;
  if (*f) fftw_free(*f);
  *f = NULL;
  PetscFunctionReturn(0);
}

/* Bytes per rank (the largest rank) that nf fields of this grid take: for memory estimates before allocating. */
PetscErrorCode OTFieldBytes(OTGrid g, PetscInt nf, double *bytes)
{
  const OTGridInfo *gi;
  double            b;
  MPI_Comm          comm;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  b = (double) nf * (double) gi->alloc * sizeof(double);
  PetscCallMPI(MPI_Allreduce(&b, bytes, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldSet(OTGrid g, double v, double *f)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) f[i] = v;
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldCopy(OTGrid g, const double *src, double *dst)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  if (src != dst) memcpy(dst, src, sizeof(double) * (size_t) gi->nlocal);
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldScale(OTGrid g, double a, double *f)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) f[i] *= a;
  PetscFunctionReturn(0);
}

typedef enum { PLANE_SUM, PLANE_DOT, PLANE_L1DIFF } PlaneOp;

/* Sum of x, x*y or |x - y| over the grid, plane by plane (see OTGridSumPlanes). */
static PetscErrorCode FieldPlaneSum(OTGrid g, PlaneOp op, const double *x, const double *y, double *s)
{
  const OTGridInfo *gi;
  double           *ps;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(PetscMalloc1(gi->local_n0 + 1, &ps));
  for (ptrdiff_t i = 0; i < gi->local_n0; i++) {
    const double *xp = x + i * gi->plane, *yp = y + i * gi->plane;
    double        acc = 0;
    switch (op) {
    case PLANE_SUM:
      for (ptrdiff_t j = 0; j < gi->plane; j++) acc += xp[j];
      break;
    case PLANE_DOT:
      for (ptrdiff_t j = 0; j < gi->plane; j++) acc += xp[j] * yp[j];
      break;
    case PLANE_L1DIFF:
      for (ptrdiff_t j = 0; j < gi->plane; j++) acc += fabs(xp[j] - yp[j]);
      break;
    }
    ps[i] = acc;
  }
  PetscCall(OTGridSumPlanes(g, 1, ps, s));
  PetscCall(PetscFree(ps));
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldSum(OTGrid g, const double *f, double *sum)
{
  PetscFunctionBegin;
  PetscCall(FieldPlaneSum(g, PLANE_SUM, f, f, sum));
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldDot(OTGrid g, const double *x, const double *y, double *dot)
{
  PetscFunctionBegin;
  PetscCall(FieldPlaneSum(g, PLANE_DOT, x, y, dot));
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldNorm1Diff(OTGrid g, const double *x, const double *y, double *nrm)
{
  PetscFunctionBegin;
  PetscCall(FieldPlaneSum(g, PLANE_L1DIFF, x, y, nrm));
  PetscFunctionReturn(0);
}

/* Min and max over finite values (NaN/Inf are counted separately by OTFieldCountNonFinite). */
PetscErrorCode OTFieldMinMax(OTGrid g, const double *f, double *min, double *max)
{
  const OTGridInfo *gi;
  MPI_Comm          comm;
  double            mm[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL};

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) {
    if (!isfinite(f[i])) continue;
    mm[0] = PetscMin(mm[0], f[i]);
    mm[1] = PetscMin(mm[1], -f[i]);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_DOUBLE, MPI_MIN, comm));
  if (min) *min = mm[0];
  if (max) *max = -mm[1];
  PetscFunctionReturn(0);
}

PetscErrorCode OTFieldCountNonFinite(OTGrid g, const double *f, ptrdiff_t *count)
{
  const OTGridInfo *gi;
  MPI_Comm          comm;
  int64_t           c = 0;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) c += !isfinite(f[i]);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c, 1, MPI_INT64_T, MPI_SUM, comm));
  *count = (ptrdiff_t) c;
  PetscFunctionReturn(0);
}

/* Mass, mean (cell centres) and variance per axis of a non-negative field; two passes for an accurate variance. */
PetscErrorCode OTFieldMoments(OTGrid g, const double *f, double *mass, double mean[], double var[])
{
  const OTGridInfo *gi;
  double           *ps, s[4];

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(PetscMalloc1(4 * (gi->local_n0 + 1), &ps));
  for (int pass = 0; pass < 2; pass++) {
    for (ptrdiff_t i = 0; i < gi->local_n0; i++) {
      double acc[4] = {0, 0, 0, 0};
      for (ptrdiff_t j = 0; j < gi->n[1]; j++)
        for (ptrdiff_t k = 0; k < gi->n[2]; k++) {
          double v = f[(i * gi->n[1] + j) * gi->n[2] + k], x[3];
          x[0]     = OTGridCoord(gi, 0, gi->start0 + i);
          x[1]     = OTGridCoord(gi, 1, j);
          x[2]     = OTGridCoord(gi, 2, k);
          acc[0] += v;
          for (int a = 0; a < 3; a++) acc[1 + a] += pass == 0 ? v * x[a] : v * (x[a] - mean[a]) * (x[a] - mean[a]);
        }
      for (int a = 0; a < 4; a++) ps[4 * i + a] = acc[a];
    }
    PetscCall(OTGridSumPlanes(g, 4, ps, s));
    if (mass) *mass = s[0];
    for (int a = 0; a < 3; a++) {
      if (pass == 0)
        mean[a] = s[0] != 0 ? s[1 + a] / s[0] : 0;
      else if (var)
        var[a] = s[0] != 0 ? s[1 + a] / s[0] : 0;
    }
  }
  PetscCall(PetscFree(ps));
  PetscFunctionReturn(0);
}
