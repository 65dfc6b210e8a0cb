/* dynio.c: the files of the dynamic solver: the geodesic (/rho at t = k/nt, /momentum at the mid-times) with its XDMF
   time series and attributes, PNG frames, and checkpoints (the method's state, readable at any rank count). */
#include "dynimpl.h"
#include <math.h>

PetscErrorCode OTDynamicGetFrame(OTDynamic dyn, PetscInt k, double *field)
{
  OTSpaceTime *st = &dyn->st;

  PetscFunctionBegin;
  PetscCheck(dyn->path, st->comm, PETSC_ERR_ORDER, "OTDynamicSolve() first");
  PetscCheck(k >= 0 && k <= st->nt, st->comm, PETSC_ERR_ARG_OUTOFRANGE, "frame %" PetscInt_FMT " is not in [0, %" PetscInt_FMT "]", k, st->nt);
  for (ptrdiff_t s = 0; s < st->ns; s++) field[s] = dyn->path->c[0][s * (st->nt + 1) + k] * st->hvol;
  PetscFunctionReturn(0);
}

/* Writes a time-major dataset (frames, n0, ..., [ncomp]) from the rank's slab. */
static PetscErrorCode WriteFrames(OTDynamic dyn, OTH5 f, const char name[], PetscInt frames, PetscInt ncomp, const double *buf)
{
  OTSpaceTime *st = &dyn->st;
  ptrdiff_t    gd[5], start[5], count[5];
  PetscInt     r = 0;

  PetscFunctionBegin;
  gd[r]      = frames;
  start[r]   = 0;
  count[r++] = frames;
  for (PetscInt k = 0; k < st->d; k++) {
    gd[r]      = st->n[k];
    start[r]   = k ? 0 : st->s0;
    count[r++] = k ? st->n[k] : st->ln0;
  }
  if (ncomp > 1) {
    gd[r]      = ncomp;
    start[r]   = 0;
    count[r++] = ncomp;
  }
  PetscCall(OTH5WriteArray(f, name, OT_DOUBLE, r, gd, start, count, buf));
  PetscCall(OTH5WriteAttribute(f, name, "spacing", OT_DOUBLE, st->d, st->gi->h));
  PetscCall(OTH5WriteAttribute(f, name, "origin", OT_DOUBLE, st->d, st->gi->origin));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicWrite(OTDynamic dyn, OTH5 f)
{
  OTSpaceTime     *st = &dyn->st;
  ptrdiff_t        nt = st->nt, ns = st->ns;
  double          *buf;
  OTDynamicResult *r = &dyn->res;

  PetscFunctionBegin;
  PetscCheck(dyn->path, st->comm, PETSC_ERR_ORDER, "OTDynamicSolve() first");
  PetscCall(PetscMalloc1((nt + 1) * ns * PetscMax(st->d, 1) + 1, &buf));
  for (ptrdiff_t j = 0; j <= nt; j++)
    for (ptrdiff_t s = 0; s < ns; s++) buf[j * ns + s] = dyn->path->c[0][s * (nt + 1) + j] * st->hvol;
  PetscCall(WriteFrames(dyn, f, "/rho", (PetscInt) nt + 1, 1, buf));
  PetscCall(OTH5WriteAttribute(f, "/rho", "time", OT_DOUBLE, 1, (double[]){0.0}));
  /* the momentum lives at the cell centres and mid-times: I(path) */
  PetscCall(OTDynInterp(st, dyn->path, &dyn->TV));
  for (ptrdiff_t j = 0; j < nt; j++)
    for (ptrdiff_t s = 0; s < ns; s++)
      for (PetscInt k = 0; k < st->d; k++) buf[(j * ns + s) * st->d + k] = dyn->TV.c[1 + k][s * nt + j] * st->hvol;
  PetscCall(WriteFrames(dyn, f, "/momentum", (PetscInt) nt, st->d, buf));
  if (st->wfr) {
    for (ptrdiff_t j = 0; j < nt; j++)
      for (ptrdiff_t s = 0; s < ns; s++) buf[j * ns + s] = dyn->TV.c[st->d + 1][s * nt + j] * st->hvol / dyn->delta;
    PetscCall(WriteFrames(dyn, f, "/source", (PetscInt) nt, 1, buf));
  }
  PetscCall(PetscFree(buf));
  {
    int iters = (int) r->iterations, conv = r->converged ? 1 : 0, ntv = (int) nt;
    PetscCall(OTH5WriteAttribute(f, "/", "w2_squared", OT_DOUBLE, 1, &r->w2_squared));
    PetscCall(OTH5WriteAttribute(f, "/", "w2_squared_path", OT_DOUBLE, 1, &r->w2_squared_path));
    PetscCall(OTH5WriteAttribute(f, "/", "iterations", OT_INT32, 1, &iters));
    PetscCall(OTH5WriteAttribute(f, "/", "residual", OT_DOUBLE, 1, &r->primal_residual));
    PetscCall(OTH5WriteAttribute(f, "/", "primal_residual", OT_DOUBLE, 1, &r->primal_residual));
    PetscCall(OTH5WriteAttribute(f, "/", "dual_residual", OT_DOUBLE, 1, &r->dual_residual));
    PetscCall(OTH5WriteAttribute(f, "/", "tol", OT_DOUBLE, 1, &dyn->core->tol));
    PetscCall(OTSolverWriteResults(dyn->core, f));
    PetscCall(OTH5WriteAttribute(f, "/", "converged", OT_INT32, 1, &conv));
    PetscCall(OTH5WriteAttribute(f, "/", "nt", OT_INT32, 1, &ntv));
    PetscCall(OTH5WriteAttribute(f, "/", "rho_min", OT_DOUBLE, 1, &r->rho_min));
    PetscCall(OTH5WriteAttribute(f, "/", "mass_a", OT_DOUBLE, 1, &r->mass[0]));
    PetscCall(OTH5WriteAttribute(f, "/", "mass_b", OT_DOUBLE, 1, &r->mass[1]));
    PetscCall(OTH5WriteAttributeString(f, "/", "dyn_type", dyn->type));
    {
      int ps = (int) r->poisson_solves, ki = (int) r->ksp_iterations;
      PetscCall(OTH5WriteAttribute(f, "/", "solve_time", OT_DOUBLE, 1, &r->total_time));
      PetscCall(OTH5WriteAttribute(f, "/", "poisson_time", OT_DOUBLE, 1, &r->poisson_time));
      PetscCall(OTH5WriteAttribute(f, "/", "poisson_solves", OT_INT32, 1, &ps));
      PetscCall(OTH5WriteAttribute(f, "/", "ksp_iterations", OT_INT32, 1, &ki));
      PetscCall(OTH5WriteAttribute(f, "/", "memory_peak", OT_DOUBLE, 1, &r->memory_peak));
    }
    PetscCall(OTH5WriteAttributeString(f, "/", "poisson", dyn->ptype));
    if (st->wfr) {
      PetscCall(OTH5WriteAttribute(f, "/", "rho_fr", OT_DOUBLE, 1, &dyn->delta));
      PetscCall(OTH5WriteAttribute(f, "/", "wfr_squared", OT_DOUBLE, 1, &r->w2_squared));
      PetscCall(OTH5WriteAttribute(f, "/", "transport_part", OT_DOUBLE, 1, &r->transport_part));
      PetscCall(OTH5WriteAttribute(f, "/", "source_part", OT_DOUBLE, 1, &r->source_part));
    }
  }
  PetscCall(OTH5XdmfAddTimeSeries(f, st->grid, "/rho", 1, (PetscInt) nt + 1, 0.0, 1.0 / (double) nt));
  PetscCall(OTH5XdmfAddTimeSeries(f, st->grid, "/momentum", st->d, (PetscInt) nt, 0.5 / (double) nt, 1.0 / (double) nt));
  PetscFunctionReturn(0);
}

/* nframes PNG frames at t = round(i nt / (nframes - 1)) / nt, named BASE_tK.png (BASE = path without .png). */
PetscErrorCode OTDynamicWritePNG(OTDynamic dyn, const char path[], PetscInt nframes)
{
  OTSpaceTime *st = &dyn->st;
  double      *field;
  char         base[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN + 32];
  size_t       len  = strlen(path);
  int          wdig = (int) floor(log10((double) st->nt)) + 1;
  PetscInt     last = -1;

  PetscFunctionBegin;
  PetscCheck(nframes >= 1, st->comm, PETSC_ERR_ARG_OUTOFRANGE, "-png_frames must be at least 1");
  snprintf(base, sizeof base, "%.*s", (int) (len > 4 && !strcmp(path + len - 4, ".png") ? len - 4 : len), path);
  PetscCall(OTFieldCreate(st->grid, &field));
  for (PetscInt i = 0; i < nframes; i++) {
    PetscInt k = nframes == 1 ? st->nt / 2 : (PetscInt) lround((double) i * (double) st->nt / (double) (nframes - 1));
    if (k == last) continue;
    last = k;
    PetscCall(OTDynamicGetFrame(dyn, k, field));
    {
      char suffix[32];
      snprintf(suffix, sizeof suffix, "_t%0*d.png", PetscMin(wdig, 9), (int) k);
      PetscCall(PetscStrncpy(name, base, sizeof name));
      PetscCall(PetscStrlcat(name, suffix, sizeof name));
    }
    PetscCall(OTPngWriteField(st->grid, field, name, OT_CMAP_VIRIDIS));
  }
  PetscCall(OTFieldDestroy(&field));
  PetscFunctionReturn(0);
}

/* The state of every method is the pairs (U, V) and (Z, ZV) and the potential p; stored as (spatial cells, time values)
   datasets, so that any rank count reads them back. */
static const char *const StateNames[] = {"U", "V", "Z", "ZV"};

static PetscErrorCode StateVecs(OTDynamic dyn, OTDynVec *v[4])
{
  PetscFunctionBegin;
  v[0] = &dyn->U;
  v[1] = &dyn->V;
  v[2] = &dyn->Z;
  v[3] = &dyn->ZV;
  PetscFunctionReturn(0);
}

typedef struct {
  int    nt, dim, n[3];
  double delta, pd[3], dr[2], alg2_r, res[2], mass[2], moments[8];
} CheckpointHeader;

static void FillHeader(OTDynamic dyn, CheckpointHeader *h)
{
  OTSpaceTime *st = &dyn->st;
  memset(h, 0, sizeof *h);
  h->nt  = (int) st->nt;
  h->dim = (int) st->d;
  for (int k = 0; k < 3; k++) h->n[k] = (int) st->n[k];
  h->delta  = dyn->delta;
  h->pd[0]  = dyn->pd_tau;
  h->pd[1]  = dyn->pd_sigma;
  h->pd[2]  = dyn->pd_alpha;
  h->dr[0]  = dyn->dr_gamma;
  h->dr[1]  = dyn->dr_alpha;
  h->alg2_r = dyn->alg2_r;
  h->res[0] = dyn->res.primal_residual;
  h->res[1] = dyn->res.dual_residual;
  for (int k = 0; k < 2; k++) {
    h->mass[k] = dyn->mass[k];
    for (int a = 0; a < 4; a++) h->moments[4 * k + a] = dyn->moments[k][a];
  }
}

PetscErrorCode OTDynamicCheckpointWrite(void *ctx, OTH5 f)
{
  OTDynamic        dyn = (OTDynamic) ctx;
  OTSpaceTime     *st  = &dyn->st;
  OTDynVec        *v[4];
  CheckpointHeader h;
  char             name[64];
  ptrdiff_t        gd[2], start[2], count[2];

  PetscFunctionBegin;
  PetscCall(StateVecs(dyn, v));
  FillHeader(dyn, &h);
  for (int i = 0; i < 4; i++)
    for (PetscInt c = 0; c < st->nc; c++) {
      ptrdiff_t len = (v[i]->stag && c == 0) ? st->nt + 1 : st->nt;
      gd[0]         = st->gi->nglobal;
      gd[1]         = len;
      start[0]      = st->s0 * st->plane;
      start[1]      = 0;
      count[0]      = st->ns;
      count[1]      = len;
      snprintf(name, sizeof name, "/state/%s/%d", StateNames[i], (int) c);
      PetscCall(OTH5WriteArray(f, name, OT_DOUBLE, 2, gd, start, count, v[i]->c[c]));
    }
  gd[1]    = st->nt;
  count[1] = st->nt;
  PetscCall(OTH5WriteArray(f, "/state/p", OT_DOUBLE, 2, gd, start, count, dyn->p));
  PetscCall(OTH5WriteAttributeString(f, "/", "dyn_type", dyn->type));
  PetscCall(OTH5WriteAttribute(f, "/", "nt", OT_INT32, 1, &h.nt));
  PetscCall(OTH5WriteAttribute(f, "/", "dim", OT_INT32, 1, &h.dim));
  PetscCall(OTH5WriteAttribute(f, "/", "shape", OT_INT32, 3, h.n));
  PetscCall(OTH5WriteAttribute(f, "/", "rho_fr", OT_DOUBLE, 1, &h.delta));
  PetscCall(OTH5WriteAttribute(f, "/", "pd_steps", OT_DOUBLE, 3, h.pd));
  PetscCall(OTH5WriteAttribute(f, "/", "dr_steps", OT_DOUBLE, 2, h.dr));
  PetscCall(OTH5WriteAttribute(f, "/", "alg2_r", OT_DOUBLE, 1, &h.alg2_r));
  PetscCall(OTH5WriteAttribute(f, "/", "residuals", OT_DOUBLE, 2, h.res));
  PetscCall(OTH5WriteAttribute(f, "/", "input_mass", OT_DOUBLE, 2, h.mass));
  PetscCall(OTH5WriteAttribute(f, "/", "input_moments", OT_DOUBLE, 8, h.moments));
  PetscFunctionReturn(0);
}

/* The settings a restart must share (method, time cells, Fisher-Rao scale: one helper names a mismatch), the grid and
   the inputs' fingerprint; the header of the checkpoint into h. */
static PetscErrorCode MatchSettings(OTDynamic dyn, OTH5 f, const char path[], const CheckpointHeader *mine, CheckpointHeader *h)
{
  MPI_Comm comm = dyn->st.comm;

  PetscFunctionBegin;
  PetscCall(OTCheckpointMatchString(comm, f, path, "dynamic", "dyn_type", "-dyn_type", dyn->type));
  PetscCall(OTCheckpointMatchInt(comm, f, path, "dynamic", "nt", "-nt", mine->nt));
  PetscCall(OTCheckpointMatchReal(comm, f, path, "dynamic", "rho_fr", "-rho_fr", mine->delta));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "dim", OT_INT32, 1, &h->dim));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "shape", OT_INT32, 3, h->n));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "pd_steps", OT_DOUBLE, 3, h->pd));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "dr_steps", OT_DOUBLE, 2, h->dr));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "alg2_r", OT_DOUBLE, 1, &h->alg2_r));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "residuals", OT_DOUBLE, 2, h->res));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "input_mass", OT_DOUBLE, 2, h->mass));
  PetscCall(OTCheckpointReadAttribute(comm, f, path, "dynamic", "input_moments", OT_DOUBLE, 8, h->moments));
  PetscCheck(h->dim == mine->dim && h->n[0] == mine->n[0] && h->n[1] == mine->n[1] && h->n[2] == mine->n[2], comm, OT_ERR_INPUT,
             "-restart %s: the checkpoint is for a %dx%dx%d grid, the inputs are %dx%dx%d", path, h->n[0], h->n[1], h->n[2], mine->n[0], mine->n[1],
             mine->n[2]);
  for (int k = 0; k < 2; k++) {
    PetscCheck(PetscAbsReal(h->mass[k] - mine->mass[k]) <= 1e-12 * PetscAbsReal(mine->mass[k]), comm, OT_ERR_INPUT,
               "-restart %s: input %s differs from the run that wrote the checkpoint (mass %.15g vs %.15g)", path, k ? "-b" : "-a", mine->mass[k], h->mass[k]);
    for (int a = 0; a < 4; a++)
      PetscCheck(PetscAbsReal(h->moments[4 * k + a] - mine->moments[4 * k + a]) <= 1e-10 * (1 + PetscAbsReal(mine->moments[4 * k + a])), comm, OT_ERR_INPUT,
                 "-restart %s: input %s differs from the run that wrote the checkpoint (moments)", path, k ? "-b" : "-a");
  }
  PetscFunctionReturn(0);
}

