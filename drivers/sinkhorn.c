/* sinkhorn.c: `otmpi sinkhorn -a A -b B -eps E -o OUT.h5`, entropic OT between two grid densities (OTSinkhorn). */
#include "commands.h"
#include <otmpi/otsinkhorn.h>

PetscErrorCode OTCommandSinkhorn(PetscInt npos, char **pos)
{
  char       fa[PETSC_MAX_PATH_LEN] = "", fb[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  char       ckpt[PETSC_MAX_PATH_LEN] = "", restart[PETSC_MAX_PATH_LEN] = "";
  double     eps = 1e-2, tol = 1e-9, rho = -1, t0 = MPI_Wtime();
  PetscInt   max_it = 10000, every = 0;
  PetscBool  debias = PETSC_FALSE, scaling = PETSC_FALSE, savemap = PETSC_FALSE, has_png, help, set_a, set_b, set_ckpt, set_restart, quiet, stopped;
  OTSinkhorn S;
  OTGrid     g;
  double    *a, *b, ma, mb;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "sinkhorn takes no positional argument ('%s'); the inputs are -a A -b B", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi sinkhorn: entropic OT between two grid densities", NULL);
  PetscCall(PetscOptionsString("-a", "first density (file.h5, file.h5:/dataset, .nii, .nii.gz)", NULL, fa, fa, sizeof fa, &set_a));
  PetscCall(PetscOptionsString("-b", "second density, same grid as -a", NULL, fb, fb, sizeof fb, &set_b));
  PetscCall(PetscOptionsReal("-eps", "entropic regularisation: the kernel is exp(-|x-y|^2/eps), squared physical units", NULL, eps, &eps, NULL));
  PetscCall(PetscOptionsReal("-tol", "stop when the L1 marginal error is below this", NULL, tol, &tol, NULL));
  PetscCall(PetscOptionsInt("-max_it", "iterations at most (per problem, over all eps stages)", NULL, max_it, &max_it, NULL));
  PetscCall(PetscOptionsBool("-debias", "also OT(a,a) and OT(b,b): write the Sinkhorn divergence", NULL, debias, &debias, NULL));
  PetscCall(PetscOptionsReal("-rho", "unbalanced: replace the marginal constraints by rho KL (default: balanced)", NULL, rho, &rho, NULL));
  PetscCall(PetscOptionsBool("-eps_scaling", "reach eps through a geometric schedule from the grid's squared extent", NULL, scaling, &scaling, NULL));
  PetscCall(PetscOptionsBool("-save_map", "write the barycentric projection T(x) as /map", NULL, savemap, &savemap, NULL));
  PetscCall(
      PetscOptionsString("-checkpoint", "checkpoint file (default OUT.checkpoint.h5, written on SIGTERM/SIGUSR1)", NULL, ckpt, ckpt, sizeof ckpt, &set_ckpt));
  PetscCall(PetscOptionsInt("-checkpoint_every", "write the checkpoint every N iterations (0: only on a signal)", NULL, every, &every, NULL));
  PetscCall(PetscOptionsString("-restart", "continue from this checkpoint", NULL, restart, restart, sizeof restart, &set_restart));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): attributes, potentials /f, /g", out, sizeof out, png, sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTSinkhornCreate(PETSC_COMM_WORLD, &S));
  PetscCall(OTSinkhornSetEpsilon(S, eps));
  PetscCall(OTSinkhornSetTolerances(S, tol, max_it));
  PetscCall(OTSinkhornSetDebias(S, debias));
  PetscCall(OTSinkhornSetRho(S, rho));
  PetscCall(OTSinkhornSetEpsScaling(S, scaling));
  PetscCall(OTSinkhornSetSaveMap(S, savemap));
  PetscCall(OTSinkhornSetFromOptions(S));
  PetscCall(OTDriverHelpRequested(&help));
  if (help) {
    PetscCall(OTSinkhornDestroy(&S));
    PetscFunctionReturn(0);
  }
  PetscCall(OTIsQuiet(&quiet));
  PetscCheck(set_a && fa[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-a A is required (the first density)");
  PetscCheck(set_b && fb[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-b B is required (the second density)");
  PetscCheck(eps > 0 && isfinite(eps), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive and finite, not %g", eps);
  PetscCheck(tol >= 0 && isfinite(tol), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tol must be >= 0, not %g", tol);
  PetscCheck(max_it >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-max_it must be at least 1, not %" PetscInt_FMT, max_it);
  PetscCheck(every >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be >= 0, not %" PetscInt_FMT, every);
  if (!set_ckpt || !ckpt[0]) PetscCall(OTCheckpointDefaultPath(out, ckpt, sizeof ckpt));
  PetscCall(OTOutputCheckPath(PETSC_COMM_WORLD, ckpt, "-checkpoint"));

  /* inputs: same grid (shape and spacing), finite, non-negative, positive mass */
  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, fa, &g));
  {
    double bytes;
    PetscCall(OTFieldBytes(g, 2, &bytes));
    PetscCall(OTMemoryCheck(PETSC_COMM_WORLD, bytes, "sinkhorn inputs"));
  }
  PetscCall(OTFieldCreate(g, &a));
  PetscCall(OTFieldCreate(g, &b));
  PetscCall(OTDensityLoad(g, fa, a));
  PetscCall(OTDensityLoad(g, fb, b));
  PetscCall(OTDensityValidate(g, a, fa, &ma));
  PetscCall(OTDensityValidate(g, b, fb, &mb));
  PetscCall(OTSinkhornSetMeasures(S, g, a, b));
  PetscCall(OTFieldDestroy(&a));
  PetscCall(OTFieldDestroy(&b));
  PetscCall(OTSinkhornSetCheckpoint(S, ckpt, every));
  if (set_restart) PetscCall(OTSinkhornSetRestart(S, restart));
  if (!quiet) {
    char shape[96];
    PetscCall(OTGridShapeString(g, shape, sizeof shape));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sinkhorn: %s grid, masses %.6g and %.6g, eps %g, %s%s\n", shape, ma, mb, eps, rho > 0 ? "unbalanced" : "balanced",
                          debias ? ", debiased" : ""));
  }
  PetscCall(OTSinkhornSetUp(S));
  PetscCall(OTSinkhornSolve(S));
  PetscCall(OTSinkhornGetStopped(S, &stopped));
  if (!stopped) {
    OTSinkhornResult r;
    OTH5             f;
    const double    *pf;
    PetscCall(OTSinkhornGetResult(S, &r));
    PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
    PetscCall(OTSinkhornWriteResults(S, f));
    PetscCall(OTH5Commit(&f));
    if (has_png) {
      PetscCall(OTSinkhornGetPotentials(S, &pf, NULL));
      PetscCall(OTPngWriteField(g, pf, png, OT_CMAP_VIRIDIS));
    }
    if (r.potential_floor)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "sinkhorn: note: at %" PetscInt_FMT
                            " cells outside the supports the FFT kernel underflows; the potentials there are bounds (use -kernel banded for exact values)\n",
                            r.potential_floor));
    if (!r.converged)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sinkhorn: not converged to -tol %g in %" PetscInt_FMT " iterations (marginal error %.3e)\n", tol, r.iterations,
                            r.marginal_error));
    if (debias)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "sinkhorn: S_eps %.12g, OT_eps %.12g, <C,P> %.12g, marginal error %.3e, %" PetscInt_FMT "+%" PetscInt_FMT "+%" PetscInt_FMT
                            " iterations, %.3g s -> %s\n",
                            r.sinkhorn_divergence, r.entropic_cost, r.transport_cost, r.marginal_error, r.iterations, r.iterations_aa, r.iterations_bb,
                            MPI_Wtime() - t0, out));
    else
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sinkhorn: OT_eps %.12g, <C,P> %.12g, marginal error %.3e, %" PetscInt_FMT " iterations, %.3g s -> %s\n",
                            r.entropic_cost, r.transport_cost, r.marginal_error, r.iterations, MPI_Wtime() - t0, out));
  } else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sinkhorn: stopped by a signal after writing %s (%.3g s); no output written\n", ckpt, MPI_Wtime() - t0));
  PetscCall(OTSinkhornDestroy(&S));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}
