/* t_semidiscrete.c: unit tests of the semi-discrete solver: polygon/polyhedron clipping and moments against closed
   forms, the two-site closed form, the lattice Hessian (faces on voxel walls), and the masses and Hessian against
   finite differences of the dual functional and of the masses (random points and weights on a Gaussian density, 2-D
   and 3-D). Run at 1, 2 and 4 ranks: every value must agree. */
#include "test.h"
#include "../../src/semidiscrete/sdimpl.h"

static uint64_t rng = 88172645463325252ULL;
static double   Rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double) (rng >> 11) / 9007199254740992.0;
}

/* ---------------------------------------------------------------- geometry */
static void TestGeometry(void)
{
  SDPoly2     a = {0}, b = {0};
  SDPoly3     p = {0}, q = {0}, r = {0};
  SDClip3Work w     = {0};
  double      lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, y[3] = {0, 0, 0}, A, m1[3], m2;

  PetscCallAbort(PETSC_COMM_WORLD, SDPoly2Reserve(&a, 16));
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly2Reserve(&b, 16));
  SDPoly2Box(&a, lo, hi);
  {
    double n[2] = {M_SQRT1_2, M_SQRT1_2};
    OT_TEST("poly2 clip x+y<=1 changes the square", SDPoly2Clip(&a, n, M_SQRT1_2, 7, 1e-14, &b) == SD_CLIP_CHANGED, "not changed");
    SDPoly2Moments(&b, y, &A, m1, &m2);
    OT_TEST_CLOSE("poly2 triangle area 1/2", A, 0.5, 1e-14);
    OT_TEST_CLOSE("poly2 triangle centroid 1/3", m1[0] / A, 1.0 / 3, 1e-14);
    OT_TEST_CLOSE("poly2 triangle int |x|^2 = 1/6", m2, 1.0 / 6, 1e-14);
    OT_TEST("poly2 cut edge tagged", b.n == 3 && (b.tag[0] == 7 || b.tag[1] == 7 || b.tag[2] == 7), "n %d", b.n);
  }
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly3Reserve(&p, 64, 16, 64));
  SDPoly3Box(&p, lo, hi);
  SDPoly3Moments(&p, y, &A, m1, &m2);
  OT_TEST_CLOSE("poly3 unit cube volume", A, 1, 1e-14);
  OT_TEST_CLOSE("poly3 unit cube int |x|^2 = 1", m2, 1, 1e-14);
  {
    double n[3] = {1 / sqrt(3.0), 1 / sqrt(3.0), 1 / sqrt(3.0)};
    PetscCallAbort(PETSC_COMM_WORLD, SDPoly3ReserveFor(&q, &p, &w));
    OT_TEST("poly3 clip x+y+z<=1", SDPoly3Clip(&p, n, 1 / sqrt(3.0), 3, 1e-14, &q, &w) == SD_CLIP_CHANGED, "not changed");
    SDPoly3Moments(&q, y, &A, m1, &m2);
    OT_TEST_CLOSE("poly3 corner tetrahedron volume 1/6", A, 1.0 / 6, 1e-14);
    OT_TEST_CLOSE("poly3 tetrahedron centroid 1/4", m1[2] / A, 0.25, 1e-14);
    OT_TEST_CLOSE("poly3 tetrahedron int |x|^2 = 1/20", m2, 1.0 / 20, 1e-14);
    OT_TEST("poly3 tetrahedron has 4 faces", q.nf == 4, "%d faces", q.nf);
  }
  {
    /* planes through vertices and edges (degenerate cuts): the two sides add up to the cube */
    double n[3] = {M_SQRT1_2, -M_SQRT1_2, 0}, Ab, mb[3], m2b;
    PetscCallAbort(PETSC_COMM_WORLD, SDPoly3ReserveFor(&q, &p, &w));
    PetscCallAbort(PETSC_COMM_WORLD, SDPoly3ReserveFor(&r, &p, &w));
    SDPoly3Clip(&p, n, 0, 1, 1e-14, &q, &w);
    n[0] = -n[0], n[1] = -n[1];
    SDPoly3Clip(&p, n, 0, 1, 1e-14, &r, &w);
    SDPoly3Moments(&q, y, &A, m1, &m2);
    SDPoly3Moments(&r, y, &Ab, mb, &m2b);
    OT_TEST_CLOSE("poly3 diagonal cut through two edges: halves", A, 0.5, 1e-14);
    OT_TEST_CLOSE("poly3 diagonal cut: moments add up", m1[0] + mb[0], 0.5, 1e-14);
  }
  {
    /* 200 random cuts, many through vertices or nearly so: volumes and moments of the two sides add up */
    double worst = 0;
    for (int t = 0; t < 200; t++) {
      double n[3], c, nn = 0, Ab, mb[3], m2b;
      for (int k = 0; k < 3; k++) {
        n[k] = t % 3 ? Rand() - 0.5 : (double) ((int) (3 * Rand()) - 1);
        nn += n[k] * n[k];
      }
      if (nn == 0) continue;
      for (int k = 0; k < 3; k++) n[k] /= sqrt(nn);
      c = t % 2 ? n[0] * (t % 5 ? 1 : Rand()) : 0.3 * (Rand() - 0.5);
      PetscCallAbort(PETSC_COMM_WORLD, SDPoly3ReserveFor(&q, &p, &w));
      PetscCallAbort(PETSC_COMM_WORLD, SDPoly3ReserveFor(&r, &p, &w));
      {
        SDClipResult r1    = SDPoly3Clip(&p, n, c, 1, 1e-13, &q, &w), r2;
        double       nm[3] = {-n[0], -n[1], -n[2]};
        A = Ab = 0;
        m1[0] = mb[0] = m2 = m2b = 0;
        if (r1 == SD_CLIP_CHANGED)
          SDPoly3Moments(&q, y, &A, m1, &m2);
        else if (r1 == SD_CLIP_UNCHANGED)
          SDPoly3Moments(&p, y, &A, m1, &m2);
        r2 = SDPoly3Clip(&p, nm, -c, 1, 1e-13, &r, &w);
        if (r2 == SD_CLIP_CHANGED)
          SDPoly3Moments(&r, y, &Ab, mb, &m2b);
        else if (r2 == SD_CLIP_UNCHANGED)
          SDPoly3Moments(&p, y, &Ab, mb, &m2b);
      }
      worst = PetscMax(worst, PetscMax(PetscAbsReal(A + Ab - 1), PetscMax(PetscAbsReal(m1[0] + mb[0] - 0.5), PetscAbsReal(m2 + m2b - 1))));
    }
    OT_TEST("poly3 200 random cuts: the two sides add up to the cube (1e-12)", worst < 1e-12, "worst %g", worst);
  }
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly2Free(&a));
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly2Free(&b));
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly3Free(&p));
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly3Free(&q));
  PetscCallAbort(PETSC_COMM_WORLD, SDPoly3Free(&r));
  PetscCallAbort(PETSC_COMM_WORLD, SDClip3WorkFree(&w));
}

