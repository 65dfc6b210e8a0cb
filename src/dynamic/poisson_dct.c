/* poisson_dct.c: the exact space-time Neumann Poisson solve by FFTW-MPI real-to-real transforms (DCT-II forward, DCT-III
   back) of rank d+1 on the (n0, ..., nt) cell grid, transposed in the middle to save two all-to-alls. The cell-centred
   Neumann Laplacian is diagonal in the DCT-II basis: eigenvalues sum_k (2 - 2 cos(pi i_k / n_k)) / h_k^2. */
#include "poisson.h"

/* The DCT solver's data: the r2r plans, the transform's rank and dimensions, the local slab, the 1-D eigenvalues */
typedef struct {
  fftw_plan fwd, bwd;
  PetscInt  rank;
  ptrdiff_t dims[4], ln1, s1;
  double   *lam[4], norm;
} DCTData;
#include <math.h>

static PetscErrorCode OTDynPoissonSetUpDCT(OTDynPoisson P)
{
  DCTData      *d;
  OTSpaceTime  *st = P->st;
  ptrdiff_t     ln0, s0;
  fftw_r2r_kind kf[4], kb[4];
  unsigned      flags = FFTW_ESTIMATE;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  P->data = d;
  d->rank = st->d + 1;
  for (PetscInt k = 0; k < st->d; k++) d->dims[k] = st->n[k];
  d->dims[st->d] = st->nt;
  P->alloc       = fftw_mpi_local_size_transposed(d->rank, d->dims, st->comm, &ln0, &s0, &d->ln1, &d->s1);
  {
    int ok = ln0 == st->ln0 && s0 == st->s0, all;
    PetscCallMPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, st->comm));
    PetscCheck(all, st->comm, PETSC_ERR_PLIB, "FFTW-MPI splits the space-time grid differently from the density grid");
  }
  P->work = fftw_alloc_real((size_t) PetscMax(PetscMax(P->alloc, st->ncell), 1));
  PetscCheck(P->work, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate the DCT work array (%td doubles)", P->alloc);
  memset(P->work, 0, sizeof(double) * (size_t) PetscMax(PetscMax(P->alloc, st->ncell), 1));
  if (P->measure) flags = FFTW_MEASURE;
  for (PetscInt k = 0; k < d->rank; k++) {
    kf[k] = FFTW_REDFT10;
    kb[k] = FFTW_REDFT01;
  }
  d->fwd = fftw_mpi_plan_r2r(d->rank, d->dims, P->work, P->work, st->comm, kf, flags | FFTW_MPI_TRANSPOSED_OUT);
  d->bwd = fftw_mpi_plan_r2r(d->rank, d->dims, P->work, P->work, st->comm, kb, flags | FFTW_MPI_TRANSPOSED_IN);
  PetscCheck(d->fwd && d->bwd, st->comm, PETSC_ERR_LIB, "FFTW-MPI could not plan the space-time DCT");
  d->norm = 1;
  for (PetscInt k = 0; k < d->rank; k++) {
    double hk = k < st->d ? st->h[k] : st->dt;
    d->norm *= 2.0 * (double) d->dims[k];
    PetscCall(PetscMalloc1(d->dims[k], &d->lam[k]));
    for (ptrdiff_t i = 0; i < d->dims[k]; i++) d->lam[k][i] = (2.0 - 2.0 * cos(PETSC_PI * (double) i / (double) d->dims[k])) / (hk * hk);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode OTDynPoissonSolveDCT(OTDynPoisson P, double *p)
{
  DCTData     *d  = (DCTData *) P->data;
  OTSpaceTime *st = P->st;
  double      *w  = P->work;
  ptrdiff_t    n0 = d->dims[0], inner = 1;

  PetscFunctionBegin;
  fftw_mpi_execute_r2r(d->fwd, w, w);
  for (PetscInt k = 2; k < d->rank; k++) inner *= d->dims[k];
  /* transposed layout: (local rows of dims[1]) x dims[0] x dims[2] x dims[3] */
  for (ptrdiff_t a = 0; a < d->ln1; a++) {
    double la = d->lam[1][d->s1 + a] + P->shift;
    for (ptrdiff_t b = 0; b < n0; b++) {
      double  lb = la + d->lam[0][b];
      double *x  = w + (a * n0 + b) * inner;
      if (d->rank == 2)
        x[0] *= 1.0 / (d->norm * lb);
      else if (d->rank == 3) {
        const double *l2 = d->lam[2];
        for (ptrdiff_t c = 0; c < d->dims[2]; c++) x[c] *= 1.0 / (d->norm * (lb + l2[c]));
      } else {
        const double *l2 = d->lam[2], *l3 = d->lam[3];
        ptrdiff_t     n3 = d->dims[3];
        for (ptrdiff_t c = 0; c < d->dims[2]; c++) {
          double  lc = lb + l2[c];
          double *y  = x + c * n3;
          for (ptrdiff_t e = 0; e < n3; e++) y[e] *= 1.0 / (d->norm * (lc + l3[e]));
        }
      }
    }
  }
  /* the constant mode is the null space of the pure Neumann problem: the zero-mean solution */
  if (P->shift == 0 && d->s1 == 0 && d->ln1 > 0) w[0] = 0;
  fftw_mpi_execute_r2r(d->bwd, w, w);
  PetscCall(PetscArraycpy(p, w, st->ncell));
  PetscFunctionReturn(0);
}

static PetscErrorCode OTDynPoissonDestroyDCT(OTDynPoisson P)
{
  DCTData *d = (DCTData *) P->data;
  PetscFunctionBegin;
  if (d->fwd) fftw_destroy_plan(d->fwd);
  if (d->bwd) fftw_destroy_plan(d->bwd);
  if (P->work) fftw_free(P->work);
  for (PetscInt k = 0; k < 4; k++) PetscCall(PetscFree(d->lam[k]));
  PetscCall(PetscFree(P->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode View(OTDynPoisson P, PetscViewer v)
{
  DCTData *d = (DCTData *) P->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "Poisson: DCT-II/III (FFTW-MPI r2r, rank %" PetscInt_FMT ", transposed), %" PetscInt_FMT " solves, %.3g s\n", d->rank,
                                   P->nsolve, P->time));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynPoissonCreate_DCT(OTDynPoisson P)
{
  PetscFunctionBegin;
  P->ops = (OTDynPoissonOps){OTDynPoissonSetUpDCT, OTDynPoissonSolveDCT, View, OTDynPoissonDestroyDCT};
  PetscFunctionReturn(0);
}
