/* init.c: otmpi start-up and shut-down (PETSc, FFTW-MPI, HDF5 error printing, signals) and the recorded command line. */
#include <otmpi/otsys.h>
#include "sysimpl.h"
#include <fftw3-mpi.h>
#include <hdf5.h>

#ifndef OTMPI_GIT
#  define OTMPI_GIT "unknown"
#endif

#define OT_STR_(x) #x
#define OT_STR(x)  OT_STR_(x)

static char *ot_command_line = NULL;

const char *OTVersion(void)
{
  /* One string for outputs and -version: semantic version plus the git commit it was built from. */
  return OT_STR(OTMPI_VERSION_MAJOR) "." OT_STR(OTMPI_VERSION_MINOR) "." OT_STR(OTMPI_VERSION_PATCH) " (git " OTMPI_GIT ")";
}

PetscErrorCode OTSetCommandLine(int argc, char **argv)
{
  size_t len = 1;

  PetscFunctionBegin;
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  free(ot_command_line);
  ot_command_line = (char *) calloc(len, 1);
  PetscCheck(ot_command_line, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot store the command line");
  for (int i = 0; i < argc; i++) {
    const char *base = argv[i];
    if (i == 0 && strrchr(base, '/')) base = strrchr(base, '/') + 1; /* "otmpi", not the build path */
    strcat(ot_command_line, base);
    if (i + 1 < argc) strcat(ot_command_line, " ");
  }
  PetscFunctionReturn(0);
}

const char *OTGetCommandLine(void)
{
  return ot_command_line ? ot_command_line : "otmpi";
}

PetscErrorCode OTInitialize(int *argc, char ***argv, const char help[])
{
  PetscErrorCode ierr;

  /* PetscInitialize cannot use PetscCall (nothing is set up yet). The warning signals are blocked while MPI starts its
     threads (OTSignalMask), and unblocked in this thread once the handler is in place. */
  ierr = OTSignalMask(PETSC_TRUE);
  if (ierr) return ierr;
  ierr = PetscInitialize(argc, argv, NULL, help);
  if (ierr) return ierr;
  PetscFunctionBegin;
  PetscCall(OTErrorHandlerPush());
  fftw_mpi_init();
  /* HDF5 prints its own error stack to stderr by default; otmpi reports one line per error instead. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(OTLogEventsRegister());
  PetscCall(OTSignalInstall());
  PetscCall(OTSignalMask(PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode OTFinalize(void)
{
  (void) OTSignalHold();
  fftw_mpi_cleanup();
  free(ot_command_line);
  ot_command_line = NULL;
  return PetscFinalize();
}