/* ---------------------------------------------------------------- solver on small grids */

/* A grid with density exp(-|x - c|^2 / (2 s^2)) + floor (s = 0 gives the uniform density). */
static OTSD MakeSolver(PetscInt dim, const ptrdiff_t n[], double s, PetscInt m, const double *pts, const double *mass, OTGrid *g)
{
  const OTGridInfo *gi;
  double           *f;
  OTSD              sd;

  PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, dim, n, g));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridSetUp(*g));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridGetInfo(*g, &gi));
  PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(*g, &f));
  for (ptrdiff_t q = 0; q < gi->nlocal; q++) {
    ptrdiff_t id[3] = {gi->start0 + q / gi->plane, (q / gi->n[2]) % gi->n[1], q % gi->n[2]};
    double    r2    = 0;
    for (int k = 0; k < dim; k++) r2 += (OTGridCoord(gi, k, id[k]) - 0.45) * (OTGridCoord(gi, k, id[k]) - 0.45);
    f[q] = s > 0 ? exp(-r2 / (2 * s * s)) + 0.02 : 1;
  }
  PetscCallAbort(PETSC_COMM_WORLD, OTSDCreate(*g, &sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDSetDensity(sd, f));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDSetPoints(sd, m, pts, mass));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDSetFromOptions(sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDSetUp(sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&f));
  return sd;
}

