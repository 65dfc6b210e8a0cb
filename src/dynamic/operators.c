/* operators.c: the linear operators of the staggered space-time grid: midpoint interpolation I (faces -> centres) and its
   adjoint, the space-time divergence and gradient (the continuity constraint and its adjoint), the boundary data, and the
   projection onto the graph {V = I U} (Thomas along local lines, Chebyshev along the distributed axis 0). */
#include "dynimpl.h"

/* Axis k >= 1 of a cell field: blocks of n_k runs of Sk = S_k nt contiguous values; run ik of a block starts at base+ik*Sk. */
#define AXIS_BLOCKS(st, k, Sk, nk, nblk) ptrdiff_t Sk = (st)->S[k] * (st)->nt, nk = (st)->n[k], nblk = (st)->ncell / (Sk * nk)

PetscErrorCode OTDynSetBoundary(OTSpaceTime *st, const double *rho0, const double *rho1, OTDynVec *U)
{
  ptrdiff_t nt = st->nt;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    U->c[0][s * (nt + 1)]      = rho0[s];
    U->c[0][s * (nt + 1) + nt] = rho1[s];
  }
  /* walls: the lower face of the first cell of every axis (the upper wall is implicit) */
  if (st->s0 == 0) PetscCall(PetscArrayzero(U->c[1], st->plane * nt));
  for (PetscInt k = 1; k < st->d; k++) {
    AXIS_BLOCKS(st, k, Sk, nk, nblk);
    for (ptrdiff_t b = 0; b < nblk; b++) PetscCall(PetscArrayzero(U->c[1 + k] + b * Sk * nk, Sk));
  }
  PetscFunctionReturn(0);
}

/* V = I U: the density averaged over the two time faces of a cell, each momentum over the two faces of its axis. */
PetscErrorCode OTDynInterp(OTSpaceTime *st, const OTDynVec *U, OTDynVec *V)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    const double *r = U->c[0] + s * (nt + 1);
    double       *f = V->c[0] + s * nt;
    for (ptrdiff_t j = 0; j < nt; j++) f[j] = 0.5 * (r[j] + r[j + 1]);
  }
  for (PetscInt k = 0; k < st->d; k++) {
    const double *m = U->c[1 + k];
    double       *o = V->c[1 + k];
    if (k == 0) {
      PetscCall(OTSpaceTimeExchange(st, m, PETSC_FALSE, PETSC_TRUE));
      for (ptrdiff_t il = 0; il < st->ln0; il++) {
        const double *up = il < st->ln0 - 1 ? m + (il + 1) * np : st->ghi, *mc = m + il * np;
        double       *oc = o + il * np;
        for (ptrdiff_t b = 0; b < np; b++) oc[b] = 0.5 * (mc[b] + up[b]);
      }
    } else {
      AXIS_BLOCKS(st, k, Sk, nk, nblk);
      for (ptrdiff_t blk = 0; blk < nblk; blk++)
        for (ptrdiff_t ik = 0; ik < nk; ik++) {
          ptrdiff_t cur = (blk * nk + ik) * Sk;
          if (ik < nk - 1)
            for (ptrdiff_t b = 0; b < Sk; b++) o[cur + b] = 0.5 * (m[cur + b] + m[cur + Sk + b]);
          else
            for (ptrdiff_t b = 0; b < Sk; b++) o[cur + b] = 0.5 * m[cur + b];
        }
    }
  }
  if (st->wfr) PetscCall(PetscArraycpy(V->c[st->d + 1], U->c[st->d + 1], st->ncell));
  PetscFunctionReturn(0);
}

