/* poly3.c: convex polyhedra as lists of tagged faces: clipping by a half-space, volume, first moments and second
   moment; planar polygons in 3-D (the faces) cut by axis-aligned planes, and their areas. */
#include "sdimpl.h"

PetscErrorCode SDPoly3Reserve(SDPoly3 *p, int nv, int nf, int ni)
{
  PetscFunctionBegin;
  if (nv > p->vcap) {
    p->vcap = PetscMax(2 * p->vcap, nv + 16);
    PetscCall(PetscRealloc(sizeof(double) * 3 * (size_t) p->vcap, &p->v));
  }
  if (nf > p->fcap) {
    p->fcap = PetscMax(2 * p->fcap, nf + 8);
    PetscCall(PetscRealloc(sizeof(int) * (size_t) p->fcap, &p->fs));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) p->fcap, &p->fn));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) p->fcap, &p->ftag));
  }
  if (ni > p->icap) {
    p->icap = PetscMax(2 * p->icap, ni + 32);
    PetscCall(PetscRealloc(sizeof(int) * (size_t) p->icap, &p->idx));
  }
  PetscFunctionReturn(0);
}

/* Room in `out` and in the scratch space for any clip of `in`: every cut edge adds one vertex, every face keeps its
   vertices plus at most two per crossing, and the cap uses each new or on-plane vertex once. */
PetscErrorCode SDPoly3ReserveFor(SDPoly3 *out, const SDPoly3 *in, SDClip3Work *w)
{
  int nv = in->nv + in->ni / 2 + 1, nf = in->nf + 1, ni = in->ni + 2 * in->nf + nv;

  PetscFunctionBegin;
  PetscCall(SDPoly3Reserve(out, nv, nf, ni));
  if (nv > w->cap) {
    w->cap = PetscMax(2 * w->cap, nv + 16);
    PetscCall(PetscRealloc(sizeof(double) * (size_t) w->cap, &w->s));
    PetscCall(PetscRealloc(sizeof(double) * (size_t) w->cap, &w->ang));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) w->cap, &w->nid));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) w->cap, &w->capv));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) w->cap, &w->ehead));
  }
  if (in->ni / 2 + 1 > w->ecap) {
    w->ecap = PetscMax(2 * w->ecap, in->ni / 2 + 16);
    PetscCall(PetscRealloc(sizeof(int) * (size_t) w->ecap, &w->ekey));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) w->ecap, &w->eid));
    PetscCall(PetscRealloc(sizeof(int) * (size_t) w->ecap, &w->enext));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode SDPoly3Free(SDPoly3 *p)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(p->v));
  PetscCall(PetscFree(p->fs));
  PetscCall(PetscFree(p->fn));
  PetscCall(PetscFree(p->ftag));
  PetscCall(PetscFree(p->idx));
  PetscCall(PetscMemzero(p, sizeof *p));
  PetscFunctionReturn(0);
}

PetscErrorCode SDClip3WorkFree(SDClip3Work *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(w->s));
  PetscCall(PetscFree(w->ang));
  PetscCall(PetscFree(w->nid));
  PetscCall(PetscFree(w->capv));
  PetscCall(PetscFree(w->ekey));
  PetscCall(PetscFree(w->eid));
  PetscCall(PetscFree(w->ehead));
  PetscCall(PetscFree(w->enext));
  PetscCall(PetscMemzero(w, sizeof *w));
  PetscFunctionReturn(0);
}

/* The box [lo, hi] (needs room for 8 vertices, 6 faces, 24 ids). Vertex b0 + 2 b1 + 4 b2 is the corner with bit bk set
   on the upper side of axis k; faces counter-clockwise seen from outside. */
