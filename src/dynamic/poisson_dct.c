/* poisson_dct.c: the exact space-time Neumann Poisson solve by FFTW-MPI real-to-real transforms (DCT-II forward, DCT-III
   back) of rank d+1 on the (n0, ..., nt) cell grid, transposed in the middle to save two all-to-alls. The cell-centred
   Neumann Laplacian is diagonal in the DCT-II basis: eigenvalues sum_k (2 - 2 cos(pi i_k / n_k)) / h_k^2. */
#include "poisson.h"
#include <math.h>

PetscErrorCode OTDynPoissonSetUpDCT(OTDynPoisson P)
{
  OTSpaceTime  *st = P->st;
  ptrdiff_t     ln0, s0;
  fftw_r2r_kind kf[4], kb[4];
  unsigned      flags = FFTW_ESTIMATE;

  PetscFunctionBegin;
  P->rank = st->d + 1;
  for (PetscInt k = 0; k < st->d; k++) P->dims[k] = st->n[k];
  P->dims[st->d] = st->nt;
  P->alloc       = fftw_mpi_local_size_transposed(P->rank, P->dims, st->comm, &ln0, &s0, &P->ln1, &P->s1);
  {
    int ok = ln0 == st->ln0 && s0 == st->s0, all;
    PetscCallMPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, st->comm));
    PetscCheck(all, st->comm, PETSC_ERR_PLIB, "FFTW-MPI splits the space-time grid differently from the density grid");
  }
  P->work = fftw_alloc_real((size_t) PetscMax(PetscMax(P->alloc, st->ncell), 1));
  PetscCheck(P->work, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate the DCT work array (%td doubles)", P->alloc);
  memset(P->work, 0, sizeof(double) * (size_t) PetscMax(PetscMax(P->alloc, st->ncell), 1));
  if (P->measure) flags = FFTW_MEASURE;
  for (PetscInt k = 0; k < P->rank; k++) {
    kf[k] = FFTW_REDFT10;
    kb[k] = FFTW_REDFT01;
  }
  P->fwd = fftw_mpi_plan_r2r(P->rank, P->dims, P->work, P->work, st->comm, kf, flags | FFTW_MPI_TRANSPOSED_OUT);
  P->bwd = fftw_mpi_plan_r2r(P->rank, P->dims, P->work, P->work, st->comm, kb, flags | FFTW_MPI_TRANSPOSED_IN);
  PetscCheck(P->fwd && P->bwd, st->comm, PETSC_ERR_LIB, "FFTW-MPI could not plan the space-time DCT");
  P->norm = 1;
  for (PetscInt k = 0; k < P->rank; k++) {
    double hk = k < st->d ? st->h[k] : st->dt;
    P->norm *= 2.0 * (double) P->dims[k];
    PetscCall(PetscMalloc1(P->dims[k], &P->lam[k]));
    for (ptrdiff_t i = 0; i < P->dims[k]; i++) P->lam[k][i] = (2.0 - 2.0 * cos(PETSC_PI * (double) i / (double) P->dims[k])) / (hk * hk);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonSolveDCT(OTDynPoisson P, double *p)
{
  OTSpaceTime *st = P->st;
  double      *w  = P->work;
  ptrdiff_t    n0 = P->dims[0], inner = 1;

  PetscFunctionBegin;
  fftw_mpi_execute_r2r(P->fwd, w, w);
  for (PetscInt k = 2; k < P->rank; k++) inner *= P->dims[k];
  /* transposed layout: (local rows of dims[1]) x dims[0] x dims[2] x dims[3] */
  for (ptrdiff_t a = 0; a < P->ln1; a++) {
    double la = P->lam[1][P->s1 + a] + P->shift;
    for (ptrdiff_t b = 0; b < n0; b++) {
      double  lb = la + P->lam[0][b];
      double *x  = w + (a * n0 + b) * inner;
      if (P->rank == 2)
        x[0] *= 1.0 / (P->norm * lb);
      else if (P->rank == 3) {
        const double *l2 = P->lam[2];
        for (ptrdiff_t c = 0; c < P->dims[2]; c++) x[c] *= 1.0 / (P->norm * (lb + l2[c]));
      } else {
        const double *l2 = P->lam[2], *l3 = P->lam[3];
        ptrdiff_t     n3 = P->dims[3];
        for (ptrdiff_t c = 0; c < P->dims[2]; c++) {
          double  lc = lb + l2[c];
          double *y  = x + c * n3;
          for (ptrdiff_t e = 0; e < n3; e++) y[e] *= 1.0 / (P->norm * (lc + l3[e]));
        }
      }
    }
  }
  /* the constant mode is the null space of the pure Neumann problem: the zero-mean solution */
  if (P->shift == 0 && P->s1 == 0 && P->ln1 > 0) w[0] = 0;
  fftw_mpi_execute_r2r(P->bwd, w, w);
  PetscCall(PetscArraycpy(p, w, st->ncell));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonDestroyDCT(OTDynPoisson P)
{
  PetscFunctionBegin;
  if (P->fwd) fftw_destroy_plan(P->fwd);
  if (P->bwd) fftw_destroy_plan(P->bwd);
  if (P->work) fftw_free(P->work);
  for (PetscInt k = 0; k < 4; k++) PetscCall(PetscFree(P->lam[k]));
  PetscFunctionReturn(0);
}
