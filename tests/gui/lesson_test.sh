#!/usr/bin/env bash
# The guided lessons under a private Xvfb server at 1600x1000. Same environment as gui_test.sh
# (PWPLAY, GUI_CHECK, SAMPLES_DIR, SOURCE_DIR, OUT_DIR).
#   lesson_test.sh ID   gui.lesson_ID: `pwplay --lesson ID --automation-check --screenshot`
#                       runs every step and must exit 0; the log must show every step's check
#                       held and every command the lesson ran succeed; the PNG must not be blank.
#   lesson_test.sh learn   gui.learn: the Learn panel with real input (xdotool). Run step clicked
#                       for step 1, Next clicked, step 2 done by hand (Ctrl+Enter) and noticed
#                       by the panel, Back clicked, "< All lessons" clicked and lesson 2 clicked in
#                       the list; the panel closed and opened again (toggle-learn-panel).
# Exits 77 (skipped) only when Xvfb is not installed.
set -u
case_name="${1:?usage: lesson_test.sh ID|learn}"
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "lesson-$case_name"
lessons="$SOURCE_DIR/assets/lessons"
[ -f "$SAMPLES_DIR/hello.wasm" ] || fail "$SAMPLES_DIR/hello.wasm is missing: build pwplay_samples"
start_xvfb
app=("$PWPLAY" --samples-dir "$SAMPLES_DIR" --lessons-dir "$lessons")

if [ "$case_name" != "learn" ]; then
  "${app[@]}" --lesson "$case_name" --automation-check --screenshot "$case_name.png" \
    --automation-log log.json > run.out 2>&1
  rc=$?
  cat run.out
  [ "$rc" -eq 0 ] || fail "lesson $case_name: exit $rc (the line above names the step that failed)"
  python3 - log.json "$lessons/$case_name.json" "$case_name" <<'PY' || fail "lesson $case_name: the log does not show every step done"
import json, sys
log, lesson, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert log["ok"], log["error"]
progress = log["lesson"]["progress"][name]
assert progress == {"done": len(lesson["steps"]), "steps": len(lesson["steps"])}, progress
ran = [c for c in log["commands"] if c["source"] == "lesson"]
expected = sum(1 for step in lesson["steps"] for c in step.get("commands", [])
               if not (isinstance(c, dict) and "wait_ms" in c))
assert len(ran) == expected, (len(ran), expected)
failed = [c for c in ran if not c["ok"]]
assert not failed, failed
checks = [c for c in log["commands"] if c["id"] == "lesson-run-step"]
assert len(checks) == len(lesson["steps"]), checks
print(f"lesson {name}: {len(lesson['steps'])} steps, {len(ran)} commands, every check held")
PY
  "$GUI_CHECK" png "$case_name.png" 1600 1000 || fail "$case_name.png is blank or the wrong size"
  echo "PASS"
  exit 0
fi

# gui.learn: where the panel's buttons are, from a first run at the same size.
cat > where.json <<'JSON'
{"window": {"width": 1600, "height": 1000}, "log": "where.log.json", "steps": [
    {"wait": "engine"}, {"frames": 10}, {"screenshot": "where.png"}
]}
JSON
"${app[@]}" --lesson 01-request-life --automation where.json > where.out 2>&1 ||
  { cat where.out; fail "the first run exited with $?"; }
python3 - where.log.json > buttons.txt <<'PY' || { cat where.log.json >&2; fail "the Learn panel's buttons are not in the log"; }
import json, sys
learn = json.load(open(sys.argv[1]))["screenshots"][0]["ui"]["learn"]
assert learn["open"], learn
for key in ("run", "next", "back", "list"):
    b = learn["buttons"][key]
    print(key, int(b["x"] + b["width"] / 2), int(b["y"] + b["height"] / 2))
PY
# And where the list's rows are (the panel opened without a lesson).
cat > where-list.json <<'JSON'
{"window": {"width": 1600, "height": 1000}, "log": "where-list.log.json", "steps": [
    {"wait": "engine"}, "open-lesson", {"frames": 10}, {"screenshot": "where-list.png"}
]}
JSON
"${app[@]}" --automation where-list.json > where-list.out 2>&1 ||
  { cat where-list.out; fail "the list run exited with $?"; }
