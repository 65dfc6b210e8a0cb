/* gen.c: `otmpi gen`, synthetic densities (gaussian, ball, shell, box, uniform; several blobs with -center c1,...,ck)
   and point clouds (uniform, gaussian or lattice points with masses), identical files at every rank count. */
#include "commands.h"
#include <math.h>

typedef enum { SHAPE_GAUSSIAN, SHAPE_BALL, SHAPE_SHELL, SHAPE_BOX, SHAPE_UNIFORM, SHAPE_POINTS } Shape;
static const char *const ShapeNames[] = {"gaussian", "ball", "shell", "box", "uniform", "points", "Shape", "SHAPE_", NULL};

#define MAXBLOBS 64

typedef struct {
  Shape     shape;
  PetscInt  dim, nblob;
  ptrdiff_t n[3];
  double    h[3], origin[3], center[MAXBLOBS][3], sigma[3], radius[3], thickness, mass, floor;
} GenCtx;

/* Value of blob b at point x (before normalisation). */
static double BlobValue(const GenCtx *c, PetscInt b, const double x[])
{
  double r2 = 0, q = 0;
  int    inbox = 1;

  for (PetscInt k = 0; k < c->dim; k++) {
    double d = x[k] - c->center[b][k];
    q += d * d / (2 * c->sigma[k] * c->sigma[k]);
    r2 += d * d;
    if (fabs(d) > c->radius[k]) inbox = 0;
  }
  switch (c->shape) {
  case SHAPE_GAUSSIAN: return exp(-q);
  case SHAPE_BALL: return sqrt(r2) <= c->radius[0] ? 1.0 : 0.0;
  case SHAPE_SHELL: return (sqrt(r2) <= c->radius[0] && sqrt(r2) >= c->radius[0] - c->thickness) ? 1.0 : 0.0;
  case SHAPE_BOX: return inbox ? 1.0 : 0.0;
  default: return 1.0;
  }
}

/* Each blob is normalised to mass/nblob on its own, then the optional constant floor is added (mass stays `mass`). */
static PetscErrorCode GenDensity(OTGrid g, const GenCtx *c, double *f)
{
  const OTGridInfo *gi;
  double           *ps, sums[MAXBLOBS + 1], scale[MAXBLOBS];
  PetscInt          nb = c->nblob;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(PetscMalloc1((gi->local_n0 + 1) * (nb + 1), &ps));
  for (int pass = 0; pass < 2; pass++) {
    for (ptrdiff_t i = 0; i < gi->local_n0; i++) {
      double acc[MAXBLOBS + 1];
      for (PetscInt b = 0; b <= nb; b++) acc[b] = 0;
      for (ptrdiff_t j = 0; j < gi->n[1]; j++)
        for (ptrdiff_t k = 0; k < gi->n[2]; k++) {
          double    x[3] = {OTGridCoord(gi, 0, gi->start0 + i), OTGridCoord(gi, 1, j), OTGridCoord(gi, 2, k)};
          ptrdiff_t id   = (i * gi->n[1] + j) * gi->n[2] + k;
          if (pass == 0)
            for (PetscInt b = 0; b < nb; b++) acc[b] += BlobValue(c, b, x);
          else {
            double v = 0;
            for (PetscInt b = 0; b < nb; b++) v += scale[b] * BlobValue(c, b, x);
            f[id] = v;
          }
        }
      for (PetscInt b = 0; b < nb; b++) ps[i * nb + b] = acc[b];
    }
    if (pass == 0) {
      PetscCall(OTGridSumPlanes(g, nb, ps, sums));
      for (PetscInt b = 0; b < nb; b++) {
        PetscCheck(sums[b] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                   "gen: %s %" PetscInt_FMT " covers no cell centre of the grid (enlarge -radius/-sigma or move -center)", ShapeNames[c->shape], b);
        scale[b] = (c->mass / (double) nb) * (1.0 - c->floor) / sums[b];
      }
    }
  }
  if (c->floor > 0)
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) f[i] += c->mass * c->floor / (double) gi->nglobal;
  PetscCall(PetscFree(ps));
  PetscFunctionReturn(0);
}

