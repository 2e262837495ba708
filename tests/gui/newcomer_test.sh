#!/usr/bin/env bash
# The newcomer's path, with real input (xdotool) under a private Xvfb server at 1600x1000:
# gui.newcomer. `pwplay` with no filter opens add_header with its request; the status bar's hint
# is all the user knows. Same environment as gui_test.sh (PWPLAY, GUI_CHECK, SAMPLES_DIR,
# SOURCE_DIR, OUT_DIR).
#   1. An automation run sends once and logs where the trace table drew its rows
#      (ui.trace_rows), so that the second run knows where to click.
#   2. The same first run with real input: Ctrl+Enter sends; a click on the trace's first
#      proxy_get_header_map_value row and F9 set a breakpoint there; Ctrl+D debugs the request and
#      pauses at it, in the debug layout, the host call's copies highlighted in the memory view;
#      F10 steps to the next ABI event.
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "newcomer"

[ -f "$SAMPLES_DIR/add_header.wasm" ] || fail "$SAMPLES_DIR/add_header.wasm is missing: build pwplay_samples"
command -v xdotool >/dev/null 2>&1 || fail "xdotool is not installed (scripts/deps installs it)"
start_xvfb

# 1. Where the rows are after one send.
cat > where.json <<JSON
{"window": {"width": 1600, "height": 1000}, "log": "where.log.json", "timeout_ms": 60000, "steps": [
    {"wait": "engine"}, "send", {"wait": "runs", "count": 1}, {"frames": 5},
    {"screenshot": "where.png"}
]}
JSON
"$PWPLAY" --first-run --automation where.json > where.out 2>&1 ||
  { cat where.out where.log.json; fail "the first run exited with $?"; }
row=$(python3 - where.log.json <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
rows = log["screenshots"][0]["ui"]["trace_rows"]
row = next(r for r in rows if r["kind"] == "hostcall" and r["name"] == "proxy_get_header_map_value")
# The Seq column: left of any text a click could hit as something else.
print(int(row["x"] + 20), int(row["y"] + row["height"] / 2), row["seq"])
PY
) || { cat where.log.json >&2; fail "no proxy_get_header_map_value row in ui.trace_rows"; }
read -r row_x row_y row_seq <<< "$row"
echo "proxy_get_header_map_value (event $row_seq) at $row_x,$row_y"

# 2. Real input. Each wait lets the script go on once the user's action ran.
cat > clicks.json <<JSON
{"window": {"width": 1600, "height": 1000}, "log": "clicks.log.json", "timeout_ms": 60000, "steps": [
    {"wait": "engine"},
    {"screenshot": "ready.png"},
    {"wait": "command", "id": "send"},
    {"wait": "runs", "count": 1},
    {"frames": 5},
    {"screenshot": "sent.png"},
    {"wait": "command", "id": "break-on-event"},
    {"screenshot": "armed.png"},
    {"wait": "command", "id": "debug-send"},
    {"wait": "engine"},
    {"frames": 3},
    {"screenshot": "paused.png"},
    {"wait": "command", "id": "debug-step"},
    {"wait": "engine"},
    {"frames": 3},
    {"screenshot": "stepped.png"}
]}
JSON
# A click on a selected row unselects it: a lost F9 costs an extra attempt, never a wrong result.
select_and_break() {
  click "$row_x" "$row_y"
  sleep 0.5
  key F9
}
start_app ready.png "$PWPLAY" --first-run --automation clicks.json
until_shot sent.png key ctrl+Return
until_shot armed.png select_and_break
until_shot paused.png key ctrl+d
until_shot stepped.png key F10
end_app clicks.log.json

python3 - clicks.log.json <<'PY' || { cat clicks.log.json >&2; fail "the newcomer's path did not go as expected"; }
import json, sys
log = json.load(open(sys.argv[1]))
shots = {s["path"]: s for s in log["screenshots"]}
# The first run opened add_header with its request, and Ctrl+Enter sent it.
assert log["commands"][0]["id"] == "open-sample" and log["commands"][0]["ok"], log["commands"][0]
sources = {c["id"]: c["source"] for c in log["commands"] if c["ok"]}
for command in ("send", "break-on-event", "debug-send", "debug-step"):
    assert sources.get(command) == "shortcut", (command, sources)
# F9 on the clicked row: a breakpoint on that host call.
bps = shots["armed.png"]["debugger"]["breakpoints"]
assert [(b["kind"], b["target"]) for b in bps] == [("hostcall", "proxy_get_header_map_value")], bps
# Ctrl+D: paused at it, in the debug layout, its copies highlighted in the memory view.
paused = shots["paused.png"]
pause = paused["debugger"]["pause"]
assert pause["breakpoint"] == 1 and pause["event"] == "proxy_get_header_map_value", pause
assert paused["ui"]["layout"] == "debug", paused["ui"]["layout"]
regions = paused["ui"]["memory"]["regions"]
labels = [r["label"] for r in regions]
assert any(":method" in l for l in labels), labels
assert paused["ui"]["memory_cursor"] == regions[0]["address"], (paused["ui"]["memory_cursor"], regions)
# F10: the next ABI event, add_header's second lookup (:path), still paused in the debugger (a
# step that lands on a breakpoint names it, as gdb does).
stepped = shots["stepped.png"]["debugger"]["pause"]
assert stepped["id"] > pause["id"] and stepped["event"] == "proxy_get_header_map_value", stepped
labels_after = [r["label"] for r in shots["stepped.png"]["ui"]["memory"]["regions"]]
assert any(":path" in l for l in labels_after), labels_after
print("newcomer: sent, broke on", pause["event"], "with regions", labels, "; F10 to", labels_after)
PY
for png in sent.png paused.png stepped.png; do
  "$GUI_CHECK" png "$png" 1600 1000 || fail "$png is blank or the wrong size"
done
echo "PASS"
