#!/bin/sh
# tests/shell/test_hourly.sh - the looper keeps the previous hour's report
# in the tree: on a tree whose previous hour (computed from now) holds
# records, a looper started briefly saves exactly one hourly_report of that
# hour into its category, whose report equals brainstem-dtm report's of
# that hour; started again, it saves no second one (it reads the tree, not
# its memory); --no-hourly-report saves none, and neither does a looper
# whose previous hour holds no record; a report over the blueprint's
# store.max_record_bytes is saved as a digest without the blocks' list,
# under the limit; and the tree validates clean.
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-hourly.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

DTM="$BUILD/brainstem-dtm"
FILL="$BUILD/tests/filltree"
EVENTS="python3 $REPO/tests/tools/events.py"
JOURNAL="Test/Test mode/Mining/System/System_Reports/Looping/Global"
JOURNAL="$JOURNAL/global_looping_report.json"
if [ ! -x "$FILL" ]; then
	fail "$FILL is built (make $FILL)"
	finish
fi

# The test's own reading: `spec OUT BLOCKS` writes filltree's records for
# the hour before now (rounds of two miners, shares, errors, a looping
# event, BLOCKS ledger entries) and prints that hour's scope; `same
# RECORD.json DTM.json` compares the saved report with the dtm's (reals
# within 1e-9: the dtm prints 12 digits) and, for a digest, checks that
# only the blocks' list was left out.
cat >"$T/hourly.py" <<'PY'
import datetime as dt, json, sys

def spec(out, blocks):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    prev = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    recs = []
    def add(stream, **r):
        recs.append({"stream": stream, "record": r})
    rounds = [("05", "m_a", 4000000, 2500000.5),
              ("20", "m_b", 1500000, 987654.25), ("40", "m_a", 100000, 1999.5)]
    for i, (mm, miner, n, rate) in enumerate(rounds):
        add("miners", timestamp=f"{prev}:{mm}:00Z",
            event="mining_round_complete",
            miner_id=miner, round_number=i + 1, attempts_this_round=n,
            hashrate=rate, duration_ms=1500 + i, blocks_found=i,
            best_difficulty=4 + i, shares_accepted=i, shares_rejected=1,
            shares_stale=0, interrupted=False)
    add("submission", timestamp=f"{prev}:21:00Z", share_hash="00" * 32,
        result="accepted", accepted=True, share_difficulty=1.5, pool="p1")
    add("error:miners", timestamp=f"{prev}:30:00Z", error_type="rpc_timeout",
        message="node did not answer")
    add("looping", timestamp=f"{prev}:00:01Z", event="miner_started",
        miner_id="m_a")
    for i in range(blocks):
        add("ledger", timestamp=f"{prev}:{10 + i % 40:02d}:00Z",
            block_hash="%08x" % i + "ab" * 28, height=None, leading_zeros=5,
            miner_id="m_a")
    json.dump({"now": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "records": recs},
              open(out, "w"))
    print(prev)

def close(a, b, where):
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (where, sorted(a), sorted(b))
        for k in a:
            close(a[k], b[k], where + "." + k)
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, "%s[%d]" % (where, i))
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1), (where, a, b)
    else:
        assert a == b and type(a) == type(b), (where, a, b)

def same(rec, dtm):
    rec, rep = json.load(open(rec)), json.load(open(dtm))
    saved = rec["report"]
    for r in (saved, rep):
        r.pop("generated_at")
    if rec.get("trimmed"):
        assert rec["trimmed"] == ["blocks"], rec["trimmed"]
        led = rep["record_kinds"]["ledger"]
        assert saved["record_kinds"]["ledger"]["blocks"] == []
        led["blocks_not_listed"] += len(led["blocks"])
        led["blocks"] = []
    close(saved, rep, "report")

