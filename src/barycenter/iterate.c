/* iterate.c: iterative Bregman projections for the barycenter, fused like the Sinkhorn iterations: per local input two
   kernel applications in place on one work field, each followed by one pass; one MPI_Allreduce per iteration across
   groups (the weighted sum of log K u_k, with the group's error sums appended); the barycenter, debiasing, sharpening and
   the scaling update in the group. Scaling form for the FFT kernels, log domain for banded. */
#include "barycenterimpl.h"
#include <float.h>

/* x^lambda for x > 0 (exact when lambda = 1) */
static inline double PowLam(double x, double lam)
{
  return lam == 1.0 ? x : OTFastExp(lam * OTFastLog(x));
}

/* The state: slot_k = K u_k of the last iteration (log K u_k in the log domain), the barycenter q (qold; log q in B->q
   for the log domain) and d, so v_k = (q / K u_k)^lambda is formed when it is needed (fused with the copy into the work
   field). Moves it to the form and eps of a stage: at the start v_k = 1, d = 1, q = 1; later through the potentials
   eps log v_k (eps-scaling, and scaling <-> log when the kernel changes). */
PetscErrorCode OTBarycenterStageChange(OTBarycenter B, OTBaryForm form, double eps_old, double eps)
{
  const ptrdiff_t n    = B->gi->nlocal;
  const double    lold = B->rho > 0 ? B->rho / (B->rho + eps_old) : 1.0, lnew = B->rho > 0 ? B->rho / (B->rho + eps) : 1.0;
  double         *q = B->qold, *lq = B->q;
  ptrdiff_t       bad = 0;

  PetscFunctionBegin;
  if (!B->started) {
    for (PetscInt j = 0; j < B->nloc; j++) PetscCall(OTFieldSet(B->ggrid, form == OT_BARY_LOG ? 0.0 : 1.0, B->slot[j]));
    PetscCall(OTFieldSet(B->ggrid, form == OT_BARY_LOG ? 0.0 : 1.0, B->d));
    PetscCall(OTFieldSet(B->ggrid, 1.0, B->qold));
    PetscCall(OTFieldSet(B->ggrid, 0.0, B->q));
    B->form    = form;
    B->started = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  if (form == OT_BARY_LOG && B->form != OT_BARY_LOG)
    for (ptrdiff_t i = 0; i < n; i++) lq[i] = q[i] > 0 ? log(q[i]) : -INFINITY;
  for (PetscInt j = 0; j < B->nloc; j++) {
    double *x = B->slot[j];
    for (ptrdiff_t i = 0; i < n; i++) {
      /* g = eps_old log v with v = (q / K u)^lambda; then the slot that gives v' = exp(g/eps) */
      double g = B->form == OT_BARY_LOG ? eps_old * lold * (lq[i] - x[i]) : (q[i] > 0 ? eps_old * lold * log(q[i] / x[i]) : -INFINITY);
      if (form == OT_BARY_LOG)
        x[i] = lq[i] > -INFINITY ? lq[i] - g / (eps * lnew) : x[i];
      else
        x[i] = q[i] > 0 ? q[i] * exp(-g / (eps * lnew)) : x[i];
      bad += !(x[i] < INFINITY) || !(x[i] > 0 || form == OT_BARY_LOG);
    }
  }
  for (ptrdiff_t i = 0; i < n; i++) {
    double pot = B->form == OT_BARY_LOG ? eps_old * B->d[i] : (B->d[i] > 0 ? eps_old * log(B->d[i]) : -INFINITY);
    B->d[i]    = form == OT_BARY_LOG ? pot / eps : exp(pot / eps);
    bad += !(B->d[i] < INFINITY);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_SUM, B->comm));
  PetscCheck(!bad, B->comm, PETSC_ERR_FP, "eps-scaling: the scalings overflow at eps = %g; use -kernel banded (log domain)", eps);
  B->form = form;
  PetscFunctionReturn(0);
}

/* Solomon et al.'s entropic sharpening: when the barycenter's entropy exceeds the bound, replace q by q^beta (beta >= 1,
   same mass) with the entropy at the bound; beta by Newton's method on group-wide sums (the same bits in every group). */
