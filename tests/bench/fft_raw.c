/* fft_raw.c: the physical limit of the FFT kernel path, for the benchmarks: seconds per heat-kernel application on a 2-D
   or 3-D grid = FFTW-MPI DCT-II in place (FFTW_MPI_TRANSPOSED_OUT), one pointwise multiply, DCT-III back
   (FFTW_MPI_TRANSPOSED_IN), planned as otmpi plans (FFTW_MEASURE by default). Nothing else: no marginals, no reductions.
   Build: mpicc -O3 -march=native fft_raw.c -o fft_raw -lfftw3_mpi -lfftw3 -lm
   Run:   mpiexec -n P ./fft_raw N0,N1[,N2] REPS [estimate]      prints: seconds of the fastest of REPS applications */
#include <fftw3-mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
  ptrdiff_t n[3] = {256, 256, 1}, ln0, s0, ln1, s1, alloc;
  int       dim = 0, reps = argc > 2 ? atoi(argv[2]) : 20, rank;
  unsigned  flags = (argc > 3 && !strcmp(argv[3], "estimate")) ? FFTW_ESTIMATE : FFTW_MEASURE;
  char     *s = argc > 1 ? argv[1] : "256,256";
  double   *a, t, tmax;
  fftw_plan f, b;

  MPI_Init(&argc, &argv);
  fftw_mpi_init();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (char *tok = strtok(s, ","); tok && dim < 3; tok = strtok(NULL, ",")) n[dim++] = atol(tok);
  if (dim == 3) alloc = fftw_mpi_local_size_3d_transposed(n[0], n[1], n[2], MPI_COMM_WORLD, &ln0, &s0, &ln1, &s1);
  else alloc = fftw_mpi_local_size_2d_transposed(n[0], n[1], MPI_COMM_WORLD, &ln0, &s0, &ln1, &s1);
  a = fftw_alloc_real((size_t)alloc);
  if (dim == 3) {
    f = fftw_mpi_plan_r2r_3d(n[0], n[1], n[2], a, a, MPI_COMM_WORLD, FFTW_REDFT10, FFTW_REDFT10, FFTW_REDFT10, flags | FFTW_MPI_TRANSPOSED_OUT);
    b = fftw_mpi_plan_r2r_3d(n[0], n[1], n[2], a, a, MPI_COMM_WORLD, FFTW_REDFT01, FFTW_REDFT01, FFTW_REDFT01, flags | FFTW_MPI_TRANSPOSED_IN);
  } else {
    f = fftw_mpi_plan_r2r_2d(n[0], n[1], a, a, MPI_COMM_WORLD, FFTW_REDFT10, FFTW_REDFT10, flags | FFTW_MPI_TRANSPOSED_OUT);
    b = fftw_mpi_plan_r2r_2d(n[0], n[1], a, a, MPI_COMM_WORLD, FFTW_REDFT01, FFTW_REDFT01, flags | FFTW_MPI_TRANSPOSED_IN);
  }
  for (ptrdiff_t i = 0; i < alloc; i++) a[i] = 1.0 + (double)(i % 7);
  fftw_execute(f); /* warm up */
  fftw_execute(b);
  MPI_Barrier(MPI_COMM_WORLD);
    /* the fastest application (each timed on its own, ranks synchronised): robust to other jobs on a shared node */
  tmax = 1e300;
  for (int r = 0; r < reps; r++) {
    double tr;
    MPI_Barrier(MPI_COMM_WORLD);
    t = MPI_Wtime();
    fftw_execute(f);
    for (ptrdiff_t i = 0; i < ln1 * n[0] * n[2]; i++) a[i] *= 0.999 / (8.0 * (double)(n[0] * n[1] * n[2]));
    fftw_execute(b);
    t = MPI_Wtime() - t;
    MPI_Allreduce(&t, &tr, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (tr < tmax) tmax = tr;
  }
  if (!rank) printf("%.6e\n", tmax);
  fftw_destroy_plan(f);
  fftw_destroy_plan(b);
  fftw_free(a);
  MPI_Finalize();
  return 0;
}
