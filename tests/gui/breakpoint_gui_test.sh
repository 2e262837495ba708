#!/usr/bin/env bash
# Instruction breakpoints set by clicking code lines, with real input (xdotool) under a private
# Xvfb server at 1600x1000: gui.code_breakpoint. Same environment as gui_test.sh (PWPLAY,
# GUI_CHECK, SAMPLES_DIR, SOURCE_DIR, OUT_DIR).
#   1. An automation run on add_header_wat (WABT) logs where the Module tab's listing and, at a
#      pause, the debug view's code draw their lines (ui.module_lines, ui.code_lines).
#   2. The same app with real input: a click on the listing's line 0x18c sets breakpoint 1 (a
#      dot on the line), Ctrl+D pauses there (the debug layout), a click on the code view's line
#      0x196 sets breakpoint 2, F5 continues to it, F11 steps one instruction (0x197), F10 steps
#      to the next ABI event (the callback's exit). Each stage's screenshot carries the
#      debugger's state, which must match.
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "code_breakpoint"

wasm="$SAMPLES_DIR/add_header_wat.wasm"
request="$SOURCE_DIR/samples/requests/get.json"
[ -f "$wasm" ] || fail "$wasm is missing: build pwplay_samples"
command -v xdotool >/dev/null 2>&1 || fail "xdotool is not installed (scripts/deps installs it)"
start_xvfb

# The Module tab with proxy_on_request_headers' code, as both runs begin.
opening='{"wait": "engine"}, {"run": "show-inspector", "arg": "module"}, {"wait": "engine"},
    {"run": "module-function", "arg": "proxy_on_request_headers"},
    {"frames": 10}'

# 1. Where the lines are drawn.
cat > where.json <<JSON
{"window": {"width": 1600, "height": 1000}, "log": "where.log.json", "steps": [
    $opening,
    {"screenshot": "where-module.png"},
    {"run": "toggle-code-breakpoint", "arg": "0x18c"},
    "debug-send",
    {"wait": "engine"},
    {"screenshot": "where-paused.png"}
]}
JSON
"$PWPLAY" "$wasm" --engine wabt --request "$request" --automation where.json > where.out 2>&1 ||
  { cat where.out where.log.json; fail "the first run exited with $?"; }
python3 - where.log.json > lines.txt <<'PY' || { cat where.log.json >&2; fail "the lines are not in the log"; }
import json, sys
log = json.load(open(sys.argv[1]))
module, paused = log["screenshots"]
def centre(lines, offset):
    line = next(l for l in lines if l["offset"] == offset)
    return f'{int(line["x"] + min(line["width"], 200) / 2)} {int(line["y"] + line["height"] / 2)}'
assert paused["debugger"]["pause"]["wasm"]["offset"] == 0x18c, paused["debugger"]
print("module", centre(module["ui"]["module_lines"], 0x18c))
print("code", centre(paused["ui"]["code_lines"], 0x196))
PY
read -r _ module_x module_y < <(grep '^module ' lines.txt)
read -r _ code_x code_y < <(grep '^code ' lines.txt)
echo "listing line 0x18c at $module_x,$module_y; code line 0x196 at $code_x,$code_y"

# 2. Real input. Each wait lets the script go on once the user's action ran.
cat > clicks.json <<JSON
{"window": {"width": 1600, "height": 1000}, "log": "clicks.log.json", "timeout_ms": 60000, "steps": [
    $opening,
    {"screenshot": "ready.png"},
    {"wait": "command", "id": "toggle-code-breakpoint"},
    {"screenshot": "marked.png"},
    {"wait": "command", "id": "debug-send"},
    {"wait": "engine"},
    {"screenshot": "paused-1.png"},
    {"wait": "command", "id": "toggle-code-breakpoint", "count": 2},
    {"screenshot": "marked-2.png"},
    {"wait": "command", "id": "debug-continue"},
    {"wait": "engine"},
    {"screenshot": "paused-2.png"},
    {"wait": "command", "id": "debug-stepi"},
    {"wait": "engine"},
    {"screenshot": "stepped.png"},
    {"wait": "command", "id": "debug-step"},
    {"wait": "engine"},
    {"screenshot": "abi-step.png"}
]}
JSON
start_app ready.png "$PWPLAY" "$wasm" --engine wabt --request "$request" --automation clicks.json
until_shot marked.png click "$module_x" "$module_y"
until_shot paused-1.png key ctrl+d
until_shot marked-2.png click "$code_x" "$code_y"
until_shot paused-2.png key F5
until_shot stepped.png key F11
until_shot abi-step.png key F10
end_app clicks.log.json

python3 - clicks.log.json <<'PY' || { cat clicks.log.json >&2; fail "the breakpoints set by clicks did not act as expected"; }
import json, sys
log = json.load(open(sys.argv[1]))
shots = {s["path"]: s for s in log["screenshots"]}
def debugger(name): return shots[name]["debugger"]
def line(name, key, offset):
    return next(l for l in shots[name]["ui"][key] if l["offset"] == offset)

# The click on the listing set breakpoint 1, and the line shows it.
assert [(b["kind"], b["target"]) for b in debugger("marked.png")["breakpoints"]] == [("instruction", "0x18c")]
assert line("marked.png", "module_lines", 0x18c)["breakpoint"] == "enabled"
# Ctrl+D paused there, in the debug layout.
pause = debugger("paused-1.png")["pause"]
assert pause["breakpoint"] == 1 and pause["wasm"]["offset"] == 0x18c, pause
assert pause["reason"] == "breakpoint 1 (instruction 0x18c)", pause
assert shots["paused-1.png"]["ui"]["layout"] == "debug"
current = line("paused-1.png", "code_lines", 0x18c)
assert current["current"] and current["breakpoint"] == "enabled", current
# The click on the code view's line set breakpoint 2; F5 ran to it (the host call between ran).
assert [b["target"] for b in debugger("marked-2.png")["breakpoints"]] == ["0x18c", "0x196"]
assert line("marked-2.png", "code_lines", 0x196)["breakpoint"] == "enabled"
pause = debugger("paused-2.png")["pause"]
assert pause["breakpoint"] == 2 and pause["wasm"]["offset"] == 0x196, pause
# F11: one instruction; F10: the next ABI event, the callback's exit.
pause = debugger("stepped.png")["pause"]
assert pause["reason"] == "stepi" and pause["wasm"]["offset"] == 0x197, pause
pause = debugger("abi-step.png")["pause"]
assert pause["reason"] == "step" and pause["wasm"] is None, pause
assert pause["where"] == "leaving a callback" and pause["event"] == "proxy_on_request_headers", pause
# Every action came from real input.
sources = {c["id"]: c["source"] for c in log["commands"]}
assert sources["toggle-code-breakpoint"] == "button", sources
for command in ("debug-send", "debug-continue", "debug-stepi", "debug-step"):
    assert sources[command] == "shortcut", (command, sources)
hits = {b["target"]: b["hits"] for b in log["debugger"]["breakpoints"]}
assert hits == {"0x18c": 1, "0x196": 1}, hits
print("breakpoints from clicks: listing 0x18c, code 0x196; F5, F11, F10 stepped as expected")
PY
for png in marked.png paused-1.png abi-step.png; do
  "$GUI_CHECK" png "$png" 1600 1000 || fail "$png is blank or the wrong size"
done
echo "PASS"