static PetscErrorCode Sharpen(OTBarycenter B, double *q, double *lq)
{
  const OTGridInfo *gi = B->gi;
  const ptrdiff_t   np = gi->plane, nl0 = gi->local_n0;
  double            H0 = B->sharpen > 0 ? B->sharpen : B->input_entropy_max, beta = 1, *ps, s[3], m = 0, S = 1;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(3 * (nl0 + 1), &ps));
  for (int k = 0; k < 30; k++) {
    double H, dH;
    for (ptrdiff_t p = 0; p < nl0; p++) {
      double a = 0, b = 0, c = 0;
      for (ptrdiff_t i = p * np; i < (p + 1) * np; i++) {
        double e = q[i] > 0 ? exp(beta * lq[i]) : 0, l = q[i] > 0 ? lq[i] : 0;
        a += e;
        b += e * l;
        c += e * l * l;
      }
      ps[3 * p] = a, ps[3 * p + 1] = b, ps[3 * p + 2] = c;
    }
    PetscCall(OTGridSumPlanes(B->ggrid, 3, ps, s));
    if (k == 0) m = s[0];
    S  = s[0];
    H  = log(s[0]) - beta * s[1] / s[0];
    dH = -beta * (s[2] / s[0] - (s[1] / s[0]) * (s[1] / s[0]));
    if (k == 0 && H <= H0) break; /* within the bound: nothing to do */
    if (fabs(H - H0) <= 1e-12 * PetscMax(1.0, fabs(H0)) || dH >= 0) break;
    beta = PetscMin(PetscMax(beta - (H - H0) / dH, 1.0), 100.0);
  }
  if (beta > 1)
    for (ptrdiff_t i = 0; i < gi->nlocal; i++) {
      lq[i] = q[i] > 0 ? beta * lq[i] + log(m / S) : -INFINITY;
      q[i]  = q[i] > 0 ? exp(lq[i]) : 0;
    }
  PetscCall(PetscFree(ps));
  PetscFunctionReturn(0);
}

enum { PS_ERR, PS_BAD, PS_CHANGE, PS_MASS, PS_N };

/* The balanced scaling-form passes (the FFT kernels' hot path), branch-free with 8 accumulators so that gcc
   vectorises them. u = p / K v in place; returns the cells where K v vanished under mass. */
static inline double BalancedU(const double *p, double *w, ptrdiff_t i0, ptrdiff_t i1)
{
  double    b8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, bad = 0;
  ptrdiff_t i = i0;
  for (; i + 8 <= i1; i += 8)
    for (int k = 0; k < 8; k++) {
      double kv = w[i + k], den = kv > DBL_MIN ? kv : 1.0;
      b8[k] += (p[i + k] > 0 && !(kv > DBL_MIN)) ? 1.0 : 0.0;
      w[i + k] = p[i + k] / den;
    }
  for (; i < i1; i++) {
    double kv = w[i], den = kv > DBL_MIN ? kv : 1.0;
    bad += (p[i] > 0 && !(kv > DBL_MIN)) ? 1.0 : 0.0;
    w[i] = p[i] / den;
  }
  for (int k = 0; k < 8; k++) bad += b8[k];
  return bad;
}

/* K u in w: the q-marginal error |v K u - q| of (u, v = q / K u_old) summed into *err, the slot keeps K u, acc gathers
   w_k log K u (first: the first input, which sets acc) */
static inline double BalancedKu(const double *w, double *s, const double *q, double *acc, double wk, PetscBool first, ptrdiff_t i0, ptrdiff_t i1, double *err)
{
  double    e8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, bad = 0, e = 0;
  ptrdiff_t i = i0;
  for (; i + 8 <= i1; i += 8)
    for (int k = 0; k < 8; k++) {
      double ku = w[i + k];
      b8[k] += !(ku > DBL_MIN) ? 1.0 : 0.0;
      e8[k] += fabs(q[i + k] * ku / s[i + k] - q[i + k]);
      s[i + k]   = ku;
      acc[i + k] = (first ? 0.0 : acc[i + k]) + wk * OTFastLog(ku);
    }
  for (; i < i1; i++) {
    double ku = w[i];
    bad += !(ku > DBL_MIN) ? 1.0 : 0.0;
    e += fabs(q[i] * ku / s[i] - q[i]);
    s[i]   = ku;
    acc[i] = (first ? 0.0 : acc[i]) + wk * OTFastLog(ku);
  }
  for (int k = 0; k < 8; k++) {
    bad += b8[k];
    e += e8[k];
  }
  *err += e;
  return bad;
}

