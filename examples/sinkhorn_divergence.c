/* sinkhorn_divergence.c: the debiased Sinkhorn divergence between two densities made in memory, through the library.

     mpiexec -n 2 build/examples/sinkhorn_divergence [-n 96] [-eps 4e-3] [-shift 0.1]

   Two Gaussian blobs on the unit square, b the translate of a by (shift, shift/2). In free space the divergence of a
   density and its translate is the squared length of the translation for every eps, so the program prints both. */
#include <otmpi/otmpi.h>
#include <math.h>

/* Fills this rank's slab of a 2-D field with a normalised-later Gaussian at (c0, c1) of width s (physical units). */
static PetscErrorCode FillGaussian(OTGrid g, double c0, double c1, double s, double *f)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (ptrdiff_t i = 0; i < gi->local_n0; i++)
    for (ptrdiff_t j = 0; j < gi->n[1]; j++) {
      double x = OTGridCoord(gi, 0, gi->start0 + i) - c0, y = OTGridCoord(gi, 1, j) - c1;
      f[i * gi->plane + j] = exp(-(x * x + y * y) / (2 * s * s));
    }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt         n   = 96;
  double           eps = 4e-3, shift = 0.1;
  ptrdiff_t        shape[2];
  OTGrid           grid;
  OTSinkhorn       S;
  OTSolver         core;
  OTKernel         K;
  OTSinkhornResult r;
  double          *a, *b;

  if (OTInitialize(&argc, &argv, "sinkhorn_divergence: S_eps between a Gaussian and its translate\n")) return 1;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-eps", &eps, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-shift", &shift, NULL));
  shape[0] = shape[1] = n;
  /* the grid: n x n cells on the unit square (spacing 1/n, origin 0), split into slabs over the ranks */
  PetscCall(OTGridCreate(PETSC_COMM_WORLD, 2, shape, &grid));
  PetscCall(OTGridSetUp(grid));
  PetscCall(OTFieldCreate(grid, &a));
  PetscCall(OTFieldCreate(grid, &b));
  PetscCall(FillGaussian(grid, 0.4, 0.4, 0.06, a));
  PetscCall(FillGaussian(grid, 0.4 + shift, 0.4 + shift / 2, 0.06, b));
  /* the solver: balanced, debiased (also OT(a,a) and OT(b,b)), free-space kernel (no mirror images at the walls) */
  PetscCall(OTSinkhornCreate(grid, &S));
  PetscCall(OTSinkhornSetMeasures(S, a, b)); /* normalised to mass 1 by the solver */
  PetscCall(OTSinkhornSetEpsilon(S, eps));
  PetscCall(OTSinkhornGetSolver(S, &core)); /* the iteration core: tolerances, checkpoints, the reason */
  PetscCall(OTSolverSetTolerances(core, 1e-10, 10000));
  PetscCall(OTSinkhornSetDebias(S, PETSC_TRUE));
  PetscCall(OTSinkhornGetKernel(S, &K));
  PetscCall(OTKernelSetBoundary(K, OT_BOUNDARY_FREE));
  PetscCall(OTSinkhornSetFromOptions(S)); /* -sinkhorn_* options may still change any of it */
  PetscCall(OTSinkhornSetUp(S));
  PetscCall(OTSinkhornSolve(S));
  PetscCall(OTSinkhornGetResult(S, &r));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "S_eps %.12g |t|^2 %.12g iterations %d converged %d\n", r.sinkhorn_divergence, 1.25 * shift * shift,
                        (int) r.iterations, (int) r.converged));
  PetscCall(OTSinkhornDestroy(&S));
  PetscCall(OTFieldDestroy(&a));
  PetscCall(OTFieldDestroy(&b));
  PetscCall(OTGridDestroy(&grid));
  return OTFinalize();
}
