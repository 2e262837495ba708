#!/usr/bin/env bash
# Every command of the desktop app's table run by a GUI test, each checked by its effect, under a
# private Xvfb server. Usage: commands_test.sh CASE, with the environment of gui_test.sh (PWPLAY,
# GUI_CHECK, SAMPLES_DIR, SOURCE_DIR, OUT_DIR). Each case plays tests/gui/commands/CASE.json (its
# @SAMPLES_DIR@, @SOURCE_DIR@, @OUT@ and @PORT@ filled in) in one app run. Cases:
#   run       File and Run: show-welcome, open-filter, import-har, save-request, new-request,
#             add-header, compare-runs, show-upstream, show-project, screenshot, clear-history,
#             quit (the steps after it do not run, exit 0)
#   debug     the debug-* verbs on WABT (breakpoints, stepping, abort, quit, history, compare,
#             scenario and trace files, reload, the proxy started and stopped) and the memory
#             view's commands at a pause
#   view      View and Help: inspector tabs, themes, the Result tab, panel toggles, the chain,
#             the module search, a cancelled leak check, break-on-event, memory-copy-hex
#   coverage  every id `pwplay --list-commands` lists ran (ok) in some GUI test's automation log
#             under OUT_DIR (the folders in GUI_LOG_DIRS, colon-separated); fails naming the rest
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
case_name=${1:?usage: commands_test.sh CASE}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "commands-$case_name"

# script CASE [PORT]: tests/gui/commands/CASE.json with its placeholders filled, as CASE.json here.
script() {
  sed -e "s|@SAMPLES_DIR@|$SAMPLES_DIR|g" -e "s|@SOURCE_DIR@|$SOURCE_DIR|g" -e "s|@OUT@|$out|g" \
    -e "s|@PORT@|${2:-0}|g" "$here/commands/$1.json" > "$1.json"
}

# check LOG PYTHON: runs the python checks with `log` (the automation log) and `out` (this folder).
check() {
  python3 - "$1" "$out" "$2" <<'PY'
import json, os, sys
log = json.load(open(sys.argv[1]))
out = sys.argv[2]
ran = {}
for c in log["commands"]:
    ran.setdefault(c["id"], []).append(c)
def ok(command_id):
    """Every run of the command succeeded (and there was one)."""
    runs = ran.get(command_id, [])
    assert runs and all(c["ok"] for c in runs), (command_id, runs)
console = "\n".join(log.get("debugger", {}).get("console", []))
def answered(verb, text):
    """The console shows `(pwplay) VERB...` followed, before the next input, by TEXT."""
    lines = log["debugger"]["console"]
    for i, line in enumerate(lines):
        if line == "(pwplay) " + verb or line.startswith("(pwplay) " + verb + " "):
            after = []
            for later in lines[i + 1:]:
                if later.startswith("(pwplay) "):
                    break
                after.append(later)
            if text in "\n".join(after):
                return
    raise AssertionError(f"no answer containing {text!r} to {verb!r} in the console:\n{console}")
exec(sys.argv[3])
PY
}

need() {
  for name in "$@"; do
    [ -f "$SAMPLES_DIR/$name" ] || fail "$SAMPLES_DIR/$name is missing: build the pwplay_samples target first"
  done
}

case "$case_name" in
run)
  need add_header.wasm
  start_xvfb
  script run
  timeout 120 "$PWPLAY" --automation run.json --automation-log run.log.json > run.out 2>&1
  rc=$?
  cat run.out
  # quit ends the script there, successfully: the send and the screenshot after it never ran.
  [ "$rc" -eq 0 ] || { cat run.log.json 2>/dev/null; fail "the run script exited with $rc"; }
  [ ! -e never.png ] || fail "a step after quit ran (never.png was written)"
  "$GUI_CHECK" png by-command.png 1280 800 || fail "the screenshot command's PNG is wrong"
  check run.log.json '
assert log["ok"] and log["quit"] is True, (log["ok"], log["quit"])
assert log["steps_done"] == log["steps"] - 2, (log["steps_done"], log["steps"])
assert [c["id"] for c in log["commands"]][-1] == "quit", log["commands"][-3:]
for needed in ("show-welcome", "open-filter", "import-har", "save-request", "new-request",
               "add-header", "compare-runs", "show-upstream", "show-project", "screenshot",
               "clear-history", "quit"):
    ok(needed)
