/* walls.c: the Gibbs kernel of a domain with walls (-obstacle), in the log domain. The grid's kernel is a product of 1-D
   passes, one per axis; here each pass splits its lines at wall cells, and every segment between walls (or the domain's
   faces) gets the band of exp(-(m h)^2/gamma) with its mirror images at both ends (Neumann, as the DCT kernel at the
   domain's faces; -kernel_boundary free: no images). Transport thus never jumps a wall: it goes along axis-aligned legs
   through free cells (an entropic plan on the plain kernel would tunnel through walls thinner than its reach). The
   product K = A_{d-1} ... A_0 is not symmetric: K^T applies the passes in the reverse order.
   A segment is done by one shift (its maximum), one exp per source, the band's multiply-adds and one log per output;
   outputs whose shifted sum is too small to be certain (below e^-600: terms could have underflowed) are redone in
   chunks of 64 shifted by their own reach's maximum, and by an exact log-sum-exp where even that underflows. Axis 0 is made local by a transpose
   (MPI_Alltoallv) to whole lines over column ranges. */
#include "jkoimpl.h"

#define WALL_CERTIFY 1e-260 /* about e^-598: a shifted sum above this lost nothing to underflow that matters (< e^-145) */

/* What the passes share: the band (k(m) and log k(m) for |m| <= r per axis), the images, the axis-0 transpose. */
struct _p_OTJKOWalls {
  PetscInt       dim;
  ptrdiff_t      n[3], r[3];
  double        *k[3], *lk[3], *kf[3]; /* k(m), log k(m) for m = 0..r; kf: the whole band, m = -r..r */
  PetscBool      mirror;
  unsigned char *wall, *twall;  /* walls in the grid's layout and in the transposed one (axis-0 lines) */
  ptrdiff_t      ncols, c0, c1; /* columns (n1 n2) of the transposed layout: this rank's [c0, c1) */
  int           *scount, *sdispl, *rcount, *rdispl;
  double        *sbuf, *tbuf, *ext, *s;
};

/* position p of a segment of length L (any integer) -> the cell whose value is there: mirror images (Neumann) */
static inline ptrdiff_t Mirror(ptrdiff_t p, ptrdiff_t L)
{
  ptrdiff_t q = p % (2 * L);
  if (q < 0) q += 2 * L;
  return q < L ? q : 2 * L - 1 - q;
}

/* Exact log sum over the band of output i of a segment (the fall-back of uncertain outputs). */
static double ExactOutput(const OTJKOWalls W, PetscInt ax, const double *x, ptrdiff_t st, ptrdiff_t L, ptrdiff_t i)
{
  const ptrdiff_t r = W->r[ax];
  double          m = -INFINITY, s = 0;

  for (ptrdiff_t p = i - r; p <= i + r; p++) {
    if (!W->mirror && (p < 0 || p >= L)) continue;
    m = PetscMax(m, x[Mirror(p, L) * st] + W->lk[ax][p > i ? p - i : i - p]);
  }
  if (m == -INFINITY) return -INFINITY;
  for (ptrdiff_t p = i - r; p <= i + r; p++) {
    if (!W->mirror && (p < 0 || p >= L)) continue;
    s += exp(x[Mirror(p, L) * st] + W->lk[ax][p > i ? p - i : i - p] - m);
  }
  return m + log(s);
}

#define WALL_CHUNK 64 /* outputs redone together with their own shift */

/* Outputs [a, b) of a segment again, shifted by the largest source within their reach (the segment's maximum was too
   far above them: their shifted sums underflowed); an exact log-sum-exp where even that is too small. */
static void Redo(const OTJKOWalls W, PetscInt ax, const double *x, double *o, ptrdiff_t st, ptrdiff_t L, ptrdiff_t a, ptrdiff_t b)
{
  const ptrdiff_t r = W->r[ax];
  const double   *k = W->k[ax];
  double         *e = W->ext, M = -INFINITY;

  for (ptrdiff_t p = a - r; p < b + r; p++)
    if (W->mirror || (p >= 0 && p < L)) M = PetscMax(M, x[Mirror(p, L) * st]);
  if (M == -INFINITY) {
    for (ptrdiff_t i = a; i < b; i++) o[i * st] = -INFINITY;
    return;
  }
  for (ptrdiff_t p = a - r; p < b + r; p++) e[p - a + r] = (W->mirror || (p >= 0 && p < L)) ? exp(x[Mirror(p, L) * st] - M) : 0;
  for (ptrdiff_t i = a; i < b; i++) {
    double S = k[0] * e[i - a + r];
    for (ptrdiff_t m = 1; m <= r; m++) S += k[m] * (e[i - a + r - m] + e[i - a + r + m]);
    o[i * st] = S > WALL_CERTIFY ? M + log(S) : ExactOutput(W, ax, x, st, L, i);
  }
}

