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

/* The output file (and PNG), then the summary line. */
static PetscErrorCode WriteAndReport(OTBarycenter B, const char out[], const char png[], double t0)
{
  OTBarycenterResult r;
  OTH5               f;
  OTGrid             g;
  const double      *q;
  char               mem[32];
  OTSolver           core;
  OTConvergedReason  reason;

  PetscFunctionBegin;
  PetscCall(OTBarycenterGetSolver(B, &core));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  PetscCall(OTBarycenterGetResult(B, &r));
  PetscCall(OTBarycenterGetBarycenter(B, &g, &q));
  PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
  PetscCall(OTBarycenterWriteResults(B, f));
  PetscCall(OTH5Commit(&f));
  if (png) PetscCall(OTPngWriteField(g, q, png, OT_CMAP_VIRIDIS));
  if (!r.converged) PetscCall(OTDriverNotConverged(core, "barycenter"));
  PetscCall(OTFormatBytes(r.bytes_per_rank, mem, sizeof mem));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "barycenter: %" PetscInt_FMT " inputs, %" PetscInt_FMT " iterations (%s), change %.3e, marginal error %.3e, mass %.9g, %" PetscInt_FMT
                        " groups x %" PetscInt_FMT " ranks, %s per rank, %.3g s -> %s\n",
                        r.inputs, r.iterations, OTConvergedReasonName(reason), r.change, r.marginal_error, r.mass, r.groups, r.ranks_per_group, mem,
                        MPI_Wtime() - t0, out));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandBarycenter(PetscInt npos, char **pos)
{
  char              inputs[16384] = "", weights[16384] = "", labels[16384] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  double            eps = 1e-2, rho = -1, sharpen = -1, t0 = MPI_Wtime(), *w = NULL, *lab = NULL;
  PetscInt          groups = 0, K = 0, nw = 0, nl = 0;
  PetscBool         debias = PETSC_FALSE, scaling = PETSC_FALSE, has_png, help, set_in, set_w, set_l;
  char            **specs = NULL;
  OTBarycenter      B;
  OTSolver          core;
  OTConvergedReason reason;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "barycenter takes no positional argument ('%s'); the inputs are -inputs A,B,...", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi barycenter: entropic Wasserstein barycenter of grid densities", NULL);
  PetscCall(PetscOptionsString("-inputs", "densities, comma separated (file.h5, file.h5:/dataset, .nii, .nii.gz), all on one grid", NULL, inputs, inputs,
                               sizeof inputs, &set_in));
  PetscCall(PetscOptionsString("-weights", "barycentric weights, one per input (default uniform; normalised to sum 1)", NULL, weights, weights, sizeof weights,
                               &set_w));
  PetscCall(PetscOptionsReal("-eps", "entropic regularisation: the kernel is exp(-|x-y|^2/eps), squared physical units", NULL, eps, &eps, NULL));
  PetscCall(PetscOptionsBool("-debias", "debiased barycenter (Janati et al. 2020): no entropic blur", NULL, debias, &debias, NULL));
  PetscCall(PetscOptionsReal("-rho", "unbalanced: marginals relaxed by rho KL (inputs keep their masses)", NULL, rho, &rho, NULL));
  PetscCall(
      PetscOptionsInt("-groups", "rank groups: inputs divided among groups, each group's grid over its ranks (0: automatic)", NULL, groups, &groups, NULL));
  PetscCall(PetscOptionsString("-label", "label atlases: one label per input, input k becomes the indicator of its voxels equal to Lk", NULL, labels, labels,
                               sizeof labels, &set_l));
  PetscCall(
      PetscOptionsReal("-sharpen", "entropic sharpening: entropy bound in nats (0: the largest input entropy; default off)", NULL, sharpen, &sharpen, NULL));
  PetscCall(PetscOptionsBool("-eps_scaling", "reach eps through a geometric schedule from the grid's squared extent", NULL, scaling, &scaling, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): /density, the barycenter (total 1, the inputs' geometry)", out, sizeof out, png,
                                  sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTBarycenterCreate(PETSC_COMM_WORLD, &B));
  PetscCall(OTBarycenterGetSolver(B, &core));
  PetscCall(OTDriverSolverDefaults(core, out));
  PetscCall(OTBarycenterSetEpsilon(B, eps));
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
  PetscCall(OTSolverSetUp(core));
  PetscCall(OTBarycenterSetInputs(B, K, (const char *const *) specs, w));
  if (set_l) PetscCall(OTBarycenterSetLabels(B, lab));
  PetscCall(OTBarycenterSetUp(B));
  PetscCall(OTBarycenterSolve(B));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  if (reason != OT_STOPPED_SIGNAL) PetscCall(WriteAndReport(B, out, has_png ? png : NULL, t0));
  PetscCall(PetscFree(w));
  PetscCall(PetscFree(lab));
  PetscCall(OTStringListDestroy(&K, &specs));
  PetscCall(OTBarycenterDestroy(&B));
  PetscFunctionReturn(0);
}
