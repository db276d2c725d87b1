#!/bin/sh
# test_programs.sh - the three programs as a user runs them:
#  * --help (exit 0, "Usage:" line on stdout), --version (exit 0, the
#    BRAIN_VERSION_STRING of version.h), an unknown option (exit 2, message
#    on stderr);
#  * they import no file-system call and no socket call (all I/O goes
#    through the library: the miner's pools are the library's Stratum
#    client) and link libbrainstem.so.1, found beside them in $BUILD;
#  * a one-round brainstem-miner --demo/--test, and brainstem-dtm --staging,
#    build the mode's base folder and System_File_Examples/.brain_version
#    (with the blueprint's SHA-256); the miner wants a payout in staging,
#    and without a reachable node logs node errors, retries, and gives up
#    after --max-retries;
#  * brainstem-dtm templates status --json says the templates are current;
#  * a misspelt key in a blueprint is reported as file:line:col with a
#    suggestion, and nothing is created.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/brainstem-programs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

version=$(version_h BRAIN_VERSION_STRING)
if [ -n "$version" ]; then
	pass "BRAIN_VERSION_STRING is $version"
else
	fail "no BRAIN_VERSION_STRING in include/brainstem/version.h"
	version=BRAIN_VERSION_STRING-not-found
fi

# Calls that create, open, rename or remove files: the programs must leave
# all of them to the library.  (Fortified and 64-bit variants included.)
FORBIDDEN="open open64 openat openat64 __open_2 __open64_2 __openat_2
	__openat64_2 fopen fopen64 freopen freopen64 mkdir mkdirat rename
	renameat renameat2 unlink unlinkat remove opendir creat creat64
	truncate truncate64 ftruncate ftruncate64 rmdir mkstemp mkstemp64
	mkostemp mkdtemp tmpfile tmpfile64 link linkat symlink symlinkat"
# Calls that open, use or wait on network sockets, or resolve names: the
# same.  (The looper waits on its miners' pipes with poll, so poll and
# ppoll are forbidden to the other two only.)
SOCKETS="socket socketpair connect bind listen accept accept4 send sendto
	sendmsg sendmmsg recv recvfrom recvmsg recvmmsg __recv_chk
	__recvfrom_chk shutdown setsockopt getsockopt getpeername getsockname
	getaddrinfo freeaddrinfo gai_strerror getnameinfo gethostbyname
	gethostbyname2 gethostbyname_r gethostbyname2_r select pselect
	epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait"

# imports_none PROGRAM WHAT CALL...: $T/imports names none of the calls
imports_none() {
	_p=$1
	_what=$2
	shift 2
	_found=
	for _f in "$@"; do
		if grep -qx "$_f" "$T/imports"; then _found="$_found $_f"; fi
	done
	if [ -z "$_found" ]; then
		pass "$_p imports no $_what call"
	else
		fail "$_p imports $_what calls (must go through the library):$_found"
	fi
}

