# 50-jko.sh: `otmpi jko`, Wasserstein gradient flows by entropic JKO steps, against closed forms with tolerances named
# by the scheme's own error terms (tests/ref/jkogauss.py, jkofields.py: numpy/h5py, independent of otmpi):
# heat (the entropic JKO recursion of a Gaussian, its gamma part shrinking with gamma, the continuous variance within
# the time-stepping error plus n gamma/2), Fokker-Planck (mean, variance, steady state N(a, D/k) plus gamma/(4hk)),
# porous medium M = 2, 3 (Barenblatt: L1 error and the t^beta growth improve when h, gamma and the cell are halved),
# crowd motion (rho <= kappa and mass to 1e-12, the saturated ball, the 1-D saturated block L(t) = ct/(kappa - c),
# walls stay empty and are not tunnelled, a room empties through its door), energy dissipation, 1/2/4 ranks, restart and signals, bad input.
# timeout: 900
# checks: 68
source "$OTMPI_TOP/tests/lib/common.sh"
source "$OTMPI_TOP/tests/lib/checkpoint.sh"
GAUSS="checked $PY $OTMPI_TOP/tests/ref/jkogauss.py"
FIELDS="checked $PY $OTMPI_TOP/tests/ref/jkofields.py"

# samefile NAME GOT WANT RTOL: h5cmp's verdict (every dataset and attribute)
samefile() {
  local out
  out=$($H5CMP "$2" "$3" "$4") && ok "$1 ($out)" || fail "$1: $out"
}

# dissipates NAME FILE: the energy of every step is <= the previous one's (1e-12 relative), and the mass is kept (1e-12)
dissipates() {
  $PY - "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
name, path = sys.argv[1], sys.argv[2]
with h5py.File(path, "r") as f:
    e, rho, m = f["/energy_steps"][...], f["/rho"][...], float(f.attrs["mass"])
rise = np.max(np.diff(e) / np.maximum(np.abs(e[:-1]), 1e-300)) if len(e) > 1 else 0
dm = np.max(np.abs(rho.reshape(len(rho), -1).sum(axis=1) - m)) / m
print(("ok" if rise <= 1e-12 else "FAIL"), f"{name}: energy non-increasing over {len(e) - 1} steps (largest relative rise {rise:.2e})")
print(("ok" if dm <= 1e-12 else "FAIL"), f"{name}: mass kept in every frame ({dm:.2e})")
PYEOF
}

# --- 1. heat: D = 1 from N(0.5, 0.05^2) on [0,1]^2, h = 2.5e-4, 10 steps -------------------------------------------------
$OTMPI gen -shape gaussian -n 128,128 -sigma 0.05 -o g.h5 >/dev/null || fail "gen: gaussian"
HEAT="jko -rho0 g.h5 -tau 0.00025 -steps 10 -entropy 1 -tol 1e-11"
if must "heat (2 ranks)" 2 $HEAT -o h2.h5 -quiet; then
  $GAUSS h2.h5 "heat" --D 1 mean=1e-12 entropic=1e-5 named=1e-9 gammapart=1
  dissipates "heat" h2.h5
  must "heat (1 rank)" 1 $HEAT -o h1.h5 -quiet && samefile "heat: 1 rank = 2 ranks (1e-10)" h1.h5 h2.h5 1e-10
  must "heat (4 ranks)" 4 $HEAT -o h4.h5 -quiet && samefile "heat: 4 ranks = 2 ranks (1e-10)" h4.h5 h2.h5 1e-10
  # the entropic part of the variance: gamma 4h^2 (the default) against gamma h^2
  if must "heat, gamma h^2" 2 $HEAT -gamma 6.103515625e-05 -o hg.h5 -quiet; then
    $GAUSS hg.h5 "heat gamma/4" --D 1 mean=1e-12 entropic=1e-4 named=1e-9
    g1=$($GAUSS h2.h5 x --D 1 gammaratio=0 | awk '{ print $3 }') g4=$($GAUSS hg.h5 x --D 1 gammaratio=0 | awk '{ print $3 }')
    awk -v a="$g1" -v b="$g4" 'BEGIN { exit !(a / b >= 3.5 && a / b <= 4.5) }' && ok "heat: the gamma part scales with gamma ($g1 at 4h^2, $g4 at h^2)" ||
      fail "heat: gamma part $g1 at 4h^2, $g4 at h^2 (want a ratio near 4)"
  fi
fi

