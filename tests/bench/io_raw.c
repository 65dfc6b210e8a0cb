/* io_raw.c: the POSIX floor of the I/O benchmark (tests/bench/io.sh): each of P ranks writes its contiguous slab of a
   BYTES-byte file from a filled array (pwrite, 1 MiB calls), then the file's pages may be dropped by the caller, and
   each rank reads its slab back into a fresh array (pread). What an HDF5 field write/read cannot beat: the same bytes,
   the same slabs, no library in between.
   usage: mpiexec -n P io_raw FILE BYTES write|read   (prints seconds, slowest rank) */
#include <mpi.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  int    rank, size, fd;
  size_t total, mine, off = 0, chunk = (size_t) 1 << 20;
  double t, tmax, *a, s              = 0;

  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 4) MPI_Abort(MPI_COMM_WORLD, 2);
  total = strtoull(argv[2], NULL, 10);
  mine  = total / (size_t) size;
  a     = malloc(mine);
  if (!a) MPI_Abort(MPI_COMM_WORLD, 1);
  if (!strcmp(argv[3], "write"))
    for (size_t i = 0; i < mine / sizeof(double); i++) a[i] = 1.0 / (double) (i + 1); /* a filled field, as a solver has */
  fd = open(argv[1], strcmp(argv[3], "write") ? O_RDONLY : O_WRONLY | O_CREAT, 0644);
  if (fd < 0) MPI_Abort(MPI_COMM_WORLD, 1);
  MPI_Barrier(MPI_COMM_WORLD);
  t = MPI_Wtime();
  while (off < mine) {
    size_t  n = mine - off < chunk ? mine - off : chunk;
    ssize_t r =
        strcmp(argv[3], "write") ? pread(fd, (char *) a + off, n, (off_t) (rank * mine + off)) : pwrite(fd, (char *) a + off, n, (off_t) (rank * mine + off));
    if (r <= 0) MPI_Abort(MPI_COMM_WORLD, 1);
    off += (size_t) r;
  }
  t = MPI_Wtime() - t;
  s = a[mine / sizeof(double) - 1]; /* the read is used */
  MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (!rank) printf("%.6f\n", tmax + 0 * s);
  close(fd);
  free(a);
  MPI_Finalize();
  return 0;
}