/* Restores the state written by OTDynamicCheckpointWrite, after checking that it belongs to this problem. */
PetscErrorCode OTDynamicCheckpointRead(void *ctx, OTH5 f, const char path[])
{
  OTDynamic        dyn  = (OTDynamic) ctx;
  OTSpaceTime     *st   = &dyn->st;
  MPI_Comm         comm = st->comm;
  OTDynVec        *v[4];
  CheckpointHeader h, mine;
  char             name[64];
  ptrdiff_t        start[2], count[2], dims[8];
  PetscInt         rank;

  PetscFunctionBegin;
  PetscCall(StateVecs(dyn, v));
  FillHeader(dyn, &mine);
  PetscCall(MatchSettings(dyn, f, path, &mine, &h));
  for (int i = 0; i < 4; i++)
    for (PetscInt c = 0; c < st->nc; c++) {
      ptrdiff_t len = (v[i]->stag && c == 0) ? st->nt + 1 : st->nt;
      snprintf(name, sizeof name, "/state/%s/%d", StateNames[i], (int) c);
      PetscCall(OTH5GetShape(f, name, &rank, dims));
      PetscCheck(rank == 2 && dims[0] == st->gi->nglobal && dims[1] == len, comm, OT_ERR_INPUT, "-restart %s: %s has the wrong shape", path, name);
      start[0] = st->s0 * st->plane;
      start[1] = 0;
      count[0] = st->ns;
      count[1] = len;
      PetscCall(OTH5ReadArray(f, name, OT_DOUBLE, 2, start, count, v[i]->c[c]));
    }
  count[1] = st->nt;
  PetscCall(OTH5ReadArray(f, "/state/p", OT_DOUBLE, 2, start, count, dyn->p));
  dyn->it                  = dyn->core->itotal; /* the checkpoint's iteration, read by the core */
  dyn->pd_tau              = h.pd[0];
  dyn->pd_sigma            = h.pd[1];
  dyn->pd_alpha            = h.pd[2];
  dyn->dr_gamma            = h.dr[0];
  dyn->dr_alpha            = h.dr[1];
  dyn->alg2_r              = h.alg2_r;
  dyn->res.primal_residual = h.res[0];
  dyn->res.dual_residual   = h.res[1];
  PetscFunctionReturn(0);
}