/* w = v = q / K u (balanced, scaling form: the hot path), fused with the copy into the work field */
static inline void BalancedV(const double *q, const double *s, double *w, ptrdiff_t n)
{
  for (ptrdiff_t i = 0; i < n; i++) w[i] = q[i] / s[i];
}

/* The log-domain passes of the balanced barycenter, with 8 accumulators like the scaling form's so that gcc vectorises
   them (a single running sum keeps a loop scalar, its exp or log included). u_k = lambda (log p_k - log K v_k) in
   place; returns the cells where K v_k is not finite under mass. */
static inline double LogU(const double *p, double *w, double lam, ptrdiff_t i0, ptrdiff_t i1)
{
  double    b8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, bad = 0;
  ptrdiff_t i = i0;
  for (; i + 8 <= i1; i += 8)
    for (int k = 0; k < 8; k++) {
      const double l = w[i + k];
      b8[k] += (p[i + k] > 0 && !(l > -INFINITY && l < INFINITY)) ? 1.0 : 0.0;
      w[i + k] = p[i + k] > 0 ? lam * (OTFastLog(p[i + k]) - l) : -INFINITY;
    }
  for (; i < i1; i++) {
    const double l = w[i];
    bad += (p[i] > 0 && !(l > -INFINITY && l < INFINITY)) ? 1.0 : 0.0;
    w[i] = p[i] > 0 ? lam * (OTFastLog(p[i]) - l) : -INFINITY;
  }
  for (int k = 0; k < 8; k++) bad += b8[k];
  return bad;
}

/* log K u_k in w: the q-marginal error |e^(log v_k + log K u_k) - q| summed into *err, with log v_k the kept one (v,
   over-relaxed: kept) or lambda (log q - log K u_k old); the slot keeps log K u_k, acc gathers w_k log K u_k (first: sets it).
   Returns the cells where log K u_k is not finite. */
static inline double LogKu(const double *w, double *s, const double *q, const double *lq, PetscBool kept, const double *v, double *acc, double wk, double lam,
                           PetscBool first, ptrdiff_t i0, ptrdiff_t i1, double *err)
{
  double    e8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, bad = 0, e = 0;
  ptrdiff_t i = i0;
  for (; i + 8 <= i1; i += 8)
    for (int k = 0; k < 8; k++) {
      const double l = w[i + k], lv = kept ? v[i + k] : (lq[i + k] > -INFINITY ? lam * (lq[i + k] - s[i + k]) : -INFINITY);
      b8[k] += !(l > -INFINITY && l < INFINITY) ? 1.0 : 0.0;
      e8[k] += fabs(OTFastExp(lv + l) - q[i + k]);
      s[i + k]   = l;
      acc[i + k] = (first ? 0.0 : acc[i + k]) + wk * l;
    }
  for (; i < i1; i++) {
    const double l = w[i], lv = kept ? v[i] : (lq[i] > -INFINITY ? lam * (lq[i] - s[i]) : -INFINITY);
    bad += !(l > -INFINITY && l < INFINITY) ? 1.0 : 0.0;
    e += fabs(OTFastExp(lv + l) - q[i]);
    s[i]   = l;
    acc[i] = (first ? 0.0 : acc[i]) + wk * l;
  }
  for (int k = 0; k < 8; k++) {
    bad += b8[k];
    e += e8[k];
  }
  *err += e;
  return bad;
}

/* Over-relaxation (-accel) of the u_k half-step: W holds the plain update (u_k, or log u_k in the log domain); with
   omega > 1 it becomes u_old^(1 - omega) u^omega where p_k > 0; B->lu keeps it. */
