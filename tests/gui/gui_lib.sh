# Shared by the desktop app's test scripts (sourced, not run): fail, a private Xvfb server at
# 1600x1000 on a display number it picks itself (-displayfd: no races between parallel tests),
# and the clean-up on exit of that server and of the app a script started last (app_pid).
# A script sources this first, then calls begin_test.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# begin_test NAME: checks the environment ctest gives (PWPLAY, GUI_CHECK, SAMPLES_DIR,
# SOURCE_DIR, OUT_DIR) and makes out=$OUT_DIR/NAME, emptied, the working folder.
begin_test() {
  : "${PWPLAY:?}" "${GUI_CHECK:?}" "${SAMPLES_DIR:?}" "${SOURCE_DIR:?}" "${OUT_DIR:?}"
  out="$OUT_DIR/$1"
  rm -rf "$out"
  mkdir -p "$out"
  cd "$out" || exit 1
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

# Real input on the app's window with xdotool: start_app sets `window` (its X id), `app_pid` and
# `app_out` (the file the app's output goes to).
# start_app READY_PNG COMMAND...: starts the app in the background (output in clicks.out), finds
# its window and waits up to 60 s (a loaded machine is slow to load a filter) for the script's
# first screenshot.
start_app() {
  local ready=$1
  shift
  "$@" > clicks.out 2>&1 &
  app_pid=$!
  app_out=clicks.out
  window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
  [ -n "$window" ] || { cat "$app_out"; fail "the pwplay window never appeared"; }
  for _ in $(seq 1 600); do [ -s "$ready" ] && return 0; sleep 0.1; done
  cat "$app_out"
  fail "the app never took $ready"
}
# end_app LOG: waits for the app to finish its script; fails, showing LOG, unless it exits 0.
end_app() {
  wait "$app_pid"
  local rc=$?
  app_pid=""
  cat "$app_out"
  [ "$rc" -eq 0 ] || { cat "$1"; fail "pwplay exited with $rc"; }
}
# click X Y: move, let ImGui see the pointer arrive, then click.
click() {
  xdotool mousemove --window "$window" "$1" "$2"
  sleep 0.4
  xdotool click 1
}
# key KEY: with the window focused (asked for only when it is not: a focus change releases the
# keys held). A chord (ctrl+Return) is pressed as a hand does it: the modifier down, the key, the
# modifier up, with pauses no frame of a loaded machine can fall between.
key() {
  [ "$(xdotool getwindowfocus 2>/dev/null)" = "$window" ] ||
    xdotool windowfocus --sync "$window" 2>/dev/null
  case "$1" in
    *+*)
      xdotool keydown "${1%+*}"
      sleep 0.2
      xdotool key "${1##*+}"
      sleep 0.2
      xdotool keyup "${1%+*}"
      ;;
    *) xdotool key "$1" ;;
  esac
}
# until_shot PNG ACTION...: does the action, then waits for the screenshot the app's script takes
# once the action's command ran. Input can be lost while a loaded machine is slow to draw a frame:
# the action is done again when nothing happened within 10 s (a command that ran is followed by its
# screenshot within a second or two, so nothing runs twice).
until_shot() {
  local png=$1
  shift
  for attempt in 1 2 3; do
    "$@"
    for _ in $(seq 1 100); do
      [ -s "$png" ] && { sleep 0.5; return 0; }
      kill -0 "$app_pid" 2>/dev/null || { cat "$app_out"; fail "pwplay ended before $png"; }
      sleep 0.1
    done
    echo "no $png 10 s after '$*' (attempt $attempt): again"
  done
  cat "$app_out"
  fail "'$*' never took effect ($png was not taken)"
}
