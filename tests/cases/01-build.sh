# 01-build.sh: the code stays warnings-clean (-Wall -Wextra -Werror, in a separate build directory) and formatted
# (clang-format with the repo's .clang-format), and the installed package works through pkg-config.
# timeout: 600
# checks: 4
source "$OTMPI_TOP/tests/lib/common.sh"
w=$PWD/wbuild
objs=$(cd "$OTMPI_TOP" && ls src/*/*.c drivers/*.c tests/unit/*.c | sed "s|^|$w/|; s|\.c\$|.o|")
# object targets only: bin/ and lib/ of the tree are not touched
if make -C "$OTMPI_TOP" -s -j2 BUILD="$w" CFLAGS="-O0 -Werror" $objs >/dev/null 2>build.err; then
  ok "every source compiles with -Wall -Wextra -Werror"
else
  fail "warnings: $(grep -m3 -E 'warning|error' build.err)"
fi
if command -v clang-format >/dev/null; then
  bad=$(cd "$OTMPI_TOP" && for f in include/otmpi/*.h examples/*.c src/*/*.[ch] drivers/*.[ch] tests/unit/*.[ch]; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
  [[ -z $bad ]] && ok "clang-format clean" || fail "not clang-formatted: $bad"
else
  fail "clang-format not installed"
fi
# make install + pkg-config: a program outside the tree builds against the installed library
if make -C "$OTMPI_TOP" -s install PREFIX="$PWD/inst" >/dev/null 2>inst.err; then
  cat >use.c <<'C'
#include <otmpi/otmpi.h>
int main(int argc, char **argv)
{
  ptrdiff_t n[2] = {6, 4};
  OTGrid    g;
  double   *f, s;
  if (OTInitialize(&argc, &argv, NULL)) return 1;
  PetscCall(OTGridCreate(PETSC_COMM_WORLD, 2, n, &g));
  PetscCall(OTGridSetUp(g));
  PetscCall(OTFieldCreate(g, &f));
  PetscCall(OTFieldSet(g, 0.5, f));
  PetscCall(OTFieldSum(g, f, &s));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sum %g\n", s));
  PetscCall(OTFieldDestroy(&f));
  PetscCall(OTGridDestroy(&g));
  return OTFinalize();
}
C
  if mpicc use.c -o use $(PKG_CONFIG_PATH="$PWD/inst/lib/pkgconfig" pkg-config --cflags --libs otmpi) 2>inst.err && [[ "$(mpiexec -n 2 ./use </dev/null)" == "sum 12." ]]; then
    ok "make install + pkg-config otmpi: an outside program links and runs"
  else
    fail "installed library: $(head -c 300 inst.err)"
  fi
  [[ -x inst/bin/otmpi ]] && ok "make install: bin/otmpi" || fail "make install: no bin/otmpi"
else
  fail "make install: $(head -c 300 inst.err)"
fi
