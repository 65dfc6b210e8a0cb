/* xdmf.h (private): the list of fields an output file carries, written as XDMF sidecars that ParaView/VisIt open. */
#pragma once
#include <otmpi/otgrid.h>

typedef struct _p_OTXdmf *OTXdmf;

PETSC_INTERN PetscErrorCode OTXdmfCreate(OTXdmf *);
PETSC_INTERN PetscErrorCode OTXdmfDestroy(OTXdmf *);
PETSC_INTERN PetscErrorCode OTXdmfAdd(OTXdmf, OTGrid, const char[], PetscInt, PetscInt, double, double);
PETSC_INTERN PetscErrorCode OTXdmfSetLastTimes(OTXdmf, const double[]);
/* One sidecar per time axis (sidecar 0 also holds the static fields): count, name, contents. */
PETSC_INTERN PetscErrorCode OTXdmfSidecarCount(OTXdmf, int *);
PETSC_INTERN PetscErrorCode OTXdmfSidecarName(OTXdmf, int, const char[], char[], size_t);
PETSC_INTERN int            OTXdmfWrite(OTXdmf, int, const char[], const char[]);
/* The datasets through which frame t of a series, and a static field on an explicit mesh, are read (HDF5 virtual views
   made at commit). */
PETSC_INTERN void OTXdmfFramePath(const char[], PetscInt, char[], size_t);
PETSC_INTERN void OTXdmfFieldPath(const char[], char[], size_t);
/* -xdmf_mesh explicit: the mesh as points + cells datasets (/xdmf/points, /xdmf/cells) for readers of unstructured XDMF
   only (meshio); available when all entries share one grid shape. */
PETSC_INTERN PetscErrorCode OTXdmfCommonShape(OTXdmf, PetscInt *, ptrdiff_t[], double[], double[], PetscBool *);
PETSC_INTERN PetscErrorCode OTXdmfSetExplicit(OTXdmf, PetscBool);
PETSC_INTERN PetscErrorCode OTXdmfSetLastType(OTXdmf, PetscBool, int);
PETSC_INTERN PetscErrorCode OTXdmfGetEntry(OTXdmf, int, const char **, PetscInt *, PetscInt *, PetscBool *);
