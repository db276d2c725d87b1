#!/bin/sh
# tests/shell/test_miner.sh - brainstem-miner in test mode: a session of
# rounds with real double-SHA-256 work, a ledger entry, math proof and
# submission per block, exact --max-attempts, repeatable with --seed
# whatever -t, rounds of their seconds by default, SIGTERM finishing the
# round, --benchmark writing nothing, and a small resident size; pool
# mining's settings (-o/-u/-p/-O and config.json's pools) and their errors;
# make demo showing the mining and the ways to look at it.
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
$EVENTS "$P" >"$T/proofs"
check "every proof gives its bits in hex too (bits_hex)" python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    p = json.loads(l)
    h = bytes.fromhex(p["header_hex"])
    assert p["bits_hex"] == "%08x" % p["bits"], p
    assert p["bits_hex"] == h[72:76][::-1].hex(), p
    n += 1
assert n > 0
' <"$T/proofs"
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

# 3b. --max-attempts N is exact and --seed repeatable whatever -t: every
# round hashes exactly N (the last scans cut to fit) and -t 1 to 4 hash the
# same headers, so they find the same blocks, recorded in the same order
for n in 100000 99991; do
	for t in 1 2 3 4; do
		r="$T/x$n-$t"
		run "x$n-$t" "$BUILD/brainstem-miner" --test --root "$r" --seed 9 \
			--rounds 3 --zeros 3 --max-attempts "$n" -t "$t" --quiet
		check "--max-attempts $n -t $t: exit 0" [ "$rc" -eq 0 ]
		check "--max-attempts $n -t $t: attempts_this_round is $n in each of 3 rounds" [ \
			"$($EVENTS "$(journal "$r" miners)" event=mining_round_complete \
				attempts_this_round="$n" --count)" -eq 3 ]
		$EVENTS "$(base "$r")/Ledgers/global_ledger.json" --field block_hash \
			>"$T/x$n-$t.blocks"
	done
	nb=$(wc -l <"$T/x$n-1.blocks")
	check "--seed 9 --max-attempts $n finds blocks ($nb)" [ "$nb" -gt 10 ]
	for t in 2 3 4; do
		check "--max-attempts $n: -t $t finds -t 1's blocks, in its order" \
			cmp -s "$T/x$n-1.blocks" "$T/x$n-$t.blocks"
	done
done
# demo mode too, and without --miner-id: a seeded run's id is the seed's
for t in 1 4; do
	run "demo$t" "$BUILD/brainstem-miner" --demo --root "$T/demo$t" --seed 9 \
		--rounds 2 --zeros 3 --max-attempts 120000 -t "$t" --quiet
	$EVENTS "$T/demo$t/Test/Demo/Mining/Ledgers/global_ledger.json" \
		--field block_hash >"$T/demo$t.blocks"
done
check "demo mode, --seed 9 without --miner-id finds blocks" [ \
	"$(wc -l <"$T/demo1.blocks")" -gt 10 ]
check "demo mode, --seed 9 without --miner-id: -t 4 finds -t 1's blocks" \
	cmp -s "$T/demo1.blocks" "$T/demo4.blocks"

# 3c. the default rounds (no config.json) last their seconds: no cap of
# 1,000,000 hashes ending them four times a second
run dflt "$BUILD/brainstem-miner" --test --root "$T/dflt" --round-seconds 1 \
	--rounds 3 -t 1 --quiet
check "a default session of 3 one-second rounds: exit 0" [ "$rc" -eq 0 ]
MD=$(journal "$T/dflt" miners)
check "its start says no cap (max_attempts_per_round 0)" [ \
	"$($EVENTS "$MD" event=mining_session_start max_attempts_per_round=0 \
		--count)" -eq 1 ]
$EVENTS "$MD" >"$T/dflt.events"
check "3 round reports, each lasting its second (duration_ms >= 990)" python3 -c '
import json, sys
rounds = [json.loads(l) for l in sys.stdin
          if json.loads(l).get("event") == "mining_round_complete"]
