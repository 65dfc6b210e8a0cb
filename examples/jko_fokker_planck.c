/* jko_fokker_planck.c: a Wasserstein gradient flow through the library: Fokker-Planck by entropic JKO steps.

     mpiexec -n 2 build/examples/jko_fokker_planck [-n 64] [-steps 30]

   A Gaussian blob of width 0.05 at (0.4, 0.55) on the unit square flows down F = D int rho log rho + int V rho with
   V = k |x - a|^2 / 2, a = (0.5, 0.5), D = 0.01, k = 2, in JKO steps of h = 0.1. The mean follows the JKO recursion
   m <- (m + h k a)/(1 + h k) exactly; at t = 3 the variance per axis is the steady D/k plus the entropic blur's
   gamma/(4 h k) (gamma: the default 4 cells^2). The program prints both with their closed forms. */
#include <otmpi/otmpi.h>
#include <math.h>

static const double a[2] = {0.5, 0.5}, m0[2] = {0.4, 0.55}, width = 0.05, D = 0.01, k = 2, h = 0.1;

/* this rank's slab of the initial blob (cell masses; any scale: the flow keeps the given mass) */
static PetscErrorCode FillBlob(OTGrid g, double *f)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (ptrdiff_t i = 0; i < gi->local_n0; i++)
    for (ptrdiff_t j = 0; j < gi->n[1]; j++) {
      double x = OTGridCoord(gi, 0, gi->start0 + i) - m0[0], y = OTGridCoord(gi, 1, j) - m0[1];
      f[i * gi->plane + j] = exp(-(x * x + y * y) / (2 * width * width));
    }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt      n = 64, steps = 30;
  double        mean[3], var[3], mass, want[2] = {m0[0], m0[1]}, gamma, *rho0;
  ptrdiff_t     shape[2];
  OTGrid        grid;
  OTJKO         J;
  OTJKOResult   r;
  const double *rho;

  if (OTInitialize(&argc, &argv, "jko_fokker_planck: a Fokker-Planck flow by entropic JKO steps\n")) return 1;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  shape[0] = shape[1] = n;
  PetscCall(OTGridCreate(PETSC_COMM_WORLD, 2, shape, &grid));
  PetscCall(OTGridSetUp(grid));
  PetscCall(OTFieldCreate(grid, &rho0));
  PetscCall(FillBlob(grid, rho0));
  PetscCall(OTJKOCreate(grid, &J));
  PetscCall(OTJKOSetInitial(J, rho0));
  PetscCall(OTFieldDestroy(&rho0));
  PetscCall(OTJKOSetTimeStep(J, h, steps));
  PetscCall(OTJKOSetEntropy(J, D));
  PetscCall(OTJKOSetPotentialQuadratic(J, k, a));
  PetscCall(OTJKOSetFromOptions(J)); /* -jko_* options may still change any of it */
  PetscCall(OTJKOSetUp(J));
  PetscCall(OTJKOSolve(J)); /* one core iteration per step: -checkpoint, -restart and signals work as for the commands */
  PetscCall(OTJKOGetResult(J, &r));
  PetscCall(OTJKOGetDensity(J, &rho));
  PetscCall(OTFieldMoments(grid, rho, &mass, mean, var));
  for (PetscInt s = 0; s < r.steps; s++)
    for (int c = 0; c < 2; c++) want[c] = (want[c] + h * k * a[c]) / (1 + h * k);
  gamma = r.gamma;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "mean %.10f %.10f expected %.10f %.10f variance %.6e %.6e steady %.6e steps %d converged %d\n", mean[0], mean[1],
                        want[0], want[1], var[0], var[1], D / k + gamma / (4 * h * k), (int) r.steps, (int) r.converged));
  PetscCall(OTJKODestroy(&J));
  PetscCall(OTGridDestroy(&grid));
  return OTFinalize();
}
