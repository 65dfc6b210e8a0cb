/* tree.c: k-d tree of the sites, each node with the bounding box of its sites and an affine bound of their weights, so
   that a node whose sites cannot reach a region (|x - y_j|^2 - w_j too large everywhere there) is skipped as a whole. */
#include "sdimpl.h"

#define SD_LEAF 8

static double Coord(const double *y, int dim, int i, int k)
{
  return y[(size_t) i * dim + k];
}

/* perm[lo .. hi) partially sorted so that position nth holds the element of that rank along axis k (Hoare selection) */
static void Select(int *perm, int lo, int hi, int nth, const double *y, int dim, int k)
{
  hi--;
  while (hi > lo) {
    double pivot = Coord(y, dim, perm[(lo + hi) / 2], k);
    int    i = lo, j = hi;
    while (i <= j) {
      while (Coord(y, dim, perm[i], k) < pivot) i++;
      while (Coord(y, dim, perm[j], k) > pivot) j--;
      if (i <= j) {
        int t   = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        i++;
        j--;
      }
    }
    if (nth <= j)
      hi = j;
    else if (nth >= i)
      lo = i;
    else
      break;
  }
}

PetscErrorCode SDTreeBuild(SDTree *t, int dim, int m, const double *y)
{
  int cap = 2 * (m / SD_LEAF + 1) * 2 + 4;

  PetscFunctionBegin;
  PetscCall(SDTreeFree(t));
  t->dim  = dim;
  t->m    = m;
  t->leaf = SD_LEAF;
  PetscCall(PetscMalloc1(cap, &t->node));
  PetscCall(PetscMalloc1(m, &t->perm));
  for (int i = 0; i < m; i++) t->perm[i] = i;
  t->node[0].start = 0;
  t->node[0].count = m;
  t->nnodes        = 1;
  /* nodes are split in creation order, so children always come after their parent */
  for (int n = 0; n < t->nnodes; n++) {
    SDNode *nd   = &t->node[n];
    int     axis = 0;
    for (int k = 0; k < 3; k++) {
      nd->lo[k] = k < dim ? PETSC_MAX_REAL : 0;
      nd->hi[k] = k < dim ? -PETSC_MAX_REAL : 0;
    }
    for (int q = nd->start; q < nd->start + nd->count; q++)
      for (int k = 0; k < dim; k++) {
        double x  = Coord(y, dim, t->perm[q], k);
        nd->lo[k] = PetscMin(nd->lo[k], x);
        nd->hi[k] = PetscMax(nd->hi[k], x);
      }
    nd->left = nd->right = -1;
    for (int k = 0; k < 3; k++) nd->c[k] = 0;
    for (int q = nd->start; q < nd->start + nd->count; q++)
      for (int k = 0; k < dim; k++) nd->c[k] += Coord(y, dim, t->perm[q], k) / nd->count;
    if (nd->count <= SD_LEAF) continue;
    for (int k = 1; k < dim; k++)
      if (nd->hi[k] - nd->lo[k] > nd->hi[axis] - nd->lo[axis]) axis = k;
    if (!(nd->hi[axis] > nd->lo[axis])) continue; /* all its sites coincide: a (large) leaf */
    PetscCheck(t->nnodes + 2 <= cap, PETSC_COMM_SELF, PETSC_ERR_PLIB, "k-d tree node count");
    Select(t->perm, nd->start, nd->start + nd->count, nd->start + nd->count / 2, y, dim, axis);
    nd->left                 = t->nnodes;
    nd->right                = t->nnodes + 1;
    t->node[nd->left].start  = nd->start;
    t->node[nd->left].count  = nd->count / 2;
    t->node[nd->right].start = nd->start + nd->count / 2;
    t->node[nd->right].count = nd->count - nd->count / 2;
    t->nnodes += 2;
  }
  PetscFunctionReturn(0);
}

/* Solves the (dim+1) x (dim+1) symmetric system A x = r by Gaussian elimination with partial pivoting; returns 0 when
   it is (nearly) singular. */
static int SolveSmall(int n, double A[4][4], double r[4], double x[4])
{
  double scale = 0;
  for (int i = 0; i < n; i++) scale = PetscMax(scale, PetscAbsReal(A[i][i]));
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int i = c + 1; i < n; i++)
      if (PetscAbsReal(A[i][c]) > PetscAbsReal(A[p][c])) p = i;
    if (!(PetscAbsReal(A[p][c]) > 1e-12 * scale)) return 0;
    for (int j = 0; j < n; j++) {
      double t = A[c][j];
      A[c][j]  = A[p][j];
      A[p][j]  = t;
    }
    {
      double t = r[c];
      r[c]     = r[p];
      r[p]     = t;
    }
    for (int i = c + 1; i < n; i++) {
      double f = A[i][c] / A[c][c];
      for (int j = c; j < n; j++) A[i][j] -= f * A[c][j];
      r[i] -= f * r[c];
    }
  }
  for (int i = n - 1; i >= 0; i--) {
    x[i] = r[i];
    for (int j = i + 1; j < n; j++) x[i] -= A[i][j] * x[j];
    x[i] /= A[i][i];
  }
  return 1;
}