# 3-D: 64^3 from N(0.5, 0.05^2), 5 steps, at 2 and 4 ranks
$OTMPI gen -shape gaussian -n 64,64,64 -sigma 0.05 -o g3.h5 >/dev/null || fail "gen: gaussian 3-D"
HEAT3="jko -rho0 g3.h5 -tau 0.00025 -steps 5 -entropy 1 -tol 1e-11"
if must "heat 3-D (2 ranks)" 2 $HEAT3 -o h32.h5 -quiet; then
  $GAUSS h32.h5 "heat 3-D" --D 1 mean=1e-12 entropic=1e-5 named=1e-9
  must "heat 3-D (4 ranks)" 4 $HEAT3 -o h34.h5 -quiet && samefile "heat 3-D: 4 ranks = 2 ranks (1e-10)" h34.h5 h32.h5 1e-10
fi

# --- 2. Fokker-Planck: D = 0.01, V = |x - a|^2 (k = 2), from N((0.4, 0.55), 0.05^2), h = 0.05, 60 steps (t = 3) ---------
$OTMPI gen -shape gaussian -n 128,128 -sigma 0.05 -center 0.4,0.55 -o fp0.h5 >/dev/null || fail "gen: gaussian"
if must "Fokker-Planck" 2 jko -rho0 fp0.h5 -tau 0.05 -steps 60 -entropy 0.01 -potential_quadratic 2,0.5,0.5 -tol 1e-10 -save_every 5 -o fp.h5 -quiet; then
  $GAUSS fp.h5 "Fokker-Planck" --D 0.01 --k 2 --a 0.5,0.5 meanjko=1e-9 mean=2e-3 entropic=1e-6 named=1e-9 steady=2e-3
  dissipates "Fokker-Planck" fp.h5
fi

# --- 3. porous medium M = 2, 3: Barenblatt from t0 = 1e-3; 64^2 then 128^2 with h and gamma (4 cells^2) halved too --------
barenblatt() {
  local m=$1 C=$2 e0 e1 s0 s1 beta2
  for n in 64 128; do
    $FIELDS barenblatt b$n.h5 --n $n --d 2 --m "$m" --t 0.001 --C "$C" || return
    must "porous M=$m, $n^2" 2 jko -rho0 b$n.h5 -tau "$(awk -v n=$n 'BEGIN { print 0.002 * 64 / n }')" -steps $((10 * n / 64)) -porous "$m,1" \
      -tol 1e-9 -o bf$n.h5 -quiet || return
  done
  read -r _ e0 _ _ _ s0 _ beta2 <<<"$($FIELDS bcompare bf64.h5 --m "$m" --t0 0.001 --C "$C")"
  read -r _ e1 _ _ _ s1 _ _ <<<"$($FIELDS bcompare bf128.h5 --m "$m" --t0 0.001 --C "$C")"
  awk -v a="$e1" -v b="$e0" 'BEGIN { exit !(a <= 0.85 * b) }' && ok "porous M=$m: L1 error vs Barenblatt $e0 (64^2) -> $e1 (128^2)" ||
    fail "porous M=$m: L1 error $e0 -> $e1 (want <= 0.85x)"
  awk -v a="$s1" -v b="$s0" -v w="$beta2" 'BEGIN { d1 = a - w; d0 = b - w; if (d1 < 0) d1 = -d1; if (d0 < 0) d0 = -d0; exit !(d1 <= 0.1 * w && (d1 < d0 || d1 <= 0.02 * w)) }' &&
    ok "porous M=$m: second moment grows as t^$s1 (64^2: t^$s0), Barenblatt t^$beta2" || fail "porous M=$m: growth t^$s0 -> t^$s1, want t^$beta2"
  dissipates "porous M=$m" bf128.h5
}
barenblatt 2 0.0285
barenblatt 3 0.06

# --- 4. crowd motion ---------------------------------------------------------------------------------------------------
# crowd_ball NAME FILE FRAC: rho <= kappa in every frame (and rho0 below it), the last frame saturated on the ball of
# volume M/kappa (radius within 2 cells), at least FRAC of the mass exactly at kappa (the rest in the blurred rim)
crowd_ball() {
  $PY - "$1" "$2" "$3" <<'PYEOF'
import sys, h5py, numpy as np, math
name, path, frac = sys.argv[1], sys.argv[2], float(sys.argv[3])
with h5py.File(path, "r") as f:
    rho, cv, kappa, m = f["/rho"][...], float(f.attrs["cell_volume"]), float(f.attrs["kappa"]), float(f.attrs["mass"])
d = rho.ndim - 1
dens = rho / cv
over = dens.max() / kappa - 1
print(("ok" if over <= 1e-12 and dens[0].max() < kappa else "FAIL"), f"{name}: rho <= kappa in every frame (max rho/kappa - 1 = {over:.2e})")
omega = math.pi ** (d / 2) / math.gamma(d / 2 + 1)
h = cv ** (1 / d)
r = ((dens[-1] > kappa / 2).sum() * cv / omega) ** (1 / d)
want = (m / (kappa * omega)) ** (1 / d)
print(("ok" if abs(r - want) <= 2 * h else "FAIL"), f"{name}: steady saturated ball radius {r:.4f}, closed form {want:.4f} (2 cells: {2 * h:.4f})")
sat = (dens[-1] > kappa * (1 - 1e-6)).sum() * cv * kappa / m
print(("ok" if sat >= frac else "FAIL"), f"{name}: {sat:.3f} of the mass sits at exactly kappa (>= {frac})")
PYEOF
}
# steady state: V = |x - a|^2 / 2, kappa 4, mass 1: the saturated disc of radius 1/sqrt(4 pi); in 3-D (4 ranks) kappa 8
$OTMPI gen -shape box -n 96,96 -center 0.45,0.55 -radius 0.3,0.25 -o box.h5 >/dev/null || fail "gen: box"
if must "crowd, quadratic V" 2 jko -rho0 box.h5 -potential_quadratic 1,0.5,0.5 -kappa 4 -tau 0.1 -steps 40 -save_every 10 -tol 1e-9 -o cq.h5 -quiet; then
  crowd_ball "crowd" cq.h5 0.9
  dissipates "crowd, quadratic V" cq.h5
