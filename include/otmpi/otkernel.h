/* otkernel.h: the Gibbs kernel exp(-|x-y|^2/eps) of a grid, applied to fields without ever forming a matrix. */
#pragma once
#include <otmpi/otgrid.h>

/* One interface, several implementations chosen at run time (-kernel):
     dct     Neumann (reflecting) boundaries: the sampled Gaussian plus its mirror images, FFTW-MPI DCT-II/III (scaling domain)
     fft     periodic boundaries: the sampled Gaussian plus its periodic images, FFTW-MPI real-to-halfcomplex (scaling domain)
     padded  free space: the sampled Gaussian alone, zero-padded FFT on a 2n grid (scaling domain)
     banded  any of the three boundaries, direct separable log-sum-exp truncated where exp(-d^2/eps) < 1e-300, extended
             exactly where the potentials need it (log domain): what makes small eps work
     auto    the FFT kernel of the boundary where it is exact enough (diam^2/eps <= -kernel_auto_ratio), else banded.
   The operator is separable: K = K_0 (x) K_1 (x) K_2 with 1-D kernels k(m) = exp(-(m h)^2/eps) (m: offset in cells).
   The moment variant along axis a replaces k by (m h)^2 k(m) on axis a: sum_a <u, K^(a) v> = <C, diag(u) K diag(v)>. */
typedef struct _p_OTKernel *OTKernel;
typedef const char         *OTKernelType;
#define OTKERNELAUTO   "auto"
#define OTKERNELDCT    "dct"
#define OTKERNELFFT    "fft"
#define OTKERNELPADDED "padded"
#define OTKERNELBANDED "banded"

typedef enum { OT_BOUNDARY_NEUMANN, OT_BOUNDARY_PERIODIC, OT_BOUNDARY_FREE } OTBoundary;
PETSC_EXTERN const char *const OTBoundaries[];

PETSC_EXTERN PetscErrorCode OTKernelCreate(MPI_Comm, OTKernel *);
/* A kernel type, as KSPRegister: create(K) sets the type's boundary and implementation (src/kernel/kernelimpl.h); the
   built-in ones are dct, fft, padded (FFTW-MPI) and banded (log domain). -kernel NAME selects one, auto chooses. */
PETSC_EXTERN PetscErrorCode OTKernelRegister(const char[], PetscErrorCode (*)(OTKernel));
PETSC_EXTERN PetscErrorCode OTKernelDuplicate(OTKernel, MPI_Comm, OTKernel *); /* the settings, on another communicator */
PETSC_EXTERN PetscErrorCode OTKernelSetGrid(OTKernel, OTGrid);
PETSC_EXTERN PetscErrorCode OTKernelSetType(OTKernel, OTKernelType);
PETSC_EXTERN PetscErrorCode OTKernelGetType(OTKernel, OTKernelType *); /* after SetUp: the implementation in use */
PETSC_EXTERN PetscErrorCode OTKernelSetBoundary(OTKernel, OTBoundary);
PETSC_EXTERN PetscErrorCode OTKernelGetBoundary(OTKernel, OTBoundary *);
PETSC_EXTERN PetscErrorCode OTKernelSetEpsilon(OTKernel, double); /* may be called again after SetUp (eps-scaling) */
PETSC_EXTERN PetscErrorCode OTKernelGetEpsilon(OTKernel, double *);
PETSC_EXTERN PetscErrorCode OTKernelSetOptionsPrefix(OTKernel, const char[]);
PETSC_EXTERN PetscErrorCode OTKernelSetFromOptions(OTKernel);
PETSC_EXTERN PetscErrorCode OTKernelSetUp(OTKernel);
PETSC_EXTERN PetscErrorCode OTKernelIsLogDomain(OTKernel, PetscBool *);
PETSC_EXTERN PetscErrorCode OTKernelGetChoice(OTKernel, const char **); /* one line: what was chosen and why */
PETSC_EXTERN PetscErrorCode OTKernelGetGrid(OTKernel, OTGrid *);

/* Scaling domain: out = K in (moment < 0) or K^(moment) in. in == out is allowed and is the fastest path for the FFT kernels
   (transformed in place, no copy). in must be a field of the kernel's grid (info->alloc doubles). For banded, in >= 0 and
   out = exp(log-domain apply of log(in)). */
PETSC_EXTERN PetscErrorCode OTKernelApply(OTKernel, PetscInt, const double *, double *);
/* Log domain: out_i = log sum_j K_ij exp(in_j) (-inf allowed on input and output). in == out allowed. For the FFT kernels it
   is computed as M + log(K exp(in - M)) with M the global max, so it carries their absolute round-off. */
PETSC_EXTERN PetscErrorCode OTKernelApplyLog(OTKernel, PetscInt, const double *, double *);
/* The same where only some outputs are needed: those with where[i] > 0 (e.g. a density's support; where a field of the
   grid). The others are left unspecified (-inf, or their value): the banded kernel skips every output no needed one
   depends on (an input on an empty background costs its support, not the grid); the FFT kernels compute them all. */
PETSC_EXTERN PetscErrorCode OTKernelApplyLogWhere(OTKernel, PetscInt, const double *, const double *, double *);
/* The fastest of n kernel applications in place on the kernel's scratch field (the kernel alone: for FFT kernels, the
   transforms and the multiply): the baseline of the solvers' per-iteration overhead (they sample it between iterations,
   so that both timings see the same load on shared nodes). */
PETSC_EXTERN PetscErrorCode OTKernelTimeApplication(OTKernel, PetscInt, double *);
PETSC_EXTERN PetscErrorCode OTKernelView(OTKernel, PetscViewer);
PETSC_EXTERN PetscErrorCode OTKernelDestroy(OTKernel *);
