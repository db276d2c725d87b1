#!/bin/sh
# bench/pool.sh - pool mining's effective hash rate against --benchmark at
# the same threads, in the same run (issue 12: >= 0.95).
#
#   sh bench/pool.sh [SECONDS [THREADS]]     (default 20 s, 2 threads)
#   BUILD=build/x sh bench/pool.sh           (`make bench` sets BUILD)
#
# brainstem-miner --benchmark runs before and after the pool run (their mean
# is the reference, so a change of load on the machine during the run shows
# as their spread).  The pool run mines --staging through tests/pool/pool.js
# (stratum-pool-sha256 2.1.3 over bcoin regtest, as tests/shell/test_pool.sh)
# with --blocks off (on regtest every share would be a block and a new job;
# here jobs come every 5 s without clean_jobs, as a mainnet pool sends them)
# at a difficulty giving about 20 shares a second.  It prints:
#   shares     accepted shares x difficulty x 2^32 / the time between the
#              first and the last accepted share (the pool's own log), with
#              its 95 % interval (+- 2 / sqrt(shares))
#   counter    the hash rate the miner itself reports for the run (its
#              rounds' attempts over their duration)
# and each against the benchmark.  Nothing is asserted: a benchmark on a
# shared machine informs, it does not fail a build.  Without Node.js/npm it
# says so and exits 0.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
SECONDS_RUN=${1:-20}
THREADS=${2:-2}
SHARES_PER_S=${POOL_BENCH_SHARES:-20}

for tool in node npm python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "pool bench: skipped, $tool is not installed"
		exit 0
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-poolbench.XXXXXX") || exit 1
MINER_PID=
# shellcheck source=../tests/live/bcoin.sh
. "$REPO/tests/live/bcoin.sh"
# shellcheck source=../tests/pool/pool.sh
. "$REPO/tests/pool/pool.sh"
cleanup() {
	stop_pid "$MINER_PID"
	pool_stop P
	stop_pid "$NODE_PID"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() {
	echo "pool bench: $*" >&2
	for f in "$T"/*.err "$T/node.log"; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

bcoin_install || die "npm install of bcoin into $LIVE failed (see $LIVE/npm.log)"
pool_install || die "npm install of the pool into $POOLDIR failed (see $POOLDIR/npm.log)"
bcoin_start
bcoin_wait 90 || die "bcoin did not answer within 90 s"

benchmark() { # OUT: MH/s of --benchmark
	"$BUILD/brainstem-miner" --benchmark --seconds "$SECONDS_RUN" \
		-t "$THREADS" --json >"$T/$1.json" 2>"$T/$1.err" ||
		die "brainstem-miner --benchmark failed"
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mhs"])' \
		"$T/$1.json"
}

bench1=$(benchmark bench1)
D=$(python3 -c 'import sys; print("%.3g" % (float(sys.argv[1]) * 1e6 / (2 ** 32 * float(sys.argv[2]))))' \
	"$bench1" "$SHARES_PER_S")
PORT=$(free_ports 1)
pool_start P "$PORT" "$D" --blocks off --job-seconds 5
pool_wait P 60 || die "the pool did not start"

ROOT=$T/tree
"$BUILD/brainstem-miner" --staging --root "$ROOT" \
	-o "stratum+tcp://127.0.0.1:$PORT" -u "$POOL_ADDRESS" -p x -t "$THREADS" \
	>"$T/miner.out" 2>"$T/miner.err" </dev/null &
MINER_PID=$!
# the run starts at the first share, and lasts SECONDS_RUN from there
first_share() { kill -0 "$MINER_PID" 2>/dev/null || return 0; [ -s "$T/P.shares" ]; }
wait_for 30 first_share
[ -s "$T/P.shares" ] || die "no share reached the pool within 30 s"
sleep "$SECONDS_RUN"
kill -TERM "$MINER_PID"
wait "$MINER_PID" || die "the miner did not end cleanly"
MINER_PID=
bench2=$(benchmark bench2)

python3 - "$bench1" "$bench2" "$D" "$T/P.shares" "$ROOT" "$THREADS" <<'EOF'
import json, math, os, sys

b1, b2, d = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
shares = [json.loads(l) for l in open(sys.argv[4])]
shares = [s for s in shares if s["event"] == "share"]
root, threads = sys.argv[5], sys.argv[6]
acc = sorted(s["time"] for s in shares if s["accepted"])
rej = sum(1 for s in shares if not s["accepted"])
bench = (b1 + b2) / 2
span = acc[-1] - acc[0] if len(acc) > 1 else 0
share_rate = (len(acc) - 1) * d * 2 ** 32 / span / 1e6 if span > 0 else 0
band = 2 / math.sqrt(len(acc) - 1) if len(acc) > 1 else 1

# the miner's own counter: its rounds' hashes over their time
path = os.path.join(root, "Mining/System/System_Reports/Miners/Global/"
                    "global_miners_report.json")
counter = None
try:
    with open(path) as f:
        doc = json.load(f)
    recs = [v for v in doc.values() if isinstance(v, list)][-1]
    rounds = [r for r in recs if r.get("event") == "mining_round_complete"]
    h = sum(r["attempts_this_round"] for r in rounds)
    t = sum(r["duration_ms"] for r in rounds) / 1000
    if h and t:
        counter = h / t / 1e6
except (OSError, ValueError, IndexError, KeyError):
    pass

print("pool mining vs --benchmark, %s threads, %.0f s, difficulty %g"
      % (threads, span, d))
print("%-34s %10s %8s" % ("", "MH/s", "ratio"))
print("%-34s %10.2f %8s" % ("--benchmark (before)", b1, ""))
print("%-34s %10.2f %8s" % ("--benchmark (after)", b2, ""))
print("%-34s %10.2f %8s" % ("--benchmark (mean)", bench, "1.00"))
print("%-34s %10.2f %8.3f  (+-%.1f%% at 95%%)"
      % ("pool: %d shares x diff x 2^32 / t" % len(acc), share_rate,
         share_rate / bench, band * 100))
if counter is not None:
    print("%-34s %10.2f %8.3f" % ("pool: the miner's own counter", counter,
                                   counter / bench))
else:
    print("%-34s %10s" % ("pool: the miner's own counter", "n/a"))
print("rejected shares: %d" % rej)
best = counter if counter is not None else share_rate
print("\ntarget: pool >= 0.95 x --benchmark: %s (%.3f%s)" % (
    "met" if best / bench >= 0.95 else "NOT met", best / bench,
    ", the miner's counter" if counter is not None else ", shares"))
EOF
