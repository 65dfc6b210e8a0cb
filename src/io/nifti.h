/* nifti.h (private): NIfTI-1 volumes (.nii, .nii.gz) as densities; rank 0 reads (gzip is sequential) and scatters slabs. */
#pragma once
#include <otmpi/otgrid.h>

PETSC_INTERN PetscBool      OTNiftiIsNifti(const char[]);
PETSC_INTERN PetscErrorCode OTNiftiReadHeader(MPI_Comm, const char[], PetscInt *, ptrdiff_t[], double[]);
PETSC_INTERN PetscErrorCode OTNiftiLoad(OTGrid, const char[], double *);
