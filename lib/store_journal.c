/*
 * lib/store_journal.c - a stream's journal: its Global time-level file,
 * the one file every record is appended to first, in seq order, and the
 * one every other file of the stream can be recomputed from.
 *
 * An append is all or nothing (brain__journal_append); a tail torn by a
 * crash is cut back to the last whole record (repair_journal); a journal
 * with no whole record near its end is the recovery's to write again from
 * the copies (BRAIN__JOURNAL_LOST).  The journal is synced at `always`
 * on every save, at `batch` once per batch_ms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "record_line.h"
#include "store_files.h"
#include "store_journal.h"
#include "store_state.h"
#include "store_tail.h"

/* A serialised record is within store.max_record_bytes and valid UTF-8. */
int brain__journal_check_line(brain__store *store, const char *line,
			      size_t len)
{
	if ((long)len > store->bp->max_record_bytes)
		return brain__errf(store->err, BRAIN_ETOOBIG,
				   "record of %zu bytes is over the limit of "
				   "%ld (store.max_record_bytes)",
				   len, store->bp->max_record_bytes);
	if (!brain__utf8_valid(line, len))
		return brain__errf(store->err, BRAIN_EINVAL,
				   "record is not valid UTF-8");
	return 0;
}

int brain__journal_parse(brain__store *store, const char *line, size_t len,
			json_t **rec, time_t *t)
{
	json_t *r = json_loadb(line, len, 0, NULL);
	const char *ts = json_string_value(json_object_get(r, "timestamp"));

	if (!r || !ts || brain__parse_iso8601(store->bp, ts, t) != 0) {
		json_decref(r);
		return BRAIN_ECORRUPT;
	}
	*rec = r;
	return 0;
}

/* Every record line of fd from `from` on, as brain__jfile_each_record;
 * a read that fails is named (the callbacks name their own failures). */
int brain__journal_each(brain__store *store, int fd, const char *path,
		       off_t from, int (*fn)(void *ctx, const char *line, size_t len),
		       void *ctx)
{
	int rc = brain__jfile_each_record(fd, from, fn, ctx);

	if (rc == BRAIN_EIO && !store->err->msg[0])
		return brain__ioerr(store->err, BRAIN_IOERR_READ,
				    "cannot read %s", path);
	return rc;
}

/* Cuts a torn journal back to its last whole record and closes it. */
static int repair_journal(brain__store *store, sstate *st)
{
	slot *j = JOURNAL(st);
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, K_SOURCE);
	size_t want = (size_t)store->bp->max_record_bytes + 65536, n;
	struct stat sb;
	char *chunk, *p, *cut = NULL;
	brain__buf tail = {0};
	off_t start;
	int fd, rc = 0;

	fd = open(j->path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		rc = brain__errno(store->err, BRAIN_EIO, "cannot open %s",
				  j->path);
		goto out_fd;
	}
	n = (size_t)sb.st_size < want ? (size_t)sb.st_size : want;
	start = sb.st_size - (off_t)n;
	if (!(chunk = malloc(n + 1))) {
		rc = BRAIN_ENOMEM;
		goto out_fd;
	}
	if (pread(fd, chunk, n, start) != (ssize_t)n) {
		rc = brain__errno(store->err, BRAIN_EIO, "cannot read %s",
				  j->path);
		goto out;
	}
	chunk[n] = '\0';
	/* the last line that is a whole record, or the array's opening */
	for (p = chunk + n; p > chunk && !cut;) {
		char *line_end = p, *line;
		while (p > chunk && p[-1] != '\n')
			p--;
		line = p;
		if (p > chunk)
			p--;
		while (line < line_end && *line == ' ')
			line++;
		if (line_end > line && line_end[-1] == '[') {
			cut = line_end;
		} else if (brain__is_record(line, (size_t)(line_end - line))) {
			char *e = line_end;
			json_t *rec;
			while (e > line && (e[-1] == ',' || e[-1] == '\n'))
				e--;
			rec = json_loadb(line, (size_t)(e - line), 0, NULL);
			if (rec)
				cut = e;
			json_decref(rec);
		}
	}
	if (!cut) {
		rc = brain__errf(store->err, BRAIN_ECORRUPT,
				 "%s: journal has no whole record near its "
				 "end; it needs a rebuild from its hourly "
				 "files", j->path);
		goto out;
	}
	if ((rc = brain__jfile_tail(brain__jfile_depth(lay.entries), NULL,
				    &tail)))
		goto out;
	brain__state_announce(st);
	if (ftruncate(fd, start + (cut - chunk)) != 0 ||
	    brain__write_at(fd, tail.data, tail.len, start + (cut - chunk)) != 0 ||
	    fdatasync(fd) != 0)
		rc = brain__errno(store->err, BRAIN_EIO, "cannot repair %s",
				  j->path);
	else
		brain__sto_notice(store, "repaired the end of %s after an "
			      "interrupted write", j->path);
