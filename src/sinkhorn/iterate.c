/* iterate.c: the Sinkhorn iterations, fused: each half-iteration is one kernel application in place on a work field
   followed by one pass that updates the scaling (or potential), accumulates the marginal error per plane, checks for
   underflow and prepares the next kernel input. Scaling form for the FFT kernels, log domain for the banded kernel;
   symmetric (averaged) updates for the self terms of the debiased divergence. */
#include "sinkhornimpl.h"
#include <float.h>

PetscErrorCode OTSinkhornPlaneSums(OTSinkhorn S, PetscInt nv, const double *local, double *global)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OTSINKHORN_Reduce, 0, 0, 0, 0));
  PetscCall(OTGridSumPlanes(S->grid, nv, local, global));
  PetscCall(PetscLogEventEnd(OTSINKHORN_Reduce, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* x^(-lambda): a plain division when balanced (lambda = 1), the hot path */
static inline double PowNegLambda(double x, double lam)
{
  return lam == 1.0 ? 1.0 / x : exp(-lam * log(x));
}

/* One half-iteration pass of the scaling form over cells [i0, i1): w = K x on input; the new scaling
   m w^-lambda (0 where m = 0) goes to w and, when x is given, to x, with the error sum |m w^(1-lambda) - x w| added to *err.
   Returns the number of cells where K x vanished (or went negative) but m > 0. Branch-free, with 8 accumulators, so that
   gcc vectorises it: the balanced case (a division) is the hot path of the FFT kernels. */
static inline double ScalingHalf(const double *m, double *w, double *x, double lam, ptrdiff_t i0, ptrdiff_t i1, double *err)
{
  double    e8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, e = 0, bad = 0;
  ptrdiff_t i = i0;

  if (lam == 1.0) {
    for (; i + 8 <= i1; i += 8)
      for (int k = 0; k < 8; k++) {
        double kx = w[i + k], mk = m[i + k], den = kx > DBL_MIN ? kx : 1.0, xn = mk / den;
        b8[k] += (mk > 0 && !(kx > DBL_MIN)) ? 1.0 : 0.0;
        if (x) {
          e8[k] += fabs(mk - x[i + k] * kx);
          x[i + k] = xn;
        }
        w[i + k] = xn;
      }
  }
  for (; i < i1; i++) {
    double kx = w[i], mk = m[i], den = kx > DBL_MIN ? kx : 1.0, xn = mk > 0 ? mk * PowNegLambda(den, lam) : 0;
    bad += (mk > 0 && !(kx > DBL_MIN)) ? 1.0 : 0.0;
    if (x) {
      e += kx * fabs(xn - x[i]); /* |m kx^(1-lambda) - x kx|: the marginal error when balanced */
      x[i] = xn;
    }
    w[i] = xn;
  }
  for (int k = 0; k < 8; k++) {
    e += e8[k];
    bad += b8[k];
  }
  if (err) *err += e;
  return bad;
}

PetscErrorCode OTSinkhornStateFromPotentials(OTSinkhorn S, OTSinkProblem *P, OTSinkForm form, double eps)
{
  const OTGridInfo *gi = S->gi;
  const double     *m = P->sym ? P->a : P->b, *pot = P->sym ? P->f : P->g;
  ptrdiff_t         bad = 0;

  PetscFunctionBegin;
  for (ptrdiff_t i = 0; i < gi->nlocal; i++) {
    if (form == OT_FORM_LOG)
      S->st[i] = pot[i] / eps;
    else {
      S->st[i] = m[i] > 0 ? m[i] * exp(pot[i] / eps) : 0;
      if (!isfinite(S->st[i])) bad++;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_SUM, S->comm));
  PetscCheck(!bad, S->comm, PETSC_ERR_FP, "eps-scaling: the potentials overflow the scaling form at eps = %g (%td cells); use -kernel banded (log domain)", eps,
             bad);
  PetscFunctionReturn(0);
}

/* The work field W holds the kernel's next input: the state (scaling form) or log m + state (log domain). */
PetscErrorCode OTSinkhornPrime(OTSinkhorn S)
{
  const OTSinkProblem *P = S->cur;
  const ptrdiff_t      n = S->gi->nlocal;

  PetscFunctionBegin;
  if (S->form != OT_FORM_LOG)
    memcpy(S->w1, S->st, sizeof(double) * (size_t) n);
  else {
    const double *lm = P->sym ? P->loga : P->logb;
    for (ptrdiff_t i = 0; i < n; i++) S->w1[i] = lm[i] + S->st[i];
  }
  PetscFunctionReturn(0);
}

/* OT(a, b), scaling form: u = a / K v (kept in W only: it is needed once, as the input of K u), then v = b / K u */
static PetscErrorCode StepScaling(OTSinkhorn S, const OTSinkProblem *P, double *ps)
{
  const ptrdiff_t np = S->gi->plane, nl0 = S->gi->local_n0;
  double         *W = S->w1;

  PetscFunctionBegin;
  PetscCall(OTKernelApply(S->K, -1, W, W));
  for (ptrdiff_t p = 0; p < nl0; p++) ps[2 * p + 1] = ScalingHalf(P->a, W, NULL, S->lambda, p * np, (p + 1) * np, NULL);
  PetscCall(OTKernelApply(S->K, -1, W, W));
  for (ptrdiff_t p = 0; p < nl0; p++) ps[2 * p + 1] += ScalingHalf(P->b, W, S->st, S->lambda, p * np, (p + 1) * np, &ps[2 * p]);
  PetscFunctionReturn(0);
}

/* OT(a, b), log domain: f/eps = -lambda LSE(log b + g/eps), g/eps = -lambda LSE(log a + f/eps); over-relaxed when
   -accel set omega > 1: log u <- (1 - omega) log u + omega (log a + f/eps) (S->fo keeps log u), the same for g/eps */
static PetscErrorCode StepLog(OTSinkhorn S, const OTSinkProblem *P, double *ps)
{
  const ptrdiff_t np = S->gi->plane, nl0 = S->gi->local_n0;
  const double    lam = S->lambda, *a = P->a, *b = P->b, *la = P->loga, *lb = P->logb, w = S->acc.omega;
  const PetscBool relax = (PetscBool) (w != 1.0 && S->acc.valid);
  double         *W = S->w1, *st = S->st, *fo = S->fo;

  PetscFunctionBegin;
  PetscCall(OTKernelApplyLogWhere(S->K, -1, W, a, W)); /* f/eps only where a has mass: u vanishes elsewhere */
  for (ptrdiff_t p = 0; p < nl0; p++) {
    double bad = 0;
    for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) {
      double l = W[i], t = a[i] > 0 ? la[i] - lam * l : -INFINITY;
      bad += (a[i] > 0) & !(l > -INFINITY && l < INFINITY);
      if (relax && a[i] > 0) t = (1 - w) * fo[i] + w * t;
      if (fo) fo[i] = t;
      W[i] = t;
    }
    ps[2 * p + 1] = bad;
  }
  if (fo) S->acc.valid = PETSC_TRUE;
  PetscCall(OTKernelApplyLog(S->K, -1, W, W));
  for (ptrdiff_t p = 0; p < nl0; p++) {
    double err = 0, bad = 0;
    for (ptrdiff_t j = p * np; j < (p + 1) * np; j++) {
      double l = W[j], gn = -lam * l;
      if (b[j] > 0) {
        bad += !(l > -INFINITY && l < INFINITY);
        err += b[j] * fabs(exp((1 - lam) * l) - exp(st[j] + l));
        if (w != 1.0) gn = (1 - w) * st[j] + w * gn;
      }
      st[j] = gn;
      W[j]  = lb[j] + gn;
    }
    ps[2 * p] += err;
    ps[2 * p + 1] += bad;
  }
  PetscFunctionReturn(0);
}

/* OT(a, b), scaling form, over-relaxed (omega > 1): u <- u^(1 - omega) (a / K v)^omega (S->fo keeps u), then the same
   for v; with omega = 1 (while the rate is measured) the plain updates */
static PetscErrorCode StepScalingRelaxed(OTSinkhorn S, const OTSinkProblem *P, double *ps)
{
  const ptrdiff_t np = S->gi->plane, nl0 = S->gi->local_n0;
  const double    w = S->acc.omega, lam = S->lambda;
  const PetscBool relax = (PetscBool) (w != 1.0 && S->acc.valid);
  double         *W = S->w1, *fo = S->fo, *st = S->st;

  PetscFunctionBegin;
  PetscCall(OTKernelApply(S->K, -1, W, W));
  for (ptrdiff_t p = 0; p < nl0; p++) {
    ps[2 * p + 1] = ScalingHalf(P->a, W, NULL, lam, p * np, (p + 1) * np, NULL);
    for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) {
      if (relax && P->a[i] > 0 && fo[i] > 0) W[i] *= exp((1 - w) * log(fo[i] / W[i]));
      fo[i] = W[i];
    }
  }
  S->acc.valid = PETSC_TRUE;
  PetscCall(OTKernelApply(S->K, -1, W, W));
  for (ptrdiff_t p = 0; p < nl0; p++) {
    double err = 0, bad = 0;
    for (ptrdiff_t j = p * np; j < (p + 1) * np; j++) {
      const double kx = W[j], mk = P->b[j], den = kx > DBL_MIN ? kx : 1.0;
      double       vt = mk > 0 ? mk * PowNegLambda(den, lam) : 0;
      bad += (mk > 0 && !(kx > DBL_MIN)) ? 1.0 : 0.0;
      err += kx * fabs(vt - st[j]); /* the marginal error of the plan before this update (as ScalingHalf) */
      if (w != 1.0 && mk > 0 && st[j] > 0) vt *= exp((1 - w) * log(st[j] / vt));
      st[j] = vt;
      W[j]  = vt;
    }
    ps[2 * p] += err;
    ps[2 * p + 1] += bad;
  }
  PetscFunctionReturn(0);
}

