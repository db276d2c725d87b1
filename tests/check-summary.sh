#!/bin/sh
# tests/check-summary.sh - make check's last line: what ran, how many passed
# and failed, and the names of what failed, from the logs of its three steps.
#
#     sh tests/check-summary.sh LOGDIR
#
# LOGDIR holds, per step (unit: the Check runner; shell:
# tests/run-shell-tests.sh; fuzz: make fuzz-run), STEP.log (its output) and
# STEP.rc (its exit status).  A step without its .rc did not run (the fuzz
# step without clang or under SAN): it is named as skipped.  A step that
# failed without saying what (a crash, a build error) counts as one failure
# named after the step.  Prints one line; exits 1 when anything failed.
# Names are words (test and fuzzer names), so they are read as words.
# shellcheck disable=SC2013

dir=${1:?usage: check-summary.sh LOGDIR}

passed=0
failed=0
skipped=0
what=""   # "281 unit checks, 12 shell tests, 5 fuzzers"
names=""  # what failed

add_what() { what="${what:+$what, }$1"; }
add_name() { names="${names:+$names, }$1"; }

# unit: Check's "NN%: Checks: N, Failures: F, Errors: E", and a line
# "file:line:F|E:tcase:test:..." per failed test
if [ -f "$dir/unit.rc" ]; then
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' \
		"$dir/unit.log" | tail -n 1)
	if [ -n "$line" ]; then
		# shellcheck disable=SC2046 # the four numbers, as words
		set -- $(echo "$line" | sed 's/[^0-9 ]//g')
		n=$2
		f=$(($3 + $4))
		add_what "$n unit checks"
		passed=$((passed + n - f))
		failed=$((failed + f))
		for t in $(sed -n 's/^[^:]*:[0-9]*:[FE]:[^:]*:\([^:]*\):.*/\1/p' \
			"$dir/unit.log"); do
			add_name "unit $t"
		done
		if [ "$f" -eq 0 ] && [ "$(cat "$dir/unit.rc")" != 0 ]; then
			failed=$((failed + 1))
			add_name "unit tests (exit $(cat "$dir/unit.rc"))"
		fi
	else
		add_what "unit checks"
		failed=$((failed + 1))
		add_name "unit tests (no result, exit $(cat "$dir/unit.rc"))"
	fi
else
	add_what "unit checks skipped"
fi

# shell: "ok - NAME", "FAIL - NAME" or "skip - NAME" per test
if [ -f "$dir/shell.rc" ]; then
	p=$(grep -c '^ok - ' "$dir/shell.log")
	f=$(grep -c '^FAIL - ' "$dir/shell.log")
	s=$(grep -c '^skip - ' "$dir/shell.log")
	add_what "$((p + f + s)) shell tests"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	for t in $(sed -n 's/^FAIL - //p' "$dir/shell.log"); do
		add_name "shell $t"
	done
	if [ "$f" -eq 0 ] && [ "$(cat "$dir/shell.rc")" != 0 ]; then
		failed=$((failed + 1))
		add_name "shell tests (exit $(cat "$dir/shell.rc"))"
	fi
else
	add_what "shell tests skipped"
fi

# fuzz: "ok - fuzz NAME" or "FAIL - fuzz NAME" per fuzzer
if [ -f "$dir/fuzz.rc" ]; then
	p=$(grep -c '^ok - fuzz ' "$dir/fuzz.log")
	f=$(grep -c '^FAIL - fuzz ' "$dir/fuzz.log")
	add_what "$((p + f)) fuzzers"
	passed=$((passed + p))
	failed=$((failed + f))
	for t in $(sed -n 's/^FAIL - fuzz //p' "$dir/fuzz.log"); do
		add_name "fuzzer $t"
	done
	if [ "$f" -eq 0 ] && [ "$(cat "$dir/fuzz.rc")" != 0 ]; then
		failed=$((failed + 1))
		add_name "fuzzers (not built or not run, exit $(cat "$dir/fuzz.rc"))"
	fi
else
	add_what "fuzzers skipped"
fi

line="make check: $what: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
[ -n "$names" ] && line="$line ($names)"
echo "$line"
[ "$failed" -eq 0 ]