static void TestTwoSites(void)
{
  ptrdiff_t n[2]   = {8, 8};
  double    pts[4] = {0.25, 0.5, 0.75, 0.5}, mass[2] = {0.75, 0.25}, psi[2], cm[2], cost;
  OTGrid    g;
  OTSD      sd = MakeSolver(2, n, 0, 2, pts, mass, &g);

  {
    OTSolver core;
    PetscCallAbort(PETSC_COMM_WORLD, OTSDGetSolver(sd, &core));
    PetscCallAbort(PETSC_COMM_WORLD, OTSolverSetTolerances(core, 1e-12, 50));
  }
  PetscCallAbort(PETSC_COMM_WORLD, OTSDSolve(sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDGetResults(sd, psi, cm, NULL, NULL, NULL));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDGetTransportCost(sd, &cost));
  OT_TEST_CLOSE("two sites: psi_1 - psi_2 = 1/4 (boundary x = 3/4)", psi[0] - psi[1], 0.25, 1e-10);
  OT_TEST_CLOSE("two sites: cell mass 3/4", cm[0], 0.75, 1e-12);
  OT_TEST_CLOSE("two sites: W2^2 = 13/96", cost, 13.0 / 96, 1e-12);
  PetscCallAbort(PETSC_COMM_WORLD, OTSDDestroy(&sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
}

/* Uniform density, sites at the centres of a k x k lattice with voxel walls on the cell faces: H_ij = -1/2 for face
   neighbours (face length h, distance h), zero for diagonal ones, rows summing to zero. */
static void TestLatticeHessian(void)
{
  ptrdiff_t n[2] = {12, 12};
  double    pts[2 * 16], psi[16] = {0}, mass[16];
  OTGrid    g;
  OTSD      sd;
  Mat       H;
  double    worst = 0, masserr = 0;

  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      pts[2 * (4 * i + j)]     = (i + 0.5) / 4;
      pts[2 * (4 * i + j) + 1] = (j + 0.5) / 4;
    }
  sd = MakeSolver(2, n, 0, 16, pts, NULL, &g);
  PetscCallAbort(PETSC_COMM_WORLD, OTSDComputeMasses(sd, psi, mass, &H));
  for (int i = 0; i < 16; i++) masserr = PetscMax(masserr, PetscAbsReal(mass[i] - 1.0 / 16));
  OT_TEST("lattice: equal cells 1/16 at equal weights", masserr < 1e-14, "mass error %g", masserr);
  for (PetscInt i = 0; i < 16; i++)
    for (PetscInt j = 0; j < 16; j++) {
      int      di = abs(i / 4 - j / 4), dj = abs(i % 4 - j % 4), nb = (i / 4 > 0) + (i / 4 < 3) + (i % 4 > 0) + (i % 4 < 3);
      double   want = i == j ? 0.5 * nb : (di + dj == 1 ? -0.5 : 0), got = 0;
      PetscInt lo, hi;
      PetscCallAbort(PETSC_COMM_WORLD, MatGetOwnershipRange(H, &lo, &hi));
      if (i >= lo && i < hi)
        PetscCallAbort(PETSC_COMM_WORLD, MatGetValue(H, i, j, &got));
      else
        got = want;
      worst = PetscMax(worst, PetscAbsReal(got - want));
    }
  {
    double all;
    MPI_Allreduce(&worst, &all, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
    OT_TEST("lattice Hessian = 1/2 x graph Laplacian of the lattice (faces on voxel walls)", all < 1e-13, "worst entry error %g", all);
  }
  PetscCallAbort(PETSC_COMM_WORLD, MatDestroy(&H));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDDestroy(&sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
}

/* Dual functional F(w) = sum_i nu_i w_i + sum_i int_{Lag_i} (|x - y_i|^2 - w_i) rho: dF/dw_j = nu_j - m_j, and
   H = dm/dw; both against central differences, at random points and weights near the solution (Gaussian density). */
static void TestDerivatives(PetscInt dim)
{
  ptrdiff_t n[3] = {dim == 2 ? 24 : 12, 20, 10};
  PetscInt  m    = dim == 2 ? 40 : 25;
  double    pts[3 * 40], psi[40], mass[40], mp[40], mm[40], nu[40], c0, cp, cm, worst_g = 0, worst_h = 0, hmax = 0, total = 0;
  OTGrid    g;
  OTSD      sd;
  Mat       H;
  char      name[128];

  for (PetscInt i = 0; i < m * dim; i++) pts[i] = 0.1 + 0.7 * Rand();
  sd = MakeSolver(dim, n, 0.2, m, pts, NULL, &g);
  {
    OTSolver core;
    PetscCallAbort(PETSC_COMM_WORLD, OTSDGetSolver(sd, &core));
    PetscCallAbort(PETSC_COMM_WORLD, OTSolverSetTolerances(core, 1e-6, 50));
  }
  PetscCallAbort(PETSC_COMM_WORLD, OTSDSolve(sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDGetResults(sd, psi, NULL, NULL, nu, NULL));
  for (PetscInt i = 0; i < m; i++) psi[i] += 2e-3 * (Rand() - 0.5) * (dim == 2 ? 1 : 4);
  PetscCallAbort(PETSC_COMM_WORLD, OTSDComputeMasses(sd, psi, mass, &H));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDGetTransportCost(sd, &c0));
  for (PetscInt i = 0; i < m; i++) total += mass[i];
  snprintf(name, sizeof name, "%dd: cell masses add up to the density's mass", (int) dim);
  OT_TEST_CLOSE(name, total, 1, 1e-13);
  for (PetscInt j = 0; j < m; j++) {
    double   eps = 1e-6, Fp = 0, Fm = 0, col[40];
    Vec      e, he;
    PetscInt lo, hi;
    psi[j] += eps;
    PetscCallAbort(PETSC_COMM_WORLD, OTSDComputeMasses(sd, psi, mp, NULL));
    PetscCallAbort(PETSC_COMM_WORLD, OTSDGetTransportCost(sd, &cp));
    for (PetscInt i = 0; i < m; i++) Fp += nu[i] * psi[i] - mp[i] * psi[i];
    Fp += cp;
    psi[j] -= 2 * eps;
    PetscCallAbort(PETSC_COMM_WORLD, OTSDComputeMasses(sd, psi, mm, NULL));
    PetscCallAbort(PETSC_COMM_WORLD, OTSDGetTransportCost(sd, &cm));
    for (PetscInt i = 0; i < m; i++) Fm += nu[i] * psi[i] - mm[i] * psi[i];
    Fm += cm;
    psi[j] += eps;
    worst_g = PetscMax(worst_g, PetscAbsReal((Fp - Fm) / (2 * eps) - (nu[j] - mass[j])));
    /* column j of H, gathered on every rank */
    PetscCallAbort(PETSC_COMM_WORLD, MatCreateVecs(H, &e, &he));
    PetscCallAbort(PETSC_COMM_WORLD, VecSet(e, 0));
    PetscCallAbort(PETSC_COMM_WORLD, VecGetOwnershipRange(e, &lo, &hi));
    if (j >= lo && j < hi) PetscCallAbort(PETSC_COMM_WORLD, VecSetValue(e, j, 1.0, INSERT_VALUES));
    PetscCallAbort(PETSC_COMM_WORLD, VecAssemblyBegin(e));
    PetscCallAbort(PETSC_COMM_WORLD, VecAssemblyEnd(e));
    PetscCallAbort(PETSC_COMM_WORLD, MatMult(H, e, he));
    {
      const double *a;
      double        loc[40] = {0};
      PetscCallAbort(PETSC_COMM_WORLD, VecGetArrayRead(he, &a));
      for (PetscInt i = lo; i < hi; i++) loc[i] = a[i - lo];
      PetscCallAbort(PETSC_COMM_WORLD, VecRestoreArrayRead(he, &a));
      MPI_Allreduce(loc, col, (int) m, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD);
    }
    for (PetscInt i = 0; i < m; i++) {
      worst_h = PetscMax(worst_h, PetscAbsReal((mp[i] - mm[i]) / (2 * eps) - col[i]));
      hmax    = PetscMax(hmax, PetscAbsReal(col[i]));
    }
    PetscCallAbort(PETSC_COMM_WORLD, VecDestroy(&e));
    PetscCallAbort(PETSC_COMM_WORLD, VecDestroy(&he));
  }
  snprintf(name, sizeof name, "%dd: dF/dpsi = nu - mass by finite differences (1e-8; measured %.1e)", (int) dim, worst_g);
  OT_TEST(name, worst_g < 1e-8, "worst error %g", worst_g);
  snprintf(name, sizeof name, "%dd: Hessian = d mass / d psi by finite differences (1e-7 max|H|; measured %.1e max|H|)", (int) dim, worst_h / hmax);
  OT_TEST(name, worst_h < 1e-7 * hmax, "worst error %g, max |H| %g", worst_h, hmax);
  {
    PetscBool sym;
    PetscCallAbort(PETSC_COMM_WORLD, MatIsSymmetric(H, 1e-14, &sym));
    snprintf(name, sizeof name, "%dd: Hessian symmetric", (int) dim);
    OT_TEST(name, sym, "not symmetric");
  }
  PetscCallAbort(PETSC_COMM_WORLD, MatDestroy(&H));
  PetscCallAbort(PETSC_COMM_WORLD, OTSDDestroy(&sd));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
}

int main(int argc, char **argv)
{
  if (OTInitialize(&argc, &argv, NULL)) return 1;
  PetscCallAbort(PETSC_COMM_WORLD, PetscOptionsSetValue(NULL, "-quiet", NULL));
  TestGeometry();
  TestTwoSites();
  TestLatticeHessian();
  TestDerivatives(2);
  TestDerivatives(3);
  OTFinalize();
  return ot_test_failures;
}