void SDPoly3Box(SDPoly3 *p, const double lo[], const double hi[])
{
  static const int face[6][4] = {{0, 4, 6, 2}, {1, 3, 7, 5}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 2, 3, 1}, {4, 5, 7, 6}};
  for (int v = 0; v < 8; v++)
    for (int k = 0; k < 3; k++) p->v[3 * v + k] = (v >> k) & 1 ? hi[k] : lo[k];
  for (int f = 0; f < 6; f++) {
    p->fs[f]   = 4 * f;
    p->fn[f]   = 4;
    p->ftag[f] = SDWallTag(f / 2, f % 2);
    for (int j = 0; j < 4; j++) p->idx[4 * f + j] = face[f][j];
  }
  p->nv = 8;
  p->nf = 6;
  p->ni = 24;
}

/* The vertex where edge (a inside, b outside) crosses the plane, created once and shared by the two faces of the edge
   (it is always interpolated from the inside vertex, so both faces see the same point). The cut edges of each inside
   vertex are chained from ehead[a] (a vertex has few). */
static int EdgePoint(const SDPoly3 *in, int a, int b, SDPoly3 *out, SDClip3Work *w, int *ne, int *ncap)
{
  int    id;
  double t;

  for (int e = w->ehead[a]; e >= 0; e = w->enext[e])
    if (w->ekey[e] == b) return w->eid[e];
  id = out->nv++;
  t  = w->s[a] / (w->s[a] - w->s[b]);
  for (int k = 0; k < 3; k++) out->v[3 * id + k] = in->v[3 * a + k] + t * (in->v[3 * b + k] - in->v[3 * a + k]);
  w->ekey[*ne]       = b;
  w->eid[*ne]        = id;
  w->enext[*ne]      = w->ehead[a];
  w->ehead[a]        = (*ne)++;
  w->capv[(*ncap)++] = id;
  return id;
}

/* Pseudo-angle of (a, b), increasing with the angle over [0, 4). */
static double PseudoAngle(double a, double b)
{
  double d = PetscAbsReal(a) + PetscAbsReal(b), p;
  if (d == 0) return 0;
  p = b / d;
  return a < 0 ? 2 - p : (b < 0 ? 4 + p : p);
}

/* The cap face of a clip: its ncap vertices (w->capv) ordered by angle around their centre in the plane's frame, so
   that it does not depend on the face-walking order, added to out with the tag. */
