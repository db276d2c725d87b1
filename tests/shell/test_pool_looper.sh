#!/bin/sh
# test_pool_looper.sh - brainstem-looper's live figures (--http /metrics and
# /api/status) against independent counts, with two miners on real Stratum
# pools (the harness of test_pool.sh: stratum-pool-sha256 in front of a
# bcoin regtest node, tests/pool/pool.sh).  The looper runs its miners with
# -o L -o M:
#  * while they mine on L, /api/status counts their accepted shares;
#  * SIGHUP restarts them one by one; they mine on L again;
#  * L stopped, they fail over to M; /api/status shows both pools, M
#    active;
#  * M stopped too, the miners have no work: nothing moves, and once every
#    miner's heartbeat says it hashed nothing for a second the looper's
#    figures are final - two scrapes of /metrics agree, and /metrics,
#    /api/status, the pools' logs, the tree (submissions, ledger, the
#    miners' rounds and session ends, read after SIGTERM) and the log
#    (stale shares not sent, the summary at stop) give the same shares
#    (per pool and per miner), hashes and blocks, over the restarts
#    (tests/tools/pool_looper_check.py), exactly;
#  * its error count catches up with the error tree's (the miners record
#    each failed try of a pool; those go on, so no moment is final);
#  * SIGTERM ends the looper with exit 0 and the tree validates.
# Why the pools are stopped rather than the miners paused (SIGUSR1): a
# stopped miner's shares in flight have verdicts it has not read, so its
# counts and the pool's differ by them; with no pool, the miners read every
# verdict there is (a pool answers what it took before it closes) and
# count the rest stale, and they cannot hash.
# Skipped (exit 77) only where Node.js or npm is missing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../live/bcoin.sh
. "$REPO/tests/live/bcoin.sh"
# shellcheck source=../pool/pool.sh
. "$REPO/tests/pool/pool.sh"

