/* kernelimpl.h: private parts of OTKernel: the implementation table, 1-D kernel profiles, plane exchange, log events. */
#pragma once
#include <otmpi/otkernel.h>
#include <otmpi/otlog.h>
#include <otmpi/otsolver.h>
#include <fftw3-mpi.h>
#include <math.h>

/* One implementation of the kernel (auto keeps one per type it used and switches as eps changes). */
typedef struct _OTKernelImpl *OTKernelImpl;
struct _OTKernelImpl {
  const char *name;
  PetscBool   logdomain;
  OTKernel    K;
  double      eps; /* eps of the tables built */
  void       *data;
  PetscErrorCode (*seteps)(OTKernelImpl);
  PetscErrorCode (*apply)(OTKernelImpl, PetscInt, const double *, double *);
  PetscErrorCode (*applylog)(OTKernelImpl, PetscInt, const double *, double *);
  PetscErrorCode (*view)(OTKernelImpl, PetscViewer);
  PetscErrorCode (*destroy)(OTKernelImpl);
};

struct _p_OTKernel {
  MPI_Comm          comm;
  OTGrid            grid;
  const OTGridInfo *gi;
  char              prefix[64];
  char              type[16];
  OTBoundary        boundary;
  PetscBool         boundary_set, setup;
  double            eps;
  double            auto_ratio;      /* FFT kernels only where diam^2/eps <= auto_ratio */
  double            log_theta;       /* band truncation: exp(-d^2/eps) >= exp(-log_theta) = 1e-300 */
  PetscBool         shift;           /* banded: the stabilised product first (shifted.c) */
  unsigned          planner;         /* FFTW planner flag */
  OTKernelImpl      impl[4], active; /* the implementations made so far (one per type), the one in use */
  PetscInt          nimpl;
  /* set by a type's create function (OTKernelRegister): the boundary the type has (-1: any) and its constructor */
  int fixed;
  PetscErrorCode (*make)(OTKernel, OTKernelImpl *);
  char          choice[256];
  double       *scratch; /* one field, for the log-domain apply of FFT kernels and the scaling apply of banded */
  const double *where;   /* during OTKernelApplyLogWhere: the outputs needed (where > 0); NULL: all */
};

PETSC_INTERN PetscLogEvent OTKERNEL_Apply, OTKERNEL_FFT, OTKERNEL_Halo, OTKERNEL_LSE;

/* A sample of a bare application (the slowest rank of comm) while *count < limit, kept in *fastest: the solvers'
   -*_time_kernel baseline, taken between iterations. */
PETSC_INTERN PetscErrorCode OTKernelSample(OTKernel, MPI_Comm, PetscInt, PetscInt *, double *);
/* The 1-D operator entry of axis k between cells i and j (moment 0: k, 1: the moment kernel), images included as the
   boundary says, summed until they underflow: the dense reference of the unit tests. */
PETSC_EXTERN PetscErrorCode OTKernelEntry(OTKernel, PetscInt, PetscInt, ptrdiff_t, ptrdiff_t, double *);
PETSC_INTERN PetscErrorCode OTKernelRegisterEvents(void);

/* The registered types (OTKernelRegisterAll): each create function sets K->fixed and K->make. */
PETSC_INTERN PetscErrorCode OTKernelCreate_DCT(OTKernel);
PETSC_INTERN PetscErrorCode OTKernelCreate_FFT(OTKernel);
PETSC_INTERN PetscErrorCode OTKernelCreate_Padded(OTKernel);
PETSC_INTERN PetscErrorCode OTKernelCreate_Banded(OTKernel);

/* 1-D profiles. Offsets m in cells, spacing h: k(m) = exp(-(m h)^2/eps); moment: (m h)^2 k(m). */
PETSC_INTERN double    OTKernel1D(double, double, ptrdiff_t, PetscInt);
PETSC_INTERN double    OTKernel1DLog(double, double, ptrdiff_t, PetscInt);
PETSC_INTERN ptrdiff_t OTKernelUnderflowRadius(double, double);
/* log of sum_{|m| > E} k(m) (all images: an upper bound of the weight an output gets from offsets beyond E) */
PETSC_INTERN double OTKernelTailLog(double, double, ptrdiff_t, PetscInt);
/* lambda_q = scale * sum_{|m| <= mmax} k(m) cos(2 pi q m / period), q = 0..nq-1: the eigenvalues of the circulant of that
   period (DCT: period 2n, FFT: period n, padded: period L with mmax = n - 1) */