fi
$OTMPI gen -shape box -n 32,32,32 -center 0.45,0.55,0.5 -radius 0.3,0.25,0.3 -o box3.h5 >/dev/null || fail "gen: box 3-D"
must "crowd 3-D (4 ranks)" 4 jko -rho0 box3.h5 -potential_quadratic 1,0.5,0.5,0.5 -kappa 8 -tau 0.1 -steps 30 -save_every 10 -tol 1e-9 -o cq3.h5 -quiet &&
  crowd_ball "crowd 3-D" cq3.h5 0.6
# 1-D transient: V = x, rho0 = c 1[0, l) with c = 1, kappa = 2, l = 0.5: saturated block [0, L(t)], L(t) = c t/(kappa - c) = t
$FIELDS box1d line.h5 --n 400 --L 0.5 --c 1 || fail "fields: line"
if must "crowd 1-D" 2 jko -rho0 line.h5 -potential line_V.h5 -kappa 2 -tau 0.01 -steps 20 -save_every 5 -tol 1e-10 -o cl.h5 -quiet; then
  $PY - <<'PYEOF'
import h5py, numpy as np
with h5py.File("cl.h5", "r") as f:
    rho, t, cv, g = f["/rho"][...], f["/rho"].attrs["times"], float(f.attrs["cell_volume"]), float(f.attrs["gamma"])
worst = 0
for fr, tt in zip(rho[1:], t[1:]):
    d = fr / cv
    L = np.argmax(d < 1.5) * cv  # where the density falls below (kappa + c)/2
    worst = max(worst, abs(L - tt))
tol = 3 * cv + np.sqrt(len(rho) * 5 * g)
print(("ok" if worst <= tol else "FAIL"), f"crowd 1-D: saturated block L(t) = t to {worst:.4f} (3 cells + the blur: {tol:.4f})")
PYEOF
fi
# a room with a door (walls 2 cells thick): the walls stay empty, the room empties through the door
$FIELDS room room.h5 --n 96 || fail "fields: room"
ROOM="jko -rho0 room.h5 -potential room_V.h5 -obstacle room_wall.h5 -kappa 1.5 -tau 0.02 -steps 60 -save_every 10"
if must "room (2 ranks)" 2 $ROOM -o room2.h5 -png room.png -quiet; then
  $PY - <<'PYEOF'
import h5py, numpy as np
with h5py.File("room2.h5", "r") as f:
    rho, kappa, cv = f["/rho"][...], float(f.attrs["kappa"]), float(f.attrs["cell_volume"])
with h5py.File("room_wall.h5", "r") as f:
    wall = f["/density"][...] > 0
n = rho.shape[1]
inwall = np.abs(rho[:, wall]).max()
print(("ok" if inwall == 0 else "FAIL"), f"room: no mass enters a wall cell in any frame (max {inwall:.1e})")
left = rho[:, : int(0.6 * n), :].reshape(len(rho), -1).sum(axis=1) / rho[0].sum()
print(("ok" if left[-1] <= 0.05 and np.all(np.diff(left) <= 1e-12) else "FAIL"), f"room: mass inside the room {left[0]:.3f} -> {left[-1]:.4f}, never rising")
over = (rho / cv).max() / kappa - 1
print(("ok" if over <= 1e-12 else "FAIL"), f"room: rho <= kappa ({over:.1e})")
PYEOF
  [[ -s room.png ]] && ok "room: PNG montage written" || fail "room: no PNG montage"
  dissipates "room" room2.h5
  must "room (4 ranks)" 4 $ROOM -o room4.h5 -quiet && samefile "room: 4 ranks = 2 ranks (1e-10)" room4.h5 room2.h5 1e-10
