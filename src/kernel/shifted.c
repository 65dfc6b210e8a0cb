/* shifted.c: the stabilised product of the banded kernel. Per column of a panel of whole lines, the sources are shifted
   by the line's maximum and exponentiated once, multiplied by the 1-D kernel (a Toeplitz band over the boundary's
   images, or the folded dense matrix when the band spans the line; register-blocked: 4 outputs x 16 columns per pass
   over the sources) and the log is taken once: one exp and one log per voxel instead of one exp per kernel term. Only the
   outputs a masked application needs are formed, from only the sources they reach. All terms are
   positive, so the sum has no cancellation: it is exact to rounding wherever every term that matters is representable
   and the band holds all but e^-38 of the output; each output is certified so. Stage 2 redoes the others (far below
   their line's maximum, or fed from beyond the band): on a line the rank holds, the plain kernel is recentred per tile
   of outputs on where their largest terms come from (an affine shift of the sources, exact for the Gaussian), which
   makes them ordinary band products again; else, and for what is left, in blocks of sources, each block shifted by its
   own maximum and the kernel normalised per block: within the band, then over the whole folded line; what still cannot
   be certified is left to the exact log-sum-exp. */
#include "kernelimpl.h"

#define SHIFT_MARGIN   38.0  /* what the band leaves out must be below e^-38 of the output */
#define SHIFT_FLOOR    662.0 /* e^(x - max) below e^-708 flushes to zero: an output must be above e^-662 (times the terms) */
#define SHIFT_PAD      4     /* zeros around the tabulated band: the 4-output blocks read 3 offsets beyond it */
#define SHIFT_TILE     16    /* outputs of a tile in stage 2 */
#define SHIFT_RTILE    32    /* outputs of a recentred tile (stage 2 on whole lines) */
#define SHIFT_BM       8     /* cells of a block of the padded line: the recentred tiles' pruned search and first bound */
#define SHIFT_BLOCKVAR 560.0 /* stage 2: how much log k may vary within a block of sources (the floor leaves 662) */
#define SHIFT_DENSE    2048  /* the folded dense matrix up to this many cells */
#define SHIFT_FOLD     1024  /* stage 2 over the whole (folded) line up to this many cells */

/* The cell an extended index stands for: itself inside the line (no division), else as the boundary folds it. */
static inline ptrdiff_t Fold(const OTShiftTab *T, ptrdiff_t t)
{
  return (t >= 0 && t < T->n) ? t : OTKernelFold(T->bc, T->n, t);
}

PetscErrorCode OTShiftTabDestroy(OTShiftTab *T)
{
  PetscFunctionBegin;
  for (int v = 0; v < 2; v++) PetscCall(PetscFree(T->kt[v]));
  for (int v = 0; v < 2; v++) PetscCall(PetscFree(T->lmid[v]));
  for (int v = 0; v < 2; v++) PetscCall(PetscFree(T->W[v]));
  for (int v = 0; v < 2; v++) PetscCall(PetscFree2(T->band.lmax[v], T->band.hat[v]));
  for (int v = 0; v < 2; v++) PetscCall(PetscFree2(T->line.lmax[v], T->line.hat[v]));
  T->eps = 0;
  PetscFunctionReturn(0);
}

/* The folded dense matrix of variant v: W[i n + j] = sum of k(m) over |m| <= 4n with fold(i + m) = j (every image that
   does not underflow on lines of up to SHIFT_DENSE cells at the eps that need this kernel; the rest is bounded). */
static PetscErrorCode BuildDense(OTShiftTab *T, double h, double eps, PetscInt v)
{
  const ptrdiff_t n = T->n, R = T->bc == OT_BOUNDARY_FREE ? n - 1 : 4 * n;
  double         *k;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n * n, &T->W[v]));
  PetscCall(PetscMalloc1(2 * R + 1, &k));
  for (ptrdiff_t m = -R; m <= R; m++) k[m + R] = exp(OTKernel1DLog(h, eps, m, v));
  for (ptrdiff_t i = 0; i < n; i++)
    for (ptrdiff_t m = -R; m <= R; m++) {
      ptrdiff_t j = OTKernelFold(T->bc, n, i + m);
      if (j >= 0) T->W[v][i * n + j] += k[m + R];
    }
  PetscCall(PetscFree(k));
  T->acceptdense[v] = PetscMax((T->bc == OT_BOUNDARY_FREE ? -INFINITY : OTKernelTailLog(h, eps, R, v)) + SHIFT_MARGIN, T->floor);
  PetscFunctionReturn(0);
}

/* Stage 2 over whole lines: log W(i, j) over the folded images (|m| <= 4n), the largest B (16 down to 1) over which it
   varies by at most SHIFT_BLOCKVAR within a block of cells, and per output and block the max and the weights
   normalised by it. */
static PetscErrorCode BuildFolded(OTShiftTab *T, double h, double eps)
{
  const ptrdiff_t n = T->n, R = T->bc == OT_BOUNDARY_FREE ? n - 1 : 4 * n;
  OTShiftBlocks  *L = &T->line;
  double         *lw;

  PetscFunctionBegin;
  L->reach = R;
  PetscCall(PetscMalloc1(n * n, &lw));
  for (int v = 0; v < 2; v++) {
    for (ptrdiff_t i = 0; i < n; i++) {
      for (ptrdiff_t j = 0; j < n; j++) lw[i * n + j] = -INFINITY;
      for (ptrdiff_t m = -R; m <= R; m++) {
        ptrdiff_t j = OTKernelFold(T->bc, n, i + m);
        double    l = OTKernel1DLog(h, eps, m, v), *t = lw + i * n + j;
        if (j < 0 || l == -INFINITY) continue;
        *t = *t == -INFINITY ? l : PetscMax(*t, l) + log1p(exp(-PetscAbsReal(*t - l)));
      }
    }
    if (!v)
      for (L->B = 16; L->B > 1; L->B /= 2) {
        double worst = 0;
        for (ptrdiff_t i = 0; i < n; i++)
          for (ptrdiff_t b0 = 0; b0 < n; b0 += L->B) {
            double hi = -INFINITY, lo = INFINITY;
            for (ptrdiff_t j = b0; j < PetscMin(n, b0 + L->B); j++) hi = PetscMax(hi, lw[i * n + j]), lo = PetscMin(lo, lw[i * n + j]);
            worst = PetscMax(worst, hi - lo);
          }
        if (worst <= SHIFT_BLOCKVAR) break;
      }
    L->nb = (n + L->B - 1) / L->B;
    PetscCall(PetscMalloc2(n * L->nb, &L->lmax[v], n * L->nb * L->B, &L->hat[v]));
    for (ptrdiff_t i = 0; i < n; i++)
      for (ptrdiff_t b = 0; b < L->nb; b++) {
        double m = -INFINITY, *kh = L->hat[v] + (i * L->nb + b) * L->B;
        for (ptrdiff_t u = 0; u < L->B && b * L->B + u < n; u++) m = PetscMax(m, lw[i * n + b * L->B + u]);
        L->lmax[v][i * L->nb + b] = m;
        for (ptrdiff_t u = 0; u < L->B; u++) kh[u] = (b * L->B + u < n && m > -INFINITY) ? exp(lw[i * n + b * L->B + u] - m) : 0;
      }
    L->tail[v] = T->bc == OT_BOUNDARY_FREE ? -INFINITY : OTKernelTailLog(h, eps, R, v);
  }
  PetscCall(PetscFree(lw));
  PetscFunctionReturn(0);
}

