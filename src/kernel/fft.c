/* fft.c: the FFT kernels (scaling domain): dct (Neumann, FFTW-MPI REDFT10/REDFT01), fft (periodic, R2HC/HC2R) and padded
   (free space, periodic transforms on a grid padded to >= 2n - 1 per axis). One separable multiplier per axis, built from
   the transform of the sampled 1-D kernel, so the operator is the sampled Gaussian plus its images to round-off. Fields are
   transformed in place (FFTW_MPI_TRANSPOSED_OUT/IN: no transpose back), plans are made once. */
#include "kernelimpl.h"

typedef struct {
  OTBoundary        bc;
  OTGrid            tgrid; /* the transformed grid: the kernel's own, or the padded one */
  const OTGridInfo *ti;
  PetscBool         padded;
  fftw_plan         fwd, bwd;
  double           *mult[3][2]; /* per axis, per variant (plain, moment): multiplier per spectral index, normalisation included */
  double            mult_eps[2];
  double           *pwork; /* padded: a field of the padded grid */
  OTPlaneExchange   xin, xout;
  double           *rin, *rout;
  ptrdiff_t         pin0, nin; /* padded planes [pin0, pin0 + nin) of this rank hold data */
} FFTData;

/* Smallest 2^a 3^b 5^c 7^d >= m (sizes FFTW handles with its fastest codelets). */
static ptrdiff_t NiceSize(ptrdiff_t m)
{
  for (ptrdiff_t s = PetscMax(m, 1);; s++) {
    ptrdiff_t r = s;
    for (int p = 2; p <= 7; p++)
      while (r % p == 0) r /= p;
    if (r == 1) return s;
  }
}

/* Multipliers of axis k for variant v at the current eps. */
static PetscErrorCode BuildMultiplier(OTKernelImpl impl, PetscInt k, PetscInt v)
{
  FFTData          *d  = (FFTData *) impl->data;
  const OTGridInfo *gi = impl->K->gi;
  ptrdiff_t         n = gi->n[k], L = d->ti->n[k], mmax;
  double            eps = impl->K->eps, h = gi->h[k], *lam;

  PetscFunctionBegin;
  if (!d->mult[k][v]) PetscCall(PetscMalloc1(L, &d->mult[k][v]));
  if (k >= gi->dim) {
    /* axes beyond the grid's dimension have one cell and no images: identity, up to the factor 2 of a length-1 DCT pair
       (a 1-D grid is transformed as n0 x 1; axis 2 of 1-D and 2-D grids is not transformed at all) */
    d->mult[k][v][0] = (d->bc == OT_BOUNDARY_NEUMANN && k < 2) ? 0.5 : 1.0;
    PetscFunctionReturn(0);
  }
  mmax = OTKernelUnderflowRadius(h, eps);
  if (d->bc == OT_BOUNDARY_NEUMANN) {
    /* DCT-II then DCT-III is 2n times the identity; the eigenvalue of the mirrored operator for index q is the cosine
       transform of the sampled kernel with period 2n */
    PetscCall(OTKernelSpectrum(h, eps, v, 2 * n, mmax, n, 1.0 / (2.0 * (double) n), d->mult[k][v]));
    PetscFunctionReturn(0);
  }
  if (d->bc == OT_BOUNDARY_FREE) mmax = PetscMin(mmax, n - 1); /* only the offsets within the grid: no wrap-around */
  PetscCall(PetscMalloc1(L / 2 + 1, &lam));
  PetscCall(OTKernelSpectrum(h, eps, v, L, mmax, L / 2 + 1, 1.0 / (double) L, lam));
  /* halfcomplex order: r_0 .. r_{L/2}, then i_{(L-1)/2} .. i_1; real and imaginary parts of frequency q get lambda_q */
  for (ptrdiff_t p = 0; p < L; p++) d->mult[k][v][p] = lam[p <= L / 2 ? p : L - p];
  PetscCall(PetscFree(lam));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetEps_FFT(OTKernelImpl impl)
{
  FFTData *d = (FFTData *) impl->data;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++) PetscCall(BuildMultiplier(impl, k, 0));
  d->mult_eps[0] = impl->K->eps;
  d->mult_eps[1] = 0; /* moment multipliers are rebuilt on first use */
  PetscFunctionReturn(0);
}

