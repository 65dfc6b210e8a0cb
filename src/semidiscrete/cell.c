/* cell.c: the Laguerre cell of one site: the domain box clipped by the bisectors of the sites that can reach it, found
   by a best-first walk of the weighted k-d tree with a weight-aware security radius. */
#include "sdimpl.h"

PetscErrorCode SDCellWorkInit(SDCellWork *cw, int dim)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(cw, sizeof *cw));
  cw->dim = dim;
  for (int k = 0; k < SD_NPOLY; k++) PetscCall(SDPoly2Reserve(&cw->p2[k], 64));
  for (int k = 0; k < SD_NPOLY; k++) PetscCall(SDPoly3Reserve(&cw->p3[k], 64, 32, 256));
  cw->fcap = 64;
  for (int k = 0; k < 5; k++) PetscCall(PetscMalloc1(3 * cw->fcap, &cw->fpoly[k]));
  cw->hcap = 256;
  PetscCall(PetscMalloc1(cw->hcap, &cw->heap));
  PetscCall(PetscMalloc1(cw->hcap, &cw->hkey));
  cw->plcap = 64;
  PetscCall(PetscMalloc1(cw->plcap, &cw->pl));
  PetscFunctionReturn(0);
}

PetscErrorCode SDCellWorkFree(SDCellWork *cw)
{
  PetscFunctionBegin;
  for (int k = 0; k < SD_NPOLY; k++) PetscCall(SDPoly2Free(&cw->p2[k]));
  for (int k = 0; k < SD_NPOLY; k++) PetscCall(SDPoly3Free(&cw->p3[k]));
  PetscCall(SDClip3WorkFree(&cw->w3));
  for (int k = 0; k < 5; k++) PetscCall(PetscFree(cw->fpoly[k]));
  PetscCall(PetscFree(cw->heap));
  PetscCall(PetscFree(cw->hkey));
  PetscCall(PetscFree(cw->pl));
  PetscCall(PetscFree(cw->nbuf));
  PetscFunctionReturn(0);
}

/* Piece b of the workspace: a polygon in 2-D, a polyhedron in 3-D (0: the cell, 1: its swap buffer, then the
   pieces of the integration sweep). */
void *SDPiece(SDCellWork *cw, int b)
{
  return cw->dim == 2 ? (void *) &cw->p2[b] : (void *) &cw->p3[b];
}

static void Vertices(const SDCellWork *cw, const void *p, const double **x, int *n)
{
  if (cw->dim == 2) {
    *x = ((const SDPoly2 *) p)->x;
    *n = ((const SDPoly2 *) p)->n;
  } else {
    *x = ((const SDPoly3 *) p)->v;
    *n = ((const SDPoly3 *) p)->nv;
  }
}

/* The number of sides (2-D) or faces (3-D) of a piece, and their tags. */
int SDPieceFaces(const SDCellWork *cw, const void *p, const int **tag)
{
  if (cw->dim == 2) {
    *tag = ((const SDPoly2 *) p)->tag;
    return ((const SDPoly2 *) p)->n;
  }
  *tag = ((const SDPoly3 *) p)->ftag;
  return ((const SDPoly3 *) p)->nf;
}

/* Keeps the part of the piece in that lies in n.x <= c (new sides tagged tag), into out (reserved here). */
PetscErrorCode SDPieceClip(SDCellWork *cw, const void *in, const double n[], double c, int tag, double tol, void *out, SDClipResult *res)
{
  PetscFunctionBegin;
  if (cw->dim == 2) {
    PetscCall(SDPoly2Reserve((SDPoly2 *) out, 2 * ((const SDPoly2 *) in)->n + 2));
    *res = SDPoly2Clip((const SDPoly2 *) in, n, c, tag, tol, (SDPoly2 *) out);
  } else {
    PetscCall(SDPoly3ReserveFor((SDPoly3 *) out, (const SDPoly3 *) in, &cw->w3));
    *res = SDPoly3Clip((const SDPoly3 *) in, n, c, tag, tol, (SDPoly3 *) out, &cw->w3);
  }
  PetscFunctionReturn(0);
}

/* [lo, hi] = the range of coordinate k over n points of stride coordinates */
void SDExtent(const double *x, int n, int stride, int k, double *lo, double *hi)
{
  *lo = PETSC_MAX_REAL;
  *hi = -PETSC_MAX_REAL;
  for (int v = 0; v < n; v++) {
    *lo = PetscMin(*lo, x[stride * v + k]);
    *hi = PetscMax(*hi, x[stride * v + k]);
  }
}

void SDPieceExtent(const SDCellWork *cw, const void *p, int k, double *lo, double *hi)
{
  const double *x;
  int           n;
  Vertices(cw, p, &x, &n);
  SDExtent(x, n, cw->dim, k, lo, hi);
}

