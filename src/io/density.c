/* density.c: grid densities in and out: "file.h5[:/dataset]" or NIfTI volumes, geometry attributes with the documented
   defaults, and the validation every solver applies to its inputs (finite, non-negative, positive mass). */
#include <otmpi/otio.h>
#include "nifti.h"
#include <math.h>

/* Splits "file.h5:/path" (the part after the last ':' must start with '/'); the default dataset is /density. */
static PetscErrorCode SplitSpec(const char spec[], char file[], size_t flen, char dset[], size_t dlen)
{
  const char *c = strrchr(spec, ':');

  PetscFunctionBegin;
  if (c && c[1] == '/') {
    snprintf(file, flen, "%.*s", (int) (c - spec), spec);
    snprintf(dset, dlen, "%s", c + 1);
  } else {
    snprintf(file, flen, "%s", spec);
    snprintf(dset, dlen, "/density");
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt  dim;
  ptrdiff_t n[3];
  double    h[3], origin[3];
  PetscBool has_h, has_origin;
} Header;

static PetscErrorCode ReadHeader(MPI_Comm comm, const char spec[], Header *hd)
{
  char file[PETSC_MAX_PATH_LEN], dset[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(hd, sizeof *hd));
  PetscCall(SplitSpec(spec, file, sizeof file, dset, sizeof dset));
  if (OTNiftiIsNifti(file)) {
    PetscCall(OTNiftiReadHeader(comm, file, &hd->dim, hd->n, hd->h));
    hd->has_h = PETSC_TRUE;
  } else {
    OTH5      f;
    ptrdiff_t dims[32];
    PetscInt  rank;
    PetscCall(OTH5Open(comm, file, &f));
    PetscCall(OTH5GetShape(f, dset, &rank, dims));
    PetscCheck(rank >= 1 && rank <= 3, comm, OT_ERR_INPUT, "%s: dataset %s has %" PetscInt_FMT " axes; a density has 1, 2 or 3", file, dset, rank);
    hd->dim = rank;
    for (PetscInt k = 0; k < rank; k++) {
      hd->n[k] = dims[k];
      PetscCheck(dims[k] > 0, comm, OT_ERR_INPUT, "%s: dataset %s is empty along axis %" PetscInt_FMT, file, dset, k);
    }
    PetscCall(OTH5ReadAttribute(f, dset, "spacing", OT_DOUBLE, rank, hd->h, &hd->has_h));
    PetscCall(OTH5ReadAttribute(f, dset, "origin", OT_DOUBLE, rank, hd->origin, &hd->has_origin));
    PetscCall(OTH5Close(&f));
  }
  for (PetscInt k = 0; k < hd->dim; k++) {
    PetscCheck(!hd->has_h || (isfinite(hd->h[k]) && hd->h[k] > 0), comm, OT_ERR_INPUT, "%s: spacing along axis %" PetscInt_FMT " is %g; it must be positive",
               spec, k, hd->h[k]);
    PetscCheck(!hd->has_origin || isfinite(hd->origin[k]), comm, OT_ERR_INPUT, "%s: origin along axis %" PetscInt_FMT " is not finite", spec, k);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTDensityOpen(MPI_Comm comm, const char spec[], OTGrid *grid)
{
  Header hd;

  PetscFunctionBegin;
  PetscCall(ReadHeader(comm, spec, &hd));
  PetscCall(OTGridCreate(comm, hd.dim, hd.n, grid));
  PetscCall(OTGridSetGeometry(*grid, hd.has_h ? hd.h : NULL, hd.has_origin ? hd.origin : NULL));
  PetscCall(OTGridSetName(*grid, spec));
  PetscCall(OTGridSetUp(*grid));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDensityLoad(OTGrid g, const char spec[], double *field)
{
  const OTGridInfo *gi;
  const char       *ref;
  MPI_Comm          comm;
  Header            hd;
  char              file[PETSC_MAX_PATH_LEN], dset[PETSC_MAX_PATH_LEN], gs[96], fs[96];
  OTGrid            tmp;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(OTGridGetName(g, &ref));
  PetscCall(ReadHeader(comm, spec, &hd));
  /* the error says which input differs from which, and how */
  PetscCall(OTGridShapeString(g, gs, sizeof gs));
  PetscCall(OTGridCreate(comm, hd.dim, hd.n, &tmp));
  PetscCall(OTGridShapeString(tmp, fs, sizeof fs));
  if (!hd.has_h) {
    const OTGridInfo *T;
    PetscCall(OTGridSetUp(tmp));
    PetscCall(OTGridGetInfo(tmp, &T));
    for (PetscInt k = 0; k < hd.dim; k++) hd.h[k] = T->h[k];
  }
  PetscCall(OTGridDestroy(&tmp));
  PetscCheck(hd.dim == gi->dim, comm, OT_ERR_INPUT, "%s: %" PetscInt_FMT "-D (%s), but %s is %" PetscInt_FMT "-D (%s)", spec, hd.dim, fs,
             ref[0] ? ref : "the grid", gi->dim, gs);
  for (PetscInt k = 0; k < gi->dim; k++)
    PetscCheck(hd.n[k] == gi->n[k], comm, OT_ERR_INPUT, "%s: shape %s differs from %s (%s)", spec, fs, ref[0] ? ref : "the grid", gs);
  for (PetscInt k = 0; k < gi->dim; k++)
    PetscCheck(fabs(hd.h[k] - gi->h[k]) <= 1e-9 * gi->h[k], comm, OT_ERR_INPUT, "%s: spacing %g along axis %" PetscInt_FMT " differs from %s (%g)", spec,
               hd.h[k], k, ref[0] ? ref : "the grid", gi->h[k]);
  PetscCall(SplitSpec(spec, file, sizeof file, dset, sizeof dset));
  if (OTNiftiIsNifti(file))
    PetscCall(OTNiftiLoad(g, file, field));
  else {
    OTH5 f;
    PetscCall(OTH5Open(comm, file, &f));
    PetscCall(OTH5ReadField(f, g, dset, 1, field));
    PetscCall(OTH5Close(&f));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTDensityValidate(OTGrid g, const double *field, const char spec[], double *mass)
{
  MPI_Comm  comm;
  ptrdiff_t bad;
  double    min, m;

  PetscFunctionBegin;
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(OTFieldCountNonFinite(g, field, &bad));
  PetscCheck(!bad, comm, OT_ERR_INPUT, "%s: %td values are NaN or Inf; densities must be finite", spec, bad);
  PetscCall(OTFieldMinMax(g, field, &min, NULL));
  PetscCheck(min >= 0, comm, OT_ERR_INPUT, "%s: negative values (min %g); densities must be >= 0", spec, min);
  PetscCall(OTFieldSum(g, field, &m));
  PetscCheck(m > 0, comm, OT_ERR_INPUT, "%s: total mass is zero", spec);
  if (mass) *mass = m;
  PetscFunctionReturn(0);
}

/* Label atlases: the indicator of the voxels equal to label (integer labels are exact in double). */
PetscErrorCode OTDensityLabelMask(OTGrid g, double label, double *field)
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) field[i] = field[i] == label ? 1.0 : 0.0;
  PetscFunctionReturn(0);
}

/* A density file as the contract describes it: /density with spacing and origin, XDMF sidecar, committed atomically. */
PetscErrorCode OTDensityWrite(OTGrid g, const double *field, const char path[], const char dset[])
{
  MPI_Comm comm;
  OTH5     f;

  PetscFunctionBegin;
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(OTH5Create(comm, path, &f));
  PetscCall(OTH5WriteField(f, g, dset ? dset : "/density", 1, field));
  PetscCall(OTH5XdmfAddField(f, g, dset ? dset : "/density", 1));
  PetscCall(OTH5Commit(&f));
  PetscFunctionReturn(0);
}
