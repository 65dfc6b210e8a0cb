/* t_kernel.c: unit tests of OTKernel against dense products built from the 1-D entries (sampled Gaussian plus images):
   every kernel type and boundary, plain and moment variants, 1-D/2-D/3-D grids with sizes not divisible by the rank count;
   the banded log-domain kernel at small eps against a dense log-sum-exp (huge dynamic range, Diracs far apart); symmetry.
   Run at 1, 2 and 4 ranks. */
#include "test.h"
#include "../../src/kernel/kernelimpl.h" /* OTKernelEntry: the dense reference */

/* a positive test field, a function of the global index (the same on every rank count) */
static double Input(ptrdiff_t g)
{
  return 0.3 + sin(0.7 * (double) g + 0.2) * sin(0.7 * (double) g + 0.2) + 0.1 * cos(1.3 * (double) g);
}

typedef struct {
  ptrdiff_t n[3];
  PetscInt  dim;
  double   *E[3]; /* dense 1-D operators of each axis, n x n */
} Dense;

static PetscErrorCode DenseBuild(OTKernel K, const OTGridInfo *gi, PetscInt moment, Dense *D)
{
  PetscFunctionBegin;
  D->dim = gi->dim;
  for (PetscInt k = 0; k < 3; k++) {
    D->n[k] = gi->n[k];
    PetscCall(PetscMalloc1(D->n[k] * D->n[k], &D->E[k]));
    for (ptrdiff_t i = 0; i < D->n[k]; i++)
      for (ptrdiff_t j = 0; j < D->n[k]; j++) PetscCall(OTKernelEntry(K, k, moment == k, i, j, &D->E[k][i * D->n[k] + j]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode DenseDestroy(Dense *D)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++) PetscCall(PetscFree(D->E[k]));
  PetscFunctionReturn(0);
}

/* max |K v - dense| / max |dense| over all ranks */
static PetscErrorCode CompareDense(OTKernel K, const OTGridInfo *gi, PetscInt moment, double *relerr)
{
  Dense   D;
  double *v, *out, err = 0, ref = 0;
  OTGrid  g;

  PetscFunctionBegin;
  PetscCall(OTKernelGetGrid(K, &g));
  PetscCall(DenseBuild(K, gi, moment, &D));
  PetscCall(OTFieldCreate(g, &v));
  PetscCall(OTFieldCreate(g, &out));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) v[i] = Input(gi->start0 * gi->plane + i);
  PetscCall(OTKernelApply(K, moment, v, out));
  for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) {
        ptrdiff_t I0 = gi->start0 + i0;
        double    s  = 0;
        for (ptrdiff_t j0 = 0; j0 < gi->n[0]; j0++)
          for (ptrdiff_t j1 = 0; j1 < gi->n[1]; j1++)
            for (ptrdiff_t j2 = 0; j2 < gi->n[2]; j2++)
              s += D.E[0][I0 * gi->n[0] + j0] * D.E[1][i1 * gi->n[1] + j1] * D.E[2][i2 * gi->n[2] + j2] * Input((j0 * gi->n[1] + j1) * gi->n[2] + j2);
        err = PetscMax(err, fabs(s - out[(i0 * gi->n[1] + i1) * gi->n[2] + i2]));
        ref = PetscMax(ref, fabs(s));
      }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &err, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ref, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  *relerr = err / ref;
  PetscCall(OTFieldDestroy(&v));
  PetscCall(OTFieldDestroy(&out));
  PetscCall(DenseDestroy(&D));
  PetscFunctionReturn(0);
}

/* log of the 1-D operator entry between cells i and j: images of j (mirror: period 2n, t and -1-t; periodic: period n)
   summed in the log domain, written out here independently of the library */
static double LogEntry(OTBoundary bc, ptrdiff_t n, double h, double eps, ptrdiff_t i, ptrdiff_t j)
{
  double mx = -INFINITY, s = 0;
  if (bc == OT_BOUNDARY_FREE) return -((double) (i - j) * h) * ((double) (i - j) * h) / eps;
  for (int pass = 0; pass < 2; pass++)
    for (ptrdiff_t p = -8; p <= 8; p++) {
      ptrdiff_t t[2] = {bc == OT_BOUNDARY_PERIODIC ? j + p * n : j + 2 * p * n, bc == OT_BOUNDARY_PERIODIC ? j + p * n : -1 - j + 2 * p * n};
      for (int q = 0; q < 2; q++) {
        double l = -((double) (i - t[q]) * h) * ((double) (i - t[q]) * h) / eps;
        if (bc == OT_BOUNDARY_PERIODIC && q) continue;
        if (pass == 0)
          mx = PetscMax(mx, l);
        else
          s += exp(l - mx);
      }
    }
  return mx + log(s);
}

