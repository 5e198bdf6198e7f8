#!/usr/bin/env bash
# Regenerates the HTML screenshots in docs/screenshots/ with headless Chromium:
#   reference-page.png     the top of the reference case (NVSHAS-9810), 1400 px wide
#   reference-chart.png    its timeline chart
#   bundle52-chart.png     the chart of a generated 52-file bundle (synth bench, scale 0.05, seed 42)
#   reference-print.png    the chart's printed page (print stylesheet, via --print-to-pdf)
#
#   scripts/html-screenshots.sh [OUT_DIR]
#
# Needs chromium (Debian package; installed when missing); pdftoppm (poppler-utils) for the print
# page and pngquant to shrink the files are used when present. Uses CARGO_TARGET_DIR when set. The chart pages are the report's own <head> (its
# stylesheet) around the chart's <figure>, so they show exactly what the report shows.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-$root/docs/screenshots}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
  echo "html-screenshots: installing chromium" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

cargo build --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/debug/casebook"

"$bin" analyze fixtures/bundles/nvshas-9810 --case NVSHAS-9810 \
  --description fixtures/bundles/nvshas-9810/description.md --quiet -o "$work/reference.html"
"$bin" synth bench --scale 0.05 --seed 42 -o "$work/bundle52" >/dev/null
files=$(find "$work/bundle52" -type f | wc -l)
[ "$files" -eq 52 ] || { echo "html-screenshots: the generated bundle has $files files, not 52" >&2; exit 1; }
"$bin" analyze "$work/bundle52" --quiet -o "$work/bundle52.html"

# chart_page IN OUT: the page's head and the chart alone.
chart_page() {
  { sed -n '1,/<body>/p' "$1"; sed -n '/<figure class="chart"/,/<\/figure>/p' "$1"; echo '</body></html>'; } >"$2"
}
chart_page "$work/reference.html" "$work/reference-chart.html"
chart_page "$work/bundle52.html" "$work/bundle52-chart.html"

# shot HTML PNG WIDTH,HEIGHT
shot() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --hide-scrollbars \
    --screenshot="$2" --window-size="$3" "file://$1" >>"$work/chromium.log" 2>&1 \
    || { cat "$work/chromium.log" >&2; exit 1; }
}
shot "$work/reference.html" "$out/reference-page.png" 1400,2400
shot "$work/reference-chart.html" "$out/reference-chart.png" 1400,680
shot "$work/bundle52-chart.html" "$out/bundle52-chart.png" 1400,760

if command -v pdftoppm >/dev/null 2>&1; then
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --no-pdf-header-footer \
    --print-to-pdf="$work/reference.pdf" "file://$work/reference.html" >>"$work/chromium.log" 2>&1
  # The printed page where the chart's lanes are: the one with the first lane's label.
  pages=$(pdfinfo "$work/reference.pdf" | awk '/^Pages:/ {print $2}')
  page=1
  for p in $(seq 1 "$pages"); do
    if pdftotext -f "$p" -l "$p" "$work/reference.pdf" - | grep -q 'signatures no finding cites'; then page=$p; break; fi
  done
  pdftoppm -r 60 -f "$page" -l "$page" -png -singlefile "$work/reference.pdf" "$out/reference-print"
else
  echo "html-screenshots: no pdftoppm (apt-get install poppler-utils): reference-print.png not updated" >&2
fi

# Fewer colours, far smaller files, the same picture (when pngquant is there).
if command -v pngquant >/dev/null 2>&1; then
  for f in "$out"/*.png; do pngquant --force --skip-if-larger --quality 70-95 --output "$f" -- "$f" || true; done
fi

for f in "$out"/*.png; do
  size=$(stat -c %s "$f")
  # A blank page compresses to a few KB; a rendered one is far larger.
  [ "$size" -gt 15000 ] || { echo "html-screenshots: $f is only $size bytes: blank?" >&2; exit 1; }
  echo "html-screenshots: $f ($size bytes)"
done