/* Y = W + I(a U1 + b U2) in one pass (the primal–dual step's y + sigma I(2 x~ - x)); Y must differ from the others. */
PetscErrorCode OTDynInterpCombine(OTSpaceTime *st, double a, const OTDynVec *U1, double b, const OTDynVec *U2, const OTDynVec *W, OTDynVec *Y)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;
  double    ha = 0.5 * a, hb = 0.5 * b;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    const double *r1 = U1->c[0] + s * (nt + 1), *r2 = U2->c[0] + s * (nt + 1), *w = W->c[0] + s * nt;
    double       *f = Y->c[0] + s * nt;
    for (ptrdiff_t j = 0; j < nt; j++) f[j] = w[j] + ha * (r1[j] + r1[j + 1]) + hb * (r2[j] + r2[j + 1]);
  }
  for (PetscInt k = 0; k < st->d; k++) {
    const double *m1 = U1->c[1 + k], *m2 = U2->c[1 + k], *w = W->c[1 + k];
    double       *o = Y->c[1 + k];
    if (k == 0) {
      PetscCall(OTSpaceTimeExchangeTo(st, m1, NULL, st->ghi));
      PetscCall(OTSpaceTimeExchangeTo(st, m2, NULL, st->ghi2));
      for (ptrdiff_t il = 0; il < st->ln0; il++) {
        ptrdiff_t     off = il * np;
        const double *u1 = il < st->ln0 - 1 ? m1 + off + np : st->ghi, *u2 = il < st->ln0 - 1 ? m2 + off + np : st->ghi2;
        for (ptrdiff_t q = 0; q < np; q++) o[off + q] = w[off + q] + ha * (m1[off + q] + u1[q]) + hb * (m2[off + q] + u2[q]);
      }
    } else {
      AXIS_BLOCKS(st, k, Sk, nk, nblk);
      for (ptrdiff_t blk = 0; blk < nblk; blk++)
        for (ptrdiff_t ik = 0; ik < nk; ik++) {
          ptrdiff_t cur = (blk * nk + ik) * Sk;
          if (ik < nk - 1)
            for (ptrdiff_t q = 0; q < Sk; q++) o[cur + q] = w[cur + q] + ha * (m1[cur + q] + m1[cur + Sk + q]) + hb * (m2[cur + q] + m2[cur + Sk + q]);
          else
            for (ptrdiff_t q = 0; q < Sk; q++) o[cur + q] = w[cur + q] + ha * m1[cur + q] + hb * m2[cur + q];
        }
    }
  }
  if (st->wfr) {
    const double *z1 = U1->c[st->d + 1], *z2 = U2->c[st->d + 1], *w = W->c[st->d + 1];
    double       *o = Y->c[st->d + 1];
    for (ptrdiff_t i = 0; i < st->ncell; i++) o[i] = w[i] + a * z1[i] + b * z2[i];
  }
  PetscFunctionReturn(0);
}

/* X = U + a I* V on the interior faces, X = U on the boundary faces (the data), in one pass; X may be U. */
PetscErrorCode OTDynInterpAdjointAXPY(OTSpaceTime *st, double a, const OTDynVec *V, const OTDynVec *U, OTDynVec *X)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;
  double    ha = 0.5 * a;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    const double *u = U->c[0] + s * (nt + 1), *f = V->c[0] + s * nt;
    double       *x = X->c[0] + s * (nt + 1);
    x[0]            = u[0];
    x[nt]           = u[nt];
    for (ptrdiff_t j = 1; j < nt; j++) x[j] = u[j] + ha * (f[j - 1] + f[j]);
  }
  for (PetscInt k = 0; k < st->d; k++) {
    const double *mc = V->c[1 + k], *u = U->c[1 + k];
    double       *x = X->c[1 + k];
    if (k == 0) {
      PetscCall(OTSpaceTimeExchange(st, mc, PETSC_TRUE, PETSC_FALSE));
      for (ptrdiff_t il = 0; il < st->ln0; il++) {
        ptrdiff_t     off = il * np;
        const double *lo  = il > 0 ? mc + off - np : st->glo;
        if (st->s0 + il == 0)
          for (ptrdiff_t q = 0; q < np; q++) x[off + q] = u[off + q];
        else
          for (ptrdiff_t q = 0; q < np; q++) x[off + q] = u[off + q] + ha * (lo[q] + mc[off + q]);
      }
    } else {
      AXIS_BLOCKS(st, k, Sk, nk, nblk);
      for (ptrdiff_t blk = 0; blk < nblk; blk++)
        for (ptrdiff_t ik = 0; ik < nk; ik++) {
          ptrdiff_t cur = (blk * nk + ik) * Sk;
          if (ik == 0)
            for (ptrdiff_t q = 0; q < Sk; q++) x[cur + q] = u[cur + q];
          else
            for (ptrdiff_t q = 0; q < Sk; q++) x[cur + q] = u[cur + q] + ha * (mc[cur - Sk + q] + mc[cur + q]);
        }
    }
  }
  if (st->wfr) {
    const double *z = V->c[st->d + 1], *u = U->c[st->d + 1];
    double       *x = X->c[st->d + 1];
    for (ptrdiff_t i = 0; i < st->ncell; i++) x[i] = u[i] + a * z[i];
  }
  PetscFunctionReturn(0);
}