assert log["windows"]["seen"][:1] == ["welcome"], log["windows"]
# import-har opened the Project window (its saved requests), show-project closed it.
assert "project" in log["windows"]["seen"] and "project" not in log["windows"]["open"], log["windows"]
assert "compare" in log["windows"]["open"], log["windows"]
# open-filter loaded the filter; clear-history left no run of the two sent.
snapshot = log["snapshot"]
assert snapshot["plugin"]["name"] == "add_header" and snapshot["loads"] == 1, snapshot
assert snapshot["runs"] == 0 and snapshot["runs_finished"] == 2, snapshot
# compare-runs opened its window on runs 1 and 2 (their paths differ).
assert log["comparison"] == {"before": 1, "after": 2, "same": False}, log["comparison"]
assert log["ui"]["result_tab"] == "upstream", log["ui"]["result_tab"]
# import-har: entry 2 (POST /v1/avatar) filled the composer, which save-request wrote; after
# new-request it wrote an empty request.
imported = json.load(open(os.path.join(out, "imported.json")))
assert imported["method"] == "POST" and imported["path"] == "/v1/avatar", imported
fresh = json.load(open(os.path.join(out, "new.json")))
assert fresh["path"] != "/v1/avatar" and fresh.get("body", "") == "", fresh
'
  # add-header: the header reached the upstream, whose echo the HAR export holds.
  "$GUI_CHECK" json sent.har /log/entries/0/request/method=GET /log/entries/0/response/status=200 ||
    { cat sent.har >&2; fail "export-har before clear-history"; }
  python3 - sent.har <<'PY' || { cat sent.har >&2; fail "add-header: x-added did not reach the upstream"; }
import json, sys
entry = json.load(open(sys.argv[1]))["log"]["entries"][0]
sent = {h["name"].lower(): h["value"] for h in entry["request"]["headers"]}
assert sent.get("x-added") == "by-command", entry["request"]["headers"]
echo = json.loads(entry["response"]["content"]["text"])
assert dict(echo["headers"]).get("x-added") == "by-command", echo
PY
  ;;

debug)
  need add_header_wat.wasm
  start_xvfb
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  script debug "$port"
  timeout 120 "$PWPLAY" --automation debug.json --automation-log debug.log.json > debug.out 2>&1 &
  app_pid=$!
  # The script's last part starts the debugger's proxy and waits for a run through it: curl
  # until it answers (refused before), then the script stops the proxy.
  answered=""
  for _ in $(seq 1 300); do
    kill -0 "$app_pid" 2>/dev/null || break
    if curl -s -m 5 -o curl.out "http://127.0.0.1:$port/through-proxy"; then answered=1; break; fi
    sleep 0.2
  done
  rc=0
  wait "$app_pid" || rc=$?
  app_pid=""
  cat debug.out
  [ "$rc" -eq 0 ] || { cat debug.log.json 2>/dev/null; fail "the debug script exited with $rc"; }
  [ -n "$answered" ] || fail "the debugger's proxy never answered on port $port"
  "$GUI_CHECK" json curl.out /path=/through-proxy || { cat curl.out; fail "curl did not get the echo"; }
  for shot in searched next previous followed; do
    "$GUI_CHECK" png "$shot.png" 1280 800 > /dev/null || fail "$shot.png is wrong"
  done
  check debug.log.json '
assert log["ok"], log["error"]
for needed in ("debug-help", "debug-tbreak", "debug-condition", "debug-disable", "debug-enable",
               "debug-toggle-breakpoint", "debug-info", "debug-ignore", "debug-wait", "debug-bt",
               "debug-stepi", "debug-list", "debug-nexti", "debug-continue", "debug-regions",
               "debug-x", "memory-select-region", "memory-copy-text", "memory-search",
               "memory-search-next", "memory-search-previous", "memory-goto",
               "memory-follow-pointer", "debug-next", "debug-abort", "debug-history", "debug-quit",
               "debug-delete", "debug-diff", "debug-compare", "debug-save-scenario",
               "debug-export-trace", "export-trace", "debug-reload", "debug-listen",
               "debug-stop-proxy"):
    ok(needed)
