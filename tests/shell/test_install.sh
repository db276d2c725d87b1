#!/bin/sh
# test_install.sh - `make install` into a staging DESTDIR, then as a
# third-party developer would use it:
#  * the library and its two links, the programs, the headers, brainstem.pc,
#    the default blueprint and the three man pages are installed;
#  * neither the library nor the programs name the source tree (`strings`);
#  * tests/consumer/consumer.c builds with only the installed pkg-config
#    flags and, run against the installed library and blueprint, opens a demo
#    tree and prints its base path;
#  * the same file compiled as C++ (g++, -std=c++11 -pedantic) links and runs:
#    every header declares C linkage;
#  * the installed programs find the installed library by their rpath;
#  * `make uninstall` removes all of it again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-install.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stage=$T/stage
prefix=/usr/local
P=$stage$prefix
major=$(version_h BRAIN_VERSION_MAJOR)
version=$(version_h BRAIN_VERSION_STRING)
soname=libbrainstem.so.$major
real=libbrainstem.so.$version

# make inherits MAKEFLAGS from `make check`; only the variables below count.
mk() {
	(cd "$REPO" && $TIMEOUT make -s "$@" DESTDIR="$stage" PREFIX="$prefix" \
		BUILD="$BUILD" SAN="$SAN" CC="$CC")
}

# --- make install -----------------------------------------------------------
rc=0
mk install >"$T/install.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	pass "make install DESTDIR=STAGE PREFIX=$prefix"
else
	# Keep going: the checks below say what is missing.
	fail "make install DESTDIR=STAGE PREFIX=$prefix (exit $rc)"
	tail -n 20 "$T/install.log" >"$T/install.tail"
	show "$T/install.tail" "make install (last lines)"
fi

check "lib/$real installed" test -f "$P/lib/$real"
check "lib/libbrainstem.a is not installed without STATIC=1" test ! -e "$P/lib/libbrainstem.a"
if [ -L "$P/lib/$soname" ] && [ "$(readlink "$P/lib/$soname")" = "$real" ] && [ -e "$P/lib/$soname" ]; then
	pass "lib/$soname -> $real"
else
	fail "lib/$soname -> $real (found: $(readlink "$P/lib/$soname" 2>/dev/null || echo 'no link'))"
fi
if [ -L "$P/lib/libbrainstem.so" ] && [ -e "$P/lib/libbrainstem.so" ]; then
	pass "lib/libbrainstem.so -> $(readlink "$P/lib/libbrainstem.so")"
else
	fail "lib/libbrainstem.so is a link that resolves"
fi
for p in $PROGRAMS; do
	check "bin/$p installed" test -x "$P/bin/$p"
done
# Nothing installed names the source tree: no compiled-in path of the
# build, and debug information relative to the tree.
physical=$(cd "$REPO" && pwd -P)
for f in "lib/$real" $(for p in $PROGRAMS; do echo "bin/$p"; done); do
	[ -f "$P/$f" ] || continue
	check "$f names no path of the source tree ($physical)" sh -c \
		'! strings -a "$1" | grep -qF -e "$2" -e "$3"' _ "$P/$f" "$REPO" "$physical"
