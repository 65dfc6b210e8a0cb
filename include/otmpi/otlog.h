/* otlog.h: PetscLogEvents of otmpi's core (each solver registers its own events in its SetUp). */
#pragma once
#include <petsclog.h>

PETSC_EXTERN PetscClassId   OT_CLASSID;
PETSC_EXTERN PetscLogEvent  OT_H5Read, OT_H5Write, OT_GridReduce, OT_PngWrite;
PETSC_EXTERN PetscErrorCode OTLogEventRegisterOnce(const char[], PetscLogEvent *);
