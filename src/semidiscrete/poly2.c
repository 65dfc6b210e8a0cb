/* poly2.c: convex polygons with tagged sides: clipping by a half-plane, area, first moments and second moment. */
#include "sdimpl.h"

PetscErrorCode SDPoly2Reserve(SDPoly2 *p, int n)
{
  PetscFunctionBegin;
  if (n <= p->cap) PetscFunctionReturn(0);
  p->cap = PetscMax(2 * p->cap, n + 16);
  PetscCall(PetscRealloc(sizeof(double) * 2 * (size_t) p->cap, &p->x));
  PetscCall(PetscRealloc(sizeof(int) * (size_t) p->cap, &p->tag));
  PetscFunctionReturn(0);
}

PetscErrorCode SDPoly2Free(SDPoly2 *p)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(p->x));
  PetscCall(PetscFree(p->tag));
  p->n = p->cap = 0;
  PetscFunctionReturn(0);
}

/* The box [lo, hi], counter-clockwise in the (x0, x1) plane; each side tagged with its domain wall. */
void SDPoly2Box(SDPoly2 *p, const double lo[], const double hi[])
{
  const double x[8]   = {lo[0], lo[1], hi[0], lo[1], hi[0], hi[1], lo[0], hi[1]};
  const int    tag[4] = {SDWallTag(1, 0), SDWallTag(0, 1), SDWallTag(1, 1), SDWallTag(0, 0)};
  for (int k = 0; k < 8; k++) p->x[k] = x[k];
  for (int k = 0; k < 4; k++) p->tag[k] = tag[k];
  p->n = 4;
}

/* Keeps {x : nrm.x <= c}; the new side along the line gets `tag`. A vertex within tol of the line counts as on it, and
   is reused instead of creating a new vertex next to it, so that nearly degenerate cuts leave no slivers. `out` must
   have room for 2 in->n + 2 vertices (SDPoly2Reserve). */
SDClipResult SDPoly2Clip(const SDPoly2 *in, const double nrm[], double c, int tag, double tol, SDPoly2 *out)
{
  const int     n = in->n;
  const double *x = in->x;
  double        s[n > 0 ? n : 1];
  int           anyout = 0, anyin = 0, m = 0;

  for (int k = 0; k < n; k++) {
    s[k] = nrm[0] * x[2 * k] + nrm[1] * x[2 * k + 1] - c;
    if (s[k] > tol) anyout = 1;
    if (s[k] < -tol) anyin = 1;
  }
  if (!anyout) return SD_CLIP_UNCHANGED;
  if (!anyin) return SD_CLIP_EMPTY;
  for (int k = 0; k < n; k++) {
    int    kn = k + 1 == n ? 0 : k + 1;
    double sa = s[k], sb = s[kn];
    if (sa <= tol) {
      if (sb <= tol) {
        out->x[2 * m] = x[2 * k], out->x[2 * m + 1] = x[2 * k + 1], out->tag[m++] = in->tag[k];
      } else if (sa >= -tol) { /* on the line, the next vertex out: the boundary leaves along the cut */
        out->x[2 * m] = x[2 * k], out->x[2 * m + 1] = x[2 * k + 1], out->tag[m++] = tag;
      } else {
        double t      = sa / (sa - sb);
        out->x[2 * m] = x[2 * k], out->x[2 * m + 1] = x[2 * k + 1], out->tag[m++] = in->tag[k];
        out->x[2 * m] = x[2 * k] + t * (x[2 * kn] - x[2 * k]), out->x[2 * m + 1] = x[2 * k + 1] + t * (x[2 * kn + 1] - x[2 * k + 1]), out->tag[m++] = tag;
      }
    } else if (sb < -tol) { /* out, then strictly in: the entry point starts the rest of side k */
      double t      = sb / (sb - sa);
      out->x[2 * m] = x[2 * kn] + t * (x[2 * k] - x[2 * kn]), out->x[2 * m + 1] = x[2 * kn + 1] + t * (x[2 * k + 1] - x[2 * kn + 1]),
                 out->tag[m++] = in->tag[k];
    }
  }
  out->n = m;
  return m >= 3 ? SD_CLIP_CHANGED : SD_CLIP_EMPTY;
}

/* Area, first moment int x dx and int |x - y|^2 dx, by triangles fanned from the first vertex (coordinates relative to
   it, for accuracy on small pieces far from the origin). */
void SDPoly2Moments(const SDPoly2 *p, const double y[], double *area, double m1[], double *m2)
{
  const double *x  = p->x;
  double        r0 = x[0], r1 = x[1], A = 0, s0 = 0, s1 = 0, s2 = 0, d0, d1;

  for (int k = 1; k + 1 < p->n; k++) {
    double a0 = x[2 * k] - r0, a1 = x[2 * k + 1] - r1, b0 = x[2 * k + 2] - r0, b1 = x[2 * k + 3] - r1;
    double cr = a0 * b1 - a1 * b0;
    A += cr;
    s0 += cr * (a0 + b0);
    s1 += cr * (a1 + b1);
    s2 += cr * (a0 * a0 + a1 * a1 + b0 * b0 + b1 * b1 + a0 * b0 + a1 * b1);
  }
  A *= 0.5;
  s0 /= 6;
  s1 /= 6;
  s2 /= 12;
  d0    = r0 - y[0];
  d1    = r1 - y[1];
  *area = A;
  m1[0] = r0 * A + s0;
  m1[1] = r1 * A + s1;
  *m2   = s2 + 2 * (d0 * s0 + d1 * s1) + (d0 * d0 + d1 * d1) * A;
}
