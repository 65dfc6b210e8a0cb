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

/* Keeps the part of the piece in where sgn (x_k - val) <= 0, into out. */
static PetscErrorCode AxisClip(SDCellWork *cw, const void *in, int k, double sgn, double val, double tol, void *out, SDClipResult *res)
{
  double n[3] = {0, 0, 0};

  PetscFunctionBegin;
  n[k] = sgn;
  PetscCall(SDPieceClip(cw, in, n, sgn * val, SD_TAG_GRID, tol, out, res));
  PetscFunctionReturn(0);
}

/* the density of the owned voxel idx */
static double Rho(OTSD sd, const ptrdiff_t idx[])
{
  const OTGridInfo *gi = sd->gi;
  return sd->rho[((idx[0] - gi->start0) * gi->n[1] + idx[1]) * gi->n[2] + (sd->dim == 3 ? idx[2] : 0)];
}

/* acc += r (volume, first moment, int |x - y_i|^2) */
static void AddMoments(double acc[], int dim, double r, double V, const double m1[], double m2)
{
  acc[0] += r * V;
  for (int q = 0; q < dim; q++) acc[1 + q] += r * m1[q];
  acc[1 + dim] += r * m2;
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
  SDPieceExtent(cw, src, k, &lo, &hi);
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
      r = Rho(sd, idx);
      if (r == 0) continue;
      if (a[k] >= fa && b[k] <= fb) {
        BoxMoments(dim, a, b, yi, &V, m1, &m2);
        AddMoments(acc, dim, r, V, m1, m2);
        continue;
      }
    }
    if (remlo < a[k]) { /* layers were skipped: drop what lies below this one */
      PetscCall(AxisClip(cw, rem, k, -1, a[k], sd->tol, SDPiece(cw, base + 1 + rb), &res));
      if (res == SD_CLIP_EMPTY) break;
      if (res == SD_CLIP_CHANGED) rem = SDPiece(cw, base + 1 + rb), rb = 1 - rb;
      remlo = a[k];
    }
    PetscCall(AxisClip(cw, rem, k, 1, b[k], sd->tol, SDPiece(cw, base), &res));
    if (res != SD_CLIP_EMPTY) {
      piece = res == SD_CLIP_CHANGED ? SDPiece(cw, base) : rem;
      if (!last)
        PetscCall(Sweep(sd, i, cw, k + 1, piece, idx, a, b, acc));
      else {
        if (dim == 2)
          SDPoly2Moments((const SDPoly2 *) piece, yi, &V, m1, &m2);
        else
          SDPoly3Moments((const SDPoly3 *) piece, yi, &V, m1, &m2);
        AddMoments(acc, dim, r, V, m1, m2);
      }
    }
    PetscCall(AxisClip(cw, rem, k, -1, b[k], sd->tol, SDPiece(cw, base + 1 + rb), &res));
    if (res == SD_CLIP_EMPTY) break;
    if (res == SD_CLIP_CHANGED) rem = SDPiece(cw, base + 1 + rb), rb = 1 - rb;
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

/* the part of a flat piece (a segment in 2-D, a planar polygon in 3-D: n vertices of dim coordinates) in the layer
   a <= x_k <= b, into out (3-D: fpoly[4] is the scratch); its vertex count, 0 if nothing is left */
static int SlabFlat(OTSD sd, SDCellWork *cw, int n, const double *in, int k, double a, double b, double *out)
{
  int m;
  if (sd->dim == 2) return SlabSegment(in, in + 2, k, a, b, out, out + 2) ? 2 : 0;
  m = SDPolygon3Clip(n, in, k, -1.0, a, sd->tol, cw->fpoly[4]);
  return m ? SDPolygon3Clip(m, cw->fpoly[4], k, 1.0, b, sd->tol, out) : 0;
}

/* length of a segment (2-D) or area of a planar polygon (3-D) */
static double FlatMeasure(int dim, int n, const double *x)
{
  if (dim == 3) return SDPolygon3Area(n, x);
  return PetscSqrtReal((x[2] - x[0]) * (x[2] - x[0]) + (x[3] - x[1]) * (x[3] - x[1]));
}

/* Adds to *total the integral of rho over the flat piece P (n vertices), already cut to the voxel layers idx[0..k-1]
   (wgt: the product of their weights), cut by the layers of axis k and the following ones into fpoly[1 + k]. A face
   flat along an axis is not cut there: it takes the weights of GetLayers (halves on a voxel wall). Only the owned
   planes of axis 0 count. */