static void RelaxU(OTBarycenter B, PetscInt j, double *W)
{
  const ptrdiff_t n = B->gi->nlocal;
  const double    w = B->accel.omega, *p = B->p[j];
  double         *u = B->lu[j];

  for (ptrdiff_t i = 0; i < n; i++) {
    if (w != 1.0 && B->accel.valid && p[i] > 0) {
      if (B->form == OT_BARY_LOG)
        W[i] = (1 - w) * u[i] + w * W[i];
      else if (u[i] > 0 && W[i] > 0)
        W[i] *= exp((1 - w) * log(u[i] / W[i]));
    }
    u[i] = W[i];
  }
}

/* The v_k half-step, over-relaxed: the plain update (q / K u_k)^lambda (lambda (log q - log K u_k)) from the new
   barycenter, relaxed against the kept v_k where q > 0. */
static void RelaxV(OTBarycenter B)
{
  const ptrdiff_t n = B->gi->nlocal;
  const double    w = B->accel.omega, lam = B->lambda, *q = B->qold, *lq = B->q;

  for (PetscInt j = 0; j < B->nloc; j++) {
    const double   *s  = B->slot[j];
    double         *v  = B->lv[j];
    const PetscBool on = (PetscBool) (w != 1.0 && B->accel.valid);
    if (B->form == OT_BARY_LOG) /* no branch in the loop: vectorised */
      for (ptrdiff_t i = 0; i < n; i++) {
        const double t = lq[i] > -INFINITY ? lam * (lq[i] - s[i]) : -INFINITY;
        v[i]           = on && lq[i] > -INFINITY ? (1 - w) * v[i] + w * t : t;
      }
    else
      for (ptrdiff_t i = 0; i < n; i++) {
        double t = q[i] > 0 ? PowLam(q[i] / s[i], lam) : 0;
        if (on && q[i] > 0 && v[i] > 0) t *= exp((1 - w) * log(v[i] / t));
        v[i] = t;
      }
  }
}

/* v_k = (q / K u_k)^lambda into W, then u_k = (p_k / K v_k)^lambda, then K u_k, all in W; the cells where a kernel
   value vanished under mass are counted into ps */
static PetscErrorCode ProjectInput(OTBarycenter B, PetscInt j, double *ps)
{
  const ptrdiff_t n = B->gi->nlocal, np = B->gi->plane, nl0 = B->gi->local_n0;
  const double    lam = B->lambda, *p = B->p[j], *s = B->slot[j], *q = B->qold, *lq = B->q;
  const PetscBool relaxed = (PetscBool) (B->lv && B->accel.valid); /* v_k is kept (over-relaxation), not formed from q */
  double         *W       = B->W;

  PetscFunctionBegin;
  if (B->form != OT_BARY_LOG) {
    if (relaxed)
      memcpy(W, B->lv[j], sizeof(double) * (size_t) n);
    else if (lam == 1.0)
      BalancedV(q, s, W, n);
    else
      for (ptrdiff_t i = 0; i < n; i++) W[i] = q[i] > 0 ? PowLam(q[i] / s[i], lam) : 0;
    PetscCall(OTKernelApply(B->K_, -1, W, W));
    for (ptrdiff_t pl = 0; pl < nl0; pl++) {
      double bad = 0;
      if (lam == 1.0)
        bad = BalancedU(p, W, pl * np, (pl + 1) * np);
      else
        for (ptrdiff_t i = pl * np; i < (pl + 1) * np; i++) {
          double kv = W[i], den = kv > DBL_MIN ? kv : 1.0;
          bad += (p[i] > 0 && !(kv > DBL_MIN)) ? 1.0 : 0.0;
          W[i] = p[i] > 0 ? PowLam(p[i] / den, lam) : 0;
        }
      ps[PS_N * pl + PS_BAD] += bad;
    }
    if (B->lu) RelaxU(B, j, W);
    PetscCall(OTKernelApply(B->K_, -1, W, W));
  } else {
    if (relaxed)
      memcpy(W, B->lv[j], sizeof(double) * (size_t) n);
    else
      for (ptrdiff_t i = 0; i < n; i++) W[i] = lq[i] > -INFINITY ? lam * (lq[i] - s[i]) : -INFINITY;
    PetscCall(OTKernelApplyLogWhere(B->K_, -1, W, p, W)); /* only where p_k has mass: u_k vanishes elsewhere */
    for (ptrdiff_t pl = 0; pl < nl0; pl++) ps[PS_N * pl + PS_BAD] += LogU(p, W, lam, pl * np, (pl + 1) * np);
    if (B->lu) RelaxU(B, j, W);
    PetscCall(OTKernelApplyLog(B->K_, -1, W, W));
  }
  PetscFunctionReturn(0);
}

