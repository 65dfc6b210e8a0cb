/* jko.c: `otmpi jko -rho0 A.h5 -tau H -steps N -o FLOW.h5 [energy terms]`, the Wasserstein gradient flow of a grid
   density by entropic JKO steps (OTJKO): heat, porous medium, Fokker-Planck, crowd motion with obstacles. */
#include "commands.h"
#include <otmpi/otjko.h>

/* A field on the flow's grid from a file (-potential, -obstacle): the same shape and spacing, or an error naming it. */
static PetscErrorCode LoadOnGrid(OTGrid g, const char spec[], double **v)
{
  PetscFunctionBegin;
  *v = NULL;
  if (!spec[0]) PetscFunctionReturn(0);
  PetscCall(OTFieldCreate(g, v));
  PetscCall(OTDensityLoad(g, spec, *v));
  PetscFunctionReturn(0);
}

/* The output file (and the PNG montage), then the summary line. */
static PetscErrorCode WriteAndReport(OTJKO J, const char out[], const char png[], double t0)
{
  OTJKOResult       r;
  OTH5              f;
  OTSolver          core;
  OTConvergedReason reason;
  char              mem[32];

  PetscFunctionBegin;
  PetscCall(OTJKOGetSolver(J, &core));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  PetscCall(OTJKOGetResult(J, &r));
  PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
  PetscCall(OTJKOWriteResults(J, f));
  PetscCall(OTH5Commit(&f));
  if (png) PetscCall(OTJKOWriteMontage(J, png));
  if (!r.converged) PetscCall(OTDriverNotConverged(core, "jko: a step's inner iterations were"));
  PetscCall(OTFormatBytes(r.peak_memory_per_rank, mem, sizeof mem));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "jko: %" PetscInt_FMT " steps to t = %.6g (%s), energy %.10g -> %.10g, inner iterations %" PetscInt_FMT " (at most %" PetscInt_FMT
                        " a step), marginal error <= %.3e, mass %.12g, max density %.6g, %.3g s a step, peak %s per rank, %.3g s -> %s\n",
                        r.steps, (double) r.steps * r.tau, OTConvergedReasonName(reason), r.energy_initial, r.energy, r.inner_total, r.inner_max,
                        r.marginal_error, r.mass, r.max_density, r.time_per_step, mem, MPI_Wtime() - t0, out));
  PetscFunctionReturn(0);
}

/* The flow on rho0's grid, its potential and obstacle, solved and written. */
static PetscErrorCode Run(const char rho0[], const char pot[], const char obst[], const char out[], const char png[], double t0)
{
  OTGrid            g;
  OTJKO             J;
  OTSolver          core;
  OTConvergedReason reason;
  double           *q, *V, *M;

  PetscFunctionBegin;
  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, rho0, &g));
  PetscCall(OTFieldCreate(g, &q));
  PetscCall(OTDensityLoad(g, rho0, q));
  PetscCall(OTDensityValidate(g, q, rho0, NULL));
  PetscCall(LoadOnGrid(g, pot, &V));
  PetscCall(LoadOnGrid(g, obst, &M));
  PetscCall(OTJKOCreate(g, &J));
  PetscCall(OTJKOGetSolver(J, &core));
  PetscCall(OTDriverSolverDefaults(core, out));
  PetscCall(OTJKOSetFromOptions(J));
  PetscCall(OTJKOSetInitial(J, q));
  PetscCall(OTJKOSetPotential(J, V));
  PetscCall(OTJKOSetObstacle(J, M));
  PetscCall(OTFieldDestroy(&q));
  PetscCall(OTFieldDestroy(&V));
  PetscCall(OTFieldDestroy(&M));
  PetscCall(OTJKOSetUp(J));
  PetscCall(OTJKOSolve(J));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  if (reason != OT_STOPPED_SIGNAL) PetscCall(WriteAndReport(J, out, png, t0));
  PetscCall(OTJKODestroy(&J));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandJKO(PetscInt npos, char **pos)
{
  char rho0[PETSC_MAX_PATH_LEN] = "", pot[PETSC_MAX_PATH_LEN] = "", obst[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  PetscBool has_png, help, set;
  OTJKO     J;

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "jko takes no positional argument ('%s'); the initial density is -rho0 A", pos[0]);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi jko: Wasserstein gradient flow by entropic JKO steps", NULL);
  PetscCall(PetscOptionsString("-rho0", "initial density (cell masses; file.h5, file.h5:/dataset, .nii, .nii.gz): the grid of the flow", NULL, rho0, rho0,
                               sizeof rho0, &set));
  PetscCall(PetscOptionsString("-potential", "potential V on the same grid (file.h5[:/dataset]): the term int V rho", NULL, pot, pot, sizeof pot, NULL));
  PetscCall(
      PetscOptionsString("-obstacle", "walls on the same grid (file.h5[:/dataset]): rho = 0 where the field is > 0", NULL, obst, obst, sizeof obst, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5): /rho (kept steps, attribute times), /energy, /inner_iterations, /density (last)",
                                  out, sizeof out, png, sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTDriverHelpRequested(&help));
  if (help) { /* the solver's options, with their defaults */
    PetscCall(OTJKOCreate(NULL, &J));
    PetscCall(OTJKOSetFromOptions(J));
    PetscCall(OTJKODestroy(&J));
    PetscFunctionReturn(0);
  }
  PetscCheck(set && rho0[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-rho0 A is required (the initial density)");
  PetscCall(Run(rho0, pot, obst, out, has_png ? png : NULL, MPI_Wtime()));
  PetscFunctionReturn(0);
}
