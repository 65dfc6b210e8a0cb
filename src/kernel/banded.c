/* banded.c: the banded kernel, in the log domain: out_i = log sum_j K_ij exp(in_j) one axis at a time, each a 1-D
   log-sum-exp over the band |i - j| <= r where exp(-d^2/eps) >= 1e-300 (images folded in as the boundary says), with the max
   subtracted per output. The band is exact whenever the potentials do not reach beyond it; each output checks that with a
   bound on the rest (a wider "mid" band by its max, the remainder by the line max) and, when the check fails (mass that
   must travel farther than the band, e.g. Diracs far apart), is recomputed over a wider window until the bound holds: the
   result is the full log-sum-exp to round-off, never a silently truncated one. Axis 0 crosses the slabs: its band comes
   from a halo exchange; if any output of axis 0 fails its check, that pass is redone in FFTW's transposed layout, where
   whole lines are local. */
#include "kernelimpl.h"

#define LSE_CHUNK  128  /* columns processed together (vector width of the inner loops) */
#define LSE_MARGIN 38.0 /* a remainder e^-38 = 3e-17 below an output does not change it */

/* Runs of consecutive sources per output with their log-weights (images of one source combined). */
typedef struct {
  ptrdiff_t *first;           /* runs of output i: [first[i], first[i+1]) */
  ptrdiff_t *src, *len, *off; /* per run */
  double    *w;
} RunTable;

typedef struct {
  PetscBool  active; /* axes beyond the grid's dimension are skipped (one cell, identity) */
  ptrdiff_t  n, r, r2;
  double     h;
  RunTable   band[2], mid[2]; /* per variant (plain, moment) */
  double     built[2];        /* eps the tables were built for (0: not built) */
  double     taufar[2];       /* log of the kernel weight beyond r2 (all images) */
  double     taunear[2];      /* log of the kernel weight beyond r (all images): when the line max times this is negligible, the mid band is not looked at */
  double     logmid;          /* log of the number of offsets in the mid band */
  OTShiftTab sh;              /* the stabilised product's band (both variants) */
  OTShiftTab shl;             /* axis 0 across slabs: the same on whole lines, for the passes after a transpose */
} AxisTab;

typedef struct {
  OTBoundary bc;
  AxisTab    ax[3];
  double    *t1, *t2; /* scratch fields */
  /* axis 0 across slabs (P > 1) */
  PetscBool         distributed;
  ptrdiff_t         hlo, hhi; /* planes [hlo, hhi] hold every source of this rank's outputs (band and mid) */
  OTPlaneExchange   halo;
  double           *hbuf, *mline;
  const double    **srow;
  double          **orow;
  fftw_plan         tr_fwd, tr_bwd;
  PetscInt          lines0; /* applications left whose axis 0 goes straight to whole lines (the same on every rank) */
  const OTGridInfo *gi;
  ptrdiff_t         nfallback, nredo, nout, nsecond, noutfail; /* outputs redone exactly; of the stabilised product: outputs, in stage 2, left */
  double           *panel, *opanel;
  double           *E;              /* the stabilised product's exponentials */
  unsigned char    *rowfail, *fail; /* its rows and outputs left to the exact path */
  OTNeed            need;           /* the outputs a masked application needs */
} BandData;

static PetscErrorCode RunTableDestroy(RunTable *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->first));
  PetscCall(PetscFree3(t->src, t->len, t->off));
  PetscCall(PetscFree(t->w));
  PetscFunctionReturn(0);
}

/* For every output i of an axis: the sources reached by offsets lo <= |m| <= hi (folded by the boundary), with weights
   combined by log-add (band) or max (mid, a bound), stored as runs of consecutive sources with finite weight. */
