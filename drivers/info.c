/* info.c: `otmpi info FILE [FILE...]`, what a file holds: datasets and attributes, and for densities the shape, spacing,
   origin, mass, min, max and centroid; for point clouds the count, bounding box and total mass. */
#include "commands.h"

static PetscErrorCode InfoDensity(const char spec[])
{
  OTGrid            g;
  const OTGridInfo *gi;
  double           *f, mass, min, max, mean[3], var[3];
  ptrdiff_t         bad;
  char              shape[96];

  PetscFunctionBegin;
  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, spec, &g));
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTFieldCreate(g, &f));
  PetscCall(OTDensityLoad(g, spec, f));
  PetscCall(OTFieldSum(g, f, &mass));
  PetscCall(OTFieldMinMax(g, f, &min, &max));
  PetscCall(OTFieldCountNonFinite(g, f, &bad));
  PetscCall(OTFieldMoments(g, f, NULL, mean, var));
  PetscCall(OTGridShapeString(g, shape, sizeof shape));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "density %s\n  shape    %s (%" PetscInt_FMT "-D, %td cells)\n  spacing ", spec, shape, gi->dim, gi->nglobal));
  for (PetscInt k = 0; k < gi->dim; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " %.15g", gi->h[k]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  origin  "));
  for (PetscInt k = 0; k < gi->dim; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " %.15g", gi->origin[k]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  mass     %.15g\n  min      %.15g\n  max      %.15g\n  centroid", mass, min, max));
  for (PetscInt k = 0; k < gi->dim; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " %.15g", mean[k]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  variance"));
  for (PetscInt k = 0; k < gi->dim; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " %.15g", var[k]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
  if (bad) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  nonfinite %td values are NaN or Inf\n", bad));
  PetscCall(OTFieldDestroy(&f));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}

static PetscErrorCode InfoPoints(OTH5 f)
{
  PetscInt  rank;
  ptrdiff_t dims[8], st[2] = {0, 0};
  double   *p, lo[3], hi[3], mass = 0;
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(OTH5GetShape(f, "/points", &rank, dims));
  if (rank != 2 || dims[1] < 1 || dims[1] > 3) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(dims[0] * dims[1] + 1, &p));
  PetscCall(OTH5ReadArray(f, "/points", OT_DOUBLE, 2, st, dims, p));
  for (ptrdiff_t k = 0; k < dims[1]; k++) {
    lo[k] = PETSC_MAX_REAL;
    hi[k] = -PETSC_MAX_REAL;
  }
  for (ptrdiff_t i = 0; i < dims[0]; i++)
    for (ptrdiff_t k = 0; k < dims[1]; k++) {
      lo[k] = PetscMin(lo[k], p[i * dims[1] + k]);
      hi[k] = PetscMax(hi[k], p[i * dims[1] + k]);
    }
  PetscCall(OTH5HasDataset(f, "/mass", &has));
  if (has) {
    ptrdiff_t md[8];
    PetscInt  mr;
    PetscCall(OTH5GetShape(f, "/mass", &mr, md));
    if (mr == 1 && md[0] == dims[0]) {
      PetscCall(OTH5ReadArray(f, "/mass", OT_DOUBLE, 1, st, md, p));
      for (ptrdiff_t i = 0; i < dims[0]; i++) mass += p[i];
    } else
      has = PETSC_FALSE;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "points /points\n  count    %td (%td-D)\n  bbox    ", dims[0], dims[1]));
  for (ptrdiff_t k = 0; k < dims[1]; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " [%.6g, %.6g]", lo[k], hi[k]));
  if (has)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  mass     %.15g\n", mass));
  else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  mass     uniform (no /mass)\n"));
  PetscCall(PetscFree(p));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandInfo(PetscInt npos, char **pos)
{
  PetscBool   help;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(OTDriverHelpRequested(&help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  FILE [FILE...]: HDF5 densities/outputs (file.h5 or file.h5:/dataset) or NIfTI volumes\n"));
    PetscFunctionReturn(0);
  }
  PetscCheck(npos > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "info needs a file: otmpi info FILE");
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  for (PetscInt i = 0; i < npos; i++) {
    const char *spec = pos[i], *colon = strrchr(spec, ':');
    size_t      len   = strlen(spec);
    PetscBool   nifti = (PetscBool) ((len > 4 && !strcmp(spec + len - 4, ".nii")) || (len > 7 && !strcmp(spec + len - 7, ".nii.gz")));
    char        file[PETSC_MAX_PATH_LEN], dset[PETSC_MAX_PATH_LEN] = "/density";
    PetscBool   has = PETSC_FALSE;
    OTH5        f;

    if (nifti) {
      PetscCall(InfoDensity(spec));
      continue;
    }
    if (colon && colon[1] == '/') {
      snprintf(file, sizeof file, "%.*s", (int) (colon - spec), spec);
      snprintf(dset, sizeof dset, "%s", colon + 1);
    } else
      snprintf(file, sizeof file, "%s", spec);
    PetscCall(OTH5Open(PETSC_COMM_WORLD, file, &f));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "file %s\n", file));
    if (!rank) PetscCall(OTH5List(f, PETSC_VIEWER_STDOUT_SELF));
    PetscCall(OTH5HasDataset(f, dset, &has));
    PetscCheck(has || !(colon && colon[1] == '/'), PETSC_COMM_WORLD, OT_ERR_INPUT, "%s: no dataset %s", file, dset);
    {
      PetscBool pts;
      PetscCall(OTH5HasDataset(f, "/points", &pts));
      if (pts) PetscCall(InfoPoints(f));
    }
    PetscCall(OTH5Close(&f));
    if (has) {
      char s[2 * PETSC_MAX_PATH_LEN + 2];
      snprintf(s, sizeof s, "%s:%s", file, dset);
      PetscCall(InfoDensity(s));
    }
  }
  PetscFunctionReturn(0);
}
