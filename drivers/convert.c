/* convert.c: `otmpi convert IN -o OUT.h5`, any density otmpi reads (HDF5 dataset, NIfTI volume, one label of an atlas)
   written back as an otmpi HDF5 density with XDMF sidecar: the round trip of the I/O layer, and NIfTI -> ParaView. */
#include "commands.h"

PetscErrorCode OTCommandConvert(PetscInt npos, char **pos)
{
  char      out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  PetscBool has_png, help, has_label, normalize = PETSC_FALSE, validate = PETSC_FALSE;
  double    label = 0, mass, t0 = MPI_Wtime();
  OTGrid    g;
  double   *f;

  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi convert: rewrite a density as an otmpi HDF5 file", NULL);
  PetscCall(PetscOptionsReal("-label", "keep only the voxels equal to this label (atlases), as an indicator", NULL, label, &label, &has_label));
  PetscCall(PetscOptionsBool("-normalize", "scale to total mass 1 (implies -validate)", NULL, normalize, &normalize, NULL));
  PetscCall(PetscOptionsBool("-validate", "refuse NaN/Inf, negative values and zero mass", NULL, validate, &validate, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5)", out, sizeof out, png, sizeof png, &has_png));
  PetscOptionsEnd();
  PetscCall(OTDriverHelpRequested(&help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  IN: the input (file.h5, file.h5:/dataset, vol.nii, vol.nii.gz)\n"));
    PetscFunctionReturn(0);
  }
  PetscCheck(npos == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "convert needs one input: otmpi convert IN -o OUT.h5");
  PetscCall(OTDensityOpen(PETSC_COMM_WORLD, pos[0], &g));
  {
    double bytes;
    PetscCall(OTFieldBytes(g, 1, &bytes));
    PetscCall(OTMemoryCheck(PETSC_COMM_WORLD, bytes, "convert"));
  }
  PetscCall(OTFieldCreate(g, &f));
  PetscCall(OTDensityLoad(g, pos[0], f));
  if (has_label) PetscCall(OTDensityLabelMask(g, label, f));
  if (validate || normalize || has_label) {
    PetscCall(OTDensityValidate(g, f, pos[0], &mass));
    if (normalize) PetscCall(OTFieldScale(g, 1.0 / mass, f));
  }
  PetscCall(OTDensityWrite(g, f, out, NULL));
  if (has_png) PetscCall(OTPngWriteField(g, f, png, OT_CMAP_VIRIDIS));
  PetscCall(OTFieldSum(g, f, &mass));
  PetscCall(OTPrintf(PETSC_COMM_WORLD, "convert: wrote %s (mass %.15g, %.3g s)\n", out, mass, MPI_Wtime() - t0));
  PetscCall(OTFieldDestroy(&f));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}
