/* exchange.c: OTPlaneExchange, the communication pattern that brings given planes of a slab-distributed array to the rank
   that needs them: halos of the banded kernel (any width, mirror or periodic images), the padded kernel's redistribution.
   The pattern is built once (one all-to-all of counts and of plane lists) and executed with point-to-point messages. */
#include "kernelimpl.h"

struct _OTPlaneExchange {
  MPI_Comm     comm;
  PetscMPIInt  rank, size;
  ptrdiff_t    plane, src_start, src_count, nneed;
  ptrdiff_t   *need;
  PetscMPIInt *owner;
  /* receives: nr ranks, the positions (in need[]) of the planes each sends, in order */
  PetscMPIInt nr, *rrank;
  ptrdiff_t  *rfirst, *rpos;
  /* sends: ns ranks, the local plane indices each wants, in order */
  PetscMPIInt  ns, *srank;
  ptrdiff_t   *sfirst, *splane;
  double      *sbuf, *rbuf;
  MPI_Datatype ptype;
  MPI_Request *req;
};

PetscErrorCode OTPlaneExchangeCreate(MPI_Comm comm, const ptrdiff_t starts[], const ptrdiff_t counts[], ptrdiff_t plane, ptrdiff_t nneed,
                                     const ptrdiff_t need[], OTPlaneExchange *ex)
{
  OTPlaneExchange e;
  int            *scnt, *rcnt, *sdsp, *rdsp;
  int64_t        *slist, *rlist;
  ptrdiff_t       nrecv = 0, nsend = 0;

  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  e->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &e->rank));
  PetscCallMPI(MPI_Comm_size(comm, &e->size));
  e->plane     = plane;
  e->src_start = starts[e->rank];
  e->src_count = counts[e->rank];
  e->nneed     = nneed;
  PetscCall(PetscMalloc2(nneed + 1, &e->need, nneed + 1, &e->owner));
  PetscCall(PetscCalloc4(e->size, &scnt, e->size, &rcnt, e->size + 1, &sdsp, e->size + 1, &rdsp));
  for (ptrdiff_t k = 0; k < nneed; k++) {
    PetscMPIInt q = -1;
    e->need[k]    = need[k];
    for (PetscMPIInt r = 0; r < e->size; r++)
      if (need[k] >= starts[r] && need[k] < starts[r] + counts[r]) q = r;
    PetscCheck(q >= 0, comm, PETSC_ERR_PLIB, "plane %td has no owner", need[k]);
    e->owner[k] = q;
    if (q != e->rank) rcnt[q]++;
  }
  /* tell every owner which of its planes this rank needs */
  PetscCallMPI(MPI_Alltoall(rcnt, 1, MPI_INT, scnt, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < e->size; r++) {
    rdsp[r + 1] = rdsp[r] + rcnt[r];
    sdsp[r + 1] = sdsp[r] + scnt[r];
  }
  nrecv = rdsp[e->size];
  nsend = sdsp[e->size];
  PetscCall(PetscMalloc2(nrecv + 1, &rlist, nsend + 1, &slist));
  PetscCall(PetscMalloc1(nrecv + 1, &e->rpos));
  {
    int *fill;
    PetscCall(PetscCalloc1(e->size, &fill));
    for (ptrdiff_t k = 0; k < nneed; k++) {
      PetscMPIInt q = e->owner[k];
      if (q == e->rank) continue;
      rlist[rdsp[q] + fill[q]]   = need[k];
      e->rpos[rdsp[q] + fill[q]] = k;
      fill[q]++;
    }
    PetscCall(PetscFree(fill));
  }
  PetscCallMPI(MPI_Alltoallv(rlist, rcnt, rdsp, MPI_INT64_T, slist, scnt, sdsp, MPI_INT64_T, comm));
  PetscCall(PetscMalloc2(e->size, &e->rrank, e->size + 1, &e->rfirst));
  PetscCall(PetscMalloc2(e->size, &e->srank, e->size + 1, &e->sfirst));
  PetscCall(PetscMalloc1(nsend + 1, &e->splane));
  e->rfirst[0] = e->sfirst[0] = 0;
  for (PetscMPIInt r = 0; r < e->size; r++) {
    if (rcnt[r]) {
      e->rrank[e->nr]      = r;
      e->rfirst[e->nr + 1] = e->rfirst[e->nr] + rcnt[r];
      e->nr++;
    }
    if (scnt[r]) {
      e->srank[e->ns]      = r;
      e->sfirst[e->ns + 1] = e->sfirst[e->ns] + scnt[r];
      e->ns++;
    }
  }
  for (ptrdiff_t k = 0; k < nsend; k++) {
    e->splane[k] = slist[k] - e->src_start;
    PetscCheck(e->splane[k] >= 0 && e->splane[k] < e->src_count, PETSC_COMM_SELF, PETSC_ERR_PLIB, "plane request out of range");
  }
  PetscCall(PetscFree2(rlist, slist));
  PetscCall(PetscFree4(scnt, rcnt, sdsp, rdsp));
  PetscCheck(plane < PETSC_MPI_INT_MAX, comm, PETSC_ERR_SUP, "planes of %td values are too large for one MPI message", plane);
  PetscCallMPI(MPI_Type_contiguous((int) plane, MPI_DOUBLE, &e->ptype));
  PetscCallMPI(MPI_Type_commit(&e->ptype));
  PetscCall(PetscMalloc1((size_t) (nsend * plane) + 1, &e->sbuf));
  PetscCall(PetscMalloc1((size_t) (nrecv * plane) + 1, &e->rbuf));
  PetscCall(PetscMalloc1(e->nr + e->ns + 1, &e->req));
  *ex = e;
  PetscFunctionReturn(0);
}

