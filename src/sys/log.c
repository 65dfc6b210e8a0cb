/* log.c: registration of otmpi's log events so that -log_view shows where time goes. */
#include <otmpi/otsys.h>
#include "sysimpl.h"
#include <otmpi/otlog.h>

PetscClassId  OT_CLASSID = 0;
PetscLogEvent OT_H5Read, OT_H5Write, OT_GridReduce, OT_PngWrite;

PETSC_INTERN PetscErrorCode OTLogEventsRegister(void)
{
  PetscFunctionBegin;
  if (OT_CLASSID) PetscFunctionReturn(0);
  PetscCall(PetscClassIdRegister("otmpi", &OT_CLASSID));
  PetscCall(PetscLogEventRegister("OTH5Read", OT_CLASSID, &OT_H5Read));
  PetscCall(PetscLogEventRegister("OTH5Write", OT_CLASSID, &OT_H5Write));
  PetscCall(PetscLogEventRegister("OTGridReduce", OT_CLASSID, &OT_GridReduce));
  PetscCall(PetscLogEventRegister("OTPngWrite", OT_CLASSID, &OT_PngWrite));
  PetscFunctionReturn(0);
}

/* Solvers call this from SetUp: the first call with a name registers the event, later calls return the same id. */
PetscErrorCode OTLogEventRegisterOnce(const char name[], PetscLogEvent *event)
{
  static char         *names[256];
  static PetscLogEvent ids[256];
  static int           count = 0;

  PetscFunctionBegin;
  PetscCall(OTLogEventsRegister());
  for (int i = 0; i < count; i++) {
    if (!strcmp(names[i], name)) {
      *event = ids[i];
      PetscFunctionReturn(0);
    }
  }
  PetscCheck(count < 256, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many log events");
  PetscCall(PetscLogEventRegister(name, OT_CLASSID, event));
  names[count] = strdup(name);
  ids[count++] = *event;
  PetscFunctionReturn(0);
}