{"spec": lambda: spec(sys.argv[2], int(sys.argv[3])),
 "same": lambda: same(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
PY
PY="python3 $T/hourly.py"

# looper NAME ROOT [OPTIONS...]: two miners, three short rounds each
looper() {
	_n=$1
	_r=$2
	shift 2
	run "$_n" "$BUILD/brainstem-looper" --test --root "$_r" --miners 2 \
		--rounds 3 --round-seconds 1 "$@" -- --zeros 3 \
		--max-attempts 20000
	check "$_n: the looper exits 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || show "$T/$_n.err"
}

# hourly ROOT: the journal's hourly_report records, one a line
hourly() {
	$EVENTS "$1/$JOURNAL" event=hourly_report --settled
}

# The checks assume the hour does not change while they run; when it
# does (a run just before the hour), they run once more.
attempt() {
	hour=$(date -u +%Y-%m-%dT%H)
	R=$T/tree$1
	prev=$($PY spec "$T/spec.json" 0)
	run fill "$FILL" --root "$R" "$T/spec.json"
	check "filltree fills the hour before now ($prev)" [ "$rc" -eq 0 ]
	show "$T/fill.err"

	looper off "$R" --no-hourly-report
	check "--no-hourly-report: no hourly_report saved" \
		[ "$(hourly "$R" | wc -l)" -eq 0 ]

	looper first "$R"
	hourly "$R" >"$T/first.jsonl"
	check "the looper saves one hourly_report" \
		[ "$(wc -l <"$T/first.jsonl")" -eq 1 ]
	check "  of the hour before ($prev)" \
		[ "$($EVENTS "$R/$JOURNAL" event=hourly_report scope="$prev" --count)" -eq 1 ]
	check "  and says so in its log" \
		grep -q "INFO looper: hourly report of $prev recorded$" "$T/first.err"
	head -n 1 "$T/first.jsonl" >"$T/first.json"
	run dtm "$DTM" --test --root "$R" report --at "$prev:30Z" --json
	check "  its report equals brainstem-dtm report --at $prev:30Z --json's" \
		$PY same "$T/first.json" "$T/dtm.out"

	looper again "$R" --log-level debug
	check "started again, the looper saves no second one" \
		[ "$(hourly "$R" | wc -l)" -eq 1 ]
	due=$(python3 -c '
import datetime as dt, sys
h = dt.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H")
print((h + dt.timedelta(hours=1, seconds=75)).strftime("%Y-%m-%dT%H:%M:%SZ"))
' "$hour")
	check "  and sets the next one for 75 s after this hour ($due)" \
		grep -q "DEBUG looper: next hourly report at $due$" "$T/again.err"
	check "  (it did start: three looper_start)" \
		[ "$($EVENTS "$R/$JOURNAL" event=looper_start --count)" -eq 3 ]

	run validate "$DTM" --test --root "$R" validate
	check "the tree validates clean" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || show "$T/validate.out"

	# an empty previous hour: nothing to report
	looper fresh "$T/fresh$1"
	check "a fresh tree (no record in the hour before): no hourly_report" \
		[ "$(hourly "$T/fresh$1" | wc -l)" -eq 0 ]

	# over the record size limit: the digest without the blocks' list
	sed 's/^\( *max_record_bytes:\).*/\1 4096/' "$REPO/blueprint/brain.qtl" \
		>"$T/small.qtl"
	prev=$($PY spec "$T/spec.json" 60)
	run fill-small "$FILL" --root "$T/small$1" --blueprint "$T/small.qtl" \
		"$T/spec.json"
	check "filltree fills a tree whose records are at most 4096 bytes" \
		[ "$rc" -eq 0 ]
	show "$T/fill-small.err"
	looper small "$T/small$1" --blueprint "$T/small.qtl"
	hourly "$T/small$1" >"$T/small.jsonl"
	check "60 blocks over 4096 bytes: one hourly_report still" \
		[ "$(wc -l <"$T/small.jsonl")" -eq 1 ]
	head -n 1 "$T/small.jsonl" >"$T/small.json"
	check "  trimmed of the blocks' list, under the limit" \
		python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["trimmed"] == ["blocks"], r.get("trimmed")
assert r["report"]["record_kinds"]["ledger"]["blocks_not_listed"] == 60
assert len(json.dumps(r, separators=(",", ":"))) < 4096
' "$T/small.json"
	check "  and says it is a digest" grep -q \
		"hourly report of $prev recorded as a digest" "$T/small.err"
	run dtm-small "$DTM" --test --root "$T/small$1" --blueprint "$T/small.qtl" \
		report --at "$prev:30Z" --json
	check "  every other figure equals the dtm's" \
		$PY same "$T/small.json" "$T/dtm-small.out"
}

errors_before=$errors
attempt 1
if [ "$(date -u +%Y-%m-%dT%H)" != "$hour" ]; then
	echo "  note: the hour changed during the checks; once more"
	errors=$errors_before
	attempt 2
fi

finish