/* Input k's term of the barycenter into acc_i (the first input sets it): w_k log K u_k (balanced), or the power mean's
   w_k (K u_k)^(1 - lambda) (unbalanced; added as a log-sum-exp in the log domain); l = K u_k, or its log */
static inline void Gather(double *acc, ptrdiff_t i, double l, double wk, double lwk, double lam, PetscBool logd, PetscBool unb, PetscBool first)
{
  if (unb && logd) {
    double x = lwk + (1 - lam) * l, a = first ? -INFINITY : acc[i], mx = PetscMax(a, x), mn = PetscMin(a, x);
    acc[i] = mx == -INFINITY ? mx : mx + log1p(exp(mn - mx));
  } else if (unb)
    acc[i] = (first ? 0.0 : acc[i]) + wk * PowLam(l, 1 - lam);
  else
    acc[i] = (first ? 0.0 : acc[i]) + wk * (logd ? l : OTFastLog(l));
}

/* K u_k (in W): the q-marginal error of (u_k, v_k) against the current barycenter, then the slot keeps K u_k and its
   log (or power) goes into the sum across inputs, acc (the first input sets it) */
static void GatherInput(OTBarycenter B, PetscInt j, double *ps)
{
  const ptrdiff_t np = B->gi->plane, nl0 = B->gi->local_n0;
  const PetscBool logd = (PetscBool) (B->form == OT_BARY_LOG), unb = (PetscBool) (B->rho > 0), first = (PetscBool) (j == 0);
  const double    lam = B->lambda, wk = B->w[B->loc[j]], lwk = log(wk), *q = B->qold, *lq = B->q, *W = B->W;
  double         *s = B->slot[j], *acc = B->acc;

  for (ptrdiff_t pl = 0; pl < nl0; pl++) {
    double e = 0, bad = 0;
    if (logd && !unb)
      bad = B->lv && B->accel.valid ? LogKu(W, s, q, lq, PETSC_TRUE, B->lv[j], acc, wk, lam, first, pl * np, (pl + 1) * np, &e)
                                    : LogKu(W, s, q, lq, PETSC_FALSE, NULL, acc, wk, lam, first, pl * np, (pl + 1) * np, &e); /* no branch in the loop */
    else if (B->lv && B->accel.valid) {
      /* over-relaxed: the error of the kept v_k (balanced) */
      const double *v = B->lv[j];
      for (ptrdiff_t i = pl * np; i < (pl + 1) * np; i++) {
        double l = W[i];
        bad += logd ? !(l > -INFINITY && l < INFINITY) : !(l > DBL_MIN);
        e += fabs((logd ? OTFastExp(v[i] + l) : v[i] * l) - q[i]);
        s[i] = l;
        Gather(acc, i, l, wk, lwk, lam, logd, unb, first);
      }
    } else if (!logd && !unb)
      bad = BalancedKu(W, s, q, acc, wk, first, pl * np, (pl + 1) * np, &e);
    else if (!logd) {
      for (ptrdiff_t i = pl * np; i < (pl + 1) * np; i++) {
        double ku = W[i], v = q[i] > 0 ? PowLam(q[i] / s[i], lam) : 0;
        bad += !(ku > DBL_MIN) ? 1.0 : 0.0;
        e += fabs(v * ku - q[i]);
        s[i] = ku;
        Gather(acc, i, ku, wk, lwk, lam, logd, unb, first);
      }
    } else {
      for (ptrdiff_t i = pl * np; i < (pl + 1) * np; i++) {
        double l = W[i], lv = lq[i] > -INFINITY ? lam * (lq[i] - s[i]) : -INFINITY;
        bad += !(l > -INFINITY && l < INFINITY) ? 1.0 : 0.0;
        e += fabs(OTFastExp(lv + l) - q[i]);
        s[i] = l;
        Gather(acc, i, l, wk, lwk, lam, logd, unb, first);
      }
    }
    ps[PS_N * pl + PS_ERR] += wk * e;
    ps[PS_N * pl + PS_BAD] += bad;
  }
}