PetscErrorCode OTPlaneExchangeExecute(OTPlaneExchange e, const double *src, double *recv)
{
  const size_t bytes = sizeof(double) * (size_t) e->plane;
  PetscMPIInt  nreq  = 0;

  PetscFunctionBegin;
  for (PetscMPIInt r = 0; r < e->nr; r++) {
    ptrdiff_t off = e->rfirst[r];
    PetscCallMPI(MPI_Irecv(e->rbuf + off * e->plane, (int) (e->rfirst[r + 1] - off), e->ptype, e->rrank[r], 7301, e->comm, &e->req[nreq++]));
  }
  for (PetscMPIInt s = 0; s < e->ns; s++) {
    for (ptrdiff_t k = e->sfirst[s]; k < e->sfirst[s + 1]; k++) memcpy(e->sbuf + k * e->plane, src + e->splane[k] * e->plane, bytes);
    PetscCallMPI(MPI_Isend(e->sbuf + e->sfirst[s] * e->plane, (int) (e->sfirst[s + 1] - e->sfirst[s]), e->ptype, e->srank[s], 7301, e->comm, &e->req[nreq++]));
  }
  for (ptrdiff_t k = 0; k < e->nneed; k++)
    if (e->owner[k] == e->rank) memcpy(recv + k * e->plane, src + (e->need[k] - e->src_start) * e->plane, bytes);
  PetscCallMPI(MPI_Waitall(nreq, e->req, MPI_STATUSES_IGNORE));
  for (ptrdiff_t k = 0; k < e->rfirst[e->nr]; k++) memcpy(recv + e->rpos[k] * e->plane, e->rbuf + k * e->plane, bytes);
  PetscFunctionReturn(0);
}

PetscErrorCode OTPlaneExchangeDestroy(OTPlaneExchange *ex)
{
  OTPlaneExchange e = *ex;

  PetscFunctionBegin;
  if (!e) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Type_free(&e->ptype));
  PetscCall(PetscFree2(e->need, e->owner));
  PetscCall(PetscFree(e->rpos));
  PetscCall(PetscFree2(e->rrank, e->rfirst));
  PetscCall(PetscFree2(e->srank, e->sfirst));
  PetscCall(PetscFree(e->splane));
  PetscCall(PetscFree(e->sbuf));
  PetscCall(PetscFree(e->rbuf));
  PetscCall(PetscFree(e->req));
  PetscCall(PetscFree(e));
  *ex = NULL;
  PetscFunctionReturn(0);
}
