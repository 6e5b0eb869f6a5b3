#!/usr/bin/env bash
# report.html as its readers see it: an audit's report is loaded in headless
# Chromium (Debian's `chromium`, installed by .ci/setup) at a desktop width
# and at the width of an A4 page, and printed to an A4 PDF. The page must
# load with no console message at all (the report has no scripts, so any
# message is a blocked resource, a CSP violation or a parse problem), and
# each rendering must be a real picture of the expected width.
# The checks are first run on a page built to break them, so that a pass
# below means something.
#   report_in_chromium.sh BINARY [KEEP_DIR]
# With KEEP_DIR the PNGs and the PDF are copied there (docs screenshots).
set -uo pipefail
source "$(dirname "$0")/../cli/flow_lib.sh" "$1"
keep=${2:-}

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium is not installed: run .ci/setup (as root) first"
  exit 1
fi

# render NAME URL WIDTH: a full-page PNG in $work/NAME.png, Chromium's log in $work/NAME.log
render() {
  local name=$1 url=$2 width=$3
  timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --no-first-run --user-data-dir="$work/profile-$name" --enable-logging=stderr --v=0 \
    --window-size="$width,3000" --screenshot="$work/$name.png" "$url" >"$work/$name.out" 2>"$work/$name.log"
}

# console_clean NAME FILE: no console message in Chromium's log
console_clean() {
  if grep -q ':CONSOLE' "$2"; then
    failed=$((failed + 1)); echo "FAIL $1: the page logged console messages:"; grep ':CONSOLE' "$2" | head -5
  else passed=$((passed + 1)); fi
}

# png_width FILE: the width in the PNG header (big-endian, bytes 16..19)
png_width() {
  od -An -tu1 -j16 -N4 "$1" | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}'
}

# is_picture FILE WIDTH: a PNG of that width holding more than a blank page
is_picture() {
  local size width
  size=$(stat -c %s "$1" 2>/dev/null || echo 0)
  width=$( [ -s "$1" ] && png_width "$1" || echo 0)
  # A blank 3000-pixel-high page compresses to a few kilobytes; text, tables and charts do not.
  [ "$width" = "$2" ] && [ "$size" -gt 30000 ]
}

picture() {  # picture NAME FILE WIDTH
  if is_picture "$2" "$3"; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL $1: $2 is $(png_width "$2")px wide, $(stat -c %s "$2") bytes (expected ${3}px, more than 30000 bytes)"
  fi
}

# The checks must catch a broken page: a script error, a blocked image and
# nothing worth a picture.
printf '%s\n' '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src '"'none'"'">' \
  '<p>broken</p><img src="http://example.invalid/x.png"><script>missing()</script>' >"$work/broken.html"
render broken "file://$work/broken.html" 800
if grep -q ':CONSOLE' "$work/broken.log"; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL self_test: a page with a blocked image and script logged nothing:"; tail -5 "$work/broken.log"
fi
if [ -s "$work/broken.png" ] && ! is_picture "$work/broken.png" 800; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL self_test: the picture check accepted a blank page (or none was rendered)"
fi

# The report of a real audit: three IEC 62443 zones, devices, coverage, trend.
export STAGEGATE_EVIDENCE="$work/log/evidence.db"
audit=(audit --policies "$root/tests/data/zones/policies" --input "$root/tests/data/zones/fleet/fleet.yaml")
check audit_first 1 "$binary" "${audit[@]}" --at 2027-01-01T00:00:00Z --out "$work/first"
check audit 1 "$binary" "${audit[@]}" --at 2027-01-08T00:00:00Z --out "$work/report"
report="file://$work/report/report.html"

render desktop "$report" 1280
check_status=$?
[ "$check_status" -eq 0 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL desktop: chromium exit $check_status"; tail -5 "$work/desktop.log"; }
console_clean desktop_console "$work/desktop.log"
picture desktop_png "$work/desktop.png" 1280

# 794 CSS pixels: the width of an A4 page (210 mm at 96 px per inch).
render a4 "$report" 794
console_clean a4_console "$work/a4.log"
picture a4_png "$work/a4.png" 794

timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir="$work/profile-pdf" --enable-logging=stderr --v=0 --no-pdf-header-footer \
  --print-to-pdf="$work/report.pdf" "$report" >"$work/pdf.out" 2>"$work/pdf.log"
console_clean pdf_console "$work/pdf.log"
if head -c 5 "$work/report.pdf" 2>/dev/null | grep -q '%PDF-' && grep -aqE '/MediaBox \[0 0 59[45](\.[0-9]+)? 84[12]' "$work/report.pdf"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL pdf: no A4 PDF (595 x 842 pt) was printed"; tail -5 "$work/pdf.log"
fi

if [ -n "$keep" ]; then
  mkdir -p "$keep" && cp "$work/desktop.png" "$work/a4.png" "$work/report.pdf" "$keep/"
fi
finish report_in_chromium
