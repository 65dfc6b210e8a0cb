/* otgrid.h: the distributed grid shared by every otmpi solver, and fields (plain double arrays) on it. */
#pragma once
#include <otmpi/otsys.h>
#include <petscdmda.h>

/* A 1-, 2- or 3-D cell-centred grid split into slabs along axis 0 exactly as FFTW-MPI splits it (ceil(n0/P) planes per
   rank), so that every kernel can transform fields in place. Axis 0 is the slowest (C order), as in the HDF5 files. */
typedef struct _p_OTGrid *OTGrid;

typedef struct {
  PetscInt    dim;       /* 1, 2 or 3 */
  ptrdiff_t   n[3];      /* global shape; 1 for the axes beyond dim */
  double      h[3];      /* spacing per axis (physical units) */
  double      origin[3]; /* lower corner of cell 0 per axis; cell i spans [origin + i h, origin + (i+1) h] */
  ptrdiff_t   local_n0;  /* planes of axis 0 owned by this rank */
  ptrdiff_t   start0;    /* first owned plane */
  ptrdiff_t   plane;     /* n1 * n2: values per plane */
  ptrdiff_t   nlocal;    /* local_n0 * plane: values owned */
  ptrdiff_t   nglobal;   /* n0 * n1 * n2 */
  ptrdiff_t   alloc;     /* doubles allocated per field (>= nlocal): room for FFTW-MPI's in-place r2r transforms */
  ptrdiff_t   local_n1;  /* FFTW_MPI_TRANSPOSED_OUT layout: rows of axis 1 owned after a transform (2-D, 3-D) */
  ptrdiff_t   start1;
  PetscMPIInt rank, size;
} OTGridInfo;

/* Position of cell i along axis k (its centre). */
#define OTGridCoord(info, k, i) ((info)->origin[k] + ((double) (i) + 0.5) * (info)->h[k])

PETSC_EXTERN PetscErrorCode OTGridCreate(MPI_Comm, PetscInt, const ptrdiff_t[], OTGrid *);
PETSC_EXTERN PetscErrorCode OTGridSetGeometry(OTGrid, const double[], const double[]);
PETSC_EXTERN PetscErrorCode OTGridSetName(OTGrid, const char[]);
PETSC_EXTERN PetscErrorCode OTGridGetName(OTGrid, const char **);
PETSC_EXTERN PetscErrorCode OTGridSetUp(OTGrid);
PETSC_EXTERN PetscErrorCode OTGridGetInfo(OTGrid, const OTGridInfo **);
PETSC_EXTERN PetscErrorCode OTGridGetComm(OTGrid, MPI_Comm *);
PETSC_EXTERN PetscErrorCode OTGridGetRanges(OTGrid, const ptrdiff_t **, const ptrdiff_t **);
PETSC_EXTERN PetscErrorCode OTGridDuplicate(OTGrid, MPI_Comm, OTGrid *);
PETSC_EXTERN PetscErrorCode OTGridCreateDMDA(OTGrid, PetscInt, PetscInt, DM *);
PETSC_EXTERN PetscErrorCode OTGridShapeString(OTGrid, char[], size_t);
PETSC_EXTERN PetscErrorCode OTGridView(OTGrid, PetscViewer);
PETSC_EXTERN PetscErrorCode OTGridDestroy(OTGrid *);
PETSC_EXTERN PetscErrorCode OTGridMaxRanks(PetscInt, const ptrdiff_t[], PetscMPIInt, PetscMPIInt *);

/* Deterministic sums: each rank adds its own planes, the per-plane partial sums are gathered and added in plane order, so
   the result has the same bits at every rank count. local has local_n0 * nv values (plane-major), global nv values. */
PETSC_EXTERN PetscErrorCode OTGridSumPlanes(OTGrid, PetscInt, const double[], double[]);

/* Fields: arrays of info->alloc doubles (FFTW-aligned), the owned values first, in C order. */
PETSC_EXTERN PetscErrorCode OTFieldCreate(OTGrid, double **);
PETSC_EXTERN PetscErrorCode OTFieldCreateComponents(OTGrid, PetscInt, double **);
PETSC_EXTERN PetscErrorCode OTFieldDestroy(double **);
PETSC_EXTERN PetscErrorCode OTFieldSet(OTGrid, double, double *);
PETSC_EXTERN PetscErrorCode OTFieldCopy(OTGrid, const double *, double *);
PETSC_EXTERN PetscErrorCode OTFieldScale(OTGrid, double, double *);
PETSC_EXTERN PetscErrorCode OTFieldSum(OTGrid, const double *, double *);
PETSC_EXTERN PetscErrorCode OTFieldDot(OTGrid, const double *, const double *, double *);
PETSC_EXTERN PetscErrorCode OTFieldNorm1Diff(OTGrid, const double *, const double *, double *);
PETSC_EXTERN PetscErrorCode OTFieldMinMax(OTGrid, const double *, double *, double *);
PETSC_EXTERN PetscErrorCode OTFieldCountNonFinite(OTGrid, const double *, ptrdiff_t *);
PETSC_EXTERN PetscErrorCode OTFieldMoments(OTGrid, const double *, double *, double[], double[]);
PETSC_EXTERN PetscErrorCode OTFieldBytes(OTGrid, PetscInt, double *);
