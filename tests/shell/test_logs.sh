#!/bin/sh
# tests/shell/test_logs.sh - the one-line-per-event log as an operator reads
# it:
#  * the looper with 2 miners, --log-file and its stderr in a file (not a
#    terminal): every line of both is "TIME LEVEL COMPONENT: MESSAGE"; the
#    miners log into the same file under their ids; a miner's start, its
#    exit by SIGKILL (with the signal) and its restart are logged; the
#    summary shows a non-zero rate with its unit, consistent (within a
#    factor of 2) with the rounds the miners recorded in the tree; after
#    logrotate moved the file, SIGHUP has the looper and its restarted
#    miners log into a new one; SIGTERM gives the stop and exit lines;
#  * a lone miner with --log-file logs its session, rounds and end; -q
#    keeps only errors; a log file that cannot be opened is exit 2 naming
#    it; the dtm logs its command's outcome;
#  * --syslog is accepted, and its lines reach /dev/log (checked in a
#    private mount namespace with a socket of ours at /dev/log, where
#    unshare(1) can make one).
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-logs.XXXXXX") || exit 1
LOOPER_PID=
cleanup() {
	[ -n "$LOOPER_PID" ] && kill -9 "$LOOPER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ROOT=$T/root
BASE="$ROOT/Test/Test mode/Mining"
MINERS="$BASE/System/System_Reports/Miners/Global/global_miners_report.json"
LOG=$T/looper.log
ERR=$T/looper.err
LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z (ERROR|WARN|INFO|DEBUG) [^ :]+: .+$'
RATE='[0-9]+\.[0-9]+ (H|kH|MH|GH|TH)/s'
NONZERO='([1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*)'

# lines_at_least FILE N ERE: FILE has N lines matching ERE
lines_at_least() {
	_n=$(grep -Ec "$3" "$1" 2>/dev/null)
	[ "${_n:-0}" -ge "$2" ]
}

# every_line FILE...: each FILE is not empty and each of its lines is a
# log line
every_line() {
	for _f in "$@"; do
		[ -s "$_f" ] && ! grep -Evq "$LINE" "$_f" || return 1
	done
}

# 1. the looper, its log file and its stderr (a file: not a terminal)
"$BUILD/brainstem-looper" --test --root "$ROOT" --miners 2 \
	--round-seconds 1 --summary-seconds 1 --max-restarts 3 \
	--restart-window 60 --hang-seconds 20 --grace 5 --log-file "$LOG" \
	-- --zeros 7 >"$T/looper.out" 2>"$ERR" </dev/null &
LOOPER_PID=$!
check "the log says both miners started (with their pids)" \
	wait_for 30 lines_at_least "$LOG" 2 \
	' INFO looper: looper[0-9]+_miner_00[12] \(pid [0-9]+\) started$'
check "the miners log into the same file under their ids" \
	wait_for 30 lines_at_least "$LOG" 2 \
	' INFO looper[0-9]+_miner_00[12]: session start: test mode'
check "each miner logs its rounds with a rate and its unit" \
	wait_for 30 lines_at_least "$LOG" 2 \
	"_miner_00[12]: round [0-9]+: [0-9]+ hashes in [0-9.]+ s \\($RATE\\)"
check "a summary line shows a non-zero rate with its unit" \
	wait_for 30 lines_at_least "$LOG" 2 \
	"INFO looper: summary: 2/2 miners up, $NONZERO (H|kH|MH|GH)/s \\(looper[0-9]+_miner_001 $RATE, looper[0-9]+_miner_002 $RATE\\)"

# 2. SIGKILL a miner: its exit with the signal, then its restart
victim=$(sed -n 's/.* INFO looper: \(looper[0-9]*_miner_001\) (pid \([0-9]*\)) started$/\2/p' "$LOG" | head -1)
victim_id=$(sed -n 's/.* INFO looper: \(looper[0-9]*_miner_001\) (pid \([0-9]*\)) started$/\1/p' "$LOG" | head -1)
kill -9 "$victim"
check "the exit is logged with its signal" \
	wait_for 30 lines_at_least "$LOG" 1 \
	" WARN looper: $victim_id \\(pid $victim\\) exited: killed by signal 9 "
check "the restart is logged with its back-off" \
	wait_for 30 lines_at_least "$LOG" 1 \
	" INFO looper: $victim_id restarted \\(pid [0-9]+, attempt 1, after [0-9.]+ s back-off\\)"
check "a summary after the restart shows both miners' rates again" \
	wait_for 30 lines_at_least "$LOG" 1 \
	"summary: 2/2 miners up, .*miner_001 $NONZERO .*, 1 restart,"

# 3. logrotate: the file moved, SIGHUP: the looper reopens it (and
# restarts the miners one by one, which open it anew)
mv "$LOG" "$LOG.1"
kill -HUP "$LOOPER_PID"
check "after SIGHUP the looper logs into a new file at the path" \
	wait_for 30 lines_at_least "$LOG" 1 \
	' INFO looper: rolling restart \(SIGHUP\): the miners one by one$'
check "  and the restarted miners too" \
	wait_for 60 lines_at_least "$LOG" 2 \
	' INFO looper[0-9]+_miner_00[12]: session start: '

# 4. SIGTERM: the stop, each miner's exit, the looper's last lines
kill -TERM "$LOOPER_PID"
rc=0
wait "$LOOPER_PID" || rc=$?
LOOPER_PID=
check "looper exits 0 after SIGTERM" [ "$rc" -eq 0 ]
check "the stop is logged with its reason" \
	grep -Eq ' INFO looper: stopping the miners: SIGTERM$' "$LOG"
sed -n '/ INFO looper: stopping the miners: SIGTERM$/,$p' "$LOG" >"$T/stop.log"
check "both miners' exits after the stop are logged" \
	lines_at_least "$T/stop.log" 2 \
	' INFO looper: looper[0-9]+_miner_00[12] \(pid [0-9]+\) exited with status 0 '
check "the summary at stop gives the mean rate with its unit" \
	grep -Eq " INFO looper: summary at stop: 0/2 miners up, mean $RATE " "$LOG"
check "the looper's last line says it stopped" \
	sh -c "tail -n 1 '$LOG' | grep -Eq ' INFO looper: looper stop: SIGTERM after '"
check "every line of both log files is TIME LEVEL COMPONENT: MESSAGE" \
	every_line "$LOG.1" "$LOG"
check "every line on stderr (not a terminal) is one too" every_line "$ERR"
check "stderr has the looper's and the miners' events" \
	sh -c "grep -q ' INFO looper: looper stop: ' '$ERR' &&
		grep -Eq '_miner_00[12]: session end: ' '$ERR'"
grep -Ev "$LINE" "$LOG.1" "$LOG" "$ERR" | head -5 >"$T/bad"
show "$T/bad" "lines that are not log lines"

# the summary's rate against the rounds in the tree: the median of the
# periodic summaries' totals, and the sum over the miners of each one's
# attempts / duration over its round reports
cat "$LOG.1" "$LOG" >"$T/all.log"
python3 - "$T/all.log" "$MINERS" >"$T/rate" 2>&1 <<'EOF'
import json, re, sys
units = {"H/s": 1, "kH/s": 1e3, "MH/s": 1e6, "GH/s": 1e9, "TH/s": 1e12}
totals = []
for line in open(sys.argv[1]):
    m = re.search(r"INFO looper: summary: 2/2 miners up, ([0-9.]+) (\S+) ", line)
    if m:
        totals.append(float(m.group(1)) * units[m.group(2)])
doc = json.load(open(sys.argv[2]))
records = [v for v in doc.values() if isinstance(v, list)][-1]
att, dur = {}, {}
for r in records:
    if r.get("event") == "mining_round_complete" and r.get("duration_ms", 0) > 0:
        i = r["miner_id"]
        att[i] = att.get(i, 0) + r["attempts_this_round"]
        dur[i] = dur.get(i, 0) + r["duration_ms"] / 1000
tree = sum(att[i] / dur[i] for i in att)
totals.sort()
shown = totals[len(totals) // 2] if totals else 0
print("summaries %d, median %.0f H/s; the tree's rounds: %d miners, %.0f H/s"
      % (len(totals), shown, len(att), tree))
sys.exit(0 if len(att) == 2 and tree > 0 and tree / 2 <= shown <= tree * 2
         else 1)
EOF
prc=$?
check "the summary's rate is within 2x of the rounds' ($(cat "$T/rate" | tail -n 1))" \
	[ "$prc" -eq 0 ]

# 5. a lone miner: its events in its log file (and on stderr)
run miner "$BUILD/brainstem-miner" --test --root "$ROOT" --rounds 2 \
	--zeros 7 --max-attempts 200000 --miner-id lone --log-file "$T/miner.log"
check "a lone miner with --log-file: exit 0" [ "$rc" -eq 0 ]
check "  its log has its session start" \
	grep -Eq '^.{20} INFO lone: session start: test mode' "$T/miner.log"
check "  each round with hashes and rate" \
	sh -c "grep -Ec ' INFO lone: round [12]: [0-9]+ hashes in [0-9.]+ s \\($RATE\\)' '$T/miner.log' | grep -qx 2"
check "  and its session end" \
	grep -Eq ' INFO lone: session end: 2 rounds, [0-9]+ blocks$' "$T/miner.log"
check "  every line a log line" every_line "$T/miner.log"
check "  and its stderr (not a terminal) has the same lines" \
	cmp -s "$T/miner.log" "$T/miner.err"
check "  its stdout is as before" grep -q '^session over: ' "$T/miner.out"

run quiet "$BUILD/brainstem-miner" --test --root "$ROOT" --rounds 1 \
	--zeros 7 --max-attempts 1000 --miner-id q -q --log-file "$T/quiet.log"
check "-q: exit 0, no line in the log (errors only)" \
	sh -c "[ $rc -eq 0 ] && [ ! -s '$T/quiet.log' ] && [ ! -s '$T/quiet.err' ]"

run debug "$BUILD/brainstem-miner" --test --root "$ROOT" --rounds 1 \
	--zeros 7 --max-attempts 1000 --miner-id d -q --log-level info \
	--log-file "$T/debug.log"
check "-q --log-level info: quiet stdout, events in the log" \
	sh -c "[ $rc -eq 0 ] && [ ! -s '$T/debug.out' ] &&
		grep -q ' INFO d: session end' '$T/debug.log'"

run badlevel "$BUILD/brainstem-miner" --log-level loud
check "--log-level loud: exit 2, says the levels" \
	sh -c "[ $rc -eq 2 ] && grep -q 'error, warn, info or debug' '$T/badlevel.err'"

run nofile "$BUILD/brainstem-miner" --test --root "$ROOT" --rounds 1 \
	--miner-id nofile --log-file "$T/no/such/dir/miner.log"
check "a log file that cannot be opened: exit 2, naming it" \
	sh -c "[ $rc -eq 2 ] && grep -qF '$T/no/such/dir/miner.log' '$T/nofile.err'"
check "  and nothing was mined" \
	[ "$(python3 "$REPO/tests/tools/events.py" "$MINERS" miner_id=nofile \
		--count)" -eq 0 ]

# 6. the dtm logs its command's outcome
run dtm "$BUILD/brainstem-dtm" --test --root "$ROOT" --log-file "$T/dtm.log" \
	validate
check "dtm validate --log-file: exit 0, its outcome logged" \
	sh -c "[ $rc -eq 0 ] && grep -Eq ' INFO dtm: validate: done \\(exit 0\\)$' '$T/dtm.log'"
check "  every line a log line" every_line "$T/dtm.log"

# 7. --syslog: accepted; its lines reach /dev/log
run syslog "$BUILD/brainstem-miner" --test --root "$ROOT" --rounds 1 \
	--zeros 7 --max-attempts 1000 --miner-id s --syslog
check "--syslog is accepted (exit 0)" [ "$rc" -eq 0 ]
cat >"$T/sink.py" <<'EOF'
# A syslog socket at /dev/log (in our own mount namespace): writes what
# it receives to argv[1], one datagram a line, until argv[2] appears.
import os, socket, sys, time
deadline = time.monotonic() + 120
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(0.2)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "w") as out:
    while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
        try:
            out.write(s.recv(65536).decode(errors="replace") + "\n")
            out.flush()
        except socket.timeout:
            pass
EOF
cat >"$T/ns.sh" <<EOF
mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 77
python3 "$T/sink.py" "$T/syslog.got" "$T/syslog.done" &
i=0
while [ ! -e "$T/syslog.got.ready" ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
$TIMEOUT "$BUILD/brainstem-miner" --test --root "$ROOT" --rounds 1 \
	--zeros 7 --max-attempts 1000 --miner-id s2 --syslog <"$T/ns.sh" \
	>"$T/ns.out" 2>&1
echo \$? >"$T/ns.rc"
touch "$T/syslog.done"
wait
EOF
nsrc=0
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
	unshare --mount sh "$T/ns.sh" </dev/null >"$T/ns.log" 2>&1 || nsrc=$?
else
	nsrc=77
fi
if [ "$nsrc" = 0 ] && [ -e "$T/ns.rc" ]; then
	check "  the miner ran with syslog at our socket (exit 0)" \
		[ "$(cat "$T/ns.rc")" = 0 ]
	check "  its events reach syslog: ident, pid, priority, message" \
		grep -Eq '^<30>.* s2\[[0-9]+\]: session start: test mode' \
		"$T/syslog.got"
	check "  (daemon.info), its end too" \
		grep -Eq '^<30>.* s2\[[0-9]+\]: session end: 1 rounds' \
		"$T/syslog.got"
	show "$T/syslog.got" "what syslog got"
else
	pass "(not checked: where --syslog lines go; unshare --mount could" \
		"not put a socket of ours at /dev/log here)"
	show "$T/ns.log"
fi

finish