out:
	brain__buf_free(&tail);
	free(chunk);
out_fd:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* st->jtail from the file: [tail, end) of the loaded journal. */
static int read_jtail(brain__store *store, sstate *st)
{
	slot *j = JOURNAL(st);
	size_t n = (size_t)(j->end - j->tail);
	char *text = malloc(n + 1);
	int rc;

	if (!text)
		return BRAIN_ENOMEM;
	if (brain__read_at(j->fd, text, n, j->tail))
		rc = brain__ioerr(store->err, BRAIN_IOERR_READ,
				  "cannot read %s", j->path);
	else
		rc = (st->jtail.len = 0, brain__buf_put(&st->jtail, text, n))
			     ? BRAIN_ENOMEM
			     : 0;
	free(text);
	return rc;
}

int brain__journal_load(brain__store *store, sstate *st, const brain__when *w)
{
	slot *j = JOURNAL(st);
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, K_SOURCE);
	char *last = NULL;
	int rc, tries;

	assert(j->path); /* bound: brain__rollup_bind */
	for (tries = 0; tries < 2; tries++) {
		if (j->fd < 0) {
			j->fd = brain__open(j->path, O_RDWR | O_CLOEXEC, 0);
			if (j->fd < 0 && errno == ENOENT) {
				rc = brain__files_create(store, st->s, K_SOURCE,
							 BRAIN__LV_GLOBAL, w,
							 j->path);
				if (rc)
					return rc;
				j->fd = brain__open(j->path, O_RDWR | O_CLOEXEC,
						    0);
			}
			if (j->fd < 0)
				return brain__ioerr(store->err, BRAIN_IOERR_OPEN,
						    "cannot open %s",
						    j->path);
		}
		json_t *none = NULL; /* a journal has no summary */
		rc = brain__slot_scan(store, j, &lay, &none, &last);
		json_decref(none);
		if (rc != BRAIN_ECORRUPT)
			break;
		brain__slot_close(j);
		if ((rc = repair_journal(store, st)) != BRAIN_ECORRUPT) {
			if (rc)
				return rc;
			continue;
		}
		/* no whole record near its end: the caller writes it again
		 * from the copies (brain__recover_load), or it is refused */
		if (st->rewriting)
			return rc;
		j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
		if (j->fd < 0)
			return brain__errno(store->err, BRAIN_EIO,
					    "cannot open %s", j->path);
		return BRAIN__JOURNAL_LOST;
	}
	if (rc)
		return rc;
	if (j->fsize > j->end && (rc = brain__slot_trim(store, st, j))) {
		free(last);
		return rc; /* zero bytes a crash left after the text */
	}
	j->last_seq = last ? brain__record_seq(last) : 0;
	st->last_seq = j->last_seq;
	free(last);
	/* the tail as it is, once: appends keep it up to date */
	return read_jtail(store, st);
}

/* The seq of the first record line starting at or after `off`; 0 when
 * none starts in the next few KiB. */
static long long seq_after(int fd, off_t off, off_t end, off_t *line_off)
{
	char buf[4096 + 1], *nl, *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1,
			  off > 0 ? off - 1 : 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	nl = off > 0 ? memchr(buf, '\n', (size_t)n) : buf - 1;
	while (nl && nl + 1 < buf + n) {
		p = nl + 1;
		while (*p == ' ')
			p++;
		if (brain__is_record(p, (size_t)(buf + n - p))) {
			*line_off = (off > 0 ? off - 1 : 0) + (nl + 1 - buf);
			return *line_off < end ? brain__record_seq(p) : 0;
		}
		nl = memchr(p, '\n', (size_t)(buf + n - p));
	}
	return 0;
}

