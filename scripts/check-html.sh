#!/usr/bin/env bash
# Renders the reference case as HTML, checks it is self-contained (no script, no asset from the
# network), opens it in headless Chromium and checks the screenshot is there and not blank.
#
#   scripts/check-html.sh [SCREENSHOT.png]
#
# Installs Debian's chromium when it is missing. Uses CARGO_TARGET_DIR when set.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
shot="${1:-$root/target/check-html/case.png}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$shot")"

if ! command -v chromium >/dev/null 2>&1; then
  echo "check-html: installing chromium" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

cargo build --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/debug/casebook"
html="$work/case.html"
"$bin" analyze fixtures/bundles/nvshas-9810 --case NVSHAS-9810 \
  --description fixtures/bundles/nvshas-9810/description.md --format html --quiet -o "$html"

fail() { echo "check-html: $*" >&2; exit 1; }

# Self-contained: no script at all, nothing loaded from elsewhere.
grep -qi '<script' "$html" && fail "the page has a <script>"
grep -Eqi '(src|href)="(https?:)?//' "$html" && fail "the page loads something from the network"
grep -Eqi '@import|url\((["'"'"']?)(https?:)?//' "$html" && fail "the stylesheet loads something from the network"
grep -q '<svg class="activity"' "$html" || fail "no activity chart"
grep -q 'id="f1"' "$html" || fail "no finding anchors"

rm -f "$shot"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars \
  --screenshot="$shot" --window-size="${CHECK_HTML_WINDOW:-1400,3000}" "file://$html" >"$work/chromium.log" 2>&1 \
  || { cat "$work/chromium.log" >&2; fail "chromium failed"; }

[ -s "$shot" ] || fail "no screenshot"
size=$(stat -c %s "$shot")
# A blank 1400x3000 page compresses to a few KB; a rendered document is far larger.
[ "$size" -gt 40000 ] || fail "screenshot is only $size bytes: the page looks blank"
echo "check-html: ok, $html rendered to $shot ($size bytes)"
