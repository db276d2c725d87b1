# brainstem - libbrainstem and its three programs.
#
#   make            library, programs          make check   all tests
#   make demo       a short demo mining run    make bench   benchmarks
#   make fuzz       fuzz readers and the store make install PREFIX=... DESTDIR=...
#   make check-faults  every injected I/O fault (make check runs a sample)
#   make check-valgrind  the operation's suites and programs under valgrind
#   SAN=1           ASan + UBSan build (in build/san)     V=1  show commands
#   WERROR=1        warnings are errors (CI builds with it: .ci/run)
#   DEBUG=1         the library's assert()s on (always on with SAN)
#   make static     build/libbrainstem.a too; STATIC=1 builds it with `all`
#                   and makes `make install` install it

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
FUZZ_SECONDS ?= 50

VERSION_H := include/brainstem/version.h
MAJOR := $(shell sed -n 's/^\#define BRAIN_VERSION_MAJOR \([0-9]*\)/\1/p' $(VERSION_H))
MINOR := $(shell sed -n 's/^\#define BRAIN_VERSION_MINOR \([0-9]*\)/\1/p' $(VERSION_H))
PATCH := $(shell sed -n 's/^\#define BRAIN_VERSION_PATCH \([0-9]*\)/\1/p' $(VERSION_H))
VERSION := $(MAJOR).$(MINOR).$(PATCH)

# Dependencies come from pkg-config (the tests also need a few programs).
# A goal that builds only checks them and stops with what is missing and
# how to get it; `make` and `make install` never install anything.  The
# README's two commands, `make demo` and `make check` (and check-faults,
# check-valgrind, which are more of make check), say so in one line and run
# scripts/install-deps (Debian/Ubuntu packages, with sudo when not root) when
# something is missing, so a fresh machine needs nothing else.  bench and
# fuzz stop like `make` (make check has installed what they need).
PKGS       := yaml-0.1 jansson libsodium libcurl libmicrohttpd
TEST_PKGS  := check
TEST_TOOLS := prometheus promtool chromium
GOALS      := $(or $(MAKECMDGOALS),all)
TEST_GOALS := check check-faults check-valgrind
DEPS_INSTALL_GOALS := demo $(TEST_GOALS)
ifneq ($(filter-out clean uninstall man,$(GOALS)),)
NEED_PKGS  := $(PKGS) $(if $(filter $(TEST_GOALS),$(GOALS)),$(TEST_PKGS)) \
	      $(if $(filter bench,$(GOALS)),sqlite3)
NEED_TOOLS := $(if $(filter $(TEST_GOALS),$(GOALS)),$(TEST_TOOLS)) \
	      $(if $(filter fuzz,$(GOALS)),clang)
# what is missing, as "pkg-config packages: a b; programs: c"
missing_pkgs = $(shell for p in $(NEED_PKGS); do \
	pkg-config --exists $$p 2>/dev/null || echo $$p; done)
missing_tools = $(shell for t in pkg-config $(NEED_TOOLS); do \
	command -v $$t >/dev/null 2>&1 || echo $$t; done)
missing = $(strip $(if $(1),pkg-config packages: $(1))$(if $(and $(1),$(2)),;) \
	$(if $(2),programs: $(2)))
MISSING := $(call missing,$(missing_pkgs),$(missing_tools))
ifneq ($(MISSING),)
ifneq ($(filter $(DEPS_INSTALL_GOALS),$(GOALS)),)
$(info brainstem: missing $(MISSING); make $(firstword $(filter $(DEPS_INSTALL_GOALS),$(GOALS))) runs scripts/install-deps to install them)
DEPS_RESULT := $(shell ./scripts/install-deps >&2 && echo ok)
ifneq ($(DEPS_RESULT),ok)
$(error brainstem: scripts/install-deps failed; install by hand the $(MISSING))
endif
MISSING := $(call missing,$(missing_pkgs),$(missing_tools))
ifneq ($(MISSING),)
$(error brainstem: still missing after scripts/install-deps: $(MISSING))
endif
else
$(error brainstem: missing $(MISSING); run scripts/install-deps (Debian/Ubuntu) or install them, then make again)
endif
endif
endif

DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

ifeq ($(SAN),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer
else ifeq ($(SAN),thread)
BUILD ?= build/tsan
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
# a race fails the test that ran into it
export TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1
else
BUILD ?= build
SAN_FLAGS :=
endif

# Warnings are shown; WERROR=1 (CI: .ci/run) makes them errors, so a
# newer compiler's new warning does not stop a user's build.
WARN := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN += -Werror
endif
# No path of this tree goes into what is installed: the debug information
# names the sources relative to it (-ffile-prefix-map), and an uninstalled
# build finds the source tree's blueprint through a link beside its library
# ($(BUILD)/brainstem-uninstalled.qtl, read by lib/brain.c), not through a
# compiled-in path.
ALL_CFLAGS := $(CFLAGS) $(WARN) $(SAN_FLAGS) -ffile-prefix-map=$(CURDIR)=. \
	      -Iinclude $(DEP_CFLAGS)
# The store checks its invariants with assert(): on in the debug builds
# (SAN=1 and SAN=thread, which CI runs, or DEBUG=1), off in a user's build
# (NDEBUG), where the library never aborts the process.
ifeq ($(SAN)$(DEBUG),)
ASSERT_FLAGS := -DNDEBUG
endif
LIB_CFLAGS := $(ALL_CFLAGS) $(ASSERT_FLAGS) -fPIC -fvisibility=hidden \
	      -DBRAIN_DATADIR='"$(DATADIR)"'

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

SONAME    := libbrainstem.so.$(MAJOR)
LIB_REAL  := $(BUILD)/libbrainstem.so.$(VERSION)
LIB_SRCS  := $(wildcard lib/*.c)
LIB_OBJS  := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
PROGRAMS  := $(BUILD)/brainstem-miner $(BUILD)/brainstem-looper \
	     $(BUILD)/brainstem-dtm
BIN_OBJS  := $(patsubst bin/%.c,$(BUILD)/bin/%.o,$(wildcard bin/*.c bin/*/*.c))
TEST_SRCS := $(wildcard tests/check_*.c) tests/storecheck.c
TEST_OBJS := $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(TEST_SRCS))
TEST_BIN  := $(BUILD)/tests/check_brainstem
HEADERS   := $(wildcard include/brainstem/*.h)
MANPAGES  := $(wildcard man/*.1)
MAN_OUT   := $(patsubst man/%,$(BUILD)/man/%,$(MANPAGES))

.PHONY: all static check check-faults check-valgrind bench demo fuzz install \
	uninstall clean man FORCE
UNINSTALLED_BP := $(BUILD)/brainstem-uninstalled.qtl \
		  $(BUILD)/tests/brainstem-uninstalled.qtl
all: $(LIB_REAL) $(PROGRAMS) $(BUILD)/brainstem.pc $(MAN_OUT) $(UNINSTALLED_BP)

$(UNINSTALLED_BP):
	@mkdir -p $(@D)
	$(Q)ln -sfn '$(CURDIR)/blueprint/brain.qtl' $@

# The install paths are compiled into the library and the .pc file: a
# changed PREFIX (or DATADIR...) must rebuild them.
CONFIG_LINE := $(PREFIX)|$(LIBDIR)|$(INCLUDEDIR)|$(DATADIR)|$(BINDIR)|$(PKGCONFIGDIR)
$(BUILD)/config.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(CONFIG_LINE)' | cmp -s - $@ || echo '$(CONFIG_LINE)' > $@
$(BUILD)/lib/brain.o: $(BUILD)/config.stamp

# Every object names the headers it includes in its .d file (-MMD), which
# the next make reads: touching a header rebuilds exactly the objects that
# include it.  A fresh tree has no .d files and no objects, so everything is
# built; -MP keeps a deleted header from stopping make.
DEPFLAGS := -MMD -MP
$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(LIB_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB_REAL): $(LIB_OBJS) lib/libbrainstem.map
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=lib/libbrainstem.map -Wl,--no-undefined \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(DEP_LIBS) -lpthread -ldl -lm
	$(Q)ln -sf libbrainstem.so.$(VERSION) $(BUILD)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(BUILD)/libbrainstem.so

# The static library: the same objects (position-independent, the internal
# functions hidden from a shared link), for programs that want no
# libbrainstem.so at run time; brainstem.pc's Libs.private gives what it
# needs besides (pkg-config --static).  Built by
# `make static` or STATIC=1, installed by `make install STATIC=1` only: a
# stale archive left by an earlier `make static` is not installed unasked.
LIB_A := $(BUILD)/libbrainstem.a
static: $(LIB_A)
ifeq ($(STATIC),1)
all: $(LIB_A)
endif
$(LIB_A): $(LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

# Programs link the shared library; $ORIGIN finds it beside them in the
# build tree and in ../lib once installed.
$(BUILD)/bin/%.o: bin/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# (a function, so that make does not read its % as the rule's stem; the
# objects stay when the program is made, for the next make to compare)
prog_objs = $(patsubst bin/%.c,$(BUILD)/bin/%.o,$(wildcard bin/$(1)/*.c))
.SECONDARY: $(BIN_OBJS)
.SECONDEXPANSION:
$(BUILD)/brainstem-%: $$(call prog_objs,$$*) $(BUILD)/bin/cli.o $(LIB_REAL)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lbrainstem \
		$(shell pkg-config --libs jansson) \
		-Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib' $(LDFLAGS)

# brainstem.pc is relocatable: installed inside PREFIX (the default
# PKGCONFIGDIR is), its prefix is found from where the file is
# (${pcfiledir}/../..), and libdir and includedir follow ${prefix}, so an
# installed tree that is moved elsewhere still builds programs.  A directory
# set outside PREFIX stays as given.
empty :=
PC_UNDER  := $(patsubst $(PREFIX)/%,%,$(PKGCONFIGDIR))
PC_PREFIX := $(if $(filter $(PKGCONFIGDIR),$(PC_UNDER)),$(PREFIX),$${pcfiledir}$(subst $(empty) ,,$(patsubst %,/..,$(subst /, ,$(PC_UNDER)))))
PC_LIBDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
# What a program that links libbrainstem.a links besides it: the libraries
# the shared library is linked with (jansson is a public Requires).  Named
# as libraries, not as Requires.private packages: pkg-config --static would
# then add libcurl's own static closure (nghttp2, ssh2, krb5, ldap ...),
# whose -dev packages Debian does not install, and the link would fail.
PC_LIBS_PRIVATE := $(strip $(shell pkg-config --libs $(filter-out jansson,$(PKGS)) \
	2>/dev/null) -lpthread -ldl -lm)
$(BUILD)/brainstem.pc: pkgconfig/brainstem.pc.in $(VERSION_H) $(BUILD)/config.stamp
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PC_PREFIX)|g' -e 's|@LIBDIR@|$(PC_LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|g' \
		-e 's|@LIBS_PRIVATE@|$(PC_LIBS_PRIVATE)|g' \
		-e 's|@VERSION@|$(VERSION)|g' $< > $@

# The man pages name the installed paths and version: @PREFIX@, @BINDIR@,
# @DATADIR@, @INCLUDEDIR@, @VERSION@ in man/*.1 become this build's.
$(BUILD)/man/%.1: man/%.1 $(VERSION_H) $(BUILD)/config.stamp
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
		-e 's|@DATADIR@|$(DATADIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' $< > $@
man: $(MAN_OUT)

# The unit tests link the library's objects directly, so internal modules
# (week numbering, the YAML reader) are tested as well as the API.
# (the test objects name the source tree: they are never installed)
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Ilib $(DEPFLAGS) \
		-DTEST_DATA='"$(CURDIR)/tests/data"' -DSOURCE_DIR='"$(CURDIR)"' \
		-c -o $@ $<

$(TEST_BIN): $(TEST_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJS) \
		$(LIB_OBJS) $(CHECK_LIBS) $(DEP_LIBS) -lpthread -ldl -lm

# A test tool: fills a tree with the records of a JSON spec (each with its
# own timestamp), for the tests that read a tree back.
FILLTREE := $(BUILD)/tests/filltree
$(FILLTREE): $(BUILD)/tests/tools/filltree.o $(LIB_OBJS) | $(UNINSTALLED_BP)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(DEP_LIBS) \
		-lpthread -ldl -lm

# Check's own per-test limit (4 s) is about a quiet machine; a loaded or
# sanitized run gets 60 s, which still ends a test that hangs.  Every step
# runs even when one before failed; each one's output goes to the terminal
# and to $(CHECK_LOGS), from which tests/check-summary.sh makes the last
# line: what ran, how many passed and failed, and what failed (make check
# then fails).
CHECK_LOGS := $(BUILD)/check-logs
check: all $(TEST_BIN) $(FILLTREE)
	@rm -rf $(CHECK_LOGS) && mkdir -p $(CHECK_LOGS)
	@echo "== unit tests (Check)"
	$(Q){ BRAINSTEM_BLUEPRINT= BRAINSTEM_ROOT= \
		CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-60} $(TEST_BIN); \
		echo $$? >$(CHECK_LOGS)/unit.rc; } 2>&1 | tee $(CHECK_LOGS)/unit.log
	@echo "== program and packaging tests"
	$(Q){ BUILD=$(BUILD) CC="$(CC)" SAN=$(SAN) sh tests/run-shell-tests.sh; \
		echo $$? >$(CHECK_LOGS)/shell.rc; } 2>&1 | tee $(CHECK_LOGS)/shell.log
	$(Q)if [ -z "$(SAN)" ] && command -v clang >/dev/null 2>&1; then \
		{ $(MAKE) --no-print-directory fuzz-run \
			FUZZ_SECONDS=$(FUZZ_SECONDS); \
		echo $$? >$(CHECK_LOGS)/fuzz.rc; } 2>&1 | \
		tee $(CHECK_LOGS)/fuzz.log; \
	else echo "== fuzz: skipped (needs clang, and runs only without SAN)"; fi
	$(Q)sh tests/check-summary.sh $(CHECK_LOGS)

# The fault-injection matrix of tests/check_faults.c in full: every nth
# system call of a save, an open and a rebuild fails with each fault kind
# (make check runs a sample of n).
check-faults: $(TEST_BIN)
	@echo "== fault injection, every n (BRAINSTEM_FAULTS=full)"
	$(Q)t0=$$(date +%s); BRAINSTEM_BLUEPRINT= BRAINSTEM_ROOT= \
		BRAINSTEM_FAULTS=full CK_RUN_SUITE=faults $(TEST_BIN); \
		rc=$$?; echo "== fault injection took $$(($$(date +%s) - t0)) s"; \
		exit $$rc

# The suites of the operation's code (the read API, the HTTP server, the
# log, the dashboard, the report) under valgrind's memcheck, one at a
# time and unforked so every leak is seen, then the programs in a short
# session (tests/valgrind-programs.sh).  tests/valgrind.supp says what is
# not brainstem's fault.  Slow: not part of make check.
VALGRIND_SUITES ?= read http log dashboard report
VALGRIND := valgrind -q --leak-check=full --error-exitcode=1 --fair-sched=yes \
	--suppressions=tests/valgrind.supp
check-valgrind: all $(TEST_BIN)
	$(Q)failed=0; for s in $(VALGRIND_SUITES); do \
		echo "== valgrind: unit suite $$s"; \
		BRAINSTEM_BLUEPRINT= BRAINSTEM_ROOT= CK_FORK=no \
		CK_DEFAULT_TIMEOUT=600 CK_RUN_SUITE=$$s \
		$(VALGRIND) $(TEST_BIN) || failed=1; done; \
	echo "== valgrind: the programs"; \
	BUILD=$(BUILD) sh tests/valgrind-programs.sh || failed=1; \
	exit $$failed

# libFuzzer targets (clang only): the blueprint reader; what comes from a
# node or a user (addresses, getblocktemplate answers); the record path
# (record in, bytes on disk, read back); the on-disk readers (journal
# repair, tail scan, state file) through the public API; what a pool
# sends to the Stratum client; what the HTTP server renders from a status
# (the /metrics text, the dashboard page) and the --http address.
FUZZ_NAMES := blueprint node record disk stratum status
FUZZ_BINS  := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_ARGS_blueprint := -max_len=16384 -dict=fuzz/blueprint.dict \
	build/fuzz/corpus blueprint tests/data/blueprints
FUZZ_ARGS_node := -max_len=8192 build/fuzz/corpus_node fuzz/node_seeds
FUZZ_ARGS_record := -max_len=8192 -timeout=10 -dict=fuzz/record.dict \
	build/fuzz/corpus_record fuzz/record_seeds
FUZZ_ARGS_disk := -max_len=16384 -timeout=10 -dict=fuzz/disk.dict \
	build/fuzz/corpus_disk fuzz/disk_seeds
FUZZ_ARGS_stratum := -max_len=8192 -timeout=10 -dict=fuzz/stratum.dict \
	build/fuzz/corpus_stratum fuzz/stratum_seeds
FUZZ_ARGS_status := -max_len=8192 -timeout=10 -dict=fuzz/status.dict \
	build/fuzz/corpus_status fuzz/status_seeds
FUZZ_CORPORA := $(patsubst %,build/fuzz/corpus_%,node record disk stratum \
	status) \
	build/fuzz/corpus
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB_SRCS) $(wildcard lib/*.h) $(HEADERS)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)
	$(Q)clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(WARN) -Iinclude -Ilib \
		-DSOURCE_DIR='"$(CURDIR)"' $(DEP_CFLAGS) -o $@ $< $(LIB_SRCS) \
		$(DEP_LIBS) -lpthread -ldl -lm

# make fuzz: each target for FUZZ_TIME seconds (default 600)
fuzz: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_CORPORA)
	$(Q)for f in $(FUZZ_NAMES); do echo "== fuzz: $$f"; \
		case $$f in blueprint) a='$(FUZZ_ARGS_blueprint)';; \
		node) a='$(FUZZ_ARGS_node)';; record) a='$(FUZZ_ARGS_record)';; \
		disk) a='$(FUZZ_ARGS_disk)';; \
		stratum) a='$(FUZZ_ARGS_stratum)';; \
		status) a='$(FUZZ_ARGS_status)';; esac; \
		build/fuzz/fuzz_$$f -max_total_time=$(or $(FUZZ_TIME),600) $$a \
		|| exit 1; done

# make check's short run: FUZZ_SECONDS split between the targets; each
# one runs even when one before failed, and says "ok - fuzz NAME" or
# "FAIL - fuzz NAME" (make check's summary counts those lines).
fuzz-run: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_CORPORA)
	$(Q)failed=0; for f in $(FUZZ_NAMES); do \
		t=$$(($(FUZZ_SECONDS) / $(words $(FUZZ_NAMES)))); \
		echo "== fuzz: $$f for $${t}s"; \
		case $$f in blueprint) a='$(FUZZ_ARGS_blueprint)';; \
		node) a='$(FUZZ_ARGS_node)';; record) a='$(FUZZ_ARGS_record)';; \
		disk) a='$(FUZZ_ARGS_disk)';; \
		stratum) a='$(FUZZ_ARGS_stratum)';; \
		status) a='$(FUZZ_ARGS_status)';; esac; \
		if build/fuzz/fuzz_$$f -max_total_time=$$t \
			-print_final_stats=0 $$a 2>build/fuzz/last.log; then \
			grep -E '^Done' build/fuzz/last.log; \
			echo "ok - fuzz $$f"; \
		else tail -50 build/fuzz/last.log; \
			echo "FAIL - fuzz $$f"; failed=1; fi; done; \
	exit $$failed

# A short demo session, shown as it goes: real double-SHA-256 mining of
# synthetic blocks at 6 hex zeros (one block in 16.7M hashes) in rounds of
# DEMO_SECONDS, recorded under demo/; then the tree is validated and the
# ways to look at it are printed (the report, the dashboard).
DEMO_ROOT    ?= $(CURDIR)/demo
DEMO_ROUNDS  ?= 4
DEMO_SECONDS ?= 3
demo: all
	@echo "demo: mining $(DEMO_ROUNDS) rounds of $(DEMO_SECONDS) s at 6 hex zeros into $(DEMO_ROOT)"
	@$(BUILD)/brainstem-miner --demo --root "$(DEMO_ROOT)" \
		--rounds $(DEMO_ROUNDS) --round-seconds $(DEMO_SECONDS) \
		--max-attempts 0 --zeros 6
	@$(BUILD)/brainstem-dtm --demo --root "$(DEMO_ROOT)" --quiet validate && \
		echo "demo: the tree validates clean"
	@echo "demo: look at what it wrote:"
	@echo "  $(BUILD)/brainstem-dtm report --demo --root $(DEMO_ROOT) --hour"
	@echo "      the hour's hash rate, hashes, rounds and blocks, as text"
	@echo "  $(BUILD)/brainstem-looper --demo --root $(DEMO_ROOT) --http 127.0.0.1:8080"
	@echo "      mines on and serves the dashboard at http://127.0.0.1:8080/"
	@echo "      (/metrics for Prometheus, /api/status as JSON)"

# Benchmarks: each bench/NAME.c is a program linked against the shared
# library (build/bench/NAME); `make bench` runs them all and prints tables,
# then bench/pool.sh (pool mining against --benchmark, through the npm pool).
# SQLite is the store bench's reference, a bench-only dependency.
BENCH_NAMES := hash sha_pipes store validate
BENCH_BINS  := $(patsubst %,$(BUILD)/bench/%,$(BENCH_NAMES))
BENCH_LIBS_store := $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)
$(BUILD)/bench/%: bench/%.c $(LIB_REAL)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ -o $@ $< \
		-L$(BUILD) -lbrainstem \
		$(shell pkg-config --libs jansson) $(BENCH_LIBS_$*) \
		-Wl,-rpath,'$(abspath $(BUILD))' $(LDFLAGS)

bench: all $(BENCH_BINS)
	$(Q)for b in $(BENCH_NAMES); do echo "== bench/$$b"; \
		$(BUILD)/bench/$$b || exit 1; done
	@echo "== bench/pool.sh"
	$(Q)BUILD=$(BUILD) sh bench/pool.sh

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(INCLUDEDIR)/brainstem $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(DATADIR)/brainstem $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(LIB_REAL) $(DESTDIR)$(LIBDIR)/
	$(if $(filter 1,$(STATIC)),install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/)
	ln -sf libbrainstem.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libbrainstem.so
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/brainstem/
	install -m 0644 $(BUILD)/brainstem.pc $(DESTDIR)$(PKGCONFIGDIR)/
	install -m 0644 blueprint/brain.qtl $(DESTDIR)$(DATADIR)/brainstem/brain.qtl
	$(if $(MANPAGES),install -m 0644 $(MAN_OUT) $(DESTDIR)$(MANDIR)/man1/)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libbrainstem.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libbrainstem.so \
	      $(DESTDIR)$(LIBDIR)/libbrainstem.a \
	      $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS))) \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/brainstem/,$(notdir $(HEADERS))) \
	      $(DESTDIR)$(PKGCONFIGDIR)/brainstem.pc \
	      $(DESTDIR)$(DATADIR)/brainstem/brain.qtl \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/brainstem $(DESTDIR)$(DATADIR)/brainstem 2>/dev/null

clean:
	rm -rf build demo

# What the last build of each object included (see DEPFLAGS).
-include $(patsubst %.o,%.d,$(LIB_OBJS) $(BIN_OBJS) $(TEST_OBJS) \
	$(BUILD)/tests/tools/filltree.o) $(addsuffix .d,$(BENCH_BINS))
