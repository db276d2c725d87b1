#!/bin/sh
# tests/shell/test_looper.sh - brainstem-looper with real miners, real
# processes and real signals: two miners start and report; a miner killed
# with SIGKILL is restarted (miner_restarted); a miner that keeps crashing
# stops being restarted after --max-restarts; SIGTERM to the looper leaves
# no child and exits 0; the tree validates clean afterwards.
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-looper.XXXXXX")
LOOPER_PID=
cleanup() {
	[ -n "$LOOPER_PID" ] && kill -9 "$LOOPER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

EVENTS="python3 $REPO/tests/tools/events.py"
ROOT=$T/root
BASE="$ROOT/Test/Test mode/Mining"
LOOPING="$BASE/System/System_Reports/Looping/Global/global_looping_report.json"
LOOPING_ERR="$BASE/System/Error_Reports/Looping/Global/global_looping_error.json"
MINERS="$BASE/System/System_Reports/Miners/Global/global_miners_report.json"

count_at_least() { # FILE N FILTER...
	_f=$1
	_n=$2
	shift 2
	[ "$($EVENTS "$_f" "$@" --count)" -ge "$_n" ]
}

# 1. two miners start and report
"$BUILD/brainstem-looper" --test --root "$ROOT" --miners 2 \
	--round-seconds 1 --max-restarts 3 --restart-window 60 \
	--hang-seconds 20 --grace 30 -- --zeros 4 --max-attempts 300000 \
	>"$T/looper.out" 2>"$T/looper.err" </dev/null &
LOOPER_PID=$!
check "looper reports two miner_started" \
	wait_for 30 count_at_least "$LOOPING" 2 event=miner_started
check "both miners report mining_session_start" \
	wait_for 30 count_at_least "$MINERS" 2 event=mining_session_start
check "both miners complete rounds" \
	wait_for 30 count_at_least "$MINERS" 2 event=mining_round_complete
ids=$($EVENTS "$LOOPING" event=miner_started --field miner_id | sort -u |
	wc -l)
check "the two miners have distinct ids" [ "$ids" -eq 2 ]

# 2. SIGKILL one miner: it is restarted
victim=$($EVENTS "$LOOPING" event=miner_started --field pid | head -1)
victim_id=$($EVENTS "$LOOPING" event=miner_started --field miner_id | head -1)
kill -9 "$victim"
check "a SIGKILLed miner is restarted (miner_restarted)" \
	wait_for 30 count_at_least "$LOOPING" 1 event=miner_restarted \
	miner_id="$victim_id"
check "its exit is reported with signal 9" \
	count_at_least "$LOOPING" 1 event=miner_exited miner_id="$victim_id" \
	signal=9

# 3. SIGTERM to the looper: every child stopped, exit 0
kill -TERM "$LOOPER_PID"
rc=0
wait "$LOOPER_PID" || rc=$?
LOOPER_PID=
check "looper exits 0 after SIGTERM" [ "$rc" -eq 0 ]
left=0
for pid in $($EVENTS "$LOOPING" event=miner_started --field pid); do
	if kill -0 "$pid" 2>/dev/null; then left=$((left + 1)); fi
done
check "no miner process is left (of $($EVENTS "$LOOPING" \
	event=miner_started --count) started)" [ "$left" -eq 0 ]
check "looper_stop is reported" count_at_least "$LOOPING" 1 event=looper_stop
check "every miner wrote its session end" \
	[ "$($EVENTS "$MINERS" event=mining_session_end --count)" -ge 2 ]
show "$T/looper.err"

# 4. a miner that keeps crashing stops being restarted
before=$($EVENTS "$LOOPING" event=miner_restarted --count)
cat >"$T/crasher" <<'SH'
#!/bin/sh
exit 3
SH
chmod +x "$T/crasher"
run crash "$BUILD/brainstem-looper" --test --root "$ROOT" --miners 1 \
	--max-restarts 2 --restart-window 60 --miner "$T/crasher"
check "looper gives up on a crashing miner and exits" [ "$rc" -eq 1 ]
check "it reports a restart_limit error" \
	count_at_least "$LOOPING_ERR" 1 error_type=restart_limit
after=$($EVENTS "$LOOPING" event=miner_restarted --count)
check "exactly --max-restarts (2) restarts were tried ($((after - before)))" \
	[ $((after - before)) -eq 2 ]

# 4b. a miner that refuses its settings (exit 2) is not restarted: the
# looper stops, says why, and exits 2
before=$($EVENTS "$LOOPING" event=miner_restarted --count)
cat >"$T/misconfigured" <<'SH'
#!/bin/sh
echo "brainstem-miner: config.json:3:12: pools[0].url: not a stratum+tcp:// url" >&2
exit 2
SH
chmod +x "$T/misconfigured"
run settings "$BUILD/brainstem-looper" --test --root "$ROOT" --miners 2 \
	--max-restarts 4 --restart-window 60 --miner "$T/misconfigured"
check "a miner's exit 2 stops the looper with exit 2 (got $rc)" [ "$rc" -eq 2 ]
after=$($EVENTS "$LOOPING" event=miner_restarted --count)
check "and no miner is restarted ($((after - before)) restarts)" \
	[ "$after" -eq "$before" ]
check "the looper says why on stderr" \
	grep -q "exited with status 2: its options or config.json are wrong" \
	"$T/settings.err"
check "and in its error tree (miner_settings_refused)" \
	count_at_least "$LOOPING_ERR" 1 error_type=miner_settings_refused

# 4c. a stop that comes while a miner is still starting waits for it: the
# miner (behind a wrapper held at a fifo until the stop was sent) still
# writes its session start and end, and the looper exits 0
mkfifo "$T/hold"
cat >"$T/slow-start" <<SH
#!/bin/sh
echo ready >"$T/slow-start.ready"
read _go <"$T/hold"
exec "$BUILD/brainstem-miner" "\$@"
SH
chmod +x "$T/slow-start"
ends=$($EVENTS "$MINERS" event=mining_session_end --count)
"$BUILD/brainstem-looper" --test --root "$ROOT" --miners 1 --grace 30 \
	--miner "$T/slow-start" -- --zeros 4 --max-attempts 100000 \
	>"$T/slow.out" 2>"$T/slow.err" </dev/null &
LOOPER_PID=$!
check "the wrapped miner is starting" wait_for 30 test -s "$T/slow-start.ready"
kill -TERM "$LOOPER_PID"
check "the looper passed the stop on" \
	wait_for 30 grep -q "stopping the miners: SIGTERM" "$T/slow.err"
# (a bounded write: if the stop killed the wrapper, nobody reads the fifo)
timeout 30 sh -c 'echo go >"$1"' sh "$T/hold"
rc=0
wait "$LOOPER_PID" || rc=$?
LOOPER_PID=
check "the looper exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "the miner stopped while starting still wrote its session end" \
	[ "$($EVENTS "$MINERS" event=mining_session_end --count)" -eq \
	  $((ends + 1)) ]
show "$T/slow.err"

# 5. the tree is clean
run validate "$BUILD/brainstem-dtm" --test --root "$ROOT" validate
check "brainstem-dtm validate finds the tree clean" [ "$rc" -eq 0 ]
show "$T/validate.out"

finish
