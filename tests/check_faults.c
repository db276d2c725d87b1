/*
 * tests/check_faults.c - I/O faults, injected the way SQLite's tests do.
 *
 * This file defines open, openat, write, pwrite, read, pread, fdatasync,
 * fsync, ftruncate, mmap, rename, link, unlink, mkdir, mkostemp, fchmod and
 * flock:
 * the test binary links the library's objects, so the library calls these,
 * and they reach libc through dlsym(RTLD_NEXT).  Unarmed they only pass
 * the call on.  Armed (tf_arm), they count the calls a fault kind applies
 * to and make the nth one fail:
 *   EIO       every call (mmap: ENOMEM, flock: ENOLCK);
 *   ENOSPC    the calls that allocate: open(O_CREAT), mkostemp, write,
 *             pwrite, fdatasync, fsync, link, rename, mkdir;
 *   EINTR     the calls a signal can interrupt: open, read, pread, write,
 *             pwrite, fdatasync, fsync, ftruncate, flock(LOCK_EX);
 *   short     write, pwrite: half the bytes, then ENOSPC on the next
 *             write (a disk that fills part-way through a write).
 *
 * The matrix: an operation (a save at each durability, an open with work
 * to replay, a rebuild) is run from a copy of a prepared tree with the
 * fault at n = 1, 2, 3, ... until a run completes without reaching it.
 * After each run: the call failed with a message naming the path and the
 * errno text (EINTR: it did not fail), the journal holds exactly the
 * acknowledged records (each once), and the next open - fault gone -
 * validates clean.  make check runs every FAST_STRIDE-th n; make
 * check-faults (BRAINSTEM_FAULTS=full) every n, and prints the counts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storecheck.h"
#include "testutil.h"

/* ---- the interposer ---- */

enum { TF_EIO, TF_ENOSPC, TF_EINTR, TF_SHORT, TF_KINDS };
static const char *const kind_name[TF_KINDS] = {"EIO", "ENOSPC", "EINTR",
						"short write"};

enum call {
	C_OPEN,
	C_CREAT, /* open with O_CREAT, mkostemp */
	C_WRITE,
	C_READ,
	C_SYNC,
	C_TRUNC,
	C_MMAP,
	C_RENAME, /* rename, link */
	C_MKDIR,
	C_LOCK,
	C_CHMOD,
};

static struct {
	int armed, kind;
	int only; /* a call + 1: count that kind of call only; 0: all */
	long n, count;
	int fired;      /* the errno injected (short: ENOSPC), 0 if none */
	int then_nospc; /* a short write happened: the next write fails */
	char deny[128]; /* open of a path ending so fails with deny_errno */
	int deny_errno;
} tf;

int tf_die_at_cut; /* check_crash.c: the nth ftruncate ends the process */
long tf_die_at_change, tf_changes;

/* After a call that changed a file or a folder: with tf_die_at_change
 * armed, the process ends right after the nth such change, as SIGKILL
 * would at that moment. */
static void tf_changed(void)
{
	if (tf_die_at_change && ++tf_changes == tf_die_at_change)
		_exit(9);
}

static void tf_arm(int kind, long n)
{
	tf.kind = kind;
	tf.n = n;
	tf.count = 0;
	tf.fired = tf.then_nospc = 0;
	tf.armed = 1;
}

static void tf_disarm(void)
{
	tf.armed = 0;
}

static void tf_deny(const char *suffix, int err)
{
	snprintf(tf.deny, sizeof(tf.deny), "%s", suffix ? suffix : "");
	tf.deny_errno = err;
}

static int applies(int kind, enum call c)
{
	switch (kind) {
	case TF_EIO:
		return 1;
	case TF_ENOSPC:
		return c == C_CREAT || c == C_WRITE || c == C_SYNC ||
		       c == C_RENAME || c == C_MKDIR;
	case TF_EINTR:
		return c == C_OPEN || c == C_CREAT || c == C_WRITE ||
		       c == C_READ || c == C_SYNC || c == C_TRUNC ||
		       c == C_LOCK;
	default:
		return c == C_WRITE;
	}
}