/* self term OT(a, a), averaged: u <- sqrt(u a (K u)^-lambda) (the mean of the potential and its transform); in the
   log domain the same on u = a exp(f/eps) */
static PetscErrorCode StepSymmetric(OTSinkhorn S, const OTSinkProblem *P, PetscBool logd, double *ps)
{
  const ptrdiff_t np = S->gi->plane, nl0 = S->gi->local_n0;
  const double    lam = S->lambda, *a = P->a, *la = P->loga;
  double         *W = S->w1, *st = S->st;

  PetscFunctionBegin;
  if (!logd)
    PetscCall(OTKernelApply(S->K, -1, W, W));
  else
    PetscCall(OTKernelApplyLog(S->K, -1, W, W));
  for (ptrdiff_t p = 0; p < nl0; p++) {
    double err = 0, bad = 0;
    for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) {
      if (!logd) {
        double ku = W[i], un = a[i] > 0 ? a[i] * PowNegLambda(ku, lam) : 0;
        bad += (a[i] > 0) & !(ku > DBL_MIN);
        err += 2 * ku * fabs(un - st[i]);
        st[i] = sqrt(st[i] * un);
        W[i]  = st[i];
      } else {
        double l = W[i];
        if (a[i] > 0) {
          bad += !(l > -INFINITY && l < INFINITY);
          err += 2 * a[i] * fabs(exp((1 - lam) * l) - exp(st[i] + l));
        }
        st[i] = 0.5 * (st[i] - lam * l);
        W[i]  = la[i] + st[i];
      }
    }
    ps[2 * p]     = err;
    ps[2 * p + 1] = bad;
  }
  PetscFunctionReturn(0);
}

