/* methods.c: the three proximal splittings of the discrete Benamou–Brenier problem min J(I U) s.t. U in C (continuity
   equation with the boundary densities), one iteration each: primal–dual (Chambolle–Pock, with Goldstein–Esser adaptive
   steps), Douglas–Rachford (Papadakis–Peyré–Oudet A-DR, relaxation alpha), and ALG2 (ADMM with Boyd's residual-balanced
   penalty). Every iteration costs one space-time Poisson solve and one pointwise prox; DR and ALG2 add a graph projection.
   Residuals (checked every -dyn_check_every iterations) are the same kind for every method:
     primal (continuity): |P - I(U_C)| / |P|, P the centred point where the energy is evaluated (the prox output),
                          U_C the current path satisfying the continuity equation with the boundary data;
     dual (optimality):   |(Id - Pi) I* V| / |I* V|, V in dJ(P) the method's dual variable (a subgradient of the energy at
                          P, exact by construction of the prox) and Pi the projection onto the gradients of space-time
                          potentials: at the optimum I* V = grad phi (phi solves the discrete Hamilton–Jacobi equation).
                          For PD this is |U^k - U^k+1| / (tau |I* V^k+1|), Chambolle–Pock's primal-step residual, free;
                          DR and ALG2 pay one more Poisson solve per check. */
#include "dynimpl.h"
#include <math.h>

/* The linear interpolation in time between the boundary densities, no momentum: every method starts from it. */
static PetscErrorCode InitialPath(OTDynamic dyn, OTDynVec *U)
{
  OTSpaceTime *st = &dyn->st;
  ptrdiff_t    nt = st->nt;

  PetscFunctionBegin;
  for (ptrdiff_t s = 0; s < st->ns; s++)
    for (ptrdiff_t j = 0; j <= nt; j++) {
      double t                  = (double) j / (double) nt;
      U->c[0][s * (nt + 1) + j] = (1 - t) * dyn->rho0[s] + t * dyn->rho1[s];
    }
  for (PetscInt c = 1; c < st->nc; c++) PetscCall(PetscArrayzero(U->c[c], st->ncell));
  PetscFunctionReturn(0);
}

