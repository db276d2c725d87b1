# shellcheck shell=sh
# tests/live/bcoin.sh - a real Bitcoin node for the tests and benchmarks
# that need one: bcoin 1.0.2 (a full node in JavaScript, from npm) on
# regtest, in memory, on loopback only.  Sourced (POSIX sh) by
# tests/shell/test_live.sh, tests/shell/test_pool.sh and bench/pool.sh.
#
# Needs REPO, BUILD and T (the caller's mkdtemp directory) set.
#   npm_install DIR PKG    installs package.json PKG's dependencies into DIR
#                          (under the build directory, never the source
#                          tree), once: again only when PKG changed or an
#                          install was cut short.  1 on failure, with npm's
#                          output in DIR/npm.log; NPM_FRESH=1 after an
#                          install, empty when DIR was ready.
#   free_ports N           prints N free loopback TCP ports
#   bcoin_install          npm_install of tests/live/package.json into
#                          $BUILD/live (LIVE)
#   bcoin_start            starts the node (NODE_PID) with RPC on RPC_PORT,
#                          the wallet on WALLET_PORT, api key KEY (all chosen
#                          on the first call), data under $T/bcoin, output
#                          appended to $T/node.log
#   bcoin_wait SECONDS     until both ports answer; 1 if they do not, or the
#                          node died
#   rpc METHOD [JSON...]   / wallet METHOD [JSON...]: tests/tools/rpc.py
#   wait_for SECONDS CMD.. until CMD succeeds (polls every 0.1 s); 1 if not
#   stop_pid PID           TERM, then KILL if it lingers 10 s; reaps it

NODE_PID=
NPM_FRESH=
LIVE=$BUILD/live

# shellcheck disable=SC2034 # NPM_FRESH is read by the scripts that source this
npm_install() {
	NPM_FRESH=
	if cmp -s "$2" "$1/package.json" && [ -f "$1/.installed" ]; then
		return 0
	fi
	mkdir -p "$1" || return 1
	rm -rf "$1/node_modules" "$1/.installed" "$1/package-lock.json"
	cp "$2" "$1/package.json" || return 1
	if (cd "$1" && npm install --ignore-scripts --no-audit --no-fund &&
		npm rebuild) >"$1/npm.log" 2>&1; then
		touch "$1/.installed"
		NPM_FRESH=1
		return 0
	fi
	return 1
}

free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

bcoin_install() {
	npm_install "$LIVE" "$REPO/tests/live/package.json" &&
		[ -f "$LIVE/node_modules/bcoin/bin/node" ]
}

rpc() { python3 "$REPO/tests/tools/rpc.py" "$RPC_PORT" "$KEY" "$@"; }
wallet() { python3 "$REPO/tests/tools/rpc.py" "$WALLET_PORT" "$KEY" "$@"; }

bcoin_start() {
	if [ -z "${KEY:-}" ]; then
		KEY=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
		_ports=$(free_ports 2)
		RPC_PORT=${_ports% *}
		WALLET_PORT=${_ports#* }
	fi
	mkdir -p "$T/bcoin"
	node "$LIVE/node_modules/bcoin/bin/node" --network=regtest --memory=true \
		--prefix="$T/bcoin" --http-host=127.0.0.1 --http-port="$RPC_PORT" \
		--api-key="$KEY" --wallet-http-host=127.0.0.1 \
		--wallet-http-port="$WALLET_PORT" --wallet-api-key="$KEY" \
		--workers=false --listen=false \
		>>"$T/node.log" 2>&1 &
	NODE_PID=$!
}

wait_for() {
	_end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -le "$_end" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

# Both RPC ports answer; a node that died ends the wait at once.
_bcoin_up() {
	kill -0 "$NODE_PID" 2>/dev/null || return 0
	rpc getblockcount && wallet getbalance
}
bcoin_ready() { kill -0 "$NODE_PID" 2>/dev/null && rpc getblockcount >/dev/null; }
bcoin_wait() {
	wait_for "$1" _bcoin_up
	bcoin_ready
}

stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	_n=100
	while kill -0 "$1" 2>/dev/null && [ "$_n" -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