for p in $PROGRAMS; do
	exe=$BUILD/$p
	if [ ! -x "$exe" ]; then
		fail "$exe missing or not executable"
		continue
	fi

	run help "$exe" --help
	if [ "$rc" = 0 ] && grep -q '^Usage:' "$T/help.out"; then
		pass "$p --help: exit 0, 'Usage:' line on stdout"
	else
		fail "$p --help: exit 0 (got $rc) and a line starting with 'Usage:' on stdout"
		show "$T/help.out" stdout
		show "$T/help.err" stderr
	fi

	run version "$exe" --version
	if [ "$rc" = 0 ] && grep -qF "$version" "$T/version.out"; then
		pass "$p --version: exit 0, prints $version"
	else
		fail "$p --version: exit 0 (got $rc) and prints $version"
		show "$T/version.out" stdout
		show "$T/version.err" stderr
	fi

	run badopt "$exe" --no-such-option-xyzzy
	if [ "$rc" = 2 ] && [ -s "$T/badopt.err" ]; then
		pass "$p --no-such-option-xyzzy: exit 2, message on stderr"
	else
		fail "$p --no-such-option-xyzzy: exit 2 (got $rc) with a message on stderr"
		show "$T/badopt.out" stdout
		show "$T/badopt.err" stderr
	fi

	run undef nm -D --undefined-only "$exe"
	if [ "$rc" != 0 ]; then
		fail "nm -D --undefined-only $p (exit $rc)"
		show "$T/undef.err"
	else
		awk 'NF { print $NF }' "$T/undef.out" | sed 's/@.*//' | sort -u >"$T/imports"
		polls="poll ppoll __poll_chk __ppoll_chk"
		[ "$p" = brainstem-looper ] && polls=
		# shellcheck disable=SC2086
		imports_none "$p" "file-system" $FORBIDDEN
		# shellcheck disable=SC2086
		imports_none "$p" "socket" $SOCKETS $polls
	fi

	run needed readelf -d "$exe"
	if grep -q '(NEEDED).*\[libbrainstem\.so\.1\]' "$T/needed.out"; then
		pass "$p has NEEDED libbrainstem.so.1"
	else
		fail "$p has NEEDED libbrainstem.so.1"
		grep NEEDED "$T/needed.out" >"$T/needed.list"
		show "$T/needed.list" "readelf -d"
	fi

	# ldd also checks that the rpath ($ORIGIN) finds the library beside the
	# program, without LD_LIBRARY_PATH.
	run ldd env -u LD_LIBRARY_PATH ldd "$exe"
	where=$(awk '$1 == "libbrainstem.so.1" { print $3 }' "$T/ldd.out")
	if [ "$rc" = 0 ] && [ -n "$where" ] && [ "$where" != not ] &&
		[ "$(readlink -f "$where")" = "$(readlink -f "$BUILD/libbrainstem.so.1")" ]; then
		pass "$p links $BUILD/libbrainstem.so.1 (ldd)"
	else
		fail "ldd $p shows libbrainstem.so.1 => $BUILD/libbrainstem.so.1 (exit $rc, got '${where}')"
		show "$T/ldd.out" stdout
		show "$T/ldd.err" stderr
	fi
done

miner=$BUILD/brainstem-miner
dtm=$BUILD/brainstem-dtm

# --- miner: the three bases ------------------------------------------------
root=$T/demo
ONE_ROUND="--rounds 1 --max-attempts 100000 -t 1"
# shellcheck disable=SC2086
run demo "$miner" --demo --root "$root" $ONE_ROUND
if [ "$rc" = 0 ]; then
	pass "brainstem-miner --demo --root DIR (one round): exit 0"
else
	fail "brainstem-miner --demo --root DIR (one round): exit 0 (got $rc)"
	show "$T/demo.out" stdout
	show "$T/demo.err" stderr
fi
check "demo: Test/Demo/Mining/Ledgers is a folder" test -d "$root/Test/Demo/Mining/Ledgers"
check "demo: System_File_Examples/.brain_version is a file" \
	test -f "$root/System_File_Examples/.brain_version"
check "demo: no staging/live Mining/ at the root" test ! -e "$root/Mining"
if command -v sha256sum >/dev/null 2>&1 && [ -f "$root/System_File_Examples/.brain_version" ]; then
	hash=$(sha256sum <"$REPO/blueprint/brain.qtl" | cut -d' ' -f1)
	if grep -q "$hash" "$root/System_File_Examples/.brain_version"; then
		pass "demo: .brain_version records the blueprint's SHA-256"
	else
		fail "demo: .brain_version records the blueprint's SHA-256 ($hash)"
		show "$root/System_File_Examples/.brain_version" .brain_version
	fi
fi

root=$T/test
# shellcheck disable=SC2086
run test "$miner" --test --root "$root" $ONE_ROUND
if [ "$rc" = 0 ]; then
	pass "brainstem-miner --test --root DIR (one round): exit 0"
else
	fail "brainstem-miner --test --root DIR (one round): exit 0 (got $rc)"
	show "$T/test.err" stderr
fi
check "test: 'Test/Test mode/Mining' is a folder" test -d "$root/Test/Test mode/Mining"

