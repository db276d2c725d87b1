#!/bin/sh
# tests/shell/test_metrics.sh - the roll-ups count each fact once: after a
# real demo session, every level of the miners' aggregates (Global, root,
# year, month, week, day, hour; aggregated and index files) says as many
# blocks as the ledger holds entries and as the rounds reported, and
# mining_session_end (which repeats the session's total) is not added in.
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-metrics.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

EVENTS="python3 $REPO/tests/tools/events.py"
B="$T/Test/Demo/Mining"

run mine "$BUILD/brainstem-miner" --demo --root "$T" --seed 7 \
	--miner-id m1 --rounds 3 --zeros 3 --max-attempts 200000 -t 1 --quiet
check "a demo session exits 0" [ "$rc" -eq 0 ]
show "$T/mine.err"

M="$B/System/System_Reports/Miners/Global/global_miners_report.json"
ledger=$($EVENTS "$B/Ledgers/global_ledger.json" --count)
rounds=$($EVENTS "$M" event=mining_round_complete --field blocks_found |
	awk '{ s += $1 } END { print s + 0 }')
ends=$($EVENTS "$M" event=mining_session_end --count)
check "the session found blocks ($ledger) and ended once ($ends)" \
	[ "$ledger" -gt 10 -a "$ends" -eq 1 ]
check "the rounds' blocks_found add up to the ledger ($rounds = $ledger)" \
	[ "$rounds" -eq "$ledger" ]

# Every aggregated and index file of the miners, grouped by level: the
# files of one level together hold every record once, so each level's
# sum_blocks_found must be the ledger's count.
python3 - "$B/System/System_Reports/Miners" "$ledger" >"$T/levels.out" <<'EOF'
import json, os, sys

top, want = sys.argv[1], int(sys.argv[2])
names = ["root", "year", "month", "week", "day", "hour"]
sums = {}
for kind in ("Aggregated", "Aggregated_Index"):
    base = os.path.join(top, kind)
    for d, _, files in os.walk(base):
        rel = os.path.relpath(d, base)
        parts = [] if rel == "." else rel.split(os.sep)
        level = "global" if parts[:1] == ["Global"] else names[len(parts)]
        for f in files:
            if not f.endswith(".json"):
                continue
            with open(os.path.join(d, f)) as fh:
                s = json.load(fh)["summary"]
            key = kind + " " + level
            sums[key] = sums.get(key, 0) + s["sum_blocks_found"]
bad = 0
for kind in ("Aggregated", "Aggregated_Index"):
    for level in ["global"] + names:
        key = kind + " " + level
        got = sums.get(key)
        print("%s: %s" % (key, got))
        bad += got != want
sys.exit(1 if bad else 0)
EOF
lrc=$?
check "every level's sum_blocks_found is the ledger's $ledger entries" \
	[ "$lrc" -eq 0 ]
[ "$lrc" -eq 0 ] || show "$T/levels.out"

run validate "$BUILD/brainstem-dtm" --demo --root "$T" validate
check "the session's tree validates clean" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || show "$T/validate.out"

finish