answered("help", "tbreak TARGET [if CONDITION]")
answered("tbreak", "Temporary breakpoint 2: hostcall proxy_get_header_map_value")
answered("condition 2", "if key == :path")
answered("disable 1", "Breakpoint 1 disabled")
answered("enable 1", "Breakpoint 1 enabled")
# debug-toggle-breakpoint switched the enabled breakpoint off (info shows it), then on again.
answered("info breakpoints", "1  disabled callback proxy_on_request_headers")
answered("wait", "Paused (breakpoint 1 (callback proxy_on_request_headers))")
answered("bt", "#0  callback proxy_on_request_headers")
answered("stepi", "at a wasm instruction")
answered("list", "=> 0x")
answered("nexti", "Paused (nexti), at a wasm instruction")
answered("continue", "temporary breakpoint 2")
answered("regions", "value returned for :path")
answered("x 0 16", "00000000  ")
answered("next", "Paused (next), leaving a callback")
answered("abort", "aborted by the user")
answered("history", "1  GET /hello  -> 503  (filter failed)")
answered("quit", "Request 3 finished: 200")
answered("delete 1", "Breakpoint 1 deleted")
answered("diff", "added x-wasm-filter: add-header")
answered("compare 3 4", "same outcome and trace")
answered("reload", "Loaded ")
# ignore 1 1: request 2 passed breakpoint 1 without a pause, request 3 stopped there.
assert "Sending request 2" in console and "Paused" not in console.split("Sending request 2")[1].split("Sending request 3")[0], console
# tbreak: deleted when it stopped; delete 1: no breakpoint left; the proxy stopped at the end,
# after a request from curl went through it; reload made a second build.
debugger = log["debugger"]
assert debugger["breakpoints"] == [] and debugger["proxy_port"] is None, debugger
assert not debugger["paused"] and debugger["state"] == "idle", debugger
snapshot = log["snapshot"]
assert snapshot["plugin"]["build"] == 2 and snapshot["plugin"]["engine"] == "wabt", snapshot["plugin"]
assert snapshot["runs"] == 5 and snapshot["last_run"]["source"] == "proxy", snapshot
assert snapshot["last_run"]["request"]["path"] == "/through-proxy", snapshot["last_run"]
# The memory view: the search hits in order (next moves on, previous comes back), the u32 at
# ret_value (the pause event names its address) followed to the value it points to, and the
# region :path copied as text.
shots = {s["path"].rsplit("/", 1)[1]: s["ui"] for s in log["screenshots"]}
first, second = shots["searched.png"]["memory_cursor"], shots["next.png"]["memory_cursor"]
assert first is not None and second is not None and first != second, shots
assert shots["previous.png"]["memory_cursor"] == first, shots
assert "ret_value=67760," in console, "add_header changed: update the memory-goto of commands/debug.json"
regions = {r["label"]: r for r in log["ui"]["memory"]["regions"]}
assert shots["followed.png"]["memory_cursor"] == regions["value returned for :path"]["address"], shots
assert log["ui"]["clipboard"] == "/hello", log["ui"]["clipboard"]
# The files: the scenario passes pwplay test (below), both traces are Chrome traces.
for name in ("trace.json", "file-trace.json"):
    trace = json.load(open(os.path.join(out, name)))
    assert len(trace["traceEvents"]) > 10, name
'
  "$PWPLAY" test scenario.json > test.out 2>&1 || { cat test.out scenario.json; fail "the saved scenario does not pass"; }
  grep -q "1 passed, 0 failed" test.out || { cat test.out; fail "pwplay test did not run the saved scenario"; }
  ;;

view)
  need add_header.wasm add_header_as.wasm
  start_xvfb
  script view
  timeout 120 "$PWPLAY" --automation view.json --automation-log view.log.json > view.out 2>&1
  rc=$?
  cat view.out
  [ "$rc" -eq 0 ] || { cat view.log.json 2>/dev/null; fail "the view script exited with $rc"; }
  for shot in memory module logs light; do
    "$GUI_CHECK" png "$shot.png" 1280 800 > /dev/null || fail "$shot.png is wrong"
  done
  check view.log.json '
assert log["ok"], log["error"]
for needed in ("show-inspector-memory", "show-inspector-module", "show-inspector-logs",
               "theme-light", "theme-dark", "show-logs", "memory-select-region",
               "memory-copy-hex", "break-on-event", "show-module", "module-search",
               "module-search-next", "perf-leak-check", "perf-leak-cancel", "chain-add",
               "chain-enable", "chain-remove", "toggle-filter-panel", "toggle-request-panel",
               "toggle-result-panel", "toggle-timeline-panel", "toggle-trace-panel",
               "toggle-status-bar"):
    ok(needed)
