# Shared by the desktop app's test scripts (sourced, not run): fail, a private Xvfb server at
# 1600x1000 on a display number it picks itself (-displayfd: no races between parallel tests),
# and the clean-up on exit of that server and of the app a script started last (app_pid).
# The caller has made its scratch folder `out` and set it before sourcing this.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

xvfb_pid=""
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null; fi
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; fi
}
trap cleanup EXIT

# start_xvfb [XVFB-OPTION...]: exports DISPLAY; exits 77 (skipped) when Xvfb is not installed.
start_xvfb() {
  command -v Xvfb >/dev/null 2>&1 || { echo "SKIP: Xvfb is not installed (scripts/deps installs xvfb)"; exit 77; }
  local fd_file="$out/xvfb.display"
  : > "$fd_file"
  Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp "$@" 3>"$fd_file" 2>"$out/xvfb.log" &
  xvfb_pid=$!
  for _ in $(seq 1 100); do
    if [ -s "$fd_file" ]; then
      export DISPLAY=":$(tr -d '[:space:]' < "$fd_file")"
      echo "Xvfb on $DISPLAY"
      return 0
    fi
    kill -0 "$xvfb_pid" 2>/dev/null || { cat "$out/xvfb.log" >&2; fail "Xvfb did not start"; }
    sleep 0.1
  done
  fail "Xvfb did not report its display within 10 s"
}
