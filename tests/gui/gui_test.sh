#!/usr/bin/env bash
# Desktop app tests under a private Xvfb server. Usage: gui_test.sh CASE, with the environment
#   PWPLAY       the pwplay binary          GUI_CHECK  the pwplay_gui_check binary
#   SAMPLES_DIR  built sample filters       SOURCE_DIR the source tree   OUT_DIR  scratch directory
# Cases:
#   automation  an automation script loads add_header.wasm, sends samples/requests/get.json and
#               saves a screenshot (the log has plausible frame times); then the same through
#               --run-command/--screenshot
#   debugger    a breakpoint with a condition, Debug request, the pause on screen, Continue: the
#               debugged request lands in the run history with the filter's header upstream;
#               Send, Debug request and Send share one history and one load of the filter
#   files       the File commands from a script: paste-curl, send, copy-as-curl, export-har and
#               save-project write their files; open-project in a new app restores the project
#   xdotool     real input: Ctrl+Enter sends, then the command palette (typed text) sends again
#   memory      the Memory tab paused at proxy_get_header_map_value: a copied region selected
#               (the screenshot), memory-goto to a region's address (the log's ui.memory_cursor),
#               then a real click (xdotool) on a byte moves the cursor and the data inspector
#   no_display  no DISPLAY: the existing message and exit 1; an unreachable DISPLAY: exit 1
#   no_opengl   an X server without GLX: a clear error and exit 1, no crash
#   performance the Performance tab while Send, curl through the app's proxy and a leak check
#               run: the automation log's "performance" object, and a screenshot
#   firstrun    pwplay without a filter opens with add_header and its request, and Ctrl+Enter
#               (xdotool) sends it; with the samples not found the welcome view shows, then
#               open-sample, open-file, the shortcut sheet and About
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
case_name=${1:?usage: gui_test.sh CASE}
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "$case_name"

need_sample() {
  [ -f "$SAMPLES_DIR/add_header.wasm" ] ||
    fail "$SAMPLES_DIR/add_header.wasm is missing: build the pwplay_samples target first"
}

check_run_log() {  # LOG: the last run answered 200 and the filter added its header upstream
  "$GUI_CHECK" json "$1" /ok=true /snapshot/plugin/name=add_header /snapshot/plugin/abi_version=0.2.1 \
    /snapshot/last_run/status=200 /snapshot/last_run/upstream_request/headers/x-wasm-filter=add-header \
    /snapshot/last_run/response/headers/x-wasm-response=add-header ||
    { cat "$1" >&2; fail "unexpected automation log $1"; }
}