root=$T/staging
# read-only commands on a tree that is not there create nothing
for cmd in "templates status" validate rebuild; do
	# shellcheck disable=SC2086
	run staging "$dtm" --staging --root "$root" $cmd
	check "brainstem-dtm --staging --root DIR $cmd, no tree: exit 2" [ "$rc" = 2 ]
	check "  and says: no staging tree under DIR" \
		grep -qF "no staging tree under $root" "$T/staging.err"
	check "  and creates nothing" test ! -e "$root"
done
# shellcheck disable=SC2086
run nopayout "$miner" --staging --root "$root" $ONE_ROUND --rpc-url http://127.0.0.1:1/
check "brainstem-miner --staging without a payout: exit 2" [ "$rc" = 2 ]
check "  and says it needs --payout-address or --payout-script" \
	grep -q "payout-address" "$T/nopayout.err"
# payout safety: the address's network must be the mode's, checked
# before any node call (one would log node_unreachable: port 1)
ERRS="$root/Mining/System/Error_Reports/Miners/Global/global_miners_error.json"
for bad in "live tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx testnet/regtest" \
	"live mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn testnet/regtest" \
	"live bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 testnet/regtest" \
	"staging bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 mainnet" \
	"staging 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 mainnet"; do
	# shellcheck disable=SC2086 # mode, address, network: split on purpose
	set -- $bad
	# shellcheck disable=SC2086
	run payout "$miner" --"$1" --root "$root" $ONE_ROUND --payout-address "$2" \
		--rpc-url http://127.0.0.1:1/ --rpc-user u --rpc-password p --max-retries 1
	check "brainstem-miner --$1 --payout-address $2: exit 2" [ "$rc" = 2 ]
	check "  and says it is a $3 address" \
		grep -qF "payout address $2 is a $3 address; $1 mining pays to" "$T/payout.err"
	check "  before any node call" sh -c "! grep -qs node_unreachable '$ERRS'"
done
# the shipped config.json.example pays nobody in live mode
# shellcheck disable=SC2086
run example "$miner" --live --root "$root" $ONE_ROUND --config "$REPO/config.json.example" \
	--rpc-url http://127.0.0.1:1/ --rpc-user u --rpc-password p --max-retries 1
check "brainstem-miner --live with config.json.example: exit 2" [ "$rc" = 2 ]
check "  and says live mining needs a payout (bitcoin_rpc.live.payout_address)" \
	grep -qF "live mining needs a payout" "$T/example.err"
check "  before any node call" sh -c "! grep -qs node_unreachable '$ERRS'"

# Port 1 on loopback: nothing listens, so every node call is refused.
# shellcheck disable=SC2086
run nonode "$miner" --staging --root "$root" $ONE_ROUND --payout-script 51 \
	--rpc-url http://127.0.0.1:1/ --rpc-user u --rpc-password p --max-retries 2
check "brainstem-miner --staging without a node, --max-retries 2: exit 1" [ "$rc" = 1 ]
check "  and says it cannot reach the node, and gave up" \
	sh -c "grep -q 'cannot reach the node' '$T/nonode.err' && grep -q 'gave up' '$T/nonode.err'"
check "  and logs node_unreachable to the error tree" \
	grep -q '"node_unreachable"' "$root/Mining/System/Error_Reports/Miners/Global/global_miners_error.json"
check "staging: Mining is a folder" test -d "$root/Mining"
check "staging: no Test/ at the root" test ! -e "$root/Test"

# --- dtm: templates status --------------------------------------------------
run dtm "$dtm" --demo --root "$T/demo" templates status --json
if [ "$rc" != 0 ]; then
	fail "brainstem-dtm --demo --root DIR templates status --json: exit 0 (got $rc)"
	show "$T/dtm.err" stderr
elif command -v python3 >/dev/null 2>&1; then
	if python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get("current") is True else 1)' \
		<"$T/dtm.out" 2>"$T/dtm.py"; then
		pass "brainstem-dtm templates status --json: valid JSON, \"current\": true"
	else
		fail "brainstem-dtm templates status --json: valid JSON with \"current\": true"
		show "$T/dtm.out" stdout
		show "$T/dtm.py" python3
	fi
