# shellcheck shell=sh
# tests/pool/pool.sh - the test pool (tests/pool/pool.js over
# stratum-pool-sha256 2.1.3) in front of the bcoin node of
# tests/live/bcoin.sh.  Sourced after bcoin.sh by tests/shell/test_pool.sh
# and bench/pool.sh.
#   pool_install            npm_install of tests/pool/package.json into
#                           $BUILD/pool (POOLDIR)
#   pool_start NAME PORT DIFFICULTY [pool.js options...]
#                           starts a pool on 127.0.0.1:PORT for bcoin's
#                           RPC_PORT/KEY, paying POOL_ADDRESS; its pid goes in
#                           POOL_PID_NAME, its ready line in $T/NAME.out,
#                           its chatter in $T/NAME.err (appended), its log
#                           of shares and blocks (pool.js's logShare) in
#                           $T/NAME.shares (appended across restarts)
#   pool_wait NAME SECONDS  until the pool prints its ready line; 1 if it
#                           does not, or it died
#   pool_pid NAME           prints the pool's pid (empty when stopped)
#   pool_stop NAME          stop_pid of the pool
# And for the tests (tests/shell/test_pool*.sh: each starts the harness
# once; these need tests/shell/lib.sh's check, fail, show and finish):
#   pool_need_node          exits 77 (a skip, with the reason) where
#                           Node.js or npm is missing
#   pool_harness            installs bcoin and the pool (npm), starts bcoin
#                           and waits for it; a failure fails the test
#                           (finish) with npm's or the node's output
#   pool_up NAME PORT DIFFICULTY
#                           pool_start, and a failed check with what the
#                           pool, bcoin and the node said (then finish)
#                           unless it is ready within 75 s
#   pool_accepted NAME      prints the shares pool NAME accepted so far
#   pool_difficulty         sets D to the share difficulty that gives about
#                           4 shares a second at the miner's own rate (its
#                           --benchmark at 2 threads), so plain and
#                           sanitised builds see alike share rates; a
#                           failure fails the test (finish)

POOLDIR=$BUILD/pool
# A regtest P2PKH address as bcoin 1.0.2 parses it (version byte 0x3c) of
# the hash160 sha256("brainstem pool test")[:20]: nobody holds its key.
POOL_ADDRESS=RGpxhjpa8mMHemK94V95ynahZ2MGP92DRx

pool_install() {
	npm_install "$POOLDIR" "$REPO/tests/pool/package.json" &&
		[ -f "$POOLDIR/node_modules/stratum-pool-sha256/lib/index.js" ]
}

pool_start() {
	_name=$1 _port=$2 _diff=$3
	shift 3
	# emptied here, not only by the redirection below, which the
	# background job may run after pool_wait's first look: a restart would
	# then find the last start's ready line
	: >"$T/$_name.out"
	node "$REPO/tests/pool/pool.js" --lib "$POOLDIR" --port "$_port" \
		--rpc-port "$RPC_PORT" --rpc-password "$KEY" \
		--address "$POOL_ADDRESS" --difficulty "$_diff" \
		--log "$T/$_name.shares" "$@" >"$T/$_name.out" 2>>"$T/$_name.err" &
	eval "POOL_PID_$_name=\$!"
}

_pool_up() { # NAME PID: ready, or dead (which ends the wait)
	kill -0 "$2" 2>/dev/null || return 0
	grep -q '^pool: ready' "$T/$1.out"
}
pool_pid() { eval "echo \"\$POOL_PID_$1\""; }
pool_wait() {
	_pid=$(pool_pid "$1")
	wait_for "$2" _pool_up "$1" "$_pid"
	kill -0 "$_pid" 2>/dev/null && grep -q '^pool: ready' "$T/$1.out"
}

pool_stop() {
	stop_pid "$(pool_pid "$1")"
	eval "POOL_PID_$1="
}

pool_need_node() {
	for _tool in node npm; do
		if ! command -v "$_tool" >/dev/null 2>&1; then
			echo "  skip $_tool is not installed (scripts/install-deps installs Node.js and npm)"
			exit 77
		fi
	done
}

pool_harness() {
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
}

pool_up() {
	pool_start "$@"
	pool_wait "$1" 75 && return 0
	if kill -0 "$(pool_pid "$1")" 2>/dev/null; then
		_state="still starting"
	else
		_state="exited"
	fi
	fail "pool $1 ready on 127.0.0.1:$2 within 75 s ($_state; bcoin's height: $(rpc getblockcount 2>&1))"
	ps -o pid,stat,etime,time,args -p "$(pool_pid "$1")" >"$T/$1.ps" 2>&1
	show "$T/$1.ps" "the pool's process"
	tail -n 25 "$T/$1.err" >"$T/$1.tail"
	show "$T/$1.tail" "the end of pool $1's stderr"
	tail -n 10 "$T/node.log" >"$T/node.tail"
	show "$T/node.tail" "the end of node.log"
	finish
}

pool_accepted() {
	[ -f "$T/$1.shares" ] || { echo 0; return; }
	grep -c '"accepted":true' "$T/$1.shares"
}

pool_difficulty() {
	run bench "$BUILD/brainstem-miner" --benchmark --seconds 1 -t 2 --json
	D=$(python3 -c '
import json, sys
mhs = json.load(open(sys.argv[1]))["mhs"]
print("%.3g" % max(mhs * 1e6 / (2 ** 32 * 4), 1e-6))' "$T/bench.out")
	check "a difficulty from the miner's own rate (difficulty $D)" [ -n "$D" ]
	[ -n "$D" ] || { show "$T/bench.err"; finish; }
}