done
for h in "$REPO"/include/brainstem/*.h; do
	check "include/brainstem/$(basename "$h") installed" test -f "$P/include/brainstem/$(basename "$h")"
done
check "lib/pkgconfig/brainstem.pc installed" test -f "$P/lib/pkgconfig/brainstem.pc"
check "share/brainstem/brain.qtl installed" test -f "$P/share/brainstem/brain.qtl"
if [ -f "$P/share/brainstem/brain.qtl" ]; then
	check "the installed blueprint is blueprint/brain.qtl" \
		cmp -s "$REPO/blueprint/brain.qtl" "$P/share/brainstem/brain.qtl"
fi
for p in $PROGRAMS; do
	m=$P/share/man/man1/$p.1
	check "share/man/man1/$p.1 installed" test -f "$m"
	[ -f "$m" ] || continue
	check "  it names the installed blueprint $prefix/share/brainstem/brain.qtl" \
		grep -qF "$prefix/share/brainstem/brain.qtl" "$m"
	check "  it says version $version" grep -q "^\.TH .*\"brainstem $version\"" "$m"
	check "  no @PLACEHOLDER@ is left in it" sh -c '! grep -q "@[A-Z]*@" "$1"' _ "$m"
	check "  it has an EXAMPLES section with a $p command" sh -c \
		'sed -n "/^\.SH EXAMPLES/,/^\.SH /p" "$1" | grep -q "^$2 "' _ "$m" "$p"
	if command -v groff >/dev/null 2>&1; then
		check "  groff renders it without a warning" sh -c \
			'[ -z "$(groff -man -ww -z "$1" 2>&1)" ]' _ "$m"
	fi
done
# another PREFIX: the pages name it (made alone, into a scratch build dir,
# so the build's library is not rebuilt for it)
rc=0
(cd "$REPO" && $TIMEOUT make -s man BUILD="$T/manbuild" PREFIX=/opt/bs-test) \
	>"$T/man.log" 2>&1 || rc=$?
check "make man PREFIX=/opt/bs-test: exit 0" [ "$rc" -eq 0 ]
show "$T/man.log"
for p in $PROGRAMS; do
	check "  $p.1 names /opt/bs-test/share/brainstem/brain.qtl" \
		grep -qF /opt/bs-test/share/brainstem/brain.qtl "$T/manbuild/man/$p.1"
done
check "  brainstem-looper.1 names the miner in /opt/bs-test/bin" \
	grep -qF /opt/bs-test/bin/brainstem-miner "$T/manbuild/man/brainstem-looper.1"

# --- pkg-config -------------------------------------------------------------
# (brainstem.pc is relocatable: PKG_CONFIG_PATH at the staged file is all)
pc() {
	PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config "$@"
}
# points_to FLAG DIR FLAGS...: one of FLAGS is FLAG followed by DIR, or by
# a path to DIR through ../ (as ${pcfiledir}/../.. gives)
points_to() {
	_flag=$1
	_want=$(cd "$2" 2>/dev/null && pwd -P) || return 1
	shift 2
	for _f in "$@"; do
		case $_f in
		"$_flag"*)
			[ "$(cd "${_f#"$_flag"}" 2>/dev/null && pwd -P)" = "$_want" ] &&
				return 0 ;;
		esac
	done
	return 1
}
flags=
if ! command -v pkg-config >/dev/null 2>&1; then
	fail "pkg-config is not installed"
elif flags=$(pc --cflags --libs brainstem 2>"$T/pc.err"); then
	pass "pkg-config --cflags --libs brainstem: $flags"
	got=$(pc --modversion brainstem 2>/dev/null)
	if [ "$got" = "$version" ]; then
		pass "pkg-config --modversion brainstem is $version"
	else
		fail "pkg-config --modversion brainstem is $version (got '$got')"
	fi
	# shellcheck disable=SC2086 # the flags are a word list
	check "Cflags point into the staged include dir" points_to -I "$P/include" $flags
	# shellcheck disable=SC2086
	check "Libs point into the staged lib dir" points_to -L "$P/lib" $flags
else
	fail "pkg-config --cflags --libs brainstem"
	show "$T/pc.err" stderr
	flags=
fi

# --- a third-party consumer ---------------------------------------------------
san_flags=
case $SAN in
1) san_flags="-fsanitize=address,undefined" ;;
thread) san_flags="-fsanitize=thread" ;;
esac
consumer=$T/consumer
if [ -n "$flags" ]; then
	rc=0
	# shellcheck disable=SC2086 # CC and the flags are word lists
	$CC -Wall -Werror $san_flags -o "$consumer" "$REPO/tests/consumer/consumer.c" \
		$flags >"$T/cc.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		pass "tests/consumer/consumer.c builds with only the pkg-config flags"
	else
		fail "tests/consumer/consumer.c builds with only the pkg-config flags (exit $rc)"
		show "$T/cc.log" "$CC"
	fi
else
	fail "consumer not built (no pkg-config flags)"
fi

if [ -x "$consumer" ]; then
	mkdir "$T/root"
	root=$(cd "$T/root" && pwd -P)
	run consumer env LD_LIBRARY_PATH="$P/lib" \
		BRAINSTEM_BLUEPRINT="$P/share/brainstem/brain.qtl" "$consumer" "$root"
	if [ "$rc" = 0 ]; then
		pass "consumer ROOT: exit 0"
	else
		fail "consumer ROOT: exit 0 (got $rc)"
		show "$T/consumer.out" stdout
		show "$T/consumer.err" stderr
	fi
	check "consumer: Test/Demo/Mining/Ledgers is a folder" test -d "$root/Test/Demo/Mining/Ledgers"
	got=$(cat "$T/consumer.out")
	if [ "$got" = "$root/Test/Demo/Mining" ]; then
		pass "consumer prints the base path $root/Test/Demo/Mining"
	else
		fail "consumer prints the base path $root/Test/Demo/Mining (got '$got')"
	fi
	# What it saved is there, at every level, and the tree is clean.
	miners="$root/Test/Demo/Mining/System/System_Reports/Miners"
	check "consumer: 100 reports in the global file" [ \
		"$(python3 "$REPO/tests/tools/events.py" \
			"$miners/Global/global_miners_report.json" --count)" -eq 100 ]
	check "consumer: the global index counts 100" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
sys.exit(0 if s["total_entries"] == 100 and s["sum_attempts_this_round"] == 100000 else 1)' \
		"$miners/Aggregated_Index/Global/global_index_miners_report.json"
	check "consumer: the year files split the reports at midnight (24 + 76)" python3 -c '
import json, sys
def n(p): return len(json.load(open(p))["aggregated_data"]["reports"])
sys.exit(0 if [n(p) for p in sys.argv[1:]] == [24, 76] else 1)' \
		"$miners/Aggregated/2025/aggregated_2025.json" \
		"$miners/Aggregated/2026/aggregated_2026.json"
	run cvalidate env LD_LIBRARY_PATH="$P/lib" "$P/bin/brainstem-dtm" --demo \
		--root "$root" --blueprint "$P/share/brainstem/brain.qtl" validate
	check "consumer: installed brainstem-dtm validates the tree clean" [ "$rc" = 0 ]
	show "$T/cvalidate.out"
	# The consumer must have loaded the staged library, not another copy.
	run cldd env LD_LIBRARY_PATH="$P/lib" ldd "$consumer"
	where=$(awk '$1 == "'"$soname"'" { print $3 }' "$T/cldd.out")
	if [ -n "$where" ] && [ "$(readlink -f "$where")" = "$(readlink -f "$P/lib/$real")" ]; then
		pass "consumer loads the staged $soname"
	else
		fail "consumer loads the staged $soname (ldd: '${where}')"
	fi
fi

# A C++ program: the headers declare C linkage, so it links and runs.
CXX=${CXX:-g++}
cxx_consumer=$T/consumer_cxx
if [ -z "$flags" ]; then
	fail "C++ consumer not built (no pkg-config flags)"
elif ! command -v "$CXX" >/dev/null 2>&1; then
	echo "SKIP: C++ consumer ($CXX is not installed)"
else
	rc=0
	# shellcheck disable=SC2086 # the flags are word lists
	"$CXX" -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror $san_flags \
		-o "$cxx_consumer" "$REPO/tests/consumer/consumer.c" -x none \
		$flags >"$T/cxx.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		pass "tests/consumer/consumer.c builds and links as C++ ($CXX)"
	else
		fail "tests/consumer/consumer.c builds and links as C++ ($CXX, exit $rc)"
		show "$T/cxx.log" "$CXX"
	fi
fi
if [ -x "$cxx_consumer" ]; then
	mkdir "$T/cxxroot"
	cxxroot=$(cd "$T/cxxroot" && pwd -P)
	run cxxconsumer env LD_LIBRARY_PATH="$P/lib" \
		BRAINSTEM_BLUEPRINT="$P/share/brainstem/brain.qtl" \
		"$cxx_consumer" "$cxxroot" 10
	if [ "$rc" = 0 ] && [ "$(cat "$T/cxxconsumer.out")" = "$cxxroot/Test/Demo/Mining" ]; then
		pass "C++ consumer ROOT 10: exit 0, prints the base path"
	else
		fail "C++ consumer ROOT 10: exit 0, prints the base path (got $rc)"
		show "$T/cxxconsumer.out" stdout
		show "$T/cxxconsumer.err" stderr
	fi
fi

# The installed programs find the installed library through their rpath.
if [ -x "$P/bin/brainstem-miner" ]; then
	run iversion env -u LD_LIBRARY_PATH "$P/bin/brainstem-miner" --version
	where=$(env -u LD_LIBRARY_PATH ldd "$P/bin/brainstem-miner" 2>/dev/null |
		awk '$1 == "'"$soname"'" { print $3 }')
	if [ "$rc" = 0 ] && grep -qF "$version" "$T/iversion.out" &&
		[ "$(readlink -f "$where")" = "$(readlink -f "$P/lib/$real")" ]; then
		pass "installed brainstem-miner runs on the installed library (rpath \$ORIGIN/../lib)"
	else
		fail "installed brainstem-miner runs on the installed library (exit $rc, ldd: '${where}')"
		show "$T/iversion.err" stderr
	fi
fi

# --- make uninstall -----------------------------------------------------------
rc=0
mk uninstall >"$T/uninstall.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	pass "make uninstall DESTDIR=STAGE PREFIX=$prefix"
else
	fail "make uninstall DESTDIR=STAGE PREFIX=$prefix (exit $rc)"
	show "$T/uninstall.log" "make uninstall"
fi

gone() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		fail "uninstalled: ${1#"$stage"}"
	else
		pass "uninstalled: ${1#"$stage"}"
	fi
}
gone "$P/lib/$real"
gone "$P/lib/$soname"
gone "$P/lib/libbrainstem.so"
for p in $PROGRAMS; do gone "$P/bin/$p"; done
for h in "$REPO"/include/brainstem/*.h; do gone "$P/include/brainstem/$(basename "$h")"; done
gone "$P/include/brainstem"
gone "$P/lib/pkgconfig/brainstem.pc"
gone "$P/share/brainstem/brain.qtl"
gone "$P/share/brainstem"
for p in $PROGRAMS; do gone "$P/share/man/man1/$p.1"; done
left=$(cd "$stage" 2>/dev/null && find . -type f -o -type l | sed 's|^\./|/|' | tr '\n' ' ')
if [ -z "$left" ]; then
	pass "no file left in the stage"
else
	fail "files left in the stage after uninstall: $left"
fi

finish
