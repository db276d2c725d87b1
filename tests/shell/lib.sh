# tests/shell/lib.sh - sourced by every tests/shell/test_*.sh (POSIX sh).
#
# Environment (set by tests/run-shell-tests.sh, defaulted here so a test can
# also be run on its own, e.g. `sh tests/shell/test_exports.sh`):
#   REPO   the source tree (default: two levels above this file)
#   BUILD  the build directory, absolute or relative to REPO
#          (default: build, build/san when SAN=1, build/tsan when
#          SAN=thread)
#   CC     the C compiler (default: cc)
#   SAN    1 (ASan + UBSan) or thread (TSan) when the build is sanitised
#
# Each check prints "  ok   <what>" or "  FAIL <what>"; a test keeps going
# after a failed check so one run reports every problem, and finish() exits 1
# when any check failed.

set -u

if [ -z "${REPO:-}" ]; then
	REPO=$(cd "$(dirname "$0")/../.." && pwd)
fi
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

# The tests must not pick up the caller's tree or blueprint.
unset BRAINSTEM_ROOT BRAINSTEM_BLUEPRINT

# shellcheck disable=SC2034 # used by the tests that source this file
PROGRAMS="brainstem-miner brainstem-looper brainstem-dtm"

# A hung program must not hang the suite.
if command -v timeout >/dev/null 2>&1; then
	TIMEOUT="timeout ${TEST_TIMEOUT:-120}"
else
	TIMEOUT=
fi

errors=0

pass() {
	printf '  ok   %s\n' "$*"
}

fail() {
	errors=$((errors + 1))
	printf '  FAIL %s\n' "$*"
}

# check DESCRIPTION COMMAND...: pass if COMMAND succeeds.
check() {
	_desc=$1
	shift
	if "$@"; then pass "$_desc"; else fail "$_desc"; fi
}

# run NAME COMMAND...: runs COMMAND with stdin from /dev/null; its stdout is
# left in $T/NAME.out, its stderr in $T/NAME.err, its exit status in $rc.
run() {
	_name=$1
	shift
	rc=0
	$TIMEOUT "$@" >"$T/$_name.out" 2>"$T/$_name.err" </dev/null || rc=$?
	if [ "$rc" = 124 ] && [ -n "$TIMEOUT" ]; then
		printf '  note: %s timed out\n' "$*"
	fi
}

# show FILE [LABEL]: indents FILE's content (at most 40 lines) under a check.
show() {
	if [ -s "$1" ]; then
		printf '       %s:\n' "${2:-$(basename "$1")}"
		sed -n '1,40s/^/         | /p' "$1"
	fi
}

# wait_for SECONDS COMMAND...: true once COMMAND succeeds (polled ten
# times a second, its output discarded); false once SECONDS have passed.  A
# deadline on a condition, never a sleep standing in for one.
wait_for() {
	_end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -le "$_end" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

# version_h NAME: a #define from include/brainstem/version.h, quotes removed.
version_h() {
	sed -n "s/^#define $1[ 	][ 	]*\"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}[ 	]*\$/\\1/p" \
		"$REPO/include/brainstem/version.h"
}

finish() {
	if [ "$errors" -gt 0 ]; then
		printf '%s check(s) failed\n' "$errors"
		exit 1
	fi
	exit 0
}
