/* integrate.c: exact integration of the piecewise-constant voxel density over one Laguerre cell, restricted to the
   owned slab: mass, first moment and transport cost (the cell cut into voxel pieces plane by plane and row by row;
   voxels wholly inside the cell are summed without clipping), and the density integral over each face shared with a
   higher-numbered site (the Hessian entries), the face cut into voxel pieces the same way. */
#include "sdimpl.h"

/* The voxel layers along axis k met by an object spanning [lo, hi] on that axis. An object flat along k (a face lying
   in a plane x_k = const) is not cut: it lies in one layer, or on a voxel wall, where it takes half of each side
   (the density jumps there; the two one-sided limits are averaged). Otherwise layers ia..ib are cut one by one. */
typedef struct {
  int       flat;
  ptrdiff_t ia, ib;
  double    wa, wb;
} Layers;

static ptrdiff_t Clamp(ptrdiff_t v, ptrdiff_t lo, ptrdiff_t hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

static void GetLayers(const OTGridInfo *gi, int k, double lo, double hi, double tol, Layers *L)
{
  double    o = gi->origin[k], h = gi->h[k], u0 = (lo - o) / h, u1 = (hi - o) / h;
  ptrdiff_t n = gi->n[k];

  L->wa = 1;
  L->wb = 0;
  if (hi - lo <= tol) {
    double u = 0.5 * (u0 + u1), g = PetscFloorReal(u + 0.5);
    L->flat = 1;
    if (PetscAbsReal(u - g) * h <= tol) {
      ptrdiff_t gw = (ptrdiff_t) g;
      if (gw <= 0)
        L->ia = L->ib = 0;
      else if (gw >= n)
        L->ia = L->ib = n - 1;
      else {
        L->ia = gw - 1;
        L->ib = gw;
        L->wa = L->wb = 0.5;
      }
    } else
      L->ia = L->ib = Clamp((ptrdiff_t) PetscFloorReal(u), 0, n - 1);
  } else {
    L->flat = 0;
    L->ia   = Clamp((ptrdiff_t) PetscFloorReal(u0), 0, n - 1);
    L->ib   = Clamp((ptrdiff_t) PetscCeilReal(u1) - 1, 0, n - 1);
    L->wb   = 1;
  }
}

/* weight of layer l in L (0 when l is not one of its layers) */
static double LayerWeight(const Layers *L, ptrdiff_t l)
{
  if (!L->flat) return 1;
  if (l == L->ia) return L->wa;
  return l == L->ib ? L->wb : 0;
}

/* ---------------------------------------------------------------- 2-D */

static void PolyExtent(const double *x, int n, int stride, int k, double *lo, double *hi)
{
  *lo = PETSC_MAX_REAL;
  *hi = -PETSC_MAX_REAL;
  for (int v = 0; v < n; v++) {
    *lo = PetscMin(*lo, x[stride * v + k]);
    *hi = PetscMax(*hi, x[stride * v + k]);
  }
}

/* Where along the last axis every point of the box [x0a, x0b] x ... lies inside all the cell's planes: a voxel of that
   range is wholly inside the cell. The planes are linear, so checking the corner lines of the box is enough. */
static void InteriorRange(const SDCellWork *cw, int dim, const double a[], const double b[], double *fa, double *fb)
{
  int last = dim - 1, ncorner = 1 << (dim - 1);

  *fa = -PETSC_MAX_REAL;
  *fb = PETSC_MAX_REAL;
  for (int p = 0; p < cw->npl; p++) {
    const SDPlane *pl = &cw->pl[p];
    for (int q = 0; q < ncorner; q++) {
      double rhs = pl->c;
      for (int k = 0; k < last; k++) rhs -= pl->n[k] * (((q >> k) & 1) ? b[k] : a[k]);
      if (pl->n[last] > 1e-14)
        *fb = PetscMin(*fb, rhs / pl->n[last]);
      else if (pl->n[last] < -1e-14)
        *fa = PetscMax(*fa, rhs / pl->n[last]);
      else if (rhs < 0)
        *fa = PETSC_MAX_REAL;
    }
  }
}

/* moments of the voxel [a, b] about y: volume, int x, int |x - y|^2 */
static void BoxMoments(int dim, const double a[], const double b[], const double y[], double *vol, double m1[], double *m2)
{
  double V = 1, s = 0, d2 = 0;
  dim = PetscMin(dim, 3);
  for (int k = 0; k < dim; k++) V *= b[k] - a[k];
  for (int k = 0; k < dim; k++) {
    double c = 0.5 * (a[k] + b[k]), h = b[k] - a[k];
    m1[k] = V * c;
    d2 += (c - y[k]) * (c - y[k]);
    s += h * h / 12;
  }
  *vol = V;
  *m2  = V * (d2 + s);
}

/* ---------------------------------------------------------------- volume integrals (2-D and 3-D) */

static void *Buf(SDCellWork *cw, int b)
{
  return cw->dim == 2 ? (void *) &cw->p2[b] : (void *) &cw->p3[b];
}

/* Keeps the part of in where sgn (x_k - val) <= 0, into out. */
static PetscErrorCode AxisClip(SDCellWork *cw, const void *in, int k, double sgn, double val, double tol, void *out, SDClipResult *res)
{
  double n[3] = {0, 0, 0};

  PetscFunctionBegin;
  n[k] = sgn;
  if (cw->dim == 2) {
    PetscCall(SDPoly2Reserve((SDPoly2 *) out, 2 * ((const SDPoly2 *) in)->n + 2));
    *res = SDPoly2Clip((const SDPoly2 *) in, n, sgn * val, SD_TAG_GRID, tol, (SDPoly2 *) out);
  } else {
    PetscCall(SDPoly3ReserveFor((SDPoly3 *) out, (const SDPoly3 *) in, &cw->w3));
    *res = SDPoly3Clip((const SDPoly3 *) in, n, sgn * val, SD_TAG_GRID, tol, (SDPoly3 *) out, &cw->w3);
  }
  PetscFunctionReturn(0);
}

static void Extent(const SDCellWork *cw, const void *p, int k, double *lo, double *hi)
{
  if (cw->dim == 2)
    PolyExtent(((const SDPoly2 *) p)->x, ((const SDPoly2 *) p)->n, 2, k, lo, hi);
  else
    PolyExtent(((const SDPoly3 *) p)->v, ((const SDPoly3 *) p)->nv, 3, k, lo, hi);
}

/* The voxel layers ca..cb of axis k met by [lo, hi]. */
static void LayerRange(const OTGridInfo *gi, int k, double lo, double hi, ptrdiff_t *ca, ptrdiff_t *cb)
{
  *ca = Clamp((ptrdiff_t) PetscFloorReal((lo - gi->origin[k]) / gi->h[k]), 0, gi->n[k] - 1);
  *cb = Clamp((ptrdiff_t) PetscCeilReal((hi - gi->origin[k]) / gi->h[k]) - 1, 0, gi->n[k] - 1);
}

/* Integrates the piece src of the cell (already cut to the voxel layers idx[0..k-1], i.e. to [a_j, b_j] for j < k)
   over the layers of axis k: a sweep that cuts each layer off the remainder of the piece, so that every cut works on
   what is left rather than on the whole piece; on the last axis, voxels wholly inside the cell are summed directly. */
static PetscErrorCode Sweep(OTSD sd, PetscInt i, SDCellWork *cw, int k, const void *src, ptrdiff_t idx[], double a[], double b[], double acc[])
{
  const OTGridInfo *gi  = sd->gi;
  int               dim = (int) sd->dim, last = k == dim - 1 || k >= 2, base = 2 + 3 * k, rb = 0;
  const double     *yi  = sd->y + (size_t) i * dim;
  const void       *rem = src;
  double            lo, hi, remlo = -PETSC_MAX_REAL, fa = 0, fb = -1;
  ptrdiff_t         ca, cb;
  SDClipResult      res;

  PetscFunctionBegin;
  Extent(cw, src, k, &lo, &hi);
  LayerRange(gi, k, lo, hi, &ca, &cb);
  if (k == 0) {
    ca = PetscMax(ca, gi->start0);
    cb = PetscMin(cb, gi->start0 + gi->local_n0 - 1);
  }
  if (last) InteriorRange(cw, dim, a, b, &fa, &fb);
  for (ptrdiff_t c = ca; c <= cb; c++) {
    const void *piece;
    double      r = 0, V, m1[3], m2;
    idx[k]        = c;
    a[k]          = gi->origin[k] + (double) c * gi->h[k];
    b[k]          = a[k] + gi->h[k];
    if (last) {
      r = sd->rho[((idx[0] - gi->start0) * gi->n[1] + idx[1]) * gi->n[2] + (dim == 3 ? idx[2] : 0)];
      if (r == 0) continue;
      if (a[k] >= fa && b[k] <= fb) {
        BoxMoments(dim, a, b, yi, &V, m1, &m2);
        acc[0] += r * V;
        for (int q = 0; q < dim; q++) acc[1 + q] += r * m1[q];
        acc[1 + dim] += r * m2;
        continue;
      }
    }
    if (remlo < a[k]) { /* layers were skipped: drop what lies below this one */
      PetscCall(AxisClip(cw, rem, k, -1, a[k], sd->tol, Buf(cw, base + 1 + rb), &res));
      if (res == SD_CLIP_EMPTY) break;
      if (res == SD_CLIP_CHANGED) rem = Buf(cw, base + 1 + rb), rb = 1 - rb;
      remlo = a[k];
    }
    PetscCall(AxisClip(cw, rem, k, 1, b[k], sd->tol, Buf(cw, base), &res));
    if (res != SD_CLIP_EMPTY) {
      piece = res == SD_CLIP_CHANGED ? Buf(cw, base) : rem;
      if (!last)
        PetscCall(Sweep(sd, i, cw, k + 1, piece, idx, a, b, acc));
      else {
        if (dim == 2)
          SDPoly2Moments((const SDPoly2 *) piece, yi, &V, m1, &m2);
        else
          SDPoly3Moments((const SDPoly3 *) piece, yi, &V, m1, &m2);
        acc[0] += r * V;
        for (int q = 0; q < dim; q++) acc[1 + q] += r * m1[q];
        acc[1 + dim] += r * m2;
      }
    }
    PetscCall(AxisClip(cw, rem, k, -1, b[k], sd->tol, Buf(cw, base + 1 + rb), &res));
    if (res == SD_CLIP_EMPTY) break;
    if (res == SD_CLIP_CHANGED) rem = Buf(cw, base + 1 + rb), rb = 1 - rb;
    remlo = b[k];
  }
  PetscFunctionReturn(0);
}

/* the part of segment [s0, s1] in the slab a <= x_k <= b; returns 0 if nothing of positive length is left */
static int SlabSegment(const double s0[], const double s1[], int k, double a, double b, double t0[], double t1[])
{
  double d = s1[k] - s0[k], ta = (a - s0[k]) / d, tb = (b - s0[k]) / d, lo, hi;
  if (ta > tb) {
    double t = ta;
    ta       = tb;
    tb       = t;
  }
  lo = PetscMax(0, ta);
  hi = PetscMin(1, tb);
  if (!(hi > lo)) return 0;
  for (int q = 0; q < 2; q++) {
    t0[q] = s0[q] + lo * (s1[q] - s0[q]);
    t1[q] = s0[q] + hi * (s1[q] - s0[q]);
  }
  return 1;
}

/* int rho over the segment [a, b] within the owned slab */
static double SegmentRho(OTSD sd, const double a[], const double b[])
{
  const OTGridInfo *gi = sd->gi;
  Layers            L0, L1;
  double            total = 0;

  GetLayers(gi, 0, PetscMin(a[0], b[0]), PetscMax(a[0], b[0]), sd->flat_tol, &L0);
  for (ptrdiff_t p = PetscMax(L0.ia, gi->start0); p <= PetscMin(L0.ib, gi->start0 + gi->local_n0 - 1); p++) {
    double s0[2], s1[2], wp = LayerWeight(&L0, p);
    if (wp == 0) continue;
    if (L0.flat) {
      s0[0] = a[0], s0[1] = a[1], s1[0] = b[0], s1[1] = b[1];
    } else if (!SlabSegment(a, b, 0, gi->origin[0] + (double) p * gi->h[0], gi->origin[0] + (double) (p + 1) * gi->h[0], s0, s1))
      continue;
    GetLayers(gi, 1, PetscMin(s0[1], s1[1]), PetscMax(s0[1], s1[1]), sd->flat_tol, &L1);
    for (ptrdiff_t c = L1.ia; c <= L1.ib; c++) {
      double t0[2], t1[2], wc = LayerWeight(&L1, c), r = sd->rho[(p - gi->start0) * gi->n[1] + c];
      if (wc == 0 || r == 0) continue;
      if (L1.flat) {
        t0[0] = s0[0], t0[1] = s0[1], t1[0] = s1[0], t1[1] = s1[1];
      } else if (!SlabSegment(s0, s1, 1, gi->origin[1] + (double) c * gi->h[1], gi->origin[1] + (double) (c + 1) * gi->h[1], t0, t1))
        continue;
      total += wp * wc * r * PetscSqrtReal((t1[0] - t0[0]) * (t1[0] - t0[0]) + (t1[1] - t0[1]) * (t1[1] - t0[1]));
    }
  }
  return total;
}

static double SiteDistance(OTSD sd, PetscInt i, PetscInt j)
{
  double d2 = 0;
  for (int k = 0; k < sd->dim; k++) {
    double d = sd->y[(size_t) j * sd->dim + k] - sd->y[(size_t) i * sd->dim + k];
    d2 += d * d;
  }
  return PetscSqrtReal(d2);
}

static PetscErrorCode Facets2(OTSD sd, PetscInt i, SDCellWork *cw, SDAccum *A)
{
  const SDPoly2 *P = &cw->p2[0];

  PetscFunctionBegin;
  for (int k = 0; k < P->n; k++) {
    int    j = P->tag[k], kn = k + 1 == P->n ? 0 : k + 1;
    double v;
    if (j <= i) continue; /* walls, grid cuts, and faces counted from the lower-numbered site */
    v = SegmentRho(sd, P->x + 2 * k, P->x + 2 * kn);
    if (v > 0) PetscCall(SDAccumAddFace(A, i, j, v / (2 * SiteDistance(sd, i, j))));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- 3-D */

/* the part of a planar polygon in the slab a <= x_k <= b (tmp: scratch); vertex count, 0 if none */
static int SlabPolygon(int n, const double *in, int k, double a, double b, double tol, double *tmp, double *out)
{
  int m = SDPolygon3Clip(n, in, k, -1.0, a, tol, tmp);
  return m ? SDPolygon3Clip(m, tmp, k, 1.0, b, tol, out) : 0;
}

/* int rho over a planar polygon (fpoly[0], n vertices) within the owned slab */
static double PolygonRho(OTSD sd, SDCellWork *cw, int n)
{
  const OTGridInfo *gi = sd->gi;
  double          **F = cw->fpoly, total = 0, lo, hi;
  Layers            L0, L1, L2;

  PolyExtent(F[0], n, 3, 0, &lo, &hi);
  GetLayers(gi, 0, lo, hi, sd->flat_tol, &L0);
  for (ptrdiff_t p = PetscMax(L0.ia, gi->start0); p <= PetscMin(L0.ib, gi->start0 + gi->local_n0 - 1); p++) {
    double        wp = LayerWeight(&L0, p);
    const double *P0;
    int           n0;
    if (wp == 0) continue;
    if (L0.flat)
      P0 = F[0], n0 = n;
    else {
      n0 = SlabPolygon(n, F[0], 0, gi->origin[0] + (double) p * gi->h[0], gi->origin[0] + (double) (p + 1) * gi->h[0], sd->tol, F[4], F[1]);
      P0 = F[1];
      if (!n0) continue;
    }
    PolyExtent(P0, n0, 3, 1, &lo, &hi);
    GetLayers(gi, 1, lo, hi, sd->flat_tol, &L1);
    for (ptrdiff_t r = L1.ia; r <= L1.ib; r++) {
      double        wr = LayerWeight(&L1, r);
      const double *P1;
      int           n1;
      if (wr == 0) continue;
      if (L1.flat)
        P1 = P0, n1 = n0;
      else {
        n1 = SlabPolygon(n0, P0, 1, gi->origin[1] + (double) r * gi->h[1], gi->origin[1] + (double) (r + 1) * gi->h[1], sd->tol, F[4], F[2]);
        P1 = F[2];
        if (!n1) continue;
      }
      PolyExtent(P1, n1, 3, 2, &lo, &hi);
      GetLayers(gi, 2, lo, hi, sd->flat_tol, &L2);
      for (ptrdiff_t c = L2.ia; c <= L2.ib; c++) {
        double        wc = LayerWeight(&L2, c), rr = sd->rho[((p - gi->start0) * gi->n[1] + r) * gi->n[2] + c];
        const double *P2;
        int           n2;
        if (wc == 0 || rr == 0) continue;
        if (L2.flat)
          P2 = P1, n2 = n1;
        else {
          n2 = SlabPolygon(n1, P1, 2, gi->origin[2] + (double) c * gi->h[2], gi->origin[2] + (double) (c + 1) * gi->h[2], sd->tol, F[4], F[3]);
          P2 = F[3];
          if (!n2) continue;
        }
        total += wp * wr * wc * rr * SDPolygon3Area(n2, P2);
      }
    }
  }
  return total;
}

static PetscErrorCode Facets3(OTSD sd, PetscInt i, SDCellWork *cw, SDAccum *A)
{
  const SDPoly3 *P = &cw->p3[0];

  PetscFunctionBegin;
  for (int f = 0; f < P->nf; f++) {
    int        j = P->ftag[f], n = P->fn[f];
    const int *fi = P->idx + P->fs[f];
    double     v;
    if (j <= i) continue;
    if (n + 16 > cw->fcap) {
      cw->fcap = 2 * (n + 16);
      for (int k = 0; k < 5; k++) PetscCall(PetscRealloc(sizeof(double) * 3 * (size_t) cw->fcap, &cw->fpoly[k]));
    }
    for (int t = 0; t < n; t++)
      for (int k = 0; k < 3; k++) cw->fpoly[0][3 * t + k] = P->v[3 * fi[t] + k];
    v = PolygonRho(sd, cw, n);
    if (v > 0) PetscCall(SDAccumAddFace(A, i, j, v / (2 * SiteDistance(sd, i, j))));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode SDIntegrateCell(OTSD sd, PetscInt i, const double *w, SDCellWork *cw, SDAccum *A)
{
  double acc[5] = {0, 0, 0, 0, 0};
  int    dim    = (int) sd->dim;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SD_Integrate, 0, 0, 0, 0));
  {
    ptrdiff_t idx[3] = {0, 0, 0};
    double    a[3] = {0, 0, 0}, b[3] = {0, 0, 0};
    PetscCall(Sweep(sd, i, cw, 0, Buf(cw, 0), idx, a, b, acc));
  }
  A->mass[i] += acc[0];
  for (int k = 0; k < dim; k++) A->mom[(size_t) i * dim + k] += acc[1 + k];
  A->cost[i] += acc[1 + dim];
  PetscCall(PetscLogEventEnd(SD_Integrate, 0, 0, 0, 0));
  if (A->want_hessian) {
    PetscCall(PetscLogEventBegin(SD_Facets, 0, 0, 0, 0));
    if (dim == 2)
      PetscCall(Facets2(sd, i, cw, A));
    else
      PetscCall(Facets3(sd, i, cw, A));
    PetscCall(PetscLogEventEnd(SD_Facets, 0, 0, 0, 0));
  }
  PetscFunctionReturn(0);
}
