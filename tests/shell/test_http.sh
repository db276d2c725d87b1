#!/bin/sh
# tests/shell/test_http.sh - brainstem-looper --http watched as an operator
# watches it: the looper with two miners on 127.0.0.1:0 says its port; a
# real Prometheus scrapes it every second and its query API returns the
# hash-rate series of both miners (values > 0); `promtool check metrics`
# finds nothing to say about /metrics; /api/status has the two miners, a
# hash rate and blocks that add up; an unknown path is 404; a huge header is
# refused and a silent client does not stop /metrics answering; the
# dashboard passes tests/tools/dashboard_check.sh when that exists; SIGTERM
# ends the looper with exit 0, and Prometheus saw the hashes counter grow.
# Also: a port in use is exit 2 with the reason, and a lone
# brainstem-miner --http serves its own session.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-http.XXXXXX") || exit 1
LOOPER_PID=
PROM_PID=
MINER_PID=
cleanup() {
	for _p in $LOOPER_PID $PROM_PID $MINER_PID; do
		kill -9 "$_p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in prometheus promtool python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "$tool is not installed (scripts/install-deps installs it)"
		finish
	fi
done

# fetch.py: GET (or a raw request) against the server; prints the status
# code, the body goes to a file.
cat >"$T/fetch.py" <<'PY'
import socket, sys, urllib.error, urllib.request

def get(url, out):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            code, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
    if out != "-":
        open(out, "wb").write(body)
    print(code)

def raw(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
    except OSError:
        pass  # the server may close while we send: its answer is read below
    got = b""
    while True:
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        got += b
    s.close()
    return got

cmd = sys.argv[1]
if cmd == "get":
    get(sys.argv[2], sys.argv[3])
elif cmd == "huge":  # a 256 KiB header line
    port = int(sys.argv[2])
    req = (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 262144 +
           b"\r\nConnection: close\r\n\r\n")
    line = raw(port, req).split(b"\r\n", 1)[0].decode("latin-1")
    print(line.split(" ")[1] if line.startswith("HTTP/") else "none")
elif cmd == "silent":  # one client says nothing, another asks meanwhile
    port = int(sys.argv[2])
    quiet = socket.create_connection(("127.0.0.1", port), timeout=10)
    half = socket.create_connection(("127.0.0.1", port), timeout=10)
    half.sendall(b"GET /metr")
    get("http://127.0.0.1:%d/metrics" % port, sys.argv[3])
    quiet.close()
    half.close()
elif cmd == "port":  # a free port now (Prometheus needs a real one)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
PY
HTTP="python3 $T/fetch.py"

# query.py URL QUERY CHECK: Prometheus' query API; CHECK is "series N" (N
# series, each > 0) or "grew" (every value > 0).  Exit 0 when it holds.
cat >"$T/query.py" <<'PY'
import json, sys, urllib.parse, urllib.request
url, query, check = sys.argv[1], sys.argv[2], sys.argv[3].split()
with urllib.request.urlopen(url + "/api/v1/query?" +
                            urllib.parse.urlencode({"query": query}),
                            timeout=5) as r:
    res = json.load(r)["data"]["result"]
vals = {x["metric"].get("miner", ""): float(x["value"][1]) for x in res}
print(json.dumps(vals))
if check[0] == "series":
    sys.exit(0 if len(vals) == int(check[1]) and
             all(v > 0 for v in vals.values()) else 1)
sys.exit(0 if vals and all(v > 0 for v in vals.values()) else 1)
PY

ROOT=$T/root

# --- 1. the looper with two miners on port 0 -----------------------------
# rounds of 2 s (so heartbeats carry a rate), 5 hex zeros (so blocks come)
"$BUILD/brainstem-looper" --test --root "$ROOT" --miners 2 --round-seconds 2 \
	--http 127.0.0.1:0 -- --zeros 5 --max-attempts 1000000000 --seed 13 \
	>"$T/looper.out" 2>"$T/looper.err" </dev/null &
LOOPER_PID=$!
if wait_for 30 grep -q 'serving http://127.0.0.1:[0-9]*/' "$T/looper.err"; then
	PORT=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
		"$T/looper.err" | head -1)
	pass "the looper says its port: $PORT"
else
	fail "the looper says 'serving http://127.0.0.1:PORT/' on stderr"
	show "$T/looper.err"
	finish
fi
URL=http://127.0.0.1:$PORT

# --- 2. a real Prometheus scraping it every second ------------------------
start_prometheus() {
	PROM_PORT=$($HTTP port)
	cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: brainstem
    scrape_interval: 1s
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
	rm -rf "$T/prom"
	prometheus --config.file="$T/prometheus.yml" \
		--storage.tsdb.path="$T/prom" \
		--web.listen-address="127.0.0.1:$PROM_PORT" \
		>"$T/prom.log" 2>&1 </dev/null &
	PROM_PID=$!
	PROM=http://127.0.0.1:$PROM_PORT
}
prom_ready() {
	kill -0 "$PROM_PID" 2>/dev/null || return 0 # died: stop waiting
	[ "$($HTTP get "$PROM/-/ready" -)" = 200 ]
}
tries=0
while :; do
	start_prometheus
	wait_for 60 prom_ready
	if kill -0 "$PROM_PID" 2>/dev/null && prom_ready; then break; fi
	tries=$((tries + 1))
	kill -9 "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=
	if [ "$tries" -ge 3 ]; then # a taken port is retried; not three times
		fail "Prometheus did not start (3 tries)"
		show "$T/prom.log"
		finish
	fi
done
pass "Prometheus is up on $PROM_PORT, scraping $URL every second"

if wait_for 60 python3 "$T/query.py" "$PROM" \
	brainstem_hashrate_hashes_per_second "series 2"; then
	pass "Prometheus' query API has brainstem_hashrate_hashes_per_second" \
		"for both miners, > 0: $(python3 "$T/query.py" "$PROM" \
			brainstem_hashrate_hashes_per_second "series 2")"
else
	fail "within 60 s Prometheus' query API returns" \
		"brainstem_hashrate_hashes_per_second for 2 miners, each > 0"
	python3 "$T/query.py" "$PROM" brainstem_hashrate_hashes_per_second \
		"series 2" >"$T/q.out" 2>&1
	show "$T/q.out" "last answer"
	python3 "$T/query.py" "$PROM" 'up' "series 1" >"$T/up.out" 2>&1
	show "$T/up.out" "up"
	show "$T/prom.log"
fi

# --- 3. /metrics is clean for promtool ------------------------------------
code=$($HTTP get "$URL/metrics" "$T/metrics.txt")
check "GET /metrics: 200 (got $code)" [ "$code" = 200 ]
rc=0
promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && [ ! -s "$T/promtool.out" ]; then
	pass "promtool check metrics: nothing to say, exit 0"
else
	fail "promtool check metrics prints nothing and exits 0 (exit $rc)"
	show "$T/promtool.out" promtool
fi

# --- 4. /api/status -------------------------------------------------------
status_ok() {
	$HTTP get "$URL/api/status" "$T/status.json" >/dev/null &&
		python3 - "$T/status.json" >"$T/status.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = s["miners"]
problems = []
if len(m) != 2: problems.append("miners: %d, not 2" % len(m))
if not s["hashrate"] > 0: problems.append("hashrate %r" % s["hashrate"])
if s["blocks"] != sum(x["blocks"] for x in m):
    problems.append("blocks %r != the miners' sum" % s["blocks"])
if s["blocks"] < 1: problems.append("no block yet")
for k in ("version", "uptime", "engine", "threads", "started"):
    if k not in s: problems.append("no " + k)
print("; ".join(problems) or "miners 2, hashrate %s, blocks %s = %s" %
      (s["hashrate"], s["blocks"], " + ".join(str(x["blocks"]) for x in m)))
sys.exit(1 if problems else 0)
PY
}
if wait_for 30 status_ok; then
	pass "/api/status: $(cat "$T/status.check")"
else
	fail "/api/status has 2 miners, hashrate > 0 and blocks = their sum (>= 1)"
	show "$T/status.check"
	show "$T/status.json"
fi

# --- 4b. a miner killed: restarted, and its counters go on from where
# they were (the looper adds what the dead run reported) -------------------
field() { # FILE MINER-INDEX KEY
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["miners"][int(sys.argv[2])][sys.argv[3]])' "$@"
}
$HTTP get "$URL/api/status" "$T/before.json" >/dev/null
victim=$(field "$T/before.json" 0 pid)
hashes_before=$(field "$T/before.json" 0 hashes)
kill -9 "$victim"
restarted_past() {
	$HTTP get "$URL/api/status" "$T/after.json" >/dev/null &&
		[ "$(field "$T/after.json" 0 restarts)" = 1 ] &&
		[ "$(field "$T/after.json" 0 state)" = running ] &&
		[ "$(field "$T/after.json" 0 pid)" != "$victim" ]
}
# just restarted, its new run has hashed far less than the old one had:
# a counter that started again from 0 would be below hashes_before
if wait_for 30 restarted_past; then
	hashes_after=$(field "$T/after.json" 0 hashes)
	check "a SIGKILLed miner is back (restarts 1) and its hashes did not go back: $hashes_before, then $hashes_after" \
		[ "$hashes_after" -ge "$hashes_before" ]
