#!/bin/sh
# tests/run-shell-tests.sh - run every tests/shell/test_*.sh against the built
# artifacts (library, programs, install tree).
#
# Environment: BUILD (build dir, absolute or relative to the repository root;
# default build, build/san when SAN=1, build/tsan when SAN=thread), CC, SAN.
# `make check` sets them.
# Prints "ok - NAME", "FAIL - NAME" or "skip - NAME" (the last two followed by
# the test's output) for each test, then one line "N passed, M failed" (and
# ", K skipped"); exits 1 when any test failed.  A test exits 77 to say it
# cannot run here (and prints why).

here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/.." && pwd)
SAN=${SAN:-}
if [ -z "${BUILD:-}" ]; then
	case $SAN in 1) BUILD=build/san ;; thread) BUILD=build/tsan ;; *) BUILD=build ;; esac
fi
case $BUILD in
/*) ;;
*) BUILD=$REPO/$BUILD ;;
esac
CC=${CC:-cc}
export REPO BUILD CC SAN
unset BRAINSTEM_ROOT BRAINSTEM_BLUEPRINT

out=$(mktemp "${TMPDIR:-/tmp}/brainstem-shell-tests.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
skipped=0
for t in "$here"/shell/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	# Honour a bash shebang; everything else runs under sh.
	shell="sh"
	if head -n 1 "$t" | grep -q bash; then shell=bash; fi
	(cd "$REPO" && "$shell" "$t") >"$out" 2>&1 </dev/null
	trc=$?
	if [ "$trc" = 0 ]; then
		echo "ok - $name"
		passed=$((passed + 1))
	elif [ "$trc" = 77 ]; then
		# a test that cannot run here says why, in its output
		echo "skip - $name"
		sed 's/^/    /' "$out"
		skipped=$((skipped + 1))
	else
		echo "FAIL - $name"
		sed 's/^/    /' "$out"
		failed=$((failed + 1))
	fi
done

if [ $((passed + failed + skipped)) -eq 0 ]; then
	echo "no tests found in $here/shell" >&2
	failed=1
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