static PetscErrorCode RunTableBuild(OTBoundary bc, ptrdiff_t n, double h, double eps, PetscInt var, ptrdiff_t lo, ptrdiff_t hi, PetscBool usemax, RunTable *t)
{
  double   *row, *lw = NULL, *ew = NULL;
  ptrdiff_t nrun = 0, nw = 0, crun = 4 * n + 4, cw = 16;

  PetscFunctionBegin;
  PetscCall(RunTableDestroy(t));
  PetscCall(PetscMalloc1(n + 1, &t->first));
  PetscCall(PetscMalloc3(crun, &t->src, crun, &t->len, crun, &t->off));
  PetscCall(PetscMalloc1(cw, &t->w));
  PetscCall(PetscMalloc1(n, &row));
  /* weight of each offset |m| = a (the kernel is even): log, and linear for the band (its weights are >= log(theta) >
     -745, so they add up in the linear domain and the log is taken once per source) */
  if (lo <= hi) {
    PetscCall(PetscMalloc2(hi - lo + 1, &lw, hi - lo + 1, &ew));
    for (ptrdiff_t a = lo; a <= hi; a++) {
      lw[a - lo] = OTKernel1DLog(h, eps, a, var);
      ew[a - lo] = exp(lw[a - lo]);
    }
  }
  for (ptrdiff_t j = 0; j < n; j++) row[j] = -INFINITY;
  for (ptrdiff_t i = 0; i < n; i++) {
    ptrdiff_t jmin = n, jmax = -1;
    t->first[i] = nrun;
    if (lo > hi) continue;
    for (ptrdiff_t a = lo; a <= hi; a++) {
      const double l = lw[a - lo], e = ew[a - lo];
      if (l == -INFINITY) continue;
      for (int s = 0; s < (a ? 2 : 1); s++) {
        ptrdiff_t j = OTKernelFold(bc, n, i + (s ? -a : a));
        if (j < 0) continue;
        if (usemax)
          row[j] = PetscMax(row[j], l);
        else
          row[j] = row[j] == -INFINITY ? e : row[j] + e;
        jmin = PetscMin(jmin, j);
        jmax = PetscMax(jmax, j);
      }
    }
    for (ptrdiff_t j = jmin; j <= jmax; j++) {
      if (row[j] == -INFINITY) continue;
      if (!nrun || t->first[i] == nrun || t->src[nrun - 1] + t->len[nrun - 1] != j) {
        if (nrun == crun) {
          ptrdiff_t *s2, *l2, *o2;
          PetscCall(PetscMalloc3(2 * crun, &s2, 2 * crun, &l2, 2 * crun, &o2));
          memcpy(s2, t->src, sizeof(ptrdiff_t) * (size_t) crun);
          memcpy(l2, t->len, sizeof(ptrdiff_t) * (size_t) crun);
          memcpy(o2, t->off, sizeof(ptrdiff_t) * (size_t) crun);
          PetscCall(PetscFree3(t->src, t->len, t->off));
          t->src = s2, t->len = l2, t->off = o2, crun *= 2;
        }
        t->src[nrun] = j;
        t->len[nrun] = 0;
        t->off[nrun] = nw;
        nrun++;
      }
      if (nw == cw) {
        double *w2;
        PetscCall(PetscMalloc1(2 * cw, &w2));
        memcpy(w2, t->w, sizeof(double) * (size_t) cw);
        PetscCall(PetscFree(t->w));
        t->w = w2, cw *= 2;
      }
      t->w[nw++] = usemax ? row[j] : log(row[j]);
      t->len[nrun - 1]++;
    }
    for (ptrdiff_t j = jmin; j <= jmax; j++) row[j] = -INFINITY;
  }
  t->first[n] = nrun;
  PetscCall(PetscFree(row));
  PetscCall(PetscFree2(lw, ew));
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildAxis(OTKernelImpl impl, PetscInt k, PetscInt var)
{
  BandData         *d   = (BandData *) impl->data;
  AxisTab          *A   = &d->ax[k];
  const OTGridInfo *gi  = impl->K->gi;
  double            eps = impl->K->eps, alpha;

  PetscFunctionBegin;
  if (A->built[var] == eps) PetscFunctionReturn(0);
  A->n      = gi->n[k];
  A->h      = gi->h[k];
  A->active = (PetscBool) (k < gi->dim);
  if (!A->active) PetscFunctionReturn(0);
  alpha = A->h * A->h / eps;
  {
    double r = sqrt(impl->K->log_theta / alpha);
    A->r     = r > 1e9 ? (ptrdiff_t) 1e9 : (ptrdiff_t) r;
  }
  A->r2 = 2 * A->r + 1;
  /* free boundaries: offsets beyond the line reach nothing */
  if (d->bc == OT_BOUNDARY_FREE) {
    A->r  = PetscMin(A->r, A->n - 1);
    A->r2 = PetscMin(A->r2, A->n - 1);
  }
  PetscCall(RunTableBuild(d->bc, A->n, A->h, eps, var, 0, A->r, PETSC_FALSE, &A->band[var]));
  PetscCall(RunTableBuild(d->bc, A->n, A->h, eps, var, A->r + 1, A->r2, PETSC_TRUE, &A->mid[var]));
  A->logmid       = log(2.0 * (double) PetscMax(A->r2 - A->r, 1));
  A->taufar[var]  = (d->bc == OT_BOUNDARY_FREE && A->r2 >= A->n - 1) ? -INFINITY : OTKernelTailLog(A->h, eps, A->r2, var);
  A->taunear[var] = (d->bc == OT_BOUNDARY_FREE && A->r >= A->n - 1) ? -INFINITY : OTKernelTailLog(A->h, eps, A->r, var);
  A->built[var]   = eps;
  if (impl->K->shift) {
    /* axis 0 across slabs: the halo pass holds only the band's planes, the pass after a transpose whole lines */
    const PetscBool split = (PetscBool) (k == 0 && d->distributed);
    PetscCall(OTMemoryCheck(impl->K->comm,
                            OTShiftTabBytes(A->n, A->r, A->r2, (PetscBool) !split) + (split ? OTShiftTabBytes(A->n, A->r, A->r2, PETSC_TRUE) : 0),
                            "banded kernel: stabilised product's tables"));
    PetscCall(OTShiftTabBuild(&A->sh, d->bc, A->n, A->h, eps, A->r, A->r2, (PetscBool) !split));
    if (split) PetscCall(OTShiftTabBuild(&A->shl, d->bc, A->n, A->h, eps, A->r, A->r2, PETSC_TRUE));
  }
  PetscFunctionReturn(0);
}

/* Exact 1-D log-sum-exp of output i of a line (x[j * stride] for the sources j), over a window grown until the remainder
   is provably below the result (mline: the line's max). */
static double LSEExactLine(const AxisTab *A, OTBoundary bc, double eps, PetscInt var, const double *x, ptrdiff_t stride, ptrdiff_t i, double mline)
{
  ptrdiff_t E = PetscMax(A->r2, 1);

  if (mline == -INFINITY) return -INFINITY;
  for (;;) {
    double    mx = -INFINITY, s = 0, val, far;
    PetscBool complete = (PetscBool) (bc == OT_BOUNDARY_FREE && i - E <= 0 && i + E >= A->n - 1);
    for (ptrdiff_t m = -E; m <= E; m++) {
      ptrdiff_t j = OTKernelFold(bc, A->n, i + m);
      if (j >= 0) mx = PetscMax(mx, x[j * stride] + OTKernel1DLog(A->h, eps, m, var));
    }
    if (mx > -INFINITY)
      for (ptrdiff_t m = -E; m <= E; m++) {
        ptrdiff_t j = OTKernelFold(bc, A->n, i + m);
        if (j >= 0) s += exp(x[j * stride] + OTKernel1DLog(A->h, eps, m, var) - mx);
      }
    val = mx > -INFINITY ? mx + log(s) : -INFINITY;
    if (complete) return val;
    far = mline + OTKernelTailLog(A->h, eps, E, var);
    if (val > -INFINITY && far <= val - LSE_MARGIN) return val;
    E = 2 * E + 1;
  }
}

/* The band log-sum-exp of outputs [i0, i1) for columns [0, w) (w <= LSE_CHUNK), rows of sources srow[j] (offset by the
   caller to the first column), output rows orow[i]. Returns the outputs whose check fails in (fi, fc), nf of them. */
static void LSEPanel(const AxisTab *A, PetscInt var, const double *const *srow, double *const *orow, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t w,
                     const double *mline, ptrdiff_t *fi, ptrdiff_t *fc, ptrdiff_t *nf, ptrdiff_t maxf)
{
  const RunTable *B = &A->band[var], *M = &A->mid[var];
  double          m[LSE_CHUNK], s[LSE_CHUNK], t[LSE_CHUNK];
  const double    far = A->taufar[var], near = A->taunear[var], lmid = A->logmid;

  for (ptrdiff_t i = i0; i < i1; i++) {
    double *o = orow[i];
    for (ptrdiff_t c = 0; c < w; c++) m[c] = -INFINITY, s[c] = 0, t[c] = -INFINITY;
    for (ptrdiff_t q = B->first[i]; q < B->first[i + 1]; q++)
      for (ptrdiff_t l = 0; l < B->len[q]; l++) {
        const double *x = srow[B->src[q] + l], wt = B->w[B->off[q] + l];
        for (ptrdiff_t c = 0; c < w; c++) {
          double v = x[c] + wt;
          m[c]     = v > m[c] ? v : m[c];
        }
      }
    for (ptrdiff_t c = 0; c < w; c++) m[c] = m[c] > -INFINITY ? m[c] : 0;
    for (ptrdiff_t q = B->first[i]; q < B->first[i + 1]; q++)
      for (ptrdiff_t l = 0; l < B->len[q]; l++) {
        const double *x = srow[B->src[q] + l], wt = B->w[B->off[q] + l];
        for (ptrdiff_t c = 0; c < w; c++) s[c] += OTFastExp(x[c] + wt - m[c]);
      }
    {
      /* the mid band is only needed where the line max could matter beyond the band */
      int need = 0;
      for (ptrdiff_t c = 0; c < w; c++) {
        double val = s[c] > 0 ? m[c] + log(s[c]) : -INFINITY;
        o[c]       = val;
        need |= mline[c] + near > val - LSE_MARGIN;
      }
      if (!need) continue;
    }
    for (ptrdiff_t q = M->first[i]; q < M->first[i + 1]; q++)
      for (ptrdiff_t l = 0; l < M->len[q]; l++) {
        const double *x = srow[M->src[q] + l], wt = M->w[M->off[q] + l];
        for (ptrdiff_t c = 0; c < w; c++) {
          double v = x[c] + wt;
          t[c]     = v > t[c] ? v : t[c];
        }
      }
    for (ptrdiff_t c = 0; c < w; c++) {
      double val = o[c], lim = val - LSE_MARGIN;
      /* fails when what lies beyond the band could be within e^-38 of the result (always when the band saw nothing but
         the line holds something) */
      if (t[c] + lmid > lim || mline[c] + far > lim) {
        if (val == -INFINITY && t[c] == -INFINITY && mline[c] == -INFINITY) continue;
        if (*nf < maxf) {
          fi[*nf] = i;
          fc[*nf] = c;
        }
        (*nf)++;
      }
    }
  }
}

/* max_l (x_l + w_l) and sum_l exp(x_l + w_l - m) over a run, with 8 independent accumulators so that gcc vectorises the
   reductions (single lines: 1-D grids, or the last axis of thin grids) */
static inline double RunMax(const double *x, const double *w, ptrdiff_t n, double m)
{
  double    acc[8] = {m, m, m, m, m, m, m, m};
  ptrdiff_t l      = 0;
  for (; l + 8 <= n; l += 8)
    for (int k = 0; k < 8; k++) {
      double v = x[l + k] + w[l + k];
      acc[k]   = v > acc[k] ? v : acc[k];
    }
  for (; l < n; l++) {
    double v = x[l] + w[l];
    acc[0]   = v > acc[0] ? v : acc[0];
  }
  for (int k = 1; k < 8; k++) acc[0] = acc[k] > acc[0] ? acc[k] : acc[0];
  return acc[0];
}

static inline double RunSumExp(const double *x, const double *w, ptrdiff_t n, double m)
{
  double    acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  ptrdiff_t l      = 0;
  for (; l + 8 <= n; l += 8)
    for (int k = 0; k < 8; k++) acc[k] += OTFastExp(x[l + k] + w[l + k] - m);
  for (; l < n; l++) acc[0] += OTFastExp(x[l] + w[l] - m);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* The band log-sum-exp of one contiguous line: x[j] for the sources j, o[i] for outputs [i0, i1); outputs whose check
   fails are recomputed exactly when exact (whole line present), else counted in nf. */
static void LSELine(const AxisTab *A, OTBoundary bc, double eps, PetscInt var, const double *x, double *o, ptrdiff_t i0, ptrdiff_t i1, double mline,
                    PetscBool exact, ptrdiff_t *fi, ptrdiff_t maxf, ptrdiff_t *nf)
{
  const RunTable *B = &A->band[var], *M = &A->mid[var];

  for (ptrdiff_t i = i0; i < i1; i++) {
    double m = -INFINITY, s = 0, t = -INFINITY, val, lim;
    for (ptrdiff_t q = B->first[i]; q < B->first[i + 1]; q++) m = RunMax(x + B->src[q], B->w + B->off[q], B->len[q], m);
    if (m > -INFINITY)
      for (ptrdiff_t q = B->first[i]; q < B->first[i + 1]; q++) s += RunSumExp(x + B->src[q], B->w + B->off[q], B->len[q], m);
    val  = s > 0 ? m + log(s) : -INFINITY;
    lim  = val - LSE_MARGIN;
    o[i] = val;
    if (!(mline + A->taunear[var] > lim)) continue; /* nothing beyond the band can matter */
    for (ptrdiff_t q = M->first[i]; q < M->first[i + 1]; q++) t = RunMax(x + M->src[q], M->w + M->off[q], M->len[q], t);
    if (t + A->logmid > lim || mline + A->taufar[var] > lim) {
      if (val == -INFINITY && t == -INFINITY && mline == -INFINITY) continue;
      if (exact)
        o[i] = LSEExactLine(A, bc, eps, var, x, 1, i, mline);
      else if (*nf < maxf)
        fi[*nf] = i;
      (*nf)++;
    }
  }
}

/* The outputs of w lines (rows srow -> orow, L of them, line c's max mline[c]; line c needs rows [olo[c], ohi[c]), olo
   NULL: all) in blocks of 64: the panel sums, and the outputs they could not resolve redone exactly from the input lines
   (base + c, stride apart), every output of a block when there are too many to list. */
static void PanelBlocks(OTKernelImpl impl, const AxisTab *A, PetscInt var, const double **srow, double **orow, ptrdiff_t L, ptrdiff_t w, const double *mline,
                        const ptrdiff_t *olo, const ptrdiff_t *ohi, const double *base, ptrdiff_t stride)
{
  BandData    *d   = (BandData *) impl->data;
  const double eps = impl->K->eps;
  ptrdiff_t    fi[4 * LSE_CHUNK], fc[4 * LSE_CHUNK], maxf = 4 * LSE_CHUNK;

  /* the stabilised product first; what it cannot certify goes the exact way: a row at a time when there is much of it */
  if (impl->K->shift)
    d->noutfail += OTShiftPanel(&A->sh, var, srow, orow, 0, L, w, mline, olo, ohi, d->E, d->fail, d->rowfail, &d->nsecond);
  else
    memset(d->rowfail, 1, (size_t) L);
  d->nout += L * w;
  for (ptrdiff_t i0 = 0; i0 < L; i0 += 64) {
    ptrdiff_t i1 = PetscMin(L, i0 + 64), nf = 0;
    for (ptrdiff_t i = i0; i < i1; i++) {
      ptrdiff_t nrow = 0;
      if (!d->rowfail[i]) continue;
      for (ptrdiff_t c = 0; impl->K->shift && c < w; c++) nrow += d->fail[i * OT_SHIFT_W + c];
      if (!impl->K->shift || nrow > 16)
        LSEPanel(A, var, srow, orow, i, i + 1, w, mline, fi, fc, &nf, maxf);
      else
        for (ptrdiff_t c = 0; c < w; c++)
          if (d->fail[i * OT_SHIFT_W + c]) orow[i][c] = LSEExactLine(A, d->bc, eps, var, base + c, stride, i, mline[c]);
    }
    if (nf > maxf) {
      for (ptrdiff_t i = i0; i < i1; i++)
        if (d->rowfail[i])
          for (ptrdiff_t c = 0; c < w; c++) orow[i][c] = LSEExactLine(A, d->bc, eps, var, base + c, stride, i, mline[c]);
    } else
      for (ptrdiff_t f = 0; f < nf; f++) orow[fi[f]][fc[f]] = LSEExactLine(A, d->bc, eps, var, base + fc[f], stride, fi[f], mline[fc[f]]);
    d->nfallback += nf;
  }
}

/* Lines with contiguous columns (nB >= 8): chunks of columns straight from the array; a chunk whose lines need no
   output (np) is set to -inf. */
static void ColumnsPass(OTKernelImpl impl, const AxisTab *A, PetscInt var, const double *in, double *out, ptrdiff_t nA, ptrdiff_t nB, const OTNeedPass *np,
                        const double **srow, double **orow)
{
  const ptrdiff_t L = A->n;
  ptrdiff_t       olo[LSE_CHUNK], ohi[LSE_CHUNK];
  double          mline[LSE_CHUNK];

  for (ptrdiff_t a = 0; a < nA; a++)
    for (ptrdiff_t c0 = 0; c0 < nB; c0 += LSE_CHUNK) {
      ptrdiff_t w = PetscMin(LSE_CHUNK, nB - c0);
      for (ptrdiff_t j = 0; j < L; j++) {
        srow[j] = in + (a * L + j) * nB + c0;
        orow[j] = out + (a * L + j) * nB + c0;
      }
      if (np && !OTNeedColumns(np, a * nB + c0, w, olo, ohi)) {
        for (ptrdiff_t j = 0; j < L; j++)
          for (ptrdiff_t c = 0; c < w; c++) orow[j][c] = -INFINITY;
        continue;
      }
      for (ptrdiff_t c = 0; c < w; c++) mline[c] = -INFINITY;
      for (ptrdiff_t j = 0; j < L; j++)
        for (ptrdiff_t c = 0; c < w; c++) mline[c] = srow[j][c] > mline[c] ? srow[j][c] : mline[c];
      PanelBlocks(impl, A, var, srow, orow, L, w, mline, np ? olo : NULL, np ? ohi : NULL, srow[0], nB);
    }
}

/* Lines along a (nearly) contiguous axis: LSE_CHUNK of them gathered into a panel [L][lines], so that the loops run
   across lines; lines that need no output (np) are set to -inf instead. */
static void GatherPass(OTKernelImpl impl, const AxisTab *A, PetscInt var, const double *in, double *out, ptrdiff_t nA, ptrdiff_t nB, const OTNeedPass *np,
                       const double **srow, double **orow)
{
  BandData       *d = (BandData *) impl->data;
  const ptrdiff_t L = A->n, nl = nA * nB;
  ptrdiff_t       olo[LSE_CHUNK], ohi[LSE_CHUNK], line[LSE_CHUNK], next = 0;
  double          mline[LSE_CHUNK];

  for (ptrdiff_t j = 0; j < L; j++) {
    srow[j] = d->panel + j * LSE_CHUNK;
    orow[j] = d->opanel + j * LSE_CHUNK;
  }
  while (next < nl) {
    ptrdiff_t w = 0;
    for (; next < nl && w < LSE_CHUNK; next++) {
      ptrdiff_t a = next / nB, b = next % nB;
      if (np && !OTNeedColumns(np, next, 1, &olo[w], &ohi[w])) {
        for (ptrdiff_t j = 0; j < L; j++) out[(a * L + j) * nB + b] = -INFINITY;
        continue;
      }
      line[w++] = next;
    }
    /* transposed in blocks of 8 rows, so that the panel's rows being written stay in cache across the lines */
    for (ptrdiff_t c = 0; c < w; c++) mline[c] = -INFINITY;
    for (ptrdiff_t j0 = 0; j0 < L; j0 += 8)
      for (ptrdiff_t c = 0; c < w; c++) {
        const double *x = in + (line[c] / nB * L) * nB + line[c] % nB;
        for (ptrdiff_t j = j0; j < PetscMin(L, j0 + 8); j++) {
          double v                    = x[j * nB];
          d->panel[j * LSE_CHUNK + c] = v;
          mline[c]                    = v > mline[c] ? v : mline[c];
        }
      }
    if (w) PanelBlocks(impl, A, var, srow, orow, L, w, mline, np ? olo : NULL, np ? ohi : NULL, d->panel, LSE_CHUNK);
    for (ptrdiff_t j0 = 0; j0 < L; j0 += 8)
      for (ptrdiff_t c = 0; c < w; c++) {
        double *o = out + (line[c] / nB * L) * nB + line[c] % nB;
        for (ptrdiff_t j = j0; j < PetscMin(L, j0 + 8); j++) o[j * nB] = d->opanel[j * LSE_CHUNK + c];
      }
  }
}

/* One axis over local whole lines: data [nA][L][nB] (L = the axis), in -> out (distinct arrays); np: the outputs needed
   (NULL: all). */
static PetscErrorCode AxisPassLocal(OTKernelImpl impl, const AxisTab *A, PetscInt var, const double *in, double *out, ptrdiff_t nA, ptrdiff_t nB,
                                    const OTNeedPass *np)
{
  BandData       *d = (BandData *) impl->data;
  const ptrdiff_t L = A->n;
  const double  **srow;
  double        **orow;
  const double    eps = impl->K->eps;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(L, &srow, L, &orow));
  if (nB >= 8)
    ColumnsPass(impl, A, var, in, out, nA, nB, np, srow, orow);
  else if (nB == 1 && nA < 16 && !impl->K->shift) {
    /* a few contiguous lines (1-D grids): vectorise along each line */
    for (ptrdiff_t a = 0; a < nA; a++) {
      const double *x  = in + a * L;
      double        mx = -INFINITY;
      ptrdiff_t     nf = 0;
      for (ptrdiff_t j = 0; j < L; j++) mx = x[j] > mx ? x[j] : mx;
      LSELine(A, d->bc, eps, var, x, out + a * L, 0, L, mx, PETSC_TRUE, NULL, 0, &nf);
      d->nfallback += nf;
    }
  } else
    GatherPass(impl, A, var, in, out, nA, nB, np, srow, orow);
  PetscCall(PetscFree2(srow, orow));
  PetscFunctionReturn(0);
}

static int CompareIndex(const void *x, const void *y)
{
  ptrdiff_t a = *(const ptrdiff_t *) x, b = *(const ptrdiff_t *) y;
  return a < b ? -1 : (a > b);
}

/* Outputs of axis 0 whose check failed, few of them: the whole lines of their columns are gathered on every rank (one
   all-gather of n0 x ncolumns values) and those outputs recomputed exactly. done = PETSC_FALSE when there are too many
   columns for that to pay (the caller then redoes the pass on whole lines). */
static PetscErrorCode Axis0Columns(OTKernelImpl impl, PetscInt var, const double *in, double *out, ptrdiff_t nf, const ptrdiff_t *fi, const ptrdiff_t *fc,
                                   PetscBool *done)
{
  BandData         *d     = (BandData *) impl->data;
  const OTGridInfo *gi    = d->gi;
  const ptrdiff_t   plane = gi->plane;
  const ptrdiff_t  *st, *ct;
  ptrdiff_t        *cols, *all, nu = 0, nc = 0;
  int              *cnt, *dsp, ntot, nci;
  double           *mine, *full;

  PetscFunctionBegin;
  PetscCall(OTGridGetRanges(impl->K->grid, &st, &ct));
  PetscCall(PetscMalloc1(nf + 1, &cols));
  for (ptrdiff_t f = 0; f < nf; f++) cols[f] = fc[f];
  qsort(cols, (size_t) nf, sizeof(ptrdiff_t), CompareIndex);
  for (ptrdiff_t f = 0; f < nf; f++)
    if (!nc || cols[nc - 1] != cols[f]) cols[nc++] = cols[f];
  nci = (int) nc;
  PetscCall(PetscMalloc2(gi->size, &cnt, gi->size + 1, &dsp));
  PetscCallMPI(MPI_Allgather(&nci, 1, MPI_INT, cnt, 1, MPI_INT, impl->K->comm));
  dsp[0] = 0;
  for (PetscMPIInt r = 0; r < gi->size; r++) dsp[r + 1] = dsp[r] + cnt[r];
  ntot = dsp[gi->size];
  PetscCall(PetscMalloc1(ntot + 1, &all));
  PetscCallMPI(MPI_Allgatherv(cols, nci, MPI_INT64_T, all, cnt, dsp, MPI_INT64_T, impl->K->comm));
  qsort(all, (size_t) ntot, sizeof(ptrdiff_t), CompareIndex);
  for (ptrdiff_t k = 0; k < ntot; k++)
    if (!nu || all[nu - 1] != all[k]) all[nu++] = all[k];
  *done = (PetscBool) (nu <= plane / 4 + 1 && nu * gi->n[0] < PETSC_MPI_INT_MAX);
  if (*done && nu) {
    PetscCall(PetscMalloc2(gi->local_n0 * nu + 1, &mine, gi->n[0] * nu, &full));
    for (ptrdiff_t p = 0; p < gi->local_n0; p++)
      for (ptrdiff_t k = 0; k < nu; k++) mine[p * nu + k] = in[p * plane + all[k]];
    for (PetscMPIInt r = 0; r < gi->size; r++) {
      cnt[r] = (int) (ct[r] * nu);
      dsp[r] = (int) (st[r] * nu);
    }
    PetscCall(PetscLogEventBegin(OTKERNEL_Halo, 0, 0, 0, 0));
    PetscCallMPI(MPI_Allgatherv(mine, (int) (gi->local_n0 * nu), MPI_DOUBLE, full, cnt, dsp, MPI_DOUBLE, impl->K->comm));
    PetscCall(PetscLogEventEnd(OTKERNEL_Halo, 0, 0, 0, 0));
    for (ptrdiff_t f = 0; f < nf; f++) {
      const ptrdiff_t *hit                      = (const ptrdiff_t *) bsearch(&fc[f], all, (size_t) nu, sizeof(ptrdiff_t), CompareIndex);
      out[(fi[f] - gi->start0) * plane + fc[f]] = LSEExactLine(&d->ax[0], d->bc, impl->K->eps, var, full + (hit - all), nu, fi[f], d->mline[fc[f]]);
    }
    d->nfallback += nf;
    PetscCall(PetscFree2(mine, full));
  }
  PetscCall(PetscFree(all));
  PetscCall(PetscFree2(cnt, dsp));
  PetscCall(PetscFree(cols));
  PetscFunctionReturn(0);
}

/* Axis 0 across the slabs: halo exchange of the planes the band and mid band reach, band log-sum-exp per plane; outputs
   whose check fails are recomputed on their whole columns (Axis0Columns), or, when there are many, the caller is told
   (*redo) to redo the pass on whole lines (Axis0Transposed). */
static PetscErrorCode Axis0Halo(OTKernelImpl impl, PetscInt var, const double *in, double *out, const OTNeedPass *np, PetscBool *redo)
{
  BandData         *d     = (BandData *) impl->data;
  const OTGridInfo *gi    = d->gi;
  const AxisTab    *A     = &d->ax[0];
  const ptrdiff_t   plane = gi->plane, maxf = PetscMax(1024, gi->nlocal / 16), maxshift = PetscMax(1024, gi->nlocal / 64);
  ptrdiff_t         nf = 0, *fi, *fc, nshift = 0;
  int               flags[2], gflags[2], lines = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OTKERNEL_Halo, 0, 0, 0, 0));
  PetscCall(OTPlaneExchangeExecute(d->halo, in, d->hbuf));
  /* the line maxima of axis 0 (for the bound of what lies beyond the mid band) */
  for (ptrdiff_t c = 0; c < plane; c++) d->mline[c] = -INFINITY;
  for (ptrdiff_t p = 0; p < gi->local_n0; p++)
    for (ptrdiff_t c = 0; c < plane; c++) d->mline[c] = in[p * plane + c] > d->mline[c] ? in[p * plane + c] : d->mline[c];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, d->mline, (int) plane, MPI_DOUBLE, MPI_MAX, impl->K->comm));
  PetscCall(PetscLogEventEnd(OTKERNEL_Halo, 0, 0, 0, 0));
  PetscCall(PetscMalloc2(maxf, &fi, maxf, &fc));
  if (plane == 1 && !impl->K->shift) {
    LSELine(A, d->bc, impl->K->eps, var, d->hbuf - d->hlo, out - gi->start0, gi->start0, gi->start0 + gi->local_n0, d->mline[0], PETSC_FALSE, fi, maxf, &nf);
    for (ptrdiff_t f = 0; f < PetscMin(nf, maxf); f++) fc[f] = 0;
  } else
    for (ptrdiff_t c0 = 0; c0 < plane; c0 += LSE_CHUNK) {
      ptrdiff_t w = PetscMin(LSE_CHUNK, plane - c0), nf0 = PetscMin(nf, maxf), add = 0, olo[LSE_CHUNK], ohi[LSE_CHUNK];
      for (ptrdiff_t j = d->hlo; j <= d->hhi; j++) d->srow[j] = d->hbuf + (j - d->hlo) * plane + c0;
      for (ptrdiff_t i = gi->start0; i < gi->start0 + gi->local_n0; i++) d->orow[i] = out + (i - gi->start0) * plane + c0;
      if (np && !OTNeedColumns(np, c0, w, olo, ohi)) {
        for (ptrdiff_t i = gi->start0; i < gi->start0 + gi->local_n0; i++)
          for (ptrdiff_t c = 0; c < w; c++) d->orow[i][c] = -INFINITY;
        continue;
      }
      if (impl->K->shift) {
        ptrdiff_t left = OTShiftPanel(&A->sh, var, d->srow, d->orow, gi->start0, gi->start0 + gi->local_n0, w, d->mline + c0, np ? olo : NULL, np ? ohi : NULL,
                                      d->E, d->fail, d->rowfail, &d->nsecond);
        /* the band's planes cannot resolve these: past about 1.5 % of the outputs (1-3 us each the exact way), whole lines
           after a transpose (about 40 ns an output) are cheaper */
        if ((nshift += left) > maxshift) {
          lines = 1;
          break;
        }
        d->noutfail += left;
      } else
        memset(d->rowfail, 1, (size_t) gi->local_n0);
      d->nout += gi->local_n0 * w;
      for (ptrdiff_t i = gi->start0; i < gi->start0 + gi->local_n0; i++)
        if (d->rowfail[i - gi->start0]) LSEPanel(A, var, d->srow, d->orow, i, i + 1, w, d->mline + c0, fi + nf0, fc + nf0, &add, maxf - nf0);
      for (ptrdiff_t f = nf0; f < PetscMin(nf0 + add, maxf); f++) fc[f] += c0;
      nf += add;
    }
  flags[0] = nf > 0;
  flags[1] = nf > maxf || lines;
  PetscCallMPI(MPI_Allreduce(flags, gflags, 2, MPI_INT, MPI_MAX, impl->K->comm));
  *redo = PETSC_FALSE;
  if (gflags[1])
    *redo = PETSC_TRUE;
  else if (gflags[0]) {
    PetscBool done = PETSC_FALSE;
    PetscCall(Axis0Columns(impl, var, in, out, nf, fi, fc, &done));
    *redo = (PetscBool) !done;
  }
  PetscCall(PetscFree2(fi, fc));
  PetscFunctionReturn(0);
}