/* 0: make the real call; an errno: fail with it; -1: a short write. */
static int tf_hit(enum call c)
{
	if (!tf.armed)
		return 0;
	if (tf.then_nospc && c == C_WRITE) {
		tf.then_nospc = 0;
		return ENOSPC;
	}
	if (!applies(tf.kind, c) || (tf.only && (int)c != tf.only - 1) ||
	    ++tf.count != tf.n)
		return 0;
	if (getenv("BRAINSTEM_FAULTS_TRACE")) {
		void *at[16];
		fprintf(stderr, "faults: call kind %d fails here:\n", (int)c);
		backtrace_symbols_fd(at, backtrace(at, 16), 2);
	}
	switch (tf.kind) {
	case TF_EIO:
		tf.fired = c == C_MMAP ? ENOMEM : c == C_LOCK ? ENOLCK : EIO;
		return tf.fired;
	case TF_ENOSPC:
		return tf.fired = ENOSPC;
	case TF_EINTR:
		return tf.fired = EINTR;
	default:
		tf.fired = ENOSPC;
		return -1;
	}
}

static int denied(const char *path)
{
	size_t n = strlen(tf.deny), len = path ? strlen(path) : 0;

	return n && len >= n && !strcmp(path + len - n, tf.deny);
}

/* `real`: the C library's function, looked up once (the writers' threads
 * of other suites call these too, hence the atomics). */
#define REAL(name)                                                             \
	static __typeof__(name) *real_;                                        \
	__typeof__(name) *real = __atomic_load_n(&real_, __ATOMIC_ACQUIRE);   \
	if (!real) {                                                           \
		*(void **)&real = dlsym(RTLD_NEXT, #name);                     \
		__atomic_store_n(&real_, real, __ATOMIC_RELEASE);              \
	}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int e;
	REAL(open);

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (denied(path)) {
		errno = tf.deny_errno;
		return -1;
	}
	if ((e = tf_hit(flags & O_CREAT ? C_CREAT : C_OPEN))) {
		errno = e;
		return -1;
	}
	return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	int e;
	REAL(openat);

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (denied(path)) {
		errno = tf.deny_errno;
		return -1;
	}
	if ((e = tf_hit(flags & O_CREAT ? C_CREAT : C_OPEN))) {
		errno = e;
		return -1;
	}
	return real(dirfd, path, flags, mode);
}

int mkostemp(char *tmpl, int flags)
{
	int e;
	REAL(mkostemp);

	if ((e = tf_hit(C_CREAT)) > 0) {
		errno = e;
		return -1;
	}
	return real(tmpl, flags);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	int e;
	REAL(write);

	e = tf_hit(C_WRITE);
	if (e == -1 && n >= 2) {
		tf.then_nospc = 1;
		return real(fd, buf, n / 2);
	}
	if (e) {
		errno = e == -1 ? ENOSPC : e;
		return -1;
	}
	{
		ssize_t rc_ = real(fd, buf, n);
		tf_changed();
		return rc_;
	}
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int e;
	REAL(pwrite);

	e = tf_hit(C_WRITE);
	if (e == -1 && n >= 2) {
		tf.then_nospc = 1;
		return real(fd, buf, n / 2, off);
	}
	if (e) {
		errno = e == -1 ? ENOSPC : e;
		return -1;
	}
	{
		ssize_t rc_ = real(fd, buf, n, off);
		tf_changed();
		return rc_;
	}
}

ssize_t read(int fd, void *buf, size_t n)
{
	int e;
	REAL(read);

	if ((e = tf_hit(C_READ))) {
		errno = e;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	int e;
	REAL(pread);

	if ((e = tf_hit(C_READ))) {
		errno = e;
		return -1;
	}
	return real(fd, buf, n, off);
}

int fdatasync(int fd)
{
	int e;
	REAL(fdatasync);

	if ((e = tf_hit(C_SYNC))) {
		errno = e;
		return -1;
	}
	{
		int rc_ = real(fd);
		tf_changed();
		return rc_;
	}
}

int fsync(int fd)
{
	int e;
	REAL(fsync);

	if ((e = tf_hit(C_SYNC))) {
		errno = e;
		return -1;
	}
	{
		int rc_ = real(fd);
		tf_changed();
		return rc_;
	}
}

int ftruncate(int fd, off_t length)
{
	int e, rc;
	REAL(ftruncate);

	if ((e = tf_hit(C_TRUNC))) {
		errno = e;
		return -1;
	}
	rc = real(fd, length);
	if (tf_die_at_cut && --tf_die_at_cut == 0)
		_exit(9);
	tf_changed();
	return rc;
}

/* Not under ThreadSanitizer: its runtime maps memory through this one
 * before it is ready, and its own mmap interceptor must see the store's
 * maps (without it the writers' tests run too slowly).  Elsewhere it goes
 * straight to the system call, and only file maps are counted. */
#if !defined(__SANITIZE_THREAD__)
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd >= 0 && tf.armed) {
		int e = tf_hit(C_MMAP);
		if (e) {
			errno = e;
			return MAP_FAILED;
		}
	}
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}
#endif

