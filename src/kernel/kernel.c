/* kernel.c: OTKernel, the Gibbs kernel object: type and boundary selection (-kernel, -kernel_boundary), the auto choice
   between the FFT kernels and the banded log-domain kernel, the scaling/log-domain conversions, events, view. */
#include "kernelimpl.h"

const char *const        OTBoundaries[] = {"neumann", "periodic", "free", "OTBoundary", "OT_BOUNDARY_", NULL};
static const char *const Planners[]     = {"estimate", "measure", "patient"};
static PetscFunctionList OTKernelList   = NULL;

/* A kernel type: create(K) sets the boundary the type has and its implementation's constructor (kernelimpl.h). */
PetscErrorCode OTKernelRegister(const char name[], PetscErrorCode (*create)(OTKernel))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&OTKernelList, name, create));
  PetscFunctionReturn(0);
}

static PetscErrorCode OTKernelRegisterAll(void)
{
  PetscFunctionBegin;
  if (OTKernelList) PetscFunctionReturn(0);
  PetscCall(OTKernelRegister(OTKERNELDCT, OTKernelCreate_DCT));
  PetscCall(OTKernelRegister(OTKERNELFFT, OTKernelCreate_FFT));
  PetscCall(OTKernelRegister(OTKERNELPADDED, OTKernelCreate_Padded));
  PetscCall(OTKernelRegister(OTKERNELBANDED, OTKernelCreate_Banded));
  PetscFunctionReturn(0);
}

/* Calls the create function of a registered type (sets K->fixed, K->make). */
static PetscErrorCode TypeCreate(OTKernel K, const char name[])
{
  PetscErrorCode (*create)(OTKernel) = NULL;

  PetscFunctionBegin;
  PetscCall(PetscFunctionListFind(OTKernelList, name, &create));
  PetscCheck(create, K->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "-kernel %s: unknown kernel", name);
  PetscCall((*create)(K));
  PetscFunctionReturn(0);
}

PetscLogEvent OTKERNEL_Apply, OTKERNEL_FFT, OTKERNEL_Halo, OTKERNEL_LSE;