/* Axis 0 on whole lines: FFTW-MPI transpose to [local_n1][n0][n2], the local pass (exact where needed), transpose back. */
static PetscErrorCode Axis0Transposed(OTKernelImpl impl, PetscInt var, const double *in, double *out)
{
  BandData         *d  = (BandData *) impl->data;
  const OTGridInfo *gi = d->gi;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OTKERNEL_Halo, 0, 0, 0, 0));
  memcpy(out, in, sizeof(double) * (size_t) gi->nlocal);
  fftw_mpi_execute_r2r(d->tr_fwd, out, out);
  PetscCall(PetscLogEventEnd(OTKERNEL_Halo, 0, 0, 0, 0));
  {
    AxisTab lines = d->ax[0]; /* the same tables, the stabilised product's on whole lines */
    if (impl->K->shift) lines.sh = d->ax[0].shl;
    PetscCall(AxisPassLocal(impl, &lines, var, out, d->t2, gi->local_n1, gi->n[2], NULL));
  }
  PetscCall(PetscLogEventBegin(OTKERNEL_Halo, 0, 0, 0, 0));
  memcpy(out, d->t2, sizeof(double) * (size_t) (gi->local_n1 * gi->n[0] * gi->n[2])); /* the plans are in place */
  fftw_mpi_execute_r2r(d->tr_bwd, out, out);
  PetscCall(PetscLogEventEnd(OTKERNEL_Halo, 0, 0, 0, 0));
  d->nredo++;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUpHalo(OTKernelImpl impl)
{
  BandData         *d  = (BandData *) impl->data;
  const OTGridInfo *gi = d->gi;
  const AxisTab    *A  = &d->ax[0];
  const ptrdiff_t  *st, *ct;
  ptrdiff_t        *need, nneed, lo = gi->n[0], hi = -1;

  PetscFunctionBegin;
  PetscCall(OTPlaneExchangeDestroy(&d->halo));
  PetscCall(PetscFree(d->hbuf));
  /* sources of this rank's outputs for both variants (same offsets) in band and mid band: one range of planes */
  for (PetscInt v = 0; v < 2; v++) {
    const RunTable *T[2] = {&A->band[v], &A->mid[v]};
    if (A->built[v] != impl->K->eps) continue;
    for (int b = 0; b < 2; b++)
      for (ptrdiff_t i = gi->start0; i < gi->start0 + gi->local_n0; i++)
        for (ptrdiff_t q = T[b]->first[i]; q < T[b]->first[i + 1]; q++) {
          lo = PetscMin(lo, T[b]->src[q]);
          hi = PetscMax(hi, T[b]->src[q] + T[b]->len[q] - 1);
        }
  }
  if (hi < lo) lo = hi = gi->start0;
  d->hlo = lo;
  d->hhi = hi;
  nneed  = hi - lo + 1;
  PetscCall(PetscMalloc1(nneed, &need));
  for (ptrdiff_t k = 0; k < nneed; k++) need[k] = lo + k;
  PetscCall(OTGridGetRanges(impl->K->grid, &st, &ct));
  PetscCall(OTPlaneExchangeCreate(impl->K->comm, st, ct, gi->plane, nneed, need, &d->halo));
  PetscCall(PetscFree(need));
  {
    double bytes = (double) nneed * (double) gi->plane * sizeof(double) * 2; /* receive buffer + the exchange's own */
    PetscCall(OTMemoryCheck(impl->K->comm, bytes, "banded kernel halo"));
  }
  PetscCall(PetscMalloc1(nneed * gi->plane, &d->hbuf));
  PetscFunctionReturn(0);
}

