/* prox.c: the pointwise proximal map of the kinetic energy J(f, m) = |m|^2 / (2 f) (the largest root of a cubic, by
   monotone Newton in branch-free chunks that the compiler vectorises), and the energy of a centred field. */
#include "dynimpl.h"
#include <math.h>

#define PROX_CHUNK 64

/* An upper bound of c^(1/3) (c >= 0) within ~1e-7, in arithmetic the compiler vectorises: a float bit estimate, then two
   Newton steps t <- (2t + c/t^2)/3, which by the AM-GM inequality land above the root from any t > 0. */
static inline double CbrtAbove(double c)
{
  union {
    float    f;
    uint32_t i;
  } u;
  double t;
  u.f = (float) (c < 1e38 ? c : 1e38);
  u.i = u.i / 3 + 0x2a5137a0u;
  t   = (double) u.f;
  t   = t > 1e-100 ? t : 1e-100;
  t   = (2 * t + c / (t * t)) * (1.0 / 3.0);
  t   = (2 * t + c / (t * t)) * (1.0 / 3.0);
  return t;
}

static inline void NewtonSweep(ptrdiff_t nb, double g, const double *restrict a, const double *restrict c, double *restrict X, double *restrict step)
{
  for (ptrdiff_t i = 0; i < nb; i++) {
    double x = X[i], xg = x + g, P = (x - a[i]) * xg * xg - c[i], dP = xg * (3 * x + g - 2 * a[i]), st = P / dP;
    step[i] = st;
    X[i]    = x - st;
  }
}

/* prox_{gamma J}(a, m~) for n points: f* is the largest real root X of P(X) = (X - a)(X + gamma)^2 - gamma |m~|^2 / 2
   (Papadakis–Peyré–Oudet, Prop. 1) when it is positive, then m* = m~ X / (X + gamma); otherwise (0, 0).
   On [max(a, 0), inf) P is increasing and convex, and P(max(a,0) + min(s1, s2)) >= 0 for s1 >= c^(1/3) and
   s2 = c/(max(a,0)+gamma)^2, c = gamma |m~|^2 / 2, so Newton from there decreases monotonically to the root. The root is
   <= 0 exactly when a <= 0 and P(0) >= 0, i.e. c <= -a gamma^2. Chunks of points go through branch-free sweeps (SIMD)
   until every point of the chunk has converged. in[0] = a, in[1..nm] = the momentum (and source) components, read times
   `scale`; out may be in. With moreau > 0 the input is also overwritten by in - moreau * out (the Moreau complement that
   the primal–dual method needs: P_K(y) = y - s prox_{J/s}(y/s)). newton: the number of sweeps done (all chunks). */
static void ProxCore(ptrdiff_t n, PetscInt nm, double gamma, double scale, double *const in[], double *const out[], double moreau, PetscInt *newton)
{
  const double g     = gamma;
  PetscInt     total = 0;

  for (ptrdiff_t i0 = 0; i0 < n; i0 += PROX_CHUNK) {
    ptrdiff_t nb = PetscMin((ptrdiff_t) PROX_CHUNK, n - i0);
    double    a[PROX_CHUNK], c[PROX_CHUNK], X[PROX_CHUNK], keep[PROX_CHUNK], step[PROX_CHUNK];
    for (ptrdiff_t i = 0; i < nb; i++) c[i] = 0;
    for (PetscInt k = 1; k <= nm; k++) {
      const double *mk = in[k] + i0;
      for (ptrdiff_t i = 0; i < nb; i++) c[i] += mk[i] * mk[i];
    }
    for (ptrdiff_t i = 0; i < nb; i++) {
      c[i] *= 0.5 * g * scale * scale;
      step[i] = CbrtAbove(c[i]);
    }
    for (ptrdiff_t i = 0; i < nb; i++) {
      double ai = scale * in[0][i0 + i], ci = c[i], am = ai > 0 ? ai : 0, b = am + g, s1 = step[i], s2 = ci / (b * b);
      int    zero = (ai <= 0) & (ci <= -ai * g * g);
      keep[i]     = zero ? 0.0 : 1.0;
      /* a zero point iterates on the trivial problem a = c = 0 (root 0), so that no branch is needed below */
      a[i] = zero ? 0.0 : ai;
      c[i] = zero ? 0.0 : ci;
      X[i] = zero ? 0.0 : am + (s1 < s2 ? s1 : s2);
    }
    for (int it = 0; it < 64; it += 2) {
      int bad = 0;
      NewtonSweep(nb, g, a, c, X, step);
      NewtonSweep(nb, g, a, c, X, step);
      for (ptrdiff_t i = 0; i < nb; i++) bad += fabs(step[i]) > 1e-15 * (X[i] + g);
      total += 2;
      if (!bad) break;
    }
    for (ptrdiff_t i = 0; i < nb; i++) {
      double f = X[i] > 0 ? X[i] * keep[i] : 0;
      X[i]     = f;
      step[i]  = f / (f + g);
    }
    if (moreau > 0) {
      for (PetscInt k = 1; k <= nm; k++) {
        double *mk = in[k] + i0, *ok = out[k] + i0;
        for (ptrdiff_t i = 0; i < nb; i++) {
          double o = scale * mk[i] * step[i];
          ok[i]    = o;
          mk[i] -= moreau * o;
        }
      }
      for (ptrdiff_t i = 0; i < nb; i++) {
        out[0][i0 + i] = X[i];
        in[0][i0 + i] -= moreau * X[i];
      }
    } else {
      for (PetscInt k = 1; k <= nm; k++) {
        const double *mk = in[k] + i0;
        double       *ok = out[k] + i0;
        for (ptrdiff_t i = 0; i < nb; i++) ok[i] = scale * mk[i] * step[i];
      }
      for (ptrdiff_t i = 0; i < nb; i++) out[0][i0 + i] = X[i];
    }
  }
  if (newton) *newton = total;
}