assert len(rounds) == 3, len(rounds)
for r in rounds:
    assert isinstance(r["duration_ms"], int) and r["duration_ms"] >= 990, r
    assert r["hashrate"] == int(r["hashrate"]) and r["hashrate"] > 0, r
' <"$T/dflt.events"

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

# 7. pool mining's settings (mining through a real pool is
# tests/shell/test_pool.sh): what is wrong is refused before anything is
# mined, with exit 2 and a message that says what
S="--staging --rounds 1 -t 1"
refused() { # NAME WANT-ON-STDERR ARGS...: exit 2, WANT on stderr
	_name=$1
	_want=$2
	shift 2
	run "$_name" "$BUILD/brainstem-miner" "$@"
	if [ "$rc" -eq 2 ] && grep -qF -- "$_want" "$T/$_name.err"; then
		pass "$_name: exit 2, says '$_want'"
	else
		fail "$_name: exit 2 (got $rc), says '$_want'"
		show "$T/$_name.err"
	fi
}
MANY=$(i=0; while [ $i -le 16 ]; do
	printf ' -o stratum+tcp://127.0.0.1:%d' $((3000 + i))
	i=$((i + 1)); done)
# shellcheck disable=SC2086
{
refused "a url that is not stratum+tcp" "http://127.0.0.1:3333" \
	--root "$T/p" $S -o http://127.0.0.1:3333 -u addr
refused "a url without a port" "stratum+tcp://127.0.0.1" \
	--root "$T/p" $S -o stratum+tcp://127.0.0.1 -u addr
refused "a pool without a user" "has no user" \
	--root "$T/p" $S -o stratum+tcp://127.0.0.1:3333
refused "-O without a colon" "-O wants USER:PASS" \
	--root "$T/p" $S -o stratum+tcp://127.0.0.1:3333 -O addr
refused "-u without a pool" "need a pool" --root "$T/p" $S -u addr
refused "more than 16 pools" "at most 16 pools" --root "$T/p" $S -u a \
	$MANY
refused "-o in test mode" "synthetic" \
	--test --root "$T/p" --rounds 1 -o stratum+tcp://127.0.0.1:3333 -u a
refused "--pool-timeout 0" "--pool-timeout wants" \
	--root "$T/p" $S -o stratum+tcp://127.0.0.1:3333 -u a --pool-timeout 0
}
check "nothing was mined for a refused setting" [ ! -e \
	"$T/p/Mining/System/System_Reports/Miners/Global/global_miners_report.json" \
	-o "$($EVENTS "$T/p/Mining/System/System_Reports/Miners/Global/global_miners_report.json" \
		event=mining_session_start --count)" = 0 ]
mkdir -p "$T/q"
printf '{"pools": [\n  {"url": "stratum+tcp://127.0.0.1", "user": "a"}]}\n' \
	>"$T/q/config.json"
# shellcheck disable=SC2086
refused "a bad url in config.json" "config.json:2:11: pool url" \
	--root "$T/q" --config "$T/q/config.json" $S

# 8. pools from the command line and from config.json: the session start
# names them with their workers, in order (-u/-p after a url belong to it;
# a url without its own takes the first given); no pool answers here (port
# 1 refuses), and SIGTERM still ends the session at once, cleanly
PM() { printf '%s/Mining/System/System_Reports/Miners/Global/global_miners_report.json' "$1"; }
pool_session() { # ROOT ARGS...: starts the miner, waits for its start, TERMs it
	_root=$1
	shift
	"$BUILD/brainstem-miner" --staging --root "$_root" -t 1 "$@" \
		>"$_root.out" 2>"$_root.err" </dev/null &
	MINER_PID=$!
	_pm=$(PM "$_root")
	if wait_for 30 sh -c "[ \"\$($EVENTS '$_pm' event=mining_session_start --count)\" = 1 ]"; then
		pass "pool mining starts ($*)"
	else
		fail "pool mining starts ($*)"
		show "$_root.err"
	fi
	kill -TERM "$MINER_PID"
	rc=0
	wait "$MINER_PID" || rc=$?
	MINER_PID=
	check "SIGTERM ends pool mining: exit 0 (got $rc)" [ "$rc" -eq 0 ]
	check "  with its session end" [ \
		"$($EVENTS "$_pm" event=mining_session_end --count)" -eq 1 ]
}
pools() { # ROOT: the session start's pools as url=worker lines
	$EVENTS "$(PM "$1")" event=mining_session_start --field pools |
		python3 -c '
import ast, sys
for line in sys.stdin:
    for p in ast.literal_eval(line):
        print("%s=%s" % (p["url"], p["worker"]))'
}
mkdir -p "$T/r"
pool_session "$T/r" -o stratum+tcp://127.0.0.1:1 -o stratum+tcp://127.0.0.1:2 \
	-u ADDR -p x -o stratum+tcp://127.0.0.1:3 -O other:y