python3 - where-list.log.json >> buttons.txt <<'PY' || { cat where-list.log.json >&2; fail "the lessons list is not in the log"; }
import json, sys
b = json.load(open(sys.argv[1]))["screenshots"][0]["ui"]["learn"]["buttons"]["lesson-02-header-maps"]
print("lesson2", int(b["x"] + 40), int(b["y"] + b["height"] / 2))
PY
read -r _ run_x run_y < <(grep '^run ' buttons.txt)
read -r _ lesson2_x lesson2_y < <(grep '^lesson2 ' buttons.txt)
read -r _ next_x next_y < <(grep '^next ' buttons.txt)
read -r _ back_x back_y < <(grep '^back ' buttons.txt)
read -r _ list_x list_y < <(grep '^list ' buttons.txt)
echo "Run step at $run_x,$run_y; Next at $next_x,$next_y; Back at $back_x,$back_y"

cat > clicks.json <<'JSON'
{"window": {"width": 1600, "height": 1000}, "log": "clicks.log.json", "timeout_ms": 60000, "steps": [
    {"wait": "engine"}, {"frames": 10},
    {"screenshot": "ready.png"},
    {"wait": "command", "id": "lesson-run-step"},
    {"wait": "lesson"},
    {"frames": 30},
    {"screenshot": "step1.png"},
    {"wait": "command", "id": "lesson-next"},
    {"screenshot": "step2.png"},
    {"wait": "command", "id": "send"},
    {"wait": "engine"},
    {"wait": "time", "ms": 1500},
    {"screenshot": "step2-by-hand.png"},
    {"wait": "command", "id": "lesson-back"},
    {"screenshot": "back.png"},
    {"wait": "command", "id": "open-lesson", "count": 2},
    {"screenshot": "list.png"},
    {"wait": "command", "id": "open-lesson", "count": 3},
    {"screenshot": "lesson2.png"},
    "toggle-learn-panel",
    {"screenshot": "closed.png"},
    "toggle-learn-panel",
    {"screenshot": "reopened.png"}
]}
JSON
start_app ready.png "${app[@]}" --lesson 01-request-life --automation clicks.json
until_shot step1.png click "$run_x" "$run_y"
until_shot step2.png click "$next_x" "$next_y"
until_shot step2-by-hand.png key ctrl+Return
until_shot back.png click "$back_x" "$back_y"
until_shot list.png click "$list_x" "$list_y"
until_shot lesson2.png click "$lesson2_x" "$lesson2_y"
end_app clicks.log.json
python3 - clicks.log.json <<'PY' || { cat clicks.log.json >&2; fail "the Learn panel did not act as expected"; }
import json, sys
log = json.load(open(sys.argv[1]))
sources = {}
for c in log["commands"]:
    assert c["ok"], c
    sources.setdefault(c["id"], set()).add(c["source"])
# The buttons ran their commands; Run step ran the step's command; Ctrl+Enter was the user's.
for command in ("lesson-run-step", "lesson-next", "lesson-back"):
    assert sources[command] == {"button"}, (command, sources)
# open-lesson: at start (--lesson), then "< All lessons" and the list's row for lesson 2.
opened = [(c["source"], c.get("arg", "")) for c in log["commands"] if c["id"] == "open-lesson"]
assert opened == [("startup", "01-request-life"), ("button", ""), ("button", "02-header-maps")], opened
assert "lesson" in sources["open-sample"], sources
assert "shortcut" in sources["send"], sources
shots = {s["path"]: s for s in log["screenshots"]}
assert shots["ready.png"]["ui"]["learn"]["open"], shots["ready.png"]["ui"]["learn"]
# The list: a row per lesson; then lesson 2 from its row; the panel closed and open again
# keeps it.
learn = shots["list.png"]["ui"]["learn"]
assert learn["open"] and "lesson-01-request-life" in learn["buttons"], learn
assert "run" in shots["lesson2.png"]["ui"]["learn"]["buttons"], shots["lesson2.png"]["ui"]
assert not shots["closed.png"]["ui"]["learn"]["open"]
assert shots["reopened.png"]["ui"]["learn"]["open"]
assert log["lesson"]["id"] == "02-header-maps" and log["lesson"]["step"] == 1, log["lesson"]
# Step 1 by the button and step 2 by hand: both noticed as done.
assert log["lesson"]["progress"]["01-request-life"]["done"] == 2, log["lesson"]
assert log["snapshot"]["plugin"]["name"] == "hello", log["snapshot"]["plugin"]
print("Learn panel: Run step, Next, a step done by hand, Back, the list, lesson 2 from its row, "
      "closed and reopened")
PY
for png in step1.png step2-by-hand.png list.png lesson2.png; do
  "$GUI_CHECK" png "$png" 1600 1000 || fail "$png is blank or the wrong size"
done
echo "PASS"