/* The piece's bounding box. */
static void Bounds(SDCellWork *cw, int which, double lo[], double hi[])
{
  for (int k = 0; k < cw->dim; k++) SDPieceExtent(cw, SDPiece(cw, which), k, &lo[k], &hi[k]);
}

/* Lower bound, over x in the cell's box [lo, hi] and the sites j of a node, of (|x - y_j|^2 - w_j) - (|x - y_i|^2 - w_i):
   a node with a bound >= 0 holds no site that can cut the cell. With the node's weight bound
   w_j <= a + b.(y_j - c) + del and p = x + b/2, the difference is at least
     |y_j - p|^2 - |p - y_i|^2 - b.y_i + w_i - (a - b.c) - del,
   and p runs over the box shifted by b/2. Since b is about the weights' gradient (minus twice the displacement of
   the map), the shift brings a displaced cell back next to its site: the bound stays tight where cells are far
   from their sites, unlike a bound from the largest weight of the node. */
static double NodeBound(const SDNode *nd, const double lo[], const double hi[], const double yi[], double wi, int dim)
{
  double d2 = 0, far2 = 0, byi = 0, bc = 0;
  for (int k = 0; k < dim; k++) {
    double l = lo[k] + 0.5 * nd->b[k], h = hi[k] + 0.5 * nd->b[k];
    double g = nd->lo[k] > h ? nd->lo[k] - h : (l > nd->hi[k] ? l - nd->hi[k] : 0);
    double f = PetscMax(PetscAbsReal(l - yi[k]), PetscAbsReal(h - yi[k]));
    d2 += g * g;
    far2 += f * f;
    byi += nd->b[k] * yi[k];
    bc += nd->b[k] * nd->c[k];
  }
  return d2 - far2 - byi + wi - (nd->a - bc) - nd->del;
}

static PetscErrorCode HeapPush(SDCellWork *cw, int *n, int node, double key)
{
  int q;

  PetscFunctionBegin;
  if (*n >= cw->hcap) {
    cw->hcap *= 2;
    PetscCall(PetscRealloc(sizeof(int) * (size_t) cw->hcap, &cw->heap));
    PetscCall(PetscRealloc(sizeof(double) * (size_t) cw->hcap, &cw->hkey));
  }
  q = (*n)++;
  while (q > 0 && cw->hkey[(q - 1) / 2] > key) {
    cw->heap[q] = cw->heap[(q - 1) / 2];
    cw->hkey[q] = cw->hkey[(q - 1) / 2];
    q           = (q - 1) / 2;
  }
  cw->heap[q] = node;
  cw->hkey[q] = key;
  PetscFunctionReturn(0);
}

static int HeapPop(SDCellWork *cw, int *n)
{
  int    top = cw->heap[0], last, q = 0;
  double key;

  last = cw->heap[--(*n)];
  key  = cw->hkey[*n];
  for (;;) {
    int c = 2 * q + 1;
    if (c >= *n) break;
    if (c + 1 < *n && cw->hkey[c + 1] < cw->hkey[c]) c++;
    if (cw->hkey[c] >= key) break;
    cw->heap[q] = cw->heap[c];
    cw->hkey[q] = cw->hkey[c];
    q           = c;
  }
  cw->heap[q] = last;
  cw->hkey[q] = key;
  return top;
}

/* Bisector of sites i and j: the cell of i lies in n.x <= c, n the unit vector from y_i to y_j. dw = w_i - w_j, from
   the double-double weights: for two close sites the face moves by dw / (2 |y_i - y_j|), so the rounding of the
   weights themselves (|w| ~ the squared transport distance) would limit the attainable cell masses. */
static void Bisector(const double yi[], const double yj[], double dw, int dim, double n[], double *c)
{
  double L2 = 0, L, dot = 0;
  for (int k = 0; k < dim; k++) {
    double d = yj[k] - yi[k];
    L2 += d * d;
    dot += d * (yj[k] + yi[k]);
  }
  L = PetscSqrtReal(L2);
  for (int k = 0; k < 3; k++) n[k] = k < dim ? (yj[k] - yi[k]) / L : 0;
  *c = 0.5 * (dot + dw) / L;
}

/* The planes of the cell's bisector faces, for the test of voxels lying wholly inside. */
static PetscErrorCode CollectPlanes(OTSD sd, PetscInt i, const double *w, SDCellWork *cw)
{
  const int *tag;
  int        nf  = SDPieceFaces(cw, SDPiece(cw, 0), &tag);
  int        dim = cw->dim;

  PetscFunctionBegin;
  if (nf > cw->plcap) {
    cw->plcap = 2 * nf;
    PetscCall(PetscRealloc(sizeof(SDPlane) * (size_t) cw->plcap, &cw->pl));
  }
  cw->npl = 0;
  for (int f = 0; f < nf; f++) {
    int j = tag[f];
    if (j < 0) continue; /* domain walls: every voxel is inside them */
    Bisector(sd->y + (size_t) i * dim, sd->y + (size_t) j * dim, (w[i] - w[j]) + (sd->ewlo ? sd->ewlo[i] - sd->ewlo[j] : 0), dim, cw->pl[cw->npl].n,
             &cw->pl[cw->npl].c);
    cw->pl[cw->npl++].tag = j;
  }
  PetscFunctionReturn(0);
}

