#!/bin/sh
# test_pool.sh - pool mining against a real Stratum pool: stratum-pool-sha256
# 2.1.3 from npm (tests/pool/pool.js) in front of a bcoin 1.0.2 regtest node,
# all on loopback.
#  * the harness first, with an independent client (tests/tools/stratum_ref.py,
#    hashlib only): its good shares are accepted and are blocks bcoin takes
#    (getblockcount rises, the block hashes are the share hashes), and a share
#    below the pool's difficulty, though it meets regtest's block target, is
#    rejected with 23;
#  * brainstem-miner -o DEAD -o A: fails over from the dead first URL to A
#    (a pool_error for DEAD; no switch is reported, as nothing was connected
#    before), mines there, reconnects when A restarts, and SIGTERM while it
#    mines ends it (exit 0, mining_session_end) with its last verdicts in;
#  * brainstem-miner -o A -o B: A killed (SIGKILL) mid-run, the miner goes to
#    B; A back, the miner returns to A (pool_switched reports); both pools
#    stopped, SIGTERM ends it likewise;
#  * the miner's --http /metrics counts A's accepted shares;
#  * brainstem-miner --rounds 3 --max-attempts N: each round counts N hashes;
#  * throughout: shares accepted with none rejected (bar stale ones after a
#    new block, or ones a stopped pool never answered), the tree's accepted
#    shares are the pools' accepted shares one for one (and the session
#    reports' counts), every block found through the pools is accepted by
#    bcoin and in the ledger, and the tree validates.
# The share difficulty is set from the miner's own --benchmark rate (about 4
# shares a second at 2 threads), so the plain and sanitised builds see alike
# share rates.  npm installs into $BUILD/live and $BUILD/pool, never into the
# source tree.  Skipped (exit 77, with the reason) only where Node.js or npm
# is missing; a failed npm install is a failure.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../live/bcoin.sh
. "$REPO/tests/live/bcoin.sh"
# shellcheck source=../pool/pool.sh
. "$REPO/tests/pool/pool.sh"