PetscErrorCode OTKernelRegisterEvents(void)
{
  PetscFunctionBegin;
  PetscCall(OTLogEventRegisterOnce("OTKernelApply", &OTKERNEL_Apply));
  PetscCall(OTLogEventRegisterOnce("OTKernelFFT", &OTKERNEL_FFT));
  PetscCall(OTLogEventRegisterOnce("OTKernelHalo", &OTKERNEL_Halo));
  PetscCall(OTLogEventRegisterOnce("OTKernelLSE", &OTKERNEL_LSE));
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelCreate(MPI_Comm comm, OTKernel *kernel)
{
  OTKernel K;

  PetscFunctionBegin;
  PetscCall(OTKernelRegisterEvents());
  PetscCall(OTKernelRegisterAll());
  PetscCall(PetscNew(&K));
  K->comm       = comm;
  K->boundary   = OT_BOUNDARY_NEUMANN;
  K->auto_ratio = 25.0;              /* exp(-25) = 1.4e-11: FFT round-off (1e-16 of the max) stays 1e-5 below the tails */
  K->log_theta  = 300.0 * log(10.0); /* truncation of the band at 1e-300 */
  K->shift      = PETSC_TRUE;
  K->planner    = FFTW_MEASURE;
  PetscCall(PetscStrncpy(K->type, OTKERNELAUTO, sizeof K->type));
  *kernel = K;
  PetscFunctionReturn(0);
}

static PetscErrorCode KernelReset(OTKernel K);

/* A kernel on comm with K's settings (type, boundary, auto ratio, band threshold, planner, prefix), without grid. */
PetscErrorCode OTKernelDuplicate(OTKernel K, MPI_Comm comm, OTKernel *dup)
{
  OTKernel D;

  PetscFunctionBegin;
  PetscCall(OTKernelCreate(comm, &D));
  PetscCall(PetscStrncpy(D->type, K->type, sizeof D->type));
  PetscCall(PetscStrncpy(D->prefix, K->prefix, sizeof D->prefix));
  D->boundary     = K->boundary;
  D->boundary_set = K->boundary_set;
  D->auto_ratio   = K->auto_ratio;
  D->log_theta    = K->log_theta;
  D->shift        = K->shift;
  D->planner      = K->planner;
  *dup            = D;
  PetscFunctionReturn(0);
}

/* The grid the kernel acts on (on the kernel's communicator); the kernel keeps a reference, the caller keeps ownership. */
PetscErrorCode OTKernelSetGrid(OTKernel K, OTGrid grid)
{
  MPI_Comm    gc;
  PetscMPIInt cmp;

  PetscFunctionBegin;
  PetscCall(OTGridGetComm(grid, &gc));
  PetscCallMPI(MPI_Comm_compare(gc, K->comm, &cmp));
  PetscCheck(cmp == MPI_IDENT || cmp == MPI_CONGRUENT, K->comm, PETSC_ERR_ARG_INCOMP, "the kernel and its grid live on different communicators");
  if (K->grid != grid) {
    PetscCall(KernelReset(K));
    PetscCall(OTFieldDestroy(&K->scratch));
  }
  K->grid = grid;
  PetscCall(OTGridGetInfo(grid, &K->gi));
  PetscFunctionReturn(0);
}

static PetscErrorCode KernelReset(OTKernel K)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < K->nimpl; i++) {
    PetscCall(K->impl[i]->destroy(K->impl[i]));
    PetscCall(PetscFree(K->impl[i]));
  }
  K->nimpl  = 0;
  K->active = NULL;
  K->setup  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSetType(OTKernel K, OTKernelType type)
{
  PetscErrorCode (*create)(OTKernel) = NULL;

  PetscFunctionBegin;
  if (strcmp(type, OTKERNELAUTO)) PetscCall(PetscFunctionListFind(OTKernelList, type, &create));
  PetscCheck(!strcmp(type, OTKERNELAUTO) || create, K->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "-kernel %s: unknown kernel (auto, dct, fft, padded or banded)", type);
  if (strcmp(type, K->type)) PetscCall(KernelReset(K));
  PetscCall(PetscStrncpy(K->type, type, sizeof K->type));
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelGetType(OTKernel K, OTKernelType *type)
{
  PetscFunctionBegin;
  *type = K->active ? K->active->name : K->type;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSetBoundary(OTKernel K, OTBoundary bc)
{
  PetscFunctionBegin;
  if (K->boundary != bc) PetscCall(KernelReset(K));
  K->boundary     = bc;
  K->boundary_set = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelGetBoundary(OTKernel K, OTBoundary *bc)
{
  PetscFunctionBegin;
  *bc = K->boundary;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelGetGrid(OTKernel K, OTGrid *g)
{
  PetscFunctionBegin;
  *g = K->grid;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSetOptionsPrefix(OTKernel K, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(K->prefix, prefix ? prefix : "", sizeof K->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSetFromOptions(OTKernel K)
{
  PetscInt  planner = K->planner == FFTW_ESTIMATE ? 0 : (K->planner == FFTW_MEASURE ? 1 : 2);
  PetscEnum bc      = (PetscEnum) K->boundary;
  PetscBool set, bset;
  double    theta = exp(-K->log_theta);
  char      type[16];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(type, K->type, sizeof type));
  PetscOptionsBegin(K->comm, K->prefix, "Gibbs kernel exp(-|x-y|^2/eps)", NULL);
  PetscCall(PetscOptionsString("-kernel", "kernel implementation: auto or a registered type (dct, fft, padded, banded; OTKernelRegister)", "OTKernelSetType",
                               type, type, sizeof type, &set));
  PetscCall(PetscOptionsEnum("-kernel_boundary", "images of the kernel at the domain faces (dct: neumann, fft: periodic, padded: free)", "OTKernelSetBoundary",
                             OTBoundaries, bc, &bc, &bset));
  PetscCall(PetscOptionsReal("-kernel_auto_ratio", "auto: FFT kernels where diam^2/eps <= this, banded beyond", NULL, K->auto_ratio, &K->auto_ratio, NULL));
  PetscCall(PetscOptionsReal("-kernel_band_threshold", "banded: kernel values below this are outside the band", NULL, theta, &theta, NULL));
  PetscCall(PetscOptionsBool("-kernel_shift", "banded: the stabilised product (one exp per voxel and axis, exact log-sum-exp only where it cannot certify)",
                             NULL, K->shift, &K->shift, NULL));
  PetscCall(PetscOptionsEList("-fftw_planner", "FFTW planner effort", NULL, Planners, 3, Planners[planner], &planner, NULL));
  PetscOptionsEnd();
  if (set) PetscCall(OTKernelSetType(K, type));
  if (bset) PetscCall(OTKernelSetBoundary(K, (OTBoundary) bc));
  K->log_theta = theta > 0 && theta < 1 ? -log(theta) : -1; /* checked in SetUp */
  K->planner   = planner == 0 ? FFTW_ESTIMATE : (planner == 1 ? FFTW_MEASURE : FFTW_PATIENT);
  PetscFunctionReturn(0);
}

/* The implementation of type name: the one made before, or a new one (kept: auto switches back and forth). */
static PetscErrorCode GetImpl(OTKernel K, const char name[], OTKernelImpl *im)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < K->nimpl; i++)
    if (!strcmp(K->impl[i]->name, name)) {
      *im = K->impl[i];
      PetscFunctionReturn(0);
    }
  PetscCheck(K->nimpl < 4, K->comm, PETSC_ERR_PLIB, "too many kernel implementations");
  PetscCall(TypeCreate(K, name));
  PetscCall(K->make(K, im));
  K->impl[K->nimpl++] = *im;
  PetscFunctionReturn(0);
}

/* The implementation for the current eps: the type asked for, or (auto) the FFT type of the boundary where its absolute
   round-off stays far below the smallest kernel values that matter (diam^2/eps <= auto_ratio), banded beyond. */
static PetscErrorCode KernelResolve(OTKernel K)
{
  static const char *const fftof[] = {OTKERNELDCT, OTKERNELFFT, OTKERNELPADDED}; /* by OTBoundary */
  double                   ratio   = OTKernelRangeRatio(K->gi, K->boundary, K->eps);
  PetscBool                isauto = (PetscBool) !strcmp(K->type, OTKERNELAUTO), useband = (PetscBool) (ratio > K->auto_ratio);
  OTKernelImpl             im;

  PetscFunctionBegin;
  PetscCall(GetImpl(K, isauto ? (useband ? OTKERNELBANDED : fftof[K->boundary]) : K->type, &im));
  if (im->eps != K->eps) {
    PetscCall(im->seteps(im));
    im->eps = K->eps;
  }
  K->active = im;
  if (isauto)
    snprintf(K->choice, sizeof K->choice, "kernel %s (auto, %s boundaries: diam^2/eps = %.4g %s %g)", im->name, OTBoundaries[K->boundary], ratio,
             useband ? ">" : "<=", K->auto_ratio);
  else
    snprintf(K->choice, sizeof K->choice, "kernel %s (%s boundaries, diam^2/eps = %.4g)", im->name, OTBoundaries[K->boundary], ratio);
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSetUp(OTKernel K)
{
  PetscFunctionBegin;
  if (K->setup && K->active && K->active->eps == K->eps) PetscFunctionReturn(0);
  PetscCheck(K->grid, K->comm, PETSC_ERR_ORDER, "call OTKernelSetGrid() first");
  PetscCheck(K->auto_ratio > 0, K->comm, PETSC_ERR_ARG_OUTOFRANGE, "-kernel_auto_ratio must be positive, not %g", K->auto_ratio);
  PetscCheck(K->log_theta > 0, K->comm, PETSC_ERR_ARG_OUTOFRANGE, "-kernel_band_threshold must be in (0, 1)");
  PetscCheck(K->eps > 0 && isfinite(K->eps), K->comm, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive and finite, not %g", K->eps);
  /* a type with its own boundary (the FFT kernels): asking for another one is a contradiction, not a preference */
  if (strcmp(K->type, OTKERNELAUTO)) {
    PetscCall(TypeCreate(K, K->type));
    PetscCheck(K->fixed < 0 || !K->boundary_set || K->boundary == (OTBoundary) K->fixed, K->comm, PETSC_ERR_ARG_INCOMP,
               "-kernel %s has %s boundaries; -kernel_boundary %s needs -kernel %s or banded", K->type, OTBoundaries[K->fixed < 0 ? 0 : K->fixed],
               OTBoundaries[K->boundary],
               K->boundary == OT_BOUNDARY_NEUMANN ? OTKERNELDCT : (K->boundary == OT_BOUNDARY_PERIODIC ? OTKERNELFFT : OTKERNELPADDED));
    if (K->fixed >= 0) K->boundary = (OTBoundary) K->fixed;
  }
  PetscCall(KernelResolve(K));
  K->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSetEpsilon(OTKernel K, double eps)
{
  PetscFunctionBegin;
  PetscCheck(eps > 0 && isfinite(eps), K->comm, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive and finite, not %g", eps);
  K->eps = eps;
  if (K->setup) PetscCall(KernelResolve(K));
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelGetEpsilon(OTKernel K, double *eps)
{
  PetscFunctionBegin;
  *eps = K->eps;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelIsLogDomain(OTKernel K, PetscBool *log)
{
  PetscFunctionBegin;
  PetscCheck(K->setup, K->comm, PETSC_ERR_ORDER, "call OTKernelSetUp() first");
  *log = K->active->logdomain;
  PetscFunctionReturn(0);
}

/* Whether the kernel would work in the log domain at eps on a grid of this geometry, with nothing built (a memory
   estimate asks before allocating): auto as KernelResolve decides, the FFT types never, any other type (banded, or a
   registered one) taken to be. */
PetscBool OTKernelLogDomainAt(OTKernel K, const OTGridInfo *gi, double eps)
{
  static const char *const fft[] = {OTKERNELDCT, OTKERNELFFT, OTKERNELPADDED};

  if (!strcmp(K->type, OTKERNELAUTO)) return (PetscBool) (OTKernelRangeRatio(gi, K->boundary, eps) > K->auto_ratio);
  for (int t = 0; t < 3; t++)
    if (!strcmp(K->type, fft[t])) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode OTKernelGetChoice(OTKernel K, const char **choice)
{
  PetscFunctionBegin;
  *choice = K->choice;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetScratch(OTKernel K, double **s)
{
  PetscFunctionBegin;
  if (!K->scratch) PetscCall(OTFieldCreate(K->grid, &K->scratch));
  *s = K->scratch;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelApply(OTKernel K, PetscInt moment, const double *in, double *out)
{
  const OTGridInfo *gi = K->gi;

  PetscFunctionBegin;
  PetscCheck(K->setup, K->comm, PETSC_ERR_ORDER, "call OTKernelSetUp() first");
  PetscCheck(moment < gi->dim, K->comm, PETSC_ERR_ARG_OUTOFRANGE, "moment axis %" PetscInt_FMT " of a %" PetscInt_FMT "-D grid", moment, gi->dim);
  PetscCall(PetscLogEventBegin(OTKERNEL_Apply, 0, 0, 0, 0));
  if (K->active->apply)
    PetscCall(K->active->apply(K->active, moment, in, out));
  else {
    double *s = NULL;
    PetscCall(GetScratch(K, &s));
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) s[i] = in[i] > 0 ? log(in[i]) : -INFINITY;
    PetscCall(K->active->applylog(K->active, moment, s, s));
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) out[i] = exp(s[i]);
  }
  PetscCall(PetscLogEventEnd(OTKERNEL_Apply, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelApplyLogWhere(OTKernel K, PetscInt moment, const double *in, const double *where, double *out)
{
  PetscFunctionBegin;
  K->where = where;
  PetscCall(OTKernelApplyLog(K, moment, in, out));
  K->where = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelApplyLog(OTKernel K, PetscInt moment, const double *in, double *out)
{
  const OTGridInfo *gi = K->gi;

  PetscFunctionBegin;
  PetscCheck(K->setup, K->comm, PETSC_ERR_ORDER, "call OTKernelSetUp() first");
  PetscCheck(moment < gi->dim, K->comm, PETSC_ERR_ARG_OUTOFRANGE, "moment axis %" PetscInt_FMT " of a %" PetscInt_FMT "-D grid", moment, gi->dim);
  if (K->active->applylog) {
    PetscCall(PetscLogEventBegin(OTKERNEL_Apply, 0, 0, 0, 0));
    PetscCall(K->active->applylog(K->active, moment, in, out));
    PetscCall(PetscLogEventEnd(OTKERNEL_Apply, 0, 0, 0, 0));
  } else {
    double *s = NULL, M = -INFINITY;
    PetscCall(GetScratch(K, &s));
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) M = in[i] > M ? in[i] : M;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &M, 1, MPI_DOUBLE, MPI_MAX, K->comm));
    if (M == -INFINITY) M = 0;
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) s[i] = exp(in[i] - M);
    PetscCall(OTKernelApply(K, moment, s, s));
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) out[i] = s[i] > 0 ? M + log(s[i]) : -INFINITY;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelEntry(OTKernel K, PetscInt axis, PetscInt moment, ptrdiff_t i, ptrdiff_t j, double *val)
{
  const OTGridInfo *gi = K->gi;
  ptrdiff_t         n  = gi->n[axis], M;
  double            s  = 0;

  PetscFunctionBegin;
  if (axis >= gi->dim) {
    *val = (i == j && !moment) ? 1.0 : 0.0;
    PetscFunctionReturn(0);
  }
  if (K->boundary == OT_BOUNDARY_FREE) {
    *val = OTKernel1D(gi->h[axis], K->eps, i - j, moment);
    PetscFunctionReturn(0);
  }
  M = OTKernelUnderflowRadius(gi->h[axis], K->eps);
  /* all images t of cell j (fold(t) = j) within the kernel's reach, smallest terms first */
  for (ptrdiff_t m = M; m >= 0; m--)
    for (int sg = 0; sg < (m ? 2 : 1); sg++) {
      ptrdiff_t t = i + (sg ? -m : m);
      if (OTKernelFold(K->boundary, n, t) == j) s += OTKernel1D(gi->h[axis], K->eps, m, moment);
    }
  *val = s;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelTimeApplication(OTKernel K, PetscInt n, double *tmin)
{
  double   *f    = NULL;
  PetscBool logd = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(OTKernelIsLogDomain(K, &logd));
  PetscCall(GetScratch(K, &f)); /* persistent: no page faults in the timed applications */
  *tmin = PETSC_MAX_REAL;
  for (PetscInt r = 0; r < n; r++) {
    double t;
    for (ptrdiff_t i = 0; i < K->gi->nlocal; i++) f[i] = logd ? -0.1 * (double) (i % 7) : 1.0 + 0.1 * (double) (i % 7);
    PetscCallMPI(MPI_Barrier(K->comm));
    t = MPI_Wtime();
    if (logd)
      PetscCall(K->active->applylog(K->active, -1, f, f));
    else
      PetscCall(K->active->apply(K->active, -1, f, f));
    t = MPI_Wtime() - t;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, K->comm));
    *tmin = PetscMin(*tmin, t);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelSample(OTKernel K, MPI_Comm comm, PetscInt limit, PetscInt *count, double *fastest)
{
  double t;

  PetscFunctionBegin;
  if (*count >= limit) PetscFunctionReturn(0);
  PetscCall(OTKernelTimeApplication(K, 1, &t));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm));
  if (!*count || t < *fastest) *fastest = t;
  (*count)++;
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelView(OTKernel K, PetscViewer v)
{
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(K->comm, &v));
  PetscCall(PetscViewerASCIIPrintf(v, "OTKernel: %s, eps %g\n", K->setup ? K->choice : K->type, K->eps));
  if (K->active && K->active->view) PetscCall(K->active->view(K->active, v));
  PetscFunctionReturn(0);
}

PetscErrorCode OTKernelDestroy(OTKernel *kernel)
{
  PetscFunctionBegin;
  if (!*kernel) PetscFunctionReturn(0);
  PetscCall(KernelReset(*kernel));
  PetscCall(OTFieldDestroy(&(*kernel)->scratch));
  (*kernel)->scratch = NULL;
  PetscCall(PetscFree(*kernel));
  PetscFunctionReturn(0);
}
