/*
 * lib/store_state.c - a stream's lock and its shared state file.
 *
 * The state file holds three numbers, written in place at fixed offsets
 * through a shared mapping (so a save costs no system call for it): the
 * seq the derived files hold up to (applied), the seq up to which they
 * were last synced (checkpoint) and the generation, which a writer bumps
 * under the lock before it cuts or replaces a file that others may have
 * mapped.  A torn or new state file reads as zeros: replay everything,
 * which is always correct (replay is idempotent).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "store_state.h"

/* The state text: {"applied_seq": N, "checkpoint_seq": N,
 * "generation": N}, each N left-aligned in FIELD bytes, and a newline;
 * always STATE_LEN bytes, rewritten in place. */
#define STATE_LEN 114
#define KEY_APPLIED "{\"applied_seq\": "
#define KEY_CHECKPOINT ", \"checkpoint_seq\": "
#define KEY_GENERATION ", \"generation\": "
#define FIELD 20

/* A number as "%-20lld" does, into FIELD bytes (any long long fits). */
static char *put_field(char *p, long long v)
{
	char digits[FIELD];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;
	int n = 0;

	do
		digits[FIELD - 1 - n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		digits[FIELD - 1 - n++] = '-';
	memcpy(p, digits + FIELD - n, (size_t)n);
	memset(p + n, ' ', (size_t)(FIELD - n));
	return p + FIELD;
}

/* The state text for these numbers (no printf: twice a save). */
static void state_text(char text[STATE_LEN], long long applied,
		       long long checkpoint, long long generation)
{
	char *p = text;

	memcpy(p, KEY_APPLIED, sizeof(KEY_APPLIED) - 1);
	p = put_field(p + sizeof(KEY_APPLIED) - 1, applied);
	memcpy(p, KEY_CHECKPOINT, sizeof(KEY_CHECKPOINT) - 1);
	p = put_field(p + sizeof(KEY_CHECKPOINT) - 1, checkpoint);
	memcpy(p, KEY_GENERATION, sizeof(KEY_GENERATION) - 1);
	p = put_field(p + sizeof(KEY_GENERATION) - 1, generation);
	memcpy(p, "}\n", 2);
	assert(p + 2 == text + STATE_LEN);
}

int brain__state_write(brain__store *store, sstate *st, long long applied,
		       int sync)
{
	char text[STATE_LEN];

	/* the state never claims more than the journal holds */
	assert(st->locked && applied <= st->last_seq);

	state_text(text, applied, st->checkpoint, st->generation);
	memcpy(st->state_map, text, STATE_LEN);
	if (sync && brain__sync(st->state_fd) != 0)
		return brain__ioerr(store->err, BRAIN_IOERR_FSYNC,
				    "cannot sync %s", st->state_path);
	st->known_applied = applied;
	return 0;
}

/* One number of the state text at `at`, after `key`; 0, or -1 when the
 * text is not what state_write writes. */
static int state_field(const char *text, size_t at, const char *key,
		       long long *v)
{
	char *end;
	size_t klen = strlen(key);

	if (memcmp(text + at - klen, key, klen) != 0)
		return -1;
	*v = strtoll(text + at, &end, 10);
	return end > text + at && end <= text + at + FIELD &&
			       (*end == ' ' || end == text + at + FIELD)
		       ? 0
		       : -1;
}

void brain__state_read(sstate *st, long long *applied)
{
	static const size_t at_a = sizeof(KEY_APPLIED) - 1;
	static const size_t at_c = at_a + FIELD + sizeof(KEY_CHECKPOINT) - 1;
	static const size_t at_g = at_c + FIELD + sizeof(KEY_GENERATION) - 1;
	char text[STATE_LEN + 1];
	long long a, c, g;

	*applied = 0;
	st->checkpoint = 0;
	memcpy(text, st->state_map, STATE_LEN);
	text[STATE_LEN] = '\0';
	if (state_field(text, at_a, KEY_APPLIED, &a) ||
	    state_field(text, at_c, KEY_CHECKPOINT, &c) ||
	    state_field(text, at_g, KEY_GENERATION, &g))
		return; /* new, or torn: replay everything (idempotent) */
	*applied = a;
	st->checkpoint = c;
	st->generation = g;
}

/*
 * brain__state_announce - under the lock, before a change other writers
 * cannot see in the applied seq: a file they may have mapped is cut or
 * replaced, or the journal grows (a record appended is news even when no
 * applied seq says so: write-behind, a lagging stream, a writer killed
 * before its flush).  A new generation in the state file tells them to
 * drop what they hold and load afresh.  Written before the change, not
 * when the lock is let go, so that a writer killed in between still
 * leaves the news behind (the state file is a shared mapping: its pages
 * outlive the process).  Once per holding of the lock.  The only way the
 * generation changes.
 */
void brain__state_announce(sstate *st)
{
	static const size_t at_g = sizeof(KEY_APPLIED) - 1 + FIELD +
				   sizeof(KEY_CHECKPOINT) - 1 + FIELD +
				   sizeof(KEY_GENERATION) - 1;

	assert(st->locked);
	if (st->bump)
		return;
	st->generation++;
	put_field(st->state_map + at_g, st->generation);
	st->bump = 1;
}

/* Under the lock, once: a state file shorter than STATE_LEN (new, or
 * torn in its first write) becomes the zero state, which means the same
 * (replay from the start), and is mapped. */
static int state_map(brain__store *store, sstate *st)
{
	struct stat sb;
	void *map;

	if (st->state_map)
		return 0;
	if (fstat(st->state_fd, &sb) != 0)
		return brain__ioerr(store->err, BRAIN_IOERR_READ,
				    "cannot read %s", st->state_path);
	if (sb.st_size < STATE_LEN) {
		char text[STATE_LEN];
		state_text(text, 0, 0, 0);
		if (brain__write_at(st->state_fd, text, STATE_LEN, 0) != 0)
			return brain__ioerr(store->err, BRAIN_IOERR_WRITE,
					    "cannot write %s", st->state_path);
	}
	map = mmap(NULL, STATE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		   st->state_fd, 0);
	if (map == MAP_FAILED)
		return brain__ioerr(store->err, BRAIN_IOERR_MMAP, "cannot map %s",
				    st->state_path);
	st->state_map = map;
	return 0;
}

static int stream_open_files(brain__store *store, sstate *st)
{
	char *dir;
	int rc;

	if (st->lock_fd >= 0)
		return 0;
	dir = brain__path_join(store->base, st->s->folder);
	if (!dir)
		return BRAIN_ENOMEM;
	rc = brain__mkdir_p(dir);
	if (rc == BRAIN_EIO)
		rc = brain__ioerr(store->err, BRAIN_IOERR_MKDIR,
				  "cannot create folder %s", dir);
	free(dir);
	if (rc)
		return rc;
	st->lock_fd = brain__open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC,
				  0644);
	if (st->lock_fd < 0)
		return brain__ioerr(store->err, BRAIN_IOERR_OPEN, "cannot open %s",
				    st->lock_path);
	st->state_fd = brain__open(st->state_path,
				   O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->state_fd < 0)
		return brain__ioerr(store->err, BRAIN_IOERR_OPEN, "cannot open %s",
				    st->state_path);
	return 0;
}