/* Stage 2's blocks within the band: the largest B (16 down to 1) over which log k varies by at most SHIFT_BLOCKVAR
   anywhere in the band, and per block offset o (start - output, in [-r - B + 1, r]) the max of log k over the block's
   part in the band and the block's weights normalised by it. */
static PetscErrorCode BuildBlocks(OTShiftTab *T, double h, double eps)
{
  const ptrdiff_t r  = T->r;
  OTShiftBlocks  *Bt = &T->band;

  PetscFunctionBegin;
  Bt->reach = r;
  for (Bt->B = 16; Bt->B > 1; Bt->B /= 2) {
    double worst = 0;
    for (ptrdiff_t o = -r - Bt->B + 1; o <= r; o++) {
      double hi = -INFINITY, lo = INFINITY;
      for (ptrdiff_t u = 0; u < Bt->B; u++)
        if (PetscAbsInt(o + u) <= r) {
          hi = PetscMax(hi, OTKernel1DLog(h, eps, o + u, 0));
          lo = PetscMin(lo, OTKernel1DLog(h, eps, o + u, 0));
        }
      worst = PetscMax(worst, hi - lo);
    }
    if (worst <= SHIFT_BLOCKVAR) break;
  }
  for (int v = 0; v < 2; v++) {
    const ptrdiff_t no = 2 * r + Bt->B;
    PetscCall(PetscMalloc2(no, &Bt->lmax[v], no * Bt->B, &Bt->hat[v]));
    for (ptrdiff_t o = -r - Bt->B + 1; o <= r; o++) {
      double *kh = Bt->hat[v] + (o + r + Bt->B - 1) * Bt->B, m = -INFINITY;
      for (ptrdiff_t u = 0; u < Bt->B; u++)
        if (PetscAbsInt(o + u) <= r) m = PetscMax(m, OTKernel1DLog(h, eps, o + u, v));
      Bt->lmax[v][o + r + Bt->B - 1] = m;
      for (ptrdiff_t u = 0; u < Bt->B; u++) kh[u] = (PetscAbsInt(o + u) <= r && m > -INFINITY) ? exp(OTKernel1DLog(h, eps, o + u, v) - m) : 0;
    }
    Bt->tail[v] = T->tail[v];
  }
  PetscFunctionReturn(0);
}

/* Bytes the tables of OTShiftTabBuild will take (the memory estimate before they are made): the dense matrices, the
   line tables and their transient, the bands. */
double OTShiftTabBytes(ptrdiff_t n, ptrdiff_t r, ptrdiff_t R2, PetscBool whole)
{
  const double    nn = (double) n * (double) n, rr = (double) PetscMin(r, 4 * n);
  const PetscBool dense = (PetscBool) ((whole || R2 >= n - 1) && n <= SHIFT_DENSE && n <= 2 * (2 * r + 1)), folded = (PetscBool) (whole && n <= SHIFT_FOLD);
  return sizeof(double) * ((dense ? 2 * nn : 0) + (folded ? 3 * nn : 0) + 2 * (2 * rr + 16) * 18 + 2 * (double) PetscMax(R2 - r, 0));
}

/* The kernel's band |m| <= r, tabulated linearly for both variants (stage 2, and stage 1 on long lines), the folded
   dense matrix of stage 1 when every output reaches the whole line (the rank holds it, or R2 >= n - 1) and the line is
   at most twice the band; the mid band r < |m| <= R2 as log weights (the certificate's bound); stage 2's block tables;
   the thresholds. */
PetscErrorCode OTShiftTabBuild(OTShiftTab *T, OTBoundary bc, ptrdiff_t n, double h, double eps, ptrdiff_t r, ptrdiff_t R2, PetscBool whole)
{
  PetscFunctionBegin;
  if (T->eps == eps && T->n == n && T->bc == bc) PetscFunctionReturn(0);
  PetscCall(OTShiftTabDestroy(T));
  T->n     = n;
  T->bc    = bc;
  T->dense = (PetscBool) ((whole || R2 >= n - 1) && n <= SHIFT_DENSE && n <= 2 * (2 * r + 1)); /* at most twice the band's work */
  T->r     = PetscMin(r, 4 * n);
  if (bc == OT_BOUNDARY_FREE) T->r = PetscMin(T->r, n - 1);
  T->R2 = PetscMax(T->r, PetscMin(R2, 4 * n));
  /* stage 2 ends over the whole line (its images folded in) when the rank holds it: outputs whose mass comes from
     beyond the band (far from the support of a compact input) are then certified too */
  T->folded  = (PetscBool) (whole && n <= SHIFT_FOLD);
  T->lognmid = log(2.0 * (double) PetscMax(T->R2 - T->r, 1));
  T->floor   = log(2.0 * (double) (T->dense ? n : 2 * T->r + 8)) - SHIFT_FLOOR;
  for (int v = 0; v < 2; v++) {
    PetscCall(PetscCalloc1(2 * T->r + 1 + 2 * SHIFT_PAD, &T->kt[v]));
    for (ptrdiff_t m = -T->r; m <= T->r; m++) T->kt[v][m + T->r + SHIFT_PAD] = exp(OTKernel1DLog(h, eps, m, v));
    if (T->dense) PetscCall(BuildDense(T, h, eps, v));
    PetscCall(PetscMalloc1(T->R2 - T->r + 1, &T->lmid[v]));
    for (ptrdiff_t a = T->r + 1; a <= T->R2; a++) T->lmid[v][a - T->r - 1] = OTKernel1DLog(h, eps, a, v);
    /* beyond the band (R2): nothing when the line ends inside it (free), else the tail bounds every image */
    T->tail[v]    = (bc == OT_BOUNDARY_FREE && T->r >= n - 1) ? -INFINITY : OTKernelTailLog(h, eps, T->r, v);
    T->tailfar[v] = (bc == OT_BOUNDARY_FREE && T->R2 >= n - 1) ? -INFINITY : OTKernelTailLog(h, eps, T->R2, v);
    T->accept[v]  = PetscMax(T->tail[v] + SHIFT_MARGIN, T->floor);
  }
  PetscCall(BuildBlocks(T, h, eps));
  if (T->folded) PetscCall(BuildFolded(T, h, eps));
  T->wt    = PetscMax(SHIFT_RTILE + 2 * T->r + PetscMax(2 * T->band.B, 4), T->folded ? n + T->line.B : 0); /* stage 2's rows */
  T->alpha = -OTKernel1DLog(h, eps, 1, 0); /* the Gaussian the recentring relies on: log k(m) = -alpha m^2 */
  T->P     = PetscMin(2 * T->r, 4 * n);
  T->tailP = bc == OT_BOUNDARY_FREE ? -INFINITY : OTKernelTailLog(h, eps, T->P, 0);
  T->eps   = eps;
  PetscFunctionReturn(0);
}

