#!/bin/sh
# test_stratum_vectors.sh - tests/data/stratum_job_vectors.json, which the
# stratum_job suite checks lib/stratum_job.c against, is exactly what its
# independent generator tests/tools/stratum_vectors.py prints, so nobody
# can make the C pass by editing the expected values by hand.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-vectors.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if python3 "$REPO/tests/tools/stratum_vectors.py" >"$T/vectors.json"; then
	pass "stratum_vectors.py runs"
else
	fail "stratum_vectors.py runs"
fi
check "tests/data/stratum_job_vectors.json is its output" \
	cmp -s "$T/vectors.json" "$REPO/tests/data/stratum_job_vectors.json"

finish