pool_need_node

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-pool.XXXXXX") || exit 1
MINER_PID=
cleanup() {
	stop_pid "$MINER_PID"
	for p in R A B; do pool_stop $p; done
	stop_pid "$NODE_PID"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pool_harness
# shellcheck disable=SC2046
set -- $(free_ports 4)
PR=$1 PA=$2 PB=$3 DEAD=$4
URL_A=stratum+tcp://127.0.0.1:$PA
URL_B=stratum+tcp://127.0.0.1:$PB
URL_DEAD=stratum+tcp://127.0.0.1:$DEAD

more_accepted() { [ "$(pool_accepted "$1")" -ge "$2" ]; }
# until_miner SECONDS COND...: waits for COND while the miner runs (a miner
# that died ends the wait), then COND's answer
_cond_or_dead() { kill -0 "$MINER_PID" 2>/dev/null || return 0; "$@"; }
until_miner() {
	_s=$1
	shift
	wait_for "$_s" _cond_or_dead "$@"
	"$@"
}

# --- 1. the harness, proved by an independent client ----------------------
# 2^-16: a share every 65536 hashes or so, quick in Python; every share is
# also a block (regtest's target is about 2^255).
pool_up R "$PR" 0.0000152587890625
pass "pool R (difficulty 2^-16) ready on 127.0.0.1:$PR"
before=$(rpc getblockcount)
run ref python3 "$REPO/tests/tools/stratum_ref.py" "127.0.0.1:$PR" \
	"$POOL_ADDRESS" --good 3 --bad 1 --seed 12 --timeout 60
check "the reference client mined and got every answer" [ "$rc" = 0 ]
[ "$rc" = 0 ] || { show "$T/ref.err" stderr; show "$T/R.err" "pool stderr"; }
after=$(rpc getblockcount)
python3 - "$T/ref.out" "$T/R.shares" >"$T/ref.check" 2>&1 <<'EOF'
import json, sys
ref = [json.loads(l) for l in open(sys.argv[1])]
log = [json.loads(l) for l in open(sys.argv[2])]
pool = [p for p in log if p["event"] == "share"]
verdict = {p["block_hash"]: p["block_result"] for p in log
           if p["event"] == "block"}
bad = [r for r in ref if r["kind"] == "bad"]
good = [r for r in ref if r["kind"] == "good"]
ok = True
def need(cond, what):
    global ok
    if not cond:
        ok = False
        print("not so:", what)
need(len(bad) == 1 and not bad[0]["accepted"] and bad[0]["error"][0] == 23
     and bad[0]["block"], "the low share (meeting the block target) got 23")
need(len(good) == 3 and all(r["accepted"] for r in good), "3 good accepted")
acc = {p["share_hash"]: p for p in pool if p["accepted"]}
need(sorted(acc) == sorted(r["share_hash"] for r in good),
     "the pool's accepted hashes are the client's")
need(all(p["block"] and p["block_hash"] in verdict and
         verdict[p["block_hash"]] is None for p in acc.values()),
     "every accepted share was a block bcoin accepted")
need(any(p["reject_code"] == 23 for p in pool), "the pool logged the 23")
for r in good:
    print(r["share_hash"])
sys.exit(0 if ok else 1)
EOF
check "good shares accepted, the share below the difficulty rejected with 23 (pool log agrees)" [ $? = 0 ]
grep '^not so' "$T/ref.check" | sed 's/^/         | /'
check "bcoin took the 3 blocks: getblockcount $before -> $after" [ "$after" = $((before + 3)) ]
last=
inchain=0
for h in $(grep -v '^not so' "$T/ref.check"); do
	conf=$(rpc getblock "\"$h\"" | python3 -c 'import json,sys; print(json.load(sys.stdin)["confirmations"])')
	[ "${conf:-0}" -ge 1 ] && inchain=$((inchain + 1))
	last=$h
done
check "each block's hash is its share's hash, on the best chain ($inchain of 3)" \
	[ "$inchain" = 3 -a "$(rpc getbestblockhash)" = "$last" ]
pool_stop R

# --- segwit active from here: blocks carry the witness reserved value ------
rpc generatetoaddress 432 "\"$POOL_ADDRESS\"" >/dev/null
segwit=$(rpc getblockchaininfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["bip9_softforks"]["segwit"]["status"])')
check "segwit is active on the node from height $(rpc getblockcount)" [ "$segwit" = active ]

# --- 2. the miner -----------------------------------------------------------
pool_difficulty
pool_up A "$PA" "$D"
pool_up B "$PB" "$D"
pass "pools A ($PA) and B ($PB) ready at difficulty $D"

ROOT=$T/tree
BASE=$ROOT/Mining
EVENTS="python3 $REPO/tests/tools/events.py"
REPORTS=$BASE/System/System_Reports/Miners/Global/global_miners_report.json
MINE="--staging --root $ROOT -u $POOL_ADDRESS -p x -t 2 --pool-timeout 5 --failover-retry 2 --http 127.0.0.1:0"
reports() { # EVENT [KEY=VALUE...]: how many such reports
	_e=$1
	shift
	$EVENTS "$REPORTS" "event=$_e" "$@" --count --settled
}
reported() { [ "$(shift; reports "$@")" -ge "$1" ]; } # MIN EVENT [KEY=VALUE...]
ERRORS=$BASE/System/Error_Reports/Miners/Global/global_miners_error.json
dead_logged() {
	python3 -c '
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(1)
recs = [v for v in doc.values() if isinstance(v, list)][-1]
sys.exit(0 if any(r.get("error_type") == "pool_error" and
                  r.get("context", {}).get("pool") == sys.argv[2]
                  for r in recs) else 1)' "$ERRORS" "$URL_DEAD"
}
start_miner() { # NAME URL...
	_n=$1
	shift
	_o=
	for u in "$@"; do _o="$_o -o $u"; done
	# shellcheck disable=SC2086
	"$BUILD/brainstem-miner" $MINE $_o >"$T/$_n.out" 2>"$T/$_n.err" </dev/null &
	MINER_PID=$!
}
stop_miner() { # NAME: SIGTERM; exit 0 and one more session end
	_ends=$(reports mining_session_end stopped_by_signal=True)
	kill -TERM "$MINER_PID"
	wait "$MINER_PID"
	_rc=$?
	MINER_PID=
	check "SIGTERM ends the miner with exit 0 (got $_rc)" [ "$_rc" = 0 ]
	[ "$_rc" = 0 ] || show "$T/$1.err" stderr
	check "and a mining_session_end report (stopped by the signal)" \
		[ "$(reports mining_session_end stopped_by_signal=True)" = $((_ends + 1)) ]
}
# The pools stop (each answers what it took first, then closes), and the
# miner sees it.
quiesce() { # POOL...
	_d=$(reports pool_disconnected)
	for p in "$@"; do pool_stop "$p"; done
	wait_for 20 reported $((_d + 1)) pool_disconnected
}

# 2a. the first URL is dead; the pool restarts under the miner
start_miner m1 "$URL_DEAD" "$URL_A"
check "the dead first URL is in the error tree (pool_error)" \
	until_miner 30 dead_logged
check "and the miner connects to the second, A, instead" \
	until_miner 30 reported 1 pool_connected pool="$URL_A" pool_index=1
check "its shares are accepted on A" until_miner 30 more_accepted A 3
[ "$(pool_accepted A)" -ge 3 ] || { show "$T/m1.err" "miner stderr"; show "$T/A.err" "pool A stderr"; }
# the miner's --http /metrics counts them too, per pool and verdict
metric_accepted() { # NAME URL MIN: brainstem_shares_total accepted >= MIN
	_port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/$1.err")
	[ -n "$_port" ] && python3 -c 'import sys, urllib.request
want = "brainstem_shares_total{pool=\"%s\",result=\"accepted\"} " % sys.argv[2]
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
got = [float(l[len(want):]) for l in text.splitlines() if l.startswith(want)]
sys.exit(0 if got and got[0] >= int(sys.argv[3]) else 1)' \
		"http://127.0.0.1:$_port/metrics" "$2" "$3"
}
check "the miner's /metrics has brainstem_shares_total for A, accepted >= 3" \
	until_miner 30 metric_accepted m1 "$URL_A" 3
c=$(reports pool_connected pool="$URL_A")
pool_stop A
n=$(pool_accepted A) # after the stop: A's last shares are in
pool_up A "$PA" "$D"
check "pool A restarted: the miner reconnects and mines there again" \
	until_miner 30 more_accepted A $((n + 2))
check "a second pool_connected to A" [ "$(reports pool_connected pool="$URL_A")" -gt "$c" ]
# stopped while mining: the miner waits for the verdicts of its last shares
stop_miner m1
pool_stop A

# 2b. A killed mid-run, and back; stopped while no pool answers
pool_up A "$PA" "$D"
n=$(pool_accepted A)
start_miner m2 "$URL_A" "$URL_B"
check "the miner mines on A" until_miner 30 more_accepted A $((n + 2))
KILLED_AT=$(date +%s.%N)
kill -9 "$(pool_pid A)"
pool_stop A
check "A killed: the miner switches to B" \
	until_miner 30 reported 1 pool_switched to_pool="$URL_B"
check "its shares are accepted on B" until_miner 30 more_accepted B 2
n=$(pool_accepted A)
s=$(reports pool_switched to_pool="$URL_A")
pool_up A "$PA" "$D"
check "A back: the miner returns to A" \
	until_miner 30 reported $((s + 1)) pool_switched to_pool="$URL_A"
check "and its shares are accepted there" until_miner 30 more_accepted A $((n + 2))
quiesce A B
stop_miner m2

# 2c. --max-attempts is exact in pool mining too, though the scanners run
# through the rounds: each round counts exactly N hashes
pool_up A "$PA" "$D"
# shellcheck disable=SC2086
run m3 "$BUILD/brainstem-miner" $MINE -o "$URL_A" --rounds 3 \
	--max-attempts 300000
check "-o A --rounds 3 --max-attempts 300000: exit 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$T/m3.err" "miner stderr"
check "each of its 3 rounds counted exactly 300000 hashes" [ \
	"$(reports mining_round_complete attempts_this_round=300000)" = 3 ]
pool_stop A

# --- 3. the tree against the pools and the node ------------------------------
SUBS=$BASE/Submission_Logs/global_submission.json
LEDGER=$BASE/Ledgers/global_ledger.json
python3 - "$SUBS" "$T/A.shares" "$T/B.shares" "$LEDGER" "$REPORTS" \
	"$KILLED_AT" >"$T/tree.check" 2>&1 <<'EOF'
import json, sys

def records(path):
    with open(path) as f:
        doc = json.load(f)
    arrays = [v for v in doc.values() if isinstance(v, list)]
    return arrays[-1] if arrays else []

def hex8(v):
    return "%08x" % v if isinstance(v, int) else str(v).lower()

def key(r):
    return (str(r["job_id"]), str(r["extranonce2"]).lower(), hex8(r["ntime"]),
            hex8(r["nonce"]), str(r["share_hash"]).lower())

subs = [r for r in records(sys.argv[1]) if r.get("work_source") == "pool"]
logs = {name: [json.loads(l) for l in open(path)]
        for name, path in (("A", sys.argv[2]), ("B", sys.argv[3]))}
pool = [p for log in logs.values() for p in log if p["event"] == "share"]
verdict = {p["block_hash"]: p["block_result"] for log in logs.values()
           for p in log if p["event"] == "block"}
ledger = records(sys.argv[4])
reports = records(sys.argv[5])
killed_at = float(sys.argv[6])
ok = True
def need(cond, what):
    global ok
    print(("ok: " if cond else "not so: ") + what)
    ok = ok and cond

tree_acc = sorted(key(r) for r in subs if r.get("accepted") is True)
pool_acc = sorted(key(p) for p in pool if p["accepted"])
need(len(tree_acc) > 0 and tree_acc == pool_acc,
     "the tree's %d accepted shares are the pools' %d, one for one"
     % (len(tree_acc), len(pool_acc)))
prej = [p for p in pool if not p["accepted"]]
need(all(p["reject_code"] == 21 for p in prej),
     "the pools rejected nothing but stale shares (%d stale)" % len(prej))
trej = [r for r in subs if r.get("accepted") is not True]
need(all(r.get("stale") is True or
         str(r.get("result")).startswith("no answer") for r in trej),
     "the tree's %d shares not accepted are stale, or unanswered by a pool "
     "that stopped" % len(trej))
need(all(r.get("submitted") is True and r.get("pool") for r in subs),
     "every share submission names its pool and says submitted")
blocks = [p for p in pool if p.get("block")]
answered = [p for p in blocks if p["block_hash"] in verdict]
# A, killed with SIGKILL, may have died between a block's share and
# bcoin's answer; a stop by SIGTERM waits for the answers.
lost = [p for p in blocks if p["block_hash"] not in verdict]
need(all(p in logs["A"] and killed_at - 2 <= p["time"] <= killed_at
         for p in lost),
     "bcoin answered every block the pools sent, but for %d sent in the "
     "2 s before A was killed" % len(lost))
need(len(answered) > 0 and
     all(verdict[p["block_hash"]] is None for p in answered),
     "bcoin accepted all %d blocks found through the pools" % len(answered))
in_ledger = {str(r.get("block_hash")) for r in ledger}
need(all(p["block_hash"] in in_ledger for p in blocks),
     "every one of them is in the ledger")
rounds = [r for r in reports if r.get("event") == "mining_round_complete"]
ends = [r for r in reports if r.get("event") == "mining_session_end"]
need(sum(r.get("shares_accepted", 0) for r in ends) == len(tree_acc),
     "the sessions' ends say as many shares accepted")
# The last round waits for the verdicts of its last shares, so the
# rounds hold every accepted share.
in_rounds = sum(r.get("shares_accepted", 0) for r in rounds)
need(in_rounds == len(tree_acc),
     "the rounds' shares_accepted add up to the tree's (%d of %d)"
     % (in_rounds, len(tree_acc)))
need(all(r.get("shares_rejected") == 0 for r in rounds + ends),
     "every round and session reports 0 shares rejected")
for p in answered:
    print("block", p["block_hash"])
sys.exit(0 if ok else 1)
EOF
prc=$?
sed -n 's/^\(ok\|not so\): /         | &/p' "$T/tree.check"
check "the tree agrees with the pools' share logs" [ "$prc" = 0 ]
known=0
nblocks=0
for h in $(sed -n 's/^block //p' "$T/tree.check"); do
	nblocks=$((nblocks + 1))
	rpc getblock "\"$h\"" >/dev/null 2>&1 && known=$((known + 1))
done
check "bcoin has every block found through the pools ($known of $nblocks)" \
	[ "$nblocks" -gt 0 -a "$known" = "$nblocks" ]
run validate "$BUILD/brainstem-dtm" --staging --root "$ROOT" validate
check "brainstem-dtm validate: the tree is clean" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$T/validate.out" validate

finish
