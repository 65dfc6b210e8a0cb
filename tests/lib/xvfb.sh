# xvfb.sh: pvpython on a private Xvfb. An X server resets when its last client disconnects, and ParaView opens a
# display once to probe OpenGL and closes it before its render window connects: a connection that came during that
# reset failed ("bad X server connection", SIGABRT at the first render; seen on a fresh machine under xvfb-run, and in
# 1 of 8 to 1 of 16 runs of a loop). Hence -noreset; -displayfd, so that the display number is known only once the server
# accepts connections; and a run that still could not connect is made once more on a new server (the checks of the
# failed try are not counted: its output is replaced).

# shellcheck shell=bash
# xvfb_start: a server on a free display; sets XVFB_PID and XVFB_DPY
xvfb_start() {
  local f=$PWD/.xvfb.dpy
  : >"$f"
  Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp -noreset 3>"$f" 2>>"$PWD/.xvfb.log" &
  XVFB_PID=$!
  for _ in $(seq 600); do
    [[ -s $f ]] && break
    kill -0 "$XVFB_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  XVFB_DPY=$(tr -d '\n' <"$f")
  [[ -n $XVFB_DPY ]]
}

xvfb_stop() {
  kill "$XVFB_PID" 2>/dev/null
  wait "$XVFB_PID" 2>/dev/null
  return 0
}

# pv_run OUT ERR SCRIPT ARGS...: pvpython SCRIPT ARGS > OUT 2> ERR on a private server; returns pvpython's status
pv_run() {
  local out=$1 err=$2 try rc=1
  shift 2
  for try in 1 2; do
    if ! xvfb_start; then
      echo "Xvfb did not start: $(tail -3 "$PWD/.xvfb.log")" >"$err"
      xvfb_stop
      return 1
    fi
    DISPLAY=:$XVFB_DPY pvpython "$@" >"$out" 2>"$err"
    rc=$?
    xvfb_stop
    grep -q "bad X server connection" "$err" || break
    echo "# pvpython could not connect to Xvfb :$XVFB_DPY (try $try)"
  done
  return $rc
}