int brain__state_lock(brain__store *store, sstate *st)
{
	int rc = stream_open_files(store, st);

	if (rc)
		return rc;
	while (flock(st->lock_fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			rc = brain__errno(store->err, BRAIN_ELOCKED,
					  "cannot lock %s", st->lock_path);
			store->err->io_step = BRAIN_IOERR_LOCK;
			return rc;
		}
	if ((rc = state_map(store, st))) {
		flock(st->lock_fd, LOCK_UN);
		return rc;
	}
	st->locked = 1;
	return 0;
}

/* Lets go of the lock (a change made under it was announced before it
 * was made: brain__state_announce). */
void brain__state_unlock(sstate *st)
{
	assert(st->locked);
	st->locked = 0;
	st->bump = 0;
	flock(st->lock_fd, LOCK_UN);
}

int brain__store_read_lock(brain__store *store, const brain__stream *s,
			   int *fd)
{
	const char *path = brain__sto_stream(store, s)->lock_path;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT ? 0
				       : brain__errno(store->err, BRAIN_ELOCKED,
						      "cannot open %s", path);
	while (flock(*fd, LOCK_SH) != 0)
		if (errno != EINTR) {
			int rc = brain__errno(store->err, BRAIN_ELOCKED,
					      "cannot lock %s", path);
			close(*fd);
			*fd = -1;
			return rc;
		}
	return 0;
}

void brain__state_close(sstate *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->state_map)
		munmap(st->state_map, STATE_LEN);
	if (st->state_fd >= 0)
		close(st->state_fd);
	st->lock_fd = st->state_fd = -1;
	st->state_map = NULL;
}

void brain__store_read_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* and with it the shared lock */
}
