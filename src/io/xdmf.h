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