int rename(const char *from, const char *to)
{
	int e;
	REAL(rename);

	if ((e = tf_hit(C_RENAME))) {
		errno = e;
		return -1;
	}
	{
		int rc_ = real(from, to);
		tf_changed();
		return rc_;
	}
}

int link(const char *from, const char *to)
{
	int e;
	REAL(link);

	if ((e = tf_hit(C_RENAME))) {
		errno = e;
		return -1;
	}
	{
		int rc_ = real(from, to);
		tf_changed();
		return rc_;
	}
}

/* Never fails: counted only as a change (check_crash.c). */
int unlink(const char *path)
{
	REAL(unlink);
	{
		int rc_ = real(path);
		tf_changed();
		return rc_;
	}
}

int mkdir(const char *path, mode_t mode)
{
	int e;
	REAL(mkdir);

	if ((e = tf_hit(C_MKDIR))) {
		errno = e;
		return -1;
	}
	{
		int rc_ = real(path, mode);
		tf_changed();
		return rc_;
	}
}

int fchmod(int fd, mode_t mode)
{
	int e;
	REAL(fchmod);

	if ((e = tf_hit(C_CHMOD))) {
		errno = e;
		return -1;
	}
	return real(fd, mode);
}

int flock(int fd, int op)
{
	int e;
	REAL(flock);

	if ((op & LOCK_EX) && (e = tf_hit(C_LOCK))) {
		errno = e;
		return -1;
	}
	return real(fd, op);
}

/* ---- trees ---- */

#define HOUR 3600
#define BASE_RECORDS 3

static const char *blueprint; /* NULL: the default */

static brain_t *tree_open(const char *dir, time_t *now, int durability)
{
	brain_options_t o = tu_options(dir, blueprint, now);
	brain_t *b;

	o.durability = (brain_durability_t)durability;
	return brain_initialize_mode(&b, "demo", "Faulter", &o) == 0 ? b
								     : NULL;
}

/* One miners report, numbered n, at hour `hour` after the seed example. */
static int save_n(brain_t *b, int n, int hour)
{
	time_t t = T_SEED_EXAMPLE + (time_t)hour * HOUR;
	char ts[32];
	json_t *r;
	int rc;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	r = json_pack("{s:s, s:s, s:i, s:i, s:i}", "timestamp", ts, "event",
		      "mining_round_complete", "n", n, "attempts_this_round",
		      n * 10, "best_difficulty", n % 7);
	rc = brain_save_system_report(b, "miners", r);
	json_decref(r);
	return rc;
}

static void copy_tree(const char *from, const char *to)
{
	char cmd[2200];

	tu_rmrf(to);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	ck_assert_int_eq(system(cmd), 0);
}

/* The journal's records: count, each `n` once, and none above max_n; the
 * count (or a negative number with why filled). */
static long journal_count(brain_t *b, char *why, size_t size)
{
	json_t *journal = sc_journal(b, "miners");
	char seen[4096] = {0};
	size_t i;
	long count;

	if (!journal) {
		snprintf(why, size, "the journal does not parse");
		return -1;
	}
	for (i = 0; i < json_array_size(journal); i++) {
		json_int_t n = json_integer_value(
			json_object_get(json_array_get(journal, i), "n"));
		if (n <= 0 || n >= (json_int_t)sizeof(seen) || seen[n]) {
			snprintf(why, size, "record n=%lld is in the journal "
				 "twice (or has no number)", (long long)n);
			json_decref(journal);
			return -1;
		}
		seen[n] = 1;
	}
	count = (long)json_array_size(journal);
	json_decref(journal);
	return count;
}

static void count_problem(void *ctx, const brain_problem_t *p)
{
	char *first = ctx;

	if (!first[0])
		snprintf(first, 512, "%s: %s", p->path, p->message);
}

/* The tree at dir, opened with no fault: it opens, holds exactly `want`
 * journal records and validates clean.  NULL, or what is wrong. */