/* The one reduction across groups: the weighted sum of log K u_k, with the group's error sums appended */
static PetscErrorCode ReduceGroups(OTBarycenter B, double *ps, double eps)
{
  const ptrdiff_t n   = B->gi->nlocal;
  const PetscBool la  = (PetscBool) (B->form == OT_BARY_LOG && B->rho > 0); /* acc holds a log-sum */
  double         *acc = B->acc, gs[PS_N];

  PetscFunctionBegin;
  PetscCall(OTGridSumPlanes(B->ggrid, PS_N, ps, gs));
  acc[n]     = la ? log(gs[PS_ERR]) : gs[PS_ERR];
  acc[n + 1] = la ? log(gs[PS_BAD]) : gs[PS_BAD];
  PetscCall(PetscLogEventBegin(OTBARY_Allreduce, 0, 0, 0, 0));
  if (B->G > 1) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, acc, (int) (n + 2), MPI_DOUBLE, la ? B->logaddop : MPI_SUM, B->xcomm));
  PetscCall(PetscLogEventEnd(OTBARY_Allreduce, 0, 0, 0, 0));
  B->err = la ? exp(acc[n]) : acc[n];
  PetscCheck((la ? exp(acc[n + 1]) : acc[n + 1]) == 0 && isfinite(B->err), B->comm, PETSC_ERR_FP,
             "kernel underflow at eps = %g: K u or K v vanished where a density has mass (the %s kernel cannot resolve values that far below its maximum); "
             "use -kernel banded (log domain) or a larger -eps",
             eps, B->form == OT_BARY_LOG ? "banded" : "FFT");
  PetscFunctionReturn(0);
}

/* The barycenter at cell i from acc (log q = sum_k w_k log K u_k (+ log d), or the power mean when unbalanced); acc
   keeps log q, and so does lq in the log domain */
static inline double NewQ(double *acc, double *lq, const double *d, ptrdiff_t i, double lam, PetscBool logd, PetscBool unb, PetscBool debias)
{
  double l = acc[i];
  if (unb)
    l = logd ? l / (1 - lam) : OTFastLog(l) / (1 - lam);
  else if (debias)
    l += logd ? d[i] : OTFastLog(d[i]);
  acc[i] = l;
  if (logd) lq[i] = l;
  return OTFastExp(l);
}

/* The barycenter (NewQ) into q over the cells [i0, i1); returns their change of q, adds their mass to *mass (8
   accumulators; called with constant flags for the log domain's balanced case, so that the loop has no branch and is
   vectorised) */
static inline double UpdatePlane(double *q, double *acc, double *lq, const double *d, ptrdiff_t i0, ptrdiff_t i1, double lam, PetscBool logd, PetscBool unb,
                                 PetscBool deb, double *mass)
{
  double    c8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, m8[8] = {0, 0, 0, 0, 0, 0, 0, 0}, c = 0, m = 0;
  ptrdiff_t i = i0;
  for (; i + 8 <= i1; i += 8)
    for (int k = 0; k < 8; k++) {
      const double qi = NewQ(acc, lq, d, i + k, lam, logd, unb, deb);
      c8[k] += fabs(qi - q[i + k]);
      m8[k] += qi;
      q[i + k] = qi;
    }
  for (; i < i1; i++) {
    const double qi = NewQ(acc, lq, d, i, lam, logd, unb, deb);
    c += fabs(qi - q[i]);
    m += qi;
    q[i] = qi;
  }
  for (int k = 0; k < 8; k++) c += c8[k], m += m8[k];
  *mass = m;
  return c;
}