/* The r positions on each side of a segment's values ext[r, r + L): their mirror images (Neumann), or 0 (free). The
   common case, a segment at least r long, without the modulo of Mirror(). */
static inline void Pad(const OTJKOWalls W, double *ext, ptrdiff_t r, ptrdiff_t L)
{
  if (!W->mirror)
    for (ptrdiff_t q = 0; q < r; q++) ext[r - 1 - q] = ext[r + L + q] = 0;
  else if (L >= r)
    for (ptrdiff_t q = 0; q < r; q++) {
      ext[r - 1 - q] = ext[r + q];
      ext[r + L + q] = ext[r + L - 1 - q];
    }
  else
    for (ptrdiff_t q = 0; q < r; q++) {
      ext[r - 1 - q] = ext[r + Mirror(-1 - q, L)];
      ext[r + L + q] = ext[r + Mirror(L + q, L)];
    }
}

#define WALL_BLOCK 32 /* outputs whose sums stay in registers over the whole band (4 AVX-512 vectors) */

/* S[i] = sum_{m=0}^{2r} kf[m] ext[i + m] for i < L: blocks of WALL_BLOCK outputs accumulate in registers over the
   band (one load and one multiply-add per term and vector), the rest one by one. */
static inline void Band(const double *kf, ptrdiff_t r, const double *ext, double *S, ptrdiff_t L)
{
  ptrdiff_t i = 0;

  for (; i + WALL_BLOCK <= L; i += WALL_BLOCK) {
    double acc[WALL_BLOCK] = {0};
    for (ptrdiff_t m = 0; m <= 2 * r; m++) {
      const double km = kf[m], *e = ext + i + m;
      for (int u = 0; u < WALL_BLOCK; u++) acc[u] += km * e[u];
    }
    for (int u = 0; u < WALL_BLOCK; u++) S[i + u] = acc[u];
  }
  for (; i < L; i++) {
    double a = 0;
    for (ptrdiff_t m = 0; m <= 2 * r; m++) a += kf[m] * ext[i + m];
    S[i] = a;
  }
}

/* One segment of L cells (stride st) of axis ax: o = log sum_band k exp(x) with images at both ends. */
static void Segment(const OTJKOWalls W, PetscInt ax, const double *x, double *o, ptrdiff_t st, ptrdiff_t L)
{
  const ptrdiff_t r   = W->r[ax];
  double         *ext = W->ext, *S = W->s, M = -INFINITY;

  for (ptrdiff_t i = 0; i < L; i++) M = PetscMax(M, x[i * st]);
  if (M == -INFINITY) {
    for (ptrdiff_t i = 0; i < L; i++) o[i * st] = -INFINITY;
    return;
  }
  for (ptrdiff_t i = 0; i < L; i++) ext[i + r] = exp(x[i * st] - M);
  Pad(W, ext, r, L);
  Band(W->kf[ax], r, ext, S, L);
  for (ptrdiff_t i = 0; i < L;) {
    ptrdiff_t b = i;
    if (S[i] > WALL_CERTIFY) {
      o[i * st] = M + log(S[i]);
      i++;
      continue;
    }
    while (b < L && b - i < WALL_CHUNK && !(S[b] > WALL_CERTIFY)) b++;
    Redo(W, ax, x, o, st, L, i, b);
    i = b;
  }
}

/* A whole line of n cells (stride st): segments between walls; wall cells get -inf. */
static void Line(const OTJKOWalls W, PetscInt ax, const double *x, double *o, const unsigned char *wall, ptrdiff_t n, ptrdiff_t st)
{
  ptrdiff_t i = 0;

  while (i < n) {
    ptrdiff_t e = i;
    if (wall[i * st]) {
      o[i * st] = -INFINITY;
      i++;
      continue;
    }
    while (e < n && !wall[e * st]) e++;
    Segment(W, ax, x + i * st, o + i * st, st, e - i);
    i = e;
  }
}

