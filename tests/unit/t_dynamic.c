/* t_dynamic.c: unit tests of the dynamic OT operators on the distributed space-time grid (1-, 2-, 3-D space + time):
   adjointness of the interpolation and of divergence/gradient, the continuity projection (DCT and KSP), the graph
   projection, the pointwise prox (optimality conditions), and the same numbers at 1, 2 and 4 ranks. */
#include "test.h"
#include "../../src/dynamic/dynimpl.h"

/* a deterministic pseudo-random value of a global index: the same field at every rank count */
static double Hash(uint64_t i, uint64_t salt)
{
  uint64_t z = i * 0x9E3779B97F4A7C15ULL + salt * 0xBF58476D1CE4E5B9ULL + 1;
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (double) (z >> 11) / 9007199254740992.0 - 0.5;
}

/* fills every component with hash values of the global (cell, time) index */
static void FillRandom(OTSpaceTime *st, OTDynVec *x, uint64_t salt)
{
  for (PetscInt c = 0; c < st->nc; c++) {
    ptrdiff_t per = (x->stag && c == 0) ? st->nt + 1 : st->nt, n = st->ns * per, g0 = st->s0 * st->plane * per;
    for (ptrdiff_t i = 0; i < n; i++) x->c[c][i] = Hash((uint64_t) (g0 + i), salt + 17 * (uint64_t) c);
  }
}

static double Dot(OTSpaceTime *st, const OTDynVec *x, const OTDynVec *y)
{
  double s;
  for (ptrdiff_t il = 0; il < st->ln0; il++) {
    double acc = 0;
    for (PetscInt c = 0; c < st->nc; c++) {
      ptrdiff_t per = ((x->stag && c == 0) ? st->nt + 1 : st->nt) * st->plane;
      for (ptrdiff_t i = il * per; i < (il + 1) * per; i++) acc += x->c[c][i] * y->c[c][i];
    }
    st->ps[il * OT_DYN_MAXSUMS] = acc;
  }
  OTSpaceTimeSum(st, 1, &s);
  return s;
}

static double MaxAbs(OTSpaceTime *st, const double *x, ptrdiff_t n)
{
  double m = 0;
  for (ptrdiff_t i = 0; i < n; i++) m = PetscMax(m, PetscAbsReal(x[i]));
  MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, st->comm);
  return m;
}

static void ZeroBoundary(OTSpaceTime *st, OTDynVec *U)
{
  double *z;
  PetscCalloc1(st->ns + 1, &z);
  OTDynSetBoundary(st, z, z, U);
  PetscFree(z);
}