/* U = I* V on the interior faces; boundary faces (time 0 and 1, walls) get 0. */
PetscErrorCode OTDynInterpAdjoint(OTSpaceTime *st, const OTDynVec *V, OTDynVec *U)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    double       *r = U->c[0] + s * (nt + 1);
    const double *f = V->c[0] + s * nt;
    r[0]            = 0;
    r[nt]           = 0;
    for (ptrdiff_t j = 1; j < nt; j++) r[j] = 0.5 * (f[j - 1] + f[j]);
  }
  for (PetscInt k = 0; k < st->d; k++) {
    const double *mc = V->c[1 + k];
    double       *o  = U->c[1 + k];
    if (k == 0) {
      PetscCall(OTSpaceTimeExchange(st, mc, PETSC_TRUE, PETSC_FALSE));
      for (ptrdiff_t il = 0; il < st->ln0; il++) {
        const double *lo = il > 0 ? mc + (il - 1) * np : st->glo, *cc = mc + il * np;
        double       *oc = o + il * np;
        if (st->s0 + il == 0)
          for (ptrdiff_t b = 0; b < np; b++) oc[b] = 0;
        else
          for (ptrdiff_t b = 0; b < np; b++) oc[b] = 0.5 * (lo[b] + cc[b]);
      }
    } else {
      AXIS_BLOCKS(st, k, Sk, nk, nblk);
      for (ptrdiff_t blk = 0; blk < nblk; blk++)
        for (ptrdiff_t ik = 0; ik < nk; ik++) {
          ptrdiff_t cur = (blk * nk + ik) * Sk;
          if (ik == 0)
            for (ptrdiff_t b = 0; b < Sk; b++) o[cur + b] = 0;
          else
            for (ptrdiff_t b = 0; b < Sk; b++) o[cur + b] = 0.5 * (mc[cur - Sk + b] + mc[cur + b]);
        }
    }
  }
  if (st->wfr) PetscCall(PetscArraycpy(U->c[st->d + 1], V->c[st->d + 1], st->ncell));
  PetscFunctionReturn(0);
}

/* r = d_t rho + div m - source/delta on the cells (the boundary faces of U carry the data). */
PetscErrorCode OTDynDivergence(OTSpaceTime *st, const OTDynVec *U, double delta, double *r)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;
  double    idt = 1.0 / st->dt;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    const double *rh = U->c[0] + s * (nt + 1);
    double       *o  = r + s * nt;
    for (ptrdiff_t j = 0; j < nt; j++) o[j] = (rh[j + 1] - rh[j]) * idt;
  }
  for (PetscInt k = 0; k < st->d; k++) {
    const double *m  = U->c[1 + k];
    double        ih = 1.0 / st->h[k];
    if (k == 0) {
      PetscCall(OTSpaceTimeExchange(st, m, PETSC_FALSE, PETSC_TRUE));
      for (ptrdiff_t il = 0; il < st->ln0; il++) {
        const double *up = il < st->ln0 - 1 ? m + (il + 1) * np : st->ghi, *mc = m + il * np;
        double       *oc = r + il * np;
        for (ptrdiff_t b = 0; b < np; b++) oc[b] += (up[b] - mc[b]) * ih;
      }
    } else {
      AXIS_BLOCKS(st, k, Sk, nk, nblk);
      for (ptrdiff_t blk = 0; blk < nblk; blk++)
        for (ptrdiff_t ik = 0; ik < nk; ik++) {
          ptrdiff_t cur = (blk * nk + ik) * Sk;
          if (ik < nk - 1)
            for (ptrdiff_t b = 0; b < Sk; b++) r[cur + b] += (m[cur + Sk + b] - m[cur + b]) * ih;
          else
            for (ptrdiff_t b = 0; b < Sk; b++) r[cur + b] -= m[cur + b] * ih;
        }
    }
  }
  if (st->wfr) {
    const double *z = U->c[st->d + 1];
    for (ptrdiff_t i = 0; i < st->ncell; i++) r[i] -= z[i] / delta;
  }
  PetscFunctionReturn(0);
}

