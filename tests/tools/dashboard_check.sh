#!/bin/sh
# tests/tools/dashboard_check.sh URL OUTDIR [MINERS] - load the dashboard
# in a real headless Chromium (Debian's chromium) and check what it
# rendered: the eight charts (hash rate, blocks, shares, errors; per hour
# with 48 points and per day with 30), every point with its time and a
# number, no chart blanked by an unreadable roll-up, and the status block
# with MINERS miners (default 2; "-" skips the status check).  Then take a
# 1280x1800 screenshot, OUTDIR/dashboard.png, and check it is a PNG of
# that size and not a blank page.
#
# Writes OUTDIR/dashboard.dom.html (the DOM as rendered) and
# OUTDIR/chromium.log.  Exits 0 when every check holds, 1 with the reasons
# on stderr when one does not, 2 on bad usage.  The browser runs with a
# fresh profile and without any background networking, so it fetches
# nothing but URL.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 URL OUTDIR [MINERS]" >&2
	exit 2
fi
url=$1
out=$2
miners=${3:-2}
browser=${CHROMIUM:-chromium}
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM

run_browser() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$profile" "$@" 2>>"$out/chromium.log"
}

: >"$out/chromium.log"
# --dump-dom prints the DOM once the page has loaded
run_browser --dump-dom "$url" >"$out/dashboard.dom.html" || {
	echo "dashboard_check: chromium could not load $url" \
		"(see $out/chromium.log)" >&2
	exit 1
}

python3 - "$out/dashboard.dom.html" "$miners" <<'EOF'
import sys
from datetime import datetime
from html.parser import HTMLParser

path, miners = sys.argv[1], sys.argv[2]
WANT = {f"{w}-{lv}": n for w in ("hashrate", "blocks", "shares", "errors")
        for lv, n in (("hour", 48), ("day", 30))}


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts = {}   # name -> {"attrs": ..., "points": [...]}
        self.svg = None    # the chart being read
        self.depth = 0
        self.status = None
        self.miner_rows = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "svg" and "chart" in classes:
            self.svg = a.get("data-chart") or a.get("id")
            self.charts[self.svg] = {"attrs": a, "points": []}
            self.depth = 0
        elif self.svg is not None and tag == "svg":
            self.depth += 1
        if self.svg is not None and "point" in classes:
            self.charts[self.svg]["points"].append(a)
        if tag == "section" and a.get("id") == "status":
            self.status = a
        if tag == "tr" and "miner" in classes:
            self.miner_rows.append(a.get("data-id"))

    def handle_endtag(self, tag):
        if tag == "svg" and self.svg is not None:
            if self.depth:
                self.depth -= 1
            else:
                self.svg = None


page = Page()
with open(path, encoding="utf-8") as f:
    page.feed(f.read())
bad = []
for name, n in WANT.items():
    c = page.charts.get(name)
    if c is None:
        bad.append(f"no chart {name}")
        continue
    if c["attrs"].get("data-error"):
        bad.append(f"{name}: {c['attrs']['data-error']}")
    pts = c["points"]
    if len(pts) != n:
        bad.append(f"{name}: {len(pts)} points, want {n}")
    times = []
    for p in pts:
        try:
            times.append(datetime.strptime(p["data-time"],
                                           "%Y-%m-%dT%H:%M:%SZ"))
            float(p["data-value"])
        except (KeyError, ValueError) as e:
            bad.append(f"{name}: a point without a time or value ({e})")
            break
    if times != sorted(set(times)):
        bad.append(f"{name}: points not in time order")
extra = set(page.charts) - set(WANT)
if extra:
    bad.append(f"charts not expected: {sorted(extra)}")
if miners != "-":
    if page.status is None:
        bad.append("no status block (section#status)")
    elif page.status.get("data-miners") != miners:
        bad.append(f"status block says {page.status.get('data-miners')} "
                   f"miners, want {miners}")
    if len(page.miner_rows) != int(miners):
        bad.append(f"{len(page.miner_rows)} miner rows, want {miners}")
if bad:
    for b in bad:
        print("dashboard_check:", b, file=sys.stderr)
    sys.exit(1)
print(f"dashboard_check: {len(page.charts)} charts of 48/30 points, "
      f"status with {len(page.miner_rows)} miners")
EOF

rm -f "$out/dashboard.png"
run_browser --screenshot="$out/dashboard.png" --window-size=1280,1800 \
	"$url" >>"$out/chromium.log" || true
python3 - "$out/dashboard.png" <<'EOF'
import struct
import sys
import zlib

path = sys.argv[1]
try:
    data = open(path, "rb").read()
except OSError as e:
    sys.exit(f"dashboard_check: no screenshot: {e}")
if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
    sys.exit(f"dashboard_check: {path} is not a PNG")
w, h = struct.unpack(">II", data[16:24])
if (w, h) != (1280, 1800):
    sys.exit(f"dashboard_check: screenshot is {w}x{h}, want 1280x1800")
# a blank page compresses to a few kB; charts and text do not
if len(data) < 40000:
    sys.exit(f"dashboard_check: screenshot of {len(data)} bytes: blank?")
# the image data must decode (a truncated file would not)
idat, i = b"", 8
while i + 8 <= len(data):
    n, kind = struct.unpack(">I4s", data[i:i + 8])
    if kind == b"IDAT":
        idat += data[i + 8:i + 8 + n]
    i += 12 + n
try:
    zlib.decompress(idat)
except zlib.error as e:
    sys.exit(f"dashboard_check: {path} does not decode: {e}")
print(f"dashboard_check: screenshot {path} {w}x{h}, {len(data)} bytes")
EOF
