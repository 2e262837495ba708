#!/usr/bin/env bash
# The layout's tests under a private Xvfb server at 1600x1000. Usage: layout_test.sh CASE, with the
# same environment as gui_test.sh (PWPLAY, GUI_CHECK, SAMPLES_DIR, SOURCE_DIR, OUT_DIR). Cases:
#   tabs   real input: xdotool clicks each inspector tab header (where the automation log of a
#          first run says it is drawn), then presses Ctrl+Enter; the screenshot after each run
#          must show the clicked tab selected (the log's ui.inspector_tab); then Ctrl+Enter with
#          the keyboard focus in the request body and in the debugger's console still sends
#   debug  a breakpoint pauses a Debug request: the debug layout (ui.layout "debug"), a wasm
#          instruction step on WABT and debug-until from the code view, then Continue brings the
#          normal layout back; toggle-debug-layout switches by hand; show-inspector, the
#          Ctrl+Alt keys' commands, set-theme and the font commands run and show in ui
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
case_name=${1:?usage: layout_test.sh CASE}
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "layout-$case_name"
request="$SOURCE_DIR/samples/requests/get.json"

[ -f "$SAMPLES_DIR/add_header.wasm" ] || fail "$SAMPLES_DIR/add_header.wasm is missing: build pwplay_samples"

wait_for_file() {  # FILE SECONDS: true once FILE exists (and the app still runs or exited)
  local file=$1 tenths=$(($2 * 10))
  for _ in $(seq 1 "$tenths"); do
    [ -s "$file" ] && return 0
    sleep 0.1
  done
  return 1
}

case "$case_name" in
tabs)
  command -v xdotool >/dev/null 2>&1 || fail "xdotool is not installed (scripts/deps installs it)"
  start_xvfb
  # 1. Where the headers are: an automation run at the same size logs their rectangles.
  "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$request" --window-size 1600x1000 \
    --run-command send --frames 3 --automation-log where.json > where.out 2>&1 ||
    { cat where.out; fail "the first run exited with $?"; }
  python3 - "$out/where.json" > headers.txt <<'PY' || { cat where.json >&2; fail "no inspector headers in the log"; }
import json, sys
log = json.load(open(sys.argv[1]))
headers = {h["tab"]: h for h in log["ui"]["inspector_headers"]}
assert log["ui"]["inspector_tab"] == "Trace", log["ui"]
# Each tab that is in this build, in the order the test clicks them: every click changes the tab.
for tab in ("Debugger", "Memory", "Module", "Performance", "Logs", "Trace"):
    if tab in headers:
        h = headers[tab]
        print(tab, int(h["x"] + h["width"] / 2), int(h["y"] + h["height"] / 2))
PY
  cat headers.txt
  grep -q '^Debugger ' headers.txt && grep -q '^Logs ' headers.txt && grep -q '^Trace ' headers.txt ||
    fail "the Trace, Debugger and Logs headers are not all drawn"
  tabs=$(wc -l < headers.txt)

  # 2. Real input: a run to start with, then per tab a click on its header and a run.
  {
    echo '{"timeout_ms": 60000, "steps": [{"wait": "engine"}, {"wait": "runs", "count": 1},'
    echo "  {\"screenshot\": \"$out/shot-0.png\"}"
    for i in $(seq 1 "$tabs"); do
      echo "  , {\"wait\": \"runs\", \"count\": $((i + 1))}, {\"screenshot\": \"$out/shot-$i.png\"}"
    done
    echo ']}'
  } > clicks.json
  "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$request" --window-size 1600x1000 \
    --automation clicks.json --automation-log clicks.log.json > clicks.out 2>&1 &
  app_pid=$!
  window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
  [ -n "$window" ] || { cat clicks.out; fail "the pwplay window never appeared"; }
  # The first run: keys again until it shows (the first ones may come before the app draws).
  for _ in $(seq 1 15); do
    key ctrl+Return
    wait_for_file shot-0.png 2 && break
  done
  [ -s shot-0.png ] || { cat clicks.out; fail "Ctrl+Enter never made the first run"; }
  i=0
  while read -r tab x y; do
    i=$((i + 1))
    sleep 1
    # As a hand does it: the pointer comes to rest on the header, then the button.
    xdotool mousemove --window "$window" "$x" "$y"
    sleep 0.5
    xdotool click 1
    # A click can be lost on a loaded machine, like a key: a second one a second later (not a
    # double click) selects the same tab again, so it costs nothing when the first one landed.
    sleep 1
    xdotool click 1
    # The key again after 5 s without a run (a key can be lost under Xvfb, as in gui_test.sh's
    # xdotool case); a run takes well under a second, so no request is sent twice.
    for _ in 1 2 3 4 5; do
      sleep 1
      key ctrl+Return
      wait_for_file "shot-$i.png" 5 && break
    done
    [ -s "shot-$i.png" ] || { cat clicks.out; fail "no run after clicking the $tab header"; }
  done < headers.txt
  wait "$app_pid"
  rc=$?
  app_pid=""
  cat clicks.out
  [ "$rc" -eq 0 ] || { cat clicks.log.json; fail "pwplay exited with $rc"; }
  python3 - "$out/clicks.log.json" "$out/headers.txt" <<'PY' || { cat clicks.log.json >&2; fail "a click did not select its tab"; }
