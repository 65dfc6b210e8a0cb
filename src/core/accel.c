/* accel.c: the safeguarded over-relaxation of alternating (Sinkhorn-type) iterations, x <- (1 - w) x + w T(x) on both
   half-steps. The plain iteration (w = 1) runs until its observed error ratio r settles; then w = 2/(1 + sqrt(1 - r)),
   the optimum of SOR for two alternating blocks whose plain (Gauss-Seidel) rate is r (Thibault et al. 2021, Lehmann et
   al.). The fixed points are those of the plain iteration. Safeguard: where the error grows past 10x the best seen, w
   is pulled back halfway to 1 (and to 1 for good after three such steps), so the iteration cannot diverge for good.
   A rate measured early (after a warm start the fast modes still dominate) underestimates r and so w; once the relaxed
   ratio rho settles clearly above w - 1 (SOR's rate at and past the optimum), r is read back from SOR's eigenvalue
   relation (rho + w - 1)^2 = rho w^2 r and w raised to that r's optimum (twice at most). A fine level of a multiscale
   warm start begins at its coarse level's last w (start): the rate depends on eps and the domain, not on the cells.
   The state is a few numbers, written into checkpoints so that a restart continues the same sequence. */
#include "solverimpl.h"
#include <math.h>

#define ACCEL_SETTLE    5 /* consecutive ratios within ACCEL_TOL (relative to 1 - r) before w is set */
#define ACCEL_TOL       0.05
#define ACCEL_MAX       1.9  /* w stays below 2 (the SOR limit) with a margin */
#define ACCEL_GROW      10.0 /* error growth over the best that pulls w back */
#define ACCEL_TRANSIENT 0.1  /* the rate is measured once the residual is below this fraction of its first value */
#define ACCEL_REFINES   2    /* times w may be raised from the relaxed rate */

PetscErrorCode OTAccelReset(OTAccel *a)
{
  PetscFunctionBegin;
  a->omega = a->on && a->start > 1 ? a->start : 1.0;
  a->prev = a->ratio = a->best = a->first = 0;
  a->settle = a->backoffs = a->refines = 0;
  a->valid                             = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Relaxed, with ratio r of the last two residuals: w raised when the settled rate shows that it is below the optimum. */
static void Refine(OTAccel *a, double r)
{
  const double w = a->omega;

  if (r > 0 && r < 1 && fabs(r - a->ratio) <= ACCEL_TOL * (1 - r))
    a->settle++;
  else
    a->settle = 0;
  if (a->settle >= ACCEL_SETTLE && r > (w - 1) + 0.2 * (2 - w)) {
    const double gs = (r + w - 1) * (r + w - 1) / (r * w * w), wn = gs < 1 ? PetscMin(ACCEL_MAX, 2 / (1 + sqrt(1 - gs))) : w;
    if (wn > 1.001 * w) {
      a->omega = wn;
      a->refines++;
    }
    a->settle = 0;
  }
}

/* After an iteration with residual err: the next iteration's w. */
PetscErrorCode OTAccelUpdate(OTAccel *a, double err)
{
  const double r = a->prev > 0 ? err / a->prev : 0;

  PetscFunctionBegin;
  if (!a->on || !(err > 0) || !isfinite(err)) PetscFunctionReturn(0);
  if (a->omega == 1.0 && a->backoffs < 3) {
    /* estimating: the plain rate must be linear and settled, past the transient (the residual down 10x from its first) */
    if (r > 0.3 && r < 1 && fabs(r - a->ratio) <= ACCEL_TOL * (1 - r) && err < ACCEL_TRANSIENT * a->first)
      a->settle++;
    else
      a->settle = 0;
    if (a->settle >= ACCEL_SETTLE) a->omega = PetscMin(ACCEL_MAX, 2 / (1 + sqrt(1 - r)));
  } else if (a->omega > 1.0 && a->best > 0 && err > ACCEL_GROW * a->best) {
    a->backoffs++;
    a->omega  = a->backoffs >= 3 ? 1.0 : 1 + 0.5 * (a->omega - 1);
    a->best   = err;
    a->settle = 0;
  } else if (a->omega > 1.0 && a->backoffs == 0 && a->refines < ACCEL_REFINES)
    Refine(a, r);
  if (!(a->first > 0)) a->first = err;
  a->best  = a->best > 0 ? PetscMin(a->best, err) : err;
  a->ratio = r;
  a->prev  = err;
  PetscFunctionReturn(0);
}

PetscErrorCode OTAccelWrite(const OTAccel *a, OTH5 f)
{
  const double v[6] = {a->omega, a->prev, a->ratio, a->best, (double) a->settle, a->first};

  PetscFunctionBegin;
  PetscCall(OTH5WriteAttribute(f, "/", "accel_state", OT_DOUBLE, 6, v));
  PetscCall(OTCheckpointWriteInt(f, "accel_backoffs", a->backoffs));
  PetscCall(OTCheckpointWriteInt(f, "accel_refines", a->refines));
  PetscCall(OTCheckpointWriteInt(f, "accel_valid", a->valid));
  PetscFunctionReturn(0);
}

/* Back from a checkpoint (one written without acceleration leaves the reset state). */
PetscErrorCode OTAccelRead(OTAccel *a, OTH5 f)
{
  PetscBool has;
  double    v[6];
  PetscInt  i = 0;

  PetscFunctionBegin;
  PetscCall(OTAccelReset(a));
  PetscCall(OTH5ReadAttribute(f, "/", "accel_state", OT_DOUBLE, 6, v, &has));
  if (!has) PetscFunctionReturn(0);
  a->omega  = v[0];
  a->prev   = v[1];
  a->ratio  = v[2];
  a->best   = v[3];
  a->settle = (PetscInt) v[4];
  a->first  = v[5];
  PetscCall(OTH5ReadAttribute(f, "/", "accel_backoffs", OT_INT32, 1, &i, &has));
  a->backoffs = i;
  i           = 0;
  PetscCall(OTH5ReadAttribute(f, "/", "accel_refines", OT_INT32, 1, &i, &has));
  a->refines = i;
  PetscCall(OTH5ReadAttribute(f, "/", "accel_valid", OT_INT32, 1, &i, &has));
  a->valid = (PetscBool) i;
  PetscFunctionReturn(0);
}