pool_need_node

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-pool-looper.XXXXXX") || exit 1
LOOPER_PID=
cleanup() {
	stop_pid "$LOOPER_PID"
	pool_stop L
	pool_stop M
	stop_pid "$NODE_PID"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pool_harness
# shellcheck disable=SC2046
set -- $(free_ports 2)
URL_L=stratum+tcp://127.0.0.1:$1
URL_M=stratum+tcp://127.0.0.1:$2
pool_difficulty
pool_up L "$1" "$D"
pool_up M "$2" "$D"
pass "pools L ($1) and M ($2) ready at difficulty $D"

ROOT=$T/tree
BASE=$ROOT/Mining
EVENTS="python3 $REPO/tests/tools/events.py"
REPORTS=$BASE/System/System_Reports/Miners/Global/global_miners_report.json

# Rounds of 2 s, so each miner reports several and their sums are tested.
"$BUILD/brainstem-looper" --staging --root "$ROOT" --miners 2 \
	--round-seconds 2 --http 127.0.0.1:0 --log-file "$T/looper.log" -- \
	-o "$URL_L" -o "$URL_M" -u "$POOL_ADDRESS" -p x --pool-timeout 5 \
	--failover-retry 2 >"$T/looper.out" 2>"$T/looper.err" </dev/null &
LOOPER_PID=$!

# until_looper SECONDS COND...: waits for COND while the looper runs (a
# looper that exited ends the wait); true when COND held (a condition that
# holds for a moment only, as the errors', is not asked again)
_cond_or_gone() {
	kill -0 "$LOOPER_PID" 2>/dev/null || return 0
	"$@" && _held=1
}
until_looper() {
	_s=$1
	shift
	_held=
	wait_for "$_s" _cond_or_gone "$@"
	[ -n "$_held" ]
}
port() { sed -n 's|^brainstem-looper: serving http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$T/looper.err"; }
have_port() { [ -n "$(port)" ]; }
get() { # PATH FILE: the looper's answer to GET PATH, into FILE
	python3 -c 'import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=10).read()
open(sys.argv[2], "wb").write(body)' "http://127.0.0.1:$(port)$1" "$2"
}
# status EXPR: EXPR (Python, over the status s) holds in /api/status
status() {
	get /api/status "$T/poll.json" && python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
m = s["miners"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/poll.json" "$1"
}
failed() { show "$T/looper.err" "the looper's stderr"; show "$T/L.err" "pool L's stderr"; show "$T/M.err" "pool M's stderr"; }

check "the looper serves --http on a port it names" until_looper 30 have_port
have_port || { failed; finish; }

check "/api/status counts accepted shares of both miners while they mine" \
	until_looper 45 status \
	'len(m) == 2 and all(x["shares"]["accepted"] >= 2 for x in m)'
IDS=$(python3 -c 'import json, sys
print(" ".join(x["id"] for x in json.load(open(sys.argv[1]))["miners"]))' \
	"$T/poll.json")
ACC=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["shares"]["accepted"])' "$T/poll.json")
rounds() { [ "$($EVENTS "$REPORTS" event=mining_round_complete --count --settled)" -ge "$1" ]; }
check "the miners report their rounds" until_looper 30 rounds 4

# A rolling restart: each miner's counters go on from its last run's.
kill -HUP "$LOOPER_PID"
check "SIGHUP: both miners restarted and mining on L, the counters on from $ACC accepted" \
	until_looper 45 status \
	"all(x['restarts'] == 1 and x['up'] for x in m) and s['shares']['accepted'] >= $ACC + 4"

# each miner has a report EVENT for POOL: every_miner EVENT POOL
every_miner() {
	for _id in $IDS; do
		[ "$($EVENTS "$REPORTS" event="$1" pool="$2" miner_id="$_id" \
			--count --settled)" -ge "$3" ] || return 1
	done
}
more_accepted() { [ "$(pool_accepted "$1")" -ge "$2" ]; }
# A pool stops: it answers the shares it took, then closes; each miner
# loses its work and counts what was in flight.
pool_stop L
check "L stopped: both miners fail over to M" \
	until_looper 30 every_miner pool_connected "$URL_M" 1
check "and M accepts their shares" until_looper 30 more_accepted M 4
check "/api/status has both pools, M the active one" until_looper 30 status \
	"{p['url']: p['active'] for p in s['pools']} == {'$URL_L': False, '$URL_M': True}"

pool_stop M
check "M stopped too: both miners report it gone" \
	until_looper 30 every_miner pool_disconnected "$URL_M" 1
# A heartbeat with a rate of 0 comes a second after the one before, in
# which the miner had no work already: every share it found was sent or
# counted by then, every verdict read, and the lines of that heartbeat
# (its hashes, its shares) came before this one's.
check "the looper's status says every miner is up and hashing nothing" \
	until_looper 30 status \
	'all(x["up"] and x["hashrate"] == 0 for x in m) and s["hashrate"] == 0'
get /metrics "$T/metrics1.txt"
get /api/status "$T/status.json"
get /metrics "$T/metrics2.txt"

# The errors do move: each miner tries the pools again now and then and
# records each failure (pool_error), so the looper's count is not final
# at any moment; it catches up with the error tree's once the tries space
# out (the client backs off).
ERRORS=$BASE/System/Error_Reports/Miners/Global/global_miners_error.json
LOOPING=$BASE/System/Error_Reports/Looping/Global/global_looping_error.json
errors_agree() {
	_e=$($EVENTS "$ERRORS" --count --settled)
	_l=$($EVENTS "$LOOPING" --count --settled)
	[ "$_e" -gt 0 ] && status \
		"s['errors'] == {'miners': $_e, 'looping': $_l} and sum(x['shares']['accepted'] for x in m) > 0"
}
check "/api/status counts the errors the miners recorded (the pools gone), as the error tree does" \
	until_looper 30 errors_agree
[ -n "$_held" ] || { $EVENTS "$ERRORS" --field error_type >"$T/errors.txt"
	show "$T/errors.txt" "the error tree"; show "$T/poll.json" /api/status; }

kill -TERM "$LOOPER_PID"
gone() { ! kill -0 "$LOOPER_PID" 2>/dev/null; }
wait_for 60 gone
wait "$LOOPER_PID"
rc=$?
LOOPER_PID=
check "SIGTERM ends the looper with exit 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || failed

python3 "$REPO/tests/tools/pool_looper_check.py" \
	--pool "$URL_L" "$T/L.shares" --pool "$URL_M" "$T/M.shares" \
	--metrics "$T/metrics1.txt" "$T/metrics2.txt" --status "$T/status.json" \
	--base "$BASE" --log "$T/looper.log" --restarts 1 >"$T/check.out" 2>&1
prc=$?
sed -n 's/^\(ok\|not so\): /         | &/p' "$T/check.out"
check "the looper's figures are the pool's, the tree's and the log's" [ "$prc" = 0 ]
[ "$prc" = 0 ] || { grep -v '^\(ok\|not so\): ' "$T/check.out" >"$T/check.err"; show "$T/check.err" "the check's errors"; }
run validate "$BUILD/brainstem-dtm" --staging --root "$ROOT" validate
check "brainstem-dtm validate: the tree is clean" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$T/validate.out" validate

finish