/* Rows of E (ld apart) for the padded sources g in [glo, ghi), columns [c0, c0 + w8) of the panel: exp(x - shift) for
   the cells, then the images (copies of their cell's row when it is in range), zeros beyond a free boundary. */
static void Exponentiate(const OTShiftTab *T, const double *const *srow, ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t c0, ptrdiff_t w, ptrdiff_t w8,
                         const double *shift, double *E, ptrdiff_t ld)
{
  for (int pass = 0; pass < 2; pass++)
    for (ptrdiff_t g = glo; g < ghi; g++) {
      ptrdiff_t j = Fold(T, g);
      double   *e = E + (g - glo) * ld;
      if ((j == g) != (pass == 0)) continue;
      if (j < 0) {
        for (ptrdiff_t c = 0; c < w8; c++) e[c] = 0;
      } else if (j != g && j >= glo && j < ghi) {
        memcpy(e, E + (j - glo) * ld, sizeof(double) * (size_t) w8);
      } else {
        for (ptrdiff_t c = 0; c < w; c++) e[c] = OTFastExp(srow[j][c0 + c] - shift[c]);
        for (ptrdiff_t c = w; c < w8; c++) e[c] = 0;
      }
    }
}

/* Eight doubles of a column chunk: the register block of the products (written with GCC's vector extension so that
   the loop is one load and four multiply-adds per source row whatever the call site; auto-vectorisation made some of
   them a shuffle-bound transposition) */
typedef double OTv8 __attribute__((vector_size(64)));

/* s[q][c] = sum_g w_q(g) E[g][c] for q < 4, c < nc (8, or 16: two chunks of 8 at once, so that the four weights of a
   source row serve twice the columns; 4 x nc accumulators in registers), over the rows [g0, g1) of E;
   w_q(g) = kt[(g - i) - q] (Toeplitz band) or W[(i + q) n + g] (dense). */
static inline void Block4(const OTShiftTab *T, PetscInt var, PetscBool dense, const double *E, ptrdiff_t ld, ptrdiff_t g0, ptrdiff_t g1, ptrdiff_t i, int nc,
                          double s[4][16])
{
  const int     nh      = nc / 8;
  OTv8          a[4][2] = {{{0}}}, x;
  const double *kt = T->kt[var] + T->r + SHIFT_PAD, *w[4] = {NULL, NULL, NULL, NULL};

  if (dense) {
    for (int q = 0; q < 4; q++) w[q] = T->W[var] + PetscMin(i + q, T->n - 1) * T->n;
    for (ptrdiff_t g = g0; g < g1; g++)
      for (int h = 0; h < nh; h++) {
        memcpy(&x, E + g * ld + 8 * h, sizeof x);
        a[0][h] += w[0][g] * x, a[1][h] += w[1][g] * x, a[2][h] += w[2][g] * x, a[3][h] += w[3][g] * x;
      }
  } else
    for (ptrdiff_t g = g0; g < g1; g++)
      for (int h = 0; h < nh; h++) {
        memcpy(&x, E + g * ld + 8 * h, sizeof x);
        a[0][h] += kt[g - i] * x, a[1][h] += kt[g - i - 1] * x, a[2][h] += kt[g - i - 2] * x, a[3][h] += kt[g - i - 3] * x;
      }
  for (int q = 0; q < 4; q++)
    for (int h = 0; h < nh; h++) memcpy(s[q] + 8 * h, &a[q][h], sizeof a[q][h]);
}

/* s[h] += the band products of the 4 outputs from i (Block4's index ib) over the rows [g0[h], g1[h]) of E, for the
   chunks h of 8 columns from c0 with on[h]; both at once (one pass over the union of their rows: the zeros outside a
   chunk's own rows add nothing) when both are on. */
static void ChunkSums(const OTShiftTab *T, PetscInt var, PetscBool dn, const double *E, ptrdiff_t ib, const ptrdiff_t g0[2], const ptrdiff_t g1[2],
                      const PetscBool on[2], double s[2][4][8])
{
  double acc[4][16];

  if (on[0] && on[1] && g0[0] < g1[0] && g0[1] < g1[1]) {
    Block4(T, var, dn, E, OT_SHIFT_W, PetscMin(g0[0], g0[1]), PetscMax(g1[0], g1[1]), ib, 16, acc);
    for (int q = 0; q < 4; q++)
      for (int c = 0; c < 8; c++) s[0][q][c] += acc[q][c], s[1][q][c] += acc[q][c + 8];
  } else
    for (int h = 0; h < 2; h++)
      if (on[h] && g0[h] < g1[h]) {
        Block4(T, var, dn, E + 8 * h, OT_SHIFT_W, g0[h], g1[h], ib, 8, acc);
        for (int q = 0; q < 4; q++)
          for (int c = 0; c < 8; c++) s[h][q][c] += acc[q][c];
      }
}

/* First and last row of E with a nonzero entry in each chunk of 8 columns (zero rows, e.g. an empty background, are
   skipped by the product). */
static void NonzeroRows(const double *E, ptrdiff_t nrows, ptrdiff_t w, ptrdiff_t *first, ptrdiff_t *last)
{
  for (ptrdiff_t c0 = 0; c0 < w; c0 += 8) {
    ptrdiff_t f = nrows, l = -1;
    for (ptrdiff_t g = 0; g < nrows; g++) {
      const double *e  = E + g * OT_SHIFT_W + c0;
      int           nz = 0;
      for (int c = 0; c < 8; c++) nz |= e[c] != 0;
      if (nz) {
        f = PetscMin(f, g);
        l = g;
      }
    }
    first[c0 / 8] = f;
    last[c0 / 8]  = l;
  }
}

/* The certificate of output i, columns [c0, c0 + cw) whose simple test failed: what lies beyond the offsets summed (rlo)
   is bounded by the exact max of x + log k over the mid band (offsets rlo < |m| <= R2) and by the line max times the
   weight beyond (far). */
