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