elif grep -q '"current": *true' "$T/dtm.out"; then
	pass "brainstem-dtm templates status --json: \"current\": true"
else
	fail "brainstem-dtm templates status --json: \"current\": true"
	show "$T/dtm.out" stdout
fi

# --- a misspelt blueprint key ---------------------------------------------
bad=$T/bp
mkdir "$bad"
sed 's/^\([ 	]*\)pattern_levels:/\1patern_levels:/' "$REPO/blueprint/brain.qtl" >"$bad/bad.qtl"
line=$(grep -n '^[ 	]*patern_levels:' "$bad/bad.qtl" | head -n 1 | cut -d: -f1)
if [ -z "$line" ]; then
	fail "blueprint/brain.qtl has a pattern_levels: key to misspell"
else
	before=$errors
	run badbp "$miner" --demo --root "$bad/root" --blueprint "$bad/bad.qtl"
	if [ "$rc" != 0 ]; then
		pass "a misspelt blueprint key: exit non-zero ($rc)"
	else
		fail "a misspelt blueprint key: exit non-zero (got 0)"
	fi
	if grep -Eq "bad\.qtl:$line:[0-9]+:" "$T/badbp.err"; then
		pass "the error names bad.qtl:$line:COLUMN"
	else
		fail "the error names bad.qtl:$line:COLUMN"
	fi
	if grep -qF "unknown key 'patern_levels'" "$T/badbp.err"; then
		pass "the error says unknown key 'patern_levels'"
	else
		fail "the error says unknown key 'patern_levels'"
	fi
	if grep -qF "did you mean 'pattern_levels'" "$T/badbp.err"; then
		pass "the error suggests 'pattern_levels'"
	else
		fail "the error suggests 'pattern_levels'"
	fi
	if [ "$errors" -gt "$before" ]; then show "$T/badbp.err" stderr; fi
	if [ ! -e "$bad/root" ]; then
		pass "a bad blueprint creates nothing (root absent)"
	else
		fail "a bad blueprint creates nothing, but the root now holds:"
		(cd "$bad/root" && find . | head -n 20 | sed 's/^/         | /')
	fi
fi

# --- --miner-id with bytes that cannot be recorded ---------------------------
long=$(printf '%065d' 0)
for what in control not-utf-8 slash 65-bytes empty; do
	case $what in
	control) id=$(printf 'a\001b') ;;
	not-utf-8) id=$(printf 'a\377b') ;;
	slash) id=a/b ;;
	65-bytes) id=$long ;;
	empty) id= ;;
	esac
	# shellcheck disable=SC2086
	run badid "$miner" --demo --root "$T/badid" --miner-id "$id" $ONE_ROUND
	check "brainstem-miner --miner-id ($what): exit 2" [ "$rc" = 2 ]
	check "  and says what is wrong with it" grep -q -- "--miner-id \(is\|contains\)" "$T/badid.err"
	check "  and creates nothing" test ! -e "$T/badid"
done
# shellcheck disable=SC2086
run goodid "$miner" --demo --root "$T/goodid" --miner-id "rig-ü-7" $ONE_ROUND --quiet
check "brainstem-miner --miner-id 'rig-ü-7' (UTF-8): exit 0" [ "$rc" = 0 ]

# --- a blueprint without a category a program writes ---------------------------
sed 's/^  miners:$/  minerz:/' "$REPO/blueprint/brain.qtl" >"$bad/renamed.qtl"
for p in miner looper; do
	run renamed "$BUILD/brainstem-$p" --demo --root "$bad/rroot" --blueprint "$bad/renamed.qtl"
	check "brainstem-$p with 'miners' renamed in the blueprint: exit 2" [ "$rc" = 2 ]
	check "  and says: blueprint has no category 'miners'" \
		grep -qF "renamed.qtl: blueprint has no category 'miners' (needed by" "$T/renamed.err"
	check "  and creates nothing" test ! -e "$bad/rroot"
	[ "$rc" = 2 ] || show "$T/renamed.err" stderr
done

finish
