#!/bin/sh
# test_deps.sh - what make does when a dependency is missing, on a machine
# made to look bare: a pkg-config that finds no package, and dpkg-query,
# apt-get and sudo stand-ins that log their calls (dpkg-query says every
# Debian package is installed, so scripts/install-deps ends without
# installing anything: nothing on the machine changes).
#  * `make` and `make install` stop before building anything, with one
#    message naming the missing pkg-config packages and scripts/install-deps,
#    and never run scripts/install-deps;
#  * `make check` and `make demo` say in one line that they run
#    scripts/install-deps, run it, and stop when the packages are still
#    missing afterwards;
#  * `make clean` and `make uninstall` need no dependency.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-deps.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fake=$T/fakebin
mkdir "$fake"
cat >"$fake/pkg-config" <<EOF
#!/bin/sh
echo "pkg-config \$*" >>"$T/pkg-config.log"
exit 1
EOF
cat >"$fake/dpkg-query" <<EOF
#!/bin/sh
echo "dpkg-query \$*" >>"$T/installer.log"
printf 'install ok installed'
EOF
for t in apt-get sudo; do
	cat >"$fake/$t" <<EOF
#!/bin/sh
echo "$t \$*" >>"$T/installer.log"
exit 1
EOF
done
chmod +x "$fake"/*

# make GOAL... on the bare machine, into a scratch build directory; the
# variables a `make check` passes down in MAKEFLAGS do not count here.
bare() {
	_name=$1
	shift
	rm -f "$T/installer.log" "$T/pkg-config.log"
	run "$_name" env MAKEFLAGS= PATH="$fake:$PATH" make -C "$REPO" \
		--no-print-directory BUILD="$T/build" DESTDIR="$T/stage" \
		DEMO_ROOT="$T/demo" "$@"
}

pkgs="yaml-0.1 jansson libsodium libcurl libmicrohttpd"

for goal in all install; do
	bare "$goal" "$goal"
	check "make $goal: fails (exit $rc)" [ "$rc" -ne 0 ]
	check "make $goal: says which pkg-config packages are missing" \
		grep -qF "missing pkg-config packages: $pkgs;" "$T/$goal.err"
	check "make $goal: names scripts/install-deps" \
		grep -q 'run scripts/install-deps' "$T/$goal.err"
	check "make $goal: does not run scripts/install-deps" \
		sh -c '! grep -q "install-deps" "$1" && [ ! -e "$2" ]' _ \
		"$T/$goal.out" "$T/installer.log"
	check "make $goal: builds and installs nothing" \
		sh -c '[ ! -e "$1" ] && [ ! -e "$2" ]' _ "$T/build" "$T/stage"
	show "$T/$goal.err" stderr
done

for goal in check demo; do
	bare "$goal" "$goal"
	check "make $goal: says in one line that it runs scripts/install-deps" \
		[ "$(grep -c "^brainstem: missing pkg-config packages: .*; make $goal runs scripts/install-deps" \
			"$T/$goal.out")" -eq 1 ]
	check "make $goal: runs scripts/install-deps (which asks dpkg-query)" \
		grep -q '^dpkg-query ' "$T/installer.log"
	check "make $goal: scripts/install-deps installs nothing it finds installed" \
		sh -c '! grep -qE "^(apt-get|sudo) " "$1"' _ "$T/installer.log"
	check "make $goal: stops when the packages are still missing after it" \
		sh -c '[ "$1" -ne 0 ] && grep -q "still missing after scripts/install-deps" "$2"' _ \
		"$rc" "$T/$goal.err"
	check "make $goal: builds nothing" [ ! -e "$T/build" ]
done
# make check needs the test package as well, make demo only the build's
check "make check: names the Check package too" \
	grep -qF "packages: $pkgs check" "$T/check.out"
check "make demo: names only the build's packages" \
	grep -qF "packages: $pkgs; make demo" "$T/demo.out"

for goal in clean uninstall; do
	bare "$goal" -n "$goal"
	check "make -n $goal: needs no dependency (exit $rc)" [ "$rc" -eq 0 ]
	check "make -n $goal: asks pkg-config nothing about dependencies" \
		sh -c '! grep -q -- "--exists" "$1" 2>/dev/null' _ "$T/pkg-config.log"
done

finish