else
	fail "a SIGKILLed miner shows restarts 1, running, with a new pid"
	show "$T/after.json"
fi

# --- 5. bad requests ------------------------------------------------------
code=$($HTTP get "$URL/no/such/page" -)
check "an unknown path is 404 (got $code)" [ "$code" = 404 ]
code=$($HTTP huge "$PORT")
check "a 256 KiB header is refused with a 4xx (got $code)" \
	[ "${code#4}" != "$code" ]
code=$($HTTP silent "$PORT" "$T/metrics2.txt")
check "with a silent client and a half-sent request open, /metrics answers (got $code)" \
	[ "$code" = 200 ]
check "... and the looper still mines" kill -0 "$LOOPER_PID"

# --- 6. the dashboard, checked by its own tool when there is one ----------
if [ -x "$REPO/tests/tools/dashboard_check.sh" ]; then
	rc=0
	"$REPO/tests/tools/dashboard_check.sh" "$URL/" "$T/dashboard" \
		>"$T/dashboard.out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		pass "tests/tools/dashboard_check.sh $URL/: exit 0"
	else
		fail "tests/tools/dashboard_check.sh $URL/: exit 0 (got $rc)"
		show "$T/dashboard.out"
	fi
else
	code=$($HTTP get "$URL/" "$T/dashboard.html")
	check "GET / (the dashboard): 200 (got $code)" [ "$code" = 200 ]