static void MidCheck(const OTShiftTab *T, PetscInt var, const double *const *srow, ptrdiff_t i, ptrdiff_t c0, ptrdiff_t cw, const double *shift,
                     const double *mline, const double *lv, unsigned char *ok, ptrdiff_t rlo, double far)
{
  double t[8];

  for (int c = 0; c < 8; c++) t[c] = -INFINITY;
  for (ptrdiff_t a = rlo + 1; a <= T->R2; a++) {
    const double l = T->lmid[var][a - T->r - 1];
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      ptrdiff_t j = Fold(T, i + sgn * a);
      if (j < 0) continue;
      for (ptrdiff_t c = 0; c < cw; c++) {
        double y = srow[j][c0 + c] + l;
        t[c]     = y > t[c] ? y : t[c];
      }
    }
  }
  for (ptrdiff_t c = 0; c < cw; c++) {
    const double sh = shift[c], bound = PetscMax(t[c] - sh + T->lognmid, far + mline[c0 + c] - sh);
    ok[c] = (unsigned char) (lv[c] >= bound + SHIFT_MARGIN && lv[c] >= T->floor);
  }
}

/* Certify and store outputs i..i+nb-1, columns [c0, c0 + 8) of one block (shift[q * ss + c] for row q, column c0 + c);
   the others are marked in fail (row i - i0, column c). Stage 1 (stage 0) tests every output; stage 2 (stage 1, blk its
   tables) looks only at what was left, and always bounds what lies beyond its reach (its shift is no line maximum).
   Returns how many are left. */
static ptrdiff_t StoreBlock(const OTShiftTab *T, const OTShiftBlocks *blk, PetscInt var, const double *const *srow, double *const *orow, ptrdiff_t i,
                            ptrdiff_t nb, ptrdiff_t c0, ptrdiff_t w, const double *shift, ptrdiff_t ss, const double *mline, double s[4][8],
                            unsigned char *fail, int stage)
{
  const ptrdiff_t cw     = PetscMin(8, w - c0);
  const PetscBool dense  = (PetscBool) (T->dense && stage == 0);                              /* the dense matrix has every image: nothing is beyond it */
  const double    accept = stage ? INFINITY : (dense ? T->acceptdense[var] : T->accept[var]); /* stage 2: always the bound */
  ptrdiff_t       nf     = 0;

  for (ptrdiff_t q = 0; q < nb; q++) {
    unsigned char ok[8], *f = fail + q * OT_SHIFT_W + c0;
    const double *sh = shift + q * ss;
    double        lv[8];
    int           need = 0, hope = 0;
    for (int c = 0; c < 8; c++) lv[c] = OTFastLog(s[q][c]); /* -inf for 0; vectorised */
    for (ptrdiff_t c = 0; c < cw; c++) {
      ok[c] = (unsigned char) ((stage && !f[c]) || mline[c0 + c] == -INFINITY || lv[c] >= accept);
      need |= !ok[c];
    }
    for (ptrdiff_t c = 0; need && c < cw; c++) hope |= !ok[c] && lv[c] >= T->floor; /* else no bound can certify them */
    if (need && !dense && (T->R2 > T->r || stage) && hope) {
      const ptrdiff_t rlo = stage ? blk->reach : T->r;
      MidCheck(T, var, srow, i + q, c0, cw, sh, mline, lv, ok, rlo, rlo >= T->R2 ? (stage ? blk->tail[var] : T->tail[var]) : T->tailfar[var]);
    }
    if (!need && !stage) {
      for (ptrdiff_t c = 0; c < cw; c++) orow[i + q][c0 + c] = mline[c0 + c] == -INFINITY ? -INFINITY : sh[c] + lv[c];
      for (ptrdiff_t c = 0; c < cw; c++) f[c] = 0;
      continue;
    }
    for (ptrdiff_t c = 0; c < cw; c++) {
      if (stage && !f[c]) continue;
      if (mline[c0 + c] == -INFINITY)
        orow[i + q][c0 + c] = -INFINITY; /* the line holds no mass: exact */
      else if (ok[c])
        orow[i + q][c0 + c] = sh[c] + lv[c];
      f[c] = (unsigned char) !ok[c];
      nf += !ok[c];
    }
  }
  return nf;
}

/* Stage 2's sources: the window of padded positions [glo, ghi) (folded) in blocks of B, each shifted by its own max
   cb[b]; a block's exponentials (into Et; zeros past the window and where the block is empty) are taken when an output
   first needs it (done[b]): most blocks are far below every output that is left. */
typedef struct {
  const OTShiftTab    *T;
  const double *const *srow;
  ptrdiff_t            glo, ghi, B, c0, cw;
  double              *cb, *Et;
  unsigned char       *done;
} OTBlockWindow;

/* The max of s per block of B cells of the padded positions [glo, ghi) (folded), per column of the chunk [c0, c0 + cw):
   bm[b * 8 + c] (-inf: no source). Stage 2's block shifts, and the recentred tiles' pruned search and first bound. */
static void BlockMax(const OTShiftTab *T, const double *const *srow, ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t B, ptrdiff_t c0, ptrdiff_t cw, double *bm)
{
  for (ptrdiff_t b = 0; glo + b * B < ghi; b++) {
    double *m = bm + b * 8;
    for (int c = 0; c < 8; c++) m[c] = -INFINITY;
    for (ptrdiff_t g = glo + b * B; g < PetscMin(ghi, glo + (b + 1) * B); g++) {
      const ptrdiff_t j = Fold(T, g);
      for (ptrdiff_t c = 0; j >= 0 && c < cw; c++) m[c] = PetscMax(m[c], srow[j][c0 + c]);
    }
  }
}

/* The block maxima cb; [*bf, *bl) the blocks that hold anything (an empty block adds nothing: the combination skips
   it); no exponential yet. */
static void BlockShift(OTBlockWindow *W, ptrdiff_t *bf, ptrdiff_t *bl)
{
  const ptrdiff_t nb = (W->ghi - W->glo + W->B - 1) / W->B;

  BlockMax(W->T, W->srow, W->glo, W->ghi, W->B, W->c0, W->cw, W->cb);
  *bf = nb, *bl = 0;
  for (ptrdiff_t b = 0; b < nb; b++) {
    int any = 0;
    for (ptrdiff_t c = 0; c < W->cw; c++) any |= W->cb[b * 8 + c] != -INFINITY;
    if (any) *bf = PetscMin(*bf, b), *bl = b + 1;
    W->done[b] = 0;
  }
}

/* The padded line [*glo, *ghi) of the recentred tiles: [-P, n + P) with the boundary's images, the line itself when free */
static inline void PaddedLine(const OTShiftTab *T, ptrdiff_t *glo, ptrdiff_t *ghi)
{
  *glo = T->bc == OT_BOUNDARY_FREE ? 0 : -T->P;
  *ghi = T->bc == OT_BOUNDARY_FREE ? T->n : T->n + T->P;
}

