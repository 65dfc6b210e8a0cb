/* otio.h: otmpi's files: densities (HDF5 or NIfTI) in, HDF5 outputs with XDMF sidecars out, checkpoints, PNG snapshots. */
#pragma once
#include <otmpi/otgrid.h>

typedef enum { OT_DOUBLE, OT_INT32, OT_INT64 } OTDataType;

/* An HDF5 file opened collectively on a communicator. Files created for writing live under a temporary name (registered
   for removal on failure) until OTH5Commit renames them, with their XDMF sidecar, to the final name. */
typedef struct _p_OTH5 *OTH5;

PETSC_EXTERN PetscErrorCode OTH5Create(MPI_Comm, const char[], OTH5 *);
PETSC_EXTERN PetscErrorCode OTH5Open(MPI_Comm, const char[], OTH5 *);
PETSC_EXTERN PetscErrorCode OTH5Commit(OTH5 *);
PETSC_EXTERN PetscErrorCode OTH5Close(OTH5 *);
PETSC_EXTERN PetscErrorCode OTH5GetPath(OTH5, const char **);

/* Grid fields: dataset of the grid's shape (plus a trailing axis of ncomp > 1), written/read by slabs, collectively.
   Written fields carry the grid's `spacing` and `origin` attributes so that they are valid otmpi inputs again. */
PETSC_EXTERN PetscErrorCode OTH5WriteField(OTH5, OTGrid, const char[], PetscInt, const double *);
PETSC_EXTERN PetscErrorCode OTH5ReadField(OTH5, OTGrid, const char[], PetscInt, double *);

/* Any dataset: global dims; each rank writes/reads its own box [start, start + count) (count 0 on ranks with no part). */
PETSC_EXTERN PetscErrorCode OTH5WriteArray(OTH5, const char[], OTDataType, PetscInt, const ptrdiff_t[], const ptrdiff_t[], const ptrdiff_t[], const void *);
PETSC_EXTERN PetscErrorCode OTH5ReadArray(OTH5, const char[], OTDataType, PetscInt, const ptrdiff_t[], const ptrdiff_t[], void *);
PETSC_EXTERN PetscErrorCode OTH5HasDataset(OTH5, const char[], PetscBool *);
PETSC_EXTERN PetscErrorCode OTH5GetShape(OTH5, const char[], PetscInt *, ptrdiff_t[]);

/* Attributes on an object ("/" or NULL = the root group). Every rank passes the same value. n = 1 gives a scalar. */
PETSC_EXTERN PetscErrorCode OTH5WriteAttribute(OTH5, const char[], const char[], OTDataType, PetscInt, const void *);
PETSC_EXTERN PetscErrorCode OTH5WriteAttributeString(OTH5, const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode OTH5ReadAttribute(OTH5, const char[], const char[], OTDataType, PetscInt, void *, PetscBool *);
PETSC_EXTERN PetscErrorCode OTH5ReadAttributeString(OTH5, const char[], const char[], char[], size_t, PetscBool *);

/* -xdmf_mesh: corect (ParaView's compact image mesh) or explicit (points + cells) */
#define OT_XDMF_MESH_DEFAULT "corect"
/* XDMF sidecar entries, written by OTH5Commit as OUT.xmf: a field (ncomp 1 = scalar, d = vector), or a time series whose
   dataset has a leading axis of nt frames at times t0 + k dt. */
PETSC_EXTERN PetscErrorCode OTH5XdmfAddField(OTH5, OTGrid, const char[], PetscInt);
PETSC_EXTERN PetscErrorCode OTH5XdmfAddTimeSeries(OTH5, OTGrid, const char[], PetscInt, PetscInt, double, double);
/* the same, frame k at times[k] (a series saved at uneven times) */
PETSC_EXTERN PetscErrorCode OTH5XdmfAddTimeSeriesAt(OTH5, OTGrid, const char[], PetscInt, PetscInt, const double[]);

/* Densities: "file.h5", "file.h5:/dataset" (default /density), "vol.nii" or "vol.nii.gz". OTDensityOpen reads the header
   and creates a set-up grid on comm; OTDensityLoad reads the values onto a grid (which must have the same shape and
   spacing: the error names the file and how it differs); OTDensityValidate checks finite, >= 0 and positive mass. */
PETSC_EXTERN PetscErrorCode OTDensityOpen(MPI_Comm, const char[], OTGrid *);
PETSC_EXTERN PetscErrorCode OTDensityLoad(OTGrid, const char[], double *);
PETSC_EXTERN PetscErrorCode OTDensityValidate(OTGrid, const double *, const char[], double *);
PETSC_EXTERN PetscErrorCode OTDensityLabelMask(OTGrid, double, double *);
PETSC_EXTERN PetscErrorCode OTDensityWrite(OTGrid, const double *, const char[], const char[]);

/* Output paths: checked at start-up (directory exists and is writable) so that a long run does not fail at its end. */
PETSC_EXTERN PetscErrorCode OTOutputCheckPath(MPI_Comm, const char[], const char[]);

/* PNG snapshots (libpng): a 2-D field, or the middle plane (axis 0) of a 3-D field. */
typedef enum { OT_CMAP_VIRIDIS, OT_CMAP_LABELS } OTColormap;
PETSC_EXTERN PetscErrorCode OTPngWriteField(OTGrid, const double *, const char[], OTColormap);
/* n fields of the grid in one image on one colour scale: tiles (up to 4 a row), or rows of a space-time picture in 1-D */
PETSC_EXTERN PetscErrorCode OTPngWriteMontage(OTGrid, PetscInt, const double *const[], const char[]);
PETSC_EXTERN PetscErrorCode OTPngWriteRGB(const char[], PetscInt, PetscInt, const unsigned char *);

/* Listing of a file's datasets (shape, type) and attributes, for `otmpi info`; rank 0 prints. */
PETSC_EXTERN PetscErrorCode OTH5List(OTH5, PetscViewer);
