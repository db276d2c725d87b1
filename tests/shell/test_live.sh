#!/bin/sh
# test_live.sh - staging mining against a real Bitcoin node: bcoin 1.0.2
# (a full node in JavaScript, from npm) on regtest, on loopback only.
#  * five blocks in a row: getblockcount goes up by 5, the node's best hash
#    is the ledger's last hash, every proof, ledger entry and submission
#    records the node's answer (null: accepted), and the tree validates;
#  * a block mined while the mempool holds wallet transactions (made after
#    maturing 101 coinbases paid to the wallet) confirms them;
#  * a tip change by another miner (generatetoaddress while the miner is
#    frozen) is picked up within seconds;
#  * the node stopped mid-session: the miner logs node errors to the error
#    tree, keeps running, and mines again once the node is back.
# npm installs bcoin into $BUILD/live (never into the source tree); the
# node's start, RPC and install are tests/live/bcoin.sh's.  No
# npm, or no node, is a failure, not a skip: CI must have them.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=../live/bcoin.sh
. "$REPO/tests/live/bcoin.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-live.XXXXXX") || exit 1
MINER_PID=
cleanup() {
	stop_pid "$MINER_PID"
	stop_pid "$NODE_PID"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in node npm python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "$tool is needed to run a bcoin regtest node (install Node.js and npm)"
		finish
	fi
done

# --- bcoin, installed once per build directory ----------------------------
if ! bcoin_install; then
	fail "npm install of bcoin@1.0.2 into $LIVE"
	tail -n 30 "$LIVE/npm.log" | sed 's/^/         | /'
	finish
fi
[ -n "$NPM_FRESH" ] && pass "npm installed bcoin@1.0.2 into $LIVE"

# --- the node -------------------------------------------------------------
bcoin_start
URL=http://127.0.0.1:$RPC_PORT/
if bcoin_wait 90; then
	pass "bcoin regtest node answers on $URL (wallet on port $WALLET_PORT)"
else
	fail "bcoin regtest node answers on $URL within 90 s"
	show "$T/node.log" node.log
	finish
fi

ROOT=$T/tree
BASE=$ROOT/Mining
EVENTS="python3 $REPO/tests/tools/events.py"
LEDGER=$BASE/Ledgers/global_ledger.json
PROOFS=$BASE/Ledgers/global_math_proof.json
SUBS=$BASE/Submission_Logs/global_submission.json
ERRORS=$BASE/System/Error_Reports/Miners/Global/global_miners_error.json
REPORTS=$BASE/System/System_Reports/Miners/Global/global_miners_report.json
OP_TRUE=51
MINE="--staging --root $ROOT --rpc-url $URL --rpc-user x --rpc-password $KEY -t 1"
last_ledger() { $EVENTS "$LEDGER" --field "$1" | tail -n 1; }

# --- 1. five blocks in a row ---------------------------------------------
before=$(rpc getblockcount)
# shellcheck disable=SC2086
run five "$BUILD/brainstem-miner" $MINE --payout-script $OP_TRUE --max-blocks 5 --quiet
check "miner --staging --max-blocks 5: exit 0" [ "$rc" = 0 ]
[ "$rc" = 0 ] || { show "$T/five.err" stderr; show "$T/node.log" node.log; }
after=$(rpc getblockcount)
check "getblockcount went from $before up by 5 (now $after)" [ "$after" = $((before + 5)) ]
best=$(rpc getbestblockhash)
check "the node's best hash is the ledger's last ($best)" [ "$best" = "$(last_ledger block_hash)" ]
check "5 ledger entries, all accepted, at heights $((before + 1))..$after" [ \
	"$($EVENTS "$LEDGER" accepted=True node_result=None --count)" = 5 -a \
	"$(last_ledger height)" = "$after" ]
check "5 math proofs and 5 submissions with the node's answer null" [ \
	"$($EVENTS "$PROOFS" node_result=None --count)" = 5 -a \
	"$($EVENTS "$SUBS" result=None submitted=True --count)" = 5 ]
hdr=$(rpc getblockheader "\"$best\"" false)
check "the node's header of that block is the proof's header" [ \
	"$hdr" = "$($EVENTS "$PROOFS" --field header_hex | tail -n 1)" ]
run validate "$BUILD/brainstem-dtm" --staging --root "$ROOT" validate
check "brainstem-dtm validate: the tree is clean" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$T/validate.out" validate
check "the proofs and ledger entries give bits in hex too (regtest's 207fffff)" [ \
	"$($EVENTS "$PROOFS" bits_hex=207fffff --count)" = 5 -a \
	"$($EVENTS "$LEDGER" bits_hex=207fffff --count)" = 5 ]

# --- 1b. --max-attempts is exact against a node too -----------------------
# shellcheck disable=SC2086
run exact "$BUILD/brainstem-miner" $MINE --payout-script $OP_TRUE --rounds 2 \
	--max-attempts 100000 -t 2 --quiet
check "miner --staging --rounds 2 --max-attempts 100000 -t 2: exit 0" [ "$rc" = 0 ]
check "each of its 2 rounds hashed exactly 100000" [ \
	"$($EVENTS "$REPORTS" event=mining_round_complete \
		attempts_this_round=100000 --count)" = 2 ]

# --- 2. mempool transactions ------------------------------------------------
# bcoin's wallet shows mainnet-style addresses but parses regtest ones
# (prefix 0x3c): convert, and pay the coinbases to its key's script.
addr=$(wallet getnewaddress '"default"')
eval "$(python3 -c '
import hashlib, sys
B = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n = 0
for c in sys.argv[1]: n = n * 58 + B.index(c)
h = n.to_bytes(25, "big")[1:21]
b = bytes([0x3c]) + h
b += hashlib.sha256(hashlib.sha256(b).digest()).digest()[:4]
n, s = int.from_bytes(b, "big"), ""
while n: n, r = divmod(n, 58); s = B[r] + s
print("SCRIPT=76a914%s88ac REGADDR=%s" % (h.hex(), s))' "$addr")"
# shellcheck disable=SC2086
run mature "$BUILD/brainstem-miner" $MINE --payout-script "$SCRIPT" --max-blocks 101 \
	--round-seconds 600 --max-attempts 1000000000000 --quiet
check "101 blocks paid to the wallet ($addr): exit 0" [ "$rc" = 0 ]
funded() { [ "$(wallet getbalance)" != 0 ]; }
wait_for 20 funded
txids=
for amount in 1.5 2.25 3; do
	txid=$(wallet sendtoaddress "\"$REGADDR\"" $amount 2>"$T/send.err")
	txids="$txids $txid"
done
[ -s "$T/send.err" ] && show "$T/send.err" sendtoaddress
inpool=$(rpc getrawmempool | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "the wallet put 3 transactions in the mempool (has $inpool)" [ "$inpool" = 3 ]
# shellcheck disable=SC2086
run onetx "$BUILD/brainstem-miner" $MINE --payout-script $OP_TRUE --max-blocks 1 --quiet
check "one more block: exit 0" [ "$rc" = 0 ]
check "its ledger entry says 3 transactions and accepted" [ \
	"$(last_ledger transactions)" = 3 -a "$(last_ledger accepted)" = True ]
check "the mempool is empty" [ "$(rpc getrawmempool)" = "[]" ]
confirmed=0
mined=$(last_ledger block_hash)
for txid in $txids; do
	in=$(wallet gettransaction "\"$txid\"" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("blockhash"))')
	[ "$in" = "$mined" ] && confirmed=$((confirmed + 1))
done
check "the wallet sees its 3 transactions confirmed in block $mined" [ "$confirmed" = 3 ]
check "the best hash is again the ledger's last" [ "$(rpc getbestblockhash)" = "$(last_ledger block_hash)" ]

# --- 3. another miner moves the tip ---------------------------------------
"$BUILD/brainstem-miner" $MINE --payout-script $OP_TRUE --poll-seconds 1 \
	--round-seconds 600 --max-attempts 1000000000000 --quiet \
	>"$T/bg.out" 2>"$T/bg.err" </dev/null &
MINER_PID=$!
n0=$($EVENTS "$LEDGER" --count)
ledger_grew() { [ "$($EVENTS "$LEDGER" --count)" -gt "$1" ]; }
check "the background miner mines" wait_for 30 ledger_grew "$n0"
kill -STOP "$MINER_PID"
gen=$(rpc generatetoaddress 1 "\"$REGADDR\"" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
kill -CONT "$MINER_PID"
on_gen() { [ "$($EVENTS "$LEDGER" previous_block="$gen" accepted=True --count)" -ge 1 ]; }
check "within 5 s the miner builds on the other miner's block $gen" wait_for 5 on_gen

# --- 4. the node goes away and comes back --------------------------------
stop_pid "$NODE_PID"
NODE_PID=
node_errors() { [ "$($EVENTS "$ERRORS" error_type=node_unreachable --count)" -ge 1 ]; }
check "with the node down the miner logs node_unreachable errors" wait_for 20 node_errors
check "and keeps running" kill -0 "$MINER_PID"
bcoin_start
check "the node restarts and answers" bcoin_wait 90
mined_again() { [ "$(rpc getblockcount)" -ge 2 ]; }
check "the miner mines on the restarted node (a fresh regtest chain)" wait_for 30 mined_again
kill -TERM "$MINER_PID"
wait "$MINER_PID"
mrc=$?
MINER_PID=
check "SIGTERM ends the miner with exit 0 (got $mrc)" [ "$mrc" = 0 ]
[ "$mrc" = 0 ] || show "$T/bg.err" stderr
check "the best hash is the ledger's last" [ "$(rpc getbestblockhash)" = "$(last_ledger block_hash)" ]
check "the session ended with a report" [ \
	"$($EVENTS "$REPORTS" event=mining_session_end stopped_by_signal=True --count)" = 1 ]
run validate2 "$BUILD/brainstem-dtm" --staging --root "$ROOT" validate
check "brainstem-dtm validate: still clean" [ "$rc" = 0 ]
[ "$rc" = 0 ] || show "$T/validate2.out" validate

finish
