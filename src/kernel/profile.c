/* profile.c: the 1-D sampled kernels every implementation is built from (values, logs, tails, spectra, images), so that
   the FFT kernels and the banded kernel are the same operator up to round-off and truncation at 1e-300. */
#include "kernelimpl.h"

double OTKernel1D(double h, double eps, ptrdiff_t m, PetscInt moment)
{
  double d2 = (double) m * (double) m * h * h;
  return moment ? d2 * exp(-d2 / eps) : exp(-d2 / eps);
}

double OTKernel1DLog(double h, double eps, ptrdiff_t m, PetscInt moment)
{
  double d2 = (double) m * (double) m * h * h;
  if (moment) return m ? log(d2) - d2 / eps : -INFINITY;
  return -d2 / eps;
}

/* Offsets beyond which k(m) and (m h)^2 k(m) are 0 in double precision (exp(-746) underflows; the moment factor d^2 <= a
   few eps there only moves the point a little, hence the margin). */
ptrdiff_t OTKernelUnderflowRadius(double h, double eps)
{
  double r = sqrt(760.0 * eps) / h + 2;
  return r > 1e15 ? (ptrdiff_t) 1e15 : (ptrdiff_t) r;
}

double OTKernelTailLog(double h, double eps, ptrdiff_t E, PetscInt moment)
{
  double    lmax = -INFINITY, s = 0;
  ptrdiff_t m;

  if (E < 0) E = -1;
  /* terms decrease beyond the mode of (m h)^2 exp(-(m h)^2/eps) (m h = sqrt(eps)); sum in the log domain, relative to
     the first term, until they are negligible */
  for (m = E + 1;; m++) {
    double l = OTKernel1DLog(h, eps, m, moment);
    if (l == -INFINITY) continue;
    if (lmax == -INFINITY) lmax = l;
    if (l > lmax) { /* before the mode of the moment kernel */
      s    = s * exp(lmax - l) + 1;
      lmax = l;
      continue;
    }
    s += exp(l - lmax);
    if (l - lmax < -50 && (double) m * h > sqrt(eps)) break;
    if (m - E > 100000000) break; /* eps so large that the sum is wide: its first 1e8 terms are enough for a bound */
  }
  return lmax + log(2 * s * 1.0000001);
}

ptrdiff_t OTKernelFold(OTBoundary bc, ptrdiff_t n, ptrdiff_t t)
{
  if (bc == OT_BOUNDARY_FREE) return (t >= 0 && t < n) ? t : -1;
  if (bc == OT_BOUNDARY_PERIODIC) {
    ptrdiff_t j = t % n;
    return j < 0 ? j + n : j;
  }
  {
    /* mirror images across the faces at -1/2 and n - 1/2 (cell centres): period 2n, t and -1-t are the same cell */
    ptrdiff_t p = 2 * n, j = t % p;
    if (j < 0) j += p;
    return j < n ? j : p - 1 - j;
  }
}

double OTKernelRangeRatio(const OTGridInfo *gi, OTBoundary bc, double eps)
{
  double d2 = 0;
  for (PetscInt k = 0; k < gi->dim; k++) {
    /* the largest distance between two cell centres that the operator relates (half the period when periodic) */
    double len = bc == OT_BOUNDARY_PERIODIC ? (double) (gi->n[k] / 2) * gi->h[k] : (double) (gi->n[k] - 1) * gi->h[k];
    d2 += len * len;
  }
  return d2 / eps;
}

PetscErrorCode OTKernelSpectrum(double h, double eps, PetscInt moment, ptrdiff_t period, ptrdiff_t mmax, ptrdiff_t nq, double scale, double *lambda)
{
  double   *ctab, *kfold = NULL;
  ptrdiff_t nm;

  PetscFunctionBegin;
  /* cos(2 pi t / period) for t = 0..period-1, indexed exactly by (q m) mod period: no accumulated angle error */
  PetscCall(PetscMalloc1(period, &ctab));
  for (ptrdiff_t t = 0; t < period; t++) ctab[t] = cos(2.0 * PETSC_PI * (double) t / (double) period);
  if (mmax < period) {
    nm = mmax;
    PetscCall(PetscMalloc1(nm + 1, &kfold));
    for (ptrdiff_t m = 0; m <= nm; m++) kfold[m] = OTKernel1D(h, eps, m, moment);
    for (ptrdiff_t q = 0; q < nq; q++) {
      /* k(0) + 2 sum_{m >= 1} k(m) cos(2 pi q m / period), small terms first */
      double s = 0;
      for (ptrdiff_t m = nm; m >= 1; m--) s += kfold[m] * ctab[(ptrdiff_t) (((long long) q * m) % period)];
      lambda[q] = scale * (kfold[0] + 2 * s);
    }
  } else {
    /* the kernel is wider than the period: fold it first (sum of all its images per residue), then transform */
    PetscCall(PetscCalloc1(period, &kfold));
    for (ptrdiff_t m = -mmax; m <= mmax; m++) {
      ptrdiff_t t = m % period;
      if (t < 0) t += period;
      kfold[t] += OTKernel1D(h, eps, m, moment);
    }
    for (ptrdiff_t q = 0; q < nq; q++) {
      double s = 0;
      for (ptrdiff_t t = 0; t < period; t++) s += kfold[t] * ctab[(ptrdiff_t) (((long long) q * t) % period)];
      lambda[q] = scale * s;
    }
  }
  PetscCall(PetscFree(kfold));
  PetscCall(PetscFree(ctab));
  PetscFunctionReturn(0);
}