/* The offset of a line at or before the first record with a seq after
 * `from`.  Seqs grow along the journal, so it is found by bisection: a
 * replay costs what it replays, not the journal's length. */
off_t brain__journal_find(sstate *st, long long from)
{
	slot *j = JOURNAL(st);
	off_t lo = 0, hi = j->tail;

	while (hi - lo > 8192) {
		off_t mid = lo + (hi - lo) / 2, at = 0;
		long long seq = seq_after(j->fd, mid, j->tail, &at);
		if (seq && seq <= from)
			lo = at;
		else
			hi = mid;
	}
	return lo;
}

int brain__journal_sync(brain__store *store, sstate *st)
{
	slot *j = JOURNAL(st);

	if (j->fd >= 0 && brain__sync(j->fd) != 0)
		return brain__ioerr(store->err, BRAIN_IOERR_FSYNC,
				    "cannot sync %s", j->path);
	st->unsynced = 0;
	clock_gettime(CLOCK_MONOTONIC, &st->last_sync);
	return 0;
}

/*
 * brain__journal_append - the record line into the journal, synced at
 * `always` (and at `batch` when the interval is up).  All or nothing: when
 * the write fails part-way (a short write, then ENOSPC) or the sync fails,
 * the bytes it overwrote - the journal's tail and the padding spaces
 * after it - are put back before the error returns, so a failed save is
 * not in the journal and a retry does not record it twice.  Those bytes
 * are known without reading them: the tail as loaded or last written
 * (st->jtail), then the spaces brain__slot_grow wrote.
 */
int brain__journal_append(brain__store *store, sstate *st, const char *line,
			  size_t len)
{
	slot *j = JOURNAL(st);
	int depth = st->depth[K_SOURCE];
	brain__buf *text = &st->jtext;
	size_t had, line_part = brain__jfile_frame_len(depth, j->empty, len);
	int rc;

	assert(st->locked && j->fd >= 0);
	assert((off_t)st->jtail.len == j->end - j->tail);
	text->len = 0;
	if ((rc = brain__jfile_append_text(depth, j->empty, line, len, NULL,
					   text)))
		return rc;
	/* news for every other writer, even before a flush says applied */
	brain__state_announce(st);
	/* padded like the others, though written with pwrite: an
	 * fdatasync that changes no file size commits data only */
	if ((rc = brain__slot_grow(store, j, j->tail + (off_t)text->len)))
		return rc;
	if ((rc = brain__write_at(j->fd, text->data, text->len, j->tail)))
		rc = brain__ioerr(store->err, brain__fs_step(),
				  "cannot write %s", j->path);
	else if (store->durability == BRAIN_DURABILITY_ALWAYS ||
		 (store->durability == BRAIN_DURABILITY_BATCH &&
		  brain__sto_since_ms(&st->last_sync) >=
			  (double)store->bp->batch_ms))
		rc = brain__journal_sync(store, st);
	else
		st->unsynced = 1;
	if (rc) {
		char *old = malloc(text->len);
		had = st->jtail.len < text->len ? st->jtail.len : text->len;
		if (old) {
			memcpy(old, st->jtail.data, had);
			memset(old + had, ' ', text->len - had);
		}
		if (!old || brain__write_at(j->fd, old, text->len, j->tail)) {
			size_t n = strlen(store->err->msg);
			snprintf(store->err->msg + n,
				 sizeof(store->err->msg) - n,
				 " (and the record could not be taken back "
				 "out of it: %s)",
				 old ? strerror(errno) : "out of memory");
		}
		free(old);
		return rc;
	}
	/* the new tail, and what is left of the old one beyond it */
	if (st->jtail.len > text->len) {
		memmove(st->jtail.data + (text->len - line_part),
			st->jtail.data + text->len, st->jtail.len - text->len);
		st->jtail.len -= line_part;
		memcpy(st->jtail.data, text->data + line_part,
		       text->len - line_part);
	} else {
		st->jtail.len = 0;
		if (brain__buf_put(&st->jtail, text->data + line_part,
				   text->len - line_part))
			st->loaded = 0; /* out of memory: load it again */
	}
	if (j->tail + (off_t)text->len > j->end)
		j->end = j->tail + (off_t)text->len;
	j->tail += (off_t)line_part;
	j->empty = 0;
	return 0;
}