/* One Sinkhorn iteration of the current problem (the iteration core's step): the marginal error is the residual. */
PetscErrorCode OTSinkhornStep(void *ctx, OTSolver core)
{
  OTSinkhorn      S    = (OTSinkhorn) ctx;
  OTSinkProblem  *P    = S->cur;
  const PetscBool logd = (PetscBool) (S->form == OT_FORM_LOG);
  double         *ps   = S->ps, sums[2];

  PetscFunctionBegin;
  for (ptrdiff_t p = 0; p < 2 * S->gi->local_n0; p++) ps[p] = 0;
  if (P->sym)
    PetscCall(StepSymmetric(S, P, logd, ps));
  else if (!logd && S->fo)
    PetscCall(StepScalingRelaxed(S, P, ps));
  else if (!logd)
    PetscCall(StepScaling(S, P, ps));
  else
    PetscCall(StepLog(S, P, ps));
  PetscCall(OTSinkhornPlaneSums(S, 2, ps, sums));
  PetscCheck(sums[1] == 0 && isfinite(sums[0]), S->comm, PETSC_ERR_FP,
             "kernel underflow at eps = %g: K v vanished or turned negative at %.0f cells where the density has mass (the %s kernel cannot resolve values "
             "that far below its maximum); use -kernel banded (log domain) or a larger -eps",
             S->cur_eps, sums[1], logd ? "banded" : "FFT");
  P->err = sums[0];
  if (!P->sym) PetscCall(OTAccelUpdate(&S->acc, P->err));
  if (!P->sym && S->acc.omega != 1.0) snprintf(core->extra, sizeof core->extra, "omega %.3f", S->acc.omega);
  PetscCall(OTSolverSetResidual(core, P->err));
  PetscFunctionReturn(0);
}