static PetscErrorCode ProjectC(OTDynamic dyn, OTDynVec *U)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(dyn->ev_poisson, 0, 0, 0, 0));
  PetscCall(OTDynProjectC(&dyn->st, dyn->poisson, dyn->rho0, dyn->rho1, dyn->delta, dyn->p, U));
  PetscCall(PetscLogEventEnd(dyn->ev_poisson, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode Prox(OTDynamic dyn, double gamma, OTDynVec *V)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(dyn->ev_prox, 0, 0, 0, 0));
  PetscCall(OTDynProxJ(&dyn->st, gamma, V, V));
  PetscCall(PetscLogEventEnd(dyn->ev_prox, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode GraphProject(OTDynamic dyn, const OTDynVec *WU, const OTDynVec *WV, OTDynVec *ZU, OTDynVec *ZV)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(dyn->ev_graph, 0, 0, 0, 0));
  PetscCall(OTDynGraphProject(&dyn->st, WU, WV, ZU, ZV, &dyn->T, &dyn->TV));
  PetscCall(PetscLogEventEnd(dyn->ev_graph, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The starting points: PD from the projected initial path (dual 0); DR with w = the interpolated initial path; ALG2 from
   the initial path on the graph side (multiplier 0). */
static PetscErrorCode InitPD(OTDynamic dyn)
{
  OTSpaceTime *st = &dyn->st;

  PetscFunctionBegin;
  PetscCall(InitialPath(dyn, &dyn->U));
  PetscCall(ProjectC(dyn, &dyn->U));
  PetscCall(OTDynVecCopy(st, &dyn->U, &dyn->Z));
  PetscCall(OTDynVecAXPBY(st, 0.0, &dyn->V, 0.0, &dyn->V));
  PetscCall(OTDynInterp(st, &dyn->U, &dyn->ZV));
  PetscFunctionReturn(0);
}

static PetscErrorCode InitDR(OTDynamic dyn)
{
  OTSpaceTime *st = &dyn->st;

  PetscFunctionBegin;
  PetscCall(InitialPath(dyn, &dyn->U));
  PetscCall(OTDynInterp(st, &dyn->U, &dyn->V));
  PetscCall(OTDynVecCopy(st, &dyn->U, &dyn->Z));
  PetscCall(OTDynVecCopy(st, &dyn->V, &dyn->ZV));
  PetscFunctionReturn(0);
}

static PetscErrorCode InitALG2(OTDynamic dyn)
{
  OTSpaceTime *st = &dyn->st;

  PetscFunctionBegin;
  PetscCall(InitialPath(dyn, &dyn->Z));
  PetscCall(OTDynInterp(st, &dyn->Z, &dyn->ZV));
  PetscCall(OTDynVecAXPBY(st, 0.0, &dyn->U, 0.0, &dyn->U));
  PetscCall(OTDynVecAXPBY(st, 0.0, &dyn->V, 0.0, &dyn->V));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicInitState(OTDynamic dyn)
{
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(dyn->p, dyn->st.ncell));
  PetscCall(dyn->ops.init(dyn));
  PetscFunctionReturn(0);
}

/* The optimality residual's parts: st->ps slot 1 += |I* V|^2, slot 0 += |(Id - Pi) I* V|^2, with (Id - Pi) the
   projection onto divergence-free fields with zero boundary flux (one Poisson solve). Uses T and the Chebyshev work. */
static PetscErrorCode OptimalityPartial(OTDynamic dyn, const OTDynVec *V)
{
  OTSpaceTime *st = &dyn->st;
  double      *r, *phi = st->cw[0];

  PetscFunctionBegin;
  PetscCall(OTDynInterpAdjoint(st, V, &dyn->T));
  PetscCall(OTDynVecNormsPartial(st, &dyn->T, NULL, 0, 1));
  PetscCall(OTDynPoissonGetWork(dyn->poisson, &r));
  PetscCall(OTDynDivergence(st, &dyn->T, dyn->delta, r));
  PetscCall(PetscArrayzero(phi, st->ncell));
  PetscCall(PetscLogEventBegin(dyn->ev_poisson, 0, 0, 0, 0));
  PetscCall(OTDynPoissonSolve(dyn->poisson, r, phi));
  PetscCall(PetscLogEventEnd(dyn->ev_poisson, 0, 0, 0, 0));
  PetscCall(OTDynGradientAdd(st, phi, 1.0, dyn->delta, &dyn->T));
  PetscCall(OTDynVecNormsPartial(st, &dyn->T, NULL, 0, 0));
  PetscFunctionReturn(0);
}

/* Relaxed primal–dual (Chambolle–Pock in Condat's form, primal step first):
     x~ = P_C(x - tau I* y);  y~ = P_K(y + sigma I(2 x~ - x)) = z - sigma prox_{J/sigma}(z/sigma) (Moreau, z the argument);
     (x, y) <- (x, y) + rho ((x~, y~) - (x, y)),  rho in (0, 2) (-dyn_pd_relax; 1 is plain Chambolle–Pock).
   (U, V) = (x, y); X, XV = x~, y~; ZV = the prox point. x stays in C (an affine combination of points of C). */
static PetscErrorCode StepPD(OTDynamic dyn, PetscBool check, double *rp, double *rd)
{
  OTSpaceTime *st    = &dyn->st;
  double       sigma = dyn->pd_sigma, tau = dyn->pd_tau, relax = dyn->pd_relax;

  PetscFunctionBegin;
  /* x~ = P_C(x - tau I* y) */
  PetscCall(OTDynInterpAdjointAXPY(st, -tau, &dyn->V, &dyn->U, &dyn->X));
  PetscCall(ProjectC(dyn, &dyn->X));
  /* y~ = P_K(y + sigma I(2 x~ - x)), the prox point in ZV */
  PetscCall(OTDynInterpCombine(st, 2 * sigma, &dyn->X, -sigma, &dyn->U, &dyn->V, &dyn->XV));
  PetscCall(PetscLogEventBegin(dyn->ev_prox, 0, 0, 0, 0));
  PetscCall(OTDynProxMoreau(st, sigma, &dyn->XV, &dyn->ZV));
  PetscCall(PetscLogEventEnd(dyn->ev_prox, 0, 0, 0, 0));
  if (check) {
    double s[4];
    PetscCall(PetscLogEventBegin(dyn->ev_check, 0, 0, 0, 0));
    /* optimality: |x - x~| / tau = |(Id - Pi) I* y| (x in C); continuity: the prox point against I(x~) */
    PetscCall(OTDynInterpAdjoint(st, &dyn->V, &dyn->T));
    PetscCall(OTDynVecNormsPartial(st, &dyn->U, &dyn->X, -1.0, 0));
    PetscCall(OTDynVecNormsPartial(st, &dyn->T, NULL, 0, 1));
    PetscCall(OTDynInterp(st, &dyn->X, &dyn->TV));
    PetscCall(OTDynVecNormsPartial(st, &dyn->ZV, &dyn->TV, -1.0, 2));
    PetscCall(OTDynVecNormsPartial(st, &dyn->ZV, NULL, 0, 3));
    PetscCall(OTSpaceTimeSum(st, 4, s));
    *rd = sqrt(s[0]) / (tau * PetscMax(sqrt(s[1]), 1e-300));
    *rp = sqrt(s[2]) / PetscMax(sqrt(s[3]), 1e-300);
    PetscCall(PetscLogEventEnd(dyn->ev_check, 0, 0, 0, 0));
  }
  PetscCall(OTDynVecAXPBY(st, relax, &dyn->X, 1 - relax, &dyn->U));
  PetscCall(OTDynVecAXPBY(st, relax, &dyn->XV, 1 - relax, &dyn->V));
  /* Goldstein, Li, Yuan, Esser, Baraniuk (2015): balance the two residuals by trading tau against sigma (product kept) */
  if (check && dyn->pd_adaptive && dyn->pd_alpha > 1e-3) {
    if (*rd > dyn->pd_delta * *rp) {
      dyn->pd_tau /= 1 - dyn->pd_alpha;
      dyn->pd_sigma *= 1 - dyn->pd_alpha;
      dyn->pd_alpha *= dyn->pd_eta;
    } else if (*rp > dyn->pd_delta * *rd) {
      dyn->pd_tau *= 1 - dyn->pd_alpha;
      dyn->pd_sigma /= 1 - dyn->pd_alpha;
      dyn->pd_alpha *= dyn->pd_eta;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode StepDR(OTDynamic dyn, PetscBool check, double *rp, double *rd)
{
  OTSpaceTime *st    = &dyn->st;
  double       alpha = dyn->dr_alpha, gamma = dyn->dr_gamma;

  PetscFunctionBegin;
  /* y = prox_{gamma G1}(2z - w) = (P_C(2Z - W), prox_{gamma J}(2ZV - WV)) */
  PetscCall(OTDynVecWAXPBY(st, &dyn->X, 2.0, &dyn->Z, -1.0, &dyn->U));
  PetscCall(OTDynVecWAXPBY(st, &dyn->XV, 2.0, &dyn->ZV, -1.0, &dyn->V));
  PetscCall(ProjectC(dyn, &dyn->X));
  PetscCall(Prox(dyn, gamma, &dyn->XV));
  if (check) {
    PetscCall(PetscLogEventBegin(dyn->ev_check, 0, 0, 0, 0));
    PetscCall(OTDynInterp(st, &dyn->X, &dyn->TV));
    PetscCall(OTDynVecNormsPartial(st, &dyn->XV, &dyn->TV, -1.0, 2));
    PetscCall(OTDynVecNormsPartial(st, &dyn->XV, NULL, 0, 3));
    /* the subgradient of J at the prox point: (2ZV - WV - XV) / gamma */
    PetscCall(OTDynVecWAXPBY(st, &dyn->TV, 2.0 / gamma, &dyn->ZV, -1.0 / gamma, &dyn->V));
    PetscCall(OTDynVecAXPBY(st, -1.0 / gamma, &dyn->XV, 1.0, &dyn->TV));
    PetscCall(OptimalityPartial(dyn, &dyn->TV));
    PetscCall(PetscLogEventEnd(dyn->ev_check, 0, 0, 0, 0));
  }
  /* w <- w + alpha (y - z); z <- P_graph(w) */
  PetscCall(OTDynVecAXPBY(st, alpha, &dyn->X, 1.0, &dyn->U));
  PetscCall(OTDynVecAXPBY(st, -alpha, &dyn->Z, 1.0, &dyn->U));
  PetscCall(OTDynVecAXPBY(st, alpha, &dyn->XV, 1.0, &dyn->V));
  PetscCall(OTDynVecAXPBY(st, -alpha, &dyn->ZV, 1.0, &dyn->V));
  PetscCall(GraphProject(dyn, &dyn->U, &dyn->V, &dyn->Z, &dyn->ZV));
  if (check) {
    double s[4];
    PetscCall(OTSpaceTimeSum(st, 4, s));
    *rd = sqrt(s[0]) / PetscMax(sqrt(s[1]), 1e-300);
    *rp = sqrt(s[2]) / PetscMax(sqrt(s[3]), 1e-300);
    /* residual balancing as for ALG2 (gamma = 1/r): a new step gamma' keeps z and the dual (z - w)/gamma, so
       w' = z + (gamma'/gamma)(w - z) */
    if (dyn->dr_adaptive) {
      double f = *rp > dyn->balance_mu * *rd ? 0.5 : (*rd > dyn->balance_mu * *rp ? 2.0 : 1.0);
      if (f != 1.0) {
        dyn->dr_gamma *= f;
        PetscCall(OTDynVecAXPBY(st, 1.0 - f, &dyn->Z, f, &dyn->U));
        PetscCall(OTDynVecAXPBY(st, 1.0 - f, &dyn->ZV, f, &dyn->V));
        PetscCall(PetscInfo(NULL, "dr: step gamma -> %g\n", dyn->dr_gamma));
      }
    }
  }
  PetscFunctionReturn(0);
}

/* ALG2 = ADMM on {iota_C(U) + J(V)} + {iota_graph(U, V)} with the scaled multiplier Lambda = (U, V) and penalty r:
   x = prox_{G1/r}(z - Lambda); z = P_graph(x + Lambda); Lambda += x - z. With alpha = 1 this is the DR iteration (PPO,
   Prop. 3), i.e. the augmented Lagrangian ALG2 of Benamou–Brenier. The penalty is rebalanced on the relative residuals
   (Boyd et al. 2011, 3.4.1; Wohlberg 2017): r x2 when the primal (continuity) residual exceeds -dyn_balance_mu times the
   dual one, r /2 in the opposite case, the scaled multiplier rescaled by the inverse factor. */
static PetscErrorCode StepALG2(OTDynamic dyn, PetscBool check, double *rp, double *rd)
{
  OTSpaceTime *st = &dyn->st;
  double       r  = dyn->alg2_r;

  PetscFunctionBegin;
  PetscCall(OTDynVecWAXPBY(st, &dyn->X, 1.0, &dyn->Z, -1.0, &dyn->U));
  PetscCall(OTDynVecWAXPBY(st, &dyn->XV, 1.0, &dyn->ZV, -1.0, &dyn->V));
  PetscCall(ProjectC(dyn, &dyn->X));
  PetscCall(Prox(dyn, 1.0 / r, &dyn->XV));
  if (check) {
    PetscCall(PetscLogEventBegin(dyn->ev_check, 0, 0, 0, 0));
    PetscCall(OTDynInterp(st, &dyn->X, &dyn->TV));
    PetscCall(OTDynVecNormsPartial(st, &dyn->XV, &dyn->TV, -1.0, 2));
    PetscCall(OTDynVecNormsPartial(st, &dyn->XV, NULL, 0, 3));
    /* the subgradient of J at the prox point: r (ZV - LambdaV - XV) */
    PetscCall(OTDynVecWAXPBY(st, &dyn->TV, r, &dyn->ZV, -r, &dyn->V));
    PetscCall(OTDynVecAXPBY(st, -r, &dyn->XV, 1.0, &dyn->TV));
    PetscCall(OptimalityPartial(dyn, &dyn->TV));
    PetscCall(PetscLogEventEnd(dyn->ev_check, 0, 0, 0, 0));
  }
  PetscCall(OTDynVecAXPBY(st, 1.0, &dyn->X, 1.0, &dyn->U));
  PetscCall(OTDynVecAXPBY(st, 1.0, &dyn->XV, 1.0, &dyn->V));
  PetscCall(GraphProject(dyn, &dyn->U, &dyn->V, &dyn->Z, &dyn->ZV));
  PetscCall(OTDynVecAXPBY(st, -1.0, &dyn->Z, 1.0, &dyn->U));
  PetscCall(OTDynVecAXPBY(st, -1.0, &dyn->ZV, 1.0, &dyn->V));
  if (check) {
    double s[4];
    PetscCall(OTSpaceTimeSum(st, 4, s));
    *rd = sqrt(s[0]) / PetscMax(sqrt(s[1]), 1e-300);
    *rp = sqrt(s[2]) / PetscMax(sqrt(s[3]), 1e-300);
    if (dyn->alg2_adaptive) {
      double f = *rp > dyn->balance_mu * *rd ? 2.0 : (*rd > dyn->balance_mu * *rp ? 0.5 : 1.0);
      if (f != 1.0) {
        dyn->alg2_r *= f;
        PetscCall(OTDynVecAXPBY(st, 0.0, &dyn->U, 1.0 / f, &dyn->U));
        PetscCall(OTDynVecAXPBY(st, 0.0, &dyn->V, 1.0 / f, &dyn->V));
        PetscCall(PetscInfo(NULL, "alg2: penalty r -> %g\n", dyn->alg2_r));
      }
    }
  }
  PetscFunctionReturn(0);
}

/* The current path in C (continuity equation and boundary data exact) and the prox point where the energy is evaluated.
   DR and ALG2 recompute them from the state (the next iteration's y or x), which keeps the state minimal. */
static PetscErrorCode PathPD(OTDynamic dyn, OTDynVec **path, OTDynVec **prox)
{
  PetscFunctionBegin;
  *path = &dyn->U;
  *prox = &dyn->ZV;
  PetscFunctionReturn(0);
}

static PetscErrorCode PathDR(OTDynamic dyn, OTDynVec **path, OTDynVec **prox)
{
  OTSpaceTime *st = &dyn->st;

  PetscFunctionBegin;
  PetscCall(OTDynVecWAXPBY(st, &dyn->X, 2.0, &dyn->Z, -1.0, &dyn->U));
  PetscCall(OTDynVecWAXPBY(st, &dyn->XV, 2.0, &dyn->ZV, -1.0, &dyn->V));
  PetscCall(ProjectC(dyn, &dyn->X));
  PetscCall(Prox(dyn, dyn->dr_gamma, &dyn->XV));
  *path = &dyn->X;
  *prox = &dyn->XV;
  PetscFunctionReturn(0);
}

static PetscErrorCode PathALG2(OTDynamic dyn, OTDynVec **path, OTDynVec **prox)
{
  OTSpaceTime *st = &dyn->st;

  PetscFunctionBegin;
  PetscCall(OTDynVecWAXPBY(st, &dyn->X, 1.0, &dyn->Z, -1.0, &dyn->U));
  PetscCall(OTDynVecWAXPBY(st, &dyn->XV, 1.0, &dyn->ZV, -1.0, &dyn->V));
  PetscCall(ProjectC(dyn, &dyn->X));
  PetscCall(Prox(dyn, 1.0 / dyn->alg2_r, &dyn->XV));
  *path = &dyn->X;
  *prox = &dyn->XV;
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicGetPath(OTDynamic dyn, OTDynVec **path, OTDynVec **prox)
{
  PetscFunctionBegin;
  PetscCall(dyn->ops.path(dyn, path, prox));
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewPD(OTDynamic dyn, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "tau %g sigma %g relaxation %g%s\n", dyn->pd_tau, dyn->pd_sigma, dyn->pd_relax, dyn->pd_adaptive ? " (adaptive)" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewDR(OTDynamic dyn, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "gamma %g alpha %g%s\n", dyn->dr_gamma, dyn->dr_alpha, dyn->dr_adaptive ? " (adaptive)" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewALG2(OTDynamic dyn, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "r %g%s\n", dyn->alg2_r, dyn->alg2_adaptive ? " (adaptive)" : ""));
  PetscFunctionReturn(0);
}

/* The methods, registered by OTDynamicRegisterAll: primal-dual (Chambolle-Pock; its Poisson solves project increments,
   for which the last solution is a bad first guess), Douglas-Rachford and ALG2 (points that move slowly: warm start). */
PetscErrorCode OTDynamicCreate_PD(OTDynamic dyn)
{
  PetscFunctionBegin;
  dyn->ops = (OTDynamicOps){InitPD, StepPD, PathPD, ViewPD, PETSC_FALSE};
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicCreate_DR(OTDynamic dyn)
{
  PetscFunctionBegin;
  dyn->ops = (OTDynamicOps){InitDR, StepDR, PathDR, ViewDR, PETSC_TRUE};
  PetscFunctionReturn(0);
}

PetscErrorCode OTDynamicCreate_ALG2(OTDynamic dyn)
{
  PetscFunctionBegin;
  dyn->ops = (OTDynamicOps){InitALG2, StepALG2, PathALG2, ViewALG2, PETSC_TRUE};
  PetscFunctionReturn(0);
}

/* Twice the energy at the prox point (the reported W2^2: it converges much faster than the path's) and of the path in C
   (J at I(path), cells with f > 0: an upper bound of the discrete minimum up to those cells; the gap between the two is an
   a-posteriori error indicator), and the path's smallest density. */
PetscErrorCode OTDynamicPathEnergy(OTDynamic dyn, double *w2path, double *w2prox, double *rhomin)
{
  OTSpaceTime *st = &dyn->st;
  OTDynVec    *path, *prox;
  double       et, es, mn = PETSC_MAX_REAL;

  PetscFunctionBegin;
  PetscCall(OTDynamicGetPath(dyn, &path, &prox));
  dyn->path = path;
  dyn->prox = prox;
  PetscCall(OTDynInterp(st, path, &dyn->TV));
  PetscCall(OTDynEnergy(st, &dyn->TV, &et, &es));
  *w2path = 2 * (et + es);
  PetscCall(OTDynEnergy(st, prox, &et, &es));
  dyn->res.transport_part = 2 * et;
  dyn->res.source_part    = 2 * es;
  *w2prox                 = 2 * (et + es);
  for (ptrdiff_t i = 0; i < st->nrho; i++) mn = PetscMin(mn, path->c[0][i]);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_DOUBLE, MPI_MIN, st->comm));
  *rhomin = mn;
  PetscFunctionReturn(0);
}
