/* t_grid.c: unit tests of OTGrid and fields: FFTW slab layout, refusal of empty ranks, 64-bit sizes, deterministic sums,
   memory refusal. Run at 1, 2 and 4 ranks. */
#include "test.h"
#include <fftw3-mpi.h>

int main(int argc, char **argv)
{
  PetscMPIInt size, rank;

  if (OTInitialize(&argc, &argv, NULL)) return 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);

  /* layout = FFTW's, for 1-D (as n x 1), 2-D and 3-D, including n0 not divisible by the rank count */
  {
    ptrdiff_t shapes[3][3] = {{13, 1, 1}, {11, 6, 1}, {10, 7, 5}};
    for (PetscInt d = 1; d <= 3; d++) {
      OTGrid            g;
      const OTGridInfo *gi;
      ptrdiff_t         ln0, s0, a;
      double           *f, s, want;
      char              name[64];
      PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, d, shapes[d - 1], &g));
      PetscCallAbort(PETSC_COMM_WORLD, OTGridSetUp(g));
      PetscCallAbort(PETSC_COMM_WORLD, OTGridGetInfo(g, &gi));
      if (d == 3)
        a = fftw_mpi_local_size_3d(gi->n[0], gi->n[1], gi->n[2], PETSC_COMM_WORLD, &ln0, &s0);
      else
        a = fftw_mpi_local_size_2d(gi->n[0], gi->n[1], PETSC_COMM_WORLD, &ln0, &s0);
      snprintf(name, sizeof name, "grid %dd slab = FFTW slab", (int) d);
      {
        int good = ln0 == gi->local_n0 && s0 == gi->start0 && gi->alloc >= a && gi->alloc >= gi->nlocal, all;
        MPI_Allreduce(&good, &all, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD);
        OT_TEST(name, all, "local_n0/start0/alloc differ from fftw_mpi_local_size");
      }
      snprintf(name, sizeof name, "grid %dd default spacing 1/max(n)", (int) d);
      OT_TEST_CLOSE(name, gi->h[0], 1.0 / (double) PetscMax(gi->n[0], PetscMax(gi->n[1], gi->n[2])), 0);
      /* sum of global indices: closed form N(N-1)/2 */
      PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &f));
      for (ptrdiff_t i = 0; i < gi->nlocal; i++) f[i] = (double) (gi->start0 * gi->plane + i);
      PetscCallAbort(PETSC_COMM_WORLD, OTFieldSum(g, f, &s));
      want = 0.5 * (double) gi->nglobal * (double) (gi->nglobal - 1);
      snprintf(name, sizeof name, "grid %dd field sum", (int) d);
      OT_TEST_CLOSE(name, s, want, 0);
      PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&f));
      PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
    }
  }

  /* plane-ordered sums: the bits of a sum of irrational numbers are those of the serial plane-by-plane sum */
  {
    ptrdiff_t         n[3] = {37, 5, 3};
    OTGrid            g;
    const OTGridInfo *gi;
    double           *f, s, serial = 0, c = 0;
    PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, 3, n, &g));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridSetUp(g));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridGetInfo(g, &gi));
    PetscCallAbort(PETSC_COMM_WORLD, OTFieldCreate(g, &f));
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) f[i] = sin(1.0 + (double) (gi->start0 * gi->plane + i));
    PetscCallAbort(PETSC_COMM_WORLD, OTFieldSum(g, f, &s));
    for (ptrdiff_t p = 0; p < n[0]; p++) {
      double acc = 0, t;
      for (ptrdiff_t j = 0; j < gi->plane; j++) acc += sin(1.0 + (double) (p * gi->plane + j));
      t = serial + acc;
      c += fabs(serial) >= fabs(acc) ? (serial - t) + acc : (acc - t) + serial;
      serial = t;
    }
    OT_TEST("sum has the same bits at every rank count", s == serial + c, "%.17g vs %.17g", s, serial + c);
    PetscCallAbort(PETSC_COMM_WORLD, OTFieldDestroy(&f));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
  }

  /* 2^31 voxels: sizes in 64 bits, nothing allocated */
  {
    ptrdiff_t         n[3] = {2048, 1024, 1024};
    OTGrid            g;
    const OTGridInfo *gi;
    int64_t           tot;
    PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, 3, n, &g));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridSetUp(g));
    PetscCallAbort(PETSC_COMM_WORLD, OTGridGetInfo(g, &gi));
    OT_TEST("2^31-voxel grid: nglobal", gi->nglobal == ((ptrdiff_t) 1 << 31), "nglobal %td", gi->nglobal);
    tot = gi->nlocal;
    MPI_Allreduce(MPI_IN_PLACE, &tot, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD);
    OT_TEST("2^31-voxel grid: slabs add up", tot == ((int64_t) 1 << 31), "sum of nlocal %lld", (long long) tot);
    {
      double         bytes;
      PetscErrorCode ierr;
      PetscCallAbort(PETSC_COMM_WORLD, OTFieldBytes(g, 4, &bytes));
      OT_TEST_CLOSE("2^31-voxel grid: 4 fields bytes per rank", bytes, 4.0 * 8.0 * (double) gi->alloc, 0);
      PetscCallAbort(PETSC_COMM_WORLD, PetscOptionsSetValue(NULL, "-memory_limit", "1GiB"));
      PetscCallAbort(PETSC_COMM_WORLD, PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = OTMemoryCheck(PETSC_COMM_WORLD, bytes, "test");
      PetscCallAbort(PETSC_COMM_WORLD, PetscPopErrorHandler());
      PetscCallAbort(PETSC_COMM_WORLD, PetscOptionsClearValue(NULL, "-memory_limit"));
      OT_TEST("memory check refuses 64 GiB with -memory_limit 1GiB", ierr == PETSC_ERR_MEM, "error code %d", (int) ierr);
    }
    PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
  }

  /* rank counts that leave a rank without planes are refused (3 planes on 4 ranks), with the largest usable count */
  {
    ptrdiff_t      n[2] = {3, 8};
    OTGrid         g;
    PetscErrorCode ierr;
    PetscMPIInt    pmax;
    PetscCallAbort(PETSC_COMM_WORLD, OTGridMaxRanks(2, n, 4, &pmax));
    OT_TEST("max ranks for 3 planes is 3", pmax == 3, "got %d", (int) pmax);
    {
      ptrdiff_t n9[1] = {9};
      PetscCallAbort(PETSC_COMM_WORLD, OTGridMaxRanks(1, n9, 4, &pmax));
      OT_TEST("max ranks for 9 planes at 4 is 3 (slabs 3,3,3,0)", pmax == 3, "got %d", (int) pmax);
    }
    PetscCallAbort(PETSC_COMM_WORLD, OTGridCreate(PETSC_COMM_WORLD, 2, n, &g));
    PetscCallAbort(PETSC_COMM_WORLD, PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = OTGridSetUp(g);
    PetscCallAbort(PETSC_COMM_WORLD, PetscPopErrorHandler());
    OT_TEST("3 planes: refused exactly when ranks > 3", (ierr != 0) == (size > 3), "ierr %d at %d ranks", (int) ierr, (int) size);
    PetscCallAbort(PETSC_COMM_WORLD, OTGridDestroy(&g));
  }
  {
    int failures = ot_test_failures;
    OTFinalize();
    return failures ? 1 : 0;
  }
}