/* Between the first -sinkhorn_time_kernel iterations, untimed: a bare kernel application (the benchmarks' baseline). */
PetscErrorCode OTSinkhornSample(void *ctx, OTSolver core)
{
  OTSinkhorn S = (OTSinkhorn) ctx;

  PetscFunctionBegin;
  (void) core;
  PetscCall(OTKernelSample(S->K, S->comm, S->time_kernel, &S->samples, &S->kernel_min));
  PetscFunctionReturn(0);
}

/* W = K x for the state x (scaling form), or log K exp(log m + x) in the log domain, where x is a potential / eps and m
   the density it belongs to (none: x is already a log scaling); axis >= 0: the moment kernel of that axis */
static PetscErrorCode KernelOfState(OTSinkhorn S, PetscBool logd, PetscInt axis, const double *logm, const double *x, double *W)
{
  const ptrdiff_t n = S->gi->nlocal;

  PetscFunctionBegin;
  if (!logd || !logm)
    memcpy(W, x, sizeof(double) * (size_t) n);
  else
    for (ptrdiff_t i = 0; i < n; i++) W[i] = logm[i] + x[i];
  if (!logd)
    PetscCall(OTKernelApply(S->K, axis, W, W));
  else
    PetscCall(OTKernelApplyLog(S->K, axis, W, W));
  PetscFunctionReturn(0);
}

/* Sums of one evaluation pass (per plane): r.f, |r - a|, m(r), KL part, a.f (gauge) */
enum { EV_RF, EV_L1, EV_MASS, EV_KL, EV_AF, EV_N };

/* KL(r | a) density term: r log(r/a) - r + a */
static inline double KLTerm(double r, double a)
{
  return (r > 0 ? r * log(r / a) : 0) - r + a;
}

/* The marginal r = x K(other side) of the side with density m whose state is x (W holds K of the other side, or its
   log), its potential (the soft transform where m = 0) and the plane sums; returns the cells where K underflowed */
static ptrdiff_t MarginalPass(const double *m, const double *x, const double *W, double *pot, double eps, double lam, PetscBool logd, ptrdiff_t np,
                              ptrdiff_t nl0, double *ps)
{
  const double fl    = -lam * eps * log(DBL_MIN);
  ptrdiff_t    floor = 0;

  for (ptrdiff_t p = 0; p < nl0; p++)
    for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) {
      double r, f;
      if (!logd) {
        r = x[i] * W[i];
        f = m[i] > 0 ? eps * log(x[i] / m[i]) : (W[i] > DBL_MIN ? -lam * eps * log(W[i]) : (floor++, fl));
      } else {
        r = m[i] > 0 ? m[i] * exp(x[i] + W[i]) : 0;
        f = eps * x[i];
      }
      pot[i] = f;
      ps[EV_N * p + EV_RF] += m[i] > 0 ? r * f : 0;
      ps[EV_N * p + EV_L1] += fabs(r - m[i]);
      ps[EV_N * p + EV_MASS] += r;
      ps[EV_N * p + EV_KL] += m[i] > 0 ? KLTerm(r, m[i]) : r;
      ps[EV_N * p + EV_AF] += m[i] > 0 ? m[i] * f : 0;
    }
  return floor;
}