/* log-domain: max over outputs of |LSE - dense LSE| / max(1, |dense|), and the number of mismatched infinities */
static PetscErrorCode CompareDenseLog(OTKernel K, const OTGridInfo *gi, OTBoundary bc, double eps,
                                      double (*f)(const OTGridInfo *, ptrdiff_t, ptrdiff_t, ptrdiff_t), double *abserr, PetscInt *ninf)
{
  double *v, *out, err = 0, *LE[3];
  OTGrid  g;
  int     bad = 0;

  PetscFunctionBegin;
  PetscCall(OTKernelGetGrid(K, &g));
  for (PetscInt k = 0; k < 3; k++) {
    ptrdiff_t n = gi->n[k];
    PetscCall(PetscMalloc1(n * n, &LE[k]));
    for (ptrdiff_t i = 0; i < n; i++)
      for (ptrdiff_t j = 0; j < n; j++) LE[k][i * n + j] = k < gi->dim ? LogEntry(bc, n, gi->h[k], eps, i, j) : 0;
  }
  PetscCall(OTFieldCreate(g, &v));
  PetscCall(OTFieldCreate(g, &out));
  for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) v[(i0 * gi->n[1] + i1) * gi->n[2] + i2] = f(gi, gi->start0 + i0, i1, i2);
  PetscCall(OTKernelApplyLog(K, -1, v, out));
  for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) {
        ptrdiff_t I0 = gi->start0 + i0;
        double    mx = -INFINITY, s = 0, ref, got = out[(i0 * gi->n[1] + i1) * gi->n[2] + i2];
        for (int pass = 0; pass < 2; pass++)
          for (ptrdiff_t j0 = 0; j0 < gi->n[0]; j0++)
            for (ptrdiff_t j1 = 0; j1 < gi->n[1]; j1++)
              for (ptrdiff_t j2 = 0; j2 < gi->n[2]; j2++) {
                double in = f(gi, j0, j1, j2), l;
                if (in == -INFINITY) continue;
                l = in + LE[0][I0 * gi->n[0] + j0] + LE[1][i1 * gi->n[1] + j1] + LE[2][i2 * gi->n[2] + j2];
                if (pass == 0)
                  mx = PetscMax(mx, l);
                else
                  s += exp(l - mx);
              }
        ref = mx > -INFINITY ? mx + log(s) : -INFINITY;
        if (ref == -INFINITY || got == -INFINITY) {
          if (ref != got) bad++;
        } else
          err = PetscMax(err, fabs(got - ref) / PetscMax(1.0, fabs(ref)));
      }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &err, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  *abserr = err;
  *ninf   = bad;
  PetscCall(OTFieldDestroy(&v));
  PetscCall(OTFieldDestroy(&out));
  for (PetscInt k = 0; k < 3; k++) PetscCall(PetscFree(LE[k]));
  PetscFunctionReturn(0);
}

static double LogSteep(const OTGridInfo *gi, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t i2)
{
  /* potentials with a range of thousands of nats (small eps, large displacement), and zero-mass holes */
  double x = OTGridCoord(gi, 0, i0), y = OTGridCoord(gi, 1, i1), z = OTGridCoord(gi, 2, i2);
  if ((i0 + 2 * i1 + 3 * i2) % 7 == 3) return -INFINITY;
  return 12000.0 * x - 6000.0 * y * y + 3000.0 * z + 5 * sin(9 * x);
}

static double LogDirac(const OTGridInfo *gi, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t i2)
{
  /* one cell near a corner holds all the mass: the far corner is far beyond the band */
  return (i0 == 1 && i1 == 0 && i2 == 0) ? 0.0 : -INFINITY;
}

/* masks of OTKernelApplyLogWhere: a blob off-centre with holes (lines and planes that need nothing, lines that need a
   part), and a single cell */
static double MaskBlob(const OTGridInfo *gi, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t i2)
{
  double x = OTGridCoord(gi, 0, i0) / (gi->n[0] * gi->h[0]) - 0.4, y = gi->dim > 1 ? OTGridCoord(gi, 1, i1) / (gi->n[1] * gi->h[1]) - 0.6 : 0;
  double z = gi->dim > 2 ? OTGridCoord(gi, 2, i2) / (gi->n[2] * gi->h[2]) - 0.5 : 0;
  return (x * x + y * y + z * z < 0.09 && (i0 + i1 + i2) % 5 != 2) ? 1.0 : 0.0;
}