PETSC_INTERN PetscErrorCode OTKernelSpectrum(double, double, PetscInt, ptrdiff_t, ptrdiff_t, ptrdiff_t, double, double *);
/* Cell of an axis of n cells that the extended index t stands for (mirror or periodic images), -1 outside (free). */
PETSC_INTERN ptrdiff_t OTKernelFold(OTBoundary, ptrdiff_t, ptrdiff_t);
/* diam^2/eps of the grid for a boundary: how far the kernel's dynamic range must reach. */
PETSC_INTERN double    OTKernelRangeRatio(const OTGridInfo *, OTBoundary, double);
PETSC_INTERN PetscBool OTKernelLogDomainAt(OTKernel, const OTGridInfo *, double);

/* The stabilised product of the banded kernel (shifted.c): a band of the 1-D kernel, tabulated linearly, applied to
   exp(x - line max) and certified output by output (outputs it cannot certify are left to the exact log-sum-exp). */
#define OT_SHIFT_W 128 /* columns of a panel (a multiple of 8) */
/* Stage 2's tables: blocks of B sources, each shifted by its own max; the kernel normalised per block. */
typedef struct {
  ptrdiff_t B, reach, nb; /* sources per block, offsets reached, blocks per line (line tables) */
  double   *lmax[2];      /* max of log k over a block: per block offset (band) or per output and block (line) */
  double   *hat[2];       /* the block's k normalised by it */
  double    tail[2];      /* log of the weight beyond the reach */
} OTShiftBlocks;
typedef struct {
  ptrdiff_t     n, r, R2; /* cells of the axis, band radius, reach of the mid band (the certificate's) */
  OTBoundary    bc;
  double        eps;        /* the eps tabulated (0: none) */
  double       *kt[2];      /* k(m), |m| <= r, with zeros around, per variant (plain, moment) */
  double       *lmid[2];    /* log k(m), r < m <= R2 */
  OTShiftBlocks band, line; /* stage 2 within the band, then over the whole line (folded: when the rank holds it) */
  PetscBool     folded;
  ptrdiff_t     wt;    /* rows of stage 2's scratch */
  PetscBool     dense; /* the band spans the line: W, the folded n x n matrix, instead of kt */
  double       *W[2];
  double        tail[2];    /* log of the weight beyond the band */
  double        tailfar[2]; /* log of the weight beyond R2 */
  double        lognmid, floor;
  double        alpha;          /* log k(m) = -alpha m^2 (plain variant) */
  ptrdiff_t     P;              /* the recentred tiles of stage 2 look at the padded line [-P, n + P) */
  double        tailP;          /* log of the plain weight beyond P: the bound of what lies beyond */
  double        accept[2];      /* an output is certified at once when log of its shifted sum is at least this */
  double        acceptdense[2]; /* the same for the dense matrix */
} OTShiftTab;
PETSC_INTERN PetscErrorCode OTShiftTabBuild(OTShiftTab *, OTBoundary, ptrdiff_t, double, double, ptrdiff_t, ptrdiff_t, PetscBool);
PETSC_INTERN PetscErrorCode OTShiftTabDestroy(OTShiftTab *);
PETSC_INTERN double         OTShiftTabBytes(ptrdiff_t, ptrdiff_t, ptrdiff_t, PetscBool);
PETSC_INTERN ptrdiff_t      OTShiftScratch(const OTShiftTab *, ptrdiff_t);
PETSC_INTERN ptrdiff_t      OTShiftPanel(const OTShiftTab *, PetscInt, const double *const *, double *const *, ptrdiff_t, ptrdiff_t, ptrdiff_t, const double *,
                                         const ptrdiff_t *, const ptrdiff_t *, double *, unsigned char *, unsigned char *, ptrdiff_t *);

/* needed.c: the outputs each pass of a masked application (OTKernelApplyLogWhere) depends on: line l of a pass needs
   its outputs in [lo[e], hi[e]) (e = l / per; global indices on axis 0; lo = hi: none). */
typedef struct {
  const ptrdiff_t *lo, *hi;
  ptrdiff_t        per;
} OTNeedPass;
typedef struct {
  OTNeedPass pass[3];
  ptrdiff_t *lo, *hi, cap;
} OTNeed;
PETSC_INTERN PetscErrorCode OTNeedCompute(const OTGridInfo *, const double *, OTNeed *);
PETSC_INTERN PetscErrorCode OTNeedDestroy(OTNeed *);
PETSC_INTERN double         OTNeedBytes(const OTGridInfo *);
PETSC_INTERN PetscBool      OTNeedColumns(const OTNeedPass *, ptrdiff_t, ptrdiff_t, ptrdiff_t *, ptrdiff_t *);

/* Plane exchange: this rank receives the listed global planes of a slab-distributed array from their owners (the local ones
   are copied). recv holds nneed planes in the order of need[]. */
