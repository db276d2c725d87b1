#!/bin/sh
# tests/valgrind-programs.sh - the three programs under valgrind's memcheck
# in a short session of the operation (make check-valgrind runs it after
# the unit suites): a miner with --log-file for two rounds; a miner with
# --http and --log-file whose /metrics, /api/status, / and a 404 and a 405
# are fetched before SIGTERM; a looper with two miners and --http (the
# miners traced too), fetched the same way, then SIGTERM; brainstem-dtm
# report --json, report --day and validate on the tree they filled.  Each
# must exit 0 with nothing from valgrind (tests/valgrind.supp says what is
# not brainstem's fault); a valgrind error is exit 99.  Slow (minutes), so
# not part of make check.
# lib.sh finds the tree from tests/shell/; this file is one level up
REPO=${REPO:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=shell/lib.sh
. "$(dirname "$0")/shell/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-valgrind.XXXXXX") || exit 1
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in valgrind python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "$tool is not installed (scripts/install-deps installs it)"
		finish
	fi
done

VG="valgrind -q --leak-check=full --error-exitcode=99 --fair-sched=yes
	--suppressions=$REPO/tests/valgrind.supp"
ROOT=$T/root

# fetch PORT: GET /metrics, /api/status, / (200 each), /nope (404) and a
# POST (405); prints what it got, fails on anything else.
fetch() {
	python3 - "$1" <<'PY'
import sys, urllib.error, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
want = [("GET", "/metrics", 200), ("GET", "/api/status", 200),
        ("GET", "/", 200), ("GET", "/nope", 404), ("POST", "/metrics", 405)]
bad = 0
for method, path, code in want:
    req = urllib.request.Request(base + path, method=method,
                                 data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            got, n = r.status, len(r.read())
    except urllib.error.HTTPError as e:
        got, n = e.code, len(e.read())
    print("%s %s: %d (%d bytes)" % (method, path, got, n))
    bad += got != code
sys.exit(1 if bad else 0)
PY
}

# quiet NAME: every valgrind log of NAME is empty.
quiet() {
	_bad=0
	for _f in "$T"/vg."$1".*; do
		[ -s "$_f" ] || continue
		show "$_f" "valgrind ($(basename "$_f"))"
		_bad=1
	done
	return "$_bad"
}

port_of() {
	sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$1" | head -n 1
}

# a server under valgrind until SIGTERM: NAME, then the command
serve() {
	_name=$1
	shift
	# shellcheck disable=SC2086 # VG is words
	$VG --log-file="$T/vg.$_name.%p" "$@" >"$T/$_name.out" \
		2>"$T/$_name.err" </dev/null &
	PID=$!
	if ! wait_for 120 grep -q 'serving http' "$T/$_name.err"; then
		fail "$_name says its port"
		show "$T/$_name.err"
		return
	fi
	_port=$(port_of "$T/$_name.err")
	# the session is under way once the log says so
	wait_for 120 grep -q 'session start' "$T/$_name.err" "$T/$_name.log"
	if fetch "$_port" >"$T/$_name.fetch" 2>&1; then
		pass "$_name under valgrind answers /metrics, /api/status, /, 404, 405"
	else
		fail "$_name under valgrind answers /metrics, /api/status, /, 404, 405"
		show "$T/$_name.fetch"
	fi
	kill -TERM "$PID"
	rc=0
	wait "$PID" || rc=$?
	PID=
	check "$_name exits 0 after SIGTERM with nothing from valgrind (got $rc)" \
		[ "$rc" = 0 ]
	check "$_name: valgrind's logs are empty" quiet "$_name"
}

# shellcheck disable=SC2086
run miner $VG --log-file="$T/vg.miner.%p" "$BUILD/brainstem-miner" --test \
	--root "$ROOT" --rounds 2 --max-attempts 200000 --zeros 4 \
	--log-file "$T/miner.log"
check "brainstem-miner --rounds 2 --log-file exits 0 (got $rc)" [ "$rc" = 0 ]
check "brainstem-miner: valgrind's logs are empty" quiet miner
check "brainstem-miner: its log file has the session" \
	grep -q 'session end' "$T/miner.log"

serve miner-http "$BUILD/brainstem-miner" --test --root "$ROOT" --zeros 5 \
	--http 127.0.0.1:0 --log-file "$T/miner-http.log"

serve looper --trace-children=yes "$BUILD/brainstem-looper" --test \
	--root "$ROOT" --miners 2 --http 127.0.0.1:0 -- --zeros 5

for args in "report --json" "report --day" "validate"; do
	name=dtm-$(echo "$args" | tr -c 'a-z\n' '-')
	# shellcheck disable=SC2086
	run "$name" $VG --log-file="$T/vg.$name.%p" "$BUILD/brainstem-dtm" \
		--test --root "$ROOT" $args
	check "brainstem-dtm $args exits 0 (got $rc)" [ "$rc" = 0 ]
	check "brainstem-dtm $args: valgrind's logs are empty" quiet "$name"
done

finish
