#!/usr/bin/env bash
# The Module tab and the filter chain in the desktop app, under a private Xvfb server.
# Usage: module_gui_test.sh CASE, with the environment of gui_test.sh (PWPLAY, GUI_CHECK,
# SAMPLES_DIR, SOURCE_DIR, OUT_DIR). Cases:
#   module  loads add_header.wasm, opens the Module tab, picks a function and searches the code:
#           the automation log's "module" names the function and counts the hits; a screenshot
#   chain   builds a chain of add_header.wasm (configured "first") and add_header_as.wasm with
#           chain-add, sends: both filters' headers reached the upstream, in chain order, and
#           last_run.changes attributes each to its filter; then moves the second up, sends
#           again, and the order (and attribution) follows; a screenshot
#   upstream  the composer's upstream set to a local HTTP server (set-field request.upstream):
#           a Send reaches it through add_header and its answer comes back through the filter;
#           then a port nobody listens on: 503 and last_run.upstream_error say why
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
case_name=${1:?usage: module_gui_test.sh CASE}
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "$case_name"

for name in add_header.wasm add_header_as.wasm; do
  [ -f "$SAMPLES_DIR/$name" ] || fail "$SAMPLES_DIR/$name is missing: build the pwplay_samples target first"
done
start_xvfb

case "$case_name" in
module)
  cat > script.json <<JSON
{
  "window": {"width": 1600, "height": 1000},
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"wait": "engine"},
    "show-module",
    {"wait": "engine"},
    {"run": "module-function", "arg": "proxy_on_request_headers"},
    {"run": "module-search", "arg": "call \$"},
    {"frames": 3},
    {"screenshot": "$out/module.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1
  rc=$?
  cat app.out
  [ "$rc" -eq 0 ] || { cat log.json 2>/dev/null; fail "pwplay --automation exited with $rc"; }
  "$GUI_CHECK" png module.png 1600 1000 || fail "the Module screenshot is wrong"
  python3 - "$out/log.json" <<'PY' || { cat log.json >&2; fail "the automation log's module"; }
import json, sys
log = json.load(open(sys.argv[1]))
assert log["ok"], log["error"]
m = log["module"]
assert m is not None, "no module in the log"
assert m["abi_version"] == "0.2.1", m
assert m["non_abi_imports"] == [], m
assert m["name_section"] is True, m
assert m["function"] == "proxy_on_request_headers", m
assert m["search"] == "call $", m
assert m["search_hits"] > 1, m
# The search starts at the selected function: its first call is the current hit.
assert "call $" in m["current_hit"]["text"], m
assert m["current_hit"]["text"].startswith("0x"), m
ids = [c["id"] for c in log["commands"] if c["ok"]]
for needed in ("show-module", "module-function", "module-search"):
    assert needed in ids, (needed, log["commands"])
PY
  ;;

chain)
  cat > script.json <<JSON
{
  "window": {"width": 1600, "height": 1000},
  "steps": [
    {"run": "chain-add", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "set-field", "arg": "filter.config=first"},
    {"run": "chain-add", "arg": "$SAMPLES_DIR/add_header_as.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    "send",
    {"wait": "runs", "count": 1},
    {"run": "select-event", "arg": "hostcall"},
    {"frames": 3},
    {"screenshot": "$out/chain.png"}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1
  rc=$?
  cat app.out
  [ "$rc" -eq 0 ] || { cat log.json 2>/dev/null; fail "pwplay --automation exited with $rc"; }
  "$GUI_CHECK" png chain.png 1600 1000 || fail "the chain screenshot is wrong"
  python3 - "$out/log.json" first add-header <<'PY' || { cat log.json >&2; fail "the chain's headers"; }
import json, sys
log = json.load(open(sys.argv[1]))
assert log["ok"], log["error"]
chain = log["chain"]
assert chain["loaded"] == ["add_header", "add_header_as"], chain
assert [f["enabled"] for f in chain["filters"]] == [True, True], chain
values = [v for k, v in chain["upstream_headers"] if k == "x-wasm-filter"]
assert values == sys.argv[2:], values
assert log["snapshot"]["last_run"]["status"] == 200, log["snapshot"]["last_run"]
# Which filter did what: each added header names its filter (responses run the chain backwards).
changes = log["snapshot"]["last_run"]["changes"]
added = [(c["value"], c["filter"]) for c in changes
         if c["message"] == "request" and c["header"] == "x-wasm-filter" and c["change"] == "added"]
assert added == [("first", "add_header"), ("add-header", "add_header_as")], changes
back = [c["filter"] for c in changes
        if c["message"] == "response" and c["header"] == "x-wasm-response" and c["change"] == "added"]
assert back == ["add_header_as", "add_header"], changes
PY
  # Moved up, the second filter runs first; switched off, it does not run.
  cat > moved.json <<JSON
{
  "steps": [
    {"run": "chain-add", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "set-field", "arg": "filter.config=first"},
    {"run": "chain-add", "arg": "$SAMPLES_DIR/add_header_as.wasm"},
    {"run": "chain-move", "arg": "2 up"},
    "send",
    {"wait": "runs", "count": 1}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation moved.json --automation-log moved-log.json > moved.out 2>&1 ||
    { cat moved.out moved-log.json; fail "the moved chain's run"; }
  python3 - "$out/moved-log.json" add-header first <<'PY' || { cat moved-log.json >&2; fail "the moved chain's order"; }
import json, sys
log = json.load(open(sys.argv[1]))
assert log["chain"]["loaded"] == ["add_header_as", "add_header"], log["chain"]
values = [v for k, v in log["chain"]["upstream_headers"] if k == "x-wasm-filter"]
assert values == sys.argv[2:], values
added = [(c["value"], c["filter"]) for c in log["snapshot"]["last_run"]["changes"]
         if c["message"] == "request" and c["header"] == "x-wasm-filter"]
assert added == [("add-header", "add_header_as"), ("first", "add_header")], added
PY
  ;;

upstream)
  # A local HTTP server on a free port: it answers 200 with X-Real and echoes what it received
  # in X-Saw-Filter (the header the filter added), so the log shows both directions.
  cat > server.py <<'PY'
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"real upstream saw " + self.path.encode()
        self.send_response(200)
        self.send_header("X-Real", "yes")
        self.send_header("X-Saw-Filter", self.headers.get("x-wasm-filter", "none"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
  python3 server.py "$out/port" &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; cleanup' EXIT
  for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
  [ -s port ] || fail "the local upstream did not start"
  port=$(cat port)
  # A port nobody listens on: bound by the kernel's choice, then released.
  refused=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > script.json <<JSON
{
  "window": {"width": 1600, "height": 1000},
  "steps": [
    {"run": "load", "arg": "$SAMPLES_DIR/add_header.wasm"},
    {"run": "open-request", "arg": "$SOURCE_DIR/samples/requests/get.json"},
    {"run": "set-field", "arg": "request.upstream=127.0.0.1:$port"},
    "send",
    {"wait": "runs", "count": 1}
  ]
}
JSON
  timeout 120 "$PWPLAY" --automation script.json --automation-log log.json > app.out 2>&1
  rc=$?
  cat app.out
  [ "$rc" -eq 0 ] || { cat log.json 2>/dev/null; fail "pwplay --automation exited with $rc"; }
  python3 - "$out/log.json" <<'PY' || { cat log.json >&2; fail "the real upstream's answer"; }
import json, sys
log = json.load(open(sys.argv[1]))
assert log["ok"], log["error"]
run = log["snapshot"]["last_run"]
assert run["status"] == 200, run
assert run["upstream_error"] is None, run
headers = run["response"]["headers"]
assert headers.get("x-real") == "yes", headers
assert headers.get("x-saw-filter") == "add-header", headers
assert headers.get("x-wasm-response") == "add-header", headers
PY
  # Nobody listens there: the client gets a 503 that says why.
  sed "s/127.0.0.1:$port/127.0.0.1:$refused/" script.json > refused.json
  timeout 120 "$PWPLAY" --automation refused.json --automation-log refused-log.json > refused.out 2>&1 ||
    { cat refused.out refused-log.json; fail "the refused run"; }
  python3 - "$out/refused-log.json" "127.0.0.1:$refused" <<'PY' || { cat refused-log.json >&2; fail "the refused upstream"; }
import json, sys
run = json.load(open(sys.argv[1]))["snapshot"]["last_run"]
assert run["status"] == 503, run
assert run["upstream_error"] == "upstream " + sys.argv[2] + ": connection refused", run
PY
  ;;

*)
  fail "unknown case '$case_name'"
  ;;
esac
echo "PASS: $case_name"