typedef struct _OTPlaneExchange *OTPlaneExchange;
PETSC_INTERN PetscErrorCode OTPlaneExchangeCreate(MPI_Comm, const ptrdiff_t[], const ptrdiff_t[], ptrdiff_t, ptrdiff_t, const ptrdiff_t[], OTPlaneExchange *);
PETSC_INTERN PetscErrorCode OTPlaneExchangeExecute(OTPlaneExchange, const double *, double *);
PETSC_INTERN PetscErrorCode OTPlaneExchangeDestroy(OTPlaneExchange *);

/* pyramid.c: the grid of twice the spacing, sum pooling onto it and linear interpolation back (world layout) */
#define OT_MULTISCALE_MIN 32   /* a level of a multiscale warm start has at least this many cells per axis */
#define OT_MULTISCALE_TOL 1e-4 /* the coarse levels' tolerance (at least the run's) */
#define OT_MULTISCALE_MAX_IT                                                                                                                       \
  1000 /* a coarse level's iteration limit: a warm start, the same whatever the run's -max_it (so a run stopped early by -max_it restarts into the \
          uninterrupted one) */
#define OT_MULTISCALE_EPS_CELLS 1.0 /* a coarse level's eps: at least this many of its squared cells (-multiscale_eps_cells; measured in README) */
PETSC_INTERN PetscBool      OTGridCanCoarsen(const OTGridInfo *);
PETSC_INTERN PetscErrorCode OTMultiscaleEps(OTGrid, double, double, double *);
PETSC_INTERN double         OTMultiscaleShare(const OTGridInfo *);
PETSC_INTERN PetscErrorCode OTGridCreateCoarse(OTGrid, OTGrid *);
PETSC_INTERN PetscErrorCode OTFieldPool(OTGrid, OTGrid, const double *, double *);
PETSC_INTERN PetscErrorCode OTFieldProlong(OTGrid, OTGrid, const double *, double *);
PETSC_INTERN PetscErrorCode OTMultiscaleLevel(OTKernel, OTSolver, OTGrid, const char[], OTKernel *, OTSolver);

/* A fast exp for vectorised loops: |rel. error| <= 3e-16 on [-708, 709], 0 below -708 (also for -inf). Written out so
   that gcc vectorises the loops that call it (libm's exp is a call per element). */
static inline double OTFastExp(double x)
{
  const double LOG2E = 1.4426950408889634, LN2HI = 6.93147180369123816490e-01, LN2LO = 1.90821492927058770002e-10;
  const double SHIFT = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits */
  double       xc    = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
  double       kd    = xc * LOG2E + SHIFT, r, p, s;
  uint64_t     ki, e;

  memcpy(&ki, &kd, sizeof ki);
  kd -= SHIFT;
  r = xc - kd * LN2HI - kd * LN2LO; /* |r| <= ln2/2: Taylor to degree 13 is below 2e-16 */
  p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  e = (ki + 1023) << 52;
  memcpy(&s, &e, sizeof s);
  return x < -708.0 ? 0.0 : p * s;
}

/* A fast log for vectorised loops: |rel. error| <= 5e-16 for x > 0 (subnormals included), -inf for x = 0 (and x < 0),
   NaN for NaN; +inf is not handled. x = 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh((m-1)/(m+1)) by its series. */
static inline double OTFastLog(double x)
{
  const double LN2HI = 6.93147180369123816490e-01, LN2LO = 1.90821492927058770002e-10;
  double       xs = x < 2.2250738585072014e-308 ? x * 18014398509481984.0 : x, adj = x < 2.2250738585072014e-308 ? -54.0 : 0.0;
  double       m, s, s2, p, big;
  uint64_t     bits, mb;

  memcpy(&bits, &xs, sizeof bits);
  mb = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  memcpy(&m, &mb, sizeof m);
  big = m > 1.4142135623730951 ? 1.0 : 0.0;
  m   = m * (1.0 - 0.5 * big);
  adj += (double) ((int64_t) ((bits >> 52) & 0x7ff) - 1023) + big;
  s  = (m - 1.0) / (m + 1.0);
  s2 = s * s;
  p  = 2.0 / 23;
  p  = p * s2 + 2.0 / 21;
  p  = p * s2 + 2.0 / 19;
  p  = p * s2 + 2.0 / 17;
  p  = p * s2 + 2.0 / 15;
  p  = p * s2 + 2.0 / 13;
  p  = p * s2 + 2.0 / 11;
  p  = p * s2 + 2.0 / 9;
  p  = p * s2 + 2.0 / 7;
  p  = p * s2 + 2.0 / 5;
  p  = p * s2 + 2.0 / 3;
  p  = p * s2 + 2.0;
  p  = adj * LN2HI + (adj * LN2LO + p * s);
  return p + (x > 0 ? 0.0 : -INFINITY); /* a select on a constant alone makes gcc branch around p */
}