case "$case_name" in
automation)
  need_sample
  start_xvfb
  cat > script.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"wait": "engine"},
    "send",
    {"wait": "runs", "count": 1},
    {"run": "select-event", "arg": "copy"},
    {"frames": 2},
    {"screenshot": "$out/app.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1
  rc=$?
  cat app.out
  [ "$rc" -eq 0 ] || fail "pwplay --automation exited with $rc"
  [ -f app.png ] || fail "no screenshot written"
  "$GUI_CHECK" png app.png 1280 800 || fail "the screenshot is wrong"
  check_run_log log.json
  "$GUI_CHECK" json log.json /commands/0/id=load /commands/0/source=automation /commands/0/ok=true \
    /commands/2/id=send /commands/2/ok=true /screenshots/0/width=1280 || fail "commands not logged"
  "$GUI_CHECK" command log.json select-event automation || fail "no trace event selected"
  "$GUI_CHECK" frame-times log.json || fail "no frame times in the automation log"

  # The same through the command line: FILTER.wasm and --request at start, then commands by id.
  timeout 120 "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$SOURCE_DIR/samples/requests/get.json" \
    --run-command send --run-command show-response --screenshot cli.png --frames 2 \
    --automation-log cli.json > cli.out 2>&1
  rc=$?
  cat cli.out
  [ "$rc" -eq 0 ] || fail "pwplay --run-command ... --screenshot exited with $rc"
  "$GUI_CHECK" png cli.png 1280 800 || fail "the --screenshot PNG is wrong"
  check_run_log cli.json

  # Send uses the Filter panel's current settings: the configuration becomes the header value.
  timeout 120 "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$SOURCE_DIR/samples/requests/get.json" \
    --run-command set-field=filter.config=from-script --run-command send \
    --automation-log config.json > config.out 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || { cat config.out; fail "set-field + send exited with $rc"; }
  "$GUI_CHECK" json config.json /snapshot/last_run/status=200 \
    /snapshot/last_run/upstream_request/headers/x-wasm-filter=from-script ||
    { cat config.json >&2; fail "the edited configuration did not reach the filter"; }

  # The filter from an Envoy Wasm config (no FILTER argument), with the same plugin options as
  # `pwplay debug`: the config's configuration reaches the filter, --warmup-ms is taken.
  cp "$SOURCE_DIR/tests/fixtures/envoy/wasm_message.json" "$SOURCE_DIR/tests/fixtures/envoy/envoy.yaml" .
  cp "$SAMPLES_DIR/add_header.wasm" .
  timeout 120 "$PWPLAY" --plugin-config wasm_message.json --warmup-ms 100 \
    --request "$SOURCE_DIR/samples/requests/get.json" --run-command send \
    --automation-log envoy.json > envoy.out 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || { cat envoy.out; fail "--plugin-config + send exited with $rc"; }
  "$GUI_CHECK" json envoy.json /snapshot/last_run/status=200 /snapshot/plugin/name=my_plugin \
    /snapshot/last_run/upstream_request/headers/x-wasm-filter=from-wasm-message ||
    { cat envoy.json >&2; fail "the --plugin-config filter did not run with its configuration"; }
  # A bootstrap with two Wasm filters: the app debugs one, and says so (exit 2).
  timeout 60 "$PWPLAY" --envoy-config envoy.yaml > two.out 2>&1
  rc=$?
  [ "$rc" -eq 2 ] || { cat two.out; fail "a two-filter --envoy-config exited with $rc, expected 2"; }
  grep -q "the desktop app debugs one filter, and the config holds 2" two.out ||
    { cat two.out; fail "no message for the two-filter config"; }

  # A command that does not exist stops the script with exit 1 and says which.
  timeout 60 "$PWPLAY" --run-command no-such-command --automation-log bad.json > bad.out 2>&1
  rc=$?
  [ "$rc" -eq 1 ] || { cat bad.out; fail "an unknown command exited with $rc, expected 1"; }
  grep -q "unknown command 'no-such-command'" bad.out || { cat bad.out; fail "no message for the unknown command"; }
  ;;

debugger)
  need_sample
  start_xvfb
  cat > script.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"wait": "engine"},
    {"run": "debug-break", "arg": "proxy_add_header_map_value if key == x-wasm-filter"},
    "debug-send",
    {"wait": "engine"},
    {"frames": 2},
    {"screenshot": "$out/paused.png"},
    "debug-step",
    {"wait": "engine"},
    "debug-continue",
    {"wait": "runs", "count": 1},
    {"run": "save-scenario", "arg": "$out/scenarios.json"},
    "debug-replay",
    {"wait": "engine"},
    "debug-continue",
    {"wait": "runs", "count": 2},
    {"frames": 2}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1
  rc=$?
  cat app.out
  [ "$rc" -eq 0 ] || { cat log.json 2>/dev/null; fail "pwplay --automation exited with $rc"; }
  "$GUI_CHECK" png paused.png 1280 800 || fail "the screenshot of the pause is wrong"
  # debug-step and debug-continue are refused unless the debugger is paused: both ran, so the
  # request stopped at the breakpoint and then after the next ABI event.
  "$GUI_CHECK" json log.json /commands/2/id=debug-break /commands/2/ok=true \
    /commands/3/id=debug-send /commands/3/ok=true /commands/4/id=debug-step /commands/4/ok=true \
    /commands/5/id=debug-continue /commands/5/ok=true || { cat log.json >&2; fail "debug commands"; }
  check_run_log log.json
  # The debugged run, saved as a scenario, passes under pwplay test.
  "$GUI_CHECK" json log.json /commands/6/id=save-scenario /commands/6/ok=true ||
    { cat log.json >&2; fail "save-scenario"; }
  # Replaying run 1 in the debugger stops at the same breakpoint again, then becomes run 2.
  "$GUI_CHECK" json log.json /commands/7/id=debug-replay /commands/7/ok=true \
    /commands/8/id=debug-continue /commands/8/ok=true /snapshot/runs=2 ||
    { cat log.json >&2; fail "debug-replay"; }
  "$PWPLAY" test scenarios.json > test.out 2>&1 || { cat test.out scenarios.json; fail "the saved scenario does not pass"; }
  grep -q "1 passed, 0 failed" test.out || { cat test.out; fail "pwplay test did not run the saved scenario"; }
  # On the wabt engine, Step instruction stops inside the callback; Finish lets it end.
  [ -f "$SAMPLES_DIR/add_header_wat.wasm" ] || fail "$SAMPLES_DIR/add_header_wat.wasm is missing"
  cat > stepi.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header_wat.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"run": "set-field", "arg": "filter.engine=wabt"},
    {"wait": "engine"},
    {"run": "debug-break", "arg": "proxy_add_header_map_value if key == x-wasm-filter"},
    "debug-send",
    {"wait": "engine"},
    "debug-stepi",
    {"wait": "engine"},
    {"frames": 2},
    {"screenshot": "$out/stepi.png"},
    "debug-finish",
    {"wait": "runs", "count": 1}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation stepi.json --automation-log stepi-log.json > stepi.out 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || { cat stepi.out; fail "the wabt stepping script exited with $rc"; }
  "$GUI_CHECK" png stepi.png 1280 800 || fail "the screenshot at the instruction stop is wrong"
  "$GUI_CHECK" json stepi-log.json /commands/5/id=debug-stepi /commands/5/ok=true \
    /commands/6/id=debug-finish /commands/6/ok=true /snapshot/last_run/status=200 \
    /snapshot/last_run/upstream_request/headers/x-wasm-filter=add-header ||
    { cat stepi-log.json >&2; fail "stepping on wabt"; }

  # The debugger's proxy: a request from curl goes through the session and joins the history,
  # with a fault injected from the app (proxy_add_header_map_value answers BAD_ARGUMENT, so the
  # filter's header never reaches the upstream).
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > proxy.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"wait": "engine"},
    {"run": "debug-inject", "arg": "proxy_add_header_map_value BAD_ARGUMENT"},
    {"run": "debug-watch", "arg": "on"},
    {"run": "debug-listen", "arg": "127.0.0.1:$port"},
    {"wait": "runs", "count": 1},
    {"frames": 2},
    {"screenshot": "$out/proxy.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation proxy.json --automation-log proxy-log.json > proxy.out 2>&1 &
  app_pid=$!
  answered=""
  for _ in $(seq 1 60); do
    if curl -s -m 10 -o curl.out "http://127.0.0.1:$port/from-curl"; then answered=1; break; fi
    sleep 0.5
  done
  wait "$app_pid"
  rc=$?
  cat proxy.out
  [ -n "$answered" ] || fail "the debugger's proxy never answered on port $port"
  [ "$rc" -eq 0 ] || { cat proxy-log.json 2>/dev/null; fail "the proxy script exited with $rc"; }
  grep -q '"path":"/from-curl"' curl.out || { cat curl.out; fail "curl did not get the echo"; }
  if grep -q x-wasm-filter curl.out; then cat curl.out; fail "the injected fault did not apply"; fi
  "$GUI_CHECK" json proxy-log.json /commands/1/id=debug-inject /commands/1/ok=true \
    /commands/2/id=debug-watch /commands/2/ok=true \
    /commands/3/id=debug-listen /commands/3/ok=true /snapshot/last_run/status=200 ||
    { cat proxy-log.json >&2; fail "the proxy request is not in the run history"; }
  "$GUI_CHECK" png proxy.png 1280 800 || fail "the proxy screenshot is wrong"

  # Hot reload: with debug-watch on, rebuilding the module (here: another module copied over it,
  # once, after the app has said through a screenshot that it watches and has run the request)
  # reloads the debugger's filter and replays the last request, which joins the run history.
  cp "$SAMPLES_DIR/add_header.wasm" watched.wasm
  cat > watch.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$out/watched.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"wait": "engine"},
    {"run": "debug-watch", "arg": "on"},
    "debug-send",
    {"wait": "runs", "count": 1},
    {"screenshot": "$out/watching.png"},
    {"wait": "runs", "count": 2},
    {"frames": 2},
    {"screenshot": "$out/watch.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation watch.json --automation-log watch-log.json > watch.out 2>&1 &
  app_pid=$!
  for _ in $(seq 1 600); do
    [ -s watching.png ] && break
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s watching.png ] && cp "$SAMPLES_DIR/add_header_wat.wasm" watched.tmp && mv watched.tmp watched.wasm
  wait "$app_pid"
  rc=$?
  [ "$rc" -eq 0 ] || { cat watch.out watch-log.json; fail "the hot reload script exited with $rc"; }
  "$GUI_CHECK" json watch-log.json /commands/2/id=debug-watch /commands/2/ok=true /snapshot/runs=2 \
    /snapshot/last_run/status=200 || { cat watch-log.json >&2; fail "no replay after the rebuild"; }
  "$GUI_CHECK" png watch.png 1280 800 || fail "the hot reload screenshot is wrong"

  # One engine: a Send, a Debug request (stopped at a breakpoint, then continued) and another Send
  # land in one history, numbered in order, and the filter loads once for all three.
  cat > one.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    "send",
    {"wait": "runs", "count": 1},
    {"run": "debug-break", "arg": "proxy_add_header_map_value if key == x-wasm-filter"},
    "debug-send",
    {"wait": "engine"},
    {"frames": 2},
    {"screenshot": "$out/one-paused.png"},
    "debug-continue",
    {"wait": "runs", "count": 2},
    {"run": "set-field", "arg": "request.path=/third"},
    "send",
    {"wait": "runs", "count": 3},
    {"run": "select-run", "arg": "2"},
    {"run": "select-event", "arg": "hostcall"},
    {"frames": 2},
    {"screenshot": "$out/one.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation one.json --automation-log one-log.json > one.out 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || { cat one.out one-log.json; fail "the one-engine script exited with $rc"; }
  # debug-continue is refused unless paused: the Debug request stopped although Send did not.
  "$GUI_CHECK" json one-log.json /commands/2/id=send /commands/2/ok=true \
    /commands/4/id=debug-send /commands/4/ok=true /commands/5/id=debug-continue /commands/5/ok=true \
    /commands/7/id=send /commands/7/ok=true /commands/8/id=select-run /commands/8/ok=true \
    /snapshot/runs=3 /snapshot/loads=1 /snapshot/plugin/build=1 /snapshot/last_run/id=3 \
    /snapshot/last_run/request/path=/third /snapshot/last_run/status=200 ||
    { cat one-log.json >&2; fail "Send and Debug request are not one history with one load"; }
  "$GUI_CHECK" png one-paused.png 1280 800 || fail "the one-engine pause screenshot is wrong"
  "$GUI_CHECK" png one.png 1280 800 || fail "the one-engine screenshot is wrong"

  # Continue with nothing paused is refused, and the log says so.
  timeout 60 "$PWPLAY" --run-command debug-continue --automation-log idle.json > idle.out 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || { cat idle.out; fail "pwplay --run-command debug-continue exited with $rc"; }
  "$GUI_CHECK" json idle.json /commands/0/id=debug-continue /commands/0/ok=false ||
    { cat idle.json >&2; fail "debug-continue while idle was not refused"; }
  ;;

files)
  need_sample
  start_xvfb
  cat > script.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "paste-curl", "arg": "curl -X POST -H 'x-from: curl' --data-raw 'hi there' http://example.com/pasted"},
    {"wait": "engine"},
    "send",
    {"wait": "runs", "count": 1},
    {"run": "copy-as-curl", "arg": "$out/copied.curl"},
    {"run": "export-har", "arg": "$out/history.har"},
    {"run": "debug-break", "arg": "proxy_on_request_headers"},
    {"run": "save-project", "arg": "$out/project.pwplay.json"},
    {"frames": 2},
    {"screenshot": "$out/files.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1
  rc=$?
  cat app.out
  [ "$rc" -eq 0 ] || { cat log.json 2>/dev/null; fail "the File commands script exited with $rc"; }
  "$GUI_CHECK" json log.json /ok=true /commands/1/id=paste-curl /commands/1/ok=true \
    /commands/2/id=send /commands/2/ok=true /commands/3/id=copy-as-curl /commands/3/ok=true \
    /commands/4/id=export-har /commands/4/ok=true /commands/6/id=save-project /commands/6/ok=true \
    /snapshot/last_run/request/path=/pasted /snapshot/last_run/status=200 \
    /snapshot/last_run/upstream_request/headers/x-from=curl \
    /snapshot/last_run/upstream_request/headers/x-wasm-filter=add-header ||
    { cat log.json >&2; fail "the pasted request did not run through the filter"; }
  "$GUI_CHECK" png files.png 1280 800 || fail "the screenshot is wrong"
  # copy-as-curl: the composer's request as a command line.
  grep -q "^curl " copied.curl && grep -q "/pasted" copied.curl && grep -q "x-from: curl" copied.curl &&
    grep -q "hi there" copied.curl || { cat copied.curl; fail "copy-as-curl wrote the wrong line"; }
  # export-har: the run with the response the client received (the filter's header in it).
  "$GUI_CHECK" json history.har /log/version=1.2 /log/entries/0/request/method=POST \
    /log/entries/0/request/url=http://example.com/pasted /log/entries/0/request/postData/text="hi there" \
    /log/entries/0/response/status=200 ||
    { cat history.har >&2; fail "export-har wrote the wrong file"; }
  grep -q '"x-wasm-response"' history.har || { cat history.har >&2; fail "the HAR lacks the filter's header"; }
  # save-project: filter, the draft, the history and the breakpoint.
  "$GUI_CHECK" json project.pwplay.json /format=pwplay-project /version=1 \
    /plugins/0/wasm_path="$SAMPLES_DIR/add_header.wasm" "/requests/0/name=(request editor)" \
    /requests/0/request/path=/pasted /history/0/request/path=/pasted /history/0/outcome/status=200 \
    /breakpoints/0/target=proxy_on_request_headers ||
    { cat project.pwplay.json >&2; fail "save-project wrote the wrong file"; }

  # A new app opens the project: the filter loads, the breakpoint is back, the Project window shows.
  cat > open.json <<JSON
{
  "window": {"width": 1280, "height": 800},
  "timeout_ms": 60000,
  "steps": [
    {"run": "open-project", "arg": "$out/project.pwplay.json"},
    {"wait": "engine"},
    {"run": "open-project", "arg": "$out/missing.pwplay.json"},
    {"run": "save-project", "arg": "$out/again.pwplay.json"},
    {"frames": 3},
    {"screenshot": "$out/project.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation open.json --automation-log open-log.json > open.out 2>&1
  rc=$?
  cat open.out
  [ "$rc" -eq 0 ] || { cat open-log.json 2>/dev/null; fail "the open-project script exited with $rc"; }
  "$GUI_CHECK" json open-log.json /commands/0/id=open-project /commands/0/ok=true \
    /commands/1/id=open-project /commands/1/ok=false /commands/2/id=save-project \
    /commands/2/ok=true /snapshot/plugin/name=add_header /snapshot/runs=0 ||
    { cat open-log.json >&2; fail "open-project did not restore the project"; }
  grep -q "missing.pwplay.json" open-log.json || { cat open-log.json >&2; fail "the failed open does not name the file"; }
  # Saved again from the opened app: nothing was lost on the way (the failed open changed nothing).
  "$GUI_CHECK" json again.pwplay.json /plugins/0/wasm_path="$SAMPLES_DIR/add_header.wasm" \
    "/requests/0/name=(request editor)" /requests/0/request/path=/pasted \
    /history/0/request/path=/pasted /history/0/outcome/status=200 \
    /breakpoints/0/target=proxy_on_request_headers ||
    { cat again.pwplay.json >&2; fail "the reopened project lost something"; }
  "$GUI_CHECK" png project.png 1280 800 || fail "the Project window screenshot is wrong"
  ;;

xdotool)
  need_sample
  command -v xdotool >/dev/null 2>&1 || fail "xdotool is not installed (scripts/deps installs it)"
  start_xvfb
  run_with_input() {  # NAME SOURCE INPUT-FUNCTION: start the app, feed real input until it exits
    local name=$1 source=$2 feed=$3
    cat > "$name.json" <<JSON
{"timeout_ms": 60000, "steps": [{"wait": "engine"}, {"wait": "runs", "count": 1},
 {"screenshot": "$out/$name.png"}]}
JSON
    "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$SOURCE_DIR/samples/requests/get.json" \
      --automation "$name.json" --automation-log "$name.log.json" > "$name.out" 2>&1 &
    local app=$!
    local window
    window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
    [ -n "$window" ] || { kill "$app"; cat "$name.out"; fail "$name: the pwplay window never appeared"; }
    # No window manager under Xvfb: give the window the keyboard focus ourselves. Keys are
    # pressed again until the app exits, in case the first ones arrive before it draws.
    for _ in $(seq 1 20); do
      kill -0 "$app" 2>/dev/null || break
      xdotool windowfocus --sync "$window" 2>/dev/null
      $feed "$window"
      sleep 2
    done
    local rc=0
    wait "$app" || rc=$?
    cat "$name.out"
    [ "$rc" -eq 0 ] || { cat "$name.log.json" 2>/dev/null; fail "$name: pwplay exited with $rc"; }
    check_run_log "$name.log.json"
    # The request was sent by real input, not by the script.
    "$GUI_CHECK" command "$name.log.json" send "$source" ||
      { cat "$name.log.json" >&2; fail "$name: the send did not come from the $source"; }
    "$GUI_CHECK" png "$name.png" 1280 800 || fail "$name: the screenshot is wrong"
  }
  press_ctrl_enter() { xdotool key --clearmodifiers ctrl+Return; }
  use_palette() {
    xdotool key --clearmodifiers Escape  # closes the palette a failed attempt left open
    sleep 0.3
    xdotool key --clearmodifiers ctrl+shift+p
    sleep 0.5
    xdotool type --delay 30 "send request"
    sleep 0.3
    xdotool key Return
  }
  type_curl() {  # the palette gives the composer's curl field the keyboard; typed, then Enter
    xdotool key --clearmodifiers Escape
    sleep 0.5
    xdotool key --clearmodifiers ctrl+shift+p
    sleep 1
    xdotool type --delay 40 "type a curl"
    sleep 0.8
    xdotool key Return
    sleep 1
    xdotool key --clearmodifiers ctrl+a  # what an earlier attempt left in the field is replaced
    sleep 0.3
    xdotool type --delay 30 "curl -H 'x-typed: by-hand' http://example.com/typed?q=1"
    sleep 0.8
    xdotool key Return
  }
  run_with_input shortcut shortcut press_ctrl_enter
  run_with_input palette palette use_palette
  # The typed curl: the script waits for paste-curl (the keys are typed again until it ran), then
  # sends; what reached the upstream is the typed request.
  cat > curl.json <<JSON
{"timeout_ms": 60000, "steps": [{"wait": "engine"}, {"wait": "command", "id": "paste-curl"},
 "send", {"wait": "runs", "count": 1}]}
JSON
  "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$SOURCE_DIR/samples/requests/get.json" \
    --automation curl.json --automation-log curl.log.json > curl.out 2>&1 &
  app_pid=$!
  window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
  [ -n "$window" ] || { cat curl.out; fail "curl: the pwplay window never appeared"; }
  sleep 1
  for _ in $(seq 1 10); do
    kill -0 "$app_pid" 2>/dev/null || break
    xdotool windowfocus --sync "$window" 2>/dev/null
    type_curl
    sleep 3
  done
  wait "$app_pid" || { cat curl.out; cat curl.log.json; fail "curl: pwplay exited with an error"; }
  app_pid=""
  "$GUI_CHECK" command curl.log.json compose-from-curl palette ||
    fail "curl: the curl field was not reached from the palette"
  python3 - curl.log.json <<'PY' || fail "curl: the typed curl command did not reach the upstream"
import json, sys
log = json.load(open(sys.argv[1]))
pasted = [c for c in log["commands"] if c["id"] == "paste-curl" and c["ok"]]
assert pasted and pasted[0]["source"] == "button", log["commands"]  # Enter in the curl field
upstream = log["snapshot"]["last_run"]["upstream_request"]
assert upstream["path"] == "/typed?q=1", upstream
assert upstream["headers"].get("x-typed") == "by-hand", upstream
PY
  ;;

performance)
  # The Performance tab while requests flow: Send, curl through the app's proxy and a leak check
  # all count; the automation log reports the panel and the screenshot shows it.
  need_sample
  start_xvfb
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > script.json <<JSON
{
  "window": {"width": 1600, "height": 1000},
  "timeout_ms": 90000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"wait": "engine"},
    {"run": "debug-listen", "arg": "127.0.0.1:$port"},
    "show-performance",
    "send",
    {"wait": "runs", "count": 1},
    {"wait": "runs", "count": 41},
    {"run": "perf-leak-check", "arg": "600"},
    {"wait": "engine"},
    {"run": "select-run", "arg": "1"},
    {"frames": 3},
    {"screenshot": "$out/performance.png"},
    {"run": "perf-window", "arg": "reset"},
    "perf-reset",
    {"frames": 2}
  ]
}
JSON
  timeout 150 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1 &
  app_pid=$!
  # 40 requests through the app's proxy once it listens, then more while the leak check runs,
  # so the screenshot shows traffic flowing.
  sent=0
  for _ in $(seq 1 120); do
    if curl -s -m 10 -o /dev/null "http://127.0.0.1:$port/curl-$sent"; then sent=$((sent + 1)); fi
    [ "$sent" -ge 40 ] && break
    [ "$sent" -eq 0 ] && sleep 0.5
  done
  ( for i in $(seq 1 400); do curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/more-$i" || break; done ) &
  more_pid=$!
  wait "$app_pid"
  rc=$?
  kill "$more_pid" 2>/dev/null; wait "$more_pid" 2>/dev/null
  cat app.out
  [ "$sent" -ge 40 ] || fail "only $sent requests went through the app's proxy on port $port"
  [ "$rc" -eq 0 ] || { cat log.json 2>/dev/null; fail "pwplay --automation exited with $rc"; }
  "$GUI_CHECK" png performance.png 1600 1000 || fail "the performance screenshot is wrong"
  "$GUI_CHECK" command log.json show-performance automation || fail "show-performance did not run"
  "$GUI_CHECK" json log.json /ok=true /performance/window=reset "/performance/leak_verdict=no leak" \
    /performance/leak_check/done=600 || { cat log.json >&2; fail "performance log"; }
  # Before the reset the panel counted the Send, the leak check and the proxy's requests.
  python3 - "$out/log.json" <<'PY' || { cat log.json >&2; fail "the commands of the Performance panel"; }
import json, sys
log = json.load(open(sys.argv[1]))
ids = [c["id"] for c in log["commands"] if c["ok"]]
for needed in ("show-performance", "perf-leak-check", "perf-window", "perf-reset"):
    assert needed in ids, needed
plugins = {p["plugin"] for p in log["performance"]["plugins"]}
assert {"add_header", "add_header (proxy)"} <= plugins, plugins
assert log["performance"]["samples"] >= 2, log["performance"]
PY
  ;;

memory)
  need_sample
  command -v xdotool >/dev/null 2>&1 || fail "xdotool is not installed (scripts/deps installs it)"
  start_xvfb
  # NAME STEPS...: a script that pauses add_header at its second header lookup (:path; the bytes
  # the first one's value occupied changed since), shows the Memory tab, then runs STEPS (JSON,
  # comma-first).
  write_script() {
    local name=$1 more=$2
    cat > "$name.json" <<JSON
{
  "window": {"width": 1600, "height": 1000},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"wait": "engine"},
    {"run": "debug-break", "arg": "proxy_get_header_map_value"},
    "debug-send",
    {"wait": "engine"},
    "debug-continue",
    {"wait": "engine"},
    "show-memory"$more
  ]
}
JSON
  }
  run_script() {  # NAME: plays NAME.json into NAME.log.json
    timeout 120 "$PWPLAY" --automation "$1.json" --automation-log "$1.log.json" > "$1.out" 2>&1
    local rc=$?
    cat "$1.out"
    [ "$rc" -eq 0 ] || { cat "$1.log.json" 2>/dev/null; fail "$1: pwplay exited with $rc"; }
  }
  # A python expression over the log `log` (and `region`, the value returned for :method).
  query() {
    python3 - "$@" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
memory = log["ui"]["memory"]
region = next(r for r in memory["regions"] if r["label"] == "value returned for :path")
print(eval(sys.argv[2]))
PY
  }

  # 1. A region selected: the cursor and selection are its bytes ("/hello"), the pause's whole
  #    memory is shown with what changed since the first pause, and the screenshot has the
  #    regions highlighted.
  write_script regions ',
    {"run": "memory-select-region", "arg": "value returned for :path"},
    {"frames": 3},
    {"screenshot": "'"$out"'/memory-view.png"}'
  run_script regions
  "$GUI_CHECK" png memory-view.png 1600 1000 || fail "the memory view screenshot is wrong"
  "$GUI_CHECK" json regions.log.json /ok=true /ui/inspector_tab=Memory /ui/memory/inspector/u8=47 \
    /ui/memory/whole=true || { cat regions.log.json >&2; fail "regions: unexpected log"; }
  [ "$(query regions.log.json 'log["ui"]["memory_cursor"] == region["address"] and memory["selection"] == [region["address"], region["address"] + 6] and memory["size"] >= 65536 and memory["pause"] >= 2 and memory["changed_bytes"] > 0 and memory["grid"] is not None')" = True ] ||
    { cat regions.log.json >&2; fail "regions: the cursor is not on the selected region"; }
  value=$(query regions.log.json 'region["address"]')
  other=$(query regions.log.json 'next(r["address"] for r in memory["regions"] if r["address"] != region["address"])')

  # 2. memory-goto to another copied region's address (hex): the cursor is there.
  write_script goto ",
    {\"run\": \"memory-goto\", \"arg\": \"$(printf '0x%x' "$other")\"},
    {\"frames\": 2}"
  run_script goto
  "$GUI_CHECK" json goto.log.json /ok=true "/ui/memory_cursor=$other" ||
    { cat goto.log.json >&2; fail "goto: the memory cursor is not at $other"; }
  "$GUI_CHECK" command goto.log.json memory-goto automation || fail "goto: memory-goto did not run"

  # 3. Real input: the same pause with the cursor on the region, then xdotool clicks the byte after
  #    it ('h' of "/hello"), placed from the grid's geometry that run 1 reported (same script,
  #    same layout): the cursor moves there and the data inspector reads 104.
  write_script click ",
    {\"run\": \"memory-goto\", \"arg\": \"$value\"},
    {\"frames\": 3},
    {\"screenshot\": \"$out/ready.png\"},
    {\"wait\": \"time\", \"ms\": 12000}"
  target=$((value + 1))
  point=$(query regions.log.json "(lambda g, a, n: '%d %d' % (g['byte_x'] + (3 * (a % n) + (1 if n == 16 and a % n >= 8 else 0)) * g['char_width'] + g['char_width'], g['rows_y'] + (a // n - g['first_address'] // n) * g['row_height'] + g['row_height'] / 2))(memory['grid'], $target, memory['grid']['bytes_per_row'])")
  timeout 120 "$PWPLAY" --automation click.json --automation-log click.log.json > click.out 2>&1 &
  app=$!
  for _ in $(seq 1 300); do [ -f ready.png ] && break; kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  [ -f ready.png ] || { kill "$app" 2>/dev/null; cat click.out; fail "click: the app never got ready"; }
  window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
  [ -n "$window" ] || { kill "$app"; fail "click: no pwplay window"; }
  for _ in $(seq 1 4); do
    kill -0 "$app" 2>/dev/null || break
    # shellcheck disable=SC2086
    xdotool mousemove --window "$window" $point click 1
    sleep 2
  done
  rc=0
  wait "$app" || rc=$?
  cat click.out
  [ "$rc" -eq 0 ] || { cat click.log.json 2>/dev/null; fail "click: pwplay exited with $rc"; }
  "$GUI_CHECK" json click.log.json /ok=true "/ui/memory_cursor=$target" /ui/memory/inspector/u8=104 ||
    { cat click.log.json >&2; fail "click: the click at ($point) did not put the cursor on $target"; }
  ;;

firstrun)
  # First run: no filter on the command line. The sample is found next to the executable
  # (build/app/pwplay -> build/samples) and real input sends its request.
  need_sample
  command -v xdotool >/dev/null 2>&1 || fail "xdotool is not installed (scripts/deps installs it)"
  start_xvfb
  cat > first.json <<JSON
{"window": {"width": 1600, "height": 1000}, "timeout_ms": 60000,
 "steps": [{"wait": "engine"}, {"wait": "runs", "count": 1}, {"frames": 3},
           {"screenshot": "$out/first-run.png"}]}
JSON
  "$PWPLAY" --first-run --automation first.json --automation-log first.log.json > first.out 2>&1 &
  app=$!
  window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
  [ -n "$window" ] || { kill "$app"; cat first.out; fail "the pwplay window never appeared"; }
  for _ in $(seq 1 20); do
    kill -0 "$app" 2>/dev/null || break
    xdotool windowfocus --sync "$window" 2>/dev/null
    xdotool key --clearmodifiers ctrl+Return
    sleep 2
  done
  rc=0
  wait "$app" || rc=$?
  cat first.out
  [ "$rc" -eq 0 ] || { cat first.log.json 2>/dev/null; fail "the first run exited with $rc"; }
  check_run_log first.log.json
  "$GUI_CHECK" json first.log.json /commands/0/id=open-sample /commands/0/arg=add_header \
    /commands/0/source=startup /commands/0/ok=true /snapshot/loads=1 \
    /snapshot/last_run/request/path=/hello ||
    { cat first.log.json >&2; fail "the first run did not open add_header with get.json"; }
  "$GUI_CHECK" command first.log.json send shortcut ||
    { cat first.log.json >&2; fail "the first run's send did not come from Ctrl+Enter"; }
  "$GUI_CHECK" png first-run.png 1600 1000 || fail "the first-run screenshot is wrong"

  # Without --first-run a script starts empty, as before.
  timeout 60 "$PWPLAY" --run-command about --automation-log empty.json > empty.out 2>&1 ||
    { cat empty.out; fail "an automation run without a filter failed"; }
  "$GUI_CHECK" json empty.json /snapshot/plugin=null /snapshot/loads=0 /commands/0/id=about \
    /windows/seen/0=about || { cat empty.json >&2; fail "an automation run did not start empty"; }

  # The samples not found (--samples-dir names an empty folder): the start-up open-sample fails
  # and the welcome view shows. Once its screenshot is taken the sample appears in the folder,
  # and open-sample loads it.
  mkdir -p "$out/found"
  cat > welcome.json <<JSON
{"window": {"width": 1600, "height": 1000}, "timeout_ms": 60000,
 "steps": [{"frames": 4}, {"screenshot": "$out/welcome.png"},
           {"wait": "time", "ms": 6000},
           {"run": "open-sample", "arg": "add_header"},
           {"wait": "engine"},
           {"run": "open-file", "arg": "$SOURCE_DIR/samples/requests/post.json"},
           "send", {"wait": "runs", "count": 1},
           "show-shortcuts", {"frames": 3}, {"screenshot": "$out/shortcuts.png"},
           "about", {"frames": 3}, {"screenshot": "$out/about.png"}]}
JSON
  timeout 120 "$PWPLAY" --first-run --samples-dir "$out/found" --automation welcome.json \
    --automation-log welcome.log.json > welcome.out 2>&1 &
  app=$!
  for _ in $(seq 1 600); do
    [ -s welcome.png ] && break
    kill -0 "$app" 2>/dev/null || break
    sleep 0.1
  done
  cp "$SAMPLES_DIR/add_header.wasm" "$out/found/"
  rc=0
  wait "$app" || rc=$?
  cat welcome.out
  [ "$rc" -eq 0 ] || { cat welcome.log.json 2>/dev/null; fail "the welcome script exited with $rc"; }
  "$GUI_CHECK" png welcome.png 1600 1000 || fail "the welcome screenshot is wrong"
  "$GUI_CHECK" png shortcuts.png 1600 1000 || fail "the shortcuts screenshot is wrong"
  "$GUI_CHECK" json welcome.log.json /ok=true /windows/seen/0=welcome /windows/seen/1=shortcuts \
    /windows/seen/2=about /windows/open/0=shortcuts /windows/open/1=about \
    /commands/0/id=open-sample /commands/0/source=startup /commands/0/ok=false \
    /commands/1/id=open-sample /commands/1/ok=true /commands/2/id=open-file \
    /commands/2/ok=true \
    /snapshot/plugin/name=add_header /snapshot/last_run/status=200 \
    /snapshot/last_run/request/method=POST /snapshot/last_run/request/path=/echo ||
    { cat welcome.log.json >&2; fail "the welcome view, open-sample or open-file went wrong"; }
  grep -q "$out/found" welcome.log.json ||
    { cat welcome.log.json >&2; fail "the failed open-sample does not say where it looked"; }
  ;;

no_display)
  env -u DISPLAY -u WAYLAND_DISPLAY "$PWPLAY" > out.txt 2>&1
  rc=$?
  cat out.txt
  [ "$rc" -eq 1 ] || fail "without a display pwplay exited with $rc, expected 1"
  grep -q "no display found" out.txt || fail "no 'no display found' message"
  # A display that does not answer: a clear error, exit 1.
  env -u WAYLAND_DISPLAY DISPLAY=":4093" "$PWPLAY" > bad.txt 2>&1
  rc=$?
  cat bad.txt
  [ "$rc" -eq 1 ] || fail "with an unreachable display pwplay exited with $rc, expected 1"
  grep -q "cannot connect to the display" bad.txt || fail "no 'cannot connect' message"
  ;;

no_opengl)
  start_xvfb -extension GLX
  timeout 60 "$PWPLAY" --run-command about --screenshot never.png > out.txt 2>&1
  rc=$?
  cat out.txt
  [ "$rc" -eq 1 ] || fail "without OpenGL pwplay exited with $rc, expected 1 (no crash)"
  grep -q "no OpenGL 3 context" out.txt || fail "no clear OpenGL error message"
  [ ! -f never.png ] || fail "a screenshot was written without OpenGL"
  ;;

*)
  fail "unknown case '$case_name'"
  ;;
esac
echo "PASS: $case_name"