static PetscErrorCode Multiply(FFTData *d, PetscInt moment, double *w)
{
  const OTGridInfo *ti = d->ti;
  const ptrdiff_t   n0 = ti->n[0], n2 = ti->n[2];
  const double     *m0 = d->mult[0][moment == 0], *m1 = d->mult[1][moment == 1], *m2 = d->mult[2][moment == 2];

  PetscFunctionBegin;
  /* transposed layout: [local_n1][n0][n2] (n2 = 1 for 1-D and 2-D grids) */
  for (ptrdiff_t j1 = 0; j1 < ti->local_n1; j1++) {
    const double c1 = m1[ti->start1 + j1];
    if (n2 == 1) {
      double *row = w + j1 * n0, c = c1 * m2[0];
      for (ptrdiff_t k0 = 0; k0 < n0; k0++) row[k0] *= c * m0[k0];
    } else {
      for (ptrdiff_t k0 = 0; k0 < n0; k0++) {
        double *row = w + (j1 * n0 + k0) * n2, c = c1 * m0[k0];
        for (ptrdiff_t k2 = 0; k2 < n2; k2++) row[k2] *= c * m2[k2];
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Grid slabs -> padded slabs (data in planes/rows/columns [0, n) of each axis, zeros elsewhere). */
static PetscErrorCode PaddedIn(OTKernelImpl impl, const double *in)
{
  FFTData          *d  = (FFTData *) impl->data;
  const OTGridInfo *gi = impl->K->gi, *ti = d->ti;

  PetscFunctionBegin;
  PetscCall(OTPlaneExchangeExecute(d->xin, in, d->rin));
  memset(d->pwork, 0, sizeof(double) * (size_t) ti->alloc);
  for (ptrdiff_t p = 0; p < d->nin; p++) {
    double *dst = d->pwork + (d->pin0 - ti->start0 + p) * ti->plane;
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++) memcpy(dst + i1 * ti->n[2], d->rin + p * gi->plane + i1 * gi->n[2], sizeof(double) * (size_t) gi->n[2]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PaddedOut(OTKernelImpl impl, double *out)
{
  FFTData          *d  = (FFTData *) impl->data;
  const OTGridInfo *gi = impl->K->gi, *ti = d->ti;

  PetscFunctionBegin;
  PetscCall(OTPlaneExchangeExecute(d->xout, d->pwork, d->rout));
  for (ptrdiff_t p = 0; p < gi->local_n0; p++)
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
      memcpy(out + p * gi->plane + i1 * gi->n[2], d->rout + p * ti->plane + i1 * ti->n[2], sizeof(double) * (size_t) gi->n[2]);
  PetscFunctionReturn(0);
}

static PetscErrorCode Apply_FFT(OTKernelImpl impl, PetscInt moment, const double *in, double *out)
{
  FFTData          *d  = (FFTData *) impl->data;
  const OTGridInfo *gi = impl->K->gi;
  double           *w;

  PetscFunctionBegin;
  if (moment >= 0 && d->mult_eps[1] != impl->K->eps) {
    for (PetscInt k = 0; k < 3; k++) PetscCall(BuildMultiplier(impl, k, 1));
    d->mult_eps[1] = impl->K->eps;
  }
  if (d->padded) {
    PetscCall(PetscLogEventBegin(OTKERNEL_Halo, 0, 0, 0, 0));
    PetscCall(PaddedIn(impl, in));
    PetscCall(PetscLogEventEnd(OTKERNEL_Halo, 0, 0, 0, 0));
    w = d->pwork;
  } else {
    if (in != out) memcpy(out, in, sizeof(double) * (size_t) gi->nlocal);
    w = out;
  }
  PetscCall(PetscLogEventBegin(OTKERNEL_FFT, 0, 0, 0, 0));
  fftw_mpi_execute_r2r(d->fwd, w, w);
  PetscCall(PetscLogEventEnd(OTKERNEL_FFT, 0, 0, 0, 0));
  PetscCall(Multiply(d, moment, w));
  PetscCall(PetscLogEventBegin(OTKERNEL_FFT, 0, 0, 0, 0));
  fftw_mpi_execute_r2r(d->bwd, w, w);
  PetscCall(PetscLogEventEnd(OTKERNEL_FFT, 0, 0, 0, 0));
  if (d->padded) {
    PetscCall(PetscLogEventBegin(OTKERNEL_Halo, 0, 0, 0, 0));
    PetscCall(PaddedOut(impl, out));
    PetscCall(PetscLogEventEnd(OTKERNEL_Halo, 0, 0, 0, 0));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode View_FFT(OTKernelImpl impl, PetscViewer v)
{
  FFTData *d = (FFTData *) impl->data;

  PetscFunctionBegin;
  if (d->padded)
    PetscCall(PetscViewerASCIIPrintf(v, "  padded grid %td x %td x %td (zero padding to >= 2n - 1 per axis)\n", d->ti->n[0], d->ti->n[1], d->ti->n[2]));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_FFT(OTKernelImpl impl)
{
  FFTData *d = (FFTData *) impl->data;

  PetscFunctionBegin;
  if (d->fwd) fftw_destroy_plan(d->fwd);
  if (d->bwd) fftw_destroy_plan(d->bwd);
  for (PetscInt k = 0; k < 3; k++)
    for (PetscInt v = 0; v < 2; v++) PetscCall(PetscFree(d->mult[k][v]));
  if (d->padded) {
    PetscCall(OTFieldDestroy(&d->pwork));
    PetscCall(OTPlaneExchangeDestroy(&d->xin));
    PetscCall(OTPlaneExchangeDestroy(&d->xout));
    PetscCall(PetscFree(d->rin));
    PetscCall(PetscFree(d->rout));
    PetscCall(OTGridDestroy(&d->tgrid));
  }
  PetscCall(PetscFree(impl->data));
  PetscFunctionReturn(0);
}

/* The padded grid: each axis of the grid padded to a nice size >= 2n - 1, and axis 0 further so that no rank is empty. */
static PetscErrorCode CreatePaddedGrid(OTKernel K, OTGrid *pg)
{
  const OTGridInfo *gi = K->gi;
  ptrdiff_t         L[3];
  PetscMPIInt       pmax;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++) L[k] = k < gi->dim ? NiceSize(2 * gi->n[k] - 1) : 1;
  for (;;) {
    PetscCall(OTGridMaxRanks(gi->dim, L, gi->size, &pmax));
    if (pmax >= gi->size) break;
    L[0] = NiceSize(L[0] + 1);
  }
  PetscCall(OTGridCreate(K->comm, gi->dim, L, pg));
  PetscCall(OTGridSetUp(*pg));
  PetscFunctionReturn(0);
}

static PetscErrorCode ImplCreate_FFT(OTKernel K, OTKernelImpl *impl)
{
  const OTBoundary  bc = K->boundary;
  OTKernelImpl      im;
  FFTData          *d;
  const OTGridInfo *ti;
  fftw_r2r_kind     kf[3], kb[3];
  double           *w;
  double            bytes;

  PetscFunctionBegin;
  PetscCall(PetscNew(&im));
  PetscCall(PetscNew(&d));
  im->K         = K;
  im->data      = d;
  im->logdomain = PETSC_FALSE;
  im->name      = bc == OT_BOUNDARY_NEUMANN ? OTKERNELDCT : (bc == OT_BOUNDARY_PERIODIC ? OTKERNELFFT : OTKERNELPADDED);
  im->seteps    = SetEps_FFT;
  im->apply     = Apply_FFT;
  im->view      = View_FFT;
  im->destroy   = Destroy_FFT;
  d->bc         = bc;
  d->padded     = (PetscBool) (bc == OT_BOUNDARY_FREE);
  if (d->padded)
    PetscCall(CreatePaddedGrid(K, &d->tgrid));
  else
    d->tgrid = K->grid;
  PetscCall(OTGridGetInfo(d->tgrid, &ti));
  d->ti = ti;
  PetscCall(OTFieldBytes(d->tgrid, d->padded ? 2 : 1, &bytes));
  PetscCall(OTMemoryCheck(K->comm, bytes, "FFT kernel"));
  for (PetscInt k = 0; k < 3; k++) {
    kf[k] = bc == OT_BOUNDARY_NEUMANN ? FFTW_REDFT10 : FFTW_R2HC;
    kb[k] = bc == OT_BOUNDARY_NEUMANN ? FFTW_REDFT01 : FFTW_HC2R;
  }
  /* plans on a scratch field (FFTW_MEASURE overwrites it); executed later on any field of the same alignment */
  PetscCall(OTFieldCreate(d->tgrid, &w));
  if (ti->dim == 3) {
    d->fwd = fftw_mpi_plan_r2r_3d(ti->n[0], ti->n[1], ti->n[2], w, w, K->comm, kf[0], kf[1], kf[2], K->planner | FFTW_MPI_TRANSPOSED_OUT);
    d->bwd = fftw_mpi_plan_r2r_3d(ti->n[0], ti->n[1], ti->n[2], w, w, K->comm, kb[0], kb[1], kb[2], K->planner | FFTW_MPI_TRANSPOSED_IN);
  } else {
    d->fwd = fftw_mpi_plan_r2r_2d(ti->n[0], ti->n[1], w, w, K->comm, kf[0], kf[1], K->planner | FFTW_MPI_TRANSPOSED_OUT);
    d->bwd = fftw_mpi_plan_r2r_2d(ti->n[0], ti->n[1], w, w, K->comm, kb[0], kb[1], K->planner | FFTW_MPI_TRANSPOSED_IN);
  }
  PetscCall(OTFieldDestroy(&w));
  PetscCheck(d->fwd && d->bwd, K->comm, PETSC_ERR_LIB, "FFTW could not plan the %s transforms of a %td x %td x %td grid", im->name, ti->n[0], ti->n[1],
             ti->n[2]);
  if (d->padded) {
    const OTGridInfo *gi = K->gi;
    const ptrdiff_t  *gs, *gc, *ps, *pc;
    ptrdiff_t        *need;
    PetscCall(OTFieldCreate(d->tgrid, &d->pwork));
    PetscCall(OTGridGetRanges(K->grid, &gs, &gc));
    PetscCall(OTGridGetRanges(d->tgrid, &ps, &pc));
    /* in: the padded planes [0, n0) that this rank owns come from the grid's slabs */
    d->pin0 = ti->start0;
    d->nin  = PetscMax(0, PetscMin(ti->start0 + ti->local_n0, gi->n[0]) - ti->start0);
    PetscCall(PetscMalloc1(PetscMax(d->nin, gi->local_n0) + 1, &need));
    for (ptrdiff_t p = 0; p < d->nin; p++) need[p] = d->pin0 + p;
    PetscCall(OTPlaneExchangeCreate(K->comm, gs, gc, gi->plane, d->nin, need, &d->xin));
    /* out: this rank's grid planes come back from the padded slabs */
    for (ptrdiff_t p = 0; p < gi->local_n0; p++) need[p] = gi->start0 + p;
    PetscCall(OTPlaneExchangeCreate(K->comm, ps, pc, ti->plane, gi->local_n0, need, &d->xout));
    PetscCall(PetscFree(need));
    PetscCall(PetscMalloc1(d->nin * gi->plane + 1, &d->rin));
    PetscCall(PetscMalloc1(gi->local_n0 * ti->plane + 1, &d->rout));
  }
  *impl = im;
  PetscFunctionReturn(0);
}

/* The FFT types: one implementation, the boundary each transform has (DCT-II: mirror images, DFT: periodic, DFT of a
   zero-padded grid: free space). */
PetscErrorCode OTKernelCreate_DCT(OTKernel K)
{
  PetscFunctionBegin;
  K->fixed = OT_BOUNDARY_NEUMANN;
  K->make  = ImplCreate_FFT;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelCreate_FFT(OTKernel K)
{
  PetscFunctionBegin;
  K->fixed = OT_BOUNDARY_PERIODIC;
  K->make  = ImplCreate_FFT;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelCreate_Padded(OTKernel K)
{
  PetscFunctionBegin;
  K->fixed = OT_BOUNDARY_FREE;
  K->make  = ImplCreate_FFT;
  PetscFunctionReturn(0);
}