/* Block b's exponentials, once */
static const double *BlockExp(OTBlockWindow *W, ptrdiff_t b)
{
  const ptrdiff_t B = W->B;
  const double   *m = W->cb + b * 8;
  double         *E = W->Et + b * B * 8;

  if (!W->done[b])
    for (ptrdiff_t g = W->glo + b * B; g < W->glo + (b + 1) * B; g++) {
      ptrdiff_t j = g < W->ghi ? Fold(W->T, g) : -1;
      for (int c = 0; c < 8; c++) E[(g - W->glo - b * B) * 8 + c] = (j >= 0 && c < W->cw && m[c] > -INFINITY) ? OTFastExp(W->srow[j][W->c0 + c] - m[c]) : 0;
    }
  W->done[b] = 1;
  return E;
}

/* One output from blocks [b0, b1) of the window: block b's B weights hat + (b - b0) hs, normalised by
   e^lk[(b - b0) ls]; sh = M, the largest cb[b] + lk (0 where there is none), and S = sum_b (hat_b . e_b) e^(cb[b] + lk -
   M): every term is at least e^-variation of its block's scale, so none that matters underflows (OTShiftTabBuild picks B
   for a variation <= SHIFT_BLOCKVAR). */
static void CombineBlocks(const double *lk, ptrdiff_t ls, const double *hat, ptrdiff_t hs, OTBlockWindow *W, ptrdiff_t b0, ptrdiff_t b1, double sh[8],
                          double S[8])
{
  const double *cb = W->cb;
  double        L[8];

  for (int c = 0; c < 8; c++) L[c] = -INFINITY, S[c] = 0;
  for (ptrdiff_t b = b0; b < b1; b++)
    for (int c = 0; c < 8; c++) L[c] = PetscMax(L[c], cb[b * 8 + c] + lk[(b - b0) * ls]);
  for (int c = 0; c < 8; c++) sh[c] = L[c] > -INFINITY ? L[c] : 0;
  for (ptrdiff_t b = b0; b < b1; b++) {
    const double *kh = hat + (b - b0) * hs, *e, l = lk[(b - b0) * ls];
    double        p[8] = {0}, f[8], top = -INFINITY;
    if (l == -INFINITY) continue;
    for (int c = 0; c < 8; c++) top = PetscMax(top, cb[b * 8 + c] + l - sh[c]);
    if (top < -708.0) continue; /* OTFastExp is 0 there for every column: the block adds exact zeros */
    e = BlockExp(W, b);
    for (ptrdiff_t u = 0; u < W->B; u++)
      for (int c = 0; c < 8; c++) p[c] += kh[u] * e[u * 8 + c];
    for (int c = 0; c < 8; c++) f[c] = OTFastExp(cb[b * 8 + c] + l - sh[c]); /* 0 where the block is empty */
    for (int c = 0; c < 8; c++) S[c] += p[c] * f[c];
  }
}

/* Stage 2 for the tile [t0, t1) and columns [c0, c0 + 8), within the band: the window its band reaches in blocks; for
   output i, block b starts at offset o = start - i, its weights are the band's table at o. */
static ptrdiff_t RedoTile(const OTShiftTab *T, PetscInt var, const double *const *srow, double *const *orow, ptrdiff_t i0, ptrdiff_t t0, ptrdiff_t t1,
                          ptrdiff_t c0, ptrdiff_t w, const double *mline, double *Et, double *cb, unsigned char *fail)
{
  const ptrdiff_t r = T->r, B = T->band.B, cw = PetscMin(8, w - c0);
  const ptrdiff_t glo = T->bc == OT_BOUNDARY_FREE ? PetscMax(0, t0 - r) : t0 - r, ghi = T->bc == OT_BOUNDARY_FREE ? PetscMin(T->n, t1 + r) : t1 + r;
  ptrdiff_t       nf = 0, bf, bl;
  unsigned char   done[(ghi - glo + B - 1) / B + 1];
  OTBlockWindow   W = {T, srow, glo, ghi, B, c0, cw, cb, Et, done};

  BlockShift(&W, &bf, &bl);
  for (ptrdiff_t i = t0; i < t1; i++) {
    double        S[8], s[4][8], sh[8];
    unsigned char any = 0;
    for (ptrdiff_t c = 0; c < cw; c++) any |= fail[(i - i0) * OT_SHIFT_W + c0 + c];
    if (!any) continue;
    {
      /* the blocks that meet the band [i - r, i + r]; the table index of block b is o + r + B - 1, o = glo + b B - i */
      const ptrdiff_t b0 = PetscMax(bf, (i - r - glo) / B), b1 = PetscMax(b0, PetscMin(bl, (i + r - glo) / B + 1)), x = glo + b0 * B - i + r + B - 1;
      CombineBlocks(T->band.lmax[var] + x, B, T->band.hat[var] + x * B, B * B, &W, b0, b1, sh, S);
    }
    for (int c = 0; c < 8; c++) s[0][c] = S[c];
    nf += StoreBlock(T, &T->band, var, srow, orow, i, 1, c0, w, sh, 0, mline, s, fail + (i - i0) * OT_SHIFT_W, 1);
  }
  return nf;
}

/* Stage 2 on a whole line, columns [c0, c0 + 8): blocks of B cells; output i's weights are its folded ones, per block. */
static ptrdiff_t FoldedRedo(const OTShiftTab *T, PetscInt var, const double *const *srow, double *const *orow, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t c0,
                            ptrdiff_t w, const double *mline, double *Et, double *cb, unsigned char *fail)
{
  const ptrdiff_t B = T->line.B, nb = T->line.nb, cw = PetscMin(8, w - c0);
  ptrdiff_t       nf = 0, bf, bl;
  unsigned char   done[(T->n + B - 1) / B + 1];
  OTBlockWindow   W = {T, srow, 0, T->n, B, c0, cw, cb, Et, done};

  BlockShift(&W, &bf, &bl);
  for (ptrdiff_t i = i0; i < i1; i++) {
    double        S[8], s[4][8], sh[8];
    unsigned char any = 0;
    for (ptrdiff_t c = 0; c < cw; c++) any |= fail[(i - i0) * OT_SHIFT_W + c0 + c];
    if (!any) continue;
    CombineBlocks(T->line.lmax[var] + i * nb + bf, 1, T->line.hat[var] + (i * nb + bf) * B, B, &W, bf, PetscMax(bf, bl), sh, S);
    for (int c = 0; c < 8; c++) s[0][c] = S[c];
    nf += StoreBlock(T, &T->line, var, srow, orow, i, 1, c0, w, sh, 0, mline, s, fail + (i - i0) * OT_SHIFT_W, 1);
  }
  return nf;
}

/* -alpha d^2 as the searches write it (rounding is monotone in |d|: a nearer cell's value bounds a farther one's) */
static inline double Env(const OTShiftTab *T, ptrdiff_t d)
{
  return -T->alpha * (double) d * (double) d;
}

/* The offset o of a recentred tile: per column, where the tile's middle output im gets its largest term (the first
   argmax over the padded line [glo, ghi) of s + log k); their median over the columns with mass (*any: there is one).
   Only the blocks that can hold it are scanned: a block's max at its nearest cell to im bounds its terms from above,
   at its farthest cell the column's best from below; the argmax is the full scan's. */
