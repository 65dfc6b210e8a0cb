/* dynamic.c: `otmpi dynamic -a A -b B -nt T -o path.h5`, Benamou–Brenier dynamic optimal transport between two grid
   densities: the geodesic rho(t, x), its momentum and W2^2 from a proximal splitting on a distributed space-time grid. */
#include "commands.h"

/* Refuses an output path that names an input (or the other output): the run would overwrite it. */
static PetscErrorCode CheckDistinct(const char path[], const char what[], const char a[], const char b[], const char other[])
{
  char        rp[PETSC_MAX_PATH_LEN], rq[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN];
  const char *list[3] = {a, b, other};

  PetscFunctionBegin;
  if (!realpath(path, rp)) PetscFunctionReturn(0); /* does not exist yet: cannot be an input */
  for (int i = 0; i < 3; i++) {
    const char *c = strrchr(list[i], ':');
    snprintf(file, sizeof file, "%.*s", (int) (c && c[1] == '/' ? c - list[i] : (ptrdiff_t) strlen(list[i])), list[i]);
    PetscCheck(!realpath(file, rq) || strcmp(rp, rq), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s %s is also %s: it would be overwritten", what, path,
               i == 0 ? "the input -a" : (i == 1 ? "the input -b" : "another output"));
  }
  PetscFunctionReturn(0);
}

/* The two densities on one grid (validated: errors name the file). */
static PetscErrorCode LoadInputs(const char a[], const char b[], OTGrid *grid, double **fa, double **fb)
{
  double bytes;

  PetscFunctionBegin;
  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, a, grid));
  PetscCall(OTFieldBytes(*grid, 2, &bytes));
  PetscCall(OTMemoryCheck(PETSC_COMM_WORLD, bytes, "dynamic inputs"));
  PetscCall(OTFieldCreate(*grid, fa));
  PetscCall(OTFieldCreate(*grid, fb));
  PetscCall(OTDensityLoad(*grid, a, *fa));
  PetscCall(OTDensityLoad(*grid, b, *fb));
  PetscCall(OTDensityValidate(*grid, *fa, a, NULL));
  PetscCall(OTDensityValidate(*grid, *fb, b, NULL));
  PetscFunctionReturn(0);
}

/* The output file (and PNG frames), then the summary line. */
static PetscErrorCode WriteAndReport(OTDynamic dyn, OTGrid grid, const char out[], const char png[], PetscInt frames, double t0)
{
  OTDynamicResult   res;
  OTDynamicType     type;
  OTSolver          core;
  OTConvergedReason reason;
  OTH5              f;
  char              shape[96];

  PetscFunctionBegin;
  PetscCall(OTDynamicGetResult(dyn, &res));
  PetscCall(OTDynamicGetType(dyn, &type));
  PetscCall(OTDynamicGetSolver(dyn, &core));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  PetscCall(OTGridShapeString(grid, shape, sizeof shape));
  PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
  PetscCall(OTDynamicWrite(dyn, f));
  PetscCall(OTH5Commit(&f));
  if (png) PetscCall(OTDynamicWritePNG(dyn, png, frames));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "dynamic: wrote %s: %s, %s x %" PetscInt_FMT ", %s = %.10g, %s at %" PetscInt_FMT
                        " iterations (residuals %.2e primal, %.2e dual), Poisson %.0f%% of %.3g s\n",
                        out, type, shape, res.nt, res.delta > 0 ? "WFR^2" : "W2^2", res.w2_squared, OTConvergedReasonName(reason), res.iterations,
                        res.primal_residual, res.dual_residual, 100 * res.poisson_time / PetscMax(res.total_time, 1e-300), MPI_Wtime() - t0));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandDynamic(PetscInt npos, char **pos)
{
  char              a[PETSC_MAX_PATH_LEN] = "", b[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  PetscInt          frames = 5;
  double            t0     = MPI_Wtime();
  PetscBool         has_png, help;
  OTGrid            grid;
  double           *fa, *fb;
  OTDynamic         dyn;
  OTSolver          core;
  OTConvergedReason reason;
  const char       *ckpt;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "dynamic takes no positional argument ('%s'); see otmpi dynamic -help", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi dynamic: Benamou-Brenier dynamic optimal transport", NULL);
  PetscCall(PetscOptionsString("-a", "density at t = 0 (file.h5[:/dataset], .nii, .nii.gz)", NULL, a, a, sizeof a, NULL));
  PetscCall(PetscOptionsString("-b", "density at t = 1", NULL, b, b, sizeof b, NULL));
  PetscCall(PetscOptionsInt("-png_frames", "number of PNG frames of the path with -png (BASE_tK.png)", NULL, frames, &frames, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): /rho, /momentum, attributes w2_squared, iterations, residual", out, sizeof out, png,
                                  sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTDriverHelpRequested(&help));
  if (help) { /* the solver's options, with their defaults */
    PetscCall(OTDynamicCreate(NULL, &dyn));
    PetscCall(OTDynamicSetFromOptions(dyn));
    PetscCall(OTDynamicDestroy(&dyn));
    PetscFunctionReturn(0);
  }
  PetscCheck(a[0] && b[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-a A.h5 and -b B.h5 are required");
  PetscCheck(frames >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-png_frames must be at least 1");
  PetscCall(LoadInputs(a, b, &grid, &fa, &fb));
  PetscCall(OTDynamicCreate(grid, &dyn));
  PetscCall(OTDynamicGetSolver(dyn, &core));
  PetscCall(OTDriverSolverDefaults(core, out));
  PetscCall(OTDynamicSetFromOptions(dyn));
  PetscCall(OTSolverGetCheckpoint(core, &ckpt, NULL));
  PetscCall(CheckDistinct(out, "-o", a, b, ckpt));
  PetscCall(CheckDistinct(ckpt, "-checkpoint", a, b, out));
  PetscCall(OTDynamicSetDensities(dyn, fa, fb));
  PetscCall(OTFieldDestroy(&fa));
  PetscCall(OTFieldDestroy(&fb));
  PetscCall(OTDynamicSetUp(dyn));
  PetscCall(OTDynamicSolve(dyn));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  if (reason != OT_STOPPED_SIGNAL) PetscCall(WriteAndReport(dyn, grid, out, has_png ? png : NULL, frames, t0));
  PetscCall(OTDynamicDestroy(&dyn));
  PetscCall(OTGridDestroy(&grid));
  PetscFunctionReturn(0);
}
