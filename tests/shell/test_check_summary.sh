#!/bin/sh
# tests/shell/test_check_summary.sh - make check's last line
# (tests/check-summary.sh) from the logs of its steps: the counts of what
# ran, passed and failed, the names of what failed, and its exit status.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-summary.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

summary() { # DIR: the line into $T/line, the exit status into $rc
	rc=0
	sh "$REPO/tests/check-summary.sh" "$1" >"$T/line" || rc=$?
}
same() { # WANT: the line is WANT
	if [ "$(cat "$T/line")" = "$1" ]; then return 0; fi
	printf '       got:  %s\n       want: %s\n' "$(cat "$T/line")" "$1"
	return 1
}

# all passed: what the three steps print
mkdir "$T/good"
cat >"$T/good/unit.log" <<'LOG'
Running suite(s): blueprint
 config
100%: Checks: 281, Failures: 0, Errors: 0
LOG
printf 'ok - test_dtm\nok - test_miner\nskip - test_live\n    skip node is not installed\n2 passed, 0 failed, 1 skipped\n' \
	>"$T/good/shell.log"
printf '== fuzz: disk for 10s\nDone 1000 runs in 10 second(s)\nok - fuzz disk\nok - fuzz node\n' \
	>"$T/good/fuzz.log"
for s in unit shell fuzz; do echo 0 >"$T/good/$s.rc"; done
summary "$T/good"
check "all passed: exit 0" [ "$rc" -eq 0 ]
check "all passed: one line with the counts" same \
	"make check: 281 unit checks, 3 shell tests, 2 fuzzers: 285 passed, 0 failed, 1 skipped"

# failures in every step, named
mkdir "$T/bad"
cat >"$T/bad/unit.log" <<'LOG'
Running suite(s): blueprint
99%: Checks: 281, Failures: 1, Errors: 1
tests/check_config.c:34:F:config_json:defaults_without_a_config_file:0: Assertion failed
tests/check_store.c:90:E:store:saves_a_record:0: (after this point) Test timeout expired
LOG
printf 'ok - test_dtm\nFAIL - test_miner\n  FAIL something\n1 passed, 1 failed\n' \
	>"$T/bad/shell.log"
printf 'ok - fuzz disk\nFAIL - fuzz node\n' >"$T/bad/fuzz.log"
echo 1 >"$T/bad/unit.rc"
echo 1 >"$T/bad/shell.rc"
echo 2 >"$T/bad/fuzz.rc"
summary "$T/bad"
check "failures: exit 1" [ "$rc" -eq 1 ]
check "failures: counted and named on the one line" same \
	"make check: 281 unit checks, 2 shell tests, 2 fuzzers: 281 passed, 4 failed (unit defaults_without_a_config_file, unit saves_a_record, shell test_miner, fuzzer node)"

# a step that died without its counts, and a step that did not run
mkdir "$T/died"
printf 'Running suite(s): blueprint\nSegmentation fault\n' >"$T/died/unit.log"
echo 139 >"$T/died/unit.rc"
printf 'ok - test_dtm\n1 passed, 0 failed\n' >"$T/died/shell.log"
echo 0 >"$T/died/shell.rc"
summary "$T/died"
check "a unit run without its result fails" [ "$rc" -eq 1 ]
check "and says so; the fuzzers that did not run are skipped" same \
	"make check: unit checks, 1 shell tests, fuzzers skipped: 1 passed, 1 failed (unit tests (no result, exit 139))"

finish