shots = {s["path"].rsplit("/", 1)[1]: s["ui"] for s in log["screenshots"]}
assert shots["memory.png"]["inspector_tab"] == "Memory", shots["memory.png"]
assert shots["module.png"]["inspector_tab"] == "Module", shots["module.png"]
assert shots["logs.png"]["inspector_tab"] == "Logs", shots["logs.png"]
assert shots["light.png"]["theme"] == "light" and shots["logs.png"]["theme"] == "dark", shots
ui = log["ui"]
assert ui["theme"] == "dark" and ui["result_tab"] == "logs", ui
# Every panel toggled off; the inspector (toggle-trace-panel) is closed, so no tab is drawn.
assert set(ui["panels"]) >= {"Filter", "Request", "Result", "Timeline", "Trace", "Status bar"}, ui["panels"]
assert not any(ui["panels"].values()) and ui["inspector_tab"] is None, ui
# memory-copy-hex: the first region of the selected copy (the key :method) as hex.
region = ui["memory"]["regions"][0]
assert region["label"] == "key :method", ui["memory"]["regions"]
assert ui["clipboard"] == " ".join("%02x" % b for b in b":method"), ui["clipboard"]
# break-on-event: a breakpoint on the selected callback event.
texts = [b["text"] for b in log["debugger"]["breakpoints"]]
assert len(texts) == 1 and texts[0].startswith("callback proxy_on_"), texts
# module-search-next: from the first hit to the second.
module = log["module"]
assert module["search"] == "call $" and module["search_hits"] > 2, module
assert module["current_hit"]["index"] == 1, module["current_hit"]
# chain-enable 2 off: the send loaded and ran add_header alone (two would add two headers);
# chain-remove 2: one filter left.
chain = log["chain"]
assert chain["loaded"] == ["add_header"], chain
assert [k for k, _ in chain["upstream_headers"]].count("x-wasm-filter") == 1, chain
assert [f["wasm_path"].rsplit("/", 1)[1] for f in chain["filters"]] == ["add_header.wasm"], chain
# perf-leak-cancel: the check of a million requests stopped early.
leak = log["performance"]["leak_check"]
assert leak["cancelled"] and not leak["running"] and leak["done"] < leak["total"], leak
'
  ;;

coverage)
  command -v Xvfb >/dev/null 2>&1 || { echo "SKIP: Xvfb is not installed, so no GUI test ran"; exit 77; }
  : "${GUI_LOG_DIRS:?folders of the GUI tests under OUT_DIR, colon-separated}"
  # The table, without a display.
  env -u DISPLAY -u WAYLAND_DISPLAY "$PWPLAY" --list-commands=json > table.json 2> table.err ||
    { cat table.err; fail "pwplay --list-commands=json failed"; }
  # The text form: the same ids in the same order, five tab-separated fields a line; another
  # format is a usage error.
  env -u DISPLAY -u WAYLAND_DISPLAY "$PWPLAY" --list-commands > table.txt 2> table.err ||
    { cat table.err; fail "pwplay --list-commands failed"; }
  python3 - table.json table.txt <<'PY' || fail "--list-commands and --list-commands=json differ"
import json, sys
ids = [c["id"] for c in json.load(open(sys.argv[1]))["commands"]]
lines = open(sys.argv[2]).read().splitlines()
assert [line.split("\t")[0] for line in lines] == ids, lines[:5]
assert all(line.count("\t") == 4 for line in lines), [l for l in lines if l.count("\t") != 4]
assert "send\tRun\tCtrl+Enter\tSend request\t" in lines, lines
PY
  env -u DISPLAY "$PWPLAY" --list-commands=xml > bad.txt 2>&1
  rc=$?
  [ "$rc" -eq 2 ] && grep -q "expected text or json" bad.txt || { cat bad.txt; fail "--list-commands=xml exited with $rc"; }
  python3 - table.json "$OUT_DIR" "$GUI_LOG_DIRS" <<'PY' || fail "commands that no GUI test runs (above)"
import json, os, sys
table = [c["id"] for c in json.load(open(sys.argv[1]))["commands"]]
assert len(table) > 50, f"only {len(table)} commands listed"
ran, logs = set(), 0
for folder in sys.argv[3].split(":"):
    for root, _, files in os.walk(os.path.join(sys.argv[2], folder)):
        for name in files:
            if not name.endswith(".json"):
                continue
            try:
                log = json.load(open(os.path.join(root, name)))
            except (ValueError, UnicodeDecodeError):
                continue
            # An automation log: its commands, each with an id and whether it ran.
            if not isinstance(log, dict) or "snapshot" not in log or not isinstance(log.get("commands"), list):
                continue
            logs += 1
            ran.update(c["id"] for c in log["commands"] if c.get("ok") is True)
missing = [command for command in table if command not in ran]
print(f"{len(table)} commands, {logs} automation logs, {len(table) - len(missing)} commands run")
if missing:
    print("never run (ok) by a GUI test: " + " ".join(missing), file=sys.stderr)
    sys.exit(1)
PY
  ;;

*)
  fail "unknown case '$case_name'"
  ;;
esac
echo "PASS: commands $case_name"