/* New evaluation: the current neighbour lists become the previous ones (all forgotten when the sites changed). */
PetscErrorCode SDNeighboursReset(OTSD sd, PetscBool forget)
{
  PetscFunctionBegin;
  for (int b = 0; b < 2; b++)
    if (!sd->nbo[b] || forget) {
      PetscCall(PetscFree(sd->nbo[b]));
      PetscCall(PetscFree(sd->nbn[b]));
      PetscCall(PetscMalloc1(sd->m + 1, &sd->nbo[b]));
      PetscCall(PetscMalloc1(sd->m + 1, &sd->nbn[b]));
      for (PetscInt s = 0; s < sd->m; s++) sd->nbo[b][s] = -1;
      sd->nbused[b] = 0;
    }
  sd->nbcur = 1 - sd->nbcur;
  for (PetscInt s = 0; s < sd->m; s++) sd->nbo[sd->nbcur][s] = -1;
  sd->nbused[sd->nbcur] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordNeighbours(OTSD sd, PetscInt i, const SDCellWork *cw)
{
  const int *tag;
  int        b = sd->nbcur, nf = SDPieceFaces(cw, SDPiece((SDCellWork *) cw, 0), &tag);

  PetscFunctionBegin;
  if (sd->nbused[b] + nf > sd->nbcap[b]) {
    sd->nbcap[b] = PetscMax(2 * sd->nbcap[b], sd->nbused[b] + nf + 1024);
    PetscCall(PetscRealloc(sizeof(int) * (size_t) sd->nbcap[b], &sd->nbp[b]));
  }
  sd->nbo[b][i] = sd->nbused[b];
  sd->nbn[b][i] = 0;
  for (int f = 0; f < nf; f++)
    if (tag[f] >= 0) sd->nbp[b][sd->nbused[b] + sd->nbn[b][i]++] = tag[f];
  sd->nbused[b] += sd->nbn[b][i];
  PetscFunctionReturn(0);
}

/* Clips the cell (in p[*cur]) by the bisector with site j; *empty when nothing is left. */
static PetscErrorCode ClipBy(OTSD sd, SDCellWork *cw, PetscInt i, int j, const double *w, int *cur, double lo[], double hi[], PetscBool *empty)
{
  int          dim = cw->dim;
  double       n[3], c;
  SDClipResult res;

  PetscFunctionBegin;
  cw->nclip++;
  Bisector(sd->y + (size_t) i * dim, sd->y + (size_t) j * dim, (w[i] - w[j]) + (sd->ewlo ? sd->ewlo[i] - sd->ewlo[j] : 0), dim, n, &c);
  PetscCall(SDPieceClip(cw, SDPiece(cw, *cur), n, c, j, sd->tol, SDPiece(cw, 1 - *cur), &res));
  *empty = res == SD_CLIP_EMPTY ? PETSC_TRUE : PETSC_FALSE;
  if (res == SD_CLIP_CHANGED) {
    cw->ncut++;
    *cur = 1 - *cur;
    Bounds(cw, *cur, lo, hi);
  }
  PetscFunctionReturn(0);
}

/* piece 0 := the domain box */
static void DomainBox(OTSD sd, SDCellWork *cw)
{
  if (cw->dim == 2)
    SDPoly2Box(&cw->p2[0], sd->dlo, sd->dhi);
  else
    SDPoly3Box(&cw->p3[0], sd->dlo, sd->dhi);
}

/* Clips the cell of site i by every other site of the tree leaf nd. */
static PetscErrorCode ClipByLeaf(OTSD sd, SDCellWork *cw, PetscInt i, const SDNode *nd, const double *w, int *cur, double lo[], double hi[], PetscBool *empty)
{
  const SDTree *t = &sd->tree;

  PetscFunctionBegin;
  for (int q = nd->start; q < nd->start + nd->count; q++) {
    if (t->perm[q] == i) continue;
    PetscCall(ClipBy(sd, cw, i, t->perm[q], w, cur, lo, hi, empty));
    if (*empty) break;
  }
  PetscFunctionReturn(0);
}

/* The cell built again from the domain box by its neighbours (the tags of its faces) in increasing order. */
static PetscErrorCode Rebuild(OTSD sd, PetscInt i, const double *w, SDCellWork *cw, int *cur, double lo[], double hi[], PetscBool *empty)
{
  const int *tag;
  int        nf = SDPieceFaces(cw, SDPiece(cw, *cur), &tag), nn = 0, *nb;

  PetscFunctionBegin;
  if (nf > cw->nbcap) {
    cw->nbcap = 2 * nf;
    PetscCall(PetscRealloc(sizeof(int) * (size_t) cw->nbcap, &cw->nbuf));
  }
  nb = cw->nbuf;
  for (int f = 0; f < nf; f++)
    if (tag[f] >= 0) nb[nn++] = tag[f];
  PetscCall(PetscSortInt(nn, nb));
  *cur = 0;
  DomainBox(sd, cw);
  for (int q = 0; q < nn; q++) {
    if (q > 0 && nb[q] == nb[q - 1]) continue;
    PetscCall(ClipBy(sd, cw, i, nb[q], w, cur, lo, hi, empty));
    if (*empty) break;
  }
  PetscFunctionReturn(0);
}

/* The cell: the domain box clipped first by a guess of its neighbours (those of the previous evaluation, else the
   sites of the k-d tree leaf holding y_i), then by every site of the tree nodes that the weight-aware bound cannot
   rule out, most promising first, until no node is left. The result does not depend on the guess beyond round-off. */
PetscErrorCode SDBuildCell(OTSD sd, PetscInt i, const double *w, SDCellWork *cw, PetscBool *empty)
{
  const SDTree *t   = &sd->tree;
  int           dim = (int) sd->dim, nh = 0, cur = 0;
  const double *yi = sd->y + (size_t) i * dim;
  double        wi = w[i], lo[3], hi[3];

  PetscFunctionBegin;
  *empty = PETSC_FALSE;
  cw->ncell++;
  DomainBox(sd, cw);
  Bounds(cw, 0, lo, hi);
  if (sd->nbo[1 - sd->nbcur][i] >= 0) {
    const int *nb = sd->nbp[1 - sd->nbcur] + sd->nbo[1 - sd->nbcur][i];
    for (int q = 0; q < sd->nbn[1 - sd->nbcur][i]; q++) {
      PetscCall(ClipBy(sd, cw, i, nb[q], w, &cur, lo, hi, empty));
      if (*empty) PetscFunctionReturn(0);
    }
  } else {
    const SDNode *nd = &t->node[0];
    while (nd->left >= 0) { /* down to the leaf holding y_i */
      const SDNode *l  = &t->node[nd->left];
      int           in = 1;
      for (int k = 0; k < dim; k++)
        if (yi[k] < l->lo[k] || yi[k] > l->hi[k]) in = 0;
      nd = in ? l : &t->node[nd->right];
    }
    PetscCall(ClipByLeaf(sd, cw, i, nd, w, &cur, lo, hi, empty));
    if (*empty) PetscFunctionReturn(0);
  }
  PetscCall(HeapPush(cw, &nh, 0, 0));
  /* most promising nodes first; a node is checked again when popped, against the cell as it is by then */
  while (nh) {
    const SDNode *nd = &t->node[HeapPop(cw, &nh)];
    cw->npop++;
    if (NodeBound(nd, lo, hi, yi, wi, dim) >= 0) continue;
    if (nd->left >= 0) {
      for (int c = 0; c < 2; c++) {
        int    ch = c ? nd->right : nd->left;
        double bd = NodeBound(&t->node[ch], lo, hi, yi, wi, dim);
        if (bd < 0) { /* order: the bound at the centre of the cell's box (whose sites undercut y_i most there) */
          double x0[3];
          for (int q = 0; q < dim; q++) x0[q] = 0.5 * (lo[q] + hi[q]);
          PetscCall(HeapPush(cw, &nh, ch, NodeBound(&t->node[ch], x0, x0, yi, wi, dim)));
        }
      }
      continue;
    }
    PetscCall(ClipByLeaf(sd, cw, i, nd, w, &cur, lo, hi, empty));
    if (*empty) PetscFunctionReturn(0);
  }
  /* The same cell again from the domain box and its neighbours in increasing order: the rounding of its vertices then
     depends on the neighbour set only, not on the search order (warm starts differ between evaluations, ranks and
     restarts), so that every rank builds the same cell and a restart repeats the same iterations bit for bit. */
  PetscCall(Rebuild(sd, i, w, cw, &cur, lo, hi, empty));
  if (*empty) PetscFunctionReturn(0);
  if (cur) { /* the cell lives in p[0] */
    SDPoly2 t2 = cw->p2[0];
    SDPoly3 t3 = cw->p3[0];
    cw->p2[0]  = cw->p2[1];
    cw->p2[1]  = t2;
    cw->p3[0]  = cw->p3[1];
    cw->p3[1]  = t3;
  }
  PetscCall(CollectPlanes(sd, i, w, cw));
  PetscCall(RecordNeighbours(sd, i, cw));
  PetscFunctionReturn(0);
}