/* the barycenter into q; the change of q and its mass per plane into ps */
static void UpdateBarycenter(OTBarycenter B, double *ps)
{
  const ptrdiff_t np = B->gi->plane, nl0 = B->gi->local_n0;
  const PetscBool logd = (PetscBool) (B->form == OT_BARY_LOG), unb = (PetscBool) (B->rho > 0), deb = B->debias;
  const double    lam = B->lambda, *d = B->d;
  double         *q = B->qold, *lq = B->q, *acc = B->acc;

  for (ptrdiff_t pl = 0; pl < nl0; pl++) {
    double *c = ps + PS_N * pl + PS_CHANGE, *m = ps + PS_N * pl + PS_MASS;
    if (logd && !unb && !deb)
      *c = UpdatePlane(q, acc, lq, d, pl * np, (pl + 1) * np, lam, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, m);
    else
      *c = UpdatePlane(q, acc, lq, d, pl * np, (pl + 1) * np, lam, logd, unb, deb, m);
  }
}

/* d <- sqrt(d q / K d): symmetric Sinkhorn steps of OT(q, q) (Janati et al.; POT does 10 per iteration) */
static PetscErrorCode Debias(OTBarycenter B)
{
  const ptrdiff_t n = B->gi->nlocal;
  double         *W = B->W, *d = B->d, *q = B->qold, *acc = B->acc;

  PetscFunctionBegin;
  for (PetscInt st = 0; st < B->debias_steps; st++) {
    memcpy(W, d, sizeof(double) * (size_t) n);
    if (B->form != OT_BARY_LOG) {
      PetscCall(OTKernelApply(B->K_, -1, W, W));
      for (ptrdiff_t i = 0; i < n; i++) d[i] = W[i] > DBL_MIN ? sqrt(d[i] * q[i] / W[i]) : d[i];
    } else {
      PetscCall(OTKernelApplyLog(B->K_, -1, W, W));
      for (ptrdiff_t i = 0; i < n; i++) d[i] = 0.5 * (d[i] + acc[i] - W[i]);
    }
  }
  PetscFunctionReturn(0);
}

/* entropic sharpening of q (in place); the change is then that of the sharpened barycenters */
static PetscErrorCode SharpenStep(OTBarycenter B, double *ps)
{
  const ptrdiff_t np = B->gi->plane, nl0 = B->gi->local_n0;
  double         *q = B->qold;

  PetscFunctionBegin;
  PetscCall(Sharpen(B, q, B->acc));
  if (B->form == OT_BARY_LOG) memcpy(B->q, B->acc, sizeof(double) * (size_t) B->gi->nlocal);
  for (ptrdiff_t pl = 0; pl < nl0; pl++) {
    double c = 0, m = 0;
    for (ptrdiff_t i = pl * np; i < (pl + 1) * np; i++) {
      c += fabs(q[i] - B->qprev[i]);
      m += q[i];
    }
    ps[PS_N * pl + PS_CHANGE] = c;
    ps[PS_N * pl + PS_MASS]   = m;
  }
  PetscFunctionReturn(0);
}

/* One iteration of the iterative Bregman projections (the iteration core's step): the residual is the larger of the
   barycenter's change and (balanced) the marginal error. */
PetscErrorCode OTBarycenterStep(void *ctx, OTSolver core)
{
  OTBarycenter    B  = (OTBarycenter) ctx;
  const ptrdiff_t nl = B->gi->local_n0 + 1;
  double         *ps = B->ps, gs[PS_N];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ps, sizeof(double) * PS_N * nl));
  for (PetscInt j = 0; j < B->nloc; j++) {
    PetscCall(ProjectInput(B, j, ps));
    GatherInput(B, j, ps);
  }
  PetscCall(ReduceGroups(B, ps, B->cur_eps));
  PetscCall(PetscMemzero(ps, sizeof(double) * PS_N * nl));
  if (B->sharpen >= 0) memcpy(B->qprev, B->qold, sizeof(double) * (size_t) B->gi->nlocal);
  UpdateBarycenter(B, ps);
  if (B->debias) PetscCall(Debias(B));
  if (B->sharpen >= 0) PetscCall(SharpenStep(B, ps));
  PetscCall(OTGridSumPlanes(B->ggrid, PS_N, ps, gs));
  B->change = gs[PS_CHANGE];
  B->mass   = gs[PS_MASS];
  if (B->lv) {
    RelaxV(B);
    B->accel.valid = PETSC_TRUE;
    PetscCall(OTAccelUpdate(&B->accel, B->rho > 0 ? B->change : PetscMax(B->change, B->err))); /* the residual of the solve */
    if (B->accel.omega != 1.0) snprintf(core->extra, sizeof core->extra, "omega %.3f", B->accel.omega);
  }
  PetscCall(OTSolverSetResidual(core, PetscMax(B->change, B->rho > 0 ? 0 : B->err)));
  PetscFunctionReturn(0);
}

