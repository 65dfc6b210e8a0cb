# 14-examples.sh: the programs in examples/ (built by make) run at 2 ranks and give their closed-form answers, and one is
# compiled again outside the tree against the installed library through pkg-config and gives the same output.
# timeout: 300
# checks: 11
source "$OTMPI_TOP/tests/lib/common.sh"
EX=$OTMPI_TOP/build/examples
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# debiased Sinkhorn divergence of a Gaussian and its translate by t = (0.1, 0.05): |t|^2 = 0.0125 in free space
if mpiexec -n 2 "$EX/sinkhorn_divergence" -quiet </dev/null >sd.out 2>sd.err; then
  close "examples/sinkhorn_divergence at 2 ranks: S_eps = |t|^2" "$(awk '$1 == "S_eps" { print $2 }' sd.out)" 0.0125 1e-8
  grep -q 'converged 1' sd.out && ok "examples/sinkhorn_divergence converged ($(grep -o 'iterations [0-9]*' sd.out))" || fail "sinkhorn_divergence: $(cat sd.out)"
else
  fail "examples/sinkhorn_divergence: $(head -c 400 sd.err)"
  fail "examples/sinkhorn_divergence did not run"
fi

# barycenter of three Gaussian blobs of one width (weights 1/2, 1/4, 1/4), made in memory: the blob of that width at the
# weighted mean of the centres, (0.4375, 0.4125) (debiased: no entropic blur)
if mpiexec -n 2 "$EX/barycenter_gaussians" -quiet </dev/null >bg.out 2>bg.err; then
  read -r _ m0 m1 _ _ _ _ w0 w1 _ _ _ _ _ _ conv <<<"$(cat bg.out)"
  close "examples/barycenter_gaussians at 2 ranks: mean x = 0.4375" "$m0" 0.4375 0 1e-4
  close "examples/barycenter_gaussians: mean y = 0.4125" "$m1" 0.4125 0 1e-4
  close "examples/barycenter_gaussians: width (x $w0, y $w1) - the inputs' 0.06, the larger" \
    "$(awk -v a="$w0" -v b="$w1" 'BEGIN { a -= 0.06; b -= 0.06; a = a < 0 ? -a : a; b = b < 0 ? -b : b; print (a > b ? a : b) }')" 0 0 1e-3
  [[ $conv == 1 ]] && ok "examples/barycenter_gaussians converged ($(grep -o 'iterations [0-9]*' bg.out))" || fail "barycenter_gaussians: $(cat bg.out)"
else
  fail "examples/barycenter_gaussians: $(head -c 400 bg.err)"
  for _ in 1 2 3; do fail "examples/barycenter_gaussians did not run"; done
fi

# a Fokker-Planck flow by JKO steps (D = 0.01, V = |x - a|^2 with a = (0.5, 0.5), h = 0.1, 30 steps), made in memory:
# the mean follows the JKO recursion (m + hka)/(1 + hk); at t = 3 the variance is D/k plus the entropic gamma/(4hk)
if mpiexec -n 2 "$EX/jko_fokker_planck" -quiet </dev/null >fp.out 2>fp.err; then
  read -r _ m0 m1 _ e0 e1 _ v0 v1 _ vs _ _ _ conv <<<"$(cat fp.out)"
  close "examples/jko_fokker_planck at 2 ranks: mean = the JKO recursion (max over axes)" \
    "$(awk -v a="$m0" -v b="$e0" -v c="$m1" -v d="$e1" 'BEGIN { x = a - b; y = c - d; x = x < 0 ? -x : x; y = y < 0 ? -y : y; print (x > y ? x : y) }')" 0 0 1e-6
  close "examples/jko_fokker_planck: variance $v0 = D/k + gamma/(4hk) (2 % of D/k)" "$v0" "$vs" 0 1e-4
  [[ $conv == 1 ]] && ok "examples/jko_fokker_planck: every step converged" || fail "jko_fokker_planck: $(cat fp.out)"
else
  fail "examples/jko_fokker_planck: $(head -c 400 fp.err)"
  for _ in 1 2; do fail "examples/jko_fokker_planck did not run"; done
fi

# the same source against the installed library (make install, pkg-config otmpi)
if make -C "$OTMPI_TOP" -s install PREFIX="$PWD/inst" >/dev/null 2>inst.err &&
  mpicc -O2 "$OTMPI_TOP/examples/sinkhorn_divergence.c" -o sdx $(PKG_CONFIG_PATH="$PWD/inst/lib/pkgconfig" pkg-config --cflags --libs otmpi) 2>>inst.err &&
  mpiexec -n 2 ./sdx -quiet </dev/null >sdx.out 2>>inst.err && [[ -s sdx.out ]] && cmp -s sd.out sdx.out; then
  ok "examples/sinkhorn_divergence.c built against the installed library (pkg-config otmpi, #include <otmpi/otmpi.h>): same output"
else
  fail "installed build of the example: $(head -c 400 inst.err) $(diff sd.out sdx.out 2>&1 | head -3)"
fi

# make demo (README's first command) runs as a new user would: two barycenters, their PNGs and the montage
if DEMO_OUT=$PWD/demo "$OTMPI_TOP/tests/demo.sh" >demo.out 2>&1 && [[ -s demo/bary2d.h5 && -s demo/bary3d.h5 && -s demo/montage2d.png ]]; then
  ok "make demo (tests/demo.sh): bary2d.h5, bary3d.h5 and montage2d.png written ($(grep -o '[0-9]* s:' demo.out))"
else
  fail "make demo: $(tail -3 demo.out)"
fi