static PetscErrorCode TestGrid(PetscInt dim, const ptrdiff_t n[], PetscInt nt, PetscBool wfr)
{
  OTGrid       g;
  OTSpaceTime  st;
  OTDynVec     U, U2, V, V2, T, TV;
  char         name[128], tag[64];
  double       a, b, delta = wfr ? 0.3 : 0;
  double       hh[3] = {0.02, 0.03, 0.025};
  OTDynPoisson pd, pk;

  PetscFunctionBegin;
  PetscCall(OTGridCreate(PETSC_COMM_WORLD, dim, n, &g));
  PetscCall(OTGridSetGeometry(g, hh, NULL));
  PetscCall(OTGridSetUp(g));
  PetscCall(OTSpaceTimeSetUp(&st, g, nt, wfr));
  snprintf(tag, sizeof tag, "%dd+t nt=%d%s", (int) dim, (int) nt, wfr ? " wfr" : "");
  PetscCall(OTDynVecCreate(&st, PETSC_TRUE, &U));
  PetscCall(OTDynVecCreate(&st, PETSC_TRUE, &U2));
  PetscCall(OTDynVecCreate(&st, PETSC_TRUE, &T));
  PetscCall(OTDynVecCreate(&st, PETSC_FALSE, &V));
  PetscCall(OTDynVecCreate(&st, PETSC_FALSE, &V2));
  PetscCall(OTDynVecCreate(&st, PETSC_FALSE, &TV));

  /* <I U, V> = <U, I* V> for U zero on the boundary faces */
  FillRandom(&st, &U, 1);
  ZeroBoundary(&st, &U);
  FillRandom(&st, &V, 2);
  PetscCall(OTDynInterp(&st, &U, &V2));
  PetscCall(OTDynInterpAdjoint(&st, &V, &U2));
  a = Dot(&st, &V2, &V);
  b = Dot(&st, &U, &U2);
  snprintf(name, sizeof name, "%s: <I U, V> = <U, I* V>", tag);
  OT_TEST_CLOSE(name, a, b, 1e-13);

  /* <div U, p> = -<U, grad p> (the source enters as -z/delta and +p/delta) */
  {
    double *r, *p;
    PetscCall(PetscMalloc2(st.ncell + 1, &r, st.ncell + 1, &p));
    for (ptrdiff_t i = 0; i < st.ncell; i++) p[i] = Hash((uint64_t) (st.s0 * st.plane * nt + i), 9);
    PetscCall(OTDynDivergence(&st, &U, delta, r));
    for (PetscInt c = 0; c < st.nc; c++) PetscCall(PetscArrayzero(U2.c[c], OTDynVecLen(&st, &U2, c)));
    PetscCall(OTDynGradientAdd(&st, p, 1.0, delta, &U2));
    for (ptrdiff_t il = 0; il < st.ln0; il++) {
      double acc = 0;
      for (ptrdiff_t i = il * st.plane * nt; i < (il + 1) * st.plane * nt; i++) acc += r[i] * p[i];
      st.ps[il * OT_DYN_MAXSUMS] = acc;
    }
    PetscCall(OTSpaceTimeSum(&st, 1, &a));
    b = -Dot(&st, &U, &U2);
    snprintf(name, sizeof name, "%s: <div U, p> = -<U, grad p>", tag);
    OT_TEST_CLOSE(name, a, b, 1e-12);
    PetscCall(PetscFree2(r, p));
  }

  /* continuity projection: zero divergence, data on the boundary, idempotent; the DCT and KSP potentials agree */
  PetscCall(OTDynPoissonCreate(&st, OTDYNPOISSONDCT, wfr ? 1.0 / (delta * delta) : 0, PETSC_FALSE, PETSC_FALSE, &pd));
  PetscCall(OTDynPoissonCreate(&st, OTDYNPOISSONKSP, wfr ? 1.0 / (delta * delta) : 0, PETSC_FALSE, PETSC_FALSE, &pk));
  {
    double *rho0, *rho1, *r, *p, *p2, m0 = 0, m1 = 0, mm[2];
    PetscCall(PetscMalloc5(st.ns + 1, &rho0, st.ns + 1, &rho1, st.ncell + 1, &r, st.ncell + 1, &p, st.ncell + 1, &p2));
    for (ptrdiff_t s = 0; s < st.ns; s++) {
      rho0[s] = 1 + Hash((uint64_t) (st.s0 * st.plane + s), 3) * 0.5;
      rho1[s] = 1 + Hash((uint64_t) (st.s0 * st.plane + s), 4) * 0.5;
    }
    if (!wfr) { /* equal masses: the pure Neumann problem is compatible */
      for (ptrdiff_t il = 0; il < st.ln0; il++) {
        double a0 = 0, a1 = 0;
        for (ptrdiff_t s = il * st.plane; s < (il + 1) * st.plane; s++) {
          a0 += rho0[s];
          a1 += rho1[s];
        }
        st.ps[il * OT_DYN_MAXSUMS]     = a0;
        st.ps[il * OT_DYN_MAXSUMS + 1] = a1;
      }
      PetscCall(OTSpaceTimeSum(&st, 2, mm));
      m0 = mm[0];
      m1 = mm[1];
      for (ptrdiff_t s = 0; s < st.ns; s++) rho1[s] *= m0 / m1;
    }
    FillRandom(&st, &U, 5);
    PetscCall(OTDynVecCopy(&st, &U, &U2));
    PetscCall(PetscArrayzero(p, st.ncell));
    PetscCall(PetscArrayzero(p2, st.ncell));
    PetscCall(OTDynProjectC(&st, pd, rho0, rho1, delta, p, &U));
    PetscCall(OTDynProjectC(&st, pk, rho0, rho1, delta, p2, &U2));
    PetscCall(OTDynDivergence(&st, &U, delta, r));
    snprintf(name, sizeof name, "%s: P_C (DCT) leaves no divergence", tag);
    a = MaxAbs(&st, r, st.ncell);
    OT_TEST(name, a < 1e-9, "max |div| = %g", a);
    PetscCall(OTDynDivergence(&st, &U2, delta, r));
    snprintf(name, sizeof name, "%s: P_C (KSP) leaves no divergence", tag);
    a = MaxAbs(&st, r, st.ncell);
    OT_TEST(name, a < 1e-6, "max |div| = %g", a);
    PetscCall(OTDynVecAXPBY(&st, -1.0, &U, 1.0, &U2));
    a = 0;
    for (PetscInt c = 0; c < st.nc; c++) a = PetscMax(a, MaxAbs(&st, U2.c[c], OTDynVecLen(&st, &U2, c)));
    snprintf(name, sizeof name, "%s: P_C by DCT = P_C by KSP", tag);
    OT_TEST(name, a < 1e-6, "max difference %g", a);
    /* idempotent */
    PetscCall(OTDynVecCopy(&st, &U, &U2));
    PetscCall(OTDynProjectC(&st, pd, rho0, rho1, delta, p, &U2));
    PetscCall(OTDynVecAXPBY(&st, -1.0, &U, 1.0, &U2));
    a = 0;
    for (PetscInt c = 0; c < st.nc; c++) a = PetscMax(a, MaxAbs(&st, U2.c[c], OTDynVecLen(&st, &U2, c)));
    snprintf(name, sizeof name, "%s: P_C is idempotent", tag);
    OT_TEST(name, a < 1e-10, "max change %g", a);
    PetscCall(PetscFree5(rho0, rho1, r, p, p2));
  }
  PetscCall(OTDynPoissonDestroy(&pd));
  PetscCall(OTDynPoissonDestroy(&pk));

  /* graph projection: ZV = I ZU, and (W - Z) is orthogonal to the graph: (WU - ZU) + I*(WV - ZV) = 0 */
  {
    OTDynVec ZU, ZV;
    PetscCall(OTDynVecCreate(&st, PETSC_TRUE, &ZU));
    PetscCall(OTDynVecCreate(&st, PETSC_FALSE, &ZV));
    FillRandom(&st, &U, 6);
    FillRandom(&st, &V, 7);
    PetscCall(OTDynGraphProject(&st, &U, &V, &ZU, &ZV, &T, &TV));
    PetscCall(OTDynInterp(&st, &ZU, &V2));
    PetscCall(OTDynVecAXPBY(&st, -1.0, &ZV, 1.0, &V2));
    a = 0;
    for (PetscInt c = 0; c < st.nc; c++) a = PetscMax(a, MaxAbs(&st, V2.c[c], st.ncell));
    snprintf(name, sizeof name, "%s: graph projection lands on V = I U", tag);
    OT_TEST(name, a < 1e-14, "max |ZV - I ZU| = %g", a);
    PetscCall(OTDynVecWAXPBY(&st, &V2, 1.0, &V, -1.0, &ZV));
    PetscCall(OTDynInterpAdjoint(&st, &V2, &U2));
    PetscCall(OTDynVecAXPBY(&st, 1.0, &U, 1.0, &U2));
    PetscCall(OTDynVecAXPBY(&st, -1.0, &ZU, 1.0, &U2));
    ZeroBoundary(&st, &U2);
    a = 0;
    for (PetscInt c = 0; c < st.nc; c++) a = PetscMax(a, MaxAbs(&st, U2.c[c], OTDynVecLen(&st, &U2, c)));
    snprintf(name, sizeof name, "%s: graph projection is orthogonal", tag);
    OT_TEST(name, a < 1e-13, "max residual %g", a);
    PetscCall(OTDynVecDestroy(&st, &ZU));
    PetscCall(OTDynVecDestroy(&st, &ZV));
  }
  PetscCall(OTDynVecDestroy(&st, &U));
  PetscCall(OTDynVecDestroy(&st, &U2));
  PetscCall(OTDynVecDestroy(&st, &T));
  PetscCall(OTDynVecDestroy(&st, &V));
  PetscCall(OTDynVecDestroy(&st, &V2));
  PetscCall(OTDynVecDestroy(&st, &TV));
  PetscCall(OTSpaceTimeDestroy(&st));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}