static void AddCap(const double nrm[], int tag, int ncap, SDPoly3 *out, SDClip3Work *w)
{
  double cen[3] = {0, 0, 0}, u[3], v[3], e[3] = {0, 0, 0}, nu;
  int    kmin = 0, start = out->ni;
  for (int t = 0; t < ncap; t++)
    for (int k = 0; k < 3; k++) cen[k] += out->v[3 * w->capv[t] + k] / ncap;
  for (int k = 1; k < 3; k++)
    if (PetscAbsReal(nrm[k]) < PetscAbsReal(nrm[kmin])) kmin = k;
  e[kmin] = 1;
  u[0]    = nrm[1] * e[2] - nrm[2] * e[1];
  u[1]    = nrm[2] * e[0] - nrm[0] * e[2];
  u[2]    = nrm[0] * e[1] - nrm[1] * e[0];
  nu      = PetscSqrtReal(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  for (int k = 0; k < 3; k++) u[k] /= nu;
  v[0] = nrm[1] * u[2] - nrm[2] * u[1];
  v[1] = nrm[2] * u[0] - nrm[0] * u[2];
  v[2] = nrm[0] * u[1] - nrm[1] * u[0];
  /* (u, v, nrm) is right-handed: increasing angle is counter-clockwise seen from outside (the cap's normal is nrm) */
  for (int t = 0; t < ncap; t++) {
    const double *p = out->v + 3 * w->capv[t];
    double        a = 0, b = 0;
    for (int k = 0; k < 3; k++) {
      a += (p[k] - cen[k]) * u[k];
      b += (p[k] - cen[k]) * v[k];
    }
    w->ang[t] = PseudoAngle(a, b);
  }
  for (int t = 1; t < ncap; t++) { /* insertion sort: caps are small */
    double at = w->ang[t];
    int    ct = w->capv[t], q = t - 1;
    while (q >= 0 && w->ang[q] > at) {
      w->ang[q + 1]  = w->ang[q];
      w->capv[q + 1] = w->capv[q];
      q--;
    }
    w->ang[q + 1]  = at;
    w->capv[q + 1] = ct;
  }
  for (int t = 0; t < ncap; t++) out->idx[out->ni++] = w->capv[t];
  out->fs[out->nf]   = start;
  out->fn[out->nf]   = ncap;
  out->ftag[out->nf] = tag;
  out->nf++;
}

/* Keeps {x : nrm.x <= c} (nrm a unit vector); the cap face gets `tag`. Vertices within tol of the plane count as on
   it and are kept (no new vertex is made next to them). The cap is ordered by angle around its centre, so that it
   does not depend on the face-walking order. Call SDPoly3ReserveFor(out, in, w) first. */
SDClipResult SDPoly3Clip(const SDPoly3 *in, const double nrm[], double c, int tag, double tol, SDPoly3 *out, SDClip3Work *w)
{
  double *s   = w->s;
  int    *nid = w->nid, anyout = 0, anyin = 0, ne = 0, ncap = 0;

  for (int v = 0; v < in->nv; v++) {
    s[v] = nrm[0] * in->v[3 * v] + nrm[1] * in->v[3 * v + 1] + nrm[2] * in->v[3 * v + 2] - c;
    if (s[v] > tol) anyout = 1;
    if (s[v] < -tol) anyin = 1;
  }
  if (!anyout) return SD_CLIP_UNCHANGED;
  if (!anyin) return SD_CLIP_EMPTY;
  out->nv = 0;
  for (int v = 0; v < in->nv; v++) {
    w->ehead[v] = -1;
    if (s[v] <= tol) {
      nid[v] = out->nv++;
      for (int k = 0; k < 3; k++) out->v[3 * nid[v] + k] = in->v[3 * v + k];
      if (s[v] >= -tol) w->capv[ncap++] = nid[v];
    } else
      nid[v] = -1;
  }
  out->nf = out->ni = 0;
  for (int f = 0; f < in->nf; f++) {
    const int *fi = in->idx + in->fs[f];
    int        fn = in->fn[f], start = out->ni, j = 0;
    for (int k = 0; k < fn; k++) {
      int a = fi[k], b = fi[k + 1 == fn ? 0 : k + 1];
      if (s[a] <= tol) {
        out->idx[out->ni++] = nid[a];
        if (s[b] > tol && s[a] < -tol) out->idx[out->ni++] = EdgePoint(in, a, b, out, w, &ne, &ncap);
      } else if (s[b] < -tol)
        out->idx[out->ni++] = EdgePoint(in, b, a, out, w, &ne, &ncap);
    }
    /* drop repeated ids (a vertex on the plane shared by the kept part and the cut), then faces that vanished */
    for (int t = start; t < out->ni; t++)
      if (j == 0 || out->idx[t] != out->idx[start + j - 1]) out->idx[start + j++] = out->idx[t];
    while (j > 1 && out->idx[start + j - 1] == out->idx[start]) j--;
    if (j >= 3) {
      out->fs[out->nf]   = start;
      out->fn[out->nf]   = j;
      out->ftag[out->nf] = in->ftag[f];
      out->nf++;
      out->ni = start + j;
    } else
      out->ni = start;
  }
  if (ncap >= 3) AddCap(nrm, tag, ncap, out, w);
  return out->nf >= 4 ? SD_CLIP_CHANGED : SD_CLIP_EMPTY;
}

/* Volume, int x dx and int |x - y|^2 dx, by tetrahedra from a vertex r to the fanned faces (coordinates relative to r). */
void SDPoly3Moments(const SDPoly3 *p, const double y[], double *vol, double m1[], double *m2)
{
  const double *r = p->v + 3 * p->idx[p->fs[0]];
  double        V = 0, S[3] = {0, 0, 0}, S2 = 0, d[3];

  for (int f = 0; f < p->nf; f++) {
    const int *fi = p->idx + p->fs[f];
    double     a[3], b[3], cc[3];
    for (int k = 0; k < 3; k++) a[k] = p->v[3 * fi[0] + k] - r[k];
    for (int t = 1; t + 1 < p->fn[f]; t++) {
      double det;
      for (int k = 0; k < 3; k++) {
        b[k]  = p->v[3 * fi[t] + k] - r[k];
        cc[k] = p->v[3 * fi[t + 1] + k] - r[k];
      }
      det = a[0] * (b[1] * cc[2] - b[2] * cc[1]) + a[1] * (b[2] * cc[0] - b[0] * cc[2]) + a[2] * (b[0] * cc[1] - b[1] * cc[0]);
      V += det;
      for (int k = 0; k < 3; k++) S[k] += det * (a[k] + b[k] + cc[k]);
      S2 += det * (a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + b[0] * b[0] + b[1] * b[1] + b[2] * b[2] + cc[0] * cc[0] + cc[1] * cc[1] + cc[2] * cc[2] +
                   a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[0] * cc[0] + a[1] * cc[1] + a[2] * cc[2] + b[0] * cc[0] + b[1] * cc[1] + b[2] * cc[2]);
    }
  }
  V /= 6;
  S2 /= 60;
  for (int k = 0; k < 3; k++) {
    S[k] /= 24;
    d[k]  = r[k] - y[k];
    m1[k] = r[k] * V + S[k];
  }
  *vol = V;
  *m2  = S2 + 2 * (d[0] * S[0] + d[1] * S[1] + d[2] * S[2]) + (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) * V;
}

/* Area of a planar polygon of n vertices (3 n coordinates). */
double SDPolygon3Area(int n, const double *p)
{
  double c[3] = {0, 0, 0};
  for (int k = 1; k + 1 < n; k++) {
    double a[3], b[3];
    for (int j = 0; j < 3; j++) {
      a[j] = p[3 * k + j] - p[j];
      b[j] = p[3 * k + 3 + j] - p[j];
    }
    c[0] += a[1] * b[2] - a[2] * b[1];
    c[1] += a[2] * b[0] - a[0] * b[2];
    c[2] += a[0] * b[1] - a[1] * b[0];
  }
  return 0.5 * PetscSqrtReal(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
}

/* Keeps the part of a planar polygon (n vertices) where sgn (x_k - val) <= 0; returns the vertex count of `out` (room
   for n + 2 vertices), or 0 when nothing of positive area is left. */
int SDPolygon3Clip(int n, const double *in, int k, double sgn, double val, double tol, double *out)
{
  double s[n > 0 ? n : 1];
  int    anyout = 0, anyin = 0, m = 0;

  for (int j = 0; j < n; j++) {
    s[j] = sgn * (in[3 * j + k] - val);
    if (s[j] > tol) anyout = 1;
    if (s[j] < -tol) anyin = 1;
  }
  if (!anyin) return 0;
  if (!anyout) {
    for (int j = 0; j < 3 * n; j++) out[j] = in[j];
    return n;
  }
  for (int j = 0; j < n; j++) {
    int jn = j + 1 == n ? 0 : j + 1;
    if (s[j] <= tol) {
      for (int q = 0; q < 3; q++) out[3 * m + q] = in[3 * j + q];
      m++;
      if (s[jn] > tol && s[j] < -tol) {
        double t = s[j] / (s[j] - s[jn]);
        for (int q = 0; q < 3; q++) out[3 * m + q] = in[3 * j + q] + t * (in[3 * jn + q] - in[3 * j + q]);
        m++;
      }
    } else if (s[jn] < -tol) {
      double t = s[jn] / (s[jn] - s[j]);
      for (int q = 0; q < 3; q++) out[3 * m + q] = in[3 * jn + q] + t * (in[3 * j + q] - in[3 * jn + q]);
      m++;
    }
  }
  return m >= 3 ? m : 0;
}