/* Per node: the least-squares affine fit a + b.(y - c) of the weights of its sites and the largest excess del of a
   weight over the fit (a constant fit when the sites do not span the space). */
void SDTreeSetWeights(SDTree *t, const double *y, const double *w)
{
  int dim = t->dim;
  for (int n = 0; n < t->nnodes; n++) {
    SDNode *nd = &t->node[n];
    double  A[4][4], r[4], x[4], del = -PETSC_MAX_REAL;
    for (int i = 0; i < 4; i++) {
      r[i] = x[i] = 0;
      for (int j = 0; j < 4; j++) A[i][j] = 0;
    }
    for (int q = nd->start; q < nd->start + nd->count; q++) {
      int    s = t->perm[q];
      double v[4];
      v[0] = 1;
      for (int k = 0; k < dim; k++) v[1 + k] = Coord(y, dim, s, k) - nd->c[k];
      for (int i = 0; i <= dim; i++) {
        r[i] += v[i] * w[s];
        for (int j = 0; j <= dim; j++) A[i][j] += v[i] * v[j];
      }
    }
    if (nd->count <= dim || !SolveSmall(dim + 1, A, r, x)) {
      x[0] = r[0] / nd->count;
      for (int k = 1; k <= dim; k++) x[k] = 0;
    }
    nd->a = x[0];
    for (int k = 0; k < 3; k++) nd->b[k] = k < dim ? x[1 + k] : 0;
    for (int q = nd->start; q < nd->start + nd->count; q++) {
      int    s = t->perm[q];
      double f = nd->a;
      for (int k = 0; k < dim; k++) f += nd->b[k] * (Coord(y, dim, s, k) - nd->c[k]);
      del = PetscMax(del, w[s] - f);
    }
    nd->del = del;
  }
}

PetscErrorCode SDTreeFree(SDTree *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->node));
  PetscCall(PetscFree(t->perm));
  t->nnodes = t->m = 0;
  PetscFunctionReturn(0);
}

/* Lower bound over the node's sites of |x - y_j|^2 - w_j: with w_j <= a + b.(y_j - c) + del,
   |x - y_j|^2 - w_j >= |y_j - (x + b/2)|^2 - b.x - |b|^2/4 - a + b.c - del. */
static double NodeLower(const SDNode *nd, const double x[], int dim)
{
  double d2 = 0, bx = 0, bb = 0, bc = 0;
  for (int k = 0; k < dim; k++) {
    double p = x[k] + 0.5 * nd->b[k];
    double d = p < nd->lo[k] ? nd->lo[k] - p : (p > nd->hi[k] ? p - nd->hi[k] : 0);
    d2 += d * d;
    bx += nd->b[k] * x[k];
    bb += nd->b[k] * nd->b[k];
    bc += nd->b[k] * nd->c[k];
  }
  return d2 - bx - 0.25 * bb - nd->a + bc - nd->del;
}

/* The site minimising |x - y_j|^2 - w_j (ties: the lowest index). hint: a likely answer (e.g. the previous voxel's),
   or -1. Depth-first, the more promising child first, a node skipped when its lower bound exceeds the best value. */
int SDTreePowerNearest(const SDTree *t, const double *y, const double *w, const double x[], int hint)
{
  int    stack[256], ns = 0, best = -1, dim = t->dim;
  double bv = PETSC_MAX_REAL;

  if (hint >= 0) {
    double d2 = 0;
    for (int k = 0; k < dim; k++) d2 += (x[k] - y[(size_t) hint * dim + k]) * (x[k] - y[(size_t) hint * dim + k]);
    bv   = d2 - w[hint];
    best = hint;
  }
  stack[ns++] = 0;
  while (ns) {
    const SDNode *nd = &t->node[stack[--ns]];
    if (NodeLower(nd, x, dim) > bv) continue;
    if (nd->left < 0) {
      for (int q = nd->start; q < nd->start + nd->count; q++) {
        int    j  = t->perm[q];
        double d2 = 0, v;
        for (int k = 0; k < dim; k++) d2 += (x[k] - y[(size_t) j * dim + k]) * (x[k] - y[(size_t) j * dim + k]);
        v = d2 - w[j];
        if (v < bv || (v == bv && j < best)) {
          bv   = v;
          best = j;
        }
      }
    } else {
      double bl = NodeLower(&t->node[nd->left], x, dim), br = NodeLower(&t->node[nd->right], x, dim);
      if (bl <= br) { /* push the less promising one first */
        stack[ns++] = nd->right;
        stack[ns++] = nd->left;
      } else {
        stack[ns++] = nd->left;
        stack[ns++] = nd->right;
      }
    }
  }
  return best;
}