check "-o A -o B -u ADDR -o C -O other:y: A and B mine as ADDR, C as other" \
	[ "$(pools "$T/r" | tr '\n' ' ')" = \
	"stratum+tcp://127.0.0.1:1=ADDR stratum+tcp://127.0.0.1:2=ADDR stratum+tcp://127.0.0.1:3=other " ]
check "the session start says work_source pool" [ \
	"$($EVENTS "$(PM "$T/r")" event=mining_session_start work_source=pool \
		--count)" -eq 1 ]
check "the session end counts its shares" [ \
	"$($EVENTS "$(PM "$T/r")" event=mining_session_end shares_accepted=0 \
		--count)" -eq 1 ]
check "no payout address was asked for" sh -c "! grep -q payout '$T/r.err'"
check "stdout ends with the status: rate, accepted, pool" \
	grep -q 'H/s, accepted 0/0' "$T/r.out"

mkdir -p "$T/s"
printf '{"pools": [{"url": "stratum+tcp://127.0.0.1:1", "user": "cfg"},\n  {"url": "stratum+tcp://127.0.0.1:2", "user": "cfg2", "pass": "z"}],\n "pool_timeout_seconds": 5}\n' \
	>"$T/s/config.json"
pool_session "$T/s" --config "$T/s/config.json"
check "config.json's pools, in order" [ "$(pools "$T/s" | tr '\n' ' ')" = \
	"stratum+tcp://127.0.0.1:1=cfg stratum+tcp://127.0.0.1:2=cfg2 " ]
mkdir -p "$T/u"
pool_session "$T/u" --config "$T/s/config.json" -o stratum+tcp://127.0.0.1:4 -u cli
check "-o replaces config.json's pools" [ "$(pools "$T/u")" = \
	"stratum+tcp://127.0.0.1:4=cli" ]


# 8. make demo shows the mining as it goes (its rounds and their rate) and
# ends by saying how to look at what it wrote: the report, the dashboard
rc=0
(cd "$REPO" && $TIMEOUT make -s demo BUILD="$BUILD" SAN="$SAN" CC="$CC" \
	DEMO_ROOT="$T/demo" DEMO_ROUNDS=2 DEMO_SECONDS=1) >"$T/demo.out" 2>&1 ||
	rc=$?
check "make demo (2 rounds of 1 s): exit 0" [ "$rc" -eq 0 ]
check "make demo shows each round and its rate" sh -c \
	"grep 'round 1' '$T/demo.out' | grep -q 'H/s' &&
	 grep 'round 2' '$T/demo.out' | grep -q 'H/s'"
check "make demo says the tree validates" grep -q 'validates clean' "$T/demo.out"
check "make demo ends with the report's command line" \
	grep -qF "brainstem-dtm report --demo --root $T/demo" "$T/demo.out"
check "... and the dashboard's" \
	grep -qF "brainstem-looper --demo --root $T/demo --http 127.0.0.1:8080" \
	"$T/demo.out"
[ "$rc" -eq 0 ] || show "$T/demo.out"
check "make demo recorded its 2 rounds" [ \
	"$($EVENTS "$T/demo/Test/Demo/Mining/System/System_Reports/Miners/Global/global_miners_report.json" \
		event=mining_round_complete --count)" -eq 2 ]

finish