fi

# --- 7. a port in use: exit 2 with the reason ----------------------------
run busy "$BUILD/brainstem-looper" --test --root "$ROOT" --miners 1 \
	--http "127.0.0.1:$PORT"
if [ "$rc" = 2 ] && grep -q "127.0.0.1:$PORT.*in use" "$T/busy.err"; then
	pass "a second looper on the same port exits 2 saying the port is in use"
else
	fail "a second looper on the same port exits 2 (got $rc) saying why"
	show "$T/busy.err"
fi

# --- 8. SIGTERM: exit 0, and Prometheus saw the counter grow --------------
kill -TERM "$LOOPER_PID"
rc=0
wait "$LOOPER_PID" || rc=$?
LOOPER_PID=
check "the looper exits 0 after SIGTERM (got $rc)" [ "$rc" = 0 ]
if python3 "$T/query.py" "$PROM" 'increase(brainstem_hashes_total[10m])' \
	"grew" >"$T/grew.out" 2>&1; then
	pass "Prometheus saw brainstem_hashes_total grow: $(cat "$T/grew.out")"
else
	fail "Prometheus saw brainstem_hashes_total grow for every miner"
	show "$T/grew.out"
fi
kill "$PROM_PID" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
PROM_PID=

# --- 9. a lone miner serves its own session -------------------------------
"$BUILD/brainstem-miner" --test --root "$ROOT" --http 0 --rounds 2 \
	--round-seconds 2 --max-attempts 1000000000 -t 1 --quiet \
	>"$T/miner.out" 2>"$T/miner.err" </dev/null &
MINER_PID=$!
if wait_for 30 grep -q 'serving http://127.0.0.1:[0-9]*/' "$T/miner.err"; then
	MPORT=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
		"$T/miner.err" | head -1)
	miner_ok() {
		$HTTP get "http://127.0.0.1:$MPORT/api/status" "$T/m.json" &&
			python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["program"] == "brainstem-miner" and len(s["miners"]) == 1
         and s["hashes"] > 0 else 1)' "$T/m.json"
	}
	check "brainstem-miner --http 0 serves its session (1 miner, hashes > 0)" \
		wait_for 30 miner_ok
else
	fail "brainstem-miner --http 0 says 'serving http://127.0.0.1:PORT/'"
	show "$T/miner.err"
fi
rc=0
wait "$MINER_PID" || rc=$?
MINER_PID=
check "the lone miner ends its 2 rounds with exit 0 (got $rc)" [ "$rc" = 0 ]

finish