/* The stabilised product's scratch for the longest panel of this eps (whole lines, or the local planes of axis 0). */
static PetscErrorCode SetUpShift(OTKernelImpl impl)
{
  BandData         *d  = (BandData *) impl->data;
  const OTGridInfo *gi = d->gi;
  ptrdiff_t         ne = 0, nr = 0;
  double            bytes;

  PetscFunctionBegin;
  PetscCall(PetscFree3(d->E, d->rowfail, d->fail));
  for (PetscInt k = 0; k < gi->dim; k++) {
    ne = PetscMax(ne, OTShiftScratch(&d->ax[k].sh, d->ax[k].n));
    if (k == 0 && d->distributed) ne = PetscMax(ne, OTShiftScratch(&d->ax[k].shl, d->ax[k].n));
    nr = PetscMax(nr, d->ax[k].n);
  }
  bytes = (double) ne * sizeof(double) + (double) nr * (1 + OT_SHIFT_W);
  PetscCall(OTMemoryCheck(impl->K->comm, bytes, "banded kernel: stabilised product"));
  PetscCall(PetscMalloc3(ne, &d->E, nr, &d->rowfail, nr * OT_SHIFT_W, &d->fail));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetEps_Banded(OTKernelImpl impl)
{
  BandData *d = (BandData *) impl->data;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++) PetscCall(BuildAxis(impl, k, 0));
  PetscCall(SetUpShift(impl));
  if (d->distributed) PetscCall(SetUpHalo(impl));
  PetscFunctionReturn(0);
}

