/* barycenter.c: `otmpi barycenter -inputs A,B,... -weights w1,w2,... -eps E -o BARY.h5`, the entropic Wasserstein
   barycenter of K grid densities (OTBarycenter), distributed over rank groups x slabs. */
#include "commands.h"
#include <otmpi/otbarycenter.h>

/* "0.2,0.3,0.5" -> n finite numbers (each item checked, the option named in the error) */
static PetscErrorCode ParseReals(const char opt[], const char s[], PetscInt *n, double **v)
{
  char   **items;
  PetscInt m;

  PetscFunctionBegin;
  PetscCall(OTStringSplit(s, &m, &items));
  PetscCall(PetscMalloc1(m + 1, v));
  for (PetscInt k = 0; k < m; k++) {
    char *end;
    (*v)[k] = strtod(items[k], &end);
    PetscCheck(items[k][0] && !*end && isfinite((*v)[k]), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s: item %" PetscInt_FMT " ('%s') is not a number", opt,
               k + 1, items[k]);
  }
  *n = m;
  PetscCall(OTStringListDestroy(&m, &items));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandBarycenter(PetscInt npos, char **pos)
{
  char         inputs[16384] = "", weights[16384] = "", labels[16384] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  char         ckpt[PETSC_MAX_PATH_LEN] = "", restart[PETSC_MAX_PATH_LEN] = "";
  double       eps = 1e-2, tol = 1e-8, rho = -1, sharpen = -1, t0 = MPI_Wtime(), *w = NULL, *lab = NULL;
  PetscInt     max_it = 10000, every = 0, groups = 0, K = 0, nw = 0, nl = 0;
  PetscBool    debias = PETSC_FALSE, scaling = PETSC_FALSE, has_png, help, set_in, set_w, set_l, set_ckpt, set_restart, stopped, quiet;
  char       **specs = NULL;
  OTBarycenter B;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "barycenter takes no positional argument ('%s'); the inputs are -inputs A,B,...", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi barycenter: entropic Wasserstein barycenter of grid densities", NULL);
  PetscCall(PetscOptionsString("-inputs", "densities, comma separated (file.h5, file.h5:/dataset, .nii, .nii.gz), all on one grid", NULL, inputs, inputs,
                               sizeof inputs, &set_in));
  PetscCall(PetscOptionsString("-weights", "barycentric weights, one per input (default uniform; normalised to sum 1)", NULL, weights, weights, sizeof weights,
                               &set_w));
  PetscCall(PetscOptionsReal("-eps", "entropic regularisation: the kernel is exp(-|x-y|^2/eps), squared physical units", NULL, eps, &eps, NULL));
  PetscCall(PetscOptionsReal("-tol", "stop when the barycenter's L1 change and the marginal error are below this", NULL, tol, &tol, NULL));
  PetscCall(PetscOptionsInt("-max_it", "iterations at most (all eps stages)", NULL, max_it, &max_it, NULL));
  PetscCall(PetscOptionsBool("-debias", "debiased barycenter (Janati et al. 2020): no entropic blur", NULL, debias, &debias, NULL));
  PetscCall(PetscOptionsReal("-rho", "unbalanced: marginals relaxed by rho KL (inputs keep their masses)", NULL, rho, &rho, NULL));
  PetscCall(
      PetscOptionsInt("-groups", "rank groups: inputs divided among groups, each group's grid over its ranks (0: automatic)", NULL, groups, &groups, NULL));
  PetscCall(PetscOptionsString("-label", "label atlases: one label per input, input k becomes the indicator of its voxels equal to Lk", NULL, labels, labels,
                               sizeof labels, &set_l));
  PetscCall(
      PetscOptionsReal("-sharpen", "entropic sharpening: entropy bound in nats (0: the largest input entropy; default off)", NULL, sharpen, &sharpen, NULL));
  PetscCall(PetscOptionsBool("-eps_scaling", "reach eps through a geometric schedule from the grid's squared extent", NULL, scaling, &scaling, NULL));
  PetscCall(
      PetscOptionsString("-checkpoint", "checkpoint file (default OUT.checkpoint.h5, written on SIGTERM/SIGUSR1)", NULL, ckpt, ckpt, sizeof ckpt, &set_ckpt));
  PetscCall(PetscOptionsInt("-checkpoint_every", "write the checkpoint every N iterations (0: only on a signal)", NULL, every, &every, NULL));
  PetscCall(PetscOptionsString("-restart", "continue from this checkpoint (any rank count and -groups)", NULL, restart, restart, sizeof restart, &set_restart));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): /density, the barycenter (total 1, the inputs' geometry)", out, sizeof out, png,
                                  sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTBarycenterCreate(PETSC_COMM_WORLD, &B));
  PetscCall(OTBarycenterSetEpsilon(B, eps));
  PetscCall(OTBarycenterSetTolerances(B, tol, max_it));
  PetscCall(OTBarycenterSetDebias(B, debias));
  PetscCall(OTBarycenterSetRho(B, rho));
  PetscCall(OTBarycenterSetGroups(B, groups));
  PetscCall(OTBarycenterSetSharpen(B, sharpen));
  PetscCall(OTBarycenterSetEpsScaling(B, scaling));
  PetscCall(OTBarycenterSetFromOptions(B));
  PetscCall(OTDriverHelpRequested(&help));
  if (help) {
    PetscCall(OTBarycenterDestroy(&B));
    PetscFunctionReturn(0);
  }
  PetscCall(OTIsQuiet(&quiet));
  PetscCheck(set_in && inputs[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-inputs A,B,... is required (the densities)");
  PetscCall(OTStringSplit(inputs, &K, &specs));
  for (PetscInt k = 0; k < K; k++) PetscCheck(specs[k][0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-inputs: item %" PetscInt_FMT " is empty", k + 1);
  if (set_w) {
    PetscCall(ParseReals("-weights", weights, &nw, &w));
    PetscCheck(nw == K, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-weights has %" PetscInt_FMT " values for %" PetscInt_FMT " inputs", nw, K);
  }
  if (set_l) {
    PetscCall(ParseReals("-label", labels, &nl, &lab));
    PetscCheck(nl == K, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-label has %" PetscInt_FMT " values for %" PetscInt_FMT " inputs (one label per input)", nl, K);
  }
  PetscCheck(eps > 0 && isfinite(eps), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive and finite, not %g", eps);
  PetscCheck(every >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be >= 0, not %" PetscInt_FMT, every);
  if (!set_ckpt || !ckpt[0]) PetscCall(OTCheckpointDefaultPath(out, ckpt, sizeof ckpt));
  PetscCall(OTOutputCheckPath(PETSC_COMM_WORLD, ckpt, "-checkpoint"));
  PetscCall(OTBarycenterSetInputs(B, K, (const char *const *) specs, w));
  if (set_l) PetscCall(OTBarycenterSetLabels(B, lab));
  PetscCall(OTBarycenterSetCheckpoint(B, ckpt, every));
  if (set_restart) PetscCall(OTBarycenterSetRestart(B, restart));
  PetscCall(OTBarycenterSetUp(B));
  PetscCall(OTBarycenterSolve(B));
  PetscCall(OTBarycenterGetStopped(B, &stopped));
  if (!stopped) {
    OTBarycenterResult r;
    OTH5               f;
    OTGrid             g;
    const double      *q;
    char               mem[32];
    PetscCall(OTBarycenterGetResult(B, &r));
    PetscCall(OTBarycenterGetBarycenter(B, &g, &q));
    PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
    PetscCall(OTBarycenterWriteResults(B, f));
    PetscCall(OTH5Commit(&f));
    if (has_png) PetscCall(OTPngWriteField(g, q, png, OT_CMAP_VIRIDIS));
    if (!r.converged)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "barycenter: not converged to -tol %g in %" PetscInt_FMT " iterations (change %.3e, marginal error %.3e)\n", tol,
                            r.iterations, r.change, r.marginal_error));
    PetscCall(OTFormatBytes(r.bytes_per_rank, mem, sizeof mem));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "barycenter: %" PetscInt_FMT " inputs, %" PetscInt_FMT " iterations, change %.3e, marginal error %.3e, mass %.9g, %" PetscInt_FMT
                          " groups x %" PetscInt_FMT " ranks, %s per rank, %.3g s -> %s\n",
                          K, r.iterations, r.change, r.marginal_error, r.mass, r.groups, r.ranks_per_group, mem, MPI_Wtime() - t0, out));
  } else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "barycenter: stopped by a signal after writing %s (%.3g s); no output written\n", ckpt, MPI_Wtime() - t0));
  PetscCall(PetscFree(w));
  PetscCall(PetscFree(lab));
  PetscCall(OTStringListDestroy(&K, &specs));
  PetscCall(OTBarycenterDestroy(&B));
  PetscFunctionReturn(0);
}