static double MaskCell(const OTGridInfo *gi, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t i2)
{
  return (i0 == gi->n[0] - 2 && i1 == gi->n[1] / 2 && i2 == 0) ? 0.5 : 0.0;
}

/* the masked application gives the unmasked one's values, to the bit, wherever the mask is positive; returns the
   number of cells where it does not (all ranks) */
static PetscErrorCode CompareMasked(OTKernel K, const OTGridInfo *gi, double (*f)(const OTGridInfo *, ptrdiff_t, ptrdiff_t, ptrdiff_t),
                                    double (*m)(const OTGridInfo *, ptrdiff_t, ptrdiff_t, ptrdiff_t), PetscInt *nbad)
{
  double *v, *full, *part, *mask;
  OTGrid  g;
  int     bad = 0;

  PetscFunctionBegin;
  PetscCall(OTKernelGetGrid(K, &g));
  PetscCall(OTFieldCreate(g, &v));
  PetscCall(OTFieldCreate(g, &full));
  PetscCall(OTFieldCreate(g, &part));
  PetscCall(OTFieldCreate(g, &mask));
  for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
    for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
      for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) {
        ptrdiff_t c = (i0 * gi->n[1] + i1) * gi->n[2] + i2;
        v[c]        = f(gi, gi->start0 + i0, i1, i2);
        mask[c]     = m(gi, gi->start0 + i0, i1, i2);
      }
  PetscCall(OTKernelApplyLog(K, -1, v, full));
  PetscCall(OTKernelApplyLogWhere(K, -1, v, mask, part));
  for (ptrdiff_t c = 0; c < gi->nlocal; c++) bad += mask[c] > 0 && memcmp(&full[c], &part[c], sizeof(double));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  *nbad = bad;
  PetscCall(OTFieldDestroy(&v));
  PetscCall(OTFieldDestroy(&full));
  PetscCall(OTFieldDestroy(&part));
  PetscCall(OTFieldDestroy(&mask));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  ptrdiff_t   shapes[3][3] = {{13, 1, 1}, {11, 9, 1}, {10, 7, 9}}; /* lines of 8 columns and more take the panel path */
  const char *types[]      = {OTKERNELDCT, OTKERNELFFT, OTKERNELPADDED, OTKERNELBANDED, OTKERNELBANDED, OTKERNELBANDED};
  OTBoundary  bcs[]        = {OT_BOUNDARY_NEUMANN, OT_BOUNDARY_PERIODIC, OT_BOUNDARY_FREE, OT_BOUNDARY_NEUMANN, OT_BOUNDARY_PERIODIC, OT_BOUNDARY_FREE};

  if (OTInitialize(&argc, &argv, NULL)) return 1;
  for (PetscInt d = 1; d <= 3; d++) {
    OTGrid            g;
    const OTGridInfo *gi;
    double            h[3] = {0.1, 0.13, 0.09};
    PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, d, shapes[d - 1], &g));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridSetGeometry(g, h, NULL));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridSetUp(g));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridGetInfo(g, &gi));
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
      /* eps: wide (images matter) and narrow (a few cells) */
      double epss[2] = {0.4, 0.02};
      for (int e = 0; e < 2; e++) {
        OTKernel K;
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelCreate(PETSC_COMM_WORLD, &K));
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetGrid(K, g));
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetType(K, types[t]));
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetBoundary(K, bcs[t]));
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetEpsilon(K, epss[e]));
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetFromOptions(K));
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetUp(K));
        for (PetscInt mom = -1; mom < d; mom++) {
          double rel = 1;
          char   name[160];
          PetscCallAbort(PETSC_COMM_WORLD, CompareDense(K, gi, mom, &rel));
          snprintf(name, sizeof name, "%dd %s/%s eps %g %s%s: K v = dense product", (int) d, types[t], OTBoundaries[bcs[t]], epss[e],
                   mom < 0 ? "plain" : "moment axis ", mom < 0 ? "" : (mom == 0 ? "0" : (mom == 1 ? "1" : "2")));
          OT_TEST(name, rel <= 1e-13, "max rel. error %.3e", rel);
        }
        /* symmetry <Kx, y> = <x, Ky> */
        {
          double *x, *y, *kx, *ky, a, b;
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &x));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &y));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &kx));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &ky));
          for (ptrdiff_t i = 0; i < gi->nlocal; i++) {
            x[i] = Input(gi->start0 * gi->plane + i);
            y[i] = Input(3 * (gi->start0 * gi->plane + i) + 11);
          }
          PetscCallAbort(PETSC_COMM_WORLD, OTKernelApply(K, -1, x, kx));
          PetscCallAbort(PETSC_COMM_WORLD, OTKernelApply(K, -1, y, ky));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldDot(g, kx, y, &a));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldDot(g, x, ky, &b));
          if (t < 3 && e == 0) {
            char name[128];
            snprintf(name, sizeof name, "%dd %s symmetric <Kx,y> = <x,Ky>", (int) d, types[t]);
            OT_TEST_CLOSE(name, a, b, 1e-13);
          }
          /* in place: K applied to x inside x gives the same as out of place */
          PetscCallAbort(PETSC_COMM_WORLD, OTKernelApply(K, -1, x, x));
          {
            double diff;
            char   name[128];
            PetscCallAbort(PETSC_COMM_WORLD, OTFieldNorm1Diff(g, x, kx, &diff));
            snprintf(name, sizeof name, "%dd %s/%s eps %g in-place apply", (int) d, types[t], OTBoundaries[bcs[t]], epss[e]);
            OT_TEST(name, diff == 0, "in-place differs by %g", diff);
          }
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&x));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&y));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&kx));
          PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&ky));
        }
        PetscCallAbort(PETSC_COMM_WORLD, OTKernelDestroy(&K));
      }
    }
    /* banded at small eps (the band is a few cells) against a dense log-sum-exp: steep potentials and far Diracs */
    for (int b = 0; b < 3; b++) {
      OTKernel K;
      double   err;
      PetscInt ninf;
      char     name[160];
      double   eps = 1.5e-4;
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelCreate(PETSC_COMM_WORLD, &K));
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetGrid(K, g));
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetType(K, OTKERNELBANDED));
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetBoundary(K, (OTBoundary) b));
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetEpsilon(K, eps));
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelSetUp(K));
      PetscCallAbort(PETSC_COMM_WORLD, CompareDenseLog(K, gi, (OTBoundary) b, eps, LogSteep, &err, &ninf));
      snprintf(name, sizeof name, "%dd banded/%s eps %g: steep log-potentials = dense log-sum-exp", (int) d, OTBoundaries[b], eps);
      if (getenv("OT_TEST_VERBOSE")) PetscCallAbort(PETSC_COMM_WORLD, PetscPrintf(PETSC_COMM_WORLD, "err %g\n", err));
      if (getenv("OT_TEST_VERBOSE")) PetscCallAbort(PETSC_COMM_WORLD, OTKernelView(K, NULL));
      OT_TEST(name, err <= 1e-13 && ninf == 0, "max error %.3e, %d mismatched infinities", err, (int) ninf);
      PetscCallAbort(PETSC_COMM_WORLD, CompareDenseLog(K, gi, (OTBoundary) b, eps, LogDirac, &err, &ninf));
      snprintf(name, sizeof name, "%dd banded/%s eps %g: Dirac far beyond the band = dense log-sum-exp", (int) d, OTBoundaries[b], eps);
      OT_TEST(name, err <= 1e-13 && ninf == 0, "max error %.3e, %d mismatched infinities", err, (int) ninf);
      /* only some outputs needed: the same values there */
      PetscCallAbort(PETSC_COMM_WORLD, CompareMasked(K, gi, LogSteep, MaskBlob, &ninf));
      snprintf(name, sizeof name, "%dd banded/%s eps %g: outputs on a blob with holes = unmasked, bit for bit", (int) d, OTBoundaries[b], eps);
      OT_TEST(name, ninf == 0, "%d cells differ", (int) ninf);
      PetscCallAbort(PETSC_COMM_WORLD, CompareMasked(K, gi, LogDirac, MaskCell, &ninf));
      snprintf(name, sizeof name, "%dd banded/%s eps %g: one output far from a Dirac = unmasked, bit for bit", (int) d, OTBoundaries[b], eps);
      OT_TEST(name, ninf == 0, "%d cells differ", (int) ninf);
      PetscCallAbort(PETSC_COMM_WORLD, OTKernelDestroy(&K));
    }
    PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
  }
  OTFinalize();
  return ot_test_failures;
}
