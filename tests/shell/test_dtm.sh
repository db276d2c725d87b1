#!/bin/sh
# tests/shell/test_dtm.sh - brainstem-dtm: a tree made by the miner
# validates clean; each kind of damage is found and named; rebuild returns
# the tree to clean with no record lost; proof checks real mainnet headers.
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-dtm.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

EVENTS="python3 $REPO/tests/tools/events.py"
DTM="$BUILD/brainstem-dtm"

run mine "$BUILD/brainstem-miner" --demo --root "$T/clean" --seed 11 \
	--rounds 2 --zeros 3 --max-attempts 200000 -t 1 --quiet
check "the miner makes a demo tree" [ "$rc" -eq 0 ]
BASE="Test/Demo/Mining"
run validate "$DTM" --demo --root "$T/clean" validate
check "a fresh demo tree validates clean (exit 0)" [ "$rc" -eq 0 ]
show "$T/validate.out"

# The path of one file of the tree, relative to the base.
one() { # ROOT FIND-ARGS...
	_root=$1
	shift
	(cd "$_root/$BASE" && find . "$@" | sed 's|^\./||' | sort | head -1)
}

# damage NAME DESCRIPTION EXPECT -- SHELL-EDIT: copies the clean tree,
# applies the edit in its base, validates (exit 1, EXPECT in the output),
# rebuilds and validates again (exit 0), and checks no record was lost.
damage() {
	d_name=$1
	d_desc=$2
	d_expect=$3
	d_edit=$4
	rm -rf "${T:?}/$d_name"
	cp -a "$T/clean" "$T/$d_name"
	(cd "$T/$d_name/$BASE" && eval "$d_edit")
	run "$d_name-v" "$DTM" --demo --root "$T/$d_name" validate
	check "$d_desc is found (exit 1)" [ "$rc" -eq 1 ]
	check "$d_desc is named: $d_expect" grep -q -- "$d_expect" \
		"$T/$d_name-v.out"
	[ "$rc" -eq 1 ] || show "$T/$d_name-v.out"
	run "$d_name-r" "$DTM" --demo --root "$T/$d_name" rebuild
	check "$d_desc: rebuild succeeds" [ "$rc" -eq 0 ]
	show "$T/$d_name-r.err"
	run "$d_name-v2" "$DTM" --demo --root "$T/$d_name" validate
	check "$d_desc: clean after rebuild" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || show "$T/$d_name-v2.out"
	for j in Ledgers/global_ledger.json Ledgers/global_math_proof.json \
		System/System_Reports/Miners/Global/global_miners_report.json; do
		check "$d_desc: no record lost in $j" [ \
			"$($EVENTS "$T/clean/$BASE/$j" --count)" -eq \
			"$($EVENTS "$T/$d_name/$BASE/$j" --count)" ]
	done
}

DAY=$(one "$T/clean" -path './Ledgers/Aggregated/*' -name 'aggregated_??.json' \
	-path '*/W*/*' ! -path '*/W*/*/*/*')
damage truncated "a truncated file" "$DAY" \
	"truncate -s 200 '$DAY'"

HOURLY=$(one "$T/clean" -path './System/System_Reports/Miners/Hourly/*' \
	-name 'hourly_miners_report.json')
damage removed "a report removed from an hourly source" "$HOURLY" \
	"python3 - '$HOURLY' <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split('\n')
recs = [i for i, l in enumerate(lines) if l.strip().startswith('{\"seq\":')]
del lines[recs[0]]
open(p, 'w').write('\n'.join(lines))
PY"

INDEX=$(one "$T/clean" -path './Ledgers/Aggregated_Index/*' \
	-name 'aggregated_index_*.json' -path '*/W*')
damage edited "an edited total_entries" "summary.total_entries" \
	"sed -i 's/\"total_entries\":\\([0-9]*\\)/\"total_entries\":1\\1/' '$INDEX'"

PROOF=$(one "$T/clean" -path './Ledgers/*' -name 'hourly_math_proof.json')
damage nonce "a math proof whose nonce was changed" "proof" \
	"python3 - '$PROOF' <<'PY'
