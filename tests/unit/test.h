/* test.h: assertions for otmpi's C unit tests; rank 0 prints `ok NAME (np=P)` or `FAIL NAME: ...` and main returns the
   number of failures. Every rank evaluates every check (values must agree across ranks). */
#pragma once
#include <otmpi/otmpi.h>
#include <math.h>

static int ot_test_failures = 0;

#define OT_TEST(name, cond, ...)                    \
  do {                                              \
    PetscMPIInt r_, s_;                             \
    MPI_Comm_rank(PETSC_COMM_WORLD, &r_);           \
    MPI_Comm_size(PETSC_COMM_WORLD, &s_);           \
    if (cond) {                                     \
      if (!r_) printf("ok %s (np=%d)\n", name, s_); \
    } else {                                        \
      ot_test_failures++;                           \
      if (!r_) {                                    \
        printf("FAIL %s (np=%d): ", name, s_);      \
        printf(__VA_ARGS__);                        \
        printf("\n");                               \
      }                                             \
    }                                               \
    fflush(stdout);                                 \
  } while (0)

#define OT_TEST_CLOSE(name, got, want, rtol)                                                                               \
  do {                                                                                                                     \
    double g_ = (got), w_ = (want);                                                                                        \
    OT_TEST(name, fabs(g_ - w_) <= (rtol) *fabs(w_) + 1e-300, "got %.17g, want %.17g (rtol %g)", g_, w_, (double) (rtol)); \
  } while (0)