void OTDynProxJPoints(ptrdiff_t n, PetscInt nm, double gamma, double *const in[], double *const out[], PetscInt *newton)
{
  ProxCore(n, nm, gamma, 1.0, in, out, 0.0, newton);
}

/* P = prox_{J/sigma}(Y/sigma) and Y <- Y - sigma P = P_K(Y) (the primal–dual method's dual step and its prox point). */
PetscErrorCode OTDynProxMoreau(OTSpaceTime *st, double sigma, OTDynVec *Y, OTDynVec *P)
{
  PetscFunctionBegin;
  PetscCheck(sigma > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "dual step must be positive");
  ProxCore(st->ncell, st->nc - 1, 1.0 / sigma, 1.0 / sigma, Y->c, P->c, sigma, NULL);
  PetscFunctionReturn(0);
}

/* Y = prox_{gamma J}(X) on a centred field (Y may be X). */
PetscErrorCode OTDynProxJ(OTSpaceTime *st, double gamma, const OTDynVec *X, OTDynVec *Y)
{
  PetscFunctionBegin;
  PetscCheck(gamma > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "prox step must be positive");
  OTDynProxJPoints(st->ncell, st->nc - 1, gamma, X->c, Y->c, NULL);
  PetscFunctionReturn(0);
}

/* The energy sum |m|^2/(2f) dx dt over the cells where f > 0, split into momentum and source parts (collective,
   plane-ordered). Cells with f <= 0 contribute nothing (the prox puts m = 0 there). */
PetscErrorCode OTDynEnergy(OTSpaceTime *st, const OTDynVec *V, double *transport, double *source)
{
  ptrdiff_t per = st->plane * st->nt;
  double    e[2], w = st->dt * st->hvol;

  PetscFunctionBegin;
  for (ptrdiff_t il = 0; il < st->ln0; il++) {
    double acc[2] = {0, 0};
    for (ptrdiff_t i = il * per; i < (il + 1) * per; i++) {
      double f = V->c[0][i], m2 = 0;
      if (!(f > 0)) continue;
      for (PetscInt k = 1; k <= st->d; k++) m2 += V->c[k][i] * V->c[k][i];
      acc[0] += m2 / (2 * f);
      if (st->wfr) acc[1] += V->c[st->d + 1][i] * V->c[st->d + 1][i] / (2 * f);
    }
    st->ps[il * OT_DYN_MAXSUMS + 0] = acc[0];
    st->ps[il * OT_DYN_MAXSUMS + 1] = acc[1];
  }
  PetscCall(OTSpaceTimeSum(st, 2, e));
  *transport = e[0] * w;
  if (source) *source = e[1] * w;
  PetscFunctionReturn(0);
}