static void FaceSweep(OTSD sd, SDCellWork *cw, int k, int n, const double *P, ptrdiff_t idx[], double wgt, double *total)
{
  const OTGridInfo *gi  = sd->gi;
  int               dim = (int) sd->dim;
  double            lo, hi;
  ptrdiff_t         ca, cb;
  Layers            L;

  if (k >= dim) return; /* never: tells the compiler that idx[k] and fpoly[1 + k] stay in bounds */
  SDExtent(P, n, dim, k, &lo, &hi);
  GetLayers(gi, k, lo, hi, sd->flat_tol, &L);
  ca = L.ia;
  cb = L.ib;
  if (k == 0) {
    ca = PetscMax(ca, gi->start0);
    cb = PetscMin(cb, gi->start0 + gi->local_n0 - 1);
  }
  for (ptrdiff_t c = ca; c <= cb; c++) {
    double        wc = LayerWeight(&L, c), r = 0;
    const double *Q  = P;
    int           nq = n;
    idx[k]           = c;
    if (wc == 0) continue;
    if (k == dim - 1 && (r = Rho(sd, idx)) == 0) continue;
    if (!L.flat) {
      Q  = cw->fpoly[1 + k];
      nq = SlabFlat(sd, cw, n, P, k, gi->origin[k] + (double) c * gi->h[k], gi->origin[k] + (double) (c + 1) * gi->h[k], cw->fpoly[1 + k]);
      if (!nq) continue;
    }
    if (k < dim - 1)
      FaceSweep(sd, cw, k + 1, nq, Q, idx, wgt * wc, total);
    else
      *total += wgt * wc * r * FlatMeasure(dim, nq, Q);
  }
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

/* The faces shared with higher-numbered sites (walls, grid cuts, and faces counted from the lower-numbered site are
   skipped): int rho over each, copied into fpoly[0] and swept over the owned voxels. */
static PetscErrorCode Facets(OTSD sd, PetscInt i, SDCellWork *cw, SDAccum *A)
{
  int        dim = (int) sd->dim, nf;
  const int *tag;

  PetscFunctionBegin;
  nf = SDPieceFaces(cw, SDPiece(cw, 0), &tag);
  for (int f = 0; f < nf; f++) {
    int       j      = tag[f], n;
    ptrdiff_t idx[3] = {0, 0, 0};
    double    v      = 0;
    if (j <= i) continue;
    if (dim == 2) {
      const SDPoly2 *P  = &cw->p2[0];
      int            fn = f + 1 == P->n ? 0 : f + 1;
      for (int q = 0; q < 2; q++) cw->fpoly[0][q] = P->x[2 * f + q], cw->fpoly[0][2 + q] = P->x[2 * fn + q];
      n = 2;
    } else {
      const SDPoly3 *P  = &cw->p3[0];
      const int     *fi = P->idx + P->fs[f];
      n                 = P->fn[f];
      if (n + 16 > cw->fcap) {
        cw->fcap = 2 * (n + 16);
        for (int k = 0; k < 5; k++) PetscCall(PetscRealloc(sizeof(double) * 3 * (size_t) cw->fcap, &cw->fpoly[k]));
      }
      for (int t = 0; t < n; t++)
        for (int k = 0; k < 3; k++) cw->fpoly[0][3 * t + k] = P->v[3 * fi[t] + k];
    }
    FaceSweep(sd, cw, 0, n, cw->fpoly[0], idx, 1.0, &v);
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
    PetscCall(Sweep(sd, i, cw, 0, SDPiece(cw, 0), idx, a, b, acc));
  }
  A->mass[i] += acc[0];
  for (int k = 0; k < dim; k++) A->mom[(size_t) i * dim + k] += acc[1 + k];
  A->cost[i] += acc[1 + dim];
  PetscCall(PetscLogEventEnd(SD_Integrate, 0, 0, 0, 0));
  if (A->want_hessian) {
    PetscCall(PetscLogEventBegin(SD_Facets, 0, 0, 0, 0));
    PetscCall(Facets(sd, i, cw, A));
    PetscCall(PetscLogEventEnd(SD_Facets, 0, 0, 0, 0));
  }
  PetscFunctionReturn(0);
}
