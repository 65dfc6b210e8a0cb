/* xdmf.h (private): the list of fields an output file carries, written as an XDMF sidecar that ParaView/VisIt open. */
#pragma once
#include <otgrid.h>

typedef struct _p_OTXdmf *OTXdmf;

PETSC_INTERN PetscErrorCode OTXdmfCreate(OTXdmf *);
PETSC_INTERN PetscErrorCode OTXdmfDestroy(OTXdmf *);
PETSC_INTERN PetscErrorCode OTXdmfAdd(OTXdmf, OTGrid, const char[], PetscInt, PetscInt, double, double);
PETSC_INTERN PetscErrorCode OTXdmfHasEntries(OTXdmf, PetscBool *);
PETSC_INTERN PetscErrorCode OTXdmfSidecarName(const char[], char[], size_t);
PETSC_INTERN int            OTXdmfWrite(OTXdmf, const char[], const char[]);
/* -xdmf_mesh explicit: the mesh as points + cells datasets (/xdmf/points, /xdmf/cells) for readers of unstructured XDMF
   only (meshio); available when all entries share one grid shape. */
PETSC_INTERN PetscErrorCode OTXdmfCommonShape(OTXdmf, PetscInt *, ptrdiff_t[], double[], double[], PetscBool *);
PETSC_INTERN PetscErrorCode OTXdmfSetExplicit(OTXdmf, PetscBool);
PETSC_INTERN PetscErrorCode OTXdmfSetLastType(OTXdmf, PetscBool, int);
PETSC_INTERN PetscErrorCode OTXdmfGetEntry(OTXdmf, int, const char **, PetscInt *, PetscInt *, PetscBool *);