static ptrdiff_t TileOffset(const OTShiftTab *T, const double *const *srow, ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t im, ptrdiff_t c0, ptrdiff_t cw,
                            const double *bm, PetscBool *any)
{
  double    best[8], lb[8];
  ptrdiff_t arg[8], o[8], k = 0;

  for (int c = 0; c < 8; c++) best[c] = lb[c] = -INFINITY, arg[c] = im;
  for (ptrdiff_t lo = glo, b = 0; lo < ghi; lo += SHIFT_BM, b++) {
    const double q = Env(T, PetscMax(PetscAbsInt(lo - im), PetscAbsInt(PetscMin(ghi, lo + SHIFT_BM) - 1 - im)));
    for (ptrdiff_t c = 0; c < cw; c++) lb[c] = PetscMax(lb[c], bm[b * 8 + c] + q);
  }
  for (ptrdiff_t lo = glo, b = 0; lo < ghi; lo += SHIFT_BM, b++) {
    const ptrdiff_t hi   = PetscMin(ghi, lo + SHIFT_BM);
    const double    qn   = Env(T, im < lo ? lo - im : (im >= hi ? im - hi + 1 : 0));
    int             scan = 0;
    for (ptrdiff_t c = 0; c < cw; c++) scan |= bm[b * 8 + c] > -INFINITY && bm[b * 8 + c] + qn >= lb[c];
    for (ptrdiff_t g = lo; scan && g < hi; g++) {
      const ptrdiff_t j = Fold(T, g);
      const double    q = Env(T, g - im);
      for (ptrdiff_t c = 0; j >= 0 && c < cw; c++) {
        const double y = srow[j][c0 + c] + q;
        if (y > best[c]) best[c] = y, arg[c] = g;
      }
    }
  }
  for (ptrdiff_t c = 0; c < cw; c++)
    if (best[c] > -INFINITY) {
      ptrdiff_t m = k++;
      for (; m > 0 && o[m - 1] > arg[c] - im; m--) o[m] = o[m - 1]; /* insertion: kept sorted */
      o[m] = arg[c] - im;
    }
  *any = (PetscBool) (k > 0);
  return k ? o[k / 2] : 0;
}

/* How far the source g is from the nearest output of the tile [t0, t1) whose band (centred o cells away) misses it
   (-1: in the band of every output of the tile). */
static inline ptrdiff_t OutOfBand(ptrdiff_t g, ptrdiff_t t0, ptrdiff_t t1, ptrdiff_t o, ptrdiff_t r)
{
  const ptrdiff_t ha = PetscMin(t1 - 1, g - o - r - 1), lb = PetscMax(t0, g - o + r + 1);
  ptrdiff_t       d = -1;

  if (ha >= t0) d = PetscAbsInt(g - PetscMin(PetscMax(g, t0), ha));
  if (lb < t1) {
    const ptrdiff_t e = PetscAbsInt(g - PetscMin(PetscMax(g, lb), t1 - 1));
    d                 = d < 0 ? e : PetscMin(d, e);
  }
  return d;
}

/* What the recentred tile leaves out, per column (absolute logs): the max over the padded line [glo, ghi) of s plus the
   log weight to the nearest output of the tile whose band misses the source, plus the log of the number of sources.
   Per block of the padded line first its max at its nearest such distance (bm: the block maxima), a bound from above;
   the block's cells are visited only where that bound would reject an output (weak[c]: the smallest output the bound
   must certify), so every output is certified exactly as by the exact bound. */
static void TileBound(const OTShiftTab *T, const double *const *srow, ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t t0, ptrdiff_t t1, ptrdiff_t o, ptrdiff_t c0,
                      ptrdiff_t cw, const double *bm, const double weak[8], double U[8])
{
  const double lc = log((double) (ghi - glo));

  for (int c = 0; c < 8; c++) U[c] = -INFINITY;
  for (ptrdiff_t lo = glo, b = 0; lo < ghi; lo += SHIFT_BM, b++) {
    const ptrdiff_t hi   = PetscMin(ghi, lo + SHIFT_BM);
    ptrdiff_t       dmin = -1;
    double          u[8];
    int             visit = 0;
    for (ptrdiff_t g = lo; g < hi; g++) {
      const ptrdiff_t d = OutOfBand(g, t0, t1, o, T->r);
      if (d >= 0) dmin = dmin < 0 ? d : PetscMin(dmin, d);
    }
    if (dmin < 0) continue; /* in the band of every output */
    for (ptrdiff_t c = 0; c < cw; c++) {
      u[c] = bm[b * 8 + c] + Env(T, dmin) + lc;
      visit |= u[c] + SHIFT_MARGIN > weak[c];
    }
    if (!visit)
      for (ptrdiff_t c = 0; c < cw; c++) U[c] = PetscMax(U[c], u[c]);
    else
      for (ptrdiff_t g = lo; g < hi; g++) {
        const ptrdiff_t d = OutOfBand(g, t0, t1, o, T->r), j = Fold(T, g);
        for (ptrdiff_t c = 0; d >= 0 && j >= 0 && c < cw; c++) U[c] = PetscMax(U[c], srow[j][c0 + c] + Env(T, d) + lc);
      }
  }
}

/* The recentred tile's sources: row u of Et is the padded position g = t0 + o - r + u (none outside [glo, ghi)),
   exp(sigma - M) per column with sigma = s - b (g - t0 - o) and M[c] the largest term any output of the tile gets
   (sigma plus the log weight to the nearest output). Returns the columns (bits) with a source more than e^700 above M:
   it cannot matter, but its exp would overflow, so their outputs are left to the next stage. */
static int TileWindow(const OTShiftTab *T, const double *const *srow, ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t t0, ptrdiff_t t1, ptrdiff_t o, ptrdiff_t c0,
                      ptrdiff_t cw, ptrdiff_t nu, double *Et, double M[8])
{
  const double b    = 2 * T->alpha * (double) o;
  int          over = 0;

  for (int c = 0; c < 8; c++) M[c] = -INFINITY;
  for (ptrdiff_t u = 0; u < nu; u++) {
    const ptrdiff_t g = t0 + o - T->r + u, x = g - o, j = (g >= glo && g < ghi) ? Fold(T, g) : -1;
    const double    d = (double) (x < t0 ? t0 - x : (x >= t1 ? x - t1 + 1 : 0)), env = -T->alpha * d * d, lin = b * (double) (u - T->r);
    double         *e = Et + u * 8;
    if (j >= 0 && cw == 8) { /* the common case, one vector loop */
      const double *src = srow[j] + c0;
      for (int c = 0; c < 8; c++) {
        const double y = src[c] - lin;
        e[c]           = y;
        M[c]           = PetscMax(M[c], y + env);
      }
    } else
      for (int c = 0; c < 8; c++) {
        const double y = (j >= 0 && c < cw) ? srow[j][c0 + c] - lin : -INFINITY;
        e[c]           = y;
        M[c]           = PetscMax(M[c], y + env);
      }
  }
  for (int c = 0; c < 8; c++) M[c] = M[c] > -INFINITY ? M[c] : 0;
  for (ptrdiff_t u = 0; u < nu; u++)
    for (int c = 0; c < 8; c++) {
      const double y = Et[u * 8 + c] - M[c];
      over |= (y > 700.0) << c;
      Et[u * 8 + c] = OTFastExp(PetscMin(y, 700.0));
    }
  return over;
}

