#!/bin/sh
# tests/shell/test_miner.sh - brainstem-miner in test mode: a session of
# rounds with real double-SHA-256 work, a ledger entry, math proof and
# submission per block, repeatable with --seed, SIGTERM finishing the
# round, --benchmark writing nothing, and a small resident size.
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-miner.XXXXXX")
MINER_PID=
cleanup() {
	[ -n "$MINER_PID" ] && kill -9 "$MINER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

EVENTS="python3 $REPO/tests/tools/events.py"
base() { printf '%s/Test/Test mode/Mining' "$1"; }
journal() { # ROOT KIND
	case $2 in
	miners) printf '%s/System/System_Reports/Miners/Global/global_miners_report.json' "$(base "$1")" ;;
	*) printf '%s/%s' "$(base "$1")" "$2" ;;
	esac
}
wait_for() {
	_limit=$(($1 * 10))
	shift
	while [ "$_limit" -gt 0 ]; do
		if "$@"; then return 0; fi
		sleep 0.1
		_limit=$((_limit - 1))
	done
	return 1
}

MINE="--test --seed 7 --miner-id m1 --rounds 2 --zeros 3 --max-attempts 300000 -t 1 --quiet"

# 1. a session
# shellcheck disable=SC2086
run mine "$BUILD/brainstem-miner" --root "$T/a" $MINE
check "a test session exits 0" [ "$rc" -eq 0 ]
show "$T/mine.err"
M=$(journal "$T/a" miners)
check "session start, two rounds, session end" [ \
	"$($EVENTS "$M" event=mining_session_start --count)" -eq 1 -a \
	"$($EVENTS "$M" event=mining_round_complete --count)" -eq 2 -a \
	"$($EVENTS "$M" event=mining_session_end --count)" -eq 1 ]
check "rounds count their attempts" [ \
	"$($EVENTS "$M" event=mining_round_complete attempts_this_round=300000 \
		--count)" -eq 2 ]
L="$(base "$T/a")/Ledgers/global_ledger.json"
P="$(base "$T/a")/Ledgers/global_math_proof.json"
S="$(base "$T/a")/Submission_Logs/global_submission.json"
blocks=$($EVENTS "$L" --count)
check "blocks were found at 3 zeros in 600000 hashes ($blocks)" \
	[ "$blocks" -gt 20 ]
check "one math proof and one submission per ledger entry" [ \
	"$($EVENTS "$P" --count)" -eq "$blocks" -a \
	"$($EVENTS "$S" --count)" -eq "$blocks" ]
found=$($EVENTS "$M" event=mining_round_complete --field blocks_found |
	awk '{ s += $1 } END { print s + 0 }')
check "rounds report the blocks they found" [ "$found" -eq "$blocks" ]

# 2. every proof re-verifies on its own
first=$($EVENTS "$P" --field header_hex | head -1)
run proof "$BUILD/brainstem-dtm" proof --header "$first" --zeros 3 --json
check "a recorded header meets its target (dtm proof)" [ "$rc" -eq 0 ]
run validate "$BUILD/brainstem-dtm" --test --root "$T/a" validate
check "the miner's tree validates clean" [ "$rc" -eq 0 ]
show "$T/validate.out"

# 3. the same seed mines the same blocks
# shellcheck disable=SC2086
run again "$BUILD/brainstem-miner" --root "$T/b" $MINE
check "the same seed finds the same blocks" [ \
	"$($EVENTS "$L" --field block_hash | sort)" = \
	"$($EVENTS "$(base "$T/b")/Ledgers/global_ledger.json" \
		--field block_hash | sort)" ]

# 4. SIGTERM finishes the round and the session
"$BUILD/brainstem-miner" --test --root "$T/c" --rounds 0 \
	--round-seconds 120 --max-attempts 100000000000 --zeros 12 -t 1 \
	--quiet >"$T/c.out" 2>"$T/c.err" </dev/null &
MINER_PID=$!
MC=$(journal "$T/c" miners)
started() { [ "$($EVENTS "$MC" event=mining_session_start --count)" = 1 ]; }
if wait_for 30 started; then
	pass "the miner starts"
else
	fail "the miner starts"
	show "$T/c.out"
	show "$T/c.err"
	$EVENTS "$MC" event=mining_session_start --count
fi
rss=$(sed -n 's/^VmRSS:[ \t]*\([0-9]*\) kB/\1/p' "/proc/$MINER_PID/status")
if [ -n "$SAN" ]; then
	pass "resident size not checked under sanitizers (${rss} kB)"
else
	check "resident size while mining is under 10 MB (${rss} kB)" \
		[ "$rss" -lt 10240 ]
fi
kill -TERM "$MINER_PID"
rc=0
wait "$MINER_PID" || rc=$?
MINER_PID=
check "SIGTERM: exit 0" [ "$rc" -eq 0 ]
check "SIGTERM: the round is reported, interrupted" [ \
	"$($EVENTS "$MC" event=mining_round_complete interrupted=True \
		--count)" -eq 1 ]
check "SIGTERM: the session end is reported" [ \
	"$($EVENTS "$MC" event=mining_session_end --count)" -eq 1 ]

# 5. --benchmark writes nothing
run bench "$BUILD/brainstem-miner" --benchmark --seconds 1 -t 1 --json \
	--root "$T/d"
check "benchmark exits 0" [ "$rc" -eq 0 ]
check "benchmark prints engine, threads, hashes, seconds, mhs" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"engine", "threads", "hashes", "seconds", "mhs"}, d
assert d["hashes"] > 0 and d["mhs"] > 0, d
' "$T/bench.out"
check "benchmark creates no tree" [ ! -e "$T/d" ]

# 6. live mode mines a node's templates: without a payout, a clear refusal
# (mining against a real node is tests/shell/test_live.sh)
run live "$BUILD/brainstem-miner" --live --root "$T/e" --rounds 1
check "live mode without a payout is refused with a reason (exit 2)" [ "$rc" -eq 2 ]
check "the reason names --payout-address and --payout-script" \
	sh -c "grep -q 'payout-address' '$T/live.err' && grep -q 'payout-script' '$T/live.err'"

finish