/* U += a grad p on the interior faces (and source += a p / delta): minus the adjoint of the divergence. */
PetscErrorCode OTDynGradientAdd(OTSpaceTime *st, const double *p, double a, double delta, OTDynVec *U)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;
  double    adt = a / st->dt;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++) {
    double       *rh = U->c[0] + s * (nt + 1);
    const double *pc = p + s * nt;
    for (ptrdiff_t j = 1; j < nt; j++) rh[j] += (pc[j] - pc[j - 1]) * adt;
  }
  for (PetscInt k = 0; k < st->d; k++) {
    double *m  = U->c[1 + k];
    double  ah = a / st->h[k];
    if (k == 0) {
      PetscCall(OTSpaceTimeExchange(st, p, PETSC_TRUE, PETSC_FALSE));
      for (ptrdiff_t il = 0; il < st->ln0; il++) {
        const double *lo = il > 0 ? p + (il - 1) * np : st->glo, *pc = p + il * np;
        double       *mc = m + il * np;
        if (st->s0 + il == 0) continue;
        for (ptrdiff_t b = 0; b < np; b++) mc[b] += (pc[b] - lo[b]) * ah;
      }
    } else {
      AXIS_BLOCKS(st, k, Sk, nk, nblk);
      for (ptrdiff_t blk = 0; blk < nblk; blk++)
        for (ptrdiff_t ik = 1; ik < nk; ik++) {
          ptrdiff_t cur = (blk * nk + ik) * Sk;
          for (ptrdiff_t b = 0; b < Sk; b++) m[cur + b] += (p[cur + b] - p[cur - Sk + b]) * ah;
        }
    }
  }
  if (st->wfr) {
    double *z = U->c[st->d + 1], ad = a / delta;
    for (ptrdiff_t i = 0; i < st->ncell; i++) z[i] += p[i] * ad;
  }
  PetscFunctionReturn(0);
}

/* (Id + I*I) x on the interior faces of axis 0, for the Chebyshev iteration: y = b - A x with ghosts of x. */
static PetscErrorCode Axis0Residual(OTSpaceTime *st, const double *x, double *r)
{
  ptrdiff_t np = st->plane * st->nt;

  PetscFunctionBegin;
  PetscCall(OTSpaceTimeExchange(st, x, PETSC_TRUE, PETSC_TRUE));
  for (ptrdiff_t il = 0; il < st->ln0; il++) {
    const double *lo = il > 0 ? x + (il - 1) * np : st->glo, *up = il < st->ln0 - 1 ? x + (il + 1) * np : st->ghi, *xc = x + il * np;
    double       *rc = r + il * np;
    if (st->s0 + il == 0) continue; /* the wall face is no unknown */
    for (ptrdiff_t b = 0; b < np; b++) rc[b] -= 1.5 * xc[b] + 0.25 * (lo[b] + up[b]);
  }
  PetscFunctionReturn(0);
}

/* Solves (Id + I*I) x = d in place on the interior faces of every component. The matrix is tridiag(1/4, 3/2, 1/4) along
   each line (time for rho, axis k for m_k), with spectrum in (1, 2). Lines in time and along axes 1, 2 are local: Thomas.
   Lines along axis 0 cross ranks: Chebyshev on [1, 2] (error factor 0.17 per iteration, no reductions), the same
   arithmetic at every rank count. The source's interpolation is the identity: halve it. */