/* The first marginal r = u K v, u = a (K v)^-lambda (into X; log u in the log domain) and f = -lambda eps log K v, from
   W = K v (or its log), with the plane sums; returns the cells where K v underflowed outside the support of a */
static ptrdiff_t FirstMarginalPass(OTSinkProblem *P, const double *W, double *X, double eps, double lam, PetscBool logd, ptrdiff_t np, ptrdiff_t nl0,
                                   double *ps)
{
  const double *a = P->a, fl = -lam * eps * log(DBL_MIN);
  ptrdiff_t     floor = 0;

  for (ptrdiff_t p = 0; p < nl0; p++)
    for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) {
      double r, f;
      if (!logd) {
        double kv = W[i];
        f         = kv > DBL_MIN ? -lam * eps * log(kv) : (a[i] > 0 ? NAN : (floor++, fl));
        X[i]      = a[i] > 0 ? a[i] * PowNegLambda(kv, lam) : 0; /* u */
        r         = a[i] > 0 ? X[i] * kv : 0;
      } else {
        double l = W[i];
        f        = -lam * eps * l;
        X[i]     = P->loga[i] - lam * l; /* log u */
        r        = a[i] > 0 ? a[i] * exp((1 - lam) * l) : 0;
      }
      P->f[i] = f;
      ps[EV_N * p + EV_RF] += a[i] > 0 ? r * f : 0;
      ps[EV_N * p + EV_L1] += fabs(r - a[i]);
      ps[EV_N * p + EV_MASS] += r;
      ps[EV_N * p + EV_KL] += a[i] > 0 ? KLTerm(r, a[i]) : r;
      ps[EV_N * p + EV_AF] += a[i] > 0 ? a[i] * f : 0;
    }
  return floor;
}

/* The plan of the final state: potentials everywhere (gauge fixed when balanced), and when full the marginal error,
   <C, P> (one moment-kernel application per axis), the mass and the regularised objective. */
