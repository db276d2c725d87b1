#!/bin/sh
# test_pkgconfig.sh - brainstem.pc as a third party uses it after `make
# install STATIC=1` into a staging DESTDIR (PREFIX=/opt/brainstem), with the
# installed tree then moved elsewhere:
#  * brainstem.pc names no absolute path: its prefix comes from where it is;
#  * with PKG_CONFIG_PATH at the moved .pc, tests/consumer/consumer.c builds
#    with `pkg-config --cflags --libs brainstem` and runs on the moved
#    shared library; the moved programs still find it too;
#  * libbrainstem.a is installed, and with the shared library taken out (a
#    static-only install) the consumer links with `pkg-config --static
#    --cflags --libs brainstem` alone, runs, and loads no libbrainstem.so;
#    the same link without --static fails (Libs.private and Requires.private
#    carry what the archive needs).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-pkgconfig.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v pkg-config >/dev/null 2>&1; then
	fail "pkg-config is not installed"
	finish
fi

prefix=/opt/brainstem
stage=$T/stage
moved=$T/elsewhere/brainstem-moved
major=$(version_h BRAIN_VERSION_MAJOR)
soname=libbrainstem.so.$major
san_flags=
case $SAN in
1) san_flags="-fsanitize=address,undefined" ;;
thread) san_flags="-fsanitize=thread" ;;
esac

# --- install, then move the tree ----------------------------------------------
rc=0
(cd "$REPO" && $TIMEOUT make -s install STATIC=1 DESTDIR="$stage" \
	PREFIX="$prefix" BUILD="$BUILD" SAN="$SAN" CC="$CC") \
	>"$T/install.log" 2>&1 || rc=$?
check "make install STATIC=1 DESTDIR=STAGE PREFIX=$prefix (exit $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || show "$T/install.log" "make install"
check "lib/libbrainstem.a installed" test -f "$stage$prefix/lib/libbrainstem.a"
pcfile=$stage$prefix/lib/pkgconfig/brainstem.pc
check "brainstem.pc names no absolute path (no '=/' or ' /' in it)" \
	sh -c '! grep -qE "(=| -[IL])/" "$1"' _ "$pcfile"
show "$pcfile"

mkdir -p "$(dirname "$moved")"
check "the installed tree moves to $moved" mv "$stage$prefix" "$moved"
rmdir "$stage/opt" "$stage" 2>/dev/null

pc() {
	PKG_CONFIG_PATH=$moved/lib/pkgconfig pkg-config "$@"
}

# --- the shared library, moved ------------------------------------------------
flags=$(pc --cflags --libs brainstem 2>"$T/pc.err") || {
	fail "pkg-config --cflags --libs brainstem on the moved .pc"
	show "$T/pc.err"
}
libdir=$(pc --variable=libdir brainstem 2>/dev/null)
check "its libdir is the moved lib directory ($libdir)" \
	[ "$(cd "$libdir" 2>/dev/null && pwd -P)" = "$(cd "$moved/lib" && pwd -P)" ]
rc=0
# shellcheck disable=SC2086 # CC and the flags are word lists
$CC -Wall $san_flags -o "$T/consumer" "$REPO/tests/consumer/consumer.c" \
	$flags >"$T/cc.log" 2>&1 || rc=$?
check "consumer.c builds with the moved .pc's flags (exit $rc)" [ "$rc" -eq 0 ]
show "$T/cc.log" "$CC"
if [ -x "$T/consumer" ]; then
	mkdir "$T/root"
	run consumer env LD_LIBRARY_PATH="$libdir" \
		BRAINSTEM_BLUEPRINT="$moved/share/brainstem/brain.qtl" \
		"$T/consumer" "$T/root" 10
	check "consumer runs on the moved library (exit $rc)" [ "$rc" -eq 0 ]
	show "$T/consumer.err" stderr
	where=$(env LD_LIBRARY_PATH="$libdir" ldd "$T/consumer" |
		awk '$1 == "'"$soname"'" { print $3 }')
	check "consumer loads the moved $soname" \
		[ "$(readlink -f "$where")" = "$(readlink -f "$moved/lib/$soname")" ]
fi
run mversion env -u LD_LIBRARY_PATH "$moved/bin/brainstem-dtm" --version
check "the moved brainstem-dtm runs (rpath \$ORIGIN/../lib; exit $rc)" [ "$rc" -eq 0 ]

# --- the static library ---------------------------------------------------------
# A static-only install: the shared library and its links taken out.
rm -f "$moved/lib/libbrainstem.so"*
sflags=$(pc --static --cflags --libs brainstem 2>"$T/pcs.err") || {
	fail "pkg-config --static --cflags --libs brainstem"
	show "$T/pcs.err"
}
pass "pkg-config --static --libs brainstem: $(pc --static --libs brainstem)"
rc=0
# shellcheck disable=SC2086 # CC and the flags are word lists
$CC -Wall $san_flags -o "$T/consumer_static" "$REPO/tests/consumer/consumer.c" \
	$sflags >"$T/ccs.log" 2>&1 || rc=$?
check "consumer.c links libbrainstem.a with pkg-config --static's flags (exit $rc)" \
	[ "$rc" -eq 0 ]
show "$T/ccs.log" "$CC"
rc=0
# shellcheck disable=SC2086
$CC -Wall $san_flags -o "$T/consumer_nostatic" "$REPO/tests/consumer/consumer.c" \
	$flags >"$T/ccn.log" 2>&1 || rc=$?
check "without --static the same link fails (what the archive needs is private)" \
	[ "$rc" -ne 0 ]
if [ -x "$T/consumer_static" ]; then
	mkdir "$T/sroot"
	sroot=$(cd "$T/sroot" && pwd -P)
	run cstatic env -u LD_LIBRARY_PATH \
		BRAINSTEM_BLUEPRINT="$moved/share/brainstem/brain.qtl" \
		"$T/consumer_static" "$sroot" 10
	check "the static consumer runs (exit $rc)" [ "$rc" -eq 0 ]
	show "$T/cstatic.err" stderr
	check "it prints the base path $sroot/Test/Demo/Mining" \
		[ "$(cat "$T/cstatic.out")" = "$sroot/Test/Demo/Mining" ]
	check "it loads no libbrainstem.so" \
		sh -c '! ldd "$1" | grep -q libbrainstem' _ "$T/consumer_static"
	check "brain_initialize_mode is in the program itself" \
		sh -c 'nm "$1" | grep -qE " T brain_initialize_mode$"' _ "$T/consumer_static"
fi

finish
