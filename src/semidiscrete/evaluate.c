/* evaluate.c: one evaluation of the Laguerre diagram over the distributed density. Each rank builds the cells of the
   sites lying over its slab, integrates their parts in its slab, and passes the cells that reach into other slabs to
   those ranks (which rebuild them: a cell is computed the same way on every rank). Masses, moments and costs are then
   summed over ranks; the face integrals become COO triplets of the distributed Hessian. */
#include "sdimpl.h"

PetscLogEvent SD_Cells, SD_Integrate, SD_Facets, SD_Reduce, SD_Assemble, SD_Solve, SD_Labels;

PetscErrorCode SDAccumReset(OTSD sd, SDAccum *A, PetscBool want_hessian)
{
  PetscInt m = sd->m, n = m * (sd->dim + 2);

  PetscFunctionBegin;
  if (A->m != m) {
    PetscCall(PetscFree(A->buf));
    PetscCall(PetscMalloc1(n, &A->buf));
    A->m = m;
  }
  PetscCall(PetscArrayzero(A->buf, n));
  A->mass         = A->buf;
  A->mom          = A->buf + m;
  A->cost         = A->buf + m * (1 + sd->dim);
  A->ncoo         = 0;
  A->nexp         = 0;
  A->want_hessian = want_hessian;
  PetscFunctionReturn(0);
}

PetscErrorCode SDAccumFree(SDAccum *A)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(A->buf));
  PetscCall(PetscFree3(A->ci, A->cj, A->cv));
  PetscCall(PetscFree(A->exp));
  PetscCall(PetscMemzero(A, sizeof *A));
  PetscFunctionReturn(0);
}

/* Face (i, j) with int_{face} rho / (2 |y_i - y_j|) = v: the Laplacian stencil of H = d mass / d psi. */
PetscErrorCode SDAccumAddFace(SDAccum *A, PetscInt i, PetscInt j, double v)
{
  PetscFunctionBegin;
  if (A->ncoo + 4 > A->coocap) {
    PetscInt cap = PetscMax(2 * A->coocap, 1024), *ci, *cj;
    double  *cv;
    PetscCall(PetscMalloc3(cap, &ci, cap, &cj, cap, &cv));
    PetscCall(PetscArraycpy(ci, A->ci, A->ncoo));
    PetscCall(PetscArraycpy(cj, A->cj, A->ncoo));
    PetscCall(PetscArraycpy(cv, A->cv, A->ncoo));
    PetscCall(PetscFree3(A->ci, A->cj, A->cv));
    A->ci     = ci;
    A->cj     = cj;
    A->cv     = cv;
    A->coocap = cap;
  }
  A->ci[A->ncoo] = i, A->cj[A->ncoo] = j, A->cv[A->ncoo++] = -v;
  A->ci[A->ncoo] = j, A->cj[A->ncoo] = i, A->cv[A->ncoo++] = -v;
  A->ci[A->ncoo] = i, A->cj[A->ncoo] = i, A->cv[A->ncoo++] = v;
  A->ci[A->ncoo] = j, A->cj[A->ncoo] = j, A->cv[A->ncoo++] = v;
  PetscFunctionReturn(0);
}

static PetscErrorCode AddExport(SDAccum *A, PetscInt i, ptrdiff_t pa, ptrdiff_t pb)
{
  PetscFunctionBegin;
  if (3 * (A->nexp + 1) > A->expcap) {
    A->expcap = PetscMax(2 * A->expcap, 3 * 256);
    PetscCall(PetscRealloc(sizeof(int) * (size_t) A->expcap, &A->exp));
  }
  A->exp[3 * A->nexp]     = (int) i;
  A->exp[3 * A->nexp + 1] = (int) pa;
  A->exp[3 * A->nexp + 2] = (int) pb;
  A->nexp++;
  PetscFunctionReturn(0);
}

/* The planes (axis 0) whose voxels a cell spanning [lo, hi] may touch: a cell ending on a voxel wall also counts the
   plane beyond, where its face may lie half (see GetLayers in integrate.c). */
static void CellPlanes(OTSD sd, double lo, double hi, ptrdiff_t *pa, ptrdiff_t *pb)
{
  const OTGridInfo *gi = sd->gi;
  double            t  = sd->flat_tol / gi->h[0];
  *pa                  = (ptrdiff_t) PetscFloorReal((lo - gi->origin[0]) / gi->h[0] - t);
  *pb                  = (ptrdiff_t) PetscFloorReal((hi - gi->origin[0]) / gi->h[0] + t);
  *pa                  = PetscMax(0, PetscMin(*pa, gi->n[0] - 1));
  *pb                  = PetscMax(0, PetscMin(*pb, gi->n[0] - 1));
}