import json, sys
log = json.load(open(sys.argv[1]))
tabs = [line.split()[0] for line in open(sys.argv[2])]
shots = log["screenshots"]
assert len(shots) == len(tabs) + 1, len(shots)
assert shots[0]["ui"]["inspector_tab"] == "Trace", shots[0]["ui"]
for i, tab in enumerate(tabs, 1):
    got = shots[i]["ui"]["inspector_tab"]
    assert got == tab, f"clicked {tab}, the log shows {got}"
    print(f"clicked {tab}: selected")
# Every run came from the key, none from the script; no tab command ran: the mouse did it.
sends = [c for c in log["commands"] if c["id"] == "send"]
assert len(sends) >= len(tabs) + 1 and all(c["source"] == "shortcut" for c in sends), sends
assert not any(c["id"].startswith("show-") for c in log["commands"]), log["commands"]
PY
  for i in $(seq 0 "$tabs"); do
    "$GUI_CHECK" png "shot-$i.png" 1600 1000 > /dev/null || fail "shot-$i.png is wrong"
  done

  # 3. Ctrl+Enter while a text field has the keyboard focus: the request body, then the
  # debugger's console (both found through the same clicks a user makes). Afterwards a plain
  # Enter runs the console line, which shows that the line had the focus all along.
  cat > focus.json <<JSON
{"timeout_ms": 60000, "steps": [{"wait": "engine"}, {"run": "show-inspector", "arg": "debugger"},
 {"frames": 3}, {"screenshot": "$out/focus-0.png"}, {"wait": "runs", "count": 1},
 {"screenshot": "$out/focus-1.png"}, {"wait": "runs", "count": 2},
 {"screenshot": "$out/focus-2.png"}, {"wait": "time", "ms": 4000},
 {"run": "copy-as-curl", "arg": "$out/composer.curl"}]}
JSON
  "$PWPLAY" "$SAMPLES_DIR/add_header.wasm" --request "$request" --window-size 1600x1000 \
    --automation focus.json --automation-log focus.log.json > focus.out 2>&1 &
  app_pid=$!
  window=$(timeout 30 xdotool search --sync --onlyvisible --name '^pwplay$' | head -1)
  [ -n "$window" ] || { cat focus.out; fail "the pwplay window never appeared (focus)"; }
  wait_for_file focus-0.png 30 || { cat focus.out; fail "no first screenshot (focus)"; }
  xdotool windowfocus --sync "$window" 2>/dev/null
  # The request body: the composer's Body tab, then its editor.
  sleep 1
  xdotool mousemove --window "$window" 169 476
  sleep 0.5
  xdotool click 1
  sleep 1
  xdotool mousemove --window "$window" 180 720
  sleep 0.5
  xdotool click 1
  sleep 1
  xdotool type --delay 30 "abc"
  # A key can be lost while the window settles or the machine is loaded (see gui_test.sh's
  # xdotool case): focused and pressed again after 5 s, up to six times.
  for _ in 1 2 3 4 5 6; do
    sleep 1
    key ctrl+Return
    wait_for_file focus-1.png 5 && break
  done
  [ -s focus-1.png ] || { cat focus.out; fail "Ctrl+Enter in the request body did not send"; }
  # The console's input line: the bottom of the Debugger tab.
  sleep 1
  xdotool mousemove --window "$window" 1250 951
  sleep 0.5
  xdotool click 1
  sleep 1
  xdotool type --delay 30 "info breakpoints"
  for _ in 1 2 3 4; do
    sleep 1
    key ctrl+Return
    wait_for_file focus-2.png 5 && break
  done
  [ -s focus-2.png ] || { cat focus.out; fail "Ctrl+Enter in the console did not send"; }
  sleep 1
  xdotool key Return
  wait "$app_pid"
  rc=$?
  app_pid=""
  [ "$rc" -eq 0 ] || { cat focus.out focus.log.json; fail "the focus script exited with $rc"; }
  python3 - "$out/focus.log.json" <<'PY' || { cat focus.log.json >&2; fail "Ctrl+Enter from text fields"; }
import json, sys
log = json.load(open(sys.argv[1]))
sends = [c for c in log["commands"] if c["id"] == "send"]
assert len(sends) == 2 and all(c["source"] == "shortcut" and c["ok"] for c in sends), sends
assert log["snapshot"]["runs"] == 2, log["snapshot"]
# The console line ran once, from Enter after both sends: Ctrl+Enter had not run it.
ids = [c["id"] for c in log["commands"]]
info = [c for c in log["commands"] if c["id"] == "debug-info"]
assert len(info) == 1 and info[0]["source"] == "console", info
assert ids.index("debug-info") > max(i for i, c in enumerate(ids) if c == "send"), ids
PY
  # What was typed went into the body (and Ctrl+Enter added no line break to it).
  grep -q "abc" composer.curl || { cat composer.curl; fail "the typed body is not in the request"; }
  ;;