/* prox_{gamma J}: at a positive root, f - a = gamma |m|^2 / (2 f^2) and m~ = m (1 + gamma / f); zero where it must be */
static void TestProx(void)
{
  enum { N = 4000 };
  static double a[N], m1[N], m2[N], f[N], o1[N], o2[N];
  double       *in[3] = {a, m1, m2}, *out[3] = {f, o1, o2}, worst = 0, gamma = 0.37;
  PetscInt      newton, nzero = 0, nbad = 0;

  for (int i = 0; i < N; i++) {
    double s = pow(10.0, 6 * (Hash((uint64_t) i, 11) + 0.5) - 3); /* magnitudes over six decades */
    a[i]     = 4 * s * Hash((uint64_t) i, 12);
    m1[i]    = s * Hash((uint64_t) i, 13) * (i % 7 == 0 ? 0 : 1);
    m2[i]    = s * Hash((uint64_t) i, 14);
  }
  OTDynProxJPoints(N, 2, gamma, in, out, &newton);
  for (int i = 0; i < N; i++) {
    double c = 0.5 * gamma * (m1[i] * m1[i] + m2[i] * m2[i]);
    if (f[i] > 0) {
      double P = (f[i] - a[i]) * (f[i] + gamma) * (f[i] + gamma) - c, sc = PetscMax(PetscAbsReal(a[i]), f[i]) * (f[i] + gamma) * (f[i] + gamma) + c;
      worst = PetscMax(worst, PetscAbsReal(P) / sc);
      worst = PetscMax(worst, PetscAbsReal(o1[i] * (1 + gamma / f[i]) - m1[i]) / (PetscAbsReal(m1[i]) + 1e-300));
    } else {
      nzero++;
      if (!(a[i] <= 0 && c <= -a[i] * gamma * gamma) || o1[i] != 0 || o2[i] != 0) nbad++;
    }
  }
  OT_TEST("prox: largest cubic root and momentum scaling (4000 points, 6 decades)", worst < 1e-12, "worst relative residual %g", worst);
  OT_TEST("prox: (0, 0) exactly where the root is not positive", nbad == 0 && nzero > 0, "%d wrong of %d zeros", (int) nbad, (int) nzero);
  /* the prox minimises gamma J(x) + |x - y|^2/2: compare with perturbations */
  {
    int worse = 0;
    for (int i = 0; i < 200; i++) {
      double y[3] = {a[i], m1[i], m2[i]}, x[3] = {f[i], o1[i], o2[i]}, best;
#define OBJ(z)                                                                                                                            \
  ((z)[0] > 0 ? gamma * ((z)[1] * (z)[1] + (z)[2] * (z)[2]) / (2 * (z)[0]) : (((z)[1] == 0 && (z)[2] == 0 && (z)[0] == 0) ? 0 : 1e300)) + \
      0.5 * (((z)[0] - y[0]) * ((z)[0] - y[0]) + ((z)[1] - y[1]) * ((z)[1] - y[1]) + ((z)[2] - y[2]) * ((z)[2] - y[2]))
      best = OBJ(x);
      for (int t = 0; t < 20; t++) {
        double z[3], e = 1e-4 * (1 + PetscAbsReal(y[0]) + PetscAbsReal(y[1]) + PetscAbsReal(y[2]));
        for (int k = 0; k < 3; k++) z[k] = x[k] + e * Hash((uint64_t) (i * 20 + t), 20 + (uint64_t) k);
        if (OBJ(z) < best - 1e-12 * (1 + PetscAbsReal(best))) worse++;
      }
#undef OBJ
    }
    OT_TEST("prox: no perturbation does better", worse == 0, "%d perturbations improve the objective", worse);
  }
}

int main(int argc, char **argv)
{
  PetscMPIInt size;

  if (OTInitialize(&argc, &argv, NULL)) return 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  {
    ptrdiff_t n1[3] = {12, 1, 1}, n2[3] = {8, 6, 1}, n3[3] = {8, 5, 4};
    PetscCallAbort(PETSC_COMM_WORLD, TestGrid(1, n1, 7, PETSC_FALSE));
    PetscCallAbort(PETSC_COMM_WORLD, TestGrid(2, n2, 5, PETSC_FALSE));
    PetscCallAbort(PETSC_COMM_WORLD, TestGrid(3, n3, 4, PETSC_FALSE));
    PetscCallAbort(PETSC_COMM_WORLD, TestGrid(2, n2, 6, PETSC_TRUE));
  }
  TestProx();
  OTFinalize();
  return ot_test_failures;
}
