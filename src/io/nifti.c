/* nifti.c: NIfTI-1 input. The array is indexed [i][j][k] with axis 0 = i, the fastest-varying axis on disk, so rank 0
   transposes to C order while converting to double (applying scl_slope/scl_inter), then scatters the slabs. */
#include "nifti.h"
#include "../sys/sysimpl.h"
#include <nifti1_io.h>
#include <sys/stat.h>
#include <unistd.h>

PETSC_INTERN PetscBool OTNiftiIsNifti(const char file[])
{
  size_t n = strlen(file);
  return (PetscBool) ((n > 4 && !strcmp(file + n - 4, ".nii")) || (n > 7 && !strcmp(file + n - 7, ".nii.gz")));
}

/* Number of axes: up to the last axis longer than 1 (a 4-D file with one time point is a volume). */
static int NiftiDims(const nifti_image *nim, ptrdiff_t n[], double h[])
{
  int d = 1;
  for (int k = 1; k <= nim->dim[0] && k <= 7; k++)
    if (nim->dim[k] > 1) d = k;
  for (int k = 0; k < 3; k++) {
    n[k] = k < d ? nim->dim[k + 1] : 1;
    h[k] = k < d ? (double) nim->pixdim[k + 1] : 1.0;
  }
  return d;
}

static int FileStatus(const char file[])
{
  struct stat st;
  if (stat(file, &st)) return 1;
  if (access(file, R_OK)) return 2;
  return 0;
}

PETSC_INTERN PetscErrorCode OTNiftiReadHeader(MPI_Comm comm, const char file[], PetscInt *dim, ptrdiff_t n[], double h[])
{
  PetscMPIInt rank;
  int         err = 0, d = 0;
  int64_t     nn[3] = {0, 0, 0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    err = FileStatus(file);
    if (!err) {
      nifti_image *nim;
      nifti_set_debug_level(0);
      PetscCall(OTInputGuardPush(file));
      nim = nifti_image_read(file, 0);
      if (!nim)
        err = 3;
      else {
        ptrdiff_t pn[3];
        d = NiftiDims(nim, pn, h);
        for (int k = 0; k < 3; k++) nn[k] = pn[k];
        nifti_image_free(nim);
      }
      PetscCall(OTInputGuardPop());
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_OPEN, "%s: no such file", file);
  PetscCheck(err != 2, comm, PETSC_ERR_FILE_READ, "%s: cannot read the file (permission denied)", file);
  PetscCheck(err != 3, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: not a readable NIfTI-1 file", file);
  PetscCallMPI(MPI_Bcast(&d, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(nn, 3, MPI_INT64_T, 0, comm));
  PetscCallMPI(MPI_Bcast(h, 3, MPI_DOUBLE, 0, comm));
  PetscCheck(d <= 3, comm, OT_ERR_INPUT, "%s: %d axes (e.g. a time series); a density has 1, 2 or 3", file, d);
  *dim = d;
  for (int k = 0; k < 3; k++) n[k] = (ptrdiff_t) nn[k];
  PetscFunctionReturn(0);
}

static double NiftiValue(const nifti_image *nim, size_t idx)
{
  const void *p = nim->data;
  switch (nim->datatype) {
  case DT_UINT8: return ((const unsigned char *) p)[idx];
  case DT_INT8: return ((const signed char *) p)[idx];
  case DT_INT16: return ((const short *) p)[idx];
  case DT_UINT16: return ((const unsigned short *) p)[idx];
  case DT_INT32: return ((const int *) p)[idx];
  case DT_UINT32: return ((const unsigned int *) p)[idx];
  case DT_INT64: return (double) ((const long long *) p)[idx];
  case DT_UINT64: return (double) ((const unsigned long long *) p)[idx];
  case DT_FLOAT32: return ((const float *) p)[idx];
  case DT_FLOAT64: return ((const double *) p)[idx];
  default: return NAN;
  }
}

PETSC_INTERN PetscErrorCode OTNiftiLoad(OTGrid g, const char file[], double *field)
{
  const OTGridInfo *gi;
  const ptrdiff_t  *starts, *counts;
  MPI_Comm          comm;
  int               err = 0, *sc = NULL, *sd = NULL;
  double           *all = NULL;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(OTGridGetRanges(g, &starts, &counts));
  PetscCheck(gi->nglobal < PETSC_MPI_INT_MAX, comm, PETSC_ERR_SUP, "%s: NIfTI volumes of more than 2^31 voxels are not supported (convert to HDF5)", file);
  if (!gi->rank) {
    nifti_image *nim;
    nifti_set_debug_level(0);
    PetscCall(OTInputGuardPush(file));
    nim = nifti_image_read(file, 1);
    if (!nim || !nim->data)
      err = 1;
    else if (nim->datatype == DT_RGB24 || nim->datatype == DT_COMPLEX64 || nim->datatype == DT_COMPLEX128 || nim->datatype == DT_RGBA32 ||
             nim->datatype == DT_FLOAT128)
      err = 2;
    else {
      /* scl_slope = 0 means "no scaling" in NIfTI-1 */
      double slope = nim->scl_slope != 0 ? nim->scl_slope : 1.0, inter = nim->scl_slope != 0 ? nim->scl_inter : 0.0;
      all = (double *) malloc(sizeof(double) * (size_t) gi->nglobal);
      if (!all)
        err = 3;
      else
        for (ptrdiff_t i = 0; i < gi->n[0]; i++)
          for (ptrdiff_t j = 0; j < gi->n[1]; j++)
            for (ptrdiff_t k = 0; k < gi->n[2]; k++)
              all[(i * gi->n[1] + j) * gi->n[2] + k] = slope * NiftiValue(nim, (size_t) (i + gi->n[0] * (j + gi->n[1] * k))) + inter;
    }
    if (nim) nifti_image_free(nim);
    PetscCall(OTInputGuardPop());
    PetscCall(PetscMalloc2(gi->size, &sc, gi->size, &sd));
    for (PetscMPIInt r = 0; r < gi->size; r++) {
      sc[r] = (int) (counts[r] * gi->plane);
      sd[r] = (int) (starts[r] * gi->plane);
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_READ, "%s: cannot read the NIfTI voxel data (truncated file?)", file);
  PetscCheck(err != 2, comm, OT_ERR_INPUT, "%s: NIfTI data type is not a real scalar", file);
  PetscCheck(err != 3, comm, PETSC_ERR_MEM, "%s: rank 0 cannot hold the %td voxels of the volume", file, gi->nglobal);
  PetscCallMPI(MPI_Scatterv(all, sc, sd, MPI_DOUBLE, field, (int) gi->nlocal, MPI_DOUBLE, 0, comm));
  free(all);
  if (!gi->rank) PetscCall(PetscFree2(sc, sd));
  PetscFunctionReturn(0);
}