/* The local passes (axes 1, 2): every line of the slab along axis ax. */
static void LocalPass(const OTJKOWalls W, const OTGridInfo *gi, PetscInt ax, const double *in, double *out)
{
  const ptrdiff_t n1 = gi->n[1], n2 = gi->n[2];

  for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++) {
    if (ax == 1)
      for (ptrdiff_t i2 = 0; i2 < n2; i2++) {
        const ptrdiff_t o = i0 * n1 * n2 + i2;
        Line(W, 1, in + o, out + o, W->wall + o, n1, n2);
      }
    else
      for (ptrdiff_t i1 = 0; i1 < n1; i1++) {
        const ptrdiff_t o = (i0 * n1 + i1) * n2;
        Line(W, 2, in + o, out + o, W->wall + o, n2, 1);
      }
  }
}

/* A[p][c] (np x nc, row stride lda) <-> B[c][p] (row stride ldb), in tiles that stay in cache; to_b: A to B. */
static void Tile(double *A, ptrdiff_t np, ptrdiff_t nc, ptrdiff_t lda, double *B, ptrdiff_t ldb, PetscBool to_b)
{
  const ptrdiff_t t = 16;

  for (ptrdiff_t p0 = 0; p0 < np; p0 += t)
    for (ptrdiff_t c0 = 0; c0 < nc; c0 += t)
      for (ptrdiff_t c = c0; c < PetscMin(c0 + t, nc); c++)
        for (ptrdiff_t p = p0; p < PetscMin(p0 + t, np); p++) {
          if (to_b)
            B[c * ldb + p] = A[p * lda + c];
          else
            A[p * lda + c] = B[c * ldb + p];
        }
}

/* Slabs (planes x all columns) -> whole axis-0 lines of this rank's columns, T[c][i0] */
static PetscErrorCode ToLines(const OTJKOWalls W, const OTGridInfo *gi, const ptrdiff_t *starts, const ptrdiff_t *counts, MPI_Comm comm, const double *f,
                              double *T)
{
  const ptrdiff_t nc = W->c1 - W->c0, n0 = gi->n[0], ncols = W->ncols;

  PetscFunctionBegin;
  for (PetscMPIInt s = 0, q = 0; s < gi->size; s++) { /* to rank s: my planes x its columns */
    const ptrdiff_t a = s * ncols / gi->size, b = (s + 1) * ncols / gi->size;
    for (ptrdiff_t p = 0; p < gi->local_n0; p++)
      for (ptrdiff_t c = a; c < b; c++) W->sbuf[q++] = f[p * ncols + c];
  }
  PetscCallMPI(MPI_Alltoallv(W->sbuf, W->scount, W->sdispl, MPI_DOUBLE, W->tbuf, W->rcount, W->rdispl, MPI_DOUBLE, comm));
  for (PetscMPIInt r = 0, q = 0; r < gi->size; q += counts[r] * nc, r++) /* from rank r: its planes x my columns */
    Tile(W->tbuf + q, counts[r], nc, nc, T + starts[r], n0, PETSC_TRUE);
  PetscFunctionReturn(0);
}

/* and back: lines T[c][i0] -> slabs */
static PetscErrorCode ToSlabs(const OTJKOWalls W, const OTGridInfo *gi, const ptrdiff_t *starts, const ptrdiff_t *counts, MPI_Comm comm, const double *T,
                              double *f)
{
  const ptrdiff_t nc = W->c1 - W->c0, n0 = gi->n[0], ncols = W->ncols;

  PetscFunctionBegin;
  for (PetscMPIInt r = 0, q = 0; r < gi->size; q += counts[r] * nc, r++) Tile(W->tbuf + q, counts[r], nc, nc, (double *) T + starts[r], n0, PETSC_FALSE);
  PetscCallMPI(MPI_Alltoallv(W->tbuf, W->rcount, W->rdispl, MPI_DOUBLE, W->sbuf, W->scount, W->sdispl, MPI_DOUBLE, comm));
  for (PetscMPIInt s = 0, q = 0; s < gi->size; s++) {
    const ptrdiff_t a = s * ncols / gi->size, b = (s + 1) * ncols / gi->size;
    for (ptrdiff_t p = 0; p < gi->local_n0; p++)
      for (ptrdiff_t c = a; c < b; c++) f[p * ncols + c] = W->sbuf[q++];
  }
  PetscFunctionReturn(0);
}

