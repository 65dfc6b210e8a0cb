/* barycenter_gaussians.c: the Wasserstein barycenter of three densities made in memory, through the library.

     mpiexec -n 2 build/examples/barycenter_gaussians [-n 64] [-eps 5e-3]

   Three Gaussian blobs of one width on the unit square, weights 1/2, 1/4, 1/4. Their W2 barycenter is the same blob
   centred at the weighted mean of the centres, (0.4375, 0.4125): the program prints the barycenter's mean and width. */
#include <otmpi/otmpi.h>
#include <math.h>

#define NIN 3
static const double centre[NIN][2] = {{0.3, 0.3}, {0.7, 0.35}, {0.45, 0.7}}, weight[NIN] = {0.5, 0.25, 0.25}, width = 0.06;

/* Fills this rank's slab of a 2-D field with a Gaussian at c of width s (physical units; the solver normalises it). */
static PetscErrorCode FillGaussian(OTGrid g, const double c[2], double s, double *f)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (ptrdiff_t i = 0; i < gi->local_n0; i++)
    for (ptrdiff_t j = 0; j < gi->n[1]; j++) {
      double x = OTGridCoord(gi, 0, gi->start0 + i) - c[0], y = OTGridCoord(gi, 1, j) - c[1];
      f[i * gi->plane + j] = exp(-(x * x + y * y) / (2 * s * s));
    }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt           n   = 64;
  double             eps = 5e-3, mean[3], var[3], mass;
  ptrdiff_t          shape[2];
  OTGrid             grid, qgrid;
  OTBarycenter       B;
  OTSolver           core;
  OTBarycenterResult r;
  double            *p[NIN];
  const double      *q;

  if (OTInitialize(&argc, &argv, "barycenter_gaussians: the barycenter of three Gaussian blobs\n")) return 1;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-eps", &eps, NULL));
  shape[0] = shape[1] = n;
  PetscCall(OTGridCreate(PETSC_COMM_WORLD, 2, shape, &grid));
  PetscCall(OTGridSetUp(grid));
  for (int k = 0; k < NIN; k++) {
    PetscCall(OTFieldCreate(grid, &p[k]));
    PetscCall(FillGaussian(grid, centre[k], width, p[k]));
  }
  /* the solver on the inputs' grid: the ranks are split into groups of inputs x slabs of the grid (-bary_groups) */
  PetscCall(OTBarycenterCreate(grid, &B));
  PetscCall(OTBarycenterSetMeasures(B, NIN, (const double *const *) p, weight));
  PetscCall(OTBarycenterSetEpsilon(B, eps));
  PetscCall(OTBarycenterSetDebias(B, PETSC_TRUE)); /* no entropic blur: the barycenter keeps the inputs' width */
  PetscCall(OTBarycenterGetSolver(B, &core));      /* the iteration core: tolerances, checkpoints, the reason */
  PetscCall(OTSolverSetTolerances(core, 1e-8, 5000));
  PetscCall(OTBarycenterSetFromOptions(B)); /* -bary_* options may still change any of it */
  PetscCall(OTBarycenterSetUp(B));          /* reads the inputs: they may be freed now */
  for (int k = 0; k < NIN; k++) PetscCall(OTFieldDestroy(&p[k]));
  PetscCall(OTBarycenterSolve(B));
  PetscCall(OTBarycenterGetResult(B, &r));
  PetscCall(OTBarycenterGetBarycenter(B, &qgrid, &q));
  PetscCall(OTFieldMoments(qgrid, q, &mass, mean, var));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "mean %.6f %.6f expected %.6f %.6f width %.5f %.5f input width %.5f iterations %d converged %d\n", mean[0], mean[1],
                        0.4375, 0.4125, sqrt(var[0]), sqrt(var[1]), width, (int) r.iterations, (int) r.converged));
  PetscCall(OTBarycenterDestroy(&B));
  PetscCall(OTGridDestroy(&grid));
  return OTFinalize();
}