PetscErrorCode OTDynInterpNormalSolve(OTSpaceTime *st, OTDynVec *D)
{
  ptrdiff_t nt = st->nt, np = st->plane * nt;

  PetscFunctionBegin;
  if (nt > 1) {
    const double *inv = st->thomas[3], *cp = st->thomas[3] + (nt - 1);
    for (ptrdiff_t s = 0; s < st->ns; s++) {
      double *x = D->c[0] + s * (nt + 1) + 1;
      x[0] *= inv[0];
      for (ptrdiff_t i = 1; i < nt - 1; i++) x[i] = (x[i] - 0.25 * x[i - 1]) * inv[i];
      for (ptrdiff_t i = nt - 3; i >= 0; i--) x[i] -= cp[i] * x[i + 1];
    }
  }
  for (PetscInt k = 1; k < st->d; k++) {
    AXIS_BLOCKS(st, k, Sk, nk, nblk);
    ptrdiff_t     m   = nk - 1;
    const double *inv = st->thomas[k], *cp = st->thomas[k] + m;
    double       *x = D->c[1 + k];
    for (ptrdiff_t blk = 0; blk < nblk; blk++) {
      double *base = x + blk * nk * Sk + Sk; /* the first interior face */
      for (ptrdiff_t i = 0; i < m; i++) {
        double *c = base + i * Sk;
        if (i)
          for (ptrdiff_t b = 0; b < Sk; b++) c[b] = (c[b] - 0.25 * c[b - Sk]) * inv[i];
        else
          for (ptrdiff_t b = 0; b < Sk; b++) c[b] *= inv[0];
      }
      for (ptrdiff_t i = m - 2; i >= 0; i--) {
        double *c = base + i * Sk;
        for (ptrdiff_t b = 0; b < Sk; b++) c[b] -= cp[i] * c[b + Sk];
      }
    }
  }
  {
    /* Chebyshev (Saad, Iterative Methods, alg. 12.1) on [1, 2]: theta = 3/2, delta = 1/2 */
    const double theta = 1.5, delta = 0.5, sigma1 = theta / delta;
    double      *bx = D->c[1], *x = st->cw[0], *r = st->cw[1], *dv = st->cw[2], rho = 1.0 / sigma1;
    for (ptrdiff_t i = 0; i < st->ncell; i++) {
      x[i]  = 0;
      r[i]  = bx[i];
      dv[i] = bx[i] / theta;
    }
    for (PetscInt it = 0; it < st->cheb_its; it++) {
      for (ptrdiff_t i = 0; i < st->ncell; i++) x[i] += dv[i];
      if (it == st->cheb_its - 1) break;
      PetscCall(Axis0Residual(st, dv, r));
      {
        double rn = 1.0 / (2 * sigma1 - rho), a = rn * rho, b = 2 * rn / delta;
        for (ptrdiff_t i = 0; i < st->ncell; i++) dv[i] = a * dv[i] + b * r[i];
        rho = rn;
      }
    }
    PetscCall(PetscArraycpy(bx, x, st->ncell));
    (void) np;
  }
  if (st->wfr)
    for (ptrdiff_t i = 0; i < st->ncell; i++) D->c[st->d + 1][i] *= 0.5;
  PetscFunctionReturn(0);
}

/* (ZU, ZV) = projection of (WU, WV) onto {V = I U} (U's boundary data kept): ZU = WU + (Id + I*I)^-1 I*(WV - I WU),
   ZV = I ZU. T, TV: work. ZU may be WU. */
PetscErrorCode OTDynGraphProject(OTSpaceTime *st, const OTDynVec *WU, const OTDynVec *WV, OTDynVec *ZU, OTDynVec *ZV, OTDynVec *T, OTDynVec *TV)
{
  PetscFunctionBegin;
  PetscCall(OTDynInterp(st, WU, TV));
  PetscCall(OTDynVecAXPBY(st, 1.0, WV, -1.0, TV));
  PetscCall(OTDynInterpAdjoint(st, TV, T));
  PetscCall(OTDynInterpNormalSolve(st, T));
  PetscCall(OTDynVecWAXPBY(st, ZU, 1.0, WU, 1.0, T));
  PetscCall(OTDynInterp(st, ZU, ZV));
  PetscFunctionReturn(0);
}