/* splitmix64: a small, portable generator; rank 0 draws every point so files do not depend on the rank count. */
static uint64_t SplitMix(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double Uniform01(uint64_t *s)
{
  return ((double) (SplitMix(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static PetscErrorCode GenPoints(const GenCtx *c, PetscInt count, const PetscInt lattice[], PetscInt nlat, const char dist[], const char pmass[], PetscInt seed,
                                double **pts, double **mass, PetscInt *m)
{
  uint64_t s   = (uint64_t) seed * 0x9E3779B97F4A7C15ULL + 1;
  double   tot = 0;

  PetscFunctionBegin;
  if (nlat) {
    *m = 1;
    for (PetscInt k = 0; k < c->dim; k++) *m *= lattice[nlat == 1 ? 0 : k];
  } else
    *m = count;
  PetscCall(PetscMalloc2(*m * c->dim, pts, *m, mass));
  for (PetscInt p = 0; p < *m; p++) {
    PetscInt rest = p;
    for (PetscInt k = c->dim - 1; k >= 0; k--) {
      double lo = c->origin[k], len = (double) c->n[k] * c->h[k], x;
      if (nlat) {
        PetscInt nk = lattice[nlat == 1 ? 0 : k], ik = rest % nk; /* last axis fastest, like the grid */
        rest /= nk;
        x = lo + (ik + 0.5) * len / (double) nk;
      } else if (!strcmp(dist, "gaussian")) {
        /* Box-Muller, redrawn until inside the domain */
        do {
          double u1 = Uniform01(&s), u2 = Uniform01(&s);
          x = c->center[0][k] + c->sigma[k] * sqrt(-2 * log(u1)) * cos(2 * PETSC_PI * u2);
        } while (x < lo || x > lo + len);
      } else
        x = lo + len * Uniform01(&s);
      (*pts)[p * c->dim + k] = x;
    }
    (*mass)[p] = !strcmp(pmass, "random") ? 0.5 + Uniform01(&s) : 1.0;
    tot += (*mass)[p];
  }
  for (PetscInt p = 0; p < *m; p++) (*mass)[p] *= c->mass / tot;
  PetscFunctionReturn(0);
}

/* The options of gen as given (lists with their lengths and whether they were set), before they are checked. */
typedef struct {
  PetscInt  nn, n[4], nh, no, nc, ns, nr, count, seed, lattice[3], nlat;
  double    center[3 * MAXBLOBS], sigma[3], radius[3];
  PetscBool set_h, set_o, set_c, set_s, set_r, set_n, has_png, set_lat;
  char      out[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN], dist[32], pmass[32];
  PetscEnum shape;
} GenOptions;

static PetscErrorCode ReadOptions(GenOptions *o, GenCtx *c)
{
  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "otmpi gen: synthetic densities and point clouds", NULL);
  PetscCall(PetscOptionsEnum("-shape", "what to generate", NULL, ShapeNames, o->shape, &o->shape, NULL));
  PetscCall(PetscOptionsIntArray("-n", "cells per axis (1, 2 or 3 values; for points: the domain)", NULL, o->n, &o->nn, &o->set_n));
  PetscCall(PetscOptionsRealArray("-spacing", "cell size per axis (default 1/max(n))", NULL, c->h, &o->nh, &o->set_h));
  PetscCall(PetscOptionsRealArray("-origin", "lower corner per axis", NULL, c->origin, &o->no, &o->set_o));
  PetscCall(PetscOptionsRealArray("-center", "blob centre(s), d values per blob (default: domain centre)", NULL, o->center, &o->nc, &o->set_c));
  PetscCall(PetscOptionsRealArray("-sigma", "gaussian standard deviation (1 or d values)", NULL, o->sigma, &o->ns, &o->set_s));
  PetscCall(PetscOptionsRealArray("-radius", "ball/shell radius, box half-width (1 or d values)", NULL, o->radius, &o->nr, &o->set_r));
  PetscCall(PetscOptionsReal("-thickness", "shell thickness (default radius/4)", NULL, c->thickness, &c->thickness, NULL));
  PetscCall(PetscOptionsReal("-mass", "total mass", NULL, c->mass, &c->mass, NULL));
  PetscCall(PetscOptionsReal("-floor", "fraction of the mass spread uniformly over the grid (strictly positive densities)", NULL, c->floor, &c->floor, NULL));
  PetscCall(PetscOptionsInt("-count", "points: number of random points", NULL, o->count, &o->count, NULL));
  PetscCall(PetscOptionsIntArray("-lattice", "points: a regular lattice, points per axis (1 or d values) instead of random points", NULL, o->lattice, &o->nlat,
                                 &o->set_lat));
  PetscCall(PetscOptionsString("-distribution", "points: uniform (in the domain) or gaussian (-center, -sigma)", NULL, o->dist, o->dist, sizeof o->dist, NULL));
  PetscCall(PetscOptionsString("-point_mass", "points: uniform or random masses (normalised to -mass)", NULL, o->pmass, o->pmass, sizeof o->pmass, NULL));
  PetscCall(PetscOptionsInt("-seed", "points: random seed", NULL, o->seed, &o->seed, NULL));
  PetscCall(OTDriverOutputOptions(PetscOptionsObject, "output file (HDF5)", o->out, sizeof o->out, o->png, sizeof o->png, &o->has_png));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* Checks the grid and shape options and fills the context: dimension, cells, spacing, widths, blob centres. */
static PetscErrorCode SetUpShape(GenOptions *o, GenCtx *c)
{
  /* an option given with no value (e.g. -n "") is an empty list, not the default */
  const char *lists[] = {"-n", "-spacing", "-origin", "-center", "-sigma", "-radius", "-lattice"};
  PetscBool   sets[]  = {o->set_n, o->set_h, o->set_o, o->set_c, o->set_s, o->set_r, o->set_lat};
  PetscInt    nn;
  ptrdiff_t   m;

  PetscFunctionBegin;
  c->shape = (Shape) o->shape;
  for (int i = 0; i < 7; i++) {
    PetscBool present;
    PetscCall(PetscOptionsHasName(NULL, NULL, lists[i], &present));
    PetscCheck(!present || sets[i], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s: empty list", lists[i]);
  }
  if (!o->set_n) o->nn = 2; /* the default -n 64,64 */
  nn = c->dim = o->nn;
  PetscCheck(nn >= 1 && nn <= 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n needs 1, 2 or 3 values, not %" PetscInt_FMT, nn);
  for (PetscInt k = 0; k < 3; k++) c->n[k] = k < nn ? o->n[k] : 1;
  for (PetscInt k = 0; k < nn; k++)
    PetscCheck(o->n[k] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n: axis %" PetscInt_FMT " has %" PetscInt_FMT " cells", k, o->n[k]);
  PetscCheck(!o->set_h || o->nh == nn, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-spacing needs %" PetscInt_FMT " values", nn);
  PetscCheck(!o->set_o || o->no == nn, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-origin needs %" PetscInt_FMT " values", nn);
  PetscCheck(!o->set_c || (o->nc > 0 && o->nc % nn == 0 && o->nc / nn <= MAXBLOBS), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "-center needs d = %" PetscInt_FMT " values per blob", nn);
  PetscCheck(!o->set_s || o->ns == 1 || o->ns == nn, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-sigma needs 1 or %" PetscInt_FMT " values", nn);
  PetscCheck(!o->set_r || o->nr == 1 || o->nr == nn, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-radius needs 1 or %" PetscInt_FMT " values", nn);
  PetscCheck(c->mass > 0 && isfinite(c->mass), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-mass must be positive, not %g", c->mass);
  PetscCheck(c->floor >= 0 && c->floor < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-floor must be in [0, 1)");
  m = PetscMax(c->n[0], PetscMax(c->n[1], c->n[2]));
  for (PetscInt k = 0; k < nn; k++)
    if (!o->set_h)
      c->h[k] = 1.0 / (double) m;
    else
      PetscCheck(c->h[k] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-spacing must be positive");
  for (PetscInt k = 0; k < nn; k++) {
    c->sigma[k]  = o->sigma[o->ns == 1 ? 0 : k];
    c->radius[k] = o->radius[o->nr == 1 ? 0 : k];
    PetscCheck(c->sigma[k] > 0 && c->radius[k] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-sigma and -radius must be positive");
  }
  if (c->thickness < 0) c->thickness = c->radius[0] / 4;
  c->nblob = o->set_c ? o->nc / nn : 1;
  for (PetscInt b = 0; b < c->nblob; b++)
    for (PetscInt k = 0; k < nn; k++) c->center[b][k] = o->set_c ? o->center[b * nn + k] : c->origin[k] + 0.5 * (double) c->n[k] * c->h[k];
  PetscFunctionReturn(0);
}

/* -shape points: /points (m, d) and /mass (m), written by rank 0. */
static PetscErrorCode WritePoints(GenOptions *o, GenCtx *c, double t0)
{
  double     *pts = NULL, *mass = NULL;
  PetscInt    m = 0, nn = c->dim;
  PetscMPIInt rank;
  OTH5        f;
  ptrdiff_t   gd[2], st[2] = {0, 0}, ct[2];

  PetscFunctionBegin;
  PetscCheck(!o->set_lat || o->nlat == 1 || o->nlat == nn, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-lattice needs 1 or %" PetscInt_FMT " values", nn);
  for (PetscInt k = 0; o->set_lat && k < o->nlat; k++)
    PetscCheck(o->lattice[k] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-lattice values must be positive");
  PetscCheck(o->set_lat || o->count > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-count must be positive");
  PetscCheck(!strcmp(o->dist, "uniform") || !strcmp(o->dist, "gaussian"), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-distribution is uniform or gaussian, not %s",
             o->dist);
  PetscCheck(!strcmp(o->pmass, "uniform") || !strcmp(o->pmass, "random"), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-point_mass is uniform or random, not %s",
             o->pmass);
  PetscCall(OTMemoryCheck(PETSC_COMM_WORLD, (double) (o->set_lat ? 1 : o->count) * (nn + 1) * sizeof(double), "gen points"));
  PetscCall(GenPoints(c, o->count, o->lattice, o->set_lat ? o->nlat : 0, o->dist, o->pmass, o->seed, &pts, &mass, &m));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  gd[0] = m;
  gd[1] = nn;
  ct[0] = rank ? 0 : m;
  ct[1] = nn;
  PetscCall(OTH5Create(PETSC_COMM_WORLD, o->out, &f));
  PetscCall(OTH5WriteArray(f, "/points", OT_DOUBLE, 2, gd, st, ct, pts));
  PetscCall(OTH5WriteArray(f, "/mass", OT_DOUBLE, 1, gd, st, ct, mass));
  PetscCall(OTH5Commit(&f));
  PetscCall(PetscFree2(pts, mass));
  PetscCall(OTPrintf(PETSC_COMM_WORLD, "gen: wrote %s: %" PetscInt_FMT " points in %" PetscInt_FMT "-D, mass %g (%.3g s)\n", o->out, m, nn, c->mass,
                     MPI_Wtime() - t0));
  PetscFunctionReturn(0);
}

/* A density on the grid (memory checked first), its file, and its PNG with -png. */
static PetscErrorCode WriteDensity(GenOptions *o, GenCtx *c, double t0)
{
  OTGrid g;
  double bytes, mass, *f;
  char   shape[96];

  PetscFunctionBegin;
  PetscCall(OTGridCreate(PETSC_COMM_WORLD, c->dim, c->n, &g));
  PetscCall(OTGridSetGeometry(g, c->h, c->origin));
  PetscCall(OTGridSetUp(g));
  PetscCall(OTFieldBytes(g, 1, &bytes));
  PetscCall(OTMemoryCheck(PETSC_COMM_WORLD, bytes, "gen"));
  PetscCall(OTFieldCreate(g, &f));
  PetscCall(GenDensity(g, c, f));
  PetscCall(OTDensityWrite(g, f, o->out, NULL));
  if (o->has_png) PetscCall(OTPngWriteField(g, f, o->png, OT_CMAP_VIRIDIS));
  PetscCall(OTFieldSum(g, f, &mass));
  PetscCall(OTGridShapeString(g, shape, sizeof shape));
  PetscCall(OTPrintf(PETSC_COMM_WORLD, "gen: wrote %s: %s %s, mass %.15g (%.3g s)\n", o->out, ShapeNames[c->shape], shape, mass, MPI_Wtime() - t0));
  PetscCall(OTFieldDestroy(&f));
  PetscCall(OTGridDestroy(&g));
  PetscFunctionReturn(0);
}

PetscErrorCode OTCommandGen(PetscInt npos, char **pos)
{
  GenCtx     c;
  GenOptions o = {.nn     = 4,
                  .n      = {64, 64, 0, 0},
                  .nh     = 3,
                  .no     = 3,
                  .nc     = 3 * MAXBLOBS,
                  .ns     = 3,
                  .nr     = 3,
                  .count  = 1000,
                  .seed   = 1,
                  .nlat   = 3,
                  .center = {0.5, 0.5, 0.5},
                  .sigma  = {0.1, 0.1, 0.1},
                  .radius = {0.25, 0.25, 0.25},
                  .dist   = "uniform",
                  .pmass  = "uniform",
                  .shape  = (PetscEnum) SHAPE_GAUSSIAN};
  PetscBool  help;
  double     t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCheck(npos == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "gen takes no positional argument ('%s'); see otmpi gen -help", pos[0]);
  PetscCall(PetscMemzero(&c, sizeof c));
  c.mass      = 1;
  c.thickness = -1;
  PetscCall(ReadOptions(&o, &c));
  PetscCall(OTDriverHelpRequested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(SetUpShape(&o, &c));
  if (c.shape == SHAPE_POINTS)
    PetscCall(WritePoints(&o, &c, t0));
  else
    PetscCall(WriteDensity(&o, &c, t0));
  PetscFunctionReturn(0);
}