/* Between the first -bary_time_kernel iterations, untimed: a bare application of the group's kernel (the slowest rank's). */
PetscErrorCode OTBarycenterSample(void *ctx, OTSolver core)
{
  OTBarycenter B = (OTBarycenter) ctx;

  PetscFunctionBegin;
  (void) core;
  PetscCall(OTKernelSample(B->K_, B->comm, B->time_kernel, &B->samples, &B->kernel_min));
  PetscFunctionReturn(0);
}

/* The result: q / mass on the grid of all ranks (group 0's copy), and its entropy. */
PetscErrorCode OTBarycenterFinish(OTBarycenter B)
{
  double *ent, H;

  PetscFunctionBegin;
  if (!B->qw) PetscCall(OTFieldCreate(B->wgrid, &B->qw));
  PetscCall(OTBarycenterToWorld(B, 0, B->qold, B->qw));
  PetscCall(OTFieldScale(B->wgrid, 1.0 / B->mass, B->qw));
  PetscCall(OTFieldCreate(B->wgrid, &ent));
  for (ptrdiff_t i = 0; i < B->wi->nlocal; i++) ent[i] = B->qw[i] > 0 ? -B->qw[i] * log(B->qw[i]) : 0;
  PetscCall(OTFieldSum(B->wgrid, ent, &H));
  PetscCall(OTFieldDestroy(&ent));
  B->res.entropy = H;
  PetscFunctionReturn(0);
}

PetscErrorCode OTBarycenterToWorld(OTBarycenter B, PetscInt g, const double *src, double *dst)
{
  PetscFunctionBegin;
  PetscCall(OTPlaneExchangeExecute(B->fromGroup[g], src, dst));
  PetscFunctionReturn(0);
}

/* A field in the layout of all ranks -> this rank's group layout (every group receives it) */
PetscErrorCode OTBarycenterFromWorld(OTBarycenter B, PetscInt g, const double *src, double *dst)
{
  PetscFunctionBegin;
  (void) g;
  PetscCall(OTPlaneExchangeExecute(B->toGroup, src, dst));
  PetscFunctionReturn(0);
}

/* Input k's field among fields[] (one per local input) in the world layout: its group sends it, the other ranks send
   their work field (nothing is taken from them). */
PetscErrorCode OTBarycenterInputToWorld(OTBarycenter B, double *const *fields, PetscInt k, double *wf)
{
  const double *src = B->W;

  PetscFunctionBegin;
  for (PetscInt j = 0; j < B->nloc; j++)
    if (B->loc[j] == k) src = fields[j];
  PetscCall(OTBarycenterToWorld(B, k % B->G, src, wf));
  PetscFunctionReturn(0);
}

/* The world field wf into input k's field among fields[] on the ranks of its group (gf: a group field in between). */
PetscErrorCode OTBarycenterInputFromWorld(OTBarycenter B, const double *wf, PetscInt k, double *const *fields, double *gf)
{
  PetscFunctionBegin;
  PetscCall(OTBarycenterFromWorld(B, k % B->G, wf, gf));
  for (PetscInt j = 0; j < B->nloc; j++)
    if (B->loc[j] == k) PetscCall(OTFieldCopy(B->ggrid, gf, fields[j]));
  PetscFunctionReturn(0);
}