static const char *check_after(const char *dir, time_t *now, long want)
{
	static char why[1024];
	char first[512] = "";
	uint64_t problems = 0;
	const char *p;
	brain_t *b = tree_open(dir, now, BRAIN_DURABILITY_NONE);
	long have;

	if (!b) {
		snprintf(why, sizeof(why), "the next open fails: %s",
			 brain_errmsg(NULL));
		return why;
	}
	why[0] = '\0';
	if ((have = journal_count(b, why, sizeof(why))) >= 0 && have != want)
		snprintf(why, sizeof(why), "the journal holds %ld records, "
			 "%ld were acknowledged", have, want);
	if (!why[0] && (p = sc_check_stream(b, "miners", 0)))
		snprintf(why, sizeof(why), "%s", p);
	if (!why[0] &&
	    brain_validate(b, NULL, count_problem, NULL, first, &problems))
		snprintf(why, sizeof(why), "validate fails: %s",
			 brain_errmsg(b));
	if (!why[0] && problems)
		snprintf(why, sizeof(why), "validate: %llu problems, first: %s",
			 (unsigned long long)problems, first);
	brain_close(b);
	return why[0] ? why : NULL;
}

/* ---- the operations ---- */

enum { OP_SAVE_NONE, OP_SAVE_BATCH, OP_SAVE_ALWAYS, OP_OPEN, OP_REBUILD,
       OP_COUNT };
static const char *const op_name[OP_COUNT] = {
	"save (durability none)", "save (durability batch)",
	"save (durability always)", "open with work to replay", "rebuild"};
static const int op_durability[OP_COUNT] = {
	BRAIN_DURABILITY_NONE, BRAIN_DURABILITY_BATCH, BRAIN_DURABILITY_ALWAYS,
	BRAIN_DURABILITY_ALWAYS, BRAIN_DURABILITY_NONE};

/* The tree every run of op starts from, made once under dir/template. */
static void prepare(int op, const char *tpl, time_t *now)
{
	brain_t *b;
	int i, status;
	pid_t pid;

	if (op != OP_OPEN) {
		b = tree_open(tpl, now, op_durability[op]);
		ck_assert_msg(b != NULL, "%s", brain_errmsg(NULL));
		for (i = 1; i <= BASE_RECORDS; i++)
			ck_assert_int_eq(save_n(b, i, i - 1), 0);
		brain_close(b);
		return;
	}
	/* saved with aggregates lagging, and never closed: the derived
	 * files trail the journal and the next open replays */
	b = tree_open(tpl, now, op_durability[op]);
	ck_assert_ptr_nonnull(b);
	brain_close(b);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		b = tree_open(tpl, now, op_durability[op]);
		for (i = 1; b && i <= BASE_RECORDS; i++)
			if (save_n(b, i, i - 1))
				_exit(4);
		_exit(b ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "preparing the open template failed (%d)", status);
}

/* One run: op with the fault armed.  *acked: the records the journal
 * must hold afterwards.  Returns the call's code; msg gets its message. */
static int run_op(int op, const char *dir, time_t *now, long *acked,
		  char *msg, size_t size)
{
	brain_t *b = NULL;
	int rc;

	*acked = BASE_RECORDS;
	msg[0] = '\0';
	if (op == OP_OPEN) {
		brain_options_t o = tu_options(dir, blueprint, now);
		o.durability = (brain_durability_t)op_durability[op];
		tf_arm(tf.kind, tf.n);
		rc = brain_initialize_mode(&b, "demo", "Faulter", &o);
		tf_disarm();
		if (rc)
			snprintf(msg, size, "%s", brain_errmsg(NULL));
		brain_close(b);
		return rc;
	}
	b = tree_open(dir, now, op_durability[op]);
	ck_assert_msg(b != NULL, "%s", brain_errmsg(NULL));
	tf_arm(tf.kind, tf.n);
	if (op == OP_REBUILD)
		rc = brain_rebuild(b, "miners");
	else
		rc = save_n(b, BASE_RECORDS + 1, BASE_RECORDS + 1);
	tf_disarm();
	if (rc)
		snprintf(msg, size, "%s", brain_errmsg(b));
	else if (op != OP_REBUILD)
		*acked = BASE_RECORDS + 1;
	brain_close(b);
	return rc;
}

typedef struct tally {
	long runs, fired, failures, calls;
} tally;

static int full_matrix(void)
{
	const char *e = getenv("BRAINSTEM_FAULTS");

	return e && !strcmp(e, "full");
}

