#!/usr/bin/env bash
# gui.docs_images: scripts/docs-images remakes every screenshot of the docs under a private Xvfb
# server (into the test's folder, not the source tree); each must have the window's size and not
# be blank, and every docs/images/*.png that README.md or docs/*.md shows must be one the script
# makes (so no picture in the docs is left that nothing can remake). Same environment as
# gui_test.sh. Exits 77 (skipped) only when Xvfb is not installed.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/gui_lib.sh"
begin_test "docs_images"
start_xvfb

build_dir=$(dirname "$(dirname "$PWPLAY")")
mkdir -p logs
DOCS_IMAGES_LOGS="$out/logs" BUILD_DIR="$build_dir" bash "$SOURCE_DIR/scripts/docs-images" "$out/images" > made.txt 2> made.err ||
  { cat made.txt made.err; fail "scripts/docs-images failed"; }
cat made.txt
made=0
while read -r png; do
  "$GUI_CHECK" png "$png" 1600 1000 || fail "$(basename "$png") is blank or not 1600x1000"
  made=$((made + 1))
done < made.txt
[ "$made" -ge 8 ] || fail "expected at least 8 pictures, the script made $made"

# Every picture the docs show is one the script makes.
shown=$(grep -ohE 'images/[a-z0-9-]+\.png' "$SOURCE_DIR/README.md" "$SOURCE_DIR"/docs/*.md | sort -u)
for image in $shown; do
  [ -s "$out/$image" ] || fail "the docs show $image, which scripts/docs-images does not make"
done
# The filters the pictures show are named by relative paths (no build machine's folders).
python3 - logs/*.log.json <<'PY' || fail "a picture shows an absolute filter path"
import json, sys
for name in sys.argv[1:]:
    plugin = json.load(open(name))["snapshot"]["plugin"]
    assert plugin is None or not plugin["wasm_path"].startswith("/"), (name, plugin["wasm_path"])
PY
echo "PASS: $made pictures"