import sys, json
p = sys.argv[1]
lines = open(p).read().split('\n')
for i, l in enumerate(lines):
    s = l.strip()
    if s.startswith('{\"seq\":'):
        comma = s.endswith(',')
        r = json.loads(s.rstrip(','))
        h = r['header_hex']
        n = int.from_bytes(bytes.fromhex(h[152:160]), 'little') + 1
        r['header_hex'] = h[:152] + n.to_bytes(4, 'little').hex()
        r['nonce'] = n
        lines[i] = '    ' + json.dumps(r, separators=(',', ':')) + (',' if comma else '')
        break
open(p, 'w').write('\n'.join(lines))
PY"

HOUR=$(one "$T/clean" -path './Ledgers/Aggregated/*' -name 'aggregated_??.json' \
	-path '*/W*/*/*/*')
damage missing "a missing data source" "listed file is missing" \
	"rm '$HOUR'"

# read-only commands change nothing: every path, its size and mtime
listing() { (cd "$1" && find . -printf '%p %y %s %T@\n' | LC_ALL=C sort); }
rm -rf "${T:?}/ro"
cp -a "$T/clean" "$T/ro"
# a stream whose lock file is gone: a reader must not make it
rm "$T/ro/$BASE/System/System_Reports/Miners/.miners_report.lock"
listing "$T/ro" >"$T/ro-before"
run ro-v "$DTM" --demo --root "$T/ro" validate
check "validate of a tree without one lock file: exit 0" [ "$rc" -eq 0 ]
run ro-s "$DTM" --demo --root "$T/ro" templates status
check "templates status: exit 0" [ "$rc" -eq 0 ]
listing "$T/ro" >"$T/ro-after"
check "validate and templates status create and change nothing" \
	cmp -s "$T/ro-before" "$T/ro-after"
diff "$T/ro-before" "$T/ro-after" | head -20 >"$T/ro-diff"
show "$T/ro-diff"

# validate on a tree that is not there
run none-v "$DTM" --demo --root "$T/none" validate
check "validate with no tree: exit 2" [ "$rc" -eq 2 ]
check "  and says: no demo tree under DIR" grep -qF "no demo tree under $T/none" \
	"$T/none-v.err"
check "  and creates nothing" test ! -e "$T/none"

# rebuild records its run in "dtm": a blueprint without it is refused first
sed 's/^  dtm:$/  dtmz:/' "$REPO/blueprint/brain.qtl" >"$T/nodtm.qtl"
listing "$T/ro" >"$T/ro-before"
run nodtm "$DTM" --demo --root "$T/ro" --blueprint "$T/nodtm.qtl" rebuild
check "rebuild with no 'dtm' category in the blueprint: exit 2" [ "$rc" -eq 2 ]
check "  and says: blueprint has no category 'dtm'" \
	grep -qF "nodtm.qtl: blueprint has no category 'dtm' (needed by DTM)" "$T/nodtm.err"
listing "$T/ro" >"$T/ro-after"
check "  and changes nothing" cmp -s "$T/ro-before" "$T/ro-after"

# found (exit 1, EXPECT in the output) where no aggregate looks
found() { # NAME DESCRIPTION EXPECT SHELL-EDIT
	rm -rf "${T:?}/$1"
	cp -a "$T/clean" "$T/$1"
	(cd "$T/$1/$BASE" && eval "$4")
	run "$1-v" "$DTM" --demo --root "$T/$1" validate
	check "$2 is found (exit 1)" [ "$rc" -eq 1 ]
	check "$2 is named: $3" grep -qF -- "$3" "$T/$1-v.out"
	[ "$rc" -eq 1 ] || show "$T/$1-v.out"
}
# "looping" has no records: its files of the hour exist, listed nowhere
EMPTY=$(one "$T/clean" -path './System/Error_Reports/Looping/Aggregated/*' \
	-name 'aggregated_??.json' -path '*/W*/*/*/*')
found emptyedit "an edited total_entries in an empty stream's hour" \
	"$EMPTY: orphan: summary.total_entries is 5" \
	"sed -i 's/\"total_entries\":0/\"total_entries\":5/' '$EMPTY'"
