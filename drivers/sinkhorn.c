/* sinkhorn.c: `otmpi sinkhorn -a A -b B -eps E -o OUT.h5`, entropic OT between two grid densities (OTSinkhorn). */
#include "commands.h"
#include <otmpi/otsinkhorn.h>

/* The output file (and PNG of f), then the summary line. */
static PetscErrorCode WriteAndReport(OTSinkhorn S, OTGrid g, const char out[], const char png[], double t0)
{
  OTSinkhornResult  r;
  OTH5              f;
  const double     *pf;
  OTSolver          core;
  OTConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(OTSinkhornGetSolver(S, &core));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  PetscCall(OTSinkhornGetResult(S, &r));
  PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
  PetscCall(OTSinkhornWriteResults(S, f));
  PetscCall(OTH5Commit(&f));
  if (png) {
    PetscCall(OTSinkhornGetPotentials(S, &pf, NULL));
    PetscCall(OTPngWriteField(g, pf, png, OT_CMAP_VIRIDIS));
  }
  if (r.potential_floor)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "sinkhorn: note: at %" PetscInt_FMT
                          " cells outside the supports the FFT kernel underflows; the potentials there are bounds (use -kernel banded for exact values)\n",
                          r.potential_floor));
  if (!r.converged) PetscCall(OTDriverNotConverged(core, "sinkhorn"));
  if (r.debias)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "sinkhorn: S_eps %.12g, OT_eps %.12g, <C,P> %.12g, marginal error %.3e, %" PetscInt_FMT "+%" PetscInt_FMT "+%" PetscInt_FMT
                          " iterations (%s), %.3g s -> %s\n",
                          r.sinkhorn_divergence, r.entropic_cost, r.transport_cost, r.marginal_error, r.iterations, r.iterations_aa, r.iterations_bb,
                          OTConvergedReasonName(reason), MPI_Wtime() - t0, out));
  else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sinkhorn: OT_eps %.12g, <C,P> %.12g, marginal error %.3e, %" PetscInt_FMT " iterations (%s), %.3g s -> %s\n",
                          r.entropic_cost, r.transport_cost, r.marginal_error, r.iterations, OTConvergedReasonName(reason), MPI_Wtime() - t0, out));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandSinkhorn(PetscInt npos, char **pos)
{
  char              fa[PETSC_MAX_PATH_LEN] = "", fb[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  double            t0 = MPI_Wtime();
  PetscBool         has_png, help, set_a, set_b;
  OTSinkhorn        S;
  OTSolver          core;
  OTConvergedReason reason;
  OTGrid            g;
  double           *a, *b;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "sinkhorn takes no positional argument ('%s'); the inputs are -a A -b B", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi sinkhorn: entropic OT between two grid densities", NULL);
  PetscCall(PetscOptionsString("-a", "first density (file.h5, file.h5:/dataset, .nii, .nii.gz)", NULL, fa, fa, sizeof fa, &set_a));
  PetscCall(PetscOptionsString("-b", "second density, same grid as -a", NULL, fb, fb, sizeof fb, &set_b));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): attributes, potentials /f, /g", out, sizeof out, png, sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTDriverHelpRequested(&help));
  if (help) { /* the solver's options, with their defaults */
    PetscCall(OTSinkhornCreate(NULL, &S));
    PetscCall(OTSinkhornSetFromOptions(S));
    PetscCall(OTSinkhornDestroy(&S));
    PetscFunctionReturn(0);
  }
  PetscCheck(set_a && fa[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-a A is required (the first density)");
  PetscCheck(set_b && fb[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-b B is required (the second density)");

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
  PetscCall(OTDensityValidate(g, a, fa, NULL));
  PetscCall(OTDensityValidate(g, b, fb, NULL));
  PetscCall(OTSinkhornCreate(g, &S));
  PetscCall(OTSinkhornGetSolver(S, &core));
  PetscCall(OTDriverSolverDefaults(core, out));
  PetscCall(OTSinkhornSetFromOptions(S));
  PetscCall(OTSinkhornSetMeasures(S, a, b));
  PetscCall(OTFieldDestroy(&a));
  PetscCall(OTFieldDestroy(&b));
  PetscCall(OTSinkhornSetUp(S));
  PetscCall(OTSinkhornSolve(S));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  if (reason != OT_STOPPED_SIGNAL) PetscCall(WriteAndReport(S, g, out, has_png ? png : NULL, t0));
  PetscCall(OTSinkhornDestroy(&S));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}