/* Runs in make check's fast subset per operation and fault kind. */
#define FAST_RUNS 10

/* Every n (full matrix) or about FAST_RUNS of them spread over the calls
 * the operation makes, for one operation and fault kind. */
static void sweep(int op, int kind, const char *root, tally *t)
{
	char tpl[1024], dir[1024], msg[1024];
	time_t now = T_SEED_EXAMPLE;
	long n, n0 = 1, acked, stride = 1;

	snprintf(tpl, sizeof(tpl), "%s/template", root);
	snprintf(dir, sizeof(dir), "%s/run", root);
	tu_rmrf(tpl);
	ck_assert_int_eq(mkdir(tpl, 0755), 0);
	prepare(op, tpl, &now);
	if (!full_matrix()) {
		/* a run that never reaches its fault counts the calls */
		copy_tree(tpl, dir);
		tf.kind = kind;
		tf.n = -1;
		run_op(op, dir, &now, &acked, msg, sizeof(msg));
		stride = tf.count / FAST_RUNS + 1;
	}
	if (getenv("BRAINSTEM_FAULTS_FROM"))
		n0 = atol(getenv("BRAINSTEM_FAULTS_FROM"));
	for (n = n0;; n += stride) {
		const char *why = NULL;
		char buf[2200];
		int rc;

		copy_tree(tpl, dir);
		tf.kind = kind;
		tf.n = n;
		rc = run_op(op, dir, &now, &acked, msg, sizeof(msg));
		t->runs++;
		if (!tf.fired) {
			/* the operation made fewer than n calls: done */
			if (rc)
				why = msg;
		} else {
			t->fired++;
			if (kind == TF_EINTR && rc)
				why = "EINTR was not retried";
			else if (rc && (!strchr(msg, '/') ||
					!strstr(msg, strerror(tf.fired))))
				why = "the message lacks the path or the "
				      "errno text";
		}
		if (why)
			snprintf(buf, sizeof(buf), "returned %d (%s): %s", rc,
				 msg, why);
		else if ((why = check_after(dir, &now, acked)))
			snprintf(buf, sizeof(buf), "(returned %d%s%s) %s", rc,
				 rc ? ": " : "", msg, why);
		if (why) {
			fprintf(stderr, "faults: %s, %s at call %ld: %s\n",
				op_name[op], kind_name[kind], n, buf);
			t->failures++;
		}
		if (!tf.fired) {
			t->calls += tf.count; /* the calls the kind applies to */
			break;
		}
	}
	tu_rmrf(dir);
	tu_rmrf(tpl);
}

/* The runs' trees live on /dev/shm when there is one: a few hundred
 * files copied and validated per run cost ten times more on a disk. */
static char *fast_tmpdir(void)
{
	char *path;

	if (access("/dev/shm", W_OK) != 0)
		return tu_tmpdir();
	if (asprintf(&path, "/dev/shm/brainstem-faults.XXXXXX") < 0 ||
	    !mkdtemp(path))
		abort();
	return path;
}

/*
 * Debugging a case: BRAINSTEM_FAULTS_OP=<index into op_name> runs that
 * operation only, BRAINSTEM_FAULTS_FROM=n starts its sweeps at n, and
 * BRAINSTEM_FAULTS_TRACE=1 prints a backtrace where each fault fires.
 */
static void matrix(int op)
{
	const char *only = getenv("BRAINSTEM_FAULTS_OP");
	char *root;
	tally t = {0};
	int kind;

	if (only && *only && atoi(only) != op)
		return;
	root = fast_tmpdir();

	for (kind = 0; kind < TF_KINDS; kind++)
		sweep(op, kind, root, &t);
	fprintf(stderr,
		"faults: %s: %ld (call, kind) points over %d kinds, %ld runs "
		"(%s), %ld faults injected, %ld failures\n",
		op_name[op], t.calls, TF_KINDS, t.runs,
		full_matrix() ? "every n" : "a sample of n", t.fired,
		t.failures);
	tu_rmrf(root);
	free(root);
	ck_assert_msg(t.failures == 0, "%s: %ld of %ld runs failed (see "
		      "stderr)", op_name[op], t.failures, t.runs);
}

START_TEST(faults_in_a_save_at_durability_none)
{
	matrix(OP_SAVE_NONE);
}
END_TEST

START_TEST(faults_in_a_save_at_durability_batch)
{
	matrix(OP_SAVE_BATCH);
}
END_TEST