/* The axis-0 pass: to lines, every line of this rank's columns, back to slabs. */
static PetscErrorCode Axis0Pass(OTJKOWalls W, OTGrid g, const double *in, double *out)
{
  const OTGridInfo *gi;
  const ptrdiff_t  *starts, *counts;
  MPI_Comm          comm;
  ptrdiff_t         nc = W->c1 - W->c0, n0;
  double           *Ti, *To;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetRanges(g, &starts, &counts));
  PetscCall(OTGridGetComm(g, &comm));
  n0 = gi->n[0];
  Ti = W->tbuf + nc * n0;
  To = Ti + nc * n0;
  PetscCall(ToLines(W, gi, starts, counts, comm, in, Ti));
  for (ptrdiff_t c = 0; c < nc; c++) Line(W, 0, Ti + c * n0, To + c * n0, W->twall + c * n0, n0, 1);
  PetscCall(ToSlabs(W, gi, starts, counts, comm, To, out));
  PetscFunctionReturn(0);
}

/* out = log K exp(in) (transpose: K^T); in and out distinct; buf a field of scratch. The passes alternate between out and
   buf so that the last one writes out. */
PetscErrorCode OTJKOWallsApply(OTJKOWalls W, OTGrid g, const double *in, double *out, double *buf, PetscBool transpose)
{
  const OTGridInfo *gi;
  const double     *src = in;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (PetscInt s = 0; s < W->dim; s++) {
    const PetscInt ax  = transpose ? W->dim - 1 - s : s;
    double        *dst = (W->dim - s) % 2 ? out : buf;
    if (ax == 0)
      PetscCall(Axis0Pass(W, g, src, dst));
    else
      LocalPass(W, gi, ax, src, dst);
    src = dst;
  }
  PetscFunctionReturn(0);
}

/* The band of each axis, the column split and counts of the transpose, the walls in both layouts, the scratch; bytes
   (per rank) is what it holds, for the memory estimate made before (OTJKOWallsBytes). */
