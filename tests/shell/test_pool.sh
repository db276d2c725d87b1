#!/bin/sh
# test_pool.sh - pool mining against a real Stratum pool: stratum-pool-sha256
# 2.1.3 from npm (tests/pool/pool.js) in front of a bcoin 1.0.2 regtest node,
# all on loopback.
#  * the harness first, with an independent client (tests/tools/stratum_ref.py,
#    hashlib only): its good shares are accepted and are blocks bcoin takes
#    (getblockcount rises, the block hashes are the share hashes), and a share
#    below the pool's difficulty, though it meets regtest's block target, is
#    rejected with 23;
# npm installs into $BUILD/live and $BUILD/pool, never into the source tree.
# Skipped (exit 77, with the reason) only where Node.js or npm is missing; a
# failed npm install is a failure.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../live/bcoin.sh
. "$REPO/tests/live/bcoin.sh"
# shellcheck source=../pool/pool.sh
. "$REPO/tests/pool/pool.sh"

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "  skip $tool is not installed (scripts/install-deps installs Node.js and npm)"
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-pool.XXXXXX") || exit 1
cleanup() {
	pool_stop R
	stop_pid "$NODE_PID"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! bcoin_install; then
	fail "npm install of bcoin@1.0.2 into $LIVE"
	tail -n 30 "$LIVE/npm.log" | sed 's/^/         | /'
	finish
fi
if ! pool_install; then
	fail "npm install of stratum-pool-sha256@2.1.3 into $POOLDIR"
	tail -n 30 "$POOLDIR/npm.log" | sed 's/^/         | /'
	finish
fi
[ -n "$NPM_FRESH" ] && pass "npm installed stratum-pool-sha256@2.1.3 into $POOLDIR"

bcoin_start
if ! bcoin_wait 90; then
	fail "bcoin regtest node answers on port $RPC_PORT within 90 s"
	show "$T/node.log" node.log
	finish
fi
# shellcheck disable=SC2046
set -- $(free_ports 1)
PR=$1

# start_pool NAME PORT DIFFICULTY: starts it and checks it says ready
start_pool() {
	pool_start "$@"
	if ! pool_wait "$1" 60; then
		fail "pool $1 ready on 127.0.0.1:$2 within 60 s"
		show "$T/$1.err" "pool $1 stderr"
		finish
	fi
}
# --- 1. the harness, proved by an independent client ----------------------
# 2^-16: a share every 65536 hashes or so, quick in Python; every share is
# also a block (regtest's target is about 2^255).
start_pool R "$PR" 0.0000152587890625
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
pool = [json.loads(l) for l in open(sys.argv[2])]
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
need(all(p["block"] and p["block_result"] is None for p in acc.values()),
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

finish