ORPHAN=$(dirname "$HOURLY" | sed 's|/[0-9][0-9]$|/23|')/hourly_miners_report.json
[ "$ORPHAN" != "$HOURLY" ] ||
	ORPHAN=$(dirname "$HOURLY" | sed 's|/[0-9][0-9]$|/22|')/hourly_miners_report.json
found orphan "an hourly file no aggregate lists" \
	"$ORPHAN: orphan: holds" \
	"mkdir -p '$(dirname "$ORPHAN")' && cp '$HOURLY' '$ORPHAN'"
found emptyroot "an empty stream's missing root aggregate" \
	"System/Error_Reports/Looping/Aggregated/aggregated.json: source: listed file is missing" \
	"rm System/Error_Reports/Looping/Aggregated/aggregated.json"
found nojournal "a missing journal" \
	"Ledgers/global_ledger.json: source: listed file is missing" \
	"rm Ledgers/global_ledger.json"

# proof: real mainnet headers
GENESIS=0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c
run genesis "$DTM" proof --header "$GENESIS" --json
check "proof: genesis meets its bits (exit 0)" [ "$rc" -eq 0 ]
check "proof: genesis hash" grep -q \
	'"hash": "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"' \
	"$T/genesis.out"
check "proof: json keys hash, leading_zeros, valid" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"hash", "leading_zeros", "valid"} and d["valid"] is True
assert d["leading_zeros"] == 10, d
' "$T/genesis.out"
while read -r height header hash; do
	case $height in "#"* | "") continue ;; esac
	run "h$height" "$DTM" proof --header "$header" --json
	check "proof: block $height hashes to $hash" grep -q "\"hash\": \"$hash\"" \
		"$T/h$height.out"
	check "proof: block $height meets its bits" [ "$rc" -eq 0 ]
done <"$REPO/tests/data/mainnet_headers.txt"
run tooeasy "$DTM" proof --header "$GENESIS" --zeros 11
check "proof: genesis does not have 11 zeros (exit 1)" [ "$rc" -eq 1 ]
run bad "$DTM" proof --header 0011
check "proof: a malformed header is exit 2" [ "$rc" -eq 2 ]

# A journal cut to half, or deleted, is not a torn write: its records are
# still in the hourly and aggregated files, and come back from there.
MJ=System/System_Reports/Miners/Global/global_miners_report.json
lost() { # NAME DESCRIPTION SHELL-EDIT
	rm -rf "${T:?}/$1"
	cp -a "$T/clean" "$T/$1"
	(cd "$T/$1/$BASE" && eval "$3")
	run "$1-r" "$DTM" --demo --root "$T/$1" rebuild
	check "$2: rebuild succeeds" [ "$rc" -eq 0 ]
	show "$T/$1-r.err"
	run "$1-v" "$DTM" --demo --root "$T/$1" validate
	check "$2: clean after rebuild" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || show "$T/$1-v.out"
	check "$2: no record lost" [ \
		"$($EVENTS "$T/clean/$BASE/$MJ" --count)" -eq \
		"$($EVENTS "$T/$1/$BASE/$MJ" --count)" ]
	check "$2: the old journal is kept aside" sh -c \
		'ls "$1".corrupt-* >/dev/null 2>&1' _ "$T/$1/$BASE/$MJ"
}
lost halfjournal "a journal cut to half" \
	"truncate -s \$((\$(stat -c %s '$MJ') / 2)) '$MJ'"
lost lostjournal "a deleted journal" "rm '$MJ'"