static PetscErrorCode Cell(OTSD sd, PetscInt i, const double *w, PetscBool *empty, double *lo, double *hi)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SD_Cells, 0, 0, 0, 0));
  PetscCall(SDBuildCell(sd, i, w, &sd->cw, empty));
  if (!*empty) SDPieceExtent(&sd->cw, SDPiece(&sd->cw, 0), 0, lo, hi);
  PetscCall(PetscLogEventEnd(SD_Cells, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* reject_below > 0 (a trial step of the damped Newton method): the evaluation stops, with *rejected, as soon as a rank
   finds an empty cell or a cell wholly in its slab with less mass than reject_below: the step would be refused
   anyway, and such steps are the most expensive ones to evaluate (their diagrams are far from the current one). */
PetscErrorCode SDEvaluate(OTSD sd, const double *w, const double *wlo, PetscBool want_hessian, double reject_below, PetscBool *rejected)
{
  const OTGridInfo *gi   = sd->gi;
  SDAccum          *A    = &sd->acc;
  ptrdiff_t         mylo = gi->start0, myhi = gi->start0 + gi->local_n0 - 1;
  PetscMPIInt      *cnt, *dsp, ntot = 0, nmine;
  int              *all;
  double            t0  = MPI_Wtime();
  PetscBool         bad = PETSC_FALSE;

  PetscFunctionBegin;
  if (rejected) *rejected = PETSC_FALSE;
  sd->cw.ncell = sd->cw.npop = sd->cw.nclip = sd->cw.ncut = 0;
  sd->ewlo                                                = wlo;
  SDTreeSetWeights(&sd->tree, sd->y, w);
  PetscCall(SDNeighboursReset(sd, PETSC_FALSE));
  PetscCall(SDAccumReset(sd, A, want_hessian));
  /* the cells of the sites over this slab */
  for (PetscInt q = 0; q < sd->nowned; q++) {
    PetscInt  i = sd->owned[q];
    PetscBool empty;
    double    lo, hi;
    ptrdiff_t pa, pb;
    PetscBool exported;
    PetscCall(Cell(sd, i, w, &empty, &lo, &hi));
    if (empty) {
      if (reject_below > 0) {
        bad = PETSC_TRUE;
        break;
      }
      continue;
    }
    CellPlanes(sd, lo, hi, &pa, &pb);
    if (pa <= myhi && pb >= mylo) PetscCall(SDIntegrateCell(sd, i, w, &sd->cw, A));
    exported = (PetscBool) (pa < mylo || pb > myhi);
    if (exported)
      PetscCall(AddExport(A, i, pa, pb));
    else if (A->mass[i] < reject_below) {
      bad = PETSC_TRUE;
      break;
    }
  }
  /* the cells of other ranks' sites that reach into this slab (a negative count: a rank rejects the step) */
  PetscCall(PetscMalloc2(sd->size, &cnt, sd->size, &dsp));
  nmine = bad ? -1 : (PetscMPIInt) (3 * A->nexp);
  PetscCallMPI(MPI_Allgather(&nmine, 1, MPI_INT, cnt, 1, MPI_INT, sd->comm));
  for (PetscMPIInt r = 0; r < sd->size; r++) {
    if (cnt[r] < 0 && rejected) *rejected = PETSC_TRUE;
    dsp[r] = ntot;
    ntot += PetscMax(cnt[r], 0);
  }
  if (rejected && *rejected) {
    PetscCall(PetscFree2(cnt, dsp));
    sd->nbcur = 1 - sd->nbcur; /* keep the neighbour lists of the last complete evaluation */
    PetscCall(PetscInfo(NULL, "semidiscrete: step rejected after %ld cells (%.3g s): a cell is empty or below eps0\n", sd->cw.ncell, MPI_Wtime() - t0));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(ntot + 1, &all));
  PetscCallMPI(MPI_Allgatherv(A->exp, nmine, MPI_INT, all, cnt, dsp, MPI_INT, sd->comm));
  for (PetscMPIInt r = 0; r < sd->size; r++) {
    if (r == sd->rank) continue;
    for (PetscMPIInt e = dsp[r]; e < dsp[r] + cnt[r]; e += 3) {
      PetscInt  i = all[e];
      PetscBool empty;
      double    lo, hi;
      if (all[e + 1] > myhi || all[e + 2] < mylo) continue;
      PetscCall(Cell(sd, i, w, &empty, &lo, &hi));
      if (!empty) PetscCall(SDIntegrateCell(sd, i, w, &sd->cw, A));
    }
  }
  PetscCall(PetscFree(all));
  PetscCall(PetscFree2(cnt, dsp));
  PetscCall(PetscLogEventBegin(SD_Reduce, 0, 0, 0, 0));
  PetscCallMPI(MPI_Allreduce(A->buf, sd->res, (PetscMPIInt) (sd->m * (sd->dim + 2)), MPI_DOUBLE, MPI_SUM, sd->comm));
  PetscCall(PetscLogEventEnd(SD_Reduce, 0, 0, 0, 0));
  PetscCall(PetscInfo(NULL, "semidiscrete: evaluation %.3g s: %ld cells (%ld exported), per cell %.3g nodes, %.3g clips, %.3g cuts\n", MPI_Wtime() - t0,
                      sd->cw.ncell, (long) A->nexp, (double) sd->cw.npop / PetscMax(1, sd->cw.ncell), (double) sd->cw.nclip / PetscMax(1, sd->cw.ncell),
                      (double) sd->cw.ncut / PetscMax(1, sd->cw.ncell)));
  PetscFunctionReturn(0);
}

/* ||mass - nu||_2, max_i |mass_i - nu_i| / nu_i and min_i mass_i, from the replicated masses (same bits on every rank). */
PetscErrorCode SDMassStats(OTSD sd, double *gnorm, double *err, double *mmin)
{
  double g2 = 0, e = 0, mn = PETSC_MAX_REAL;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < sd->m; i++) {
    double g = sd->mass[i] - sd->nu[i];
    g2 += g * g;
    e  = PetscMax(e, PetscAbsReal(g) / sd->nu[i]);
    mn = PetscMin(mn, sd->mass[i]);
  }
  *gnorm = PetscSqrtReal(g2);
  *err   = e;
  *mmin  = mn;
  PetscFunctionReturn(0);
}

/* H = d mass / d psi from the last evaluation's faces: a distributed AIJ matrix filled from COO triplets (entries of
   off-process rows are sent to their owners and repeated entries added). H is a weighted graph Laplacian: its kernel
   holds the constants. pin: the Newton matrix instead, with the last site's row and column replaced by the identity
   (its weight change fixed to 0), symmetric positive definite when the cells are connected; then no null space is
   needed, and no AMG coarse grid or direct solver meets a singular matrix. Otherwise the constant null space is
   attached. */
PetscErrorCode SDAssembleHessian(OTSD sd, PetscBool pin, Mat *H)
{
  SDAccum  *A    = &sd->acc;
  PetscInt  mloc = PETSC_DECIDE, m = sd->m, start = 0, n = 0, last = pin ? sd->m - 1 : -1;
  PetscInt *ci, *cj;
  double   *cv;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SD_Assemble, 0, 0, 0, 0));
  PetscCall(PetscSplitOwnership(sd->comm, &mloc, &m));
  PetscCallMPI(MPI_Exscan(&mloc, &start, 1, MPIU_INT, MPI_SUM, sd->comm));
  if (!sd->rank) start = 0;
  PetscCall(PetscMalloc3(A->ncoo + mloc, &ci, A->ncoo + mloc, &cj, A->ncoo + mloc, &cv));
  for (PetscInt e = 0; e < A->ncoo; e++) {
    if (A->ci[e] == last || A->cj[e] == last) continue;
    ci[n]   = A->ci[e];
    cj[n]   = A->cj[e];
    cv[n++] = A->cv[e];
  }
  /* every owned row gets its diagonal, even a row without faces */
  for (PetscInt r = start; r < start + mloc; r++) {
    ci[n] = cj[n] = r;
    cv[n++]       = r == last ? 1 : 0;
  }
  PetscCall(MatCreate(sd->comm, H));
  PetscCall(MatSetSizes(*H, mloc, mloc, m, m));
  PetscCall(MatSetType(*H, MATAIJ));
  PetscCall(MatSetPreallocationCOO(*H, n, ci, cj));
  PetscCall(MatSetValuesCOO(*H, cv, ADD_VALUES));
  PetscCall(PetscFree3(ci, cj, cv));
  PetscCall(MatSetOption(*H, MAT_SYMMETRIC, PETSC_TRUE));
  if (!pin) {
    MatNullSpace nsp;
    PetscCall(MatNullSpaceCreate(sd->comm, PETSC_TRUE, 0, NULL, &nsp));
    PetscCall(MatSetNullSpace(*H, nsp));
    PetscCall(MatNullSpaceDestroy(&nsp));
  }
  PetscCall(PetscLogEventEnd(SD_Assemble, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
