#!/bin/sh
# tests/shell/test_report.sh - brainstem-dtm report on a tree with known
# contents (made by filltree from tests/tools/report_check.py's records):
# every figure of the hour, the day, the week and the month - hash rate
# mean/min/max, hashes, rounds, blocks with their hashes, shares, errors
# by type, miners seen, uptime - equals what the test computes from the
# records itself, records of the neighbouring hour, day, week and month
# are left out, the text form shows each figure rounded for people in
# aligned columns, and an empty period reports zeros.
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-report.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

DTM="$BUILD/brainstem-dtm"
FILL="$BUILD/tests/filltree"
PY="python3 $REPO/tests/tools/report_check.py"
if [ ! -x "$FILL" ]; then
	fail "$FILL is built (make $FILL)"
	finish
fi

$PY spec "$T/spec.json"
run fill "$FILL" --root "$T/tree" "$T/spec.json"
check "filltree makes the tree" [ "$rc" -eq 0 ]
show "$T/fill.err"

# report LEVEL AT: the JSON and the text of one period, checked
report() {
	run "$1-json" "$DTM" --test --root "$T/tree" report "--$1" --at "$2" --json
	check "report --$1 --at $2 --json: exit 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || show "$T/$1-json.err"
	run "$1-text" "$DTM" --test --root "$T/tree" report "--$1" --at "$2"
	check "report --$1 --at $2: exit 0" [ "$rc" -eq 0 ]
	if $PY check "$T/spec.json" "$1" "$2" "$T/$1-json.out" \
		"$T/$1-text.out" >"$T/$1-check" 2>&1; then
		pass "report --$1: every figure as computed from the records"
	else
		fail "report --$1: every figure as computed from the records"
		grep -v '^  ok' "$T/$1-check"
		show "$T/$1-text.out"
	fi
}
report hour 2026-11-18T10:30Z
report day 2026-11-18
report week 2026-11-18T10:00Z
report month 2026-11-18

# the hour is the default level, and a time with an offset is the same
# moment in UTC
run default "$DTM" --test --root "$T/tree" report --at 2026-11-18T11:30+01:00 --json
check "report without a level is the hour's (at 10:30Z)" python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("generated_at"); b.pop("generated_at")
assert a == b
' "$T/default.out" "$T/hour-json.out"

# an empty period: zeros, no rate, no blocks
run empty "$DTM" --test --root "$T/tree" report --hour --at 2026-11-18T05:00Z --json
check "an empty hour: exit 0" [ "$rc" -eq 0 ]
check "an empty hour: zero records, rounds, hashes, blocks, errors; no rate" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
m = r["categories"]["miners"]
assert m["records"] == 0 and m["rounds"] == 0 and m["hashes"] == 0, m
assert m["hashrate"] == {"mean": None, "min": None, "max": None}, m
assert m["errors"]["total"] == 0 and m["miners_seen"] == 0, m
assert r["record_kinds"]["ledger"]["blocks"] == [], r
t = r["totals"]
assert (t["hashes"], t["rounds"], t["blocks"], t["errors"]) == (0, 0, 0, 0), t
' "$T/empty.out"
run empty-text "$DTM" --test --root "$T/tree" report --hour --at 2026-11-18T05:00Z
check "an empty hour in text: 0 hashes, no rate, every stream without records" sh -c \
	'grep -q "^  hashes  *0$" "$1" && ! grep -q "hash rate" "$1" &&
	grep -q "^  no records  *miners, looping, dtm, brainstem, ledger, math_proof, submission, rejection$" "$1"' _ \
	"$T/empty-text.out"

# a tree written under the blueprint before the report's metrics: those
# figures are unknown (null, named), not zero, until a rebuild computes them
grep -v -e 'field: hashrate, op: min' -e 'field: hashrate, op: max' \
	-e 'field: duration_ms, op: sum' -e 'field: miner_id, op: count_by_value' \
	"$REPO/blueprint/brain.qtl" >"$T/older.qtl"
run fill-old "$FILL" --root "$T/old" --blueprint "$T/older.qtl" "$T/spec.json"
check "filltree makes a tree with the older blueprint" [ "$rc" -eq 0 ]
run old "$DTM" --test --root "$T/old" report --at 2026-11-18T10:30Z --json
check "report of the older tree: the four figures null and named" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["categories"]["miners"]
assert m["not_in_roll_ups"] == ["min_hashrate", "max_hashrate", "sum_duration_ms",
                                "count_by_value_miner_id"], m
assert m["hashrate"]["min"] is None and m["hashrate"]["max"] is None, m
assert m["uptime_seconds"] is None and m["miners_seen"] is None, m
assert m["rounds"] == 5 and m["hashrate"]["mean"] is not None, m
' "$T/old.out"
run old-text "$DTM" --test --root "$T/old" report --at 2026-11-18T10:30Z
check "  and the text says to rebuild" grep -q \
	"^  not in roll-ups .*brainstem-dtm rebuild" "$T/old-text.out"
run old-rebuild "$DTM" --test --root "$T/old" rebuild
run old2 "$DTM" --test --root "$T/old" report --at 2026-11-18T10:30Z --json
check "  after rebuild, the report is the one of a tree written with them" python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for r in (a, b):
    r.pop("generated_at")
    r["categories"].pop("dtm")  # the rebuild records its run there
assert a == b, (a["categories"]["miners"], b["categories"]["miners"])
' "$T/old2.out" "$T/hour-json.out"

# what the operator gets wrong
run badtime "$DTM" --test --root "$T/tree" report --at yesterday
check "--at yesterday: exit 2" [ "$rc" -eq 2 ]
check "  and says what --at wants" grep -q "at wants a time like" "$T/badtime.err"
run twolevels "$DTM" --test --root "$T/tree" report --day --week
check "--day --week: exit 2, one level" sh -c \
	'[ "$1" -eq 2 ] && grep -q "give one of" "$2"' _ "$rc" "$T/twolevels.err"
run notree "$DTM" --test --root "$T/none" report
check "report with no tree: exit 2, creates nothing" sh -c \
	'[ "$1" -eq 2 ] && [ ! -e "$2" ]' _ "$rc" "$T/none"

finish
