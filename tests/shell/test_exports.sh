#!/bin/sh
# test_exports.sh - the shared library's ABI surface:
#  * SONAME is libbrainstem.so.MAJOR (MAJOR from version.h);
#  * libbrainstem.so.MAJOR -> libbrainstem.so.M.m.p and libbrainstem.so exist
#    in $BUILD and resolve to the real file;
#  * the dynamic symbol table exports only brain_* symbols (the version node
#    BRAINSTEM_1, type A, aside), each bound to a version node, and exactly
#    the functions the public headers declare with BRAIN_EXTERN;
#  * every exported function is called in tests/check_api.c, which checks
#    each one's argument checking (NULL and out-of-range arguments).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-exports.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

major=$(version_h BRAIN_VERSION_MAJOR)
version=$(version_h BRAIN_VERSION_MAJOR).$(version_h BRAIN_VERSION_MINOR).$(version_h BRAIN_VERSION_PATCH)
soname=libbrainstem.so.$major
real=libbrainstem.so.$version
lib=$BUILD/$soname

case $version in
*[!0-9.]* | .* | *. | *..*) fail "version.h gives MAJOR.MINOR.PATCH (got '$version')" ;;
*) pass "version.h gives MAJOR.MINOR.PATCH ($version)" ;;
esac

# --- files and links ------------------------------------------------------
if [ -f "$BUILD/$real" ] && [ ! -L "$BUILD/$real" ]; then
	pass "$BUILD/$real is a regular file"
else
	fail "$BUILD/$real is a regular file"
fi
if [ -L "$lib" ] && [ "$(readlink "$lib")" = "$real" ] && [ -e "$lib" ]; then
	pass "$soname -> $real"
else
	fail "$soname -> $real (found: $(readlink "$lib" 2>/dev/null || echo 'no link'))"
fi
if [ -L "$BUILD/libbrainstem.so" ] && [ -e "$BUILD/libbrainstem.so" ] &&
	[ "$(readlink -f "$BUILD/libbrainstem.so")" = "$(readlink -f "$BUILD/$real")" ]; then
	pass "libbrainstem.so links to $real (now $(readlink "$BUILD/libbrainstem.so"))"
else
	fail "libbrainstem.so is a link that resolves to $real (found: $(readlink "$BUILD/libbrainstem.so" 2>/dev/null || echo 'no link'))"
fi

if [ ! -e "$lib" ]; then
	fail "$lib missing; nothing more to check"
	finish
fi

# --- SONAME ---------------------------------------------------------------
run readelf readelf -d "$lib"
got=$(sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p' "$T/readelf.out")
if [ "$rc" = 0 ] && [ "$got" = "$soname" ]; then
	pass "SONAME is $soname"
else
	fail "SONAME is $soname (readelf exit $rc, SONAME '${got}')"
	show "$T/readelf.err"
fi

# --- exported symbols -----------------------------------------------------
run nm nm -D --defined-only "$lib"
if [ "$rc" != 0 ]; then
	fail "nm -D --defined-only $lib (exit $rc)"
	show "$T/nm.err"
	finish
fi
# "addr TYPE name@@VERSION"; the version node itself is "addr A BRAINSTEM_1".
awk 'NF >= 3 && !($2 == "A" && $3 ~ /^BRAINSTEM_[0-9A-Za-z_.]*$/) { print $2, $3 }' \
	"$T/nm.out" >"$T/defined"
sed 's/^[^ ]* //; s/@.*//' "$T/defined" | sort -u >"$T/exported"

bad=$(sed 's/^[^ ]* //; s/@.*//' "$T/defined" | grep -v '^brain_' | sort -u | tr '\n' ' ')
if [ -z "$bad" ]; then
	pass "every exported symbol starts with brain_ ($(wc -l <"$T/exported" | tr -d ' ') symbols)"
else
	fail "symbols exported without the brain_ prefix: $bad"
fi
unversioned=$(awk '$2 !~ /@/ { print $2 }' "$T/defined" | tr '\n' ' ')
if [ -z "$unversioned" ]; then
	pass "every exported symbol is bound to a version node (version script applied)"
else
	fail "exported symbols without a version node: $unversioned"
fi

# --- the functions the headers declare ------------------------------------
# Declarations look like  BRAIN_EXTERN(type) name(...)  or, with the name on
# the next line,  BRAIN_EXTERN(type)\nname(...).  Preprocessor lines (the
# macro's own #define) and comment lines are skipped.
for h in "$REPO"/include/brainstem/*.h; do
	awk '
	function take(s) {
		if (!match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/))
			return 0
		s = substr(s, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", s)
		print s
		return 1
	}
	/^[ \t]*#/ { pending = 0; next }
	/^[ \t]*(\/\*|\*)/ { next }
	pending { if (take($0)) pending = 0; next }
	/BRAIN_EXTERN[ \t]*\(/ {
		s = $0
		if (!sub(/.*BRAIN_EXTERN[ \t]*\([^)]*\)/, "", s))
			next
		if (!take(s))
			pending = 1
	}' "$h"
done | sort -u >"$T/declared"

ndecl=$(wc -l <"$T/declared" | tr -d ' ')
if [ "$ndecl" -gt 0 ]; then
	pass "found $ndecl BRAIN_EXTERN functions in include/brainstem/*.h"
else
	fail "found no BRAIN_EXTERN declarations in include/brainstem/*.h"
fi

extra=$(comm -13 "$T/declared" "$T/exported" | tr '\n' ' ')
missing=$(comm -23 "$T/declared" "$T/exported" | tr '\n' ' ')
if [ -z "$extra" ]; then
	pass "no exported symbol beyond the headers' BRAIN_EXTERN functions"
else
	fail "exported but not declared BRAIN_EXTERN in a public header: $extra"
fi
if [ -z "$missing" ]; then
	pass "every BRAIN_EXTERN function is exported"
else
	fail "declared BRAIN_EXTERN but not exported by $soname: $missing"
fi

# --- every entry point's arguments are tested -----------------------------
untested=
while read -r f; do
	grep -q "$f(" "$REPO/tests/check_api.c" || untested="$untested $f"
done <"$T/exported"
if [ -z "$untested" ]; then
	pass "tests/check_api.c calls every exported function"
else
	fail "exported functions whose arguments tests/check_api.c does not test:$untested"
fi

finish