static PetscErrorCode Tables(OTJKOWalls W, const OTGridInfo *gi, double gamma)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < W->dim; k++) {
    W->r[k] = (ptrdiff_t) floor(sqrt(-log(1e-300) * gamma) / gi->h[k]);
    PetscCheck(W->r[k] <= 4 * gi->n[k], PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "-obstacle: gamma %g reaches %td cells along axis %d, beyond 4 times the grid (%td): the wall kernel is for small gamma", gamma, W->r[k],
               (int) k, gi->n[k]);
    PetscCall(PetscMalloc3(W->r[k] + 1, &W->k[k], W->r[k] + 1, &W->lk[k], 2 * W->r[k] + 1, &W->kf[k]));
    for (ptrdiff_t m = 0; m <= W->r[k]; m++) {
      W->lk[k][m]           = -((double) m * gi->h[k]) * ((double) m * gi->h[k]) / gamma;
      W->k[k][m]            = exp(W->lk[k][m]);
      W->kf[k][W->r[k] + m] = W->kf[k][W->r[k] - m] = W->k[k][m];
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Exchange(OTJKOWalls W, const OTGridInfo *gi, const ptrdiff_t *counts)
{
  const ptrdiff_t nc = W->c1 - W->c0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(gi->size, &W->scount, gi->size, &W->sdispl, gi->size, &W->rcount, gi->size, &W->rdispl));
  for (PetscMPIInt s = 0; s < gi->size; s++) {
    const ptrdiff_t a = s * W->ncols / gi->size, b = (s + 1) * W->ncols / gi->size;
    PetscCheck(gi->local_n0 * (b - a) < INT_MAX && counts[s] * nc < INT_MAX && gi->nlocal < INT_MAX && nc * gi->n[0] < INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "-obstacle: the transpose's blocks exceed MPI's int counts (use more ranks)");
    W->scount[s] = (int) (gi->local_n0 * (b - a));
    W->rcount[s] = (int) (counts[s] * nc);
    W->sdispl[s] = s ? W->sdispl[s - 1] + W->scount[s - 1] : 0;
    W->rdispl[s] = s ? W->rdispl[s - 1] + W->rcount[s - 1] : 0;
  }
  PetscFunctionReturn(0);
}

/* Bytes a rank holds for the wall kernel of this grid (before it is made). */
PetscErrorCode OTJKOWallsBytes(OTGrid g, double *bytes)
{
  const OTGridInfo *gi;
  ptrdiff_t         nc, nmax = 0;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  nc = (gi->rank + 1) * (gi->plane) / gi->size - gi->rank * gi->plane / gi->size;
  for (PetscInt k = 0; k < gi->dim; k++) nmax = PetscMax(nmax, gi->n[k]);
  *bytes = (double) (gi->nlocal + 3 * nc * gi->n[0] + 10 * nmax) * sizeof(double) + (double) (gi->nlocal + nc * gi->n[0]);
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOWallsCreate(OTGrid g, const unsigned char *wall, double gamma, PetscBool mirror, OTJKOWalls *walls)
{
  const OTGridInfo *gi;
  const ptrdiff_t  *starts, *counts;
  MPI_Comm          comm;
  OTJKOWalls        W;
  ptrdiff_t         nc, nmax = 0, rmax = 0;
  double           *mf, *mt;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetRanges(g, &starts, &counts));
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(PetscNew(&W));
  W->dim    = gi->dim;
  W->mirror = mirror;
  W->ncols  = gi->plane;
  W->c0     = gi->rank * W->ncols / gi->size;
  W->c1     = (gi->rank + 1) * W->ncols / gi->size;
  nc        = W->c1 - W->c0;
  PetscCall(Tables(W, gi, gamma));
  PetscCall(Exchange(W, gi, counts));
  for (PetscInt k = 0; k < gi->dim; k++) {
    nmax = PetscMax(nmax, gi->n[k]);
    rmax = PetscMax(rmax, W->r[k]);
  }
  PetscCall(PetscMalloc2(PetscMax(gi->nlocal, 1), &W->sbuf, PetscMax(3 * nc * gi->n[0], 1), &W->tbuf));
  PetscCall(PetscMalloc2(PetscMax(nmax, WALL_CHUNK) + 2 * rmax + 1, &W->ext, nmax, &W->s));
  PetscCall(PetscMalloc2(PetscMax(gi->nlocal, 1), &W->wall, PetscMax(nc * gi->n[0], 1), &W->twall));
  PetscCall(PetscArraycpy(W->wall, wall, gi->nlocal));
  /* the walls along axis-0 lines: through the same transpose, as 0/1 values */
  PetscCall(PetscMalloc2(PetscMax(gi->nlocal, 1), &mf, PetscMax(nc * gi->n[0], 1), &mt));
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) mf[i] = wall[i];
  PetscCall(ToLines(W, gi, starts, counts, comm, mf, mt));
  for (ptrdiff_t i = 0; i < nc * gi->n[0]; i++) W->twall[i] = mt[i] > 0;
  PetscCall(PetscFree2(mf, mt));
  *walls = W;
  PetscFunctionReturn(0);
}

PetscErrorCode OTJKOWallsDestroy(OTJKOWalls *walls)
{
  OTJKOWalls W = *walls;

  PetscFunctionBegin;
  if (!W) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < W->dim; k++) PetscCall(PetscFree3(W->k[k], W->lk[k], W->kf[k]));
  PetscCall(PetscFree4(W->scount, W->sdispl, W->rcount, W->rdispl));
  PetscCall(PetscFree2(W->sbuf, W->tbuf));
  PetscCall(PetscFree2(W->ext, W->s));
  PetscCall(PetscFree2(W->wall, W->twall));
  PetscCall(PetscFree(*walls));
  PetscFunctionReturn(0);
}

/* the band half-widths (cells) per axis, for the view */
PetscErrorCode OTJKOWallsGetReach(OTJKOWalls W, ptrdiff_t r[3])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++) r[k] = k < W->dim ? W->r[k] : 0;
  PetscFunctionReturn(0);
}
