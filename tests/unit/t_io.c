/* t_io.c: unit tests of OTH5 beyond densities: int32 fields in the XDMF sidecar, attributes (scalar and array, strings)
   read back, a discarded (uncommitted) output leaves nothing. Run at 1, 2 and 4 ranks. */
#include "test.h"
#include <unistd.h>

static int FileContains(const char *path, const char *text)
{
  FILE  *fp = fopen(path, "r");
  char   buf[65536];
  size_t n;
  if (!fp) return 0;
  n      = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = 0;
  fclose(fp);
  return strstr(buf, text) != NULL;
}

int main(int argc, char **argv)
{
  ptrdiff_t         n[2] = {10, 6};
  OTGrid            g;
  const OTGridInfo *gi;
  OTH5              f;
  int32_t          *lab;
  double           *x, v = 0, arr[3] = {0, 0, 0};
  PetscInt          it = 0;
  PetscBool         found;
  char              str[64];
  PetscMPIInt       rank;

  if (OTInitialize(&argc, &argv, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, 2, n, &g));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridSetUp(g));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridGetInfo(g, &gi));
  PetscCallAbort(PETSC_COMM_WORLD, PetscMalloc1(gi->nlocal + 1, &lab));
  PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &x));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) {
    lab[i] = (int32_t) ((gi->start0 * gi->plane + i) % 7);
    x[i]   = 0.5 * (double) lab[i];
  }
  {
    ptrdiff_t gd[2] = {n[0], n[1]}, st[2] = {gi->start0, 0}, ct[2] = {gi->local_n0, n[1]};
    int32_t   three = 3;
    double    a3[3] = {1.5, 2.5, 3.5};
    if (!rank) unlink("t_io.h5");
    PetscCallAbort(PETSC_COMM_WORLD, OTH5Create(PETSC_COMM_WORLD, "t_io.h5", &f));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5WriteArray(f, "/label", OT_INT32, 2, gd, st, ct, lab));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5XdmfAddField(f, g, "/label", 1));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5WriteField(f, g, "/x", 1, x));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5XdmfAddField(f, g, "/x", 1));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5WriteAttribute(f, "/", "iterations", OT_INT32, 1, &three));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5WriteAttribute(f, "/", "vec", OT_DOUBLE, 3, a3));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5WriteAttributeString(f, "/x", "unit", "mass per cell"));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5Commit(&f));
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  OT_TEST("int32 field described as Int/4 in the sidecar", FileContains("t_io.xmf", "NumberType=\"Int\" Precision=\"4\" Format=\"HDF\">t_io.h5:/label"),
          "t_io.xmf lacks it");
  OT_TEST("float64 field described as Float/8", FileContains("t_io.xmf", "NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">t_io.h5:/x"),
          "t_io.xmf lacks it");
  PetscCallAbort(PETSC_COMM_WORLD, OTH5Open(PETSC_COMM_WORLD, "t_io.h5", &f));
  PetscCallAbort(PETSC_COMM_WORLD, OTH5ReadAttribute(f, "/", "iterations", OT_INT32, 1, &it, &found));
  OT_TEST("scalar int attribute read back", found && it == 3, "got %d", (int) it);
  PetscCallAbort(PETSC_COMM_WORLD, OTH5ReadAttribute(f, "/", "vec", OT_DOUBLE, 3, arr, &found));
  OT_TEST("array attribute read back", found && arr[0] == 1.5 && arr[2] == 3.5, "got %g %g", arr[0], arr[2]);
  PetscCallAbort(PETSC_COMM_WORLD, OTH5ReadAttributeString(f, "/x", "unit", str, sizeof str, &found));
  OT_TEST("string attribute on a dataset read back", found && !strcmp(str, "mass per cell"), "got '%s'", str);
  PetscCallAbort(PETSC_COMM_WORLD, OTH5ReadAttribute(f, "/", "absent", OT_DOUBLE, 1, &v, &found));
  OT_TEST("absent attribute reported as not found", !found, "found");
  {
    double   *y;
    ptrdiff_t bad = 0;
    PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &y));
    PetscCallAbort(PETSC_COMM_WORLD, OTH5ReadField(f, g, "/x", 1, y));
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) bad += y[i] != x[i];
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD);
    OT_TEST("field read back at this rank count", bad == 0, "%td values differ", bad);
    PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&y));
  }
  PetscCallAbort(PETSC_COMM_WORLD, OTH5Close(&f));
  /* an output closed without commit is discarded */
  PetscCallAbort(PETSC_COMM_WORLD, OTH5Create(PETSC_COMM_WORLD, "t_io_discard.h5", &f));
  PetscCallAbort(PETSC_COMM_WORLD, OTH5WriteField(f, g, "/x", 1, x));
  PetscCallAbort(PETSC_COMM_WORLD, OTH5Close(&f));
  MPI_Barrier(PETSC_COMM_WORLD);
  OT_TEST("uncommitted output leaves no file", access("t_io_discard.h5", F_OK) != 0, "t_io_discard.h5 exists");
  {
    int   ntmp = 0;
    FILE *p    = popen("ls t_io_discard.h5.tmp* 2>/dev/null | wc -l", "r");
    if (p) {
      if (fscanf(p, "%d", &ntmp) != 1) ntmp = -1;
      pclose(p);
    }
    OT_TEST("uncommitted output leaves no temporary", ntmp == 0, "%d temporaries", ntmp);
  }
  PetscCallAbort(PETSC_COMM_WORLD, PetscFree(lab));
  PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&x));
  PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
  {
    int failures = ot_test_failures;
    OTFinalize();
    return failures ? 1 : 0;
  }
}
