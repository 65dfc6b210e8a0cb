/* prox.c: the pointwise parts of a JKO step: the KL proximal map of the energy (entropy, porous medium, potential,
   congestion, walls) that makes the a-update, the energy of a density, and the restoration of a step's mass. */
#include "jkoimpl.h"

/* The map's constants for sigma = 2h/gamma. The stationarity of KL(p|s) + sigma F at a cell with mass p:
   log(p/s) + sigma (D (log p - lc + 1) + C M/(M-1) (p/|cell|)^(M-1) + V) = 0. */
PetscErrorCode OTJKOProxSetUp(OTJKO J)
{
  OTJKOProx *P = &J->prox;

  PetscFunctionBegin;
  P->sigma  = 2 * J->tau / J->gamma;
  P->D      = J->D;
  P->M      = J->M;
  P->C      = J->C;
  P->lc     = log(J->cellvol);
  P->A      = 1 + P->sigma * P->D;
  P->porous = (PetscBool) (J->M > 1 && J->C > 0);
  P->B      = P->porous ? P->sigma * P->C * P->M / (P->M - 1) : 0;
  P->alpha  = P->porous ? P->A / (P->M - 1) : 1;
  P->logBa  = P->porous ? log(P->B / P->alpha) : 0;
  P->ycap   = J->kappa > 0 ? log(J->kappa) + P->lc : INFINITY;
  P->shift  = P->sigma * P->D * (P->lc - 1);
  PetscFunctionReturn(0);
}

/* v with v + e^v = L: Newton from above (the function is convex and increasing, so the iterates decrease to the root) */
static inline double SolveExpLinear(double L)
{
  double v = L > 1 ? log(L) : L;

  for (int k = 0; k < 64; k++) {
    double ev = exp(v), d = (v + ev - L) / (1 + ev);
    v -= d;
    if (d <= 1e-15 * (1 + fabs(v))) break;
  }
  return v;
}

/* y = log p of the proximal point at a cell with log s = w and potential V. With the porous term, z = (M-1)(y - lc)
   solves z + (B/alpha) e^z = beta/alpha, beta = R - A lc: v = z + log(B/alpha) solves v + e^v = L. */
static inline double ProxLog(const OTJKOProx *P, double w, double V)
{
  double R = w - P->sigma * V + P->shift, y;

  if (P->porous) {
    double L = (R - P->A * P->lc) / P->alpha + P->logBa;
    y        = P->lc + (SolveExpLinear(L) - P->logBa) / (P->M - 1);
  } else
    y = R / P->A;
  return y < P->ycap ? y : P->ycap;
}

/* The a-update on cells [i0, i1): w = log K b on input; log p (the step's density) and log a = log p - log K b,
   over-relaxed by omega (1: plain) where the old log a is finite. Walls and cells out of the kernel's reach get p = 0,
   a = 0. */
PetscErrorCode OTJKOProxPass(OTJKO J, double omega, ptrdiff_t i0, ptrdiff_t i1)
{
  const OTJKOProx *P = &J->prox;
  const double    *w = J->w, *V = J->V;
  double          *la = J->la, *lp = J->lp;

  PetscFunctionBegin;
  for (ptrdiff_t i = i0; i < i1; i++) {
    if ((J->wall && J->wall[i]) || !(w[i] > -INFINITY)) {
      lp[i] = la[i] = -INFINITY;
      continue;
    }
    lp[i] = ProxLog(P, w[i], V ? V[i] : 0);
    if (omega != 1.0 && la[i] > -INFINITY)
      la[i] += omega * (lp[i] - w[i] - la[i]);
    else
      la[i] = lp[i] - w[i];
  }
  PetscFunctionReturn(0);
}

/* log rho_n (-inf where empty), what the b-update divides by, after rho_n changes (a step, a start, a restart) */
void OTJKOLogDensity(OTJKO J)
{
  for (ptrdiff_t i = 0; i < J->gi->nlocal; i++) J->lq[i] = J->q[i] > 0 ? log(J->q[i]) : -INFINITY;
}

/* F(p) for cell masses p: sum over cells of D p (log p - lc) + C |cell| (p/|cell|)^M / (M-1) + V p (plane sums: the
   same bits at every rank count). The congestion and wall terms are 0 on feasible densities. */
PetscErrorCode OTJKOEnergy(OTJKO J, const double *p, double *F)
{
  const OTGridInfo *gi = J->gi;
  const OTJKOProx  *P  = &J->prox;

  PetscFunctionBegin;
  for (ptrdiff_t k = 0; k < gi->local_n0; k++) {
    double s = 0;
    for (ptrdiff_t i = k * gi->plane; i < (k + 1) * gi->plane; i++) {
      if (!(p[i] > 0)) continue;
      if (P->D > 0) s += P->D * p[i] * (log(p[i]) - P->lc);
      if (P->porous) s += P->C * J->cellvol * pow(p[i] / J->cellvol, P->M) / (P->M - 1);
      if (J->V) s += J->V[i] * p[i];
    }
    J->ps[k] = s;
  }
  PetscCall(OTGridSumPlanes(J->grid, 1, J->ps, F));
  PetscFunctionReturn(0);
}

/* The step's density gets rho_n's mass back exactly (it differs by at most the inner tolerance): scaled, or, when
   scaling up would cross kappa, the missing mass spread over the room below kappa of the cells that hold mass (cells
   the kernel did not reach, e.g. behind walls, stay empty). */
PetscErrorCode OTJKORestoreMass(OTJKO J, double *p)
{
  const OTGridInfo *gi  = J->gi;
  const double      cap = J->kappa > 0 ? J->kappa * J->cellvol : INFINITY;
  double            sums[2], mx = 0, t;

  PetscFunctionBegin;
  for (ptrdiff_t k = 0; k < gi->local_n0; k++) {
    double s = 0, r = 0;
    for (ptrdiff_t i = k * gi->plane; i < (k + 1) * gi->plane; i++) {
      s += p[i];
      if (p[i] > 0 && isfinite(cap)) r += cap - p[i];
      mx = PetscMax(mx, p[i]);
    }
    J->ps[2 * k]     = s;
    J->ps[2 * k + 1] = r;
  }
  PetscCall(OTGridSumPlanes(J->grid, 2, J->ps, sums));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_DOUBLE, MPI_MAX, J->comm));
  PetscCheck(sums[0] > 0 && isfinite(sums[0]), J->comm, PETSC_ERR_FP, "jko: the step's density has mass %g (diverged)", sums[0]);
  if (!isfinite(cap) || sums[0] >= J->mass || mx * J->mass / sums[0] <= cap) {
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) p[i] *= J->mass / sums[0];
    PetscFunctionReturn(0);
  }
  t = (J->mass - sums[0]) / sums[1];
  PetscCheck(t <= 1, J->comm, PETSC_ERR_CONV_FAILED, "jko: the step's density lacks %g of its mass and has no room below kappa for it", J->mass - sums[0]);
  for (ptrdiff_t i = 0; i < gi->nlocal; i++)
    if (p[i] > 0) p[i] = PetscMin(cap, p[i] + t * (cap - p[i]));
  PetscFunctionReturn(0);
}