debug)
  [ -f "$SAMPLES_DIR/add_header_wat.wasm" ] || fail "$SAMPLES_DIR/add_header_wat.wasm is missing"
  start_xvfb
  cat > debug.json <<JSON
{
  "window": {"width": 1600, "height": 1000},
  "timeout_ms": 60000,
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header_wat.wasm"},
    {"run": "open-request", "arg": "$request"},
    {"run": "set-field", "arg": "filter.engine=wabt"},
    {"wait": "engine"},
    "send",
    {"wait": "runs", "count": 1},
    {"screenshot": "$out/normal.png"},
    {"run": "debug-break", "arg": "proxy_add_header_map_value if key == x-wasm-filter"},
    "debug-send",
    {"wait": "engine"},
    {"screenshot": "$out/paused.png"},
    "debug-stepi",
    {"wait": "engine"},
    {"run": "debug-until", "arg": "0x197"},
    {"wait": "engine"},
    {"frames": 2},
    {"screenshot": "$out/debug-layout.png"},
    "toggle-debug-layout",
    {"screenshot": "$out/toggled.png"},
    "debug-step",
    {"wait": "engine"},
    {"screenshot": "$out/stepped.png"},
    "toggle-debug-layout",
    "debug-continue",
    {"wait": "runs", "count": 2},
    {"screenshot": "$out/continued.png"},
    "toggle-debug-layout",
    {"screenshot": "$out/by-hand.png"},
    "toggle-debug-layout",
    {"run": "show-inspector", "arg": "Logs"},
    {"run": "show-inspector", "arg": "network"},
    "show-inspector-debugger",
    "show-performance",
    "show-inspector-trace",
    {"run": "set-theme", "arg": "light"},
    "font-bigger",
    "font-bigger",
    "font-smaller",
    {"screenshot": "$out/light.png"},
    "reset-layout",
    "font-reset",
    {"run": "set-theme", "arg": "dark"},
    {"frames": 2}
  ]
}
JSON
  timeout 150 "$PWPLAY" --automation debug.json --automation-log debug.log.json > debug.out 2>&1
  rc=$?
  cat debug.out
  [ "$rc" -eq 0 ] || { cat debug.log.json; fail "the debug layout script exited with $rc"; }
  python3 - "$out/debug.log.json" <<'PY' || { cat debug.log.json >&2; fail "the debug layout"; }
import json, sys
log = json.load(open(sys.argv[1]))
shots = {s["path"].rsplit("/", 1)[1]: s["ui"] for s in log["screenshots"]}
def expect(shot, field, value):
    got = shots[shot][field]
    assert got == value, f"{shot}: ui.{field} is {got!r}, expected {value!r}"
expect("normal.png", "layout", "normal")
expect("paused.png", "layout", "debug")        # the pause switched to the debug layout
expect("paused.png", "inspector_tab", "Debugger")
expect("debug-layout.png", "layout", "debug")
expect("toggled.png", "layout", "normal")      # by hand, while paused
expect("stepped.png", "layout", "normal")      # a step keeps the user's choice
expect("continued.png", "layout", "normal")    # the pause ended
expect("by-hand.png", "layout", "debug")       # by hand, with nothing paused
expect("light.png", "theme", "light")
expect("light.png", "inspector_tab", "Trace")
assert abs(shots["light.png"]["font_scale"] - 1.1) < 1e-6, shots["light.png"]
ui = log["ui"]
assert ui["layout"] == "normal" and ui["theme"] == "dark" and ui["font_scale"] == 1.0, ui
# The memory view (in the debug layout's memory box) put its cursor on the pause's first region.
assert ui["memory_cursor"] == ui["memory"]["regions"][0]["address"], ui
ok = {}
for c in log["commands"]:
    ok.setdefault(c["id"], []).append(c["ok"])
for needed in ("debug-stepi", "debug-until", "toggle-debug-layout", "show-inspector-debugger",
               "show-performance", "show-inspector-trace", "set-theme", "font-bigger",
               "font-smaller", "font-reset", "reset-layout", "debug-continue"):
    assert needed in ok and all(ok[needed]), (needed, ok.get(needed))
# show-inspector: Logs worked, "network" was refused with the accepted names.
assert ok["show-inspector"] == [True, False], ok["show-inspector"]
bad = [c for c in log["commands"] if c["id"] == "show-inspector" and not c["ok"]][0]
assert "expected trace, debugger, memory, module, performance or logs" in bad["error"], bad
assert log["snapshot"]["runs"] == 2 and log["snapshot"]["last_run"]["status"] == 200, log["snapshot"]
print("debug layout: paused -> debug, continued -> normal, toggled by hand both ways")
PY
  for shot in normal paused debug-layout toggled continued light; do
    "$GUI_CHECK" png "$shot.png" 1600 1000 > /dev/null || fail "$shot.png is wrong"
  done
  ;;

*)
  fail "unknown case '$case_name'"
  ;;
esac
echo "PASS: layout $case_name"