# --json: one object, clean or not
run vj "$DTM" --demo --root "$T/clean" validate --json
check "validate --json of a clean tree: exit 0" [ "$rc" -eq 0 ]
check "  prints {clean: true, count: 0, problems: []}" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["clean"] is True and d["count"] == 0 and d["problems"] == [], d
assert d["completed"] is True and d["category"] is None, d
assert isinstance(d["seconds"], float), d
' "$T/vj.out"
show "$T/vj.out"
rm -rf "${T:?}/jdamage"
cp -a "$T/clean" "$T/jdamage"
truncate -s 200 "$T/jdamage/$BASE/$DAY"
run vjd "$DTM" --demo --root "$T/jdamage" validate --json
check "validate --json of a damaged tree: exit 1" [ "$rc" -eq 1 ]
check "  prints {clean: false, count: N, problems: [N of them]}" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["clean"] is False and d["count"] >= 1, d
assert len(d["problems"]) == d["count"], d
p = d["problems"][0]
assert set(p) == {"path", "entry", "check", "message"}, p
assert any(sys.argv[2] in q["path"] for q in d["problems"]), d
' "$T/vjd.out" "$DAY"
[ "$rc" -eq 1 ] || show "$T/vjd.out"
run vjc "$DTM" --demo --root "$T/clean" validate --json --category ledger
check "validate --json --category ledger names the category" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["category"] == "ledger" and d["clean"] is True, d
' "$T/vjc.out"
run rj "$DTM" --demo --root "$T/jdamage" rebuild --json
check "rebuild --json: exit 0" [ "$rc" -eq 0 ]
check "  prints {rebuilt: true, category: null, seconds}" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["rebuilt"] is True and d["category"] is None, d
assert d["seconds"] >= 0, d
' "$T/rj.out"
show "$T/rj.out"
run rjc "$DTM" --demo --root "$T/jdamage" rebuild --json --category miners
check "rebuild --json --category miners names it" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"rebuilt": True, "category": "miners", "seconds": d["seconds"]}, d
' "$T/rjc.out"
run rjv "$DTM" --demo --root "$T/jdamage" validate --json
check "  and the tree validates clean after it" [ "$rc" -eq 0 ]
run rjn "$DTM" --demo --root "$T/none" rebuild --json
check "rebuild --json with no tree: exit 2, the error as JSON" python3 -c '
import json, sys
assert sys.argv[2] == "2", sys.argv[2]
d = json.load(open(sys.argv[1]))
assert d["rebuilt"] is False and "no demo tree" in d["error"], d
' "$T/rjn.out" "$rc"

# an unknown command: exit 2, and the command meant when it is a slip
unknown() { # NAME EXPECT ARGS...
	u_name=$1
	u_expect=$2
	shift 2
	run "$u_name" "$DTM" --demo --root "$T/clean" "$@"
	check "'$*': exit 2" [ "$rc" -eq 2 ]
	check "  says: $u_expect" grep -qF -- "$u_expect" "$T/$u_name.err"
}
unknown valdate "unknown command 'valdate' (did you mean 'validate'?)" valdate
unknown rebiuld "(did you mean 'rebuild'?)" rebiuld
unknown reprot "(did you mean 'report'?)" reprot
unknown stauts "unknown command 'templates stauts' (did you mean 'templates status'?)" \
	templates stauts
unknown frob "unknown command 'frobnicate'" frobnicate
check "  and suggests nothing for a word far from any" sh -c \
	'! grep -q "did you mean" "$1"' _ "$T/frob.err"
# a mode's name too (the library knows the blueprint's modes)
for p in $PROGRAMS; do
	cmd=
	[ "$p" = brainstem-dtm ] && cmd=validate
	run "mode-$p" "$BUILD/$p" --mode tset --root "$T/nomode" $cmd
	check "$p --mode tset: exit 2, did you mean 'test'?" sh -c \
		'[ "$1" -eq 2 ] && grep -qF "unknown mode '"'tset'"' (did you mean '"'test'"'?" "$2"' \
		_ "$rc" "$T/mode-$p.err"
done

# --version: the program's version and the library's
version=$(version_h BRAIN_VERSION_STRING)
for p in $PROGRAMS; do
	run "v-$p" "$BUILD/$p" --version
	check "$p --version: '$p $version (libbrainstem $version)'" sh -c \
		'[ "$1" -eq 0 ] && [ "$(cat "$2")" = "$3" ]' _ "$rc" \
		"$T/v-$p.out" "$p $version (libbrainstem $version)"
done

finish