/* Stage 2 on whole lines, plain kernel: the outputs [t0, t1) (at most SHIFT_RTILE), columns [c0, c0 + 8), with the
   kernel recentred. For the Gaussian, k(g - i) = k(x) e^(-b x - alpha o^2) with x = g - i - o and b = 2 alpha o, so
   K e^s (i) = e^(b (i - t0) - alpha o^2) (K e^sigma)(i + o), sigma(g) = s(g) - b (g - t0 - o): the band product of the
   detrended sources read o cells away, o where the tile's largest terms come from. Outputs of steep potentials (far
   below their line's maximum) and outputs beyond the band from an input's support become ordinary band products (one
   exp per source of the tile's window), certified like stage 1's: above the floor, and what lies outside their band
   (TileBound, and beyond the padded line the kernel's tail times the line maximum) below e^-38 of them.
   bm: the chunk's block maxima (BlockMax with SHIFT_BM). */
static ptrdiff_t RecentredTile(const OTShiftTab *T, const double *const *srow, double *const *orow, ptrdiff_t i0, ptrdiff_t t0, ptrdiff_t t1, ptrdiff_t c0,
                               ptrdiff_t w, const double *mline, const double *bm, double *Et, unsigned char *fail)
{
  const ptrdiff_t r = T->r, cw = PetscMin(8, w - c0), nu = t1 - t0 + 2 * r + 4;
  PetscBool       any;
  ptrdiff_t       glo, ghi, o, nf = 0;
  double          b, ao2, U[8], M[8], weak[8], V[SHIFT_RTILE][8];
  int             over;

  PaddedLine(T, &glo, &ghi);
  o = TileOffset(T, srow, glo, ghi, (t0 + t1 - 1) / 2, c0, cw, bm, &any);
  if (!any) return 0; /* no column has mass: nothing failed */
  b = 2 * T->alpha * (double) o, ao2 = T->alpha * (double) o * (double) o;
  over = TileWindow(T, srow, glo, ghi, t0, t1, o, c0, cw, nu, Et, M);
  for (int c = 0; c < 8; c++) weak[c] = INFINITY;
  for (ptrdiff_t i = t0; i < t1; i += 4) { /* the products of the 4-output blocks with work; V = -inf: not certifiable */
    double        acc[4][16];
    unsigned char any4 = 0;
    for (ptrdiff_t q = 0; q < PetscMin(4, t1 - i); q++)
      for (ptrdiff_t c = 0; c < cw; c++) any4 |= fail[(i + q - i0) * OT_SHIFT_W + c0 + c];
    if (!any4) continue;
    Block4(T, 0, PETSC_FALSE, Et, 8, i - t0, i - t0 + 2 * r + 4, i - t0 + r, 8, acc);
    for (ptrdiff_t q = 0; q < PetscMin(4, t1 - i); q++) {
      double lv[8];
      for (int c = 0; c < 8; c++) lv[c] = OTFastLog(acc[q][c]); /* all 8: the vector loop (and its rounding) of stage 1 */
      for (ptrdiff_t c = 0; c < cw; c++) {
        const double v   = b * (double) (i + q - t0) - ao2 + M[c] + lv[c];
        const int    ok  = fail[(i + q - i0) * OT_SHIFT_W + c0 + c] && !((over >> c) & 1) && lv[c] >= T->floor;
        V[i + q - t0][c] = ok ? v : -INFINITY;
        if (ok) weak[c] = PetscMin(weak[c], v);
      }
    }
  }
  TileBound(T, srow, glo, ghi, t0, t1, o, c0, cw, bm, weak, U);
  for (ptrdiff_t c = 0; c < cw; c++) U[c] = PetscMax(U[c], T->tailP + mline[c0 + c]) + SHIFT_MARGIN;
  for (ptrdiff_t i = t0; i < t1; i++)
    for (ptrdiff_t c = 0; c < cw; c++) {
      unsigned char *f = fail + (i - i0) * OT_SHIFT_W + c0 + c;
      if (!*f) continue;
      if (V[i - t0][c] >= U[c])
        orow[i][c0 + c] = V[i - t0][c], *f = 0;
      else
        nf++;
    }
  return nf;
}

/* Doubles of the block maxima of a chunk of the padded line (BlockMax with SHIFT_BM). */
static ptrdiff_t BlockMaxLen(const OTShiftTab *T)
{
  return T->folded ? 8 * ((T->n + 2 * T->P) / SHIFT_BM + 1) : 0;
}

/* Doubles of E for a panel of L outputs. */
ptrdiff_t OTShiftScratch(const OTShiftTab *T, ptrdiff_t L)
{
  const ptrdiff_t rows = PetscMax(T->dense ? T->n : 0, L + 2 * T->r + 8);
  return rows * OT_SHIFT_W + 2 * T->wt * 8 + BlockMaxLen(T); /* stage 1; stage 2: exponentials, block maxima; the line's */
}

/* The needed rows of each chunk of 8 columns ([i0, i1) without olo; none for a column without mass, whose outputs are
   -inf), their hull over the panel widened to the 4-row blocks of stage 1, [*lo, *hi) (empty: *lo >= *hi). */
static void NeededRows(ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t w, const double *mline, const ptrdiff_t *olo, const ptrdiff_t *ohi, ptrdiff_t *clo, ptrdiff_t *chi,
                       ptrdiff_t *lo, ptrdiff_t *hi)
{
  *lo = i1, *hi = i0;
  for (ptrdiff_t c0 = 0; c0 < w; c0 += 8) {
    ptrdiff_t a = i1, b = i0;
    for (ptrdiff_t c = c0; c < PetscMin(w, c0 + 8); c++)
      if (mline[c] != -INFINITY && (!olo || ohi[c] > olo[c]))
        a = PetscMin(a, olo ? PetscMax(olo[c], i0) : i0), b = PetscMax(b, olo ? PetscMin(ohi[c], i1) : i1);
    clo[c0 / 8] = a, chi[c0 / 8] = b;
    if (b > a) *lo = PetscMin(*lo, a), *hi = PetscMax(*hi, b);
  }
  if (*hi > *lo) *lo = i0 + (*lo - i0) / 4 * 4, *hi = PetscMin(i1, i0 + (*hi - i0 + 3) / 4 * 4);
}