/* after a halo pass of axis 0 that the band could not resolve, this many applications go straight to whole lines */
#define AXIS0_LINES 16

static PetscErrorCode ApplyLog_Banded(OTKernelImpl impl, PetscInt moment, const double *in, double *out)
{
  BandData         *d       = (BandData *) impl->data;
  const OTGridInfo *gi      = d->gi;
  const double     *cur     = in;
  double           *bufs[2] = {d->t1, d->t2};
  int               nb      = 0;
  const OTNeed     *np      = NULL;

  PetscFunctionBegin;
  if (moment >= 0) {
    PetscBool rebuild = PETSC_FALSE;
    for (PetscInt k = 0; k < 3; k++) {
      if (d->ax[k].active && d->ax[k].built[1] != impl->K->eps) rebuild = PETSC_TRUE;
      PetscCall(BuildAxis(impl, k, 1));
    }
    if (rebuild && d->distributed) PetscCall(SetUpHalo(impl));
  }
  PetscCall(PetscLogEventBegin(OTKERNEL_LSE, 0, 0, 0, 0));
  if (impl->K->where && impl->K->shift) { /* ranges only for the stabilised product: the exact path forms every output */
    PetscCall(OTNeedCompute(gi, impl->K->where, &d->need));
    np = &d->need;
  }
  for (PetscInt k = 0; k < gi->dim; k++) {
    const AxisTab *A        = &d->ax[k];
    PetscInt       var      = moment == k ? 1 : 0;
    PetscBool      lastpass = (PetscBool) (k == gi->dim - 1);
    double        *dst      = lastpass ? out : bufs[nb];
    if (lastpass && cur == out) { /* in-place on a 1-D grid: go through a scratch field */
      dst = bufs[nb];
    }
    if (k == 0) {
      if (d->distributed) {
        PetscBool redo = PETSC_TRUE, tried = (PetscBool) (d->lines0 == 0);
        if (tried)
          PetscCall(Axis0Halo(impl, var, cur, dst, np ? &np->pass[0] : NULL, &redo));
        else /* the last halo pass could not resolve axis 0: whole lines for a while, then the halo again */
          d->lines0--;
        if (redo && tried) {
          PetscCall(PetscInfo(NULL, "banded kernel: many outputs of axis 0 need more than the band; pass redone on whole lines, the next %d too\n",
                              impl->K->shift ? AXIS0_LINES : 0));
          if (impl->K->shift) d->lines0 = AXIS0_LINES;
        }
        if (redo) PetscCall(Axis0Transposed(impl, var, cur, dst));
      } else
        PetscCall(AxisPassLocal(impl, A, var, cur, dst, 1, gi->plane, np ? &np->pass[0] : NULL));
    } else if (k == 1)
      PetscCall(AxisPassLocal(impl, A, var, cur, dst, gi->local_n0, gi->n[2], np ? &np->pass[1] : NULL));
    else
      PetscCall(AxisPassLocal(impl, A, var, cur, dst, gi->local_n0 * gi->n[1], 1, np ? &np->pass[2] : NULL));
    if (lastpass && dst != out) memcpy(out, dst, sizeof(double) * (size_t) gi->nlocal);
    cur = dst;
    nb  = 1 - nb;
  }
  PetscCall(PetscLogEventEnd(OTKERNEL_LSE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Banded(OTKernelImpl impl, PetscViewer v)
{
  BandData *d = (BandData *) impl->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  band radius (cells):"));
  for (PetscInt k = 0; k < impl->K->gi->dim; k++) PetscCall(PetscViewerASCIIPrintf(v, " %td", d->ax[k].r));
  PetscCall(PetscViewerASCIIPrintf(v, "; outputs beyond the band recomputed: %td (axis-0 passes on whole lines: %td)\n", d->nfallback, d->nredo));
  if (impl->K->shift) {
    char   buf[256];
    size_t len = 0;
    for (PetscInt k = 0; k < impl->K->gi->dim; k++) {
      const OTShiftTab *T = &d->ax[k].sh;
      char              s1[32];
      if (T->dense)
        snprintf(s1, sizeof s1, "dense");
      else
        snprintf(s1, sizeof s1, "band %td", T->r);
      len += (size_t) snprintf(buf + len, sizeof buf - len, " %s / band in blocks of %td", s1, T->band.B);
      if (T->folded) len += (size_t) snprintf(buf + len, sizeof buf - len, ", line in blocks of %td", T->line.B);
      len += (size_t) snprintf(buf + len, sizeof buf - len, ";");
    }
    PetscCall(PetscViewerASCIIPrintf(v, "  stabilised product per axis (stage 1 / stage 2):%s\n", buf));
    PetscCall(PetscViewerASCIIPrintf(v, "  outputs: %td, per-block shifts (stage 2): %td, left to the exact log-sum-exp: %td (%.3g%%)\n", d->nout, d->nsecond,
                                     d->noutfail, d->nout ? 100.0 * (double) d->noutfail / (double) d->nout : 0.0));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Banded(OTKernelImpl impl)
{
  BandData *d = (BandData *) impl->data;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; k++)
    for (PetscInt v = 0; v < 2; v++) {
      PetscCall(RunTableDestroy(&d->ax[k].band[v]));
      PetscCall(RunTableDestroy(&d->ax[k].mid[v]));
    }
  for (PetscInt k = 0; k < 3; k++) {
    PetscCall(OTShiftTabDestroy(&d->ax[k].sh));
    PetscCall(OTShiftTabDestroy(&d->ax[k].shl));
  }
  PetscCall(PetscFree3(d->E, d->rowfail, d->fail));
  PetscCall(OTNeedDestroy(&d->need));
  PetscCall(OTFieldDestroy(&d->t1));
  PetscCall(OTFieldDestroy(&d->t2));
  PetscCall(OTPlaneExchangeDestroy(&d->halo));
  PetscCall(PetscFree(d->hbuf));
  PetscCall(PetscFree(d->mline));
  PetscCall(PetscFree2(d->srow, d->orow));
  PetscCall(PetscFree2(d->panel, d->opanel));
  if (d->tr_fwd) fftw_destroy_plan(d->tr_fwd);
  if (d->tr_bwd) fftw_destroy_plan(d->tr_bwd);
  PetscCall(PetscFree(impl->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode ImplCreate_Banded(OTKernel K, OTKernelImpl *impl)
{
  OTKernelImpl      im;
  BandData         *d;
  const OTGridInfo *gi = K->gi;
  ptrdiff_t         lmax;
  double            bytes;

  PetscFunctionBegin;
  PetscCall(PetscNew(&im));
  PetscCall(PetscNew(&d));
  im->K          = K;
  im->data       = d;
  im->name       = OTKERNELBANDED;
  im->logdomain  = PETSC_TRUE;
  im->seteps     = SetEps_Banded;
  im->applylog   = ApplyLog_Banded;
  im->view       = View_Banded;
  im->destroy    = Destroy_Banded;
  d->bc          = K->boundary;
  d->gi          = gi;
  d->distributed = (PetscBool) (gi->size > 1);
  PetscCall(OTFieldBytes(K->grid, 2, &bytes));
  PetscCall(OTMemoryCheck(K->comm, bytes + OTNeedBytes(gi), "banded kernel")); /* two scratch fields, the masked application's ranges */
  PetscCall(OTFieldCreate(K->grid, &d->t1));
  PetscCall(OTFieldCreate(K->grid, &d->t2));
  lmax = PetscMax(gi->n[0], PetscMax(gi->n[1], gi->n[2]));
  PetscCall(PetscMalloc2(lmax * LSE_CHUNK, &d->panel, lmax * LSE_CHUNK, &d->opanel));
  if (d->distributed) {
    double *w;
    PetscCall(PetscMalloc1(gi->plane, &d->mline));
    PetscCall(PetscMalloc2(gi->n[0], &d->srow, gi->n[0], &d->orow));
    /* transposes n0 x n1 (x n2 values each) <-> n1 x n0, FFTW's slabs on both sides (the grid's alloc covers both) */
    PetscCall(OTFieldCreate(K->grid, &w));
    d->tr_fwd = fftw_mpi_plan_many_transpose(gi->n[0], gi->n[1], gi->n[2], FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, w, w, K->comm, FFTW_ESTIMATE);
    d->tr_bwd = fftw_mpi_plan_many_transpose(gi->n[1], gi->n[0], gi->n[2], FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, w, w, K->comm, FFTW_ESTIMATE);
    PetscCall(OTFieldDestroy(&w));
    PetscCheck(d->tr_fwd && d->tr_bwd, K->comm, PETSC_ERR_LIB, "FFTW could not plan the transposes of the banded kernel");
  }
  *impl = im;
  PetscFunctionReturn(0);
}

/* The banded type: any boundary (images folded into the band). */
PetscErrorCode OTKernelCreate_Banded(OTKernel K)
{
  PetscFunctionBegin;
  K->fixed = -1;
  K->make  = ImplCreate_Banded;
  PetscFunctionReturn(0);
}