PetscErrorCode OTSinkhornEvaluate(OTSinkhorn S, OTSinkProblem *P, OTSinkForm form, double eps, PetscBool full)
{
  const OTGridInfo *gi = S->gi;
  const ptrdiff_t   n = gi->nlocal, np = gi->plane, nl0 = gi->local_n0;
  const double      lam = S->lambda, *a = P->a, *b = P->b;
  double           *st = S->st, *W = S->w1, *X = S->w2, *ps, A[EV_N], B[EV_N], tc = 0;
  ptrdiff_t         floor = 0;
  PetscBool         logd  = (PetscBool) (form == OT_FORM_LOG);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OTSINKHORN_Evaluate, 0, 0, 0, 0));
  PetscCall(PetscCalloc1(EV_N * (nl0 + 1), &ps));
  if (P->sym) {
    /* P = diag(u) K diag(u): r = u K u on both sides */
    PetscCall(KernelOfState(S, logd, -1, P->loga, st, W));
    floor += MarginalPass(a, st, W, P->f, eps, lam, logd, np, nl0, ps);
    PetscCall(OTSinkhornPlaneSums(S, EV_N, ps, A));
    P->mass      = A[EV_MASS];
    P->marginal  = 2 * A[EV_L1];
    P->transport = NAN;
    P->entropic  = 2 * A[EV_RF] - eps * P->mass + eps * P->ma * P->ma + (S->rho > 0 ? 2 * S->rho * A[EV_KL] : 0);
  } else {
    /* K v, then u = a (K v)^-lambda and f = -lambda eps log K v */
    PetscCall(KernelOfState(S, logd, -1, P->logb, st, W));
    floor += FirstMarginalPass(P, W, X, eps, lam, logd, np, nl0, ps);
    PetscCall(OTSinkhornPlaneSums(S, EV_N, ps, A));
    /* K u, then c = v K u and g = eps log(v / b) on the support of b, the soft transform elsewhere */
    PetscCall(KernelOfState(S, logd, -1, NULL, X, W));
    PetscCall(PetscMemzero(ps, sizeof(double) * EV_N * (nl0 + 1)));
    floor += MarginalPass(b, st, W, P->g, eps, lam, logd, np, nl0, ps);
    PetscCall(OTSinkhornPlaneSums(S, EV_N, ps, B));
    if (full) {
      /* <C, P> = sum over axes of <u, K^(axis) v>: the moment kernel carries (x_k - y_k)^2 on one axis */
      for (PetscInt k = 0; k < gi->dim; k++) {
        double *pk, t;
        PetscCall(PetscCalloc1(nl0 + 1, &pk));
        PetscCall(KernelOfState(S, logd, k, P->logb, st, W));
        for (ptrdiff_t p = 0; p < nl0; p++)
          for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) pk[p] += logd ? exp(X[i] + W[i]) : X[i] * W[i];
        PetscCall(OTSinkhornPlaneSums(S, 1, pk, &t));
        PetscCall(PetscFree(pk));
        tc += t;
      }
    }
    P->mass      = A[EV_MASS];
    P->marginal  = A[EV_L1] + B[EV_L1];
    P->transport = full ? tc : NAN;
    P->entropic  = A[EV_RF] + B[EV_RF] - eps * P->mass + eps * P->ma * P->mb + (S->rho > 0 ? S->rho * (A[EV_KL] + B[EV_KL]) : 0);
    /* balanced: (f + c, g - c) is the same plan; pick <a, f> = <b, g> (the objective does not move: m(r) = m(c)) */
    if (S->rho <= 0) {
      double c = 0.5 * (A[EV_AF] - B[EV_AF]);
      for (ptrdiff_t i = 0; i < n; i++) {
        P->f[i] -= c;
        P->g[i] += c;
      }
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &floor, 1, MPI_INT64_T, MPI_SUM, S->comm));
  P->floor = (PetscInt) floor;
  PetscCall(PetscFree(ps));
  PetscCall(PetscLogEventEnd(OTSINKHORN_Evaluate, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* T(x) = sum_y P(x,y) y / sum_y P(x,y) = K(v y)(x) / K v(x), per axis, with coordinates measured from the grid's lower
   corner (positive, so the log domain can carry them). Cells where K v underflows keep T(x) = x. */
PetscErrorCode OTSinkhornComputeMap(OTSinkhorn S, OTSinkProblem *P, OTSinkForm form, double eps)
{
  const OTGridInfo *gi = S->gi;
  const ptrdiff_t   d  = gi->dim;
  double           *st = S->st, *X = S->w2, *Kv = S->w3;
  PetscBool         logd = (PetscBool) (form == OT_FORM_LOG);

  PetscFunctionBegin;
  if (!S->map) PetscCall(OTFieldCreateComponents(S->grid, d, &S->map));
  PetscCall(KernelOfState(S, logd, -1, P->logb, st, Kv));
  for (PetscInt k = 0; k < d; k++) {
    for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
      for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
        for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) {
          ptrdiff_t id = (i0 * gi->n[1] + i1) * gi->n[2] + i2, ix[3] = {gi->start0 + i0, i1, i2};
          double    y = OTGridCoord(gi, k, ix[k]) - gi->origin[k];
          X[id]       = logd ? P->logb[id] + st[id] + log(y) : st[id] * y;
        }
    if (!logd)
      PetscCall(OTKernelApply(S->K, -1, X, X));
    else
      PetscCall(OTKernelApplyLog(S->K, -1, X, X));
    for (ptrdiff_t i0 = 0; i0 < gi->local_n0; i0++)
      for (ptrdiff_t i1 = 0; i1 < gi->n[1]; i1++)
        for (ptrdiff_t i2 = 0; i2 < gi->n[2]; i2++) {
          ptrdiff_t id = (i0 * gi->n[1] + i1) * gi->n[2] + i2, ix[3] = {gi->start0 + i0, i1, i2};
          double    t;
          if (logd)
            t = Kv[id] > -INFINITY ? exp(X[id] - Kv[id]) : NAN;
          else
            t = Kv[id] > DBL_MIN ? X[id] / Kv[id] : NAN;
          S->map[id * d + k] = isfinite(t) ? gi->origin[k] + t : OTGridCoord(gi, k, ix[k]);
        }
  }
  PetscFunctionReturn(0);
}
