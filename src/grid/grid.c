/* grid.c: OTGrid, the slab-decomposed cell grid that every solver shares; its layout is FFTW-MPI's so fields can be
   transformed in place, and a DMDA with the same ownership is available for PETSc solvers. */
#include <otmpi/otgrid.h>
#include <otmpi/otlog.h>
#include <fftw3-mpi.h>

struct _p_OTGrid {
  MPI_Comm   comm;
  OTGridInfo info;
  ptrdiff_t *starts, *counts; /* plane ranges of every rank */
  char       name[PETSC_MAX_PATH_LEN];
  PetscBool  setup, geometry;
};

PetscErrorCode OTGridCreate(MPI_Comm comm, PetscInt dim, const ptrdiff_t n[], OTGrid *grid)
{
  OTGrid g;

  PetscFunctionBegin;
  PetscCheck(dim >= 1 && dim <= 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "grids have 1, 2 or 3 axes, not %" PetscInt_FMT, dim);
  PetscCall(PetscNew(&g));
  g->comm     = comm;
  g->info.dim = dim;
  for (PetscInt k = 0; k < 3; k++) {
    g->info.n[k]      = k < dim ? n[k] : 1;
    g->info.origin[k] = 0;
    PetscCheck(g->info.n[k] >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "axis %" PetscInt_FMT " has %td cells; every axis needs at least one", k, g->info.n[k]);
  }
  /* the documented default spacing: 1 / max(n) on every axis, so the longest axis spans [0, 1] */
  {
    ptrdiff_t m = PetscMax(g->info.n[0], PetscMax(g->info.n[1], g->info.n[2]));
    for (PetscInt k = 0; k < 3; k++) g->info.h[k] = 1.0 / (double) m;
  }
  PetscCallMPI(MPI_Comm_rank(comm, &g->info.rank));
  PetscCallMPI(MPI_Comm_size(comm, &g->info.size));
  *grid = g;
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridSetGeometry(OTGrid g, const double h[], const double origin[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < g->info.dim; k++) {
    if (h) {
      PetscCheck(h[k] > 0 && PetscIsNormalReal(h[k]), g->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "spacing of axis %" PetscInt_FMT " must be positive and finite, not %g", k, h[k]);
      g->info.h[k] = h[k];
    }
    if (origin) {
      PetscCheck(PetscIsInfOrNanReal(origin[k]) == PETSC_FALSE, g->comm, PETSC_ERR_ARG_OUTOFRANGE, "origin of axis %" PetscInt_FMT " is not finite", k);
      g->info.origin[k] = origin[k];
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridSetName(OTGrid g, const char name[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(g->name, name, sizeof g->name));
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridGetName(OTGrid g, const char **name)
{
  PetscFunctionBegin;
  *name = g->name;
  PetscFunctionReturn(0);
}

/* FFTW-MPI's slab split of n0 planes over P ranks: blocks of ceil(n0/P), so trailing ranks may get none. The largest
   P' <= P that leaves no rank empty is what we suggest when P is refused. */
PetscErrorCode OTGridMaxRanks(PetscInt dim, const ptrdiff_t n[], PetscMPIInt P, PetscMPIInt *pmax)
{
  PetscFunctionBegin;
  (void) dim;
  *pmax = 1;
  for (PetscMPIInt p = PetscMin(P, (PetscMPIInt) PetscMin(n[0], (ptrdiff_t) PETSC_MPI_INT_MAX)); p >= 1; p--) {
    ptrdiff_t b = (n[0] + p - 1) / p;
    if ((n[0] + b - 1) / b == p) {
      *pmax = p;
      break;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridSetUp(OTGrid g)
{
  OTGridInfo *gi = &g->info;
  ptrdiff_t   ln0, s0, ln1, s1, a;
  int         overflow = 0;

  PetscFunctionBegin;
  if (g->setup) PetscFunctionReturn(0);
  /* 64-bit voxel counts; refuse shapes whose product would overflow ptrdiff_t */
  gi->plane = gi->n[1] * gi->n[2];
  if (gi->n[1] && gi->n[2] > PTRDIFF_MAX / gi->n[1]) overflow = 1;
  if (!overflow && gi->plane && gi->n[0] > PTRDIFF_MAX / 8 / gi->plane) overflow = 1;
  PetscCheck(!overflow, g->comm, PETSC_ERR_ARG_OUTOFRANGE, "grid %td x %td x %td is too large to index", gi->n[0], gi->n[1], gi->n[2]);
  gi->nglobal = gi->n[0] * gi->plane;
  if (gi->dim == 3)
    a = fftw_mpi_local_size_3d_transposed(gi->n[0], gi->n[1], gi->n[2], g->comm, &ln0, &s0, &ln1, &s1);
  else
    a = fftw_mpi_local_size_2d_transposed(gi->n[0], gi->n[1], g->comm, &ln0, &s0, &ln1, &s1); /* 1-D is n0 x 1 */
  {
    PetscMPIInt pmax;
    ptrdiff_t   mn = ln0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_INT64_T, MPI_MIN, g->comm));
    PetscCall(OTGridMaxRanks(gi->dim, gi->n, gi->size, &pmax));
    PetscCheck(mn > 0, g->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "too many ranks for the grid: %d ranks cannot share the %td planes of axis 0 (FFTW-MPI slabs of %td planes leave the last rank empty); use at "
               "most %d ranks",
               (int) gi->size, gi->n[0], (gi->n[0] + gi->size - 1) / gi->size, (int) pmax);
  }
  gi->local_n0 = ln0;
  gi->start0   = s0;
  gi->local_n1 = ln1;
  gi->start1   = s1;
  gi->nlocal   = ln0 * gi->plane;
  gi->alloc    = PetscMax(a, PetscMax(gi->nlocal, (ptrdiff_t) 1));
  PetscCall(PetscMalloc2(gi->size, &g->starts, gi->size, &g->counts));
  PetscCallMPI(MPI_Allgather(&s0, 1, MPI_INT64_T, g->starts, 1, MPI_INT64_T, g->comm));
  PetscCallMPI(MPI_Allgather(&ln0, 1, MPI_INT64_T, g->counts, 1, MPI_INT64_T, g->comm));
  g->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridGetInfo(OTGrid g, const OTGridInfo **info)
{
  PetscFunctionBegin;
  PetscCheck(g->setup, g->comm, PETSC_ERR_ORDER, "call OTGridSetUp() first");
  *info = &g->info;
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridGetComm(OTGrid g, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = g->comm;
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridGetRanges(OTGrid g, const ptrdiff_t **starts, const ptrdiff_t **counts)
{
  PetscFunctionBegin;
  if (starts) *starts = g->starts;
  if (counts) *counts = g->counts;
  PetscFunctionReturn(0);
}

/* The same shape and geometry on another communicator (e.g. the ranks of one barycenter group). */
PetscErrorCode OTGridDuplicate(OTGrid g, MPI_Comm comm, OTGrid *dup)
{
  PetscFunctionBegin;
  PetscCall(OTGridCreate(comm, g->info.dim, g->info.n, dup));
  PetscCall(OTGridSetGeometry(*dup, g->info.h, g->info.origin));
  PetscCall(OTGridSetName(*dup, g->name));
  PetscCall(OTGridSetUp(*dup));
  PetscFunctionReturn(0);
}

/* A DMDA whose ownership is the grid's slabs (PETSc's default split differs from FFTW's), x = the fastest axis. */
PetscErrorCode OTGridCreateDMDA(OTGrid g, PetscInt dof, PetscInt sw, DM *da)
{
  const OTGridInfo *gi = &g->info;
  PetscInt         *own;

  PetscFunctionBegin;
  PetscCheck(gi->nglobal * dof < PETSC_MAX_INT, g->comm, PETSC_ERR_SUP, "a PETSc DMDA with 32-bit PetscInt cannot hold %td values", gi->nglobal * dof);
  PetscCall(PetscMalloc1(gi->size, &own));
  for (PetscMPIInt r = 0; r < gi->size; r++) own[r] = (PetscInt) g->counts[r];
  if (gi->dim == 1)
    PetscCall(DMDACreate1d(g->comm, DM_BOUNDARY_NONE, (PetscInt) gi->n[0], dof, sw, own, da));
  else if (gi->dim == 2)
    PetscCall(DMDACreate2d(g->comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, (PetscInt) gi->n[1], (PetscInt) gi->n[0], 1, gi->size, dof, sw, NULL,
                           own, da));
  else
    PetscCall(DMDACreate3d(g->comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, (PetscInt) gi->n[2], (PetscInt) gi->n[1],
                           (PetscInt) gi->n[0], 1, 1, gi->size, dof, sw, NULL, NULL, own, da));
  PetscCall(DMSetUp(*da));
  PetscCall(PetscFree(own));
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridShapeString(OTGrid g, char s[], size_t len)
{
  PetscFunctionBegin;
  if (g->info.dim == 1)
    snprintf(s, len, "%td", g->info.n[0]);
  else if (g->info.dim == 2)
    snprintf(s, len, "%tdx%td", g->info.n[0], g->info.n[1]);
  else
    snprintf(s, len, "%tdx%tdx%td", g->info.n[0], g->info.n[1], g->info.n[2]);
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridView(OTGrid g, PetscViewer v)
{
  const OTGridInfo *gi = &g->info;
  char              shape[96];

  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(g->comm, &v));
  PetscCall(OTGridShapeString(g, shape, sizeof shape));
  PetscCall(PetscViewerASCIIPrintf(v, "grid %s (%" PetscInt_FMT "-D), %td cells, spacing", shape, gi->dim, gi->nglobal));
  for (PetscInt k = 0; k < gi->dim; k++) PetscCall(PetscViewerASCIIPrintf(v, " %g", gi->h[k]));
  PetscCall(PetscViewerASCIIPrintf(v, ", origin"));
  for (PetscInt k = 0; k < gi->dim; k++) PetscCall(PetscViewerASCIIPrintf(v, " %g", gi->origin[k]));
  PetscCall(PetscViewerASCIIPrintf(v, ", %d ranks x <= %td planes\n", (int) gi->size, g->counts[0]));
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridDestroy(OTGrid *g)
{
  PetscFunctionBegin;
  if (!*g) PetscFunctionReturn(0);
  if ((*g)->setup) PetscCall(PetscFree2((*g)->starts, (*g)->counts));
  PetscCall(PetscFree(*g));
  PetscFunctionReturn(0);
}

PetscErrorCode OTGridSumPlanes(OTGrid g, PetscInt nv, const double local[], double global[])
{
  const OTGridInfo *gi = &g->info;
  int              *rc, *rd;
  double           *all;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OT_GridReduce, 0, 0, 0, 0));
  PetscCheck(gi->n[0] * nv < PETSC_MPI_INT_MAX, g->comm, PETSC_ERR_SUP, "too many plane sums to gather");
  PetscCall(PetscMalloc3(gi->size, &rc, gi->size, &rd, gi->n[0] * nv, &all));
  for (PetscMPIInt r = 0; r < gi->size; r++) {
    rc[r] = (int) (g->counts[r] * nv);
    rd[r] = (int) (g->starts[r] * nv);
  }
  PetscCallMPI(MPI_Allgatherv(local, (int) (gi->local_n0 * nv), MPI_DOUBLE, all, rc, rd, MPI_DOUBLE, g->comm));
  for (PetscInt v = 0; v < nv; v++) {
    /* Neumaier's compensated sum over planes, in plane order */
    double s = 0, c = 0;
    for (ptrdiff_t i = 0; i < gi->n[0]; i++) {
      double x = all[i * nv + v], t = s + x;
      c += PetscAbsReal(s) >= PetscAbsReal(x) ? (s - t) + x : (x - t) + s;
      s = t;
    }
    global[v] = s + c;
  }
  PetscCall(PetscFree3(rc, rd, all));
  PetscCall(PetscLogEventEnd(OT_GridReduce, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
