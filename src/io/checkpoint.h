/* checkpoint.h: the one checkpoint format (checkpoint.c), used by the iteration core and the solvers' checkpoint ops;
   not installed. */
#pragma once
#include <otmpi/otio.h>

/* Checkpoint files (every solver): an int attribute of the root (int32), and a required root attribute (comm, file, its
   path, the solver's name, attribute, type, count, values) whose absence is an error naming the file. */
PETSC_EXTERN PetscErrorCode OTCheckpointWriteInt(OTH5, const char[], PetscInt);
PETSC_EXTERN PetscErrorCode OTCheckpointReadAttribute(MPI_Comm, OTH5, const char[], const char[], const char[], OTDataType, PetscInt, void *);
/* The one checkpoint format (src/io/checkpoint.c): otmpi_checkpoint = command, iteration, settings matched on restart. */
PETSC_EXTERN PetscErrorCode OTCheckpointCreate(MPI_Comm, const char[], const char[], PetscInt, OTH5 *);
PETSC_EXTERN PetscErrorCode OTCheckpointOpen(MPI_Comm, const char[], const char[], OTH5 *, PetscInt *);
PETSC_EXTERN PetscErrorCode OTCheckpointMatchReal(MPI_Comm, OTH5, const char[], const char[], const char[], const char[], double);
PETSC_EXTERN PetscErrorCode OTCheckpointMatchInt(MPI_Comm, OTH5, const char[], const char[], const char[], const char[], PetscInt);
PETSC_EXTERN PetscErrorCode OTCheckpointMatchString(MPI_Comm, OTH5, const char[], const char[], const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode OTCheckpointDefaultPath(const char[], char[], size_t);
PETSC_EXTERN PetscErrorCode OTCheckpointWriteEntropic(OTH5, double, double, PetscBool, PetscBool, double, double);
PETSC_EXTERN PetscErrorCode OTCheckpointMatchEntropic(MPI_Comm, OTH5, const char[], const char[], double, double, PetscBool, PetscBool, double, double);
