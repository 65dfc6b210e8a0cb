/* semidiscrete.c: `otmpi semidiscrete -density D.h5 -points P.h5 -o OUT.h5`: semi-discrete OT from a grid density to a
   weighted point cloud (Laguerre cells, damped Newton); writes the weights, cell masses, centroids and voxel labels. */
#include "commands.h"
#include <otmpi/otsemidiscrete.h>

/* /points (m, d) float64 and the optional /mass (m), read whole on every rank and checked. */
static PetscErrorCode ReadPoints(MPI_Comm comm, const char path[], PetscInt dim, PetscInt *m, double **pts, double **mass)
{
  OTH5      f;
  PetscInt  r;
  ptrdiff_t d[32], st[2] = {0, 0}, ct[2];
  PetscBool has;
  ptrdiff_t bad = -1;

  PetscFunctionBegin;
  *mass = NULL;
  PetscCall(OTH5Open(comm, path, &f));
  PetscCall(OTH5HasDataset(f, "/points", &has));
  PetscCheck(has, comm, OT_ERR_INPUT, "%s: no dataset /points (point coordinates, float64 (m, d))", path);
  PetscCall(OTH5GetShape(f, "/points", &r, d));
  PetscCheck(r == 2, comm, OT_ERR_INPUT, "%s: /points has %" PetscInt_FMT " axes, expected 2 (m points x d coordinates)", path, r);
  PetscCheck(d[1] == dim, comm, OT_ERR_INPUT, "%s: /points has %td coordinates per point but the density is %" PetscInt_FMT "-D", path, d[1], dim);
  PetscCheck(d[0] >= 1, comm, OT_ERR_INPUT, "%s: /points holds no point", path);
  PetscCheck(d[0] < PETSC_MAX_INT / 8, comm, PETSC_ERR_SUP, "%s: %td points are more than this build handles", path, d[0]);
  *m = (PetscInt) d[0];
  PetscCall(OTMemoryCheck(comm, (double) *m * (double) (dim + 1) * sizeof(double) * 12, "semidiscrete points"));
  ct[0] = *m;
  ct[1] = dim;
  PetscCall(PetscMalloc1(*m * dim, pts));
  PetscCall(OTH5ReadArray(f, "/points", OT_DOUBLE, 2, st, ct, *pts));
  for (PetscInt i = 0; i < *m * dim && bad < 0; i++)
    if (!PetscIsNormalReal((*pts)[i]) && (*pts)[i] != 0) bad = i / dim;
  PetscCheck(bad < 0, comm, OT_ERR_INPUT, "%s: point %td has a non-finite coordinate", path, bad);
  PetscCall(OTH5HasDataset(f, "/mass", &has));
  if (has) {
    PetscCall(OTH5GetShape(f, "/mass", &r, d));
    PetscCheck(r == 1 && d[0] == *m, comm, OT_ERR_INPUT, "%s: /mass must hold one value per point (%" PetscInt_FMT "), not shape %td%s", path, *m, d[0],
               r == 1 ? "" : " x ...");
    PetscCall(PetscMalloc1(*m, mass));
    PetscCall(OTH5ReadArray(f, "/mass", OT_DOUBLE, 1, st, ct, *mass));
    for (PetscInt i = 0; i < *m && bad < 0; i++)
      if (!((*mass)[i] > 0) || !PetscIsNormalReal((*mass)[i])) bad = i;
    PetscCheck(bad < 0, comm, OT_ERR_INPUT, "%s: /mass[%td] = %g: target masses must be positive and finite", path, bad, bad >= 0 ? (*mass)[bad] : 0.0);
  }
  PetscCall(OTH5Close(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOutput(OTSD sd, OTGrid grid, PetscInt m, PetscInt dim, const char out[], const char png[], PetscBool has_png)
{
  const OTGridInfo *gi;
  OTH5              f;
  double           *psi, *cmass, *cen, *tgt, *pos, cost, err;
  int              *label, its[4];
  PetscInt          it, itt;
  PetscBool         conv;
  PetscMPIInt       rank;
  ptrdiff_t         gd[3], st[3] = {0, 0, 0}, ct[3];

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(grid, &gi));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscMalloc5(m, &psi, m, &cmass, m * dim, &cen, m, &tgt, m * dim, &pos));
  PetscCall(PetscMalloc1(gi->nlocal + 1, &label));
  PetscCall(OTSDGetResults(sd, psi, cmass, cen, tgt, pos));
  PetscCall(OTSDComputeLabels(sd, label));
  PetscCall(OTSDGetTransportCost(sd, &cost));
  PetscCall(OTSDGetConvergence(sd, &it, &itt, &err, &conv));
  PetscCall(OTH5Create(PETSC_COMM_WORLD, out, &f));
  gd[0] = m;
  gd[1] = dim;
  ct[0] = rank ? 0 : m;
  ct[1] = dim;
  PetscCall(OTH5WriteArray(f, "/psi", OT_DOUBLE, 1, gd, st, ct, psi));
  PetscCall(OTH5WriteArray(f, "/cell_mass", OT_DOUBLE, 1, gd, st, ct, cmass));
  PetscCall(OTH5WriteArray(f, "/mass", OT_DOUBLE, 1, gd, st, ct, tgt));
  PetscCall(OTH5WriteArray(f, "/centroid", OT_DOUBLE, 2, gd, st, ct, cen));
  PetscCall(OTH5WriteArray(f, "/points", OT_DOUBLE, 2, gd, st, ct, pos));
  for (PetscInt k = 0; k < dim; k++) {
    gd[k] = gi->n[k];
    st[k] = k ? 0 : gi->start0;
    ct[k] = k ? gi->n[k] : gi->local_n0;
  }
  PetscCall(OTH5WriteArray(f, "/label", OT_INT32, dim, gd, st, ct, label));
  PetscCall(OTH5WriteAttribute(f, "/label", "spacing", OT_DOUBLE, dim, gi->h));
  PetscCall(OTH5WriteAttribute(f, "/label", "origin", OT_DOUBLE, dim, gi->origin));
  PetscCall(OTH5XdmfAddField(f, grid, "/label", 1)); /* ParaView shows the cells: the sidecar names the int32 type */
  its[0] = (int) it;
  its[1] = (int) itt;
  its[2] = (int) conv;
  PetscCall(OTH5WriteAttribute(f, "/", "transport_cost", OT_DOUBLE, 1, &cost));
  PetscCall(OTH5WriteAttribute(f, "/", "mass_error", OT_DOUBLE, 1, &err));
  PetscCall(OTH5WriteAttribute(f, "/", "newton_iterations", OT_INT32, 1, &its[0]));
  PetscCall(OTH5WriteAttribute(f, "/", "newton_iterations_total", OT_INT32, 1, &its[1]));
  PetscCall(OTH5WriteAttribute(f, "/", "converged", OT_INT32, 1, &its[2]));
  {
    OTSolver core;
    PetscCall(OTSDGetSolver(sd, &core));
    PetscCall(OTSolverWriteResults(core, f));
  }
  PetscCall(OTH5Commit(&f));
  if (has_png) {
    double *lf;
    PetscCall(OTFieldCreate(grid, &lf));
    for (ptrdiff_t q = 0; q < gi->nlocal; q++) lf[q] = label[q];
    PetscCall(OTPngWriteField(grid, lf, png, OT_CMAP_LABELS));
    PetscCall(OTFieldDestroy(&lf));
  }
  PetscCall(PetscFree(label));
  PetscCall(PetscFree5(psi, cmass, cen, tgt, pos));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandSemidiscrete(PetscInt npos, char **pos)
{
  char              density[PETSC_MAX_PATH_LEN] = "", points[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  PetscBool         help, has_png, conv;
  OTGrid            grid;
  OTSolver          core;
  OTConvergedReason reason;
  const OTGridInfo *gi;
  OTSD              sd;
  double           *f, *pts, *pmass, total, t0 = MPI_Wtime(), cost, err, peak;
  char              mem[32];
  PetscInt          m = 0, it, itt;

  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi semidiscrete: semi-discrete OT from a grid density to a weighted point cloud", NULL);
  PetscCall(PetscOptionsString("-density", "source density (file.h5[:/dataset] or NIfTI), 2-D or 3-D", NULL, density, density, sizeof density, NULL));
  PetscCall(PetscOptionsString("-points", "target points: HDF5 with /points (m, d) and optional /mass (m)", NULL, points, points, sizeof points, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5)", out, sizeof out, png, sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTDriverHelpRequested(&help));
  if (help) { /* the solver's options too */
    PetscCall(OTSDCreate(NULL, &sd));
    PetscCall(OTSDSetFromOptions(sd));
    PetscCall(OTSDDestroy(&sd));
    PetscFunctionReturn(0);
  }
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "semidiscrete takes no positional argument ('%s'); see otmpi semidiscrete -help", pos[0]);
  PetscCheck(density[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-density D.h5 is required");
  PetscCheck(points[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-points P.h5 is required");

  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, density, &grid));
  PetscCall(OTGridGetInfo(grid, &gi));
  PetscCheck(gi->dim == 2 || gi->dim == 3, PETSC_COMM_WORLD, PETSC_ERR_SUP, "%s: semidiscrete needs a 2-D or 3-D density, not %" PetscInt_FMT "-D", density,
             gi->dim);
  {
    double bytes;
    PetscCall(OTFieldBytes(grid, 3, &bytes));
    PetscCall(OTMemoryCheck(PETSC_COMM_WORLD, bytes, "semidiscrete density"));
  }
  PetscCall(OTFieldCreate(grid, &f));
  PetscCall(OTDensityLoad(grid, density, f));
  PetscCall(OTDensityValidate(grid, f, density, &total));
  PetscCall(ReadPoints(PETSC_COMM_WORLD, points, gi->dim, &m, &pts, &pmass));

  PetscCall(OTSDCreate(grid, &sd));
  PetscCall(OTSDSetDensity(sd, f));
  PetscCall(OTFieldDestroy(&f));
  PetscCall(OTSDSetPoints(sd, m, pts, pmass));
  PetscCall(PetscFree(pts));
  PetscCall(PetscFree(pmass));
  PetscCall(OTSDGetSolver(sd, &core));
  PetscCall(OTDriverSolverDefaults(core, out));
  PetscCall(OTSDSetFromOptions(sd));
  PetscCall(OTSDSetUp(sd));
  PetscCall(OTSDSolve(sd));
  PetscCall(OTSolverGetConvergedReason(core, &reason));
  if (reason != OT_STOPPED_SIGNAL) {
    PetscCall(WriteOutput(sd, grid, m, gi->dim, out, png, has_png));
    PetscCall(OTSDGetTransportCost(sd, &cost));
    PetscCall(OTSDGetConvergence(sd, &it, &itt, &err, &conv));
    PetscCall(OTMemoryPeak(PETSC_COMM_WORLD, &peak));
    PetscCall(OTFormatBytes(peak, mem, sizeof mem));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "semidiscrete: wrote %s: %" PetscInt_FMT " points, transport_cost %.12g, mass_error %.3e, %" PetscInt_FMT
                          " Newton iterations (%s) (%.3g s, peak memory %s per rank)\n",
                          out, m, cost, err, itt, OTConvergedReasonName(reason), MPI_Wtime() - t0, mem));
  }
  PetscCall(OTSDDestroy(&sd));
  PetscCall(OTGridDestroy(&grid));
  PetscFunctionReturn(0);
}
