/* barycenter.c: `otmpi barycenter -inputs A,B,... -weights w1,w2,... -eps E -o BARY.h5`, the entropic Wasserstein
   barycenter of K grid densities (OTBarycenter), distributed over rank groups x slabs. */
#include "commands.h"
#include "../src/sys/sysimpl.h"
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

/* What the solver reads input k from: the file, with its label mask (-label), validated (errors name the file). */
typedef struct {
  OTGrid  grid;
  char  **specs;
  double *labels;
} Inputs;

static PetscErrorCode LoadInput(void *ctx, PetscInt k, double *f)
{
  Inputs *in = (Inputs *) ctx;

  PetscFunctionBegin;
  PetscCall(OTDensityLoad(in->grid, in->specs[k], f));
  if (in->labels) PetscCall(OTDensityLabelMask(in->grid, in->labels[k], f));
  PetscCall(OTDensityValidate(in->grid, f, in->specs[k], NULL));
  PetscFunctionReturn(0);
}

/* -inputs, -weights, -label: K file names, K weights (NULL: uniform), K labels (NULL: none) */
static PetscErrorCode ParseInputs(const char inputs[], const char weights[], const char labels[], PetscInt *K, char ***specs, double **w, double **lab)
{
  PetscInt nw = 0, nl = 0;

  PetscFunctionBegin;
  PetscCheck(inputs[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-inputs A,B,... is required (the densities)");
  PetscCall(OTStringSplit(inputs, K, specs));
  for (PetscInt k = 0; k < *K; k++) PetscCheck((*specs)[k][0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-inputs: item %" PetscInt_FMT " is empty", k + 1);
  if (weights[0]) {
    PetscCall(ParseReals("-weights", weights, &nw, w));
    PetscCheck(nw == *K, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-weights has %" PetscInt_FMT " values for %" PetscInt_FMT " inputs", nw, *K);
  }
  if (labels[0]) {
    PetscCall(ParseReals("-label", labels, &nl, lab));
    PetscCheck(nl == *K, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-label has %" PetscInt_FMT " values for %" PetscInt_FMT " inputs (one label per input)", nl,
               *K);
  }
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
  double            t0 = MPI_Wtime(), *w = NULL;
  PetscInt          K = 0;
  PetscBool         has_png, help;
  Inputs            in = {NULL, NULL, NULL};
  OTBarycenter      B;
  OTSolver          core;
  OTConvergedReason reason;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "barycenter takes no positional argument ('%s'); the inputs are -inputs A,B,...", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi barycenter: entropic Wasserstein barycenter of grid densities", NULL);
  PetscCall(PetscOptionsString("-inputs", "densities, comma separated (file.h5, file.h5:/dataset, .nii, .nii.gz), all on one grid", NULL, inputs, inputs,
                               sizeof inputs, NULL));
  PetscCall(PetscOptionsString("-weights", "barycentric weights, one per input (default uniform; normalised to sum 1)", NULL, weights, weights, sizeof weights,
                               NULL));
  PetscCall(PetscOptionsString("-label", "label atlases: one label per input, input k becomes the indicator of its voxels equal to Lk", NULL, labels, labels,
                               sizeof labels, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): /density, the barycenter (total 1, the inputs' geometry)", out, sizeof out, png,
                                  sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTDriverHelpRequested(&help));
  if (help) { /* the solver's options, with their defaults */
    PetscCall(OTBarycenterCreate(NULL, &B));
    PetscCall(OTBarycenterSetFromOptions(B));
    PetscCall(OTBarycenterDestroy(&B));
    PetscFunctionReturn(0);
  }
  PetscCall(ParseInputs(inputs, weights, labels, &K, &in.specs, &w, &in.labels));
  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, in.specs[0], &in.grid));
  PetscCall(OTBarycenterCreate(in.grid, &B));
  PetscCall(OTBarycenterGetSolver(B, &core));
  PetscCall(OTDriverSolverDefaults(core, out));
  PetscCall(OTBarycenterSetFromOptions(B));
  PetscCall(OTBarycenterSetMeasureLoader(B, K, w, LoadInput, &in));
  PetscCall(OTBarycenterSetUp(B));
  PetscCall(OTBarycenterSolve(B));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  if (reason != OT_STOPPED_SIGNAL) PetscCall(WriteAndReport(B, out, has_png ? png : NULL, t0));
  PetscCall(PetscFree(w));
  PetscCall(PetscFree(in.labels));
  PetscCall(OTStringListDestroy(&K, &in.specs));
  PetscCall(OTBarycenterDestroy(&B));
  PetscCall(OTGridDestroy(&in.grid));
  PetscFunctionReturn(0);
}