/* Outputs [i0, i1) of w <= OT_SHIFT_W columns: srow[j] the source rows (every j within R2 of an output, folded), orow[i]
   the output rows, mline[c] the maximum of column c over its whole line; only rows [olo[c], ohi[c]) of column c are
   needed (olo NULL: all), the 4 x 8 blocks with none are set to -inf. E: OTShiftScratch(T, i1 - i0) doubles. Stage 1
   shifts by the line max; stage 2 redoes what is left in blocks with their own shifts. The outputs that still cannot
   be certified are marked in fail[(i - i0) * OT_SHIFT_W + c] (their rows in rowfail); returns how many
   (and adds those that went to stage 2 to *nsecond). */
ptrdiff_t OTShiftPanel(const OTShiftTab *T, PetscInt var, const double *const *srow, double *const *orow, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t w,
                       const double *mline, const ptrdiff_t *olo, const ptrdiff_t *ohi, double *E, unsigned char *fail, unsigned char *rowfail,
                       ptrdiff_t *nsecond)
{
  const ptrdiff_t r = T->r, dn = T->dense; /* dense: E holds the cells [0, n) */
  ptrdiff_t       nfail = 0, first[OT_SHIFT_W / 8], last[OT_SHIFT_W / 8], clo[OT_SHIFT_W / 8], chi[OT_SHIFT_W / 8], lo, hi;
  double          shift[OT_SHIFT_W], *Et, *Cb, *Bm;

  NeededRows(i0, i1, w, mline, olo, ohi, clo, chi, &lo, &hi);
  if (hi <= lo) lo = hi = i0; /* nothing needed: no sources */
  const ptrdiff_t glo = dn ? 0 : (T->bc == OT_BOUNDARY_FREE ? PetscMax(0, lo - r) : lo - r);
  const ptrdiff_t ghi = dn ? T->n : (T->bc == OT_BOUNDARY_FREE ? PetscMin(T->n, hi + r + 3) : hi + r + 3);
  Et = E + PetscMax(ghi - glo, 0) * OT_SHIFT_W, Cb = Et + T->wt * 8, Bm = Cb + T->wt * 8;
  for (ptrdiff_t c = 0; c < w; c++) shift[c] = mline[c] > -INFINITY ? mline[c] : 0;
  if (hi > lo) {
    Exponentiate(T, srow, glo, ghi, 0, w, (w + 7) / 8 * 8, shift, E, OT_SHIFT_W);
    NonzeroRows(E, ghi - glo, w, first, last);
  }
  for (ptrdiff_t i = i0; i < i1; i += 4)
    for (ptrdiff_t c0 = 0; c0 < w; c0 += 16) {
      double          s[2][4][8] = {{{0}}};
      const ptrdiff_t nb = PetscMin(4, i1 - i), ib = dn ? i : i - glo;
      ptrdiff_t       g0[2], g1[2];
      PetscBool       on[2];
      for (int h = 0; h < 2; h++) {
        const ptrdiff_t ch = c0 / 8 + h;
        on[h]              = (PetscBool) (c0 + 8 * h < w && i + 4 > clo[ch] && i < chi[ch]);
        if (!on[h] && c0 + 8 * h < w)
          for (ptrdiff_t q = i; q < i + nb; q++)
            for (ptrdiff_t c = c0 + 8 * h; c < PetscMin(w, c0 + 8 * h + 8); c++) orow[q][c] = -INFINITY, fail[(q - i0) * OT_SHIFT_W + c] = 0;
        g0[h] = on[h] ? PetscMax(dn ? 0 : PetscMax(glo, i - r) - glo, first[ch]) : 0;
        g1[h] = on[h] ? PetscMin(dn ? T->n : PetscMin(ghi, i + 3 + r + 1) - glo, last[ch] + 1) : 0;
        on[h] = (PetscBool) (on[h] && g0[h] < g1[h]);
      }
      ChunkSums(T, var, (PetscBool) dn, E + c0, ib, g0, g1, on, s);
      for (int h = 0; h < 2; h++) {
        const ptrdiff_t ch = c0 / 8 + h;
        if (c0 + 8 * h < w && i + 4 > clo[ch] && i < chi[ch])
          nfail += StoreBlock(T, NULL, var, srow, orow, i, nb, c0 + 8 * h, w, shift + c0 + 8 * h, 0, mline, s[h], fail + (i - i0) * OT_SHIFT_W, 0);
      }
    }
  *nsecond += nfail;
  /* stage 2: tiles recentred (a line the rank holds, plain kernel) or with their band in blocks (a line split across
     ranks); then, for what is left, the whole line in blocks (the moment kernel goes there at once on a line the rank
     holds: the recentring is exact only for the Gaussian itself) */
  if (nfail && !(T->folded && var))
    for (ptrdiff_t c0 = 0; c0 < w; c0 += 8) {
      PetscBool have = PETSC_FALSE; /* the chunk's block maxima, found at its first tile with work */
      for (ptrdiff_t t0 = i0, tile = T->folded ? SHIFT_RTILE : SHIFT_TILE; t0 < i1; t0 += tile) {
        ptrdiff_t t1 = PetscMin(i1, t0 + tile), left = 0;
        for (ptrdiff_t i = t0; i < t1; i++)
          for (ptrdiff_t c = c0; c < PetscMin(w, c0 + 8); c++) left += fail[(i - i0) * OT_SHIFT_W + c];
        if (!left) continue;
        if (T->folded && !have) { /* on a line the rank holds, var is 0 here */
          ptrdiff_t plo, phi;
          PaddedLine(T, &plo, &phi);
          BlockMax(T, srow, plo, phi, SHIFT_BM, c0, PetscMin(8, w - c0), Bm);
          have = PETSC_TRUE;
        }
        nfail += (T->folded ? RecentredTile(T, srow, orow, i0, t0, t1, c0, w, mline, Bm, Et, fail)
                            : RedoTile(T, var, srow, orow, i0, t0, t1, c0, w, mline, Et, Cb, fail)) -
                 left;
      }
    }
  if (nfail && T->folded)
    for (ptrdiff_t c0 = 0; c0 < w; c0 += 8) {
      ptrdiff_t left = 0;
      for (ptrdiff_t i = i0; i < i1; i++)
        for (ptrdiff_t c = c0; c < PetscMin(w, c0 + 8); c++) left += fail[(i - i0) * OT_SHIFT_W + c];
      if (left) nfail += FoldedRedo(T, var, srow, orow, i0, i1, c0, w, mline, Et, Cb, fail) - left;
    }
  for (ptrdiff_t i = i0; i < i1; i++) {
    rowfail[i - i0] = 0;
    for (ptrdiff_t c = 0; c < w; c++) rowfail[i - i0] |= fail[(i - i0) * OT_SHIFT_W + c];
  }
  return nfail;
}
