/* accel.c: the safeguarded over-relaxation of alternating (Sinkhorn-type) iterations, x <- (1 - w) x + w T(x) on both
   half-steps. The plain iteration (w = 1) runs until its observed error ratio r settles; then w = 2/(1 + sqrt(1 - r)),
   the optimum of SOR for two alternating blocks whose plain (Gauss-Seidel) rate is r (Thibault et al. 2021, Lehmann et
   al.). The fixed points are those of the plain iteration. Safeguard: where the error grows past 10x the best seen, w
   is pulled back halfway to 1 (and to 1 for good after three such steps), so the iteration cannot diverge for good. The
   state is a few numbers, written into checkpoints so that a restart continues the same sequence. */
#include "solverimpl.h"
#include <math.h>

#define ACCEL_SETTLE    5 /* consecutive ratios within ACCEL_TOL (relative to 1 - r) before w is set */
#define ACCEL_TOL       0.05
#define ACCEL_MAX       1.9  /* w stays below 2 (the SOR limit) with a margin */
#define ACCEL_GROW      10.0 /* error growth over the best that pulls w back */
#define ACCEL_TRANSIENT 0.1  /* the rate is measured once the residual is below this fraction of its first value */

PetscErrorCode OTAccelReset(OTAccel *a)
{
  PetscFunctionBegin;
  a->omega = 1.0;
  a->prev = a->ratio = a->best = a->first = 0;
  a->settle = a->backoffs = 0;
  a->valid                = PETSC_FALSE;
  PetscFunctionReturn(0);
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
    a->omega = a->backoffs >= 3 ? 1.0 : 1 + 0.5 * (a->omega - 1);
    a->best  = err;
  }
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
  PetscCall(OTH5ReadAttribute(f, "/", "accel_valid", OT_INT32, 1, &i, &has));
  a->valid = (PetscBool) i;
  PetscFunctionReturn(0);
}