START_TEST(faults_in_a_save_at_durability_always)
{
	matrix(OP_SAVE_ALWAYS);
}
END_TEST

START_TEST(faults_in_an_open_that_replays)
{
	char *dir = tu_tmpdir(), *bp = tu_path(dir, "lag.qtl");
	char *text = tu_default_with("aggregate_lag_ms: 0",
				     "aggregate_lag_ms: 60000");

	tu_write(bp, text);
	blueprint = bp;
	matrix(OP_OPEN);
	blueprint = NULL;
	free(text);
	free(bp);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(faults_in_a_rebuild)
{
	matrix(OP_REBUILD);
}
END_TEST

/*
 * An hourly file the library may not open (chmod 000 for a user that is
 * not root; root is not stopped by modes, so the interposer refuses it
 * here): the journal takes the record and the save returns 0 - failing
 * it would have a caller retry a recorded save - and the derived files
 * catch up from the journal once the file can be written again.
 * brain_flush reports the file that still cannot be written.
 */
START_TEST(an_unwritable_hourly_file_neither_fails_nor_duplicates_a_save)
{
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = tree_open(dir, &now, BRAIN_DURABILITY_ALWAYS);
	const char *why;
	int i;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(save_n(b, 1, 0), 0);
	tf_deny("hourly_miners_report.json", EACCES);
	for (i = 2; i <= 4; i++) /* a new hour: its hourly file is opened */
		ck_assert_msg(save_n(b, i, 1) == 0, "save %d: %s", i,
			      brain_errmsg(b));
	ck_assert_msg(strstr(tu_notices, "trail") != NULL, "no notice of the "
		      "lag: %s", tu_notices);
	ck_assert_int_eq(brain_flush(b), BRAIN_EIO);
	ck_assert_msg(strstr(brain_errmsg(b), "hourly_miners_report.json") &&
			      strstr(brain_errmsg(b), strerror(EACCES)),
		      "%s", brain_errmsg(b));
	ck_assert_int_eq(brain_errcode_extended(b), BRAIN_IOERR_OPEN);
	ck_assert_int_eq(brain_syserrno(b), EACCES);
	tf_deny(NULL, 0);
	ck_assert_msg(save_n(b, 5, 1) == 0, "%s", brain_errmsg(b));
	ck_assert_int_eq(brain_flush(b), 0);
	ck_assert_ptr_nonnull(strstr(tu_notices, "caught up"));
	brain_close(b);
	why = check_after(dir, &now, 5);
	ck_assert_msg(why == NULL, "%s", why);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* The journal of the miners stream holds n records, each once. */
static void journal_holds(brain_t *b, long n)
{
	char why[256] = "";

	ck_assert_msg(journal_count(b, why, sizeof(why)) == n, "%s", why);
}

/*
 * The journal write itself fails part-way (half of it written, then the
 * disk is full) or its fdatasync fails at durability always: the save
 * fails saying which step and why, the record is not in the journal, and
 * the retry records it once.
 */
START_TEST(a_failed_journal_write_or_sync_is_undone_before_the_error)
{
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = tree_open(dir, &now, BRAIN_DURABILITY_ALWAYS);
	const char *why;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(save_n(b, 1, 0), 0);
	/* same hour: the journal's pwrite is the save's first write */
	tf.only = C_WRITE + 1;
	tf_arm(TF_SHORT, 1);
	ck_assert_int_eq(save_n(b, 2, 0), BRAIN_EIO);
	tf_disarm();
	ck_assert_msg(strstr(brain_errmsg(b), "global_miners_report.json") &&
			      strstr(brain_errmsg(b), strerror(ENOSPC)),
		      "%s", brain_errmsg(b));
	ck_assert_int_eq(brain_errcode_extended(b), BRAIN_IOERR_WRITE);
	ck_assert_int_eq(brain_syserrno(b), ENOSPC);
	journal_holds(b, 1);
	ck_assert_msg(save_n(b, 2, 0) == 0, "%s", brain_errmsg(b));
	tf.only = C_SYNC + 1;
	tf_arm(TF_EIO, 1);
	ck_assert_int_eq(save_n(b, 3, 0), BRAIN_EIO);
	tf_disarm();
	tf.only = 0;
	ck_assert_int_eq(brain_errcode_extended(b), BRAIN_IOERR_FSYNC);
	ck_assert_int_eq(brain_syserrno(b), EIO);
	journal_holds(b, 2);
	ck_assert_msg(save_n(b, 3, 0) == 0, "%s", brain_errmsg(b));
	brain_close(b);
	why = check_after(dir, &now, 3);
	ck_assert_msg(why == NULL, "%s", why);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A signal interrupting the journal's fdatasync, a write or a cut is not
 * an error: the call is made again. */
START_TEST(an_interrupted_system_call_is_retried_not_reported)
{
	static const enum call calls[] = {C_SYNC, C_WRITE, C_TRUNC, C_LOCK,
					  C_OPEN};
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = tree_open(dir, &now, BRAIN_DURABILITY_ALWAYS);
	const char *why;
	size_t i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		tf.only = (int)calls[i] + 1;
		tf_arm(TF_EINTR, 1);
		/* every other save in a new hour: files are cut and opened */
		ck_assert_msg(save_n(b, (int)i + 1, (int)i / 2) == 0,
			      "call kind %d: %s", (int)calls[i],
			      brain_errmsg(b));
		tf_disarm();
		ck_assert_msg(tf.fired == EINTR, "call kind %d never made",
			      (int)calls[i]);
	}
	tf.only = 0;
	brain_close(b);
	why = check_after(dir, &now, (long)i);
	ck_assert_msg(why == NULL, "%s", why);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * A real full disk: a small tmpfs filled with saves until they fail.
 * Every save that returned 0 is in the journal once, no failed one is,
 * and once there is room again the next open catches up and validates.
 */
START_TEST(a_full_disk_records_exactly_the_saves_that_returned_0)
{
	char *dir = tu_tmpdir(), pad[3000];
	time_t now = T_SEED_EXAMPLE;
	long acked = 0, failed = 0, n;
	const char *why;
	brain_t *b;

	/* in a mount namespace of the test's own process when allowed, so
	 * that the mount goes with it even if an assertion ends it */
	if (unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount("brainstem-test", dir, "tmpfs", 0, "size=4m,mode=0700")) {
		printf("faults: full-disk test skipped: cannot mount a tmpfs "
		       "on %s: %s\n", dir, strerror(errno));
		tu_rmrf(dir);
		free(dir);
		return;
	}
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	b = tree_open(dir, &now, BRAIN_DURABILITY_ALWAYS);
	ck_assert_msg(b != NULL, "%s", brain_errmsg(NULL));
	for (n = 1; n < 4000 && failed < 30; n++) {
		/* a new hour every 8 records: new files, as time goes by */
		time_t t = T_SEED_EXAMPLE + (n / 8) * HOUR;
		char ts[32];
		json_t *r;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		r = json_pack("{s:s, s:s, s:i, s:s}", "timestamp", ts, "event",
			      "mining_round_complete", "n", (int)n, "pad", pad);
		if (brain_save_system_report(b, "miners", r) == 0) {
			acked++;
		} else {
			failed++;
			ck_assert_msg(strchr(brain_errmsg(b), '/') != NULL,
				      "%s", brain_errmsg(b));
		}
		json_decref(r);
	}
	brain_close(b);
	ck_assert_msg(failed > 0, "the disk never filled (%ld saves)", acked);
	ck_assert_int_eq(mount(NULL, dir, NULL, MS_REMOUNT, "size=64m"), 0);
	why = check_after(dir, &now, acked);
	ck_assert_msg(why == NULL, "%ld saves returned 0, %ld failed: %s",
		      acked, failed, why);
	umount2(dir, MNT_DETACH);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("matrix");

	tcase_set_timeout(tc, full_matrix() ? 3600 : 300);
	tcase_add_test(tc, faults_in_a_save_at_durability_none);
	tcase_add_test(tc, faults_in_a_save_at_durability_batch);
	tcase_add_test(tc, faults_in_a_save_at_durability_always);
	tcase_add_test(tc, faults_in_an_open_that_replays);
	tcase_add_test(tc, faults_in_a_rebuild);
	suite_add_tcase(s, tc);
	tc = tcase_create("disk");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
		       an_unwritable_hourly_file_neither_fails_nor_duplicates_a_save);
	tcase_add_test(tc, a_full_disk_records_exactly_the_saves_that_returned_0);
	tcase_add_test(tc, a_failed_journal_write_or_sync_is_undone_before_the_error);
	tcase_add_test(tc, an_interrupted_system_call_is_retried_not_reported);
	suite_add_tcase(s, tc);
	return s;
}