fi

# walls are not tunnelled: a crowd inside a closed ring of 1-cell walls, pulled outwards, never leaves it (exactly 0
# outside); and the kernel with walls, given no wall, is the grid's Neumann kernel (the heat flow above, 1e-12)
$FIELDS field ring.h5 --n 96,96 --expr "(np.maximum(abs(x0-0.5),abs(x1-0.5))>=0.3)&(np.maximum(abs(x0-0.5),abs(x1-0.5))<0.3+1/96)" &&
  $FIELDS field zero.h5 --n 128,128 --expr "0*x0" && $OTMPI gen -shape box -n 96,96 -radius 0.15 -o inb.h5 >/dev/null || fail "fields: ring"
if must "crowd in a closed ring (3 ranks)" 3 jko -rho0 inb.h5 -obstacle ring.h5 -potential_quadratic 1,1.2,0.5 -kappa 20 -tau 0.05 -steps 20 -save_every 5 \
  -o ring.h5 -quiet; then
  $PY - <<'PYEOF'
import h5py, numpy as np
with h5py.File("ring.h5", "r") as f:
    rho, m = f["/rho"][...], float(f.attrs["mass"])
x = (np.arange(96) + 0.5) / 96
X0, X1 = np.meshgrid(x, x, indexing="ij")
out = np.maximum(abs(X0 - 0.5), abs(X1 - 0.5)) >= 0.3
o = max(fr[out].max() for fr in rho)
edge = rho[-1][(np.maximum(abs(X0 - 0.5), abs(X1 - 0.5)) >= 0.28) & ~out].sum() / m
print(("ok" if o == 0 and edge > 0.2 else "FAIL"), f"closed ring: nothing outside in any frame (max {o:.1e}) though {edge:.2f} of the mass presses on the wall")
PYEOF
fi
must "heat, kernel with no wall" 2 $HEAT -obstacle zero.h5 -o hz.h5 -quiet && samefile "kernel with walls, none given = the grid's kernel (1e-12)" hz.h5 h2.h5 1e-12

# --- 5. restart: kill -9 and SIGTERM mid-flow, and a finished flow continued with more steps ------------------------------
ckpt_kill_restart room 2 3 $ROOM -steps 40
ckpt_signal room-sig 2 TERM $ROOM -steps 40
if must "room 30 steps" 2 $ROOM -steps 30 -o r30.h5 -checkpoint r30.ckpt.h5 -quiet &&
  must "continued to 60 at 3 ranks" 3 $ROOM -restart r30.ckpt.h5 -o r60.h5 -quiet; then
  samefile "30 steps continued to 60 at 3 ranks = 60 steps (1e-10)" r60.h5 room2.h5 1e-10
fi

# --- 6. bad input: one error line, no output -------------------------------------------------------------------------------
$OTMPI gen -shape gaussian -n 40,40 -o small.h5 >/dev/null && $FIELDS field vnan.h5 --n 96,96 --expr "np.where(x0 > 0.5, np.nan, x0)" &&
  $FIELDS field wfull.h5 --n 96,96 --expr "x0 > 0.3" || fail "fields: bad inputs"
expect_error "no energy term" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -o bad.h5
expect_error "tau 0" bad.h5 1 jko -rho0 room.h5 -tau 0 -steps 2 -entropy 1 -o bad.h5
expect_error "tau < 0" bad.h5 2 jko -rho0 room.h5 -tau -1 -steps 2 -entropy 1 -o bad.h5
expect_error "gamma 0" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -entropy 1 -gamma 0 -o bad.h5
expect_error "gamma < 0" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -entropy 1 -gamma -1e-3 -o bad.h5
expect_error "porous M = 1" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -porous 1,1 -o bad.h5
expect_error "porous M < 1" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -porous 0.5,1 -o bad.h5
expect_error "kappa below the mean density" bad.h5 2 jko -rho0 room.h5 -tau 0.01 -steps 2 -kappa 0.2 -o bad.h5
expect_error "potential on another grid" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -potential small.h5 -o bad.h5
expect_error "obstacle on another grid" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -entropy 1 -obstacle small.h5 -o bad.h5
expect_error "NaN in the potential" bad.h5 2 jko -rho0 room.h5 -tau 0.01 -steps 2 -potential vnan.h5 -o bad.h5
expect_error "mass on a wall" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -entropy 1 -obstacle wfull.h5 -o bad.h5
expect_error "quadratic potential: wrong count" bad.h5 1 jko -rho0 room.h5 -tau 0.01 -steps 2 -potential_quadratic 1,0.5 -o bad.h5
